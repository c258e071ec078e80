"""The change for every pair of rounds the schedule names (``assessment/change.csv``).

:func:`literacy.assessment.schedule.comparisons` names the pairs: every consecutive pair of
rounds (family ``consecutive``) and every later round against the baseline (family
``since_baseline``). Each pair is :func:`literacy.assessment.change.compare_rounds` (independent
samples: the variances add; Welch–Satterthwaite degrees of freedom), a change resting on a
suppressed estimate is blanked, and the Benjamini–Hochberg adjustment is made **within each
family**: one comparison kind, one breakdown, one literacy level. A consecutive pair that starts
at the baseline belongs to both families; it is listed once (``since_baseline``), is counted in
both families' adjustments, and keeps the larger of its two adjusted p-values (the FDR is then
controlled in each family).

The rows of the headline pair (the baseline and the assessed round) come last, so a reader that
keys the table by domain alone finds the headline change.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from literacy.assessment.change import CHANGE_COLUMNS, adjust_multiple_comparisons, compare_rounds
from literacy.assessment.config import round_roles
from literacy.assessment.schedule import CONSECUTIVE, baseline_round, comparisons, survey_rounds
from literacy.reliability import propagate_suppression

__all__ = ["change_table", "headline_change", "PAIR_COLUMNS", "ALL_CHANGE_COLUMNS"]

#: The columns that key a pair of rounds, inserted after ``level``.
PAIR_COLUMNS = ["comparison", "from_round", "to_round"]

#: The change table's columns before the BH and suppression columns.
ALL_CHANGE_COLUMNS = CHANGE_COLUMNS[:5] + PAIR_COLUMNS + CHANGE_COLUMNS[5:]

#: A round's role as a suppression reason names it ("end-of-period 2025: fewer than 30 ...").
_ROLE_WORDS = {"baseline": "baseline", "endline": "end-of-period", "midterm": "mid-term", "annual": "annual round",
               "round": "round"}

_BLANKED = ["change", "se", "ci_low", "ci_high", "df", "p_value"]


def _pair(estimates: pd.DataFrame, config: dict, from_id: str, to_id: str, family: str) -> pd.DataFrame:
    ch = compare_rounds(estimates, config, pair=(from_id, to_id))
    role = {r.id: _ROLE_WORDS.get(r.role, r.role) for r in survey_rounds(config)}
    roles = {from_id: role[from_id], to_id: role[to_id]}
    ch = propagate_suppression(ch, estimates, roles, _BLANKED)
    at = ch.columns.get_loc("level") + 1
    for i, (col, value) in enumerate(zip(PAIR_COLUMNS, (family, from_id, to_id))):
        ch.insert(at + i, col, value)
    return ch


def _bh_in_both(table: pd.DataFrame, config: dict, base_id: str, first_after: str | None) -> pd.DataFrame:
    """BH within (comparison, breakdown, level); the baseline's consecutive pair also in ``consecutive``."""
    family = ("comparison", "breakdown", "level")
    out = adjust_multiple_comparisons(table, config, family=family)
    cons = (out["comparison"] == CONSECUTIVE).to_numpy()
    if first_after is None or not cons.any():
        return out
    both = ((out["from_round"] == base_id) & (out["to_round"] == first_after)).to_numpy()
    pool = pd.concat([table[cons], table[both].assign(comparison=CONSECUTIVE)], ignore_index=True)
    again = adjust_multiple_comparisons(pool, config, family=family)["p_value_bh"].to_numpy(dtype=float)
    p_cons, p_both = again[:int(cons.sum())], again[int(cons.sum()):]
    p = out["p_value_bh"].to_numpy(dtype=float).copy()
    p[cons] = p_cons
    p[both] = np.fmax(p[both], p_both)     # NaN stays NaN: a suppressed change is in no family
    blank = np.isnan(p)
    out["p_value_bh"] = p
    sig = pd.array(p <= 1 - float(config["estimation"]["level"]), dtype="boolean")
    sig[blank] = pd.NA
    out["significant_bh"] = sig
    return out


def change_table(estimates: pd.DataFrame, config: dict) -> pd.DataFrame:
    """The change for every pair of :func:`~literacy.assessment.schedule.comparisons`.

    Parameters
    ----------
    estimates : DataFrame
        Every round's flagged estimates.
    config : dict
        The validated config.

    Returns
    -------
    DataFrame
        ``ALL_CHANGE_COLUMNS`` then ``p_value_bh``, ``significant_bh`` (BH within each
        comparison kind, breakdown and level), ``suppressed`` and ``suppression_reason``; one
        row per pair, domain and level; the headline pair's rows last.
    """
    base_id = baseline_round(config).id
    headline = round_roles(config)
    have = set(estimates["round"].astype(str))
    pairs = [c for c in comparisons(config) if c.from_round in have and c.to_round in have]
    pairs.sort(key=lambda c: (c.from_round, c.to_round) == headline)   # stable: the headline pair last
    frames = [_pair(estimates, config, c.from_round, c.to_round, c.family) for c in pairs]
    table = pd.concat(frames, ignore_index=True)
    ids = [r.id for r in survey_rounds(config)]
    after = ids[ids.index(base_id) + 1] if ids.index(base_id) + 1 < len(ids) else None
    out = _bh_in_both(table, config, base_id, after if after in have else None)
    cols = ALL_CHANGE_COLUMNS + ["p_value_bh", "significant_bh", "suppressed", "suppression_reason"]
    return out[cols].reset_index(drop=True)


def headline_change(change: pd.DataFrame, config: dict) -> pd.DataFrame:
    """The rows of the headline pair (baseline to assessed round), without the pair's key columns.

    Parameters
    ----------
    change : DataFrame
        :func:`change_table`.
    config : dict
        The validated config.

    Returns
    -------
    DataFrame
        The two-round change table the verdicts, the headline and the evaluator tables read.
    """
    base_id, end_id = round_roles(config)
    sel = change[(change["from_round"] == base_id) & (change["to_round"] == end_id)]
    return sel.drop(columns=PAIR_COLUMNS).reset_index(drop=True)
