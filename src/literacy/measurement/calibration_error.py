"""The sampling error the calibration carries into a linked figure.

A linked share is ``Σ_i w_i 1[θ_i > θ*] / Σ_i w_i`` with θ drawn given the item parameters, the
rounds' latent distributions and the cut θ*, all estimated from the *same two samples*. The plausible
values' design variance treats those estimates as known, so it leaves out their sampling error:
the error of the link (how far the end-of-period round sits above the baseline on the common scale)
and of the cut. In the coverage study of ``benchmarks/coverage_linked.py`` the end-of-period share's
interval without it covered 85% of the time.

Here it is put back by linearising the whole estimator (Binder 1983; Lumley 2010, 5.2). The
calibration ψ̂ solves the weighted score equations ``Σ_i c_r w_i s_i(ψ) = 0`` (``c_r`` the fit's
rescaling of round r's weights to its sample size), so

    ψ̂ − ψ ≈ Σ_i w_i z_i,   z_i = c_r (−H)⁻¹ s_i,

with ``s_i`` respondent i's score (the posterior mean of the complete-data score, Louis 1982) and
``−H`` the observed information of the fit. A figure f(ψ) of round r then has the linearised value
``v_i + g'z_i``, ``v_i`` its own (the plausible values' indicator, centred and divided by the
domain's weight) and ``g = ∂f/∂ψ`` (the delta method of the standard error of equating: Lord 1982;
Kolen & Brennan 2014, ch. 7; Ogasawara 2001 for IRT linking). Its design variance is

    Var(v + g'z) = Var(v) + g' C g + 2 g' Cov(Σ w z, Σ w v),

``C`` the design covariance of ``Σ w z`` over both rounds' samples (independent, so their
covariances add; the cross term comes from the figure's own round only). ``g`` is the derivative of
the posterior-expected share ``Σ_i w_i P(θ_i > θ* | answers, ψ) / Σ_i w_i`` (the calibration's
latent distribution as the population model), the smooth counterpart of the plausible-value
estimate. The change between rounds has ``g = g_end − g_base`` and both rounds' cross terms.

Pure computation: the calibration (:class:`literacy.measurement.IRTFit`), the 0/1 scores, the
weights and the designs come in; arrays come out.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import expit
from threadpoolctl import threadpool_limits

from literacy.measurement.plausible import response_loglik

__all__ = ["RoundLayout", "round_layout", "person_scores", "parameter_influence", "cut_gradient",
           "share_gradient", "influence_covariance", "InfluenceTotals", "influence_totals", "domain_cross",
           "calibration_increment", "RoundCalibration"]

#: Rows per block of the posterior computations (n x nodes arrays stay a few tens of MB).
_CHUNK = 20_000


def _one_blas_thread(fn):
    """Run ``fn`` with one BLAS thread: a threaded matrix product sums in another order, and the
    same inputs must give byte-identical outputs in a Dask worker (one thread) and in a city run
    alone (as many as the machine has)."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with threadpool_limits(limits=1, user_api="blas"):
            return fn(*args, **kwargs)
    return wrapper


@dataclass
class RoundLayout:
    """Where a round's item parameters sit in the calibration's parameter vector."""

    items: list[str]          # the form's items that were calibrated, in form order
    use: np.ndarray           # boolean over the form's items: calibrated
    ia: np.ndarray            # index of each calibrated item's slope (1PL: the common slope, 0)
    id: np.ndarray            # index of each calibrated item's intercept
    im: int                   # index of the round's latent mean (-1: fixed at 0, the baseline)
    isd: int                  # index of the round's latent SD (-1: fixed at 1)
    a: np.ndarray
    d: np.ndarray
    mean: float
    sd: float


@dataclass
class RoundCalibration:
    """What a round's linked figures need to carry the calibration's error.

    ``gradient[level]`` (n x p): each respondent's ∂P(θ > θ*_level | answers)/∂ψ;
    ``influence``: each respondent's influence z_i on ψ̂ (per unit of design weight), as
    :func:`influence_totals` on the round's design;
    ``covariance`` (p x p): the design covariance of Σ w z summed over *all* rounds (the figure's
    ``g'Cg``).
    """

    gradient: dict
    influence: object
    covariance: np.ndarray


def round_layout(fit, items: list[str], round_id: str) -> RoundLayout:
    """The parameters of a round's form in the fit's parameter vector (round-specific parameters of
    a freed anchor before shared ones; items left out of the calibration are not ``use``d; the
    baseline's latent mean and SD are fixed at 0 and 1: ``im = isd = -1``)."""
    index = {name: k for k, name in enumerate(fit.param_names)}
    beta = np.asarray(fit.params, dtype=float)
    ia, id_, use = [], [], []
    for item in items:   # one dictionary lookup per item of the form (tens)
        tags = [f"{item}@{round_id}", str(item)]
        kd = next((index[f"d[{t}]"] for t in tags if f"d[{t}]" in index), None)
        if kd is None:
            use.append(False)
            continue
        ka = 0 if fit.model == "1pl" else next(index[f"a[{t}]"] for t in tags if f"a[{t}]" in index)
        use.append(True)
        ia.append(ka)
        id_.append(kd)
    ia, id_ = np.asarray(ia, dtype=np.int64), np.asarray(id_, dtype=np.int64)
    im = index.get(f"mean[{round_id}]", -1)
    isd = index.get(f"sd[{round_id}]", -1)
    mean, sd = (float(beta[im]), float(beta[isd])) if im >= 0 else (0.0, 1.0)
    return RoundLayout(items=[i for i, u in zip(items, use) if u], use=np.asarray(use, dtype=bool), ia=ia, id=id_,
                       im=im, isd=isd, a=beta[ia], d=beta[id_], mean=mean, sd=sd)


def _chain(lay: RoundLayout, p: int) -> tuple[np.ndarray, np.ndarray]:
    """A, B (J x p): ∂η_jq/∂ψ = A[j] + z_q B[j] for η_jq = a_j (μ + σ z_q) + d_j."""
    J = len(lay.ia)
    A = np.zeros((J, p))
    B = np.zeros((J, p))
    rows = np.arange(J)
    np.add.at(A, (rows, lay.ia), lay.mean)
    np.add.at(B, (rows, lay.ia), lay.sd)
    A[rows, lay.id] += 1.0
    if lay.im >= 0:
        A[:, lay.im] += lay.a
        B[:, lay.isd] += lay.a
    return A, B


def _posterior(X: np.ndarray, lay: RoundLayout, z: np.ndarray, logprior: np.ndarray) -> np.ndarray:
    """Posterior weights over the nodes θ_q = μ + σ z_q (rows: respondents)."""
    ll = response_loglik(X, lay.a, lay.d, lay.mean + lay.sd * z) + logprior[None, :]
    ll -= ll.max(axis=1, keepdims=True)
    h = np.exp(ll)
    h /= h.sum(axis=1, keepdims=True)
    return h


def _scored_matrix(scored: pd.DataFrame, lay: RoundLayout) -> np.ndarray:
    return scored[lay.items].to_numpy(dtype=float)


@_one_blas_thread
def person_scores(fit, scored: pd.DataFrame, round_id: str) -> np.ndarray:
    """Each respondent's score: the gradient of their marginal log-likelihood at ψ̂ (n x p).

    Fisher's identity: the posterior mean of the complete-data score,
    ``s_i = Σ_j Σ_q h_iq (x_ij − P_j(θ_q)) ∂η_jq/∂ψ`` (Louis 1982), on the fit's own quadrature, so
    that ``Σ_i c_r w_i s_i`` over the rounds is the fit's gradient.
    """
    lay = round_layout(fit, [str(c) for c in scored.columns], round_id)
    p = len(fit.params)
    A, B = _chain(lay, p)
    z = np.asarray(fit.nodes, dtype=float)
    logprior = np.log(np.asarray(fit.weights, dtype=float))
    X_all = _scored_matrix(scored, lay)
    out = np.zeros((len(X_all), p))
    for s in range(0, len(X_all), _CHUNK):
        X = X_all[s:s + _CHUNK]
        h = _posterior(X, lay, z, logprior)
        P = expit(np.outer(lay.a, lay.mean + lay.sd * z) + lay.d[:, None])     # J x Q
        u = X - h @ P.T
        t = X * (h @ z)[:, None] - h @ (P * z).T
        out[s:s + _CHUNK] = u @ A + t @ B
    return out


@_one_blas_thread
def parameter_influence(fit, scored: dict[str, pd.DataFrame], weights: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Each respondent's influence on the calibration, ``z_i = c_r (−H)⁻¹ s_i`` (round -> n_r x p).

    ``ψ̂ − ψ ≈ Σ_r Σ_i w_i z_i`` (``w`` the design weights as delivered); ``c_r`` is the fit's
    rescaling of the round's weights to its number of respondents (1 with frequency weights);
    ``(−H)⁻¹`` the fit's ``cov`` (inverse observed information). NaN when the fit has none.
    """
    cov = np.asarray(fit.cov, dtype=float)
    z = {}
    for r, s in scored.items():
        w = np.asarray(weights[r], dtype=float)
        pos = w > 0
        c = 1.0 if fit.info.get("weight_type") == "frequency" else pos.sum() / w[pos].sum()
        z[r] = c * (person_scores(fit, s, r) @ cov)
    # The baseline's latent distribution is fixed at N(0, 1) only to set the scale, while the plausible
    # values' latent regression re-estimates it given the items. That changes nothing here: the
    # joint likelihood is invariant under θ -> (θ - m)/s with the items transformed to match, so at
    # the calibration's maximum the baseline's own scores for its mean and SD are exactly zero,
    # whatever the data: re-estimating them given ψ̂ gives N(0, 1) again, to first order.
    return z


@_one_blas_thread
def cut_gradient(fit, instrument: pd.DataFrame, round_id: str, cuts: dict[str, float],
                 constant: float = 0.0) -> dict[str, np.ndarray]:
    """∂θ*/∂ψ of each level's cut: θ* solves ``Σ_j points_j P_j(θ*) = cut − constant`` on the
    baseline form, so ``∂θ*/∂ψ = −∂TCC/∂ψ / TCC'(θ*)`` (implicit function theorem)."""
    items = instrument["item_id"].astype(str).tolist()
    lay = round_layout(fit, items, round_id)
    points = instrument["points"].to_numpy(dtype=float)[lay.use]
    p = len(fit.params)
    out = {}
    for code, theta in cuts.items():
        P = expit(lay.a * theta + lay.d)
        slope = points * P * (1 - P)
        tcc_prime = float(slope @ lay.a)
        g = np.zeros(p)
        np.add.at(g, lay.ia, -slope * theta / tcc_prime)
        np.add.at(g, lay.id, -slope / tcc_prime)
        out[code] = g
    return out


@_one_blas_thread
def share_gradient(fit, scored: pd.DataFrame, round_id: str, cuts: dict[str, float],
                   cut_gradients: dict[str, np.ndarray], n_points: int = 241) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Each respondent's posterior probability of being above each cut and its gradient in ψ.

    ``Π_i = Σ_q h_iq c_q`` on ``n_points`` nodes over ±6 SD of the round's calibrated latent
    distribution N(μ_r, σ_r²), ``c_q`` the fraction of node q's interval above θ* (midpoint rule:
    continuous in θ*, μ and σ). Its gradient is
    ``Σ_q h_iq (c_q − Π_i) ∂ log L_i(θ_q)/∂ψ`` (the answers' likelihood) plus the cut's, mean's and
    SD's moves of the interval that holds θ* (``∂θ*/∂ψ`` from :func:`cut_gradient`).

    Returns level -> (Π: n, ∂Π/∂ψ: n x p).
    """
    lay = round_layout(fit, [str(c) for c in scored.columns], round_id)
    p = len(fit.params)
    A, B = _chain(lay, p)
    z = np.linspace(-6.0, 6.0, int(n_points))
    dz = z[1] - z[0]
    logprior = -0.5 * z * z
    P = expit(np.outer(lay.a, lay.mean + lay.sd * z) + lay.d[:, None])
    X_all = _scored_matrix(scored, lay)
    n = len(X_all)
    out = {k: (np.zeros(n), np.zeros((n, p))) for k in cuts}
    for s in range(0, n, _CHUNK):
        X = X_all[s:s + _CHUNK]
        h = _posterior(X, lay, z, logprior)
        for code, theta in cuts.items():
            arg = (z + dz / 2) / dz - (theta - lay.mean) / (lay.sd * dz)
            c = np.clip(arg, 0.0, 1.0)
            inside = ((arg > 0) & (arg < 1)).astype(float)
            pi = h @ c
            k = h * (c[None, :] - pi[:, None])                 # Σ_q k_iq = 0
            grad = (-(k @ P.T)) @ A + (X * (k @ z)[:, None] - k @ (P * z).T) @ B
            m = (h @ inside) / (lay.sd * dz)                   # ∂Π/∂arg-shift through the cut's interval
            grad -= m[:, None] * cut_gradients[code][None, :]  # θ* up: fewer above
            if lay.im >= 0:
                grad[:, lay.im] += m
                grad[:, lay.isd] += m * (theta - lay.mean) / lay.sd
            out[code][0][s:s + _CHUNK] = pi
            out[code][1][s:s + _CHUNK] = grad
    return out


@_one_blas_thread
def influence_covariance(design, influence: np.ndarray) -> np.ndarray:
    """The design covariance (p x p) of ``Σ_i w_i z_i`` (Taylor, calibration-aware, or replicate)."""
    return design.totals_covariance(np.asarray(influence, dtype=float), np.arange(design.n), mean=False)[1]


@dataclass
class InfluenceTotals:
    """A round's influence as its design's variance estimator uses it, computed once per round:
    the weighted values after the calibration steps (Taylor) or the replicate totals (replicate
    designs). Many domains' cross-covariances then cost one small product each."""

    kind: str                         # "taylor" | "replicate"
    values: np.ndarray                # n x p residualised weighted values, or R x p replicate totals
    full: np.ndarray | None = None    # replicate designs: the full-sample totals (p)


@_one_blas_thread
def influence_totals(design, influence: np.ndarray) -> InfluenceTotals:
    """:class:`InfluenceTotals` of a round's influence (n x p) on its design."""
    values, full = design.totals_basis(np.asarray(influence, dtype=float))
    return InfluenceTotals("replicate" if design.has_replicate_weights else "taylor", values, full)


@_one_blas_thread
def domain_cross(design, linearised: np.ndarray, influence) -> np.ndarray:
    """``Cov(Σ w v_d, Σ w z)`` (D x p): the design covariance of D figures' own linearised totals
    (``linearised``, n x D, unweighted: for a domain share ``1[i in d] (y_i − f_d) / W_d``) with
    the round's influence totals (``influence``: n x p, :func:`parameter_influence`, or its
    :func:`influence_totals`). As the design's ``totals_covariance`` computes it for the stacked columns, without
    residualising the influence again for every breakdown."""
    if not isinstance(influence, InfluenceTotals):
        influence = influence_totals(design, influence)
    return design.cross_covariance(np.asarray(linearised, dtype=float), influence.values, influence.full)


@_one_blas_thread
def calibration_increment(gradient: np.ndarray, cross: np.ndarray, covariance: np.ndarray,
                          sign: float = 1.0) -> np.ndarray:
    """What the calibration adds to the design variance of D figures: ``g'Cg + 2 sign g'cross``.

    ``gradient`` (D x p) ``∂f_d/∂ψ``; ``cross`` (D x p) :func:`domain_cross` of the figures' round;
    ``covariance`` (p x p) the design covariance of ``Σ w z`` over every round (the calibration is
    joint, the rounds' samples independent: their covariances add); ``sign`` −1 for a figure that
    enters a difference with a minus. May be negative (the calibration's error can offset the
    figure's own, e.g. a baseline share whose cut is set on its own form); the figure's total
    variance ``Var(v + g'z)`` never is.
    """
    quad = np.einsum("dp,pq,dq->d", gradient, covariance, gradient)
    return quad + 2.0 * sign * np.einsum("dp,dp->d", gradient, cross)
