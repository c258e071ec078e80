"""Concurrent calibration of several rounds with anchor items, freeing drifting anchors.

One multiple-group calibration (:func:`literacy.measurement.fit_irt`) puts every round on the
baseline round's scale through the anchor items' shared parameters. Anchors that misbehave
break that link, so they are given round-specific parameters ("freed") and the model refitted:
the anchors the DIF helper flagged (``drift_items``) and those whose RMSD item fit exceeds
``rmsd_limit`` in any round (0.12 is the PISA 2015+ threshold for an item-by-group parameter
to be treated as not invariant; OECD 2017, PISA 2015 Technical Report, ch. 9).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Hashable, Sequence

import numpy as np
import pandas as pd

from literacy.errors import DataError
from literacy.measurement.irt import IRTFit, fit_irt

__all__ = ["LinkingResult", "concurrent_calibration"]


@dataclass
class LinkingResult:
    """Result of :func:`concurrent_calibration`.

    Attributes
    ----------
    fit : IRTFit
        The final calibration (with the freed anchors' parameters round-specific).
    freed : DataFrame
        ``item, reason, max_rmsd, group`` (group of the largest RMSD), one row per freed anchor,
        in column order; empty when no anchor was freed.
    anchors : list
        The anchors kept shared in ``fit``.
    initial : IRTFit
        The first calibration, with every anchor shared.
    """

    fit: IRTFit
    freed: pd.DataFrame
    anchors: list
    initial: IRTFit


def concurrent_calibration(responses: pd.DataFrame, weights, groups, anchors: Sequence[Hashable] | None,
                           drift_items: Sequence[Hashable] = (), rmsd_limit: float = 0.12,
                           model: str = "2pl", min_anchors: int = 1, link_minimums=None, **options) -> LinkingResult:
    """Calibrate all rounds together, free drifting or misfitting anchors, and refit.

    Parameters
    ----------
    responses, weights, groups, model, **options
        As for :func:`literacy.measurement.fit_irt` (``groups`` is required).
    anchors : sequence of item ids or None
        The anchor items; None: every item administered in more than one round.
    drift_items : sequence of item ids
        Anchors the DIF helper classified as drifting: freed whatever their fit.
    rmsd_limit : float
        An anchor whose RMSD exceeds this in any round of the first fit is freed.
    min_anchors : int
        At least this many anchors stay shared: when more are flagged than that allows (a small
        sample can flag many), only the worst are freed (drift first, then by RMSD) and the
        others are kept with a note; the link never loses its identification.
    link_minimums : sequence of (items, int), optional
        With three or more rounds, each link of forms (the anchors two forms share) and the fewest
        anchors it may rest on: an anchor is freed (worst first, as above) only while every link
        keeps its minimum and ``min_anchors`` are kept in all; the others stay shared with a note.

    Returns
    -------
    LinkingResult

    Notes
    -----
    One pass (fit, free, refit), deterministic: the freed set depends only on the first fit.
    Freeing can leave a round with no anchor; :func:`fit_irt` then raises ``DataError`` naming
    the round.
    """
    if groups is None:
        raise DataError("concurrent_calibration needs groups (the rounds)")
    if not (np.isfinite(rmsd_limit) and rmsd_limit > 0):
        raise DataError(f"rmsd_limit must be a positive number, not {rmsd_limit!r}")
    cols = list(responses.columns)
    for item in drift_items:
        if item not in cols:
            raise DataError(f"drift item {item!r} is not a column of responses")
    first = fit_irt(responses, weights=weights, model=model, groups=groups, anchors=anchors, **options)
    it = first.items
    rmsd_cols = [c for c in it.columns if c.startswith("rmsd_")]
    # the anchors actually shared across rounds in the first fit
    shared = it[it["group"].isna()].copy()
    used_in = shared[rmsd_cols].notna().sum(axis=1)
    linked = shared[used_in > 1]
    if anchors is not None:
        linked = linked[linked["item"].isin(list(anchors))]
    drift = set(drift_items)
    rows = []
    for _, r in linked.iterrows():
        vals = r[rmsd_cols].astype(float)
        k = int(np.nanargmax(vals.to_numpy()))
        mx = float(vals.iloc[k])
        grp = rmsd_cols[k][len("rmsd_"):]
        reasons = []
        if r["item"] in drift:
            reasons.append("drift (DIF)")
        if mx > rmsd_limit:
            reasons.append(f"RMSD {mx:.3f} > {rmsd_limit:g} in group {grp}")
        if reasons:
            rows.append({"item": r["item"], "reason": "; ".join(reasons), "max_rmsd": mx, "group": grp})
    freed = pd.DataFrame(rows, columns=["item", "reason", "max_rmsd", "group"])
    notes = [f"drift item {x!r} is not a shared anchor: nothing to free" for x in drift_items
             if x not in set(linked["item"])]
    allowed = max(0, len(linked) - int(min_anchors))
    if link_minimums is not None and len(freed):
        freed, spared = _free_within_links(freed, list(linked["item"]), int(min_anchors), link_minimums)
        if len(spared):
            notes.append(f"{len(spared)} flagged anchor(s) kept in the link ({', '.join(map(str, spared))}): freeing "
                         f"them would leave a link of forms with fewer anchors than it needs")
    elif len(freed) > allowed:
        # the worst first: drift (DIF), then the largest RMSD; the rest stay shared
        order = freed.assign(_drift=freed["reason"].str.contains("drift")).sort_values(
            ["_drift", "max_rmsd"], ascending=[False, False], kind="stable")
        spared = order.iloc[allowed:]
        freed = order.iloc[:allowed].drop(columns="_drift").sort_index()
        notes.append(f"{len(spared)} flagged anchor(s) kept in the link ({', '.join(map(str, spared['item']))}): "
                     f"freeing them would leave fewer than {int(min_anchors)} linking anchors")
    kept = [x for x in linked["item"] if x not in set(freed["item"])]
    if len(freed) == 0:
        first.notes.extend(notes)
        return LinkingResult(fit=first, freed=freed, anchors=kept, initial=first)
    final = fit_irt(responses, weights=weights, model=model, groups=groups, anchors=kept, **options)
    final.notes.extend(notes)
    final.notes.extend(f"anchor {r.item!r} freed: {r.reason}" for r in freed.itertuples())
    return LinkingResult(fit=final, freed=freed, anchors=kept, initial=first)


def _free_within_links(freed: pd.DataFrame, linked: list, min_anchors: int, link_minimums) -> tuple[pd.DataFrame, list]:
    """The flagged anchors that can be freed, worst first (drift, then RMSD), keeping every link's minimum."""
    order = freed.assign(_drift=freed["reason"].str.contains("drift")).sort_values(
        ["_drift", "max_rmsd"], ascending=[False, False], kind="stable")
    kept = set(linked)
    links = [(set(items) & kept, int(need)) for items, need in link_minimums]
    take, spared = [], []
    for pos, item in zip(order.index, order["item"]):   # the flagged anchors (a few)
        after = kept - {item}
        if len(after) >= min_anchors and all(len(items & after) >= need for items, need in links
                                             if item in items):
            kept = after
            take.append(pos)
        else:
            spared.append(item)
    return freed.loc[sorted(take)], spared
