"""Estimation of the area-effect variance σ²_u of the Fay–Herriot model, batched.

The Fay–Herriot (1979) model for m sampled areas: ``y = X β + u + e`` with
``u ~ N(0, σ²_u I)`` and ``e ~ N(0, diag ψ)``, ψ known. Three estimators of σ²_u, each by
the Fisher-scoring (or, for FH, Newton-type) iteration of R's ``sae::eblupFH`` (sae 1.3,
Molina & Marhuenda 2015), with its starting value (the median of ψ), stopping rule
(relative change ``|(A_{k+1} - A_k) / A_k|`` at most ``tol``, default 1e-4) and iteration cap
(default 100), truncated at 0 only after the iteration:

* ``"REML"``: score ``-tr(P)/2 + y'P P y/2``, information ``tr(P P)/2`` (Rao & Molina 2015,
  sec. 6.1.2), ``P = V^{-1} - V^{-1} X (X'V^{-1}X)^{-1} X'V^{-1}``;
* ``"ML"``: score ``-tr(V^{-1})/2 + y'P P y/2``, information ``tr(V^{-2})/2`` (sae's choice:
  ``Py`` as in REML, which equals ``V^{-1}(y - X β̂)``);
* ``"FH"``: the Fay–Herriot moment equation ``Σ (y_i - x_i'β̂)² / (A + ψ_i) = m - p``,
  updated with ``A + s / Σ 1/(A + ψ_i)`` (Rao & Molina 2015, sec. 6.1.2, eq. 6.1.17);
* ``"AMRL"``, ``"AMRL_YL"``, ``"AMPL"``, ``"AMPL_YL"``: the adjusted residual / profile
  likelihoods of Li & Lahiri (2010) and Yoshimori & Lahiri (2014) (:mod:`literacy.sae.adjusted`),
  whose maximiser is never 0: the REML or ML score plus ``d log h / dA``, scaled by the
  information minus ``d² log h / dA²``, from the same start; a step that would leave A > 0 is
  halved towards 0 instead. No R program iterates these (emdi maximises them with
  ``optimize()``), so they are iterated to a relative change of 1e-10 whatever ``tol`` says.

Every quantity is computed for a batch of response vectors at once (``Y`` is B x m, one
row per bootstrap replicate; a single fit is B = 1): the m x m matrix P is never formed,
its traces come from p x p products (``tr P = Σ w - tr(Q X'W²X)``,
``tr PP = Σ w² - 2 tr(Q X'W³X) + tr((Q X'W²X)²)`` with ``W = V^{-1}`` diagonal and
``Q = (X'WX)^{-1}``).

A replicate whose iteration fails (the cap reached, or an iterate making ``A + ψ_i <= 0``)
is flagged not converged and refitted by a bounded one-dimensional search that targets the
same estimator: Brent's method on the (restricted) log-likelihood over [0, upper] for
REML/ML, Brent's root of the (monotone decreasing) moment equation for FH (0 when it is
negative at 0).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize

from literacy.sae.adjusted import ADJUSTED_METHODS, REFERENCE, log_adjustment

__all__ = ["VarianceFit", "fit_sigma2", "gls", "METHODS"]

METHODS = ("REML", "ML", "FH", *ADJUSTED_METHODS)

#: Iteration tolerance of the adjusted estimators (see the module notes).
ADJUSTED_TOL = 1e-10


@dataclass
class VarianceFit:
    """σ²_u for each replicate of a batch, with the iteration's outcome."""

    sigma2: np.ndarray      # (B,) truncated at 0
    converged: np.ndarray   # (B,) bool: Fisher scoring met the stopping rule
    iterations: np.ndarray  # (B,) int
    fallback: np.ndarray    # (B,) bool: σ²_u from the bounded search instead


def gls(Y: np.ndarray, X: np.ndarray, psi: np.ndarray, A: np.ndarray):
    """Batched GLS for ``V = diag(A_b + ψ)``.

    Returns ``(w, Q, beta, resid)``: ``w`` (B, m) the inverse variances, ``Q`` (B, p, p) the
    inverse of ``X'WX``, ``beta`` (B, p) and ``resid = Y - X beta`` (B, m).
    """
    w = 1.0 / (A[:, None] + psi[None, :])
    XtWX = np.einsum("bi,ij,ik->bjk", w, X, X)
    Q = np.linalg.inv(XtWX)
    XtWy = np.einsum("bi,ij->bj", w * Y, X)
    beta = np.einsum("bjk,bk->bj", Q, XtWy)
    resid = Y - beta @ X.T
    return w, Q, beta, resid


def _score_information(method, Y, X, psi, A):
    m, p = X.shape
    w, Q, _, resid = gls(Y, X, psi, A)
    if method == "FH":
        s = np.sum(resid**2 * w, axis=1) - (m - p)
        F = np.sum(w, axis=1)
        return s, F
    Py = w * resid
    yPPy = np.sum(Py**2, axis=1)
    if method == "ML":
        return -0.5 * np.sum(w, axis=1) + 0.5 * yPPy, 0.5 * np.sum(w**2, axis=1)
    # REML
    M2 = np.einsum("bi,ij,ik->bjk", w**2, X, X)
    M3 = np.einsum("bi,ij,ik->bjk", w**3, X, X)
    QM2 = Q @ M2
    trP = np.sum(w, axis=1) - np.trace(QM2, axis1=1, axis2=2)
    trPP = (np.sum(w**2, axis=1) - 2.0 * np.trace(Q @ M3, axis1=1, axis2=2)
            + np.einsum("bij,bji->b", QM2, QM2))
    return -0.5 * trP + 0.5 * yPPy, 0.5 * trPP


def _adjusted_score_information(method, Y, X, psi, A):
    """Score and scaling of an adjusted likelihood: the reference likelihood's, plus log h's."""
    s, F = _score_information(REFERENCE[method], Y, X, psi, A)
    _, first, second = log_adjustment(method, A, psi)
    return s + first, F + np.maximum(-second, 0.0)


def _objective(method, y, X, psi):
    """Scalar criterion of one replicate for the fallback search."""
    ref = REFERENCE.get(method, method)

    def negloglik(A):
        w, Q, _, r = gls(y[None, :], X, psi, np.array([A]))
        val = 0.5 * (np.sum(np.log(A + psi)) + np.sum(w[0] * r[0] ** 2))
        if ref == "REML":
            val -= 0.5 * np.linalg.slogdet(Q[0])[1]  # + log det(X'V^{-1}X) / 2
        if method in ADJUSTED_METHODS:
            val -= float(log_adjustment(method, np.array([A]), psi)[0][0])
        return val

    def moment(A):
        m, p = X.shape
        w, _, _, r = gls(y[None, :], X, psi, np.array([A]))
        return np.sum(w[0] * r[0] ** 2) - (m - p)

    return moment if method == "FH" else negloglik


def _fallback(method, y, X, psi):
    upper = 10.0 * (np.var(y) + np.max(psi)) + 1e-12
    f = _objective(method, y, X, psi)
    if method == "FH":
        if f(0.0) <= 0:
            return 0.0
        hi = upper
        while f(hi) > 0:  # the moment function decreases to -(m - p) as A grows
            hi *= 10.0
        return optimize.brentq(f, 0.0, hi, xtol=1e-12)
    lower = 1e-12 * upper if method in ADJUSTED_METHODS else 0.0    # log h(0) = -inf
    res = optimize.minimize_scalar(f, bounds=(lower, upper), method="bounded",
                                   options={"xatol": 1e-10 * max(upper, 1.0)})
    return max(float(res.x), 0.0)


def fit_sigma2(Y: np.ndarray, X: np.ndarray, psi: np.ndarray, method: str = "REML", *,
               max_iter: int = 100, tol: float = 1e-4) -> VarianceFit:
    """Estimate σ²_u for each row of ``Y`` (B x m) as ``sae::eblupFH`` does.

    Parameters
    ----------
    Y : ndarray (B, m)
        Direct estimates, one replicate per row.
    X : ndarray (m, p)
        Area covariates, full column rank.
    psi : ndarray (m,)
        Known sampling variances, positive.
    method : {"REML", "ML", "FH", "AMRL", "AMRL_YL", "AMPL", "AMPL_YL"}
    max_iter, tol : int, float
        sae's ``MAXITER`` and ``PRECISION`` (defaults 100 and 1e-4); the adjusted estimators
        use ``min(tol, ADJUSTED_TOL)``.

    Returns
    -------
    VarianceFit
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, not {method!r}")
    Y = np.atleast_2d(np.asarray(Y, dtype=float))
    B = Y.shape[0]
    adjusted = method in ADJUSTED_METHODS
    if adjusted:
        tol = min(tol, ADJUSTED_TOL)
    A = np.full(B, float(np.median(psi)))   # sae: Aest[1] <- median(vardir)
    k = np.zeros(B, dtype=int)
    diff = np.full(B, tol + 1.0)
    failed = np.zeros(B, dtype=bool)
    active = np.ones(B, dtype=bool)
    while active.any():
        idx = np.flatnonzero(active)
        if adjusted:
            s, F = _adjusted_score_information(method, Y[idx], X, psi, A[idx])
            A_new = A[idx] + s / F
            A_new = np.where(A_new > 0, A_new, 0.5 * A[idx])     # stay inside A > 0
        else:
            s, F = _score_information(method, Y[idx], X, psi, A[idx])
            A_new = A[idx] + s / F
        k[idx] += 1
        with np.errstate(divide="ignore", invalid="ignore"):
            diff[idx] = np.abs((A_new - A[idx]) / A[idx])
        bad = ~np.isfinite(A_new) | (A_new + psi.min() <= 0)
        A[idx] = A_new
        failed[idx[bad]] = True
        active[idx] = ~bad & (diff[idx] > tol) & (k[idx] < max_iter)
    # sae: convergence FALSE when k >= MAXITER and diff >= PRECISION
    converged = ~failed & ~((k >= max_iter) & (diff >= tol))
    fallback = ~converged
    for b in np.flatnonzero(fallback):  # rare: only replicates whose iteration failed
        A[b] = _fallback(method, Y[b], X, psi)
    return VarianceFit(sigma2=np.maximum(A, 0.0), converged=converged, iterations=k, fallback=fallback)
