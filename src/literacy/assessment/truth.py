"""Estimates beside the simulated population's true values: error and interval coverage.

Simulated deliveries carry each round's ``truth`` table (the population's shares); the
assessment then reports how far each estimate is from the truth and whether its confidence
interval covers it. A suppressed (blank) estimate neither covers nor misses: its ``covered``
is missing.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["truth_check", "truth_check_linked", "headline_truth", "headline_truth_linked"]


def _coverage(out: pd.DataFrame) -> pd.DataFrame:
    out["error"] = out["estimate"] - out["truth"]
    covered = (out["ci_low"] <= out["truth"]) & (out["truth"] <= out["ci_high"])
    # a suppressed estimate (blank) neither covers nor misses: NA
    out["covered"] = pd.array(covered.to_numpy(), dtype="boolean")
    out.loc[out["estimate"].isna().to_numpy(), "covered"] = pd.NA
    return out


def truth_check(est: pd.DataFrame, truths: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Estimates beside the simulated population values: error and whether the CI covers the truth.

    Parameters
    ----------
    est : DataFrame
        Every round's estimates (``round, breakdown, domain, level``, the labels,
        ``estimate, ci_low, ci_high, n``).
    truths : dict of str to DataFrame
        Each round's truth table (``breakdown, domain, level, rate``).

    Returns
    -------
    DataFrame
        One row per estimate with a true value: the estimate, ``truth``, ``error`` and
        ``covered`` (missing for a suppressed estimate).
    """
    frames = []
    for rid, truth in truths.items():
        t = truth.assign(round=rid)[["round", "breakdown", "domain", "level", "rate"]].rename(columns={"rate": "truth"})
        t = t.astype({"round": str, "breakdown": str, "domain": str, "level": str})
        frames.append(t)
    truth = pd.concat(frames, ignore_index=True)
    keys = ["round", "breakdown", "domain", "level"]
    base = est[keys + ["label_zh", "label_en", "estimate", "ci_low", "ci_high", "n"]].astype(
        {k: str for k in keys})
    out = base.merge(truth, on=keys, how="inner", validate="one_to_one")
    return _coverage(out)


def truth_check_linked(linked: pd.DataFrame, change: pd.DataFrame, truths: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Linked-scale shares and changes beside the simulated population's true shares above θ*.

    Parameters
    ----------
    linked : DataFrame
        Every round's linked estimates.
    change : DataFrame
        The linked change table.
    truths : dict of str to DataFrame
        Each round's truth table with ``rate_linked``, in round order.

    Returns
    -------
    DataFrame
        ``kind`` ("share" or "change"), ``round``, the domain keys, the estimate and its
        interval, ``truth``, ``error`` and ``covered``.
    """
    keys = ["breakdown", "domain", "level"]
    tr = pd.concat([t.assign(round=rid) for rid, t in truths.items()], ignore_index=True)
    tr = tr.astype({k: str for k in keys + ["round"]})
    share = linked[["round"] + keys + ["estimate", "ci_low", "ci_high"]].astype({k: str for k in keys + ["round"]})
    share = share.merge(tr[["round"] + keys + ["rate_linked"]], on=["round"] + keys, how="inner")
    share = share.rename(columns={"rate_linked": "truth"}).assign(kind="share")
    rid = list(truths)
    wide = tr.pivot_table(index=keys, columns="round", values="rate_linked")
    # each change against the true change of its own pair (from_round, to_round); a table without
    # them is the first round to the last
    pairs = change[["from_round", "to_round"]].astype(str).drop_duplicates().itertuples(index=False, name=None) \
        if "from_round" in change.columns else [(rid[0], rid[-1])]
    frames = []
    for a, b in pairs:   # the comparisons (a handful)
        if a not in wide.columns or b not in wide.columns:
            continue
        true_change = (wide[b] - wide[a]).rename("truth").reset_index()
        rows = change if "from_round" not in change.columns else \
            change[(change["from_round"].astype(str) == a) & (change["to_round"].astype(str) == b)]
        ch = rows[keys + ["change", "ci_low", "ci_high"]].rename(columns={"change": "estimate"}).astype(
            {k: str for k in keys})
        frames.append(ch.merge(true_change, on=keys, how="inner").assign(kind="change", round=f"{a}-{b}"))
    ch = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["kind", "round", *keys, "estimate", "ci_low", "ci_high", "truth"])
    out = pd.concat([share, ch], ignore_index=True)[["kind", "round"] + keys + ["estimate", "ci_low", "ci_high", "truth"]]
    return _coverage(out)


def headline_truth(check: pd.DataFrame, head: dict) -> dict:
    """The headline's true value and whether its interval covers it.

    Parameters
    ----------
    check : DataFrame
        :func:`truth_check`'s table.
    head : dict
        The headline (``level``, ``endline_round``).

    Returns
    -------
    dict
        Empty when the city's end-of-period share has no true value; else ``truth`` and
        ``truth_covered`` (None when the estimate is suppressed).
    """
    city = check[(check["breakdown"] == "city") & (check["level"] == head["level"])
                 & (check["round"] == head["endline_round"])]
    if not len(city):
        return {}
    covered = city["covered"].iloc[0]
    return {"truth": float(city["truth"].iloc[0]),
            "truth_covered": None if pd.isna(covered) else bool(covered)}   # None: suppressed


def headline_truth_linked(lcheck: pd.DataFrame, head: dict) -> dict:
    """The city's true change on the linked scale and whether its interval covers it.

    Parameters
    ----------
    lcheck : DataFrame
        :func:`truth_check_linked`'s table.
    head : dict
        The headline (``level``).

    Returns
    -------
    dict
        ``truth_linked_change`` and ``truth_linked_change_covered``, or empty when the
        change has no true value or is suppressed.
    """
    ch = lcheck[(lcheck["kind"] == "change") & (lcheck["breakdown"] == "city") & (lcheck["level"] == head["level"])]
    if len(ch) and pd.notna(ch["covered"].iloc[0]):
        return {"truth_linked_change": float(ch["truth"].iloc[0]),
                "truth_linked_change_covered": bool(ch["covered"].iloc[0])}
    return {}
