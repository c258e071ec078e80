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


def _pair_columns(change: pd.DataFrame) -> tuple[str, str]:
    """The change table's columns naming its earlier and later round."""
    if {"from_round", "to_round"} <= set(change.columns):
        return "from_round", "to_round"
    return "baseline_round", "endline_round"


def truth_check_linked(linked: pd.DataFrame, change: pd.DataFrame, truths: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Linked-scale shares and changes beside the simulated population's true shares above θ*.

    Each change is checked against the true change between **its own pair of rounds**, read
    from the change table (``from_round``/``to_round``, else ``baseline_round``/``endline_round``),
    never from the order of ``truths``.

    Parameters
    ----------
    linked : DataFrame
        Every round's linked estimates.
    change : DataFrame
        The linked change table.
    truths : dict of str to DataFrame
        Each round's truth table with ``rate_linked``, keyed by round id (any order).

    Returns
    -------
    DataFrame
        ``kind`` ("share" or "change"), ``round`` (for a change: ``from-to``), the domain keys,
        the estimate and its interval, ``truth``, ``error`` and ``covered``.
    """
    keys = ["breakdown", "domain", "level"]
    tr = pd.concat([t.assign(round=rid) for rid, t in truths.items()], ignore_index=True)
    tr = tr.astype({k: str for k in keys + ["round"]})
    share = linked[["round"] + keys + ["estimate", "ci_low", "ci_high"]].astype({k: str for k in keys + ["round"]})
    share = share.merge(tr[["round"] + keys + ["rate_linked"]], on=["round"] + keys, how="inner")
    share = share.rename(columns={"rate_linked": "truth"}).assign(kind="share")
    a, b = _pair_columns(change)
    ch = change[keys + [a, b, "change", "ci_low", "ci_high"]].rename(columns={"change": "estimate"})
    ch = ch.astype({k: str for k in keys + [a, b]})
    t = tr[["round"] + keys + ["rate_linked"]]
    ch = ch.merge(t.rename(columns={"round": a, "rate_linked": "_from"}), on=keys + [a], how="inner")
    ch = ch.merge(t.rename(columns={"round": b, "rate_linked": "_to"}), on=keys + [b], how="inner")
    ch = ch.assign(kind="change", round=ch[a] + "-" + ch[b], truth=ch["_to"] - ch["_from"])
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
        The headline (``level``; ``baseline_round`` and ``endline_round``, the pair it reports).

    Returns
    -------
    dict
        ``truth_linked_change`` and ``truth_linked_change_covered``, or empty when the
        change has no true value or is suppressed.
    """
    ch = lcheck[(lcheck["kind"] == "change") & (lcheck["breakdown"] == "city") & (lcheck["level"] == head["level"])]
    if "baseline_round" in head and "endline_round" in head:   # the headline's own pair, by role
        ch = ch[ch["round"] == f"{head['baseline_round']}-{head['endline_round']}"]
    if len(ch) and pd.notna(ch["covered"].iloc[0]):
        return {"truth_linked_change": float(ch["truth"].iloc[0]),
                "truth_linked_change_covered": bool(ch["covered"].iloc[0])}
    return {}
