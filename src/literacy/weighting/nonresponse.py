"""Unit-nonresponse adjustment within weighting classes (weighting-class adjustment).

Within each class c the respondents' weights are inflated by the inverse of the class's weighted
response rate, f_c = sum_{i in s_c} d_i / sum_{i in r_c} d_i, so the class's weighted total is
preserved and nonrespondents drop to weight 0 (Lohr 2019, section 8.5.2; Valliant, Dever &
Kreuter 2018, ch. 13; Kalton & Flores-Cervantes 2003). Classes too small to give a stable
factor are collapsed (Kalton & Flores-Cervantes 2003, section 2).

Response-propensity classes (:func:`propensity_adjust`) form the classes from a logistic model
of responding instead of a full crossing of the frame variables (Valliant, Dever & Kreuter
2018, 13.5; Little 1986).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from literacy.survey.stages import design_stages
from literacy.survey.variance import taylor_variance
from literacy.weighting._common import WeightingError, as_float_vector, data_weights, row_list

__all__ = ["nonresponse_adjust", "propensity_adjust", "PropensityAdjustment", "PropensityWarning", "PROPENSITY_FACTORS"]

_ANY = "*"


def _responded_flags(responded, sample: pd.DataFrame) -> np.ndarray:
    if isinstance(responded, str):
        if responded not in sample.columns:
            raise WeightingError(f"nonresponse: the sample has no column '{responded}'")
        name, values = responded, sample[responded]
    else:
        name, values = "responded", responded
    r = as_float_vector(values, name, len(sample))
    bad = np.flatnonzero(~np.isin(r, (0.0, 1.0)))
    if len(bad):
        raise WeightingError(f"nonresponse: '{name}' must be 0 or 1; other values at row positions {row_list(bad)}")
    return r == 1.0


def _collapse(cells: pd.DataFrame, classes: list[str], resp: np.ndarray, min_size: int) -> np.ndarray:
    """Depth (number of leading class variables kept) of each cell's final adjustment class.

    From the finest level up, at level j (j = k..1): the cells (or pooled cells) kept at depth j
    with fewer than ``min_size`` respondents drop their j-th variable and pool together within
    their coarser class (the first j-1 variables). If that pool is still too small, the whole
    coarser class is merged into one class. Ends, at worst, with the whole sample as one class.
    Deterministic: it depends only on the class labels and counts, not on row order.
    """
    k = len(classes)
    depth = np.full(len(cells), k, dtype=np.int64)
    vals = cells[classes].to_numpy(dtype=object)

    def unit_resp(depth: np.ndarray) -> np.ndarray:
        # Respondents in each cell's current unit: cells with the same depth and same prefix.
        keys = pd.DataFrame({"depth": depth})
        for i, c in enumerate(classes):
            keys[c] = np.where(depth > i, vals[:, i], _ANY)
        return pd.Series(resp).groupby([keys[c] for c in keys.columns], sort=False).transform("sum").to_numpy()

    for j in range(k, 0, -1):
        small = (depth == j) & (unit_resp(depth) < min_size)
        if not small.any():
            continue
        depth[small] = j - 1
        # Pools that are still too small: merge their entire coarser class.
        still = (depth == j - 1) & (unit_resp(depth) < min_size)
        if still.any():
            prefix = pd.MultiIndex.from_arrays([vals[:, i] for i in range(j - 1)]) if j > 1 else None
            if prefix is None:
                depth[:] = 0
            else:
                small_prefixes = prefix[still].unique()
                depth[prefix.isin(small_prefixes)] = j - 1
    return depth


def nonresponse_adjust(sample: pd.DataFrame, weights, responded, classes: Sequence[str],
                       min_class_size: int = 20) -> tuple[np.ndarray, pd.DataFrame]:
    """Weighting-class nonresponse adjustment, collapsing classes with few respondents.

    Parameters
    ----------
    sample : pandas.DataFrame
        Every sampled unit, respondents and nonrespondents, with the class columns.
    weights : array-like or str
        Base weights aligned to ``sample`` rows (or the name of a column of ``sample``).
    responded : array-like or str
        1 for a respondent, 0 for a unit nonrespondent (or a column name).
    classes : sequence of str
        Columns whose crossing defines the weighting classes, coarsest first: a class that
        is too small loses its *last* variable first.
    min_class_size : int
        Minimum number of respondents in an adjustment class.

    Returns
    -------
    weights : numpy.ndarray
        Adjusted weights for all sample rows: ``d_i * f_c`` for respondents, 0 for
        nonrespondents. Each final class keeps its weighted total.
    report : pandas.DataFrame
        One row per observed class cell: the class columns, ``class`` (label), ``sampled``,
        ``respondents``, ``weighted_response_rate`` (of the cell, base weights),
        ``adjustment_class`` (label of the class used, ``*`` for a dropped variable),
        ``class_respondents``, ``factor`` (of the class used) and ``collapsed_into`` (the
        class used when the cell was collapsed, else missing).

    Raises
    ------
    WeightingError
        Missing class columns or values, weights of the wrong length, ``responded`` not 0/1,
        no respondent at all.

    Notes
    -----
    Collapsing (Kalton & Flores-Cervantes 2003): from the finest level up, cells with fewer
    than ``min_class_size`` respondents drop their last class variable and pool with the
    other small cells of the same coarser class; a pool that is still too small merges its
    whole coarser class. Pooled small cells need not be adjacent categories.
    """
    if not isinstance(sample, pd.DataFrame):
        raise WeightingError("nonresponse: sample must be a DataFrame")
    classes = [classes] if isinstance(classes, str) else list(classes)
    if isinstance(min_class_size, bool) or int(min_class_size) != min_class_size or min_class_size < 1:
        raise WeightingError(f"nonresponse: min_class_size must be a positive integer, got {min_class_size!r}")
    n = len(sample)
    w = data_weights(sample, weights, "base weights")
    resp = _responded_flags(responded, sample)
    if not resp.any():
        raise WeightingError("nonresponse: the sample has no respondents")
    for c in classes:
        if c not in sample.columns:
            raise WeightingError(f"nonresponse: the sample has no class column '{c}'")
        na = np.flatnonzero(sample[c].isna().to_numpy())
        if len(na):
            raise WeightingError(f"nonresponse: class column '{c}' is missing at row positions {row_list(na)}")

    if classes:
        keys = pd.DataFrame({c: sample[c].astype(str).to_numpy(dtype=object) for c in classes})
        cell_of_row = keys.groupby(classes, sort=True).ngroup().to_numpy()
        cells = keys.groupby(classes, sort=True).size().reset_index()[classes]
    else:  # one class: the whole sample
        cell_of_row = np.zeros(n, dtype=np.int64)
        cells = pd.DataFrame(index=[0])
    ncell = len(cells)
    sampled = np.bincount(cell_of_row, minlength=ncell)
    respondents = np.bincount(cell_of_row, weights=resp, minlength=ncell)
    w_all = np.bincount(cell_of_row, weights=w, minlength=ncell)
    w_resp = np.bincount(cell_of_row, weights=w * resp, minlength=ncell)

    depth = _collapse(cells, classes, respondents, int(min_class_size))
    vals = cells[classes].to_numpy(dtype=object) if classes else np.empty((ncell, 0), dtype=object)
    label = np.array(["|".join(r) for r in vals.astype(str)], dtype=object) if classes else np.array(["all"], object)
    masked = np.where(np.arange(len(classes))[None, :] < depth[:, None], vals, _ANY) if classes else vals
    used = np.array(["|".join(r) for r in masked.astype(str)], dtype=object) if classes else label
    unit = pd.factorize(pd.Series(used))[0]
    nunit = unit.max() + 1
    unit_all = np.bincount(unit, weights=w_all, minlength=nunit)
    unit_resp_w = np.bincount(unit, weights=w_resp, minlength=nunit)
    unit_resp_n = np.bincount(unit, weights=respondents, minlength=nunit)
    # f_c = (weighted total of all sampled) / (weighted total of respondents) in class c.
    with np.errstate(divide="ignore", invalid="ignore"):
        unit_factor = unit_all / unit_resp_w
    nofactor = np.flatnonzero(~np.isfinite(unit_factor))
    if len(nofactor):  # only possible when respondents carry zero weight
        raise WeightingError(f"nonresponse: class {used[np.flatnonzero(unit == nofactor[0])[0]]!r} has no "
                             "respondent with a positive weight")
    cell_factor = unit_factor[unit]
    adjusted = np.where(resp, w * cell_factor[cell_of_row], 0.0)

    report = cells.copy() if classes else pd.DataFrame(index=[0])
    report["class"] = label
    report["sampled"] = sampled.astype(np.int64)
    report["respondents"] = respondents.astype(np.int64)
    with np.errstate(divide="ignore", invalid="ignore"):
        report["weighted_response_rate"] = np.where(w_all > 0, w_resp / w_all, np.nan)
    report["adjustment_class"] = used
    report["class_respondents"] = unit_resp_n[unit].astype(np.int64)
    report["factor"] = cell_factor
    report["collapsed_into"] = pd.Series(np.where(depth < len(classes), used, None), dtype=object)
    return adjusted, report.reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# Response-propensity classes
# ---------------------------------------------------------------------------------------------

class PropensityWarning(UserWarning):
    """The response-propensity model fitted propensities of 0 or 1 (separation)."""


#: Adjustment factor of a propensity class (Valliant, Dever & Kreuter 2018, 13.5.2).
PROPENSITY_FACTORS = ("weighted_rate", "unweighted_rate", "mean_propensity", "weighted_mean_propensity",
                      "median_propensity")


@dataclass
class PropensityAdjustment:
    """Outcome of :func:`propensity_adjust`.

    Attributes
    ----------
    weights : numpy.ndarray
        Adjusted weights of every sample row (0 for nonrespondents).
    propensity : numpy.ndarray
        Predicted response propensity of every sample row.
    propensity_class : numpy.ndarray
        Final class (1..k) of every sample row.
    classes : pandas.DataFrame
        One row per final class: ``class``, ``quantile_classes`` (the quantile classes it
        holds, e.g. "4" or "4+5" after merging small classes), ``propensity_min``,
        ``propensity_max``, ``sampled``, ``respondents``, ``response_rate``,
        ``weighted_response_rate``, ``mean_propensity``, ``weighted_mean_propensity``,
        ``median_propensity``, ``factor``.
    coefficients : pandas.DataFrame
        The logistic model: ``term, estimate, se, t, df, p_value, odds_ratio`` (design-based
        standard errors as R's ``svyglm``; ``df`` = design df + 1 - number of terms).
    """

    weights: np.ndarray
    propensity: np.ndarray
    propensity_class: np.ndarray
    classes: pd.DataFrame
    coefficients: pd.DataFrame


def _model_matrix(sample: pd.DataFrame, covariates: Sequence, numeric: Sequence[str]) -> tuple[np.ndarray, list[str]]:
    """Intercept, treatment-coded dummies (first level in sorted order dropped, as R's
    ``model.matrix`` for character columns) and numeric columns."""
    n = len(sample)
    cols, names = [np.ones(n)], ["(Intercept)"]
    for spec in covariates:
        parts = [spec] if isinstance(spec, str) else [str(c) for c in spec]
        for c in parts:
            if c not in sample.columns:
                raise WeightingError(f"propensity model: the sample has no covariate column '{c}'")
            na = np.flatnonzero(sample[c].isna().to_numpy())
            if len(na):
                raise WeightingError(f"propensity model: covariate '{c}' is missing at row positions {row_list(na)}")
        label = "+".join(parts)
        if len(parts) == 1 and parts[0] in numeric:
            v = pd.to_numeric(sample[parts[0]], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
            bad = np.flatnonzero(~np.isfinite(v))
            if len(bad):
                raise WeightingError(f"propensity model: numeric covariate '{label}' is not a number at row positions "
                                     f"{row_list(bad)}")
            cols.append(v)
            names.append(label)
            continue
        values = sample[parts[0]].astype(str).to_numpy(dtype=object)
        for c in parts[1:]:
            values = values + "|" + sample[c].astype(str).to_numpy(dtype=object)
        codes, levels = pd.factorize(pd.Series(values), sort=True)
        if len(levels) < 2:
            raise WeightingError(f"propensity model: covariate '{label}' has a single level {levels[0]!r}")
        dummies = np.zeros((n, len(levels) - 1))
        rows = np.flatnonzero(codes > 0)
        dummies[rows, codes[rows] - 1] = 1.0
        cols.extend(dummies.T)
        names.extend(f"{label}={lv}" for lv in levels[1:])
    x = np.column_stack(cols)
    rank = np.linalg.matrix_rank(x)
    if rank < x.shape[1]:
        # name the first term that adds nothing to the terms before it
        for j in range(2, x.shape[1] + 1):
            if np.linalg.matrix_rank(x[:, :j]) < j:
                raise WeightingError(f"propensity model: term '{names[j - 1]}' is collinear with the terms before it "
                                     "in the sample; drop or merge a covariate")
    return x, names


def _merge_small(respondents: np.ndarray, min_size: int) -> np.ndarray:
    """Map of quantile classes to merged classes: a class with fewer than ``min_size``
    respondents joins its neighbour with fewer respondents (classes stay contiguous in
    propensity), until every class is large enough or one class is left."""
    groups = [[j] for j in range(len(respondents))]
    counts = [float(r) for r in respondents]
    while len(groups) > 1 and min(counts) < min_size:
        j = int(np.argmin(counts))
        if j == 0:
            k = 1
        elif j == len(groups) - 1:
            k = j - 1
        else:
            k = j - 1 if counts[j - 1] <= counts[j + 1] else j + 1
        a, b = min(j, k), max(j, k)
        groups[a] = groups[a] + groups[b]
        counts[a] += counts[b]
        del groups[b], counts[b]
    out = np.empty(len(respondents), dtype=np.int64)
    for i, g in enumerate(groups):
        out[g] = i
    return out


def propensity_adjust(sample: pd.DataFrame, weights, responded, covariates: Sequence, n_classes: int = 5,
                      min_class_size: int = 20, factor: str = "weighted_rate", numeric: Sequence[str] = (),
                      strata=None, psu=None, fpc=None, nest: bool = False,
                      lonely_psu: str = "fail") -> PropensityAdjustment:
    """Nonresponse adjustment within response-propensity classes.

    A logistic model of responding on frame covariates known for every sampled unit, fitted
    with the base weights (the pseudo-likelihood of R's ``svyglm(family=quasibinomial)``);
    the sample is cut into ``n_classes`` classes at the quantiles of the predicted
    propensity, and respondents' weights are adjusted within each class (Valliant, Dever &
    Kreuter 2018, 13.5; Little 1986; Rosenbaum & Rubin 1983).

    Parameters
    ----------
    sample : pandas.DataFrame
        Every sampled unit, respondents and nonrespondents, with the covariates.
    weights : array-like or str
        Base weights (or a column name); they weight the model and the class factors.
    responded : array-like or str
        1 for a respondent, 0 for a unit nonrespondent (or a column name).
    covariates : sequence
        Model terms: a column (categorical: treatment-coded, first level in sorted order as
        reference) or a list of columns (their crossing, categorical). Columns listed in
        ``numeric`` enter linearly.
    n_classes : int
        Number of classes: cuts at the (unweighted, R type 7) quantiles of the predicted
        propensity over the whole sample; intervals closed on the right, the first also on
        the left (R's ``cut(p, quantile(p, ...), include.lowest=TRUE)``). Tied cut points
        give fewer classes.
    min_class_size : int
        Minimum number of respondents in a class: a smaller class is merged with its
        neighbour (the one with fewer respondents), recorded in ``quantile_classes``.
    factor : str
        Adjustment factor of a class (VDK 2018, 13.5.2): ``"weighted_rate"`` (default: the
        inverse of the base-weighted response rate, which keeps each class's weighted
        total), ``"unweighted_rate"``, ``"mean_propensity"`` (inverse of the unweighted mean
        predicted propensity of the class), ``"weighted_mean_propensity"``,
        ``"median_propensity"``. Only ``"weighted_rate"`` keeps the totals exactly.
    numeric : sequence of str
        Covariates that enter the model as numbers.
    strata, psu, fpc, nest, lonely_psu
        The sample's design (columns of ``sample``), for the design-based standard errors of
        the coefficients (as ``svyglm``); the defaults treat units as independent.

    Returns
    -------
    PropensityAdjustment

    Raises
    ------
    WeightingError
        Missing columns or values, collinear terms, ``responded`` not 0/1, no respondents,
        a bad ``n_classes`` or ``factor``.
    """
    import statsmodels.api as sm
    from scipy import stats

    if not isinstance(sample, pd.DataFrame):
        raise WeightingError("propensity model: sample must be a DataFrame")
    if isinstance(n_classes, bool) or int(n_classes) != n_classes or n_classes < 1:
        raise WeightingError(f"propensity model: n_classes must be a positive integer, got {n_classes!r}")
    if isinstance(min_class_size, bool) or int(min_class_size) != min_class_size or min_class_size < 1:
        raise WeightingError(f"propensity model: min_class_size must be a positive integer, got {min_class_size!r}")
    if factor not in PROPENSITY_FACTORS:
        raise WeightingError(f"propensity model: factor must be one of {', '.join(PROPENSITY_FACTORS)}, got {factor!r}")
    covariates = [covariates] if isinstance(covariates, str) else list(covariates)
    if not covariates:
        raise WeightingError("propensity model: no covariates given")
    numeric = [numeric] if isinstance(numeric, str) else list(numeric)
    w = data_weights(sample, weights, "base weights")
    resp = _responded_flags(responded, sample)
    if not resp.any():
        raise WeightingError("propensity model: the sample has no respondents")
    if resp.all():
        raise WeightingError("propensity model: every sampled unit responded; there is nothing to model")
    y = resp.astype(float)
    x, names = _model_matrix(sample, covariates, numeric)

    # Weighted maximum pseudo-likelihood (the estimating equations sum w x (y - p) = 0).
    model = sm.GLM(y, x, family=sm.families.Binomial(), var_weights=w / w.mean())
    fit = model.fit(tol=1e-12, maxiter=100)
    beta = np.asarray(fit.params, dtype=float)
    p = 1.0 / (1.0 + np.exp(-(x @ beta)))
    extreme = np.flatnonzero((p < 1e-8) | (p > 1 - 1e-8))
    if len(extreme):
        # (quasi-)complete separation: some covariate pattern responds always (or never); the
        # fitted propensities are still usable for classes, its coefficients are not.
        big = [nm for nm, b in zip(names, beta) if abs(b) > 15]
        warnings.warn(f"propensity model: fitted propensities of 0 or 1 for {len(extreme)} sampled units "
                      f"(separation{'; large coefficients: ' + ', '.join(big[:5]) if big else ''}); their "
                      "coefficients and standard errors are not meaningful; consider merging levels",
                      PropensityWarning, stacklevel=2)

    # Sandwich variance as svyglm (Binder 1983): A^{-1} Var(sum w u) A^{-1}, with
    # u_i = x_i (y_i - p_i) and A = X' diag(w p (1 - p)) X; the design variance of the total of
    # u A^{-1} comes from the sample's design.
    a = (x * (w * p * (1 - p))[:, None]).T @ x
    a_inv = np.linalg.pinv(a)
    z = (x * (y - p)[:, None]) @ a_inv
    design_cols = {c for c in _names(strata) + _names(psu) + _names(fpc)}
    # the design columns as a fresh frame (the sample's index is not the design's business)
    frame = pd.DataFrame({c: sample[c].to_numpy() for c in design_cols}, index=pd.RangeIndex(len(sample)))
    stages, _ = design_stages(frame, _names(strata), _names(psu), _names(fpc), bool(nest), lonely_psu)
    # the design standard error of each column's total (SurveyDesign.total): cell sums per stage
    every = np.zeros(len(sample), dtype=np.int64)
    se = np.array([np.sqrt(taylor_variance(stages, slice(None), every, w * z[:, j], 1, lonely_psu)[0])
                   for j in range(z.shape[1])])
    df = int(stages[0].n_clusters - stages[0].n_strata) + 1 - len(beta)
    with np.errstate(divide="ignore", invalid="ignore"):
        tstat = beta / se
        pval = 2 * stats.t.sf(np.abs(tstat), df) if df > 0 else np.full(len(beta), np.nan)
    coefficients = pd.DataFrame({"term": names, "estimate": beta, "se": se, "t": tstat, "df": df,
                                 "p_value": pval, "odds_ratio": np.exp(beta)})

    # Classes at the quantiles of the propensity (R's quantile type 7 = numpy's "linear").
    breaks = np.quantile(p, np.linspace(0, 1, int(n_classes) + 1))
    inner = np.unique(breaks[1:-1])
    quantile_class = np.searchsorted(inner, p, side="left")
    _, quantile_class = np.unique(quantile_class, return_inverse=True)
    nq = int(quantile_class.max()) + 1
    merged = _merge_small(np.bincount(quantile_class, weights=y, minlength=nq), int(min_class_size))
    cls = merged[quantile_class]
    k = int(cls.max()) + 1

    sampled = np.bincount(cls, minlength=k).astype(float)
    respondents = np.bincount(cls, weights=y, minlength=k)
    w_all = np.bincount(cls, weights=w, minlength=k)
    w_resp = np.bincount(cls, weights=w * y, minlength=k)
    mean_p = np.bincount(cls, weights=p, minlength=k) / sampled
    wmean_p = np.bincount(cls, weights=w * p, minlength=k) / w_all
    med_p = pd.Series(p).groupby(cls).median().reindex(range(k)).to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = respondents / sampled
        wrate = w_resp / w_all
        f = {"weighted_rate": 1 / wrate, "unweighted_rate": 1 / rate, "mean_propensity": 1 / mean_p,
             "weighted_mean_propensity": 1 / wmean_p, "median_propensity": 1 / med_p}[factor]
    empty = np.flatnonzero(~np.isfinite(f) & (respondents > 0))
    if len(empty):
        raise WeightingError(f"propensity model: class {int(empty[0]) + 1} has no respondent with a positive weight")
    adjusted = np.where(resp, w * f[cls], 0.0)
    pmin = pd.Series(p).groupby(cls).min().reindex(range(k)).to_numpy()
    pmax = pd.Series(p).groupby(cls).max().reindex(range(k)).to_numpy()
    held = pd.Series(np.arange(nq) + 1).groupby(merged).agg(lambda s: "+".join(map(str, s))).reindex(range(k))
    classes = pd.DataFrame({
        "class": np.arange(1, k + 1, dtype=np.int64),
        "quantile_classes": held.to_numpy(dtype=object),
        "propensity_min": pmin, "propensity_max": pmax,
        "sampled": sampled.astype(np.int64), "respondents": respondents.astype(np.int64),
        "response_rate": rate, "weighted_response_rate": wrate,
        "mean_propensity": mean_p, "weighted_mean_propensity": wmean_p, "median_propensity": med_p,
        "factor": f,
    })
    return PropensityAdjustment(weights=adjusted, propensity=p, propensity_class=cls + 1, classes=classes,
                                coefficients=coefficients)


def _names(columns) -> list[str]:
    """A column name or a list of them (or None) as a list."""
    return [columns] if isinstance(columns, str) else list(columns or [])
