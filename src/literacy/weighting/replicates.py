"""Calibration and trimming of replicate-weight designs: every replicate is calibrated again.

With replicate weights the variance of a calibrated estimator comes from repeating the
calibration on each replicate: replicate r's weights are post-stratified, raked, calibrated
or trimmed to the same population targets as the full-sample weights, and the spread of the
replicate estimates then carries the variance reduction of the calibration (Wolter 2007,
sec. 4.6 and 5.4; Valliant, Dever & Kreuter 2018, 15.4; Lumley 2010, 7.5). This reproduces
R's survey package 4.1-1:

* ``postStratify.svyrep.design``: each replicate's post-stratum totals are matched;
* ``rake`` on an ``svyrep.design``: every sweep post-stratifies the full-sample and all
  replicate weights to each margin; the number of sweeps is set by the full-sample weights
  (R's convergence check reads ``svytable`` on the sampling weights);
* ``calibrate.svyrep.design``: the full-sample g-weights, then each replicate's from its own
  weights (``regcalibrate`` for unbounded linear calibration, ``grake`` Newton iterations
  started at eta = 0 otherwise, R's ``trim`` applied per replicate);
* the design degrees of freedom are recomputed from the new replicate weights (rank minus
  one) after post-stratification, raking and unbounded linear calibration, as R does; R's
  ``calibrate`` with bounds or a non-linear ``calfun`` keeps them.

Trimming (:func:`trim_replicates`) applies the same rule to each replicate: caps given as
multiples, percentiles or per-group values are recomputed from the replicate's own weights
and the excess is redistributed within the replicate. (R's ``trimWeights.svyrep.design``
does not change the sampling weights it computes, so it is not followed.)

All replicates are handled at once: the N x (1 + R) matrix of full-sample and replicate
weights is summed to margin levels by one sparse indicator product per step, and the
Newton iterations of bounded calibration run on all replicates together (stacked k x k
systems), each replicate stopping when its own calibration equations are met.

Pure computation: takes and returns designs and arrays.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping

import numpy as np
import scipy.sparse as sp

from literacy.weighting._common import WeightingError, code_margins
from literacy.weighting.calibration import (calibration_function, calibration_matrix, greg_calibrate, poststratum_margin,
                                            rake_margins, trim_g_weights)
from literacy.weighting.trimming import trim_weights

__all__ = ["is_replicate_design", "poststratify_replicates", "rake_replicates", "calibrate_replicates",
           "trim_replicates"]

_SEP = "\x1f"


def is_replicate_design(design) -> bool:
    """True for a :class:`literacy.survey.ReplicateDesign` (duck-typed: it has replicate weights)."""
    return hasattr(design, "replicate_weights") and hasattr(design, "rscales")


def _weight_matrix(design) -> np.ndarray:
    """N x (1 + R): the full-sample weights, then the replicate weights (combined form)."""
    rep = design.replicate_weights()
    out = np.empty((rep.shape[0], rep.shape[1] + 1))
    out[:, 0] = design.weights
    out[:, 1:] = rep
    return out


def _level_totals(codes: np.ndarray, n_levels: int, W: np.ndarray) -> np.ndarray:
    """L x C weighted counts of each level in every column of W (one sparse product)."""
    n = len(codes)
    ind = sp.csr_array((np.ones(n), (codes, np.arange(n))), shape=(n_levels, n))
    return np.asarray(ind @ W)


def _poststratify_columns(margin, W: np.ndarray) -> np.ndarray:
    """Post-stratify every column of W to the margin (R: ``pweights * Pop.Freq / Freq``)."""
    L = len(margin.levels)
    tot = _level_totals(margin.codes, L, W)
    # the full sample (column 0) is checked by code_margin; a replicate whose weights vanish in a
    # level with a positive population cannot be matched (R would give NaN weights there)
    short = (tot[:, 1:] <= 0) & (margin.population[:, None] > 0) & np.isin(np.arange(L), margin.codes)[:, None]
    if short.any():
        lv, r = (int(i) for i in np.argwhere(short)[0])
        raise WeightingError(f"replicate calibration, margin '{margin.label}': replicate {r + 1} has no weight in "
                             f"level {str(margin.levels[lv])!r} (every sampled unit of the level is in the PSU(s) it "
                             "drops); collapse the level with a neighbour")
    pop = margin.population[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        reweight = np.where(tot > 0, pop / tot, 1.0)
    return W * reweight[margin.codes]


def _with_weights(design, W: np.ndarray, recompute_degf: bool):
    return design.with_replicate_weights(W[:, 0], W[:, 1:], recompute_degf=recompute_degf)


def poststratify_replicates(design, targets: Mapping[Hashable, Mapping]):
    """Post-stratify a replicate design and each of its replicates (R's ``postStratify``).

    Parameters
    ----------
    design : literacy.survey.ReplicateDesign
    targets : mapping
        Exactly one margin ``{column_or_crossing: {level: population count}}``.

    Returns
    -------
    ReplicateDesign
        Full-sample and replicate weights each matching the post-stratum counts.
    """
    W = _weight_matrix(design)
    margin = poststratum_margin(design.data, targets, W[:, 0])
    return _with_weights(design, _poststratify_columns(margin, W), recompute_degf=True)


def rake_replicates(design, targets: Mapping[Hashable, Mapping], tol: float = 1e-8, max_iter: int = 100,
                    convergence: str = "margins"):
    """Rake a replicate design: every sweep post-stratifies the full-sample and replicate weights.

    Parameters
    ----------
    design : literacy.survey.ReplicateDesign
    targets, tol, max_iter, convergence
        As :func:`literacy.weighting.rake_design`; convergence is judged on the full-sample
        weights and every replicate gets the same number of sweeps, as R's ``rake()`` on a
        replicate design.

    Returns
    -------
    ReplicateDesign
        With ``record`` (the full-sample convergence record) as an attribute.
    """
    W = _weight_matrix(design)
    margins = code_margins(design.data, targets, W[:, 0])
    new, _, record, _ = rake_margins(margins, W, tol, max_iter, convergence, step=_poststratify_columns)
    out = _with_weights(design, new, recompute_degf=True)
    out.record = record
    return out


def _batched_pinv_solve(tmat: np.ndarray, misfit: np.ndarray) -> np.ndarray:
    """C x k: ginv(T_c) @ misfit_c for each stacked k x k system (MASS::ginv tolerance)."""
    return (np.linalg.pinv(tmat, rtol=256 * np.finfo(float).eps) @ misfit[:, :, None])[:, :, 0]


def _cross(mm: np.ndarray, W: np.ndarray) -> np.ndarray:
    """C x k x k stack of mm' diag(W[:, c]) mm, as one (k*k x N) by (N x C) product."""
    n, k = mm.shape
    outer = (mm[:, :, None] * mm[:, None, :]).reshape(n, k * k)
    return (outer.T @ W).T.reshape(W.shape[1], k, k)


def _grake_columns(mm: np.ndarray, W: np.ndarray, method: str, lo: float, hi: float, population: np.ndarray,
                   epsilon: float, maxit: int) -> tuple[np.ndarray, np.ndarray]:
    """R's ``grake`` on every column of W at once: (N x C g-weights, C bool failed).

    Each column follows exactly the iterations R makes for it alone (its own step halving,
    iteration count and stopping point); converged columns are frozen.
    """
    fm1, df = calibration_function(method)
    C = W.shape[1]
    pop = population[:, None]
    sample_total = mm.T @ W                                   # k x C
    with np.errstate(divide="ignore", invalid="ignore"):
        scales = pop / sample_total
    rescale = np.min(scales, axis=0) > 20                     # R's SOMETHRESHOLD
    scale = np.where(rescale, np.mean(scales, axis=0), 1.0)
    W = np.where(rescale[None, :], W * scale[None, :], W)
    sample_total = np.where(rescale[None, :], sample_total * scale[None, :], sample_total)
    eta = np.zeros((mm.shape[1], C))
    xeta = np.zeros((mm.shape[0], C))
    g = 1 + fm1(xeta, lo, hi)
    deriv = df(xeta, lo, hi)
    it = np.ones(C, dtype=np.int64)
    active = np.ones(C, dtype=bool)
    failed = np.zeros(C, dtype=bool)
    while active.any():
        a = np.flatnonzero(active)
        Wa = W[:, a]
        tmat = _cross(mm, Wa * deriv[:, a])
        misfit = pop - sample_total[:, a] - mm.T @ (Wa * fm1(xeta[:, a], lo, hi))
        deta = _batched_pinv_solve(tmat, misfit.T).T              # k x Ca
        eta_a = eta[:, a] + deta
        xeta_a = mm @ eta_a
        g_a = 1 + fm1(xeta_a, lo, hi)
        d_a = df(xeta_a, lo, hi)
        it_a = it[a]
        while True:                                               # step halving, per column
            bad = (it_a < maxit) & ~(np.all(np.isfinite(g_a), axis=0) & np.all(np.isfinite(d_a), axis=0))
            if not bad.any():
                break
            it_a = it_a + bad
            deta = np.where(bad[None, :], deta / 2, deta)
            eta_a = np.where(bad[None, :], eta_a - deta, eta_a)
            xb = mm @ eta_a[:, bad]
            xeta_a[:, bad] = xb
            g_a[:, bad] = 1 + fm1(xb, lo, hi)
            d_a[:, bad] = df(xb, lo, hi)
        misfit = pop - sample_total[:, a] - mm.T @ (Wa * fm1(xeta_a, lo, hi))
        done = np.all(np.abs(misfit) / (1 + np.abs(pop)) < epsilon, axis=0)
        it_a = it_a + ~done
        over = ~done & (it_a > maxit)
        eta[:, a], xeta[:, a], g[:, a], deriv[:, a], it[a] = eta_a, xeta_a, g_a, d_a, it_a
        failed[a[over]] = True
        active[a[done | over]] = False
    return g * scale[None, :], failed


def calibrate_replicates(design, totals: Mapping, method: str = "linear", bounds=None, max_iter: int = 50,
                         epsilon: float = 1e-7, trim=None):
    """Calibrate a replicate design and each replicate to population totals (R's ``calibrate``).

    Parameters
    ----------
    design : literacy.survey.ReplicateDesign
    totals, method, bounds, max_iter, epsilon, trim
        As :func:`literacy.weighting.calibrate_design`.

    Returns
    -------
    ReplicateDesign

    Raises
    ------
    WeightingError
        As for the full sample; and when a replicate's calibration equations cannot be
        solved (singular for unbounded linear calibration, no convergence otherwise), naming
        the replicate. R would go on with that replicate's unconverged weights.
    """
    W = _weight_matrix(design)
    new_full, _ = greg_calibrate(design.data, W[:, 0], totals, method, bounds, max_iter, epsilon, trim)
    mm, population = calibration_matrix(design.data, totals, W[:, 0])
    rep = W[:, 1:]
    lo, hi = (-np.inf, np.inf) if bounds is None else (float(bounds[0]), float(bounds[1]))
    if method == "linear" and np.isneginf(lo) and np.isposinf(hi):
        # R's regcalibrate.svyrep.design: g_r = 1 + mm solve(mm' W_r mm, N - mm' w_r)
        tmat = _cross(mm, rep)
        rhs = population[None, :] - (mm.T @ rep).T
        ok = np.linalg.matrix_rank(tmat) == mm.shape[1]
        if not ok.all():
            r = int(np.flatnonzero(~ok)[0])
            raise WeightingError(f"replicate calibration: the calibration variables are collinear in replicate "
                                 f"{r + 1} (a level's units are all in the PSU(s) it drops); collapse levels")
        sol = np.linalg.solve(tmat, rhs[:, :, None])[:, :, 0]
        G = 1 + mm @ sol.T
        recompute = True
    else:
        G, failed = _grake_columns(mm, rep.copy(), method, lo, hi, population, epsilon, max_iter)
        if failed.any():
            r = int(np.flatnonzero(failed)[0])
            raise WeightingError(f"replicate calibration failed to converge for replicate {r + 1} after "
                                 f"{max_iter} iterations (bounds too tight for the replicate?)")
        if trim is not None:
            G = trim_g_weights(G, rep, (float(trim[0]), float(trim[1])))
        recompute = False  # R's calibrate keeps degf on this path
    out = np.empty_like(W)
    out[:, 0] = new_full
    out[:, 1:] = rep * G
    return _with_weights(design, out, recompute_degf=recompute)


def trim_replicates(design, upper=None, lower=None, by: str | None = None, redistribute: str = "proportional",
                    max_iter: int = 100):
    """Trim the full-sample weights and each replicate's by the same rule.

    Parameters
    ----------
    design : literacy.survey.ReplicateDesign
    upper, lower, by, redistribute, max_iter
        As :func:`literacy.weighting.trim_design`. Caps given relative to the weights
        (median, mean, percentile) are computed from each replicate's own positive weights;
        the excess is redistributed within the replicate (and group).

    Returns
    -------
    ReplicateDesign
        With ``trimming``: the full-sample trimming report.
    """
    W = _weight_matrix(design)
    n, C = W.shape
    if by is not None:
        if by not in design.data.columns:
            raise WeightingError(f"trimming: the data has no column '{by}'")
        groups = design.data[by].astype(str).to_numpy(dtype=object)
    else:
        groups = np.full(n, "all", dtype=object)
    full, report = trim_weights(W[:, 0], upper=upper, lower=lower, by=None if by is None else groups,
                                redistribute=redistribute, max_iter=max_iter)
    # each (group, replicate) is a trimming group of its own: one call on the stacked replicates
    rep = W[:, 1:]
    stacked_groups = (np.repeat(groups, C - 1) + _SEP + np.tile(np.arange(1, C).astype(str), n)).astype(object)

    def per_replicate(spec):
        if isinstance(spec, Mapping) and len(spec) == 1 and "groups" in spec:
            caps = spec["groups"]
            return {"groups": {f"{g}{_SEP}{r}": caps.get(g, caps.get(str(g)))
                               for g in np.unique(groups) for r in range(1, C)}}
        return spec

    trimmed, _ = trim_weights(rep.ravel(), upper=per_replicate(upper), lower=per_replicate(lower),
                              by=stacked_groups, redistribute=redistribute, max_iter=max_iter)
    out = np.empty_like(W)
    out[:, 0] = full
    out[:, 1:] = trimmed.reshape(n, C - 1)
    new = _with_weights(design, out, recompute_degf=False)
    new.trimming = report
    return new
