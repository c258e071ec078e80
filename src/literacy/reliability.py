"""Reliability of published shares and suppression of small cells.

Every share is judged by the NCHS Data Presentation Standards for Proportions (Parker JD,
Talih M, Malec DJ, et al. National Center for Health Statistics data presentation
standards for proportions. Vital Health Stat 2(175), 2017), on the Korn–Graubard (1998)
confidence interval computed by the estimation engine (``SurveyDesign.proportion(...,
ci="beta")``, R's ``svyciprop(method="beta")``). The standard's decision rule, in order:

1. effective sample size ``n_eff = p (1 - p) / se^2`` (the unweighted n where p is 0 or 1,
   and capped at n) below 30: do not present (suppress);
2. absolute CI width at most 0.05: present;
3. absolute CI width 0.30 or more: suppress;
4. otherwise, relative CI width (width / p) above 130%: suppress; else present.

A presented share is flagged for statistical review when its design degrees of freedom are
below 8, when it is 0 or 1 (no events: the relative width is undefined, so rule 4 is not
applied), or when the complementary share ``1 - p`` has a relative CI width above 130%
(the standard's footnote on the complement; rules 2–4 as in CDC's ``surveytable``).

Separately, a cell with fewer respondents than ``reporting.min_n`` is suppressed whatever
its precision (a disclosure rule, also the standard's minimum denominator sample size):
its estimate, standard error, interval and every statistic derived from them are blanked,
``suppressed`` is true and ``suppression_reason`` says why. With
``reporting.suppress_unreliable`` the cells the standard says not to present are blanked too.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from literacy.catalog.vocabulary import RELIABILITY_LABELS   # re-exported: (zh, en) wording
from literacy.errors import DataError

__all__ = ["RELIABILITY", "RELIABILITY_LABELS", "RELIABILITY_COLUMNS", "BLANKED_COLUMNS", "nchs_reliability",
           "flag_estimates", "suppress_rows", "suppression_flags", "propagate_suppression"]

#: The standard's three outcomes, worst last.
RELIABILITY = ("present", "review", "suppress")
#: Columns added to an estimates table by :func:`flag_estimates`, in order.
RELIABILITY_COLUMNS = ["n_effective", "ci_width", "relative_ci_width", "reliability", "reliability_reason",
                       "suppressed", "suppression_reason"]
#: Columns blanked in a suppressed estimate row (the value and everything derived from it).
BLANKED_COLUMNS = ["estimate", "se", "ci_low", "ci_high", "deff", "cv", "n_effective", "ci_width",
                   "relative_ci_width"]

# reason texts (no numbers: the values themselves are in the table, or blanked)
_R_NEFF = "effective sample size < {v:g}"
_R_WIDE = "Korn–Graubard CI width >= {v:g}"
_R_REL = "relative CI width > {v:.0%}"
_R_DF = "degrees of freedom < {v:g}"
_R_EXTREME = "estimate is 0% or 100% (no events)"
_R_COMPLEMENT = "complement's relative CI width > {v:.0%}"
_R_MIN_N = "fewer than {v} respondents (reporting.min_n)"


def nchs_reliability(estimate, se, n, df, kg_low, kg_high, thresholds: dict) -> pd.DataFrame:
    """The NCHS 2017 decision for each share (vectorised).

    Parameters
    ----------
    estimate, se : array-like
        The share and its design-based standard error.
    n : array-like
        Unweighted respondents in the domain (the denominator sample size).
    df : array-like
        The domain's design degrees of freedom.
    kg_low, kg_high : array-like
        The Korn–Graubard interval (``SurveyDesign.proportion(..., ci="beta")``).
    thresholds : dict
        ``min_effective_n`` (30), ``small_ci_width`` (0.05), ``max_ci_width`` (0.30),
        ``max_relative_ci_width`` (1.30), ``min_df`` (8): the config's ``reporting.nchs``.

    Returns
    -------
    DataFrame with n_effective, ci_width (absolute Korn–Graubard width),
    relative_ci_width (width / p; NaN where p is 0), reliability (present | review |
    suppress) and reliability_reason (the criteria the share fails, "; "-separated).
    """
    p = np.asarray(estimate, dtype=float)
    se = np.asarray(se, dtype=float)
    n = np.asarray(n, dtype=float)
    df = np.asarray(df, dtype=float)
    width = np.asarray(kg_high, dtype=float) - np.asarray(kg_low, dtype=float)
    t = {k: float(v) for k, v in thresholds.items()}
    extreme = (p <= 0) | (p >= 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        # n_eff = p(1-p)/var, the unweighted n where there is no variance (p 0 or 1), never above n
        n_eff = np.where(extreme | (se <= 0), n, p * (1 - p) / (se * se))
        n_eff = np.minimum(n_eff, n)
        relative = np.where(p > 0, width / p, np.nan)
        complement = np.where(p < 1, width / (1 - p), np.nan)
    missing = np.isnan(p) | np.isnan(width) | np.isnan(n_eff)

    small_neff = n_eff < t["min_effective_n"]
    narrow = width <= t["small_ci_width"]
    wide = width >= t["max_ci_width"]
    middle = ~narrow & ~wide
    too_relative = middle & ~extreme & (relative > t["max_relative_ci_width"])
    suppress = small_neff | (~narrow & wide) | too_relative
    low_df = ~(df >= t["min_df"])          # NaN df counts as too few
    complement_flag = middle & ~extreme & (complement > t["max_relative_ci_width"])
    review = ~suppress & (low_df | extreme | complement_flag)

    reliability = np.where(suppress, "suppress", np.where(review, "review", "present")).astype(object)
    reliability[missing] = "suppress"
    parts = [
        (small_neff, _R_NEFF.format(v=t["min_effective_n"])),
        (~narrow & wide, _R_WIDE.format(v=t["max_ci_width"])),
        (too_relative, _R_REL.format(v=t["max_relative_ci_width"])),
        (low_df, _R_DF.format(v=t["min_df"])),
        (extreme, _R_EXTREME),
        (complement_flag, _R_COMPLEMENT.format(v=t["max_relative_ci_width"])),
    ]
    # a handful of criteria, each vectorised over all cells
    texts = np.full(len(p), "", dtype=object)
    for mask, text in parts:
        mask = np.asarray(mask, dtype=bool) & ~missing
        texts = np.where(mask, np.where(texts == "", text, texts + "; " + text), texts)
    texts = np.where(missing, "no estimate or interval", texts)
    return pd.DataFrame({
        "n_effective": n_eff,
        "ci_width": width,
        "relative_ci_width": relative,
        "reliability": reliability,
        "reliability_reason": texts,
    })


def suppress_rows(df: pd.DataFrame, mask, reasons, columns: list[str]) -> pd.DataFrame:
    """Blank ``columns`` in the rows of ``mask``; set ``suppressed`` and ``suppression_reason``.

    A row already suppressed gets the new reason appended. Returns a copy.
    """
    out = df.copy()
    mask = np.asarray(mask, dtype=bool)
    reasons = np.broadcast_to(np.asarray(reasons, dtype=object), mask.shape)
    before = out["suppressed"].to_numpy(dtype=bool) if "suppressed" in out.columns else np.zeros(len(out), bool)
    old = (out["suppression_reason"].astype(object).where(out["suppression_reason"].notna(), "").to_numpy()
           if "suppression_reason" in out.columns else np.full(len(out), "", dtype=object))
    for c in columns:
        if c in out.columns:
            out[c] = out[c].astype(float).where(~mask, np.nan)
    out["suppressed"] = before | mask
    both = before & mask
    joined = np.array([f"{a}; {b}" for a, b in zip(old[both], reasons[both])], dtype=object)
    reason = np.where(before, old, np.where(mask, reasons, "")).astype(object)
    reason[both] = joined
    out["suppression_reason"] = reason
    return out


def flag_estimates(estimates: pd.DataFrame, korn_graubard: pd.DataFrame, config: dict) -> pd.DataFrame:
    """Add the NCHS reliability flags and apply the suppression rules to an estimates table.

    Parameters
    ----------
    estimates : DataFrame
        ``literacy.assessment.estimate_round`` output (any CI method).
    korn_graubard : DataFrame
        The same domains estimated with ``ci="beta"`` (the Korn–Graubard interval): the key
        columns round, breakdown, domain, level and ci_low, ci_high.
    config : dict
        The validated config (``reporting``).

    Returns
    -------
    DataFrame: the estimates with ``RELIABILITY_COLUMNS`` appended, suppressed rows blanked.
    """
    keys = ["round", "breakdown", "domain", "level"]
    kg = korn_graubard[keys + ["ci_low", "ci_high"]].rename(columns={"ci_low": "_kg_low", "ci_high": "_kg_high"})
    merged = estimates.reset_index(drop=True).merge(kg, on=keys, how="left", validate="one_to_one",
                                                     indicator=True)
    unmatched = np.flatnonzero((merged["_merge"] != "both").to_numpy())
    if unmatched.size:
        r = merged.iloc[int(unmatched[0])]
        raise DataError(f"reliability: no Korn–Graubard interval for round {r['round']}, breakdown "
                        f"{r['breakdown']}, domain {r['domain']}, level {r['level']}")
    rep = config["reporting"]
    flags = nchs_reliability(merged["estimate"], merged["se"], merged["n"], merged["df"], merged["_kg_low"],
                             merged["_kg_high"], rep["nchs"])
    out = pd.concat([estimates.reset_index(drop=True), flags], axis=1)
    n = out["n"].to_numpy(dtype=float)
    small = n < int(rep["min_n"])
    out.loc[small, "reliability"] = "suppress"
    out.loc[small, "reliability_reason"] = _R_MIN_N.format(v=int(rep["min_n"]))
    out["suppressed"] = False
    out["suppression_reason"] = ""
    out = suppress_rows(out, small, _R_MIN_N.format(v=int(rep["min_n"])), BLANKED_COLUMNS)
    if rep["suppress_unreliable"]:
        unreliable = (out["reliability"] == "suppress").to_numpy() & ~small
        reason = "NCHS standard: " + out["reliability_reason"].astype(str).to_numpy()
        out = suppress_rows(out, unreliable, reason, BLANKED_COLUMNS)
    out["suppression_reason"] = out["suppression_reason"].astype(object).where(out["suppressed"], None)
    return out[list(estimates.columns) + RELIABILITY_COLUMNS]


def suppression_flags(table: pd.DataFrame, estimates: pd.DataFrame, round_id: str,
                      role: str) -> tuple[np.ndarray, np.ndarray]:
    """Which rows of ``table`` (breakdown, domain, level) rest on a suppressed estimate of a round.

    Returns the mask and the reasons ("<role> <round>: <the estimate's reason>").
    """
    keys = ["breakdown", "domain", "level"]
    idx = pd.MultiIndex.from_frame(table[keys].astype(str))
    est = estimates[estimates["round"].astype(str) == str(round_id)]
    flags = est.set_index(pd.MultiIndex.from_frame(est[keys].astype(str)))
    hit = flags["suppressed"].reindex(idx).fillna(False).to_numpy(dtype=bool)
    why = flags["suppression_reason"].reindex(idx).to_numpy(dtype=object)
    return hit, np.array([f"{role} {round_id}: {w}" for w in why], dtype=object)


def propagate_suppression(table: pd.DataFrame, estimates: pd.DataFrame, rounds: dict[str, str],
                          columns: list[str]) -> pd.DataFrame:
    """Blank a derived table's rows that rest on a suppressed estimate.

    Parameters
    ----------
    table : DataFrame
        With breakdown, domain, level (e.g. change between rounds, verdicts).
    estimates : DataFrame
        The flagged estimates of every round (``suppressed``, ``suppression_reason``).
    rounds : dict
        Round id -> role used in the reason ("baseline", "end-of-period").
    columns : list of str
        The columns to blank where any of ``rounds`` is suppressed.

    Returns
    -------
    A copy with ``suppressed`` and ``suppression_reason`` (None where not suppressed).
    """
    out = table.reset_index(drop=True)
    for rid, role in rounds.items():
        mask, reason = suppression_flags(out, estimates, rid, role)
        out = suppress_rows(out, mask, reason, columns)
    out["suppression_reason"] = out["suppression_reason"].astype(object).where(out["suppressed"], None)
    return out
