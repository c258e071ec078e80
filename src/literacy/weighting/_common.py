"""Shared helpers of the weighting package: the error type, input checks and margin coding."""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence

import numpy as np
import pandas as pd

from literacy.errors import DataError

__all__ = ["WeightingError", "base_weights"]

#: Separator of the level codes of a crossing ("haibowan|male|18-29") ...
LEVEL_SEP = "|"
#: ... and of the column names in a crossing's key ("district+sex+age_band"), as in margins.csv.
KEY_SEP = "+"


class WeightingError(DataError):
    """Weights or weighting targets that cannot be used; the message names the column, level or rows."""


def row_list(positions: np.ndarray, limit: int = 5) -> str:
    """'3, 17, 20 (and 12 more)' for the first ``limit`` of the given 0-based row positions."""
    positions = np.asarray(positions)
    shown = ", ".join(str(int(p)) for p in positions[:limit])
    more = len(positions) - limit
    return shown + (f" (and {more} more)" if more > 0 else "")


def as_float_vector(values, name: str, n: int | None = None) -> np.ndarray:
    """A 1-D float copy of ``values`` (non-numbers become NaN), checked for length ``n``."""
    if isinstance(values, (pd.Series, pd.Index)):
        arr = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    else:
        arr = np.asarray(values)
        if arr.dtype.kind not in "biuf":
            arr = pd.to_numeric(pd.Series(arr.ravel()), errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        arr = np.array(arr, dtype=float, copy=True)
    if arr.ndim != 1:
        raise WeightingError(f"{name}: expected a one-dimensional vector, got shape {arr.shape}")
    if n is not None and len(arr) != n:
        raise WeightingError(f"{name}: has {len(arr)} values but the data has {n} rows")
    return arr


def check_weights(weights, n: int, name: str = "weights") -> np.ndarray:
    """Weights as a float vector of length ``n``: finite and non-negative, with a positive sum."""
    w = as_float_vector(weights, name, n)
    bad = np.flatnonzero(~np.isfinite(w))
    if len(bad):
        raise WeightingError(f"{name}: {len(bad)} missing or infinite values at row positions {row_list(bad)}")
    bad = np.flatnonzero(w < 0)
    if len(bad):
        raise WeightingError(f"{name}: {len(bad)} negative values at row positions {row_list(bad)}")
    if not w.sum() > 0:
        raise WeightingError(f"{name}: all weights are zero")
    return w


def data_weights(data: pd.DataFrame, weights, name: str = "weights") -> np.ndarray:
    """Checked weights given as values aligned to ``data`` rows or as the name of a column."""
    if isinstance(weights, str):
        if weights not in data.columns:
            raise WeightingError(f"the data has no weight column '{weights}'")
        return check_weights(data[weights], len(data), weights)
    return check_weights(weights, len(data), name)


def base_weights(selection_prob, name: str = "selection_prob") -> np.ndarray:
    """Base (design) weights: the inverse of each unit's overall inclusion probability.

    Horvitz–Thompson weighting, d_i = 1 / pi_i (Lohr 2019, section 6.4; Lumley 2010, 1.3).

    Parameters
    ----------
    selection_prob : array-like or pandas.Series
        Overall inclusion probability of each sampled unit, in (0, 1].
    name : str
        Column name used in error messages.

    Returns
    -------
    numpy.ndarray
        Float vector ``1 / selection_prob``.

    Raises
    ------
    WeightingError
        If a probability is missing / not a number, not positive, or above 1; the message
        names the column and the first offending row positions (0-based).
    """
    p = as_float_vector(selection_prob, name)
    bad = np.flatnonzero(np.isnan(p))
    if len(bad):
        raise WeightingError(f"{name}: {len(bad)} missing or non-numeric probabilities at row positions {row_list(bad)}")
    bad = np.flatnonzero(p <= 0)
    if len(bad):
        raise WeightingError(f"{name}: {len(bad)} probabilities <= 0 at row positions {row_list(bad)}")
    bad = np.flatnonzero(p > 1)
    if len(bad):
        raise WeightingError(f"{name}: {len(bad)} probabilities > 1 at row positions {row_list(bad)}")
    return 1.0 / p


# ---------------------------------------------------------------------------------------------
# Margins: a targets key is a column, or a crossing of columns ("district+sex+age_band" or a
# tuple of column names) whose level codes join the columns' values with "|".
# ---------------------------------------------------------------------------------------------

def key_label(key: Hashable) -> str:
    """Printable name of a targets key (a tuple crossing prints as 'a+b')."""
    if isinstance(key, tuple):
        return KEY_SEP.join(str(k) for k in key)
    return str(key)


def key_columns(data: pd.DataFrame, key: Hashable) -> list[str]:
    """The data columns a targets key refers to."""
    if isinstance(key, tuple):
        cols = [str(c) for c in key]
    elif key in data.columns:
        return [key]
    elif isinstance(key, str) and KEY_SEP in key:
        cols = key.split(KEY_SEP)
    else:
        cols = [key]
    missing = [c for c in cols if c not in data.columns]
    if missing:
        raise WeightingError(f"margin '{key_label(key)}': the data has no column {', '.join(map(repr, missing))}")
    return cols


def margin_values(data: pd.DataFrame, key: Hashable) -> pd.Series:
    """Each row's level of a targets key: the column value, or '|'-joined values of a crossing."""
    cols = key_columns(data, key)
    for c in cols:
        na = np.flatnonzero(data[c].isna().to_numpy())
        if len(na):
            raise WeightingError(f"margin '{key_label(key)}': column '{c}' is missing at row positions {row_list(na)}")
    if len(cols) == 1:
        return data[cols[0]].reset_index(drop=True)
    joined = data[cols[0]].astype(str).to_numpy(dtype=object)
    for c in cols[1:]:
        joined = joined + LEVEL_SEP + data[c].astype(str).to_numpy(dtype=object)
    return pd.Series(joined, dtype=object)


def match_levels(values: pd.Series, levels: Sequence) -> np.ndarray:
    """Index of each value in ``levels`` (-1 where absent); falls back to matching as text."""
    lv = pd.Index(list(levels), dtype=object)
    vals = pd.Index(values.to_numpy(dtype=object), dtype=object)
    codes = lv.get_indexer(vals)
    miss = codes < 0
    if miss.any():
        as_text = pd.Index([str(v) for v in lv], dtype=object)
        if as_text.is_unique:
            codes[miss] = as_text.get_indexer(pd.Index([str(v) for v in vals[miss]], dtype=object))
    return codes.astype(np.int64)


class Margin:
    """One coded margin: each row's level index, and the population count of each level."""

    __slots__ = ("key", "label", "levels", "codes", "population")

    def __init__(self, key: Hashable, levels: list, codes: np.ndarray, population: np.ndarray):
        self.key = key
        self.label = key_label(key)
        self.levels = levels
        self.codes = codes
        self.population = population

    def totals(self, w: np.ndarray) -> np.ndarray:
        """Weighted count of the sample in each level."""
        return np.bincount(self.codes, weights=w, minlength=len(self.levels))


def code_margin(data: pd.DataFrame, key: Hashable, counts: Mapping, w: np.ndarray,
                what: str = "raking margin") -> Margin:
    """Code one margin of ``targets`` against the data and check it can be matched.

    Mirrors the checks of R's ``postStratify.survey.design2``: a sample level absent from the
    population ("Strata in sample absent from population") and a level with a positive
    population but no sample ("Some strata absent from sample") are errors.
    """
    label = key_label(key)
    if not isinstance(counts, Mapping) or len(counts) == 0:
        raise WeightingError(f"{what} '{label}': targets must be a non-empty mapping level -> population count")
    levels = list(counts.keys())
    pop = np.array([pd.to_numeric(pd.Series([counts[lv]]), errors="coerce").iloc[0] for lv in levels], dtype=float)
    bad = np.flatnonzero(~np.isfinite(pop) | (pop < 0))
    if len(bad):
        raise WeightingError(f"{what} '{label}': level '{levels[bad[0]]}' has population {counts[levels[bad[0]]]!r}; "
                             "counts must be finite and non-negative")
    values = margin_values(data, key)
    codes = match_levels(values, levels)
    unmatched = np.flatnonzero(codes < 0)
    if len(unmatched):
        lv = pd.unique(values.iloc[unmatched].astype(str))
        raise WeightingError(f"{what} '{label}': the sample has level(s) {', '.join(map(repr, lv[:5]))} that the "
                             f"population targets lack (row positions {row_list(unmatched)})")
    wsum = np.bincount(codes, weights=w, minlength=len(levels))
    empty = np.flatnonzero((pop > 0) & (wsum <= 0))
    if len(empty):
        names = ", ".join(repr(str(levels[i])) for i in empty[:5])
        raise WeightingError(f"{what} '{label}': level(s) {names} have a positive population but no sampled "
                             "units with positive weight; collapse the level or drop it from the targets")
    nopop = np.flatnonzero((pop == 0) & (wsum > 0))
    if len(nopop):
        names = ", ".join(repr(str(levels[i])) for i in nopop[:5])
        raise WeightingError(f"{what} '{label}': level(s) {names} have sampled units but a population of 0")
    return Margin(key, levels, codes, pop)


def code_margins(data: pd.DataFrame, targets: Mapping, w: np.ndarray, what: str = "raking margin",
                 check_totals: bool = True) -> list[Margin]:
    """Code every margin of ``targets``; the margins must agree on the population total."""
    if not isinstance(targets, Mapping) or len(targets) == 0:
        raise WeightingError(f"{what}s: targets must be a non-empty mapping column -> {{level: count}}")
    margins = [code_margin(data, key, counts, w, what) for key, counts in targets.items()]
    if check_totals and len(margins) > 1:
        totals = np.array([m.population.sum() for m in margins])
        if totals.max() - totals.min() > 1e-6 * totals.max():
            i, j = int(totals.argmin()), int(totals.argmax())
            raise WeightingError(f"{what}s disagree on the population total: '{margins[i].label}' sums to "
                                 f"{totals[i]:.10g} but '{margins[j].label}' to {totals[j]:.10g}")
    return margins
