"""The interview checks against a simulation's planted problems: recall and false-flag rate.

A simulated delivery says which interviews were planted as speeders, straight-liners, exact and
near duplicates, and which interviewers inflate their respondents' scores
(``<round>/fieldwork_truth.csv``, :mod:`literacy.simulation.fieldwork`). For each check:

* **recall**: the share of the planted cases the check flags. A duplicate is a pair (the copy and
  the record it copies): found when either is flagged by a duplicate check, since which of the two
  comes first in the file is chance;
* **false-flag rate**: the share of the interviews (interviewers) not planted that the check flags;
  for the duplicate checks, interviews in no planted pair.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["PLANTED_COLUMNS", "planted_recall"]

#: Columns of :func:`planted_recall`'s table.
PLANTED_COLUMNS = ["check", "planted", "found", "recall", "not_planted", "false_flags", "false_flag_rate"]


def _row(check: str, planted: np.ndarray, found: np.ndarray, clean: np.ndarray, false: np.ndarray) -> dict:
    n_p, n_c = int(planted.sum()), int(clean.sum())
    return {"check": check, "planted": n_p, "found": int(found.sum()),
            "recall": float(found.sum() / n_p) if n_p else np.nan, "not_planted": n_c,
            "false_flags": int(false.sum()), "false_flag_rate": float(false.sum() / n_c) if n_c else np.nan}


def planted_recall(flags: pd.DataFrame, truth: pd.DataFrame, interviewers: pd.DataFrame | None = None) -> pd.DataFrame:
    """Recall and false-flag rate of every interview check on a simulated round.

    Parameters
    ----------
    flags : DataFrame
        :func:`literacy.quality.round_quality.interview_flags` (every interview).
    truth : DataFrame
        The round's ``fieldwork_truth`` (respondent_id, interviewer_id, speeder, straightliner,
        exact_duplicate, near_duplicate, duplicate_of, inflating_interviewer).
    interviewers : DataFrame, optional
        :func:`literacy.quality.round_quality.interviewers_table` (its ``outlier`` flags).

    Returns
    -------
    DataFrame
        :data:`PLANTED_COLUMNS`, one row per check (``speeder``, ``straightliner``,
        ``exact_duplicate``, ``near_duplicate``, ``interviewer``).
    """
    t = truth.assign(respondent_id=truth["respondent_id"].astype(str)).set_index("respondent_id")
    f = flags.assign(respondent_id=flags["respondent_id"].astype(str)).set_index("respondent_id").reindex(t.index)
    rows = []
    for check in ("speeder", "straightliner"):
        planted = t[check].to_numpy(dtype=bool)
        hit = f[check].fillna(False).to_numpy(dtype=bool)
        rows.append(_row(check, planted, planted & hit, ~planted, ~planted & hit))
    dup_hit = (f["exact_duplicate"].fillna(False).to_numpy(dtype=bool)
               | f["near_duplicate"].fillna(False).to_numpy(dtype=bool))
    flagged_ids = list(t.index[dup_hit])
    copied = t["exact_duplicate"].to_numpy(dtype=bool) | t["near_duplicate"].to_numpy(dtype=bool)
    in_pair = set(t.index[copied]) | set(t.loc[copied, "duplicate_of"].astype(str))
    clean = ~t.index.isin(list(in_pair))
    for check in ("exact_duplicate", "near_duplicate"):
        planted = t[check].to_numpy(dtype=bool)
        found = (np.isin(t.index[planted].to_numpy(dtype=str), flagged_ids)
                 | np.isin(t.loc[planted, "duplicate_of"].to_numpy(dtype=str), flagged_ids))
        rows.append(_row(check, planted[planted], found, clean, clean & dup_hit))
    if interviewers is not None and len(interviewers):
        iv = interviewers[interviewers["interviewer"].astype(str) != "all"]
        inflating = set(t.loc[t["inflating_interviewer"].to_numpy(dtype=bool), "interviewer_id"].astype(str))
        planted = iv["interviewer"].astype(str).isin(inflating).to_numpy()
        out = iv["outlier"].fillna(False).to_numpy(dtype=bool)
        rows.append(_row("interviewer", planted, planted & out, ~planted, ~planted & out))
    return pd.DataFrame(rows, columns=PLANTED_COLUMNS)
