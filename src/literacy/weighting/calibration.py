"""Calibration of weights to population counts: post-stratification, raking, GREG calibration.

Two layers:

* ``poststratify_weights`` / ``rake_weights`` / ``calibrate_weights`` return adjusted weights.
* ``poststratify_design`` / ``rake_design`` / ``calibrate_design`` return a new
  :class:`literacy.survey.SurveyDesign` carrying the new weights plus a calibration object whose
  ``residualize(x)`` gives calibration-aware (linearisation) standard errors. They reproduce
  R's survey package 4.1-1 (Lumley 2010, ch. 7; Lumley 2004), quirks included:
  ``postStratify.survey.design2``, ``rake`` and ``calibrate.survey.design2`` for the weights, and
  the ``postStrata`` loop at the top of ``svyrecvar`` for the variance. The design applies each
  object's ``residualize`` in order to R's ``x`` (the n x k matrix of weighted linearised
  values) before forming PSU totals.

Statistics: post-stratification and raking are calibration estimators (Deville & Särndal
1992); their linearisation variance replaces the linearised values by residuals from the
(weighted) projection on the calibration variables (Lohr 2019, 11.6; Lumley 2010, 7.1-7.3;
Wolter 2007, 6.13 for raking).
"""

from __future__ import annotations

import warnings
from collections.abc import Hashable, Mapping
from typing import Literal

import numpy as np
import pandas as pd
import scipy.linalg
import scipy.sparse as sp

from literacy.weighting._common import (
    LEVEL_SEP,
    Margin,
    WeightingError,
    code_margin,
    data_weights,
    code_margins,
    key_label,
    margin_values,
    match_levels,
)

__all__ = [
    "RakingConvergenceWarning",
    "PostStratification",
    "Raking",
    "GregCalibration",
    "poststratify_weights",
    "rake_weights",
    "calibrate_weights",
    "rake_margins",
    "poststratify_to_margin",
    "poststratum_margin",
    "calibration_function",
    "calibration_matrix",
    "trim_g_weights",
    "greg_calibrate",
]

Convergence = Literal["margins", "r"]


class RakingConvergenceWarning(UserWarning):
    """Raking or calibration stopped at ``max_iter`` before meeting its tolerance."""


def _as_matrix(x) -> tuple[np.ndarray, bool]:
    arr = np.array(x, dtype=float, copy=True)
    if arr.ndim == 1:
        return arr[:, None], True
    if arr.ndim != 2:
        raise WeightingError(f"residualize: x must be an n x k matrix, got shape {arr.shape}")
    return arr, False


def _check_rows(x: np.ndarray, n: int, what: str) -> None:
    if x.shape[0] != n:
        raise WeightingError(f"{what}.residualize: x has {x.shape[0]} rows but the design has {n}")


def _indicator(codes: np.ndarray, nlev: int) -> sp.csr_array:
    n = len(codes)
    return sp.csr_array((np.ones(n), (codes, np.arange(n))), shape=(nlev, n))


# ---------------------------------------------------------------------------------------------
# Calibration objects (what R keeps in design$postStrata)
# ---------------------------------------------------------------------------------------------

class PostStratification:
    """Post-stratification as stored by R's ``postStratify.survey.design2``.

    R keeps the post-stratum index of each row with attributes ``oldweights`` (weights before)
    and ``weights`` (after). ``svyrecvar`` (survey 4.1-1) then does::

        psw <- attr(psvar, "weights"); oldw <- attr(psvar, "oldweights")
        zeroes <- which(psw == 0 & oldw == 0); psw[zeroes] <- 1
        psmeans <- rowsum(x * oldw / psw, psvar) / as.vector(by(oldw, psvar, sum))
        x <- x - psmeans[match(psvar, sort(unique(psvar))), ] * psw

    i.e. the residual from the post-stratum mean of x/psw weighted by the *old* weights.
    """

    kind = "poststratification"

    def __init__(self, index: np.ndarray, weights: np.ndarray, oldweights: np.ndarray):
        self.index = np.asarray(index, dtype=np.int64)
        self.weights = np.asarray(weights, dtype=float)
        self.oldweights = np.asarray(oldweights, dtype=float)
        nlev = int(self.index.max()) + 1 if len(self.index) else 0
        self._ind = _indicator(self.index, nlev)
        self._oldsum = self._ind @ self.oldweights

    def residualize(self, x: np.ndarray) -> np.ndarray:
        """Residuals of the weighted linearised values ``x`` (n x k) after post-stratification."""
        x, flat = _as_matrix(x)
        _check_rows(x, len(self.index), "PostStratification")
        psw = self.weights.copy()
        oldw = self.oldweights
        psw[(psw == 0) & (oldw == 0)] = 1.0
        psmeans = (self._ind @ (x * (oldw / psw)[:, None])) / self._oldsum[:, None]
        x = x - psmeans[self.index] * psw[:, None]
        return x[:, 0] if flat else x

    def __repr__(self) -> str:
        return f"PostStratification({self._ind.shape[0]} post-strata, n={len(self.index)})"


class Raking:
    """Raking as stored by R's ``rake()``: the post-strata of the last sweep, class "raking".

    ``rake()`` keeps, for each margin, the index vector from the final sweep's
    ``postStratify`` with attribute ``weights`` = the weights right after that margin was
    matched (not the final weights). ``svyrecvar`` (survey 4.1-1) then backfits, always
    exactly 10 passes::

        for (iterations in 1:10) for (margin in psvar) {
            psw <- attr(margin, "weights")
            x <- x - psw * apply(x / psw, 2, ave, margin)
        }

    ``ave`` is the plain (unweighted) mean of ``x/psw`` over the rows of the margin level.
    """

    kind = "raking"
    passes = 10

    def __init__(self, margins: tuple[tuple[np.ndarray, np.ndarray], ...]):
        prepared = []
        for codes, psw in margins:
            codes = np.asarray(codes, dtype=np.int64)
            psw = np.asarray(psw, dtype=float)
            ind = _indicator(codes, int(codes.max()) + 1)
            counts = np.asarray(ind.sum(axis=1)).ravel()
            # R divides x by psw; a row with weight 0 (then x = 0) would give NaN there: we take
            # its ratio as 0. The level means of x / psw are then one product with the level
            # indicator scaled by 1 / (psw * count): no n x k temporary for the ratio.
            with np.errstate(divide="ignore"):
                inv = np.where(psw > 0, 1.0 / psw, 0.0)
            scaled = sp.csr_array(ind.multiply(inv[None, :]).multiply(1.0 / counts[:, None]))
            prepared.append((codes, psw, ind, counts, scaled))
        self.margins = tuple((p[0], p[1]) for p in prepared)
        self._prepared = prepared

    def residualize(self, x: np.ndarray) -> np.ndarray:
        """Residuals of the weighted linearised values ``x`` (n x k) after raking."""
        x, flat = _as_matrix(x)
        for codes, *_ in self._prepared:
            _check_rows(x, len(codes), "Raking")
        x = np.array(x, dtype=float, copy=True)
        tmp = np.empty_like(x)
        for _ in range(self.passes):
            for codes, psw, _, _, scaled in self._prepared:
                means = scaled @ x                              # level means of x / psw
                np.take(means, codes, axis=0, out=tmp)
                tmp *= psw[:, None]
                x -= tmp
        return x[:, 0] if flat else x

    def __repr__(self) -> str:
        return f"Raking({len(self.margins)} margins, n={len(self.margins[0][0]) if self.margins else 0})"


class GregCalibration:
    """Population-level (stage 0) GREG calibration as stored by R's ``calibrate``.

    R keeps ``qr = qr(mm * whalf)`` (whalf = square root of the weights before calibration) and
    ``w = g * whalf``; ``svyrecvar`` then does ``x <- qr.resid(qr, x / w) * w``: the residual
    from the least-squares projection of x/w on the columns of ``mm * whalf``.
    """

    kind = "greg"

    def __init__(self, basis: np.ndarray, w: np.ndarray):
        self.basis = np.asarray(basis, dtype=float)  # orthonormal basis of col(mm * whalf)
        self.w = np.asarray(w, dtype=float)

    @classmethod
    def from_model_matrix(cls, mm: np.ndarray, whalf: np.ndarray, g: np.ndarray) -> GregCalibration:
        # R's qr() is LINPACK with limited pivoting and tolerance 1e-7 on the column norms;
        # a pivoted QR with the same relative tolerance spans the same space.
        a = mm * whalf[:, None]
        q, r, _ = scipy.linalg.qr(a, mode="economic", pivoting=True)
        d = np.abs(np.diag(r))
        rank = int(np.sum(d > 1e-7 * d[0])) if len(d) and d[0] > 0 else 0
        return cls(q[:, :rank], g * whalf)

    def residualize(self, x: np.ndarray) -> np.ndarray:
        """Residuals of the weighted linearised values ``x`` (n x k) after GREG calibration."""
        x, flat = _as_matrix(x)
        _check_rows(x, len(self.w), "GregCalibration")
        with np.errstate(divide="ignore", invalid="ignore"):
            y = np.where(self.w[:, None] != 0, x / self.w[:, None], 0.0)
        y = y - self.basis @ (self.basis.T @ y)
        x = y * self.w[:, None]
        return x[:, 0] if flat else x

    def __repr__(self) -> str:
        return f"GregCalibration(rank={self.basis.shape[1]}, n={len(self.w)})"


# ---------------------------------------------------------------------------------------------
# Weights
# ---------------------------------------------------------------------------------------------

def poststratify_to_margin(margin: Margin, w: np.ndarray) -> np.ndarray:
    """Weights post-stratified to one margin: ``w * N_h / sum_{i in h} w_i`` in each level h.

    Parameters
    ----------
    margin : Margin
        The coded margin (:func:`poststratum_margin`).
    w : ndarray
        The weights.

    Returns
    -------
    ndarray
        The post-stratified weights.
    """
    """One post-stratification step: w * N_h / sum_{i in h} w_i (R: prob <- prob / reweight)."""
    tot = margin.totals(w)
    with np.errstate(divide="ignore", invalid="ignore"):
        reweight = np.where(tot > 0, margin.population / tot, 1.0)
    return w * reweight[margin.codes]


def _max_rel_error(margins: list[Margin], w: np.ndarray) -> float:
    err = 0.0
    for m in margins:
        tot = m.totals(w)
        pos = m.population > 0
        if pos.any():
            err = max(err, float(np.max(np.abs(tot[pos] - m.population[pos]) / m.population[pos])))
    return err


def rake_margins(margins: list[Margin], w0: np.ndarray, tol: float, max_iter: int, convergence: Convergence,
                 step=None):
    """Iterative proportional fitting (Deming & Stephan 1940; Lohr 2019, 8.6.2).

    ``w0`` is a weight vector, or an N x C matrix whose column 0 holds the full-sample
    weights and the others replicate weights (``step`` then post-stratifies every column);
    convergence is judged on the full-sample weights, as R's ``rake()`` on a replicate design.

    Each sweep post-stratifies to every margin in turn, as R's ``rake()``. Stops when

    * ``convergence="margins"``: every margin level is within ``tol`` relative error;
    * ``convergence="r"``: R's rule: the weighted cross-table of all margin variables moves by
      less than epsilon (absolute) between sweeps, epsilon = ``tol`` if ``tol >= 1`` else
      ``tol * sum(w0)``; at most ``max_iter`` sweeps.

    Returns weights, per-margin post-stratification weights of the last sweep, record, converged.
    """
    if convergence not in ("margins", "r"):
        raise WeightingError(f"raking: convergence must be 'margins' or 'r', got {convergence!r}")
    if not (np.isfinite(tol) and tol > 0):
        raise WeightingError(f"raking: tol must be positive, got {tol!r}")
    if isinstance(max_iter, bool) or int(max_iter) != max_iter or max_iter < 1:
        raise WeightingError(f"raking: max_iter must be a positive integer, got {max_iter!r}")
    step = poststratify_to_margin if step is None else step
    full = (lambda x: x) if w0.ndim == 1 else (lambda x: x[:, 0])
    codes = np.stack([m.codes for m in margins], axis=1)
    _, cells = np.unique(codes, axis=0, return_inverse=True)
    cells = cells.ravel()
    ncell = int(cells.max()) + 1
    epsilon = tol if tol >= 1 else tol * float(full(w0).sum())

    w = w0.copy()
    old = np.bincount(cells, weights=full(w), minlength=ncell)  # R: svytable(ff, design)
    rows, psw, converged = [], [], False
    for it in range(1, int(max_iter) + 1):
        psw = []
        for m in margins:
            w = step(m, w)
            psw.append(w)
        new = np.bincount(cells, weights=full(w), minlength=ncell)
        delta = float(np.max(np.abs(old - new)))
        rel = _max_rel_error(margins, full(w))
        rows.append((it, rel, delta))
        if (rel < tol) if convergence == "margins" else (delta < epsilon):
            converged = True
            break
        old = new
    record = pd.DataFrame(rows, columns=["iteration", "max_abs_rel_error", "max_abs_change"])
    record.attrs["converged"] = converged
    if not converged:
        crit = f"max relative margin error {rows[-1][1]:.3g}" if convergence == "margins" else \
            f"max change {rows[-1][2]:.3g}"
        warnings.warn(f"raking did not converge after {max_iter} sweeps ({crit}, tol {tol:g})",
                      RakingConvergenceWarning, stacklevel=3)
    return w, psw, record, converged


def rake_weights(data: pd.DataFrame, weights, targets: Mapping[Hashable, Mapping], tol: float = 1e-8,
                 max_iter: int = 100, convergence: Convergence = "margins") -> tuple[np.ndarray, pd.DataFrame]:
    """Rake weights to population margins by iterative proportional fitting.

    Parameters
    ----------
    data : pandas.DataFrame
        The sample, with the margin columns.
    weights : array-like or str
        Starting weights aligned to ``data`` rows (non-negative), or a column name.
    targets : mapping
        ``{margin: {level: population count}}``. A margin is a column name, or a crossing
        given as ``"a+b+c"`` or ``("a", "b", "c")`` whose levels are the columns' values
        joined by ``"|"`` (e.g. ``"haibowan|male|18-29"``). Levels with population 0 and no
        sample are ignored.
    tol : float
        Convergence tolerance (see ``convergence``).
    max_iter : int
        Maximum number of sweeps over all margins.
    convergence : {"margins", "r"}
        ``"margins"``: stop when every level's weighted total is within relative ``tol`` of
        its target. ``"r"``: R's ``rake()`` rule, ``tol`` playing ``control$epsilon``
        (absolute change of the cross-table of all margin variables between sweeps if
        ``tol >= 1``, else ``tol`` times the starting weight total); R's default is
        ``tol=1, max_iter=10``.

    Returns
    -------
    weights : numpy.ndarray
        Raked weights.
    record : pandas.DataFrame
        One row per sweep: ``iteration``, ``max_abs_rel_error`` (over all margin levels),
        ``max_abs_change`` (R's criterion); ``record.attrs["converged"]``.

    Raises
    ------
    WeightingError
        A missing margin column or value; a sample level absent from the targets; a level
        with a positive population but no sample (the message names margin and level);
        margins that disagree on the population total.

    Warns
    -----
    RakingConvergenceWarning
        If ``max_iter`` sweeps do not meet the tolerance.
    """
    w0 = data_weights(data, weights)
    margins = code_margins(data, targets, w0)
    w, _, record, _ = rake_margins(margins, w0, tol, max_iter, convergence)
    return w, record


def poststratum_margin(data: pd.DataFrame, targets: Mapping, w: np.ndarray) -> Margin:
    """The one margin of post-stratification targets, coded against the data.

    Parameters
    ----------
    data : DataFrame
        The sample.
    targets : mapping
        Exactly one ``{column_or_crossing: {level: population count}}``.
    w : ndarray
        The weights (checked: each level needs a positive weight).

    Returns
    -------
    Margin

    Raises
    ------
    WeightingError
        Not exactly one margin, or a margin that does not match the data.
    """
    if not isinstance(targets, Mapping) or len(targets) != 1:
        raise WeightingError("post-stratification: targets must hold exactly one margin "
                             "(a column, or a crossing 'a+b') -> {level: count}")
    key, counts = next(iter(targets.items()))
    return code_margin(data, key, counts, w, what="post-stratification margin")


def poststratify_weights(data: pd.DataFrame, weights, targets: Mapping[Hashable, Mapping]) -> np.ndarray:
    """Post-stratify weights: within each post-stratum h, w_i * N_h / sum_{i in h} w_i.

    Parameters
    ----------
    data : pandas.DataFrame
        The sample with the post-stratification column(s).
    weights : array-like or str
        Starting weights aligned to ``data`` rows, or a column name.
    targets : mapping
        Exactly one margin: ``{column_or_crossing: {level: population count}}``; a crossing
        as in :func:`rake_weights`.

    Returns
    -------
    numpy.ndarray
        Post-stratified weights (Lohr 2019, 4.4; Lumley 2010, 7.2).
    """
    w0 = data_weights(data, weights)
    return poststratify_to_margin(poststratum_margin(data, targets, w0), w0)


# ---------------------------------------------------------------------------------------------
# GREG / generalised raking (R: calibrate.survey.design2, regcalibrate, grake)
# ---------------------------------------------------------------------------------------------

INTERCEPT = "(Intercept)"


def _model_matrix(data: pd.DataFrame, totals: Mapping) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Calibration model matrix and population totals from ``totals``.

    ``"(Intercept)"`` -> N; a categorical margin -> ``{level: count}``; a numeric column ->
    its population total. As R's ``model.matrix`` with treatment contrasts, a categorical
    after the intercept or after another categorical drops its first level (its counts must
    then sum to the same population size); otherwise all its levels are columns. The column
    space, hence the calibrated weights and residuals, is that of R's model.
    """
    if not isinstance(totals, Mapping) or len(totals) == 0:
        raise WeightingError("calibration: totals must be a non-empty mapping")
    n = len(data)
    cols, pops, names = [], [], []
    size: float | None = None
    size_from = ""
    if INTERCEPT in totals:
        size = float(totals[INTERCEPT])
        size_from = INTERCEPT
        cols.append(np.ones(n))
        pops.append(size)
        names.append(INTERCEPT)
    for key, spec in totals.items():
        if key == INTERCEPT:
            continue
        label = key_label(key)
        if isinstance(spec, Mapping):
            levels = list(spec.keys())
            pop = np.array([float(spec[lv]) for lv in levels])
            if not np.all(np.isfinite(pop)):
                raise WeightingError(f"calibration margin '{label}': population counts must be finite")
            codes = match_levels(margin_values(data, key), levels)
            bad = np.flatnonzero(codes < 0)
            if len(bad):
                raise WeightingError(f"calibration margin '{label}': the sample has level "
                                     f"{margin_values(data, key).iloc[bad[0]]!r} that the totals lack")
            ind = np.zeros((n, len(levels)))
            ind[np.arange(n), codes] = 1.0
            if size is not None:
                if abs(pop.sum() - size) > 1e-6 * max(abs(size), 1.0):
                    raise WeightingError(f"calibration margin '{label}' sums to {pop.sum():.10g} but "
                                         f"'{size_from}' to {size:.10g}")
                ind, pop, levels = ind[:, 1:], pop[1:], levels[1:]
            else:
                size, size_from = float(pop.sum()), label
            cols.extend(ind.T)
            pops.extend(pop)
            names.extend(f"{label}{LEVEL_SEP}{lv}" for lv in levels)
        else:
            col = key_label(key)
            if col not in data.columns:
                raise WeightingError(f"calibration: the data has no column '{col}'")
            v = pd.to_numeric(data[col], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
            if not np.all(np.isfinite(v)):
                raise WeightingError(f"calibration: column '{col}' has missing or non-numeric values")
            cols.append(v)
            pops.append(float(spec))
            names.append(col)
    return np.column_stack(cols), np.array(pops, dtype=float), names


def calibration_function(method: str):
    """(Fm1, dF) of R's ``cal.linear``, ``cal.raking`` and ``cal.logit``.

    Parameters
    ----------
    method : {"linear", "raking", "logit"}
        The calibration distance.

    Returns
    -------
    (callable, callable)
        ``fm1(u, lo, hi)``: g - 1 at u = x'eta within the bounds, and its derivative ``df(u, lo, hi)``.
    """
    if method == "linear":
        def fm1(u, lo, hi):
            return np.minimum(np.maximum(u + 1, lo), hi) - 1

        def df(u, lo, hi):
            return ((u < hi - 1) & (u > lo - 1)).astype(float)
    elif method == "raking":
        def fm1(u, lo, hi):
            return np.minimum(np.maximum(np.exp(u), lo), hi) - 1

        def df(u, lo, hi):
            return np.where((u < hi - 1) & (u > lo - 1), np.exp(u), 0.0)
    elif method == "logit":
        def fm1(u, lo, hi):
            if not (np.isfinite(lo) and np.isfinite(hi)):
                raise WeightingError("calibration: method 'logit' needs finite bounds")
            a = (hi - lo) / ((hi - 1) * (1 - lo))
            e = np.exp(a * u)
            return (lo * (hi - 1) + hi * (1 - lo) * e) / (hi - 1 + (1 - lo) * e) - 1

        def df(u, lo, hi):
            a = (hi - lo) / ((hi - 1) * (1 - lo))
            e = np.exp(a * u)
            den = hi - 1 + (1 - lo) * e
            return hi * (1 - lo) * e * a / den - (lo * (hi - 1) + hi * (1 - lo) * e) * ((1 - lo) * e * a) / den ** 2
    else:
        raise WeightingError(f"calibration: method must be 'linear', 'raking' or 'logit', got {method!r}")
    return fm1, df


def _grake(mm: np.ndarray, ww: np.ndarray, method: str, lo: float, hi: float, population: np.ndarray,
           epsilon: float, maxit: int) -> np.ndarray:
    """g-weights by Newton iterations, as R's ``grake`` (Deville & Särndal 1992)."""
    fm1, df = calibration_function(method)
    sample_total = mm.T @ ww
    eta = np.zeros(mm.shape[1])
    xeta = mm @ eta
    it = 1
    scales = population / sample_total
    scale = None
    if np.min(scales) > 20:  # R's SOMETHRESHOLD: rescale tiny weights first
        scale = float(np.mean(scales))
        ww = ww * scale
        sample_total = sample_total * scale
    deriv = df(xeta, lo, hi)
    while True:
        tmat = (mm * (ww * deriv)[:, None]).T @ mm
        misfit = population - sample_total - mm.T @ (ww * fm1(xeta, lo, hi))
        deta = np.linalg.pinv(tmat, rtol=256 * np.finfo(float).eps) @ misfit  # MASS::ginv
        eta = eta + deta
        xeta = mm @ eta
        g = 1 + fm1(xeta, lo, hi)
        deriv = df(xeta, lo, hi)
        while it < maxit and not (np.all(np.isfinite(g)) and np.all(np.isfinite(deriv))):
            it += 1
            deta = deta / 2
            eta = eta - deta
            xeta = mm @ eta
            g = 1 + fm1(xeta, lo, hi)
            deriv = df(xeta, lo, hi)
        misfit = population - sample_total - mm.T @ (ww * fm1(xeta, lo, hi))
        if np.all(np.abs(misfit) / (1 + np.abs(population)) < epsilon):
            break
        it += 1
        if it > maxit:
            achieved = float(np.max(np.abs(misfit) / (1 + np.abs(population))))
            raise WeightingError(f"calibration failed to converge: relative misfit {achieved:.3g} after {maxit} "
                                 "iterations (bounds too tight?)")
    return g * scale if scale is not None else g


def calibration_matrix(data: pd.DataFrame, totals: Mapping, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The model matrix and population totals R calibrates with, checked against the sample.

    Parameters
    ----------
    data : DataFrame
        The sample.
    totals : mapping
        As in :func:`calibrate_weights`.
    w : ndarray
        The starting weights.

    Returns
    -------
    (ndarray, ndarray)
        n x k model matrix and the k population totals (columns empty in both dropped, as R).

    Raises
    ------
    WeightingError
        A population total with no sampled unit of positive weight.
    """
    mm, population, names = _model_matrix(data, totals)
    sample_total = mm.T @ w
    # R drops columns that are zero in the sample and in the population (empty, zero-count levels).
    zero = (population == 0) & np.all(mm == 0, axis=0)
    mm, population = mm[:, ~zero], population[~zero]
    names = [nm for nm, z in zip(names, zero) if not z]
    empty = np.flatnonzero((sample_total[~zero] == 0) & (population != 0))
    if len(empty):
        raise WeightingError(f"calibration: '{names[empty[0]]}' has a population total but no sampled units "
                             "with positive weight")
    return mm, population


def trim_g_weights(g: np.ndarray, w: np.ndarray, trim: tuple[float, float]) -> np.ndarray:
    """R's ``calibrate(trim=)`` on g-weights (a vector, or one column per replicate).

    g-weights outside ``trim`` are set to the bound and the excess (in weight units) is added
    back as a common increment of g on the others, i.e. in proportion to their starting
    weights; the totals are then no longer met exactly.

    Parameters
    ----------
    g : ndarray
        g-weights, n or n x C.
    w : ndarray
        The starting weights, shaped as ``g``.
    trim : (float, float)
        Lower and upper bound of g.

    Returns
    -------
    ndarray
        The trimmed g-weights.
    """
    clipped = np.clip(g, trim[0], trim[1])
    outside = (g < trim[0]) | (g > trim[1])
    excess = ((g - clipped) * w).sum(axis=0)
    inside = np.where(outside, 0.0, w).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        add = np.where(outside.any(axis=0), excess / inside, 0.0)
    return np.where(outside, clipped, clipped + add)


def _cluster_mean(x: np.ndarray, cluster: np.ndarray) -> np.ndarray:
    """Each row's value replaced by the unweighted mean of its cluster (R's ``ave``)."""
    counts = np.bincount(cluster).astype(float)
    if x.ndim == 1:
        return (np.bincount(cluster, weights=x) / counts)[cluster]
    sums = np.stack([np.bincount(cluster, weights=x[:, j], minlength=len(counts)) for j in range(x.shape[1])],
                    axis=1) if x.shape[1] <= 64 else (sp.csr_array((np.ones(len(cluster)), (cluster, np.arange(
                        len(cluster)))), shape=(len(counts), len(cluster))) @ x)
    return (sums / counts[:, None])[cluster]


def greg_calibrate(data: pd.DataFrame, w: np.ndarray, totals: Mapping, method: str, bounds, maxit: int,
                   epsilon: float, trim=None, aggregate: np.ndarray | None = None
                   ) -> tuple[np.ndarray, GregCalibration]:
    """Calibrated weights and the :class:`GregCalibration` that residualises on them (R's ``calibrate``).

    Parameters
    ----------
    data : DataFrame
        The sample.
    w : ndarray
        The starting weights.
    totals, method, bounds, maxit, epsilon, trim
        As in :func:`calibrate_weights`.
    aggregate : ndarray, optional
        Per row its cluster code: g constant within clusters (R's ``aggregate.stage``).

    Returns
    -------
    (ndarray, GregCalibration)

    Raises
    ------
    WeightingError
        Bad totals or bounds, no convergence.
    """
    mm, population = calibration_matrix(data, totals, w)
    w_start = w
    if aggregate is not None:
        # R's calibrate(aggregate.stage=): the model matrix and the weights are averaged within the
        # stage's clusters, so g (and, with weights constant within clusters, the calibrated
        # weights) is the same for every unit of a cluster
        mm = _cluster_mean(mm, aggregate)
        w = _cluster_mean(w, aggregate)
    sample_total = mm.T @ w
    lo, hi = (-np.inf, np.inf) if bounds is None else (float(bounds[0]), float(bounds[1]))
    if not lo < hi:
        raise WeightingError(f"calibration: bounds must be (lower, upper) with lower < upper, got {bounds!r}")
    if method == "logit" and not (np.isfinite(lo) and np.isfinite(hi) and lo < 1 < hi):
        raise WeightingError(f"calibration: method 'logit' needs finite bounds with lower < 1 < upper, got {bounds!r}")
    if trim is not None:
        trim = (float(trim[0]), float(trim[1]))
        if not trim[0] < trim[1]:
            raise WeightingError(f"calibration: trim must be (lower, upper) with lower < upper, got {trim!r}")
        if method == "linear" and bounds is None:
            raise WeightingError("calibration: trim applies to bounded or non-linear calibration "
                                 "(R ignores it for unbounded linear calibration); give bounds or a method")
    whalf = np.sqrt(w)
    if method == "linear" and np.isneginf(lo) and np.isposinf(hi):
        # R's regcalibrate: g = 1 + mm T^{-1} (N - t_hat), T = mm' W mm.
        tmat = (mm * w[:, None]).T @ mm
        try:
            t_t = np.linalg.solve(tmat, population - sample_total)
        except np.linalg.LinAlgError as exc:
            raise WeightingError("calibration: the calibration variables are collinear in the sample") from exc
        g = 1 + mm @ t_t
    else:
        g = _grake(mm, w.copy(), method, lo, hi, population, epsilon, maxit)
        if trim is not None:
            g = trim_g_weights(g, w, trim)
    return w_start * g, GregCalibration.from_model_matrix(mm, whalf, g)


def calibrate_weights(data: pd.DataFrame, weights, totals: Mapping, method: str = "linear",
                      bounds: tuple[float, float] | None = None, max_iter: int = 50,
                      epsilon: float = 1e-7, trim: tuple[float, float] | None = None) -> np.ndarray:
    """Calibrate weights to population totals (GREG / generalised raking), as R's ``calibrate``.

    Parameters
    ----------
    data : pandas.DataFrame
        The sample with the auxiliary columns.
    weights : array-like or str
        Starting weights aligned to ``data`` rows, or a column name.
    totals : mapping
        ``"(Intercept)"`` -> population size; a categorical column or crossing ->
        ``{level: count}``; a numeric column -> its population total.
    method : {"linear", "raking", "logit"}
        R's ``calfun``: linear (GREG), raking (multiplicative) or logit (needs ``bounds``).
    bounds : (float, float), optional
        Bounds on the g-weights (ratio of new to old weight), R's ``bounds``. With
        ``method="linear"`` this is truncated (bounded) linear calibration: g = clip(1 + x'eta,
        lower, upper), eta found by Newton iterations on the calibration equations (R's
        ``grake``), so the totals are met exactly with every g inside the bounds; with
        ``"logit"`` the g-weights approach the bounds smoothly (Deville & Särndal 1992, case
        6). Fails with an error when the bounds are too tight to meet the totals.
    max_iter, epsilon
        Newton iterations and tolerance on ``|misfit| / (1 + |total|)`` (R's defaults).
    trim : (float, float), optional
        R's ``trim``: after calibration, g-weights outside ``trim`` are set to the bound and
        the trimmed amount is spread over the other weights in proportion to their starting
        weights (totals are then only approximately met). Not for unbounded linear
        calibration (R ignores it there).

    Returns
    -------
    numpy.ndarray
        Calibrated weights (Deville & Särndal 1992; Lumley 2010, 7.4).
    """
    w0 = data_weights(data, weights)
    w, _ = greg_calibrate(data, w0, totals, method, bounds, max_iter, epsilon, trim)
    return w
