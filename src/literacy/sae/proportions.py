"""Fay–Herriot model for proportions on the arcsine-square-root scale, with bootstrap MSE.

Transformation (variance stabilising; Jiang, Lahiri, Wan & Wu 2001, BLS seminar; Hadam, Würz &
Kreutzmann 2020, as emdi's ``fh(transformation = "arcsin")``): ``y_i = asin(sqrt(p̂_i))``
with the known sampling variance ``ψ_i = 1 / (4 n_eff,i)``, ``n_eff,i = n_i / deff_i``.
The model of :func:`literacy.sae.fay_herriot` is fitted to y.

Back-transformation with bias correction (Slud & Maiti 2006; Hadam, Würz & Kreutzmann
2020, emdi's ``backtransformation = "bc"``): the proportion estimate is the expectation of
``h(θ) = sin²(θ)`` over the predictive normal ``θ ~ N(θ̂_i, v_i)``, ``v_i = γ_i ψ_i``
(= σ̂²_u (1 - γ_i), the posterior variance of θ_i) for a sampled area and ``v_i = σ̂²_u``
for an area without a sample (predicted x_i'β̂ + u_i, u_i unknown). θ outside [0, π/2] is
truncated as in emdi's naive back-transformation: below 0 it counts as p = 0, above π/2
as p = 1. The integral over [0, π/2] is computed by Gauss–Legendre quadrature on the
standardised scale (40 nodes on the part of [-10, 10] standard deviations inside the
range), the upper tail in closed form. Differences from emdi: emdi integrates
``sin²(x) φ`` over [0, π/2] only (the mass above π/2 counts as 0 instead of 1, which
biases shares near 1 downwards) and back-transforms out-of-sample areas naively.

MSE and intervals by the parametric bootstrap of González-Manteiga, Lombardía, Molina,
Morales & Santamaría (2008), as emdi's ``boot_arcsin_2``: for b = 1..B,
``θ*_i = x_i'β̂ + u*_i`` (u* ~ N(0, σ̂²_u), all areas), true ``p*_i = h(θ*_i)``,
``y*_i = θ*_i + e*_i`` (e* ~ N(0, ψ_i), sampled areas), the model refitted to y* by the same
method and ``p̂*_i`` the bias-corrected back-transformed EBLUP; ``mse_i = mean_b (p̂*_i -
p*_i)²``. The (1 - α) interval is the bootstrap prediction interval on the arcsine scale,
``θ̂_i + [q_{α/2}, q_{1-α/2}]`` of ``θ*_i - θ̂*_i`` (percentile form of Chatterjee,
Lahiri & Li 2008, without studentisation), mapped back with ``h`` (monotone), so it stays
within [0, 1]. All B replicates are fitted together (:mod:`literacy.sae.fitting`).

Benchmarking (``benchmark=``, a :class:`literacy.sae.benchmark.Benchmark`): the estimates are
ratio-benchmarked to the districts' direct estimates (:func:`literacy.sae.ratio_benchmark`), and
each bootstrap replicate is benchmarked to its own district estimate
(:func:`literacy.sae.benchmark.benchmark_replicates`, whose district errors are the replicate's
own cell errors ``h(y*_i) - h(θ*_i)``), so ``mse_benchmarked`` and the benchmarked interval
(the same percentile form on the arcsine scale, around the benchmarked estimate) carry the
benchmark's sampling error. No extra random numbers are drawn: the unbenchmarked columns are
the same with or without it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import special

from literacy.errors import DataError
from literacy.sae.benchmark import Benchmark, benchmark_replicates, ratio_benchmark
from literacy.sae.fay_herriot import FayHerriotResult, fay_herriot
from literacy.sae.fitting import fit_sigma2, gls
from literacy.sae.model import area_labels, name_areas

__all__ = ["ProportionResult", "fay_herriot_proportion", "arcsin_expectation", "PROPORTION_COLUMNS"]

#: Columns of ``ProportionResult.estimates``, in order.
PROPORTION_COLUMNS = ["direct", "n", "deff", "n_eff", "variance", "gamma", "eblup_asin", "mse_asin",
                      "estimate", "mse", "rmse", "cv", "ci_low", "ci_high", "in_sample", "is_synthetic",
                      "flag"]

#: Columns added to ``ProportionResult.estimates`` when the estimates are benchmarked.
BENCHMARK_COLUMNS = ["benchmark_factor", "estimate_benchmarked", "mse_benchmarked", "ci_low_benchmarked",
                     "ci_high_benchmarked"]

_HALF_PI = np.pi / 2
_GL_T, _GL_W = np.polynomial.legendre.leggauss(40)
_Z_MAX = 10.0


def _clamped_sin2(theta):
    return np.sin(np.clip(theta, 0.0, _HALF_PI)) ** 2


def arcsin_expectation(mu, var) -> np.ndarray:
    """``E[h(θ)]`` for ``θ ~ N(mu, var)``, ``h`` = sin² truncated to [0, 1] outside [0, π/2].

    Vectorised over any broadcastable shapes; ``var = 0`` gives ``h(mu)``.
    """
    mu, var = np.broadcast_arrays(np.asarray(mu, dtype=float), np.asarray(var, dtype=float))
    s = np.sqrt(np.maximum(var, 0.0))
    pos = s > 0
    s_safe = np.where(pos, s, 1.0)
    b_raw = (_HALF_PI - mu) / s_safe
    a = np.clip(-mu / s_safe, -_Z_MAX, _Z_MAX)
    b = np.clip(b_raw, -_Z_MAX, _Z_MAX)
    half = np.maximum(b - a, 0.0) / 2.0
    z = (a + b)[..., None] / 2.0 + half[..., None] * _GL_T            # (..., K)
    f = np.sin(mu[..., None] + s_safe[..., None] * z) ** 2 * np.exp(-0.5 * z**2) / np.sqrt(2 * np.pi)
    inside = half * np.sum(f * _GL_W, axis=-1)
    upper = special.ndtr(-b_raw)                                      # P(θ > π/2): counts as p = 1
    return np.where(pos, inside + upper, _clamped_sin2(mu))


@dataclass
class ProportionResult:
    """Fay–Herriot estimates of proportions (arcsine scale model, proportion-scale output).

    Attributes
    ----------
    estimates : DataFrame
        In the rows of the input, columns :data:`PROPORTION_COLUMNS`: ``direct`` (p̂),
        ``n``, ``deff``, ``n_eff``, ``variance`` (ψ on the arcsine scale), ``gamma``,
        ``eblup_asin`` and ``mse_asin`` (transformed scale, analytic), ``estimate`` (the
        bias-corrected proportion), ``mse``/``rmse`` (bootstrap), ``cv`` (rmse / estimate),
        ``ci_low``/``ci_high`` (bootstrap interval), ``in_sample``, ``is_synthetic`` and
        ``flag`` (why an area has no direct estimate; empty otherwise); with a benchmark also
        :data:`BENCHMARK_COLUMNS` (the factor f_d, the benchmarked estimate, its bootstrap MSE
        with the benchmark's uncertainty and its interval).
    model : FayHerriotResult
        The fit on the arcsine scale (coefficients, σ²_u, diagnostics).
    B, seed, alpha : int, int or None, float
    boot_failed : int
        Replicates whose Fisher scoring needed the fallback search.
    notes : list of str
    """

    estimates: pd.DataFrame
    model: FayHerriotResult
    B: int
    seed: int | None
    alpha: float
    boot_failed: int
    notes: list[str] = field(default_factory=list)


def _column_or_scalar(data, value, name):
    if isinstance(value, str):
        if value not in data.columns:
            raise DataError(f"{name} column {value!r} is not in the data")
        return pd.to_numeric(data[value], errors="coerce").to_numpy(dtype=float)
    return np.full(len(data), float(value))


def fay_herriot_proportion(data: pd.DataFrame, formula: str, n: str, *, deff: str | float = 1.0,
                           method: str = "REML", area: str | None = None, B: int = 200,
                           seed: int | None = None, alpha: float = 0.05, max_iter: int = 100,
                           tol: float = 1e-4, benchmark: Benchmark | None = None) -> ProportionResult:
    """Small-area proportions from a Fay–Herriot model on the arcsine-square-root scale.

    Parameters
    ----------
    data : DataFrame
        One row per area (cell): the direct proportion (the formula's response, in [0, 1];
        missing for a cell without respondents), respondents ``n``, covariates.
    formula : str
        patsy formula with the proportion column as response, e.g.
        ``"share_literate ~ C(district) + share_rural"``.
    n : str
        Column of respondents per cell (0 allowed: the cell is predicted synthetically and
        flagged).
    deff : str or float
        Design effect per cell (a column, e.g. pooled by :func:`literacy.sae.gvf.pooled_deff`)
        or one value for all cells; ``n_eff = n / deff``.
    method : {"REML", "ML", "FH", "AMRL", "AMRL_YL", "AMPL", "AMPL_YL"}
    area : str, optional
        Column naming the areas in messages, notes and flags.
    B : int
        Bootstrap replicates (0: no MSE or intervals).
    seed : int, optional
        Seed of the bootstrap (``numpy.random.default_rng``).
    alpha : float
        1 - confidence level of the intervals.
    max_iter, tol : int, float
        Fisher-scoring settings (sae's defaults).
    benchmark : Benchmark, optional
        Ratio-benchmark the cells to their districts' direct estimates, with the benchmark's
        uncertainty in the bootstrap MSE and interval (module notes).

    Returns
    -------
    ProportionResult

    Raises
    ------
    DataError
        A proportion outside [0, 1], a negative or missing n, a non-positive design effect
        of a cell with respondents, or a missing covariate (areas named).
    """
    labels = area_labels(data, area)
    n_arr = _column_or_scalar(data, n, "respondents")
    bad_n = ~np.isfinite(n_arr) | (n_arr < 0)
    if bad_n.any():
        raise DataError(f"respondents {n!r} must be a non-negative number for every area; "
                        f"not so for {name_areas(labels, bad_n)}")
    deff_arr = _column_or_scalar(data, deff, "design-effect")
    lhs, rhs = formula.split("~", 1)
    resp = lhs.strip()
    if resp not in data.columns:
        raise DataError(f"the response of {formula!r} must be a column of proportions in the data")
    p = pd.to_numeric(data[resp], errors="coerce").to_numpy(dtype=float)
    bad_p = np.isfinite(p) & ((p < 0) | (p > 1))
    if bad_p.any():
        raise DataError(f"proportions {resp!r} must lie in [0, 1]; not so for {name_areas(labels, bad_p)}")
    no_resp = n_arr == 0
    no_direct = ~no_resp & ~np.isfinite(p)
    in_sample = ~no_resp & ~no_direct
    bad_deff = in_sample & ~(np.isfinite(deff_arr) & (deff_arr > 0))
    if bad_deff.any():
        raise DataError(f"design effect must be positive for cells with respondents; not so for "
                        f"{name_areas(labels, bad_deff)}")
    flag = np.where(no_resp, "no respondents: synthetic estimate",
                    np.where(no_direct, "no direct estimate: synthetic estimate", ""))

    with np.errstate(divide="ignore", invalid="ignore"):
        n_eff = np.where(in_sample, n_arr / deff_arr, np.nan)
        y = np.where(in_sample, np.arcsin(np.sqrt(np.where(in_sample, p, 0.0))), np.nan)
        psi = np.where(in_sample, 1.0 / (4.0 * n_eff), np.nan)
    work = data.copy()
    work["__sae_y"], work["__sae_psi"] = y, psi
    try:
        fit = fay_herriot(work, f"__sae_y ~ {rhs.strip()}", "__sae_psi", method, area=area, max_iter=max_iter, tol=tol)
    except DataError as exc:  # speak of the caller's formula, not the working columns
        raise DataError(str(exc).replace("__sae_y", resp)) from None
    est = fit.estimates
    sigma2 = fit.sigma2_u
    mu = est["eblup"].to_numpy()
    gamma = est["gamma"].to_numpy()
    var_pred = np.where(in_sample, gamma * np.nan_to_num(psi), sigma2)
    estimate = arcsin_expectation(mu, var_pred)

    notes = [nt.replace("__sae_y", resp) for nt in fit.notes]
    mse = np.full(len(data), np.nan)
    ci_low = np.full(len(data), np.nan)
    ci_high = np.full(len(data), np.nan)
    n_failed = 0
    bench = None
    if benchmark is not None:
        rb = ratio_benchmark(data.assign(__sae_est=estimate), "__sae_est", benchmark.share, benchmark.group,
                             benchmark.target)
        codes, _ = pd.factorize(data[benchmark.group], use_na_sentinel=False)
        bench = {"factor": rb["factor"].to_numpy(dtype=float), "estimate": rb["benchmarked"].to_numpy(dtype=float),
                 "share": rb["share"].to_numpy(dtype=float), "codes": codes, "n_groups": int(codes.max()) + 1}
    if B > 0:
        mse, ci_low, ci_high, n_failed = _bootstrap(fit, in_sample, psi, method, B, seed, alpha,
                                                     max_iter, tol, mu, bench)
        if n_failed:
            notes.append(f"{n_failed} of {B} bootstrap refits of σ²_u did not converge in Fisher scoring "
                         "(usually a step below 0, as happens when σ²_u is near 0) and were solved by a bounded "
                         f"search of the same criterion; the MSE and intervals use all {B} replicates")
    rmse = np.sqrt(mse)
    with np.errstate(divide="ignore", invalid="ignore"):
        cv = np.where(estimate > 0, rmse / estimate, np.nan)
    out = pd.DataFrame({
        "direct": np.where(in_sample, p, np.nan), "n": n_arr, "deff": deff_arr, "n_eff": n_eff,
        "variance": psi, "gamma": gamma, "eblup_asin": mu, "mse_asin": est["mse"].to_numpy(),
        "estimate": estimate, "mse": mse, "rmse": rmse, "cv": cv, "ci_low": ci_low, "ci_high": ci_high,
        "in_sample": in_sample, "is_synthetic": est["is_synthetic"].to_numpy(), "flag": flag,
    }, index=data.index)
    if bench is not None:
        out["benchmark_factor"] = bench["factor"]
        out["estimate_benchmarked"] = bench["estimate"]
        for col in ("mse_benchmarked", "ci_low_benchmarked", "ci_high_benchmarked"):
            out[col] = bench.get(col, np.full(len(data), np.nan))
    if no_resp.any():
        notes.append(f"cell(s) with zero respondents, predicted from their covariates: "
                     f"{name_areas(labels, no_resp)}")
    return ProportionResult(estimates=out, model=fit, B=B, seed=seed, alpha=alpha, boot_failed=n_failed,
                            notes=notes)


def _bootstrap(fit: FayHerriotResult, in_sample, psi, method, B, seed, alpha, max_iter, tol, mu_hat,
               bench: dict | None = None):
    """Parametric bootstrap (González-Manteiga et al. 2008), all replicates at once; with
    ``bench`` also the benchmarked estimator's MSE and interval, written into ``bench``."""
    rng = np.random.default_rng(seed)
    X_all = fit.X
    beta = fit.coefficients["estimate"].to_numpy()
    sigma2 = fit.sigma2_u
    M = X_all.shape[0]
    Xs, psi_s = X_all[in_sample], psi[in_sample]
    theta = X_all @ beta + np.sqrt(sigma2) * rng.standard_normal((B, M))     # θ*_i, every area
    p_true = _clamped_sin2(theta)
    y_star = theta[:, in_sample] + np.sqrt(psi_s) * rng.standard_normal((B, int(in_sample.sum())))
    vf = fit_sigma2(y_star, Xs, psi_s, method, max_iter=max_iter, tol=tol)
    w, _, beta_b, resid = gls(y_star, Xs, psi_s, vf.sigma2)
    gamma_b = vf.sigma2[:, None] * w                                        # (B, m)
    eblup_b = beta_b @ X_all.T                                              # synthetic for all
    eblup_b[:, in_sample] += gamma_b * resid
    var_b = np.repeat(vf.sigma2[:, None], M, axis=1)
    var_b[:, in_sample] = gamma_b * psi_s
    p_hat = arcsin_expectation(eblup_b, var_b)
    mse = np.mean((p_hat - p_true) ** 2, axis=0)
    if bench is not None:
        direct_error = np.zeros_like(p_true)
        direct_error[:, in_sample] = _clamped_sin2(y_star) - p_true[:, in_sample]
        p_bench = benchmark_replicates(p_hat, p_true, direct_error, bench["share"], bench["codes"],
                                       bench["n_groups"])
        bench["mse_benchmarked"] = np.mean((p_bench - p_true) ** 2, axis=0)
        # percentile interval on the arcsine scale around the benchmarked estimate
        asin = lambda q: np.arcsin(np.sqrt(np.clip(q, 0.0, 1.0)))       # noqa: E731
        b_lo, b_hi = np.quantile(asin(p_true) - asin(p_bench), [alpha / 2, 1 - alpha / 2], axis=0)
        centre = asin(bench["estimate"])
        bench["ci_low_benchmarked"] = _clamped_sin2(centre + b_lo)
        bench["ci_high_benchmarked"] = _clamped_sin2(centre + b_hi)
    q_lo, q_hi = np.quantile(theta - eblup_b, [alpha / 2, 1 - alpha / 2], axis=0)
    return mse, _clamped_sin2(mu_hat + q_lo), _clamped_sin2(mu_hat + q_hi), int(vf.fallback.sum())

