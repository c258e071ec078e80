"""Interview data quality from the responses and their paradata: speeders, straight-lining,
duplicate records and item nonresponse.

* **Speeders**: an interview shorter than ``share`` (default 0.3) of the median duration of its
  mode (face-to-face, telephone, web take different times); Greszki, Meyer & Schoen (2015) use
  the same relative rule.
* **Straight-lining**: among at least ``min_items`` answered items of one type (true/false, or the
  same number of options), the most frequent answer code makes up at least ``share`` (default 0.9)
  of the answers: an interviewee (or interviewer) giving the same code whatever the question.
  Knowledge items have keys in both positions, so a real respondent rarely does this.
* **Duplicates**: an *exact* duplicate has the same answer to every item and the same respondent
  characteristics as an earlier record; a *near* duplicate (Kuriakose & Robbins 2016's maximum
  percent match, adapted to a knowledge test) shares at least ``near_share`` (0.95) of the item
  answers with another record of the same interviewer, and at least ``min_rare`` of the shared
  answers are not the item's most common answer: two people who both know the answers agree on
  the correct (common) ones, copied records also agree on the uncommon ones.
* **Item nonresponse**: skipped (blank) and don't-know rates by item, overall and by a grouping
  (interviewer).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from literacy.errors import DataError

__all__ = ["speeders", "straightlining", "duplicates", "item_nonresponse"]


def speeders(duration: pd.Series, mode: pd.Series | None = None, share: float = 0.3) -> pd.DataFrame:
    """Interviews shorter than ``share`` of their mode's median duration.

    Parameters
    ----------
    duration : Series
        Interview length in seconds (missing: not judged).
    mode : Series, optional
        Interview mode of each case; one median for all when None.
    share : float
        Fraction of the median below which an interview is flagged, in (0, 1).

    Returns
    -------
    DataFrame
        In the rows of ``duration``: ``duration``, ``mode_median``, ``ratio`` (duration / median)
        and ``speeder``.
    """
    if not 0 < share < 1:
        raise DataError(f"quality.speeder_share must lie in (0, 1), not {share!r}")
    d = pd.to_numeric(duration, errors="coerce").astype(float)
    if (d < 0).any():
        row = int(np.flatnonzero((d < 0).to_numpy())[0])
        raise DataError(f"responses: line {row + 2}, column 'duration_seconds': a duration cannot be negative "
                        f"({d.iloc[row]:g})")
    key = pd.Series("all", index=d.index) if mode is None else mode.astype(str).fillna("unknown")
    median = d.groupby(key).transform("median")
    ratio = d / median
    return pd.DataFrame({"duration": d, "mode_median": median, "ratio": ratio,
                         "speeder": (ratio < share).fillna(False).astype(bool)}, index=d.index)


def _codes(answers: pd.DataFrame) -> np.ndarray:
    """Answers as an integer matrix, -1 for a blank."""
    a = answers.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    return np.where(np.isnan(a), -1, a).astype(np.int64)


def straightlining(answers: pd.DataFrame, item_groups: Mapping[str, Sequence[str]] | None = None,
                   min_items: int = 10, share: float = 0.9, dont_know: int | None = 8) -> pd.DataFrame:
    """Interviews answering (nearly) every item of a kind with the same code.

    Parameters
    ----------
    answers : DataFrame
        One row per interview, one column per item (answer codes; blank = skipped).
    item_groups : mapping, optional
        Items of one kind answered on the same codes (e.g. the true/false items); all columns
        together when None.
    min_items : int
        Answered items of a group needed to judge it.
    share : float
        Modal code's share of the answered items at or above which the interview is flagged.
    dont_know : int, optional
        The don't-know code, not counted as an answer.

    Returns
    -------
    DataFrame
        In the rows of ``answers``: ``items_answered`` and ``modal_share`` of the group with the
        largest modal share, and ``straightliner``.
    """
    groups = item_groups or {"all": list(answers.columns)}
    best = np.zeros(len(answers))
    answered_best = np.zeros(len(answers), dtype=np.int64)
    for items in groups.values():
        a = _codes(answers[list(items)])
        valid = (a >= 0) if dont_know is None else (a >= 0) & (a != dont_know)
        n_ans = valid.sum(axis=1)
        top = np.zeros(len(a))
        if a.size:
            levels = np.unique(a[valid])
            for lv in levels:                      # a handful of answer codes
                top = np.maximum(top, ((a == lv) & valid).sum(axis=1))
        with np.errstate(divide="ignore", invalid="ignore"):
            ms = np.where(n_ans >= min_items, top / np.maximum(n_ans, 1), 0.0)
        better = ms > best
        best = np.where(better, ms, best)
        answered_best = np.where(better, n_ans, answered_best)
    return pd.DataFrame({"items_answered": answered_best, "modal_share": best,
                         "straightliner": best >= share}, index=answers.index)


def duplicates(answers: pd.DataFrame, ids: pd.Series, *, attributes: pd.DataFrame | None = None,
               group: pd.Series | None = None, near_share: float = 0.95, min_rare: int = 5,
               block: int = 256) -> pd.DataFrame:
    """Exact and near-duplicate interview records.

    Parameters
    ----------
    answers : DataFrame
        Item answers, one row per interview.
    ids : Series
        Respondent ids (named in the result).
    attributes : DataFrame, optional
        Respondent characteristics that must also agree for an exact duplicate (sex, age ...).
    group : Series, optional
        Interviewer of each record: near duplicates are looked for within an interviewer's
        records (every pair when None).
    near_share, min_rare : float, int
        See the module notes.
    block : int
        Rows compared at once (memory only; the result does not depend on it).

    Returns
    -------
    DataFrame
        In the rows of ``answers``: ``exact_duplicate_of`` (the id of the first identical
        record, empty if none), ``max_match`` (largest share of identical item answers with
        another record of the group), ``match_with`` (that record's id), ``rare_matches`` and
        ``near_duplicate``.
    """
    n = len(answers)
    a = _codes(answers)
    ids_arr = ids.astype(str).to_numpy()
    full = a if attributes is None else np.column_stack(
        [a, attributes.astype(str).apply(lambda s: pd.factorize(s)[0]).to_numpy()])
    # exact duplicates: rows equal in every column, the first of each set is the original
    _, first, inverse = np.unique(full, axis=0, return_index=True, return_inverse=True)
    inverse = inverse.ravel()
    original = first[inverse]
    exact = np.where(original != np.arange(n), ids_arr[original], "")
    # the most common answer to each item (blanks aside): agreeing on it is no evidence
    modal = np.full(a.shape[1], -2)
    for j in range(a.shape[1]):
        col = a[:, j][a[:, j] >= 0]
        if col.size:
            vals, counts = np.unique(col, return_counts=True)
            modal[j] = vals[np.argmax(counts)]
    gcode = np.zeros(n, dtype=np.int64) if group is None else pd.factorize(group.astype(str))[0]
    answered = a >= 0
    k = np.maximum(answered.sum(axis=1), 1)
    # rows sorted by group (stably: the original order within a group), so that a block of rows is
    # compared with the rows of its own groups only
    order = np.argsort(gcode, kind="stable")
    a_s, ans_s, g_s, k_s = a[order], answered[order], gcode[order], k[order]
    first = np.searchsorted(g_s, g_s, side="left")
    last = np.searchsorted(g_s, g_s, side="right")
    max_s = np.zeros(n)
    partner_s = np.full(n, -1)
    rare_s = np.zeros(n, dtype=np.int64)
    for start in range(0, n, block):                 # row blocks against their groups' rows (memory bound)
        stop = min(start + block, n)
        lo, hi = int(first[start]), int(last[stop - 1])
        same = (a_s[start:stop, None, :] == a_s[None, lo:hi, :]) & ans_s[start:stop, None, :] & ans_s[None, lo:hi, :]
        share_ = same.sum(axis=2) / k_s[start:stop, None]
        rare = (same & (a_s[None, lo:hi, :] != modal[None, None, :])).sum(axis=2)
        mask = g_s[start:stop, None] == g_s[None, lo:hi]
        mask[np.arange(stop - start), np.arange(start, stop) - lo] = False   # not with itself
        share_ = np.where(mask, share_, -1.0)
        j = np.argmax(share_, axis=1)
        rows = np.arange(stop - start)
        max_s[start:stop] = np.maximum(share_[rows, j], 0.0)
        partner_s[start:stop] = np.where(share_[rows, j] >= 0, order[lo + j], -1)
        rare_s[start:stop] = rare[rows, j]
    max_match, partner, rare_at_max = np.zeros(n), np.full(n, -1), np.zeros(n, dtype=np.int64)
    max_match[order], partner[order], rare_at_max[order] = max_s, partner_s, rare_s
    near = (max_match >= near_share) & (rare_at_max >= min_rare) & (exact == "")
    return pd.DataFrame({"exact_duplicate_of": exact, "max_match": max_match,
                         "match_with": np.where(partner >= 0, ids_arr[np.maximum(partner, 0)], ""),
                         "rare_matches": rare_at_max, "near_duplicate": near}, index=answers.index)


def item_nonresponse(answers: pd.DataFrame, dont_know: Mapping[str, int] | int | None = 8,
                     by: pd.Series | None = None) -> pd.DataFrame:
    """Skipped and don't-know rates by item, for all interviews and by ``by`` (e.g. interviewer).

    Returns
    -------
    DataFrame
        ``breakdown`` (``all`` or the name of ``by``), ``group``, ``item``, ``interviews``,
        ``skipped`` and ``dont_know`` (shares).
    """
    a = _codes(answers)
    items = list(answers.columns)
    dk = np.array([(dont_know.get(i, -99) if isinstance(dont_know, Mapping) else
                    (-99 if dont_know is None else dont_know)) for i in items])
    skipped = (a < 0).astype(float)
    dkm = (a == dk[None, :]).astype(float)
    frames = []
    blocks = [("all", np.zeros(len(a), dtype=np.int64), np.array(["all"]))]
    if by is not None:
        codes, levels = pd.factorize(by.astype(str), sort=True)
        blocks.append((by.name or "group", codes, np.asarray(levels)))
    for name, codes, levels in blocks:
        G = len(levels)
        ind = np.zeros((len(a), G))
        ind[np.arange(len(a)), codes] = 1.0
        count = ind.sum(axis=0)
        sk = (ind.T @ skipped) / count[:, None]
        dkr = (ind.T @ dkm) / count[:, None]
        frames.append(pd.DataFrame({
            "breakdown": name, "group": np.repeat(levels, len(items)), "item": np.tile(items, G),
            "interviews": np.repeat(count.astype(np.int64), len(items)),
            "skipped": sk.ravel(), "dont_know": dkr.ravel()}))
    return pd.concat(frames, ignore_index=True)
