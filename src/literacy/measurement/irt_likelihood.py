"""The marginal likelihood of an IRT calibration (:func:`literacy.measurement.irt.fit_irt`).

Per group, one matrix product of the 0/1 matrix with the J x Q logits gives the n x Q posterior
(the E-step), the expected counts, and with Louis' (1982) terms the exact Hessian of the
marginal log-likelihood. :class:`MarginalLikelihood` sums the groups.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Hashable

import numpy as np
from scipy.special import expit

__all__ = ["ItemGroup", "MarginalLikelihood"]


@dataclass
class ItemGroup:
    """One group's (round's) data and parameter layout in a calibration.

    Attributes
    ----------
    label : hashable
        The group's label (None for a single-group calibration).
    cols : ndarray
        Global indices of the items calibrated in this group.
    ia, id : ndarray
        Index in the parameter vector of each active item's slope and intercept.
    im, isd : int
        Index of the group's latent mean and SD (-1: fixed at 0 and 1, the baseline group).
    X : ndarray
        Rows x active items, 1.0 where correct.
    O : ndarray or None
        1.0 where answered; None when every row answered every active item.
    w : ndarray
        Row weights (after collapsing identical patterns).
    opat : ndarray or None
        Missingness-pattern id of each row (when ``O`` is given).
    opats : ndarray or None
        The distinct missingness patterns (n_pat x active items).
    n_persons : int
        Respondents used.
    n_item : ndarray
        Unweighted respondents per active item.
    """

    label: Hashable
    cols: np.ndarray          # global item indices active in this group
    ia: np.ndarray            # param index of each active item's slope
    id: np.ndarray            # param index of each active item's intercept
    im: int                   # param index of the group mean (-1: fixed at 0)
    isd: int                  # param index of the group SD (-1: fixed at 1)
    X: np.ndarray             # rows x active items, 1.0 where correct
    O: np.ndarray | None      # 1.0 where answered; None: every row answered every active item
    w: np.ndarray             # row weights (after collapsing)
    opat: np.ndarray | None   # missingness-pattern id of each row (when O is not None)
    opats: np.ndarray | None  # the distinct missingness patterns (n_pat x active items)
    n_persons: int
    n_item: np.ndarray        # unweighted respondents per active item


def _group_eta(g: ItemGroup, beta: np.ndarray, z: np.ndarray):
    a = beta[g.ia]
    d = beta[g.id]
    mu = beta[g.im] if g.im >= 0 else 0.0
    sd = beta[g.isd] if g.isd >= 0 else 1.0
    theta = mu + sd * z
    eta = np.outer(a, theta) + d[:, None]
    return a, mu, sd, theta, eta


def _estep(g: ItemGroup, beta, z, logpi, chunk, louis=False):
    """Marginal log-likelihood, expected counts r, n (J x Q) and, with ``louis``, the pieces of the
    posterior covariance of the complete-data score."""
    a, mu, sd, theta, eta = _group_eta(g, beta, z)
    J, Q = eta.shape
    P = expit(eta)
    log1mP = -np.logaddexp(0.0, eta)
    col1m = log1mP.sum(0)
    r = np.zeros((J, Q))
    nn = np.zeros((J, Q)) if g.O is not None else np.zeros(Q)
    ll = 0.0
    out: dict[str, Any] = {}
    if louis:
        zc = (theta - mu) / sd                        # = z
        cz = np.vstack([np.ones(Q), zc, zc * zc])     # c_k(q) = z_q^k
        T1 = np.zeros((3, J, J))                      # sum_n w (h_n.c_k) x x'
        T2 = np.zeros((3, J, J))                      # sum_n w x_j o_k (sum_q c_k h P_kq)
        Npat = np.zeros((0 if g.opats is None else len(g.opats), Q))
        gl = _local_index(g)
        A0, B0 = _design(g, gl, a, mu, sd, z)[:2]
        SWS = np.zeros((len(gl), len(gl)))
    for s in range(0, len(g.w), chunk):
        X = g.X[s:s + chunk]
        w = g.w[s:s + chunk]
        L = X @ eta
        if g.O is None:
            L += col1m
        else:
            L += g.O[s:s + chunk] @ log1mP
        L += logpi
        m = L.max(axis=1, keepdims=True)
        np.subtract(L, m, out=L)
        np.exp(L, out=L)
        tot = L.sum(axis=1, keepdims=True)
        L /= tot                                       # L is now the posterior h
        ll += float(w @ (m[:, 0] + np.log(tot[:, 0])))
        wh = L * w[:, None]
        r += X.T @ wh
        if g.O is None:
            nn += wh.sum(0)
        else:
            nn += g.O[s:s + chunk].T @ wh
        if louis:
            h = L
            O = g.O[s:s + chunk] if g.O is not None else None
            for k in range(3):
                hc = h @ cz[k]
                T1[k] += (X * (w * hc)[:, None]).T @ X
                M = h @ (P * cz[k]).T                  # n x J: sum_q c_k h_nq P_jq
                if O is not None:
                    M *= O
                T2[k] += (X * w[:, None]).T @ M
            if O is not None:
                np.add.at(Npat, g.opat[s:s + chunk], wh)
            # per-person posterior mean of the complete-data score, in the local parameter space
            HP = h @ P.T                               # sum_q h P_jq
            HzP = h @ (P * zc).T                       # sum_q h z_q P_jq
            Ez = h @ zc
            u = X - (HP if O is None else O * HP)      # sum_q h e_j(q)
            t = X * Ez[:, None] - (HzP if O is None else O * HzP)   # sum_q h z_q e_j(q)
            S = u @ A0 + t @ B0                        # sbar_n = sum_j (u_nj A0[j] + t_nj B0[j])
            SWS += (S * w[:, None]).T @ S
    if g.O is None:
        out["Nq"] = nn.copy()
        nn = np.broadcast_to(nn, (J, Q)).copy()
    out.update(ll=ll, r=r, n=nn, P=P, theta=theta, a=a)
    if louis:
        out.update(T1=T1, T2=T2, Npat=Npat, cz=cz, SWS=SWS)
    return out


def _local_index(g: ItemGroup):
    idx = [g.ia, g.id]
    if g.im >= 0:
        idx.append(np.array([g.im, g.isd]))
    gl = np.unique(np.concatenate(idx))
    return gl


def _design(g: ItemGroup, gl, a, mu, sd, z):
    """D_q[j, c] = d eta_jq / d beta_c = A0[j, c] + B0[j, c] z_q (theta_q = mu + sd z_q)."""
    J = len(g.ia)
    p = len(gl)
    la = np.searchsorted(gl, g.ia)
    ld = np.searchsorted(gl, g.id)
    A0 = np.zeros((J, p))
    B0 = np.zeros((J, p))
    rows = np.arange(J)
    A0[rows, la] += mu
    B0[rows, la] += sd
    A0[rows, ld] += 1.0
    lm = ls = -1
    if g.im >= 0:
        lm = int(np.searchsorted(gl, g.im))
        ls = int(np.searchsorted(gl, g.isd))
        A0[:, lm] = a
        B0[:, ls] = a
    return A0, B0, la, ld, lm, ls


def _derivs(g: ItemGroup, beta, z, e: dict, p_total: int, louis: bool):
    """Gradient and Hessian (complete-data expected, plus Louis terms if asked) in the full
    parameter space, from one group's E-step output ``e``."""
    a, mu, sd, theta, eta = _group_eta(g, beta, z)
    P = e["P"] if louis else expit(eta)
    r, n = e["r"], e["n"]
    R = r - n * P                          # J x Q
    W = n * P * (1.0 - P)
    gl = _local_index(g)
    A0, B0, la, ld, lm, ls = _design(g, gl, a, mu, sd, z)
    # D as (Q, J, p): A0 + z_q B0
    D = A0[None, :, :] + z[:, None, None] * B0[None, :, :]
    grad = np.einsum("jq,qjc->c", R, D)
    Dw = D * W.T[:, :, None]
    p = len(gl)
    H = -(Dw.reshape(-1, p).T @ D.reshape(-1, p))
    if lm >= 0:
        # second derivatives of eta: d2 eta / (da_j dmu) = 1, d2 eta / (da_j dsd) = z_q
        s0 = R.sum(1)
        s1 = R @ z
        np.add.at(H, (la, np.full_like(la, lm)), s0)
        np.add.at(H, (np.full_like(la, lm), la), s0)
        np.add.at(H, (la, np.full_like(la, ls)), s1)
        np.add.at(H, (np.full_like(la, ls), la), s1)
    if louis:
        T1, T2, cz = e["T1"], e["T2"], e["cz"]
        # G_k = sum_q z_q^k E_q,  E_q[j,k] = sum_n w h_nq e_nj(q) e_nk(q),
        # e_nj(q) = x_nj - o_nj P_jq  (Louis 1982)
        if g.O is not None:
            # C_q[j, k] = sum_n w h_nq o_nj o_nk, by missingness pattern (booklet): one
            # J x n_pat x J product per node
            C = np.stack([(g.opats.T * e["Npat"][:, q]) @ g.opats for q in range(len(z))])
        G = []
        for k in range(3):
            if g.O is None:
                T4 = (P * (cz[k] * e["Nq"])) @ P.T
            else:
                T4 = np.einsum("q,jq,kq,qjk->jk", cz[k], P, P, C, optimize=True)
            G.append(T1[k] - T2[k] - T2[k].T + T4)
        H += A0.T @ G[0] @ A0 + A0.T @ G[1] @ B0 + B0.T @ G[1] @ A0 + B0.T @ G[2] @ B0
        H -= e["SWS"]                          # minus sum_n w sbar_n sbar_n'
    G_full = np.zeros(p_total)
    G_full[gl] = grad
    H_full = np.zeros((p_total, p_total))
    H_full[np.ix_(gl, gl)] = H
    return G_full, H_full


class MarginalLikelihood:
    """The weighted marginal log-likelihood of a calibration and its derivatives.

    Everything fixed during one calibration: the groups' data, the parameter layout and the
    N(0, 1) quadrature.

    Parameters
    ----------
    groups : list of ItemGroup
        The groups' data.
    p : int
        Length of the parameter vector.
    z, pi : ndarray
        Quadrature nodes and weights (weights summing to 1).
    chunk : int
        Rows per block of the E-step's matrix products.
    """

    def __init__(self, groups: list[ItemGroup], p: int, z, pi, chunk):
        self.groups = groups
        self.p = p
        self.z = z
        self.logpi = np.log(pi)
        self.chunk = chunk

    def estep(self, beta, louis=False):
        """The E-step of every group at ``beta``.

        Parameters
        ----------
        beta : ndarray
            The parameter vector.
        louis : bool, default False
            Also form the pieces of the posterior covariance of the complete-data score (for
            the exact Hessian).

        Returns
        -------
        list of dict
            Per group: ``ll`` (its log-likelihood), the expected counts ``r`` and ``n``
            (J x Q), ``P``, ``theta``, ``a`` and, with ``louis``, the Louis terms.
        """
        return [_estep(g, beta, self.z, self.logpi, self.chunk, louis) for g in self.groups]

    def derivs(self, beta, es, louis=False):
        """Log-likelihood, gradient and Hessian at ``beta`` from the groups' E-steps.

        Parameters
        ----------
        beta : ndarray
            The parameter vector.
        es : list of dict
            :meth:`estep` at ``beta``.
        louis : bool, default False
            The exact Hessian of the marginal log-likelihood (Louis 1982; ``es`` formed with
            ``louis=True``) instead of the expected complete-data one.

        Returns
        -------
        (ll, grad, H) : tuple
            float, length-p gradient, p x p Hessian.
        """
        grad = np.zeros(self.p)
        H = np.zeros((self.p, self.p))
        for g, e in zip(self.groups, es):
            gg, hh = _derivs(g, beta, self.z, e, self.p, louis)
            grad += gg
            H += hh
        return sum(e["ll"] for e in es), grad, H
