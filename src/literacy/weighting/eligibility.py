"""Eligibility adjustment: cases of unknown eligibility and cases found not eligible.

A sampled case found not eligible (AAPOR 4.x: not a resident adult, an address with no household)
is outside the target population: its base weight must not be handed to the respondents, as a
nonrespondent's is. A case whose eligibility was never resolved (AAPOR 3.x) might be either. The
base weights are therefore adjusted in two steps before the nonresponse adjustment (Valliant,
Dever & Kreuter 2018, section 13.2, "adjustment for unknown eligibility"; Kalton & Flores-Cervantes
2003):

1. within adjustment classes, the cases of known eligibility (interviews, eligible non-interviews
   and the not eligible) take over the weights of the unknown-eligibility cases, whose weights
   drop to 0: the unknown cases are taken to be eligible at the class's weighted rate among the
   resolved cases (AAPOR's *e* estimated by class);
2. the not-eligible cases drop to weight 0.

The nonresponse adjustment then spreads the eligible non-interviews' weights over the interviews,
so the weights sum to the estimated eligible population, not the whole sampled frame. With no
not-eligible case, the two steps followed by the nonresponse adjustment give exactly the one-step
nonresponse adjustment's weights (the unknown cases' weights reach the respondents either way);
:func:`literacy.weighting.weight_round` then skips them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from literacy.weighting._common import WeightingError
from literacy.weighting.nonresponse import nonresponse_adjust

__all__ = ["eligibility_adjust", "needs_eligibility_adjustment", "UNKNOWN_ELIGIBILITY", "NOT_ELIGIBLE"]

#: The disposition names (keys of :data:`literacy.quality.DISPOSITIONS`, to which ingest reads every
#: delivered spelling and AAPOR code) of AAPOR's categories U (3.x) and NE (4.x). Named here, not
#: imported, so weighting does not depend on the quality package (which depends on it).
UNKNOWN_ELIGIBILITY = "unknown_eligibility"
NOT_ELIGIBLE = "not_eligible"


def _names(disposition: pd.Series) -> np.ndarray:
    missing = np.flatnonzero(disposition.isna().to_numpy())
    if len(missing):
        raise WeightingError(f"eligibility: the disposition is missing at row position {missing[0]}")
    return disposition.astype(str).to_numpy(dtype=object)


def needs_eligibility_adjustment(sample: pd.DataFrame, disposition: str = "disposition") -> bool:
    """Whether the sample has a disposition column with at least one not-eligible case.

    Parameters
    ----------
    sample : pandas.DataFrame
        Every sampled case.
    disposition : str
        The column of disposition names (:data:`NOT_ELIGIBLE` marks a not-eligible case).

    Returns
    -------
    bool
    """
    if disposition not in sample.columns or sample[disposition].isna().any():
        return False
    return bool((sample[disposition].astype(str) == NOT_ELIGIBLE).any())


def eligibility_adjust(sample: pd.DataFrame, weights, classes: Sequence[str], min_class_size: int = 20,
                       disposition: str = "disposition") -> tuple[np.ndarray, pd.DataFrame]:
    """Base weights adjusted for unknown eligibility, with the not-eligible cases at weight 0.

    Parameters
    ----------
    sample : pandas.DataFrame
        Every sampled case, with ``disposition`` and the class columns.
    weights : array-like or str
        Base weights aligned to ``sample`` rows (or a column name).
    classes : sequence of str
        Columns whose crossing forms the adjustment classes, coarsest first (collapsed as in
        :func:`literacy.weighting.nonresponse_adjust`, counting the resolved cases).
    min_class_size : int
        Minimum number of resolved cases in a class.
    disposition : str
        The column of disposition names (:data:`UNKNOWN_ELIGIBILITY` and :data:`NOT_ELIGIBLE` are
        adjusted for; every other name is a resolved, eligible case).

    Returns
    -------
    weights : numpy.ndarray
        For every sample row: 0 for unknown-eligibility and not-eligible cases; the resolved
        eligible cases' base weights times their class's factor (weighted total of the class /
        weighted total of its resolved cases).
    report : pandas.DataFrame
        One row per class cell: the columns of :func:`nonresponse_adjust`'s report with
        ``respondents`` renamed ``resolved`` and ``weighted_response_rate`` renamed
        ``weighted_resolved_rate``, plus ``not_eligible`` (cases) and
        ``weighted_eligible_rate`` (the class's weighted share eligible among its resolved
        cases: the estimated *e*).

    Raises
    ------
    WeightingError
        No disposition column, a missing disposition, or no resolved case at all.
    """
    if disposition not in sample.columns:
        raise WeightingError(f"eligibility: the sample has no column '{disposition}'")
    names = _names(sample[disposition])
    resolved = (names != UNKNOWN_ELIGIBILITY).astype(np.int64)
    if not resolved.any():
        raise WeightingError("eligibility: no sampled case has a known eligibility")
    adjusted, report = nonresponse_adjust(sample, weights, resolved, classes, min_class_size)
    not_eligible = names == NOT_ELIGIBLE
    # the share eligible among the resolved cases of each cell, weighted by the adjusted weights
    classes = [classes] if isinstance(classes, str) else list(classes)
    cell = (sample[classes].astype(str).groupby(classes, sort=True).ngroup().to_numpy() if classes
            else np.zeros(len(sample), dtype=np.int64))
    ncell = len(report)
    w_resolved = np.bincount(cell, weights=adjusted, minlength=ncell)
    w_eligible = np.bincount(cell, weights=np.where(not_eligible, 0.0, adjusted), minlength=ncell)
    report = report.rename(columns={"respondents": "resolved", "weighted_response_rate": "weighted_resolved_rate",
                                    "class_respondents": "class_resolved"})
    report["not_eligible"] = np.bincount(cell, weights=not_eligible, minlength=ncell).astype(np.int64)
    with np.errstate(divide="ignore", invalid="ignore"):
        report["weighted_eligible_rate"] = np.where(w_resolved > 0, w_eligible / w_resolved, np.nan)
    return np.where(not_eligible, 0.0, adjusted), report
