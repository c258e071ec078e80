"""The graph of the rounds' forms: which pairs of forms share items, whether each such link has
enough anchors, and which rounds reach the baseline's scale through a chain of links.

With more than two rounds a round need not share items with the baseline form: a mid-term form
sharing 15 items with the 2020 form and 27 with the 2025 form links 2025 to 2020 through itself
(a chain of common-item links; Kolen and Brennan 2014, 6.6 and 8.1.3). Each **link** (a pair of
forms sharing at least one item) is checked with the minimum-anchor rule of
:func:`literacy.measurement.forms.linking_feasible` (``measurement.min_anchor_items`` items and
``min_anchor_share`` of the smaller of the two forms); a round is **linked** when a chain of
feasible links joins its form to the baseline's (rounds on the same form are joined at once).
A round with no such chain is not linkable: its items are still reviewed, but it has no linked
figures, and the reason says which links fell short.

Pure computation: the forms are DataFrames, nothing is read or written here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

import pandas as pd

from literacy.measurement.forms import MEASUREMENT_DEFAULTS, linking_feasible, minimum_anchors

__all__ = ["FormGraph", "form_links", "form_graph", "rounds_linkable", "LINK_COLUMNS"]

#: Columns of the :func:`form_links` table.
LINK_COLUMNS = ["from_round", "to_round", "shared_items", "needed", "same_form", "feasible", "reason"]


def form_links(instruments: Mapping[str, pd.DataFrame], config: dict | None) -> pd.DataFrame:
    """Every pair of rounds whose forms share at least one item, with the pair's anchor check.

    Parameters
    ----------
    instruments : mapping of round id to DataFrame
        Each round's form (``item_id``), in round order.
    config : dict or None
        The assessment config (its ``measurement`` section; None: the defaults, 8 items and 0.20).

    Returns
    -------
    DataFrame
        :data:`LINK_COLUMNS`, one row per pair (the earlier round of the mapping's order first):
        ``shared`` items, the anchors ``needed`` (:func:`literacy.measurement.forms.minimum_anchors`
        of the smaller form), ``same_form`` (identical item sets: the link is exact), ``feasible``
        (same form, or shared >= needed) and a one-line ``reason`` when it is not.
    """
    m = MEASUREMENT_DEFAULTS if config is None else config["measurement"]
    min_items, min_share = int(m["min_anchor_items"]), float(m["min_anchor_share"])
    ids = [str(r) for r in instruments]
    items = {str(r): set(f["item_id"].astype(str).str.strip()) for r, f in instruments.items()}
    rows = []
    for i, a in enumerate(ids):   # pairs of rounds (a handful)
        for b in ids[i + 1:]:
            shared = len(items[a] & items[b])
            if not shared:
                continue
            smaller = min(len(items[a]), len(items[b]))
            needed = minimum_anchors(smaller, config)
            same = items[a] == items[b]
            ok = same or shared >= needed
            why = "" if ok else (f"{a}–{b}: {needed} anchors needed ({min_items} items and {min_share:.0%} of the "
                                 f"smaller form of {smaller}), {shared} found")
            rows.append({"from_round": a, "to_round": b, "shared_items": shared, "needed": needed, "same_form": same,
                         "feasible": ok, "reason": why})
    return pd.DataFrame(rows, columns=LINK_COLUMNS).astype({"shared_items": int, "needed": int, "same_form": bool,
                                                             "feasible": bool})


@dataclass
class FormGraph:
    """Which rounds reach the baseline's scale (:func:`form_graph`).

    Attributes
    ----------
    baseline : str
        The baseline round (its form defines the scale).
    links : DataFrame
        :func:`form_links`.
    linked : list of str
        The rounds joined to the baseline by a chain of feasible links, baseline first, then in
        the order of the instruments.
    parent : dict
        Each linked round other than the baseline -> the round it is joined through (the
        baseline itself whenever the two forms have a feasible link): the reference of its
        anchors' drift review.
    unlinked : dict
        Each round that is not linkable -> a one-line reason.
    """

    baseline: str
    links: pd.DataFrame
    linked: list[str]
    parent: dict[str, str] = field(default_factory=dict)
    unlinked: dict[str, str] = field(default_factory=dict)

    @property
    def feasible(self) -> bool:
        """True when every round is linked to the baseline."""
        return not self.unlinked

    def reason(self) -> str:
        """The unlinked rounds' reasons in one line ('' when every round is linked)."""
        return "; ".join(self.unlinked.values())


def form_graph(instruments: Mapping[str, pd.DataFrame], config: dict | None, baseline: str) -> FormGraph:
    """The rounds joined to the baseline's form through chains of feasible links.

    A breadth-first walk from the baseline over the feasible links, the baseline's own links
    first, so a round with a direct feasible link to the baseline is joined through it.

    Parameters
    ----------
    instruments : mapping of round id to DataFrame
        Each round's form (``item_id``), in round (year) order.
    config : dict or None
        The assessment config (its ``measurement`` section).
    baseline : str
        The baseline round.

    Returns
    -------
    FormGraph

    Raises
    ------
    KeyError
        ``baseline`` is not a round of ``instruments``.
    """
    ids = [str(r) for r in instruments]
    baseline = str(baseline)
    if baseline not in ids:
        raise KeyError(f"baseline round {baseline!r} has no form")
    links = form_links(instruments, config)
    ok = links[links["feasible"]]
    neighbours: dict[str, list[str]] = {r: [] for r in ids}
    for a, b in zip(ok["from_round"], ok["to_round"]):
        neighbours[a].append(b)
        neighbours[b].append(a)
    parent: dict[str, str] = {}
    seen, queue = {baseline}, [baseline]
    while queue:   # rounds: a handful
        here = queue.pop(0)
        for nxt in sorted(neighbours[here], key=ids.index):
            if nxt not in seen:
                seen.add(nxt)
                parent[nxt] = here
                queue.append(nxt)
    linked = [baseline] + [r for r in ids if r in seen and r != baseline]
    unlinked = {}
    for r in ids:
        if r in seen:
            continue
        mine = links[(links["from_round"] == r) | (links["to_round"] == r)]
        short = "; ".join(mine.loc[~mine["feasible"], "reason"]) or "its form shares no item with another round's"
        unlinked[r] = (f"round {r} is not linked to the baseline {baseline}'s scale (no chain of forms with enough "
                       f"shared items): {short}")
    return FormGraph(baseline=baseline, links=links, linked=linked, parent=parent, unlinked=unlinked)


def rounds_linkable(instruments: Mapping[str, pd.DataFrame], config: dict | None, baseline: str | None = None,
                    assessed: str | None = None) -> tuple[bool, str, pd.DataFrame, dict[str, str]]:
    """Whether the assessed round's form reaches the baseline's scale, with every link checked.

    Two rounds: :func:`literacy.measurement.forms.linking_feasible` (one link; its message).
    Three or more: :func:`form_graph` (each pair of forms sharing items checked on its own, chains
    allowed). The answer is about the assessed round (the change the verdicts read); any other
    round that is not linkable is returned with its reason, for a note.

    Parameters
    ----------
    instruments : mapping of round id to DataFrame
        Each round's form, in round (year) order.
    config : dict or None
        The assessment config (its ``measurement`` section).
    baseline : str, optional
        The baseline round (default: the first of ``instruments``).
    assessed : str, optional
        The round the assessment judges (default: the last of ``instruments``).

    Returns
    -------
    (bool, str, DataFrame, dict)
        Feasible, the one-line reason when not, the :func:`form_links` table and the rounds that
        are not linkable (round -> reason).
    """
    ids = [str(r) for r in instruments]
    links = form_links(instruments, config)
    if len(ids) <= 2:
        ok, reason = linking_feasible(dict(instruments), config)
        return ok, reason, links, ({} if ok or len(ids) < 2 else {ids[-1]: reason})
    graph = form_graph(instruments, config, str(baseline) if baseline is not None else ids[0])
    target = str(assessed) if assessed is not None else ids[-1]
    ok = target in graph.linked
    return ok, "" if ok else graph.unlinked.get(target, ""), links, dict(graph.unlinked)
