"""Unit-nonresponse adjustment within weighting classes (weighting-class adjustment).

Within each class c the respondents' weights are inflated by the inverse of the class's weighted
response rate, f_c = sum_{i in s_c} d_i / sum_{i in r_c} d_i, so the class's weighted total is
preserved and nonrespondents drop to weight 0 (Lohr 2019, section 8.5.2; Valliant, Dever &
Kreuter 2018, ch. 13; Kalton & Flores-Cervantes 2003). Classes too small to give a stable
factor are collapsed (Kalton & Flores-Cervantes 2003, section 2).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from literacy.weighting._common import WeightingError, as_float_vector, data_weights, row_list

__all__ = ["nonresponse_adjust"]

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
