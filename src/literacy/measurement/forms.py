"""Questionnaire forms across rounds: which items they share (anchors) and whether they agree.

A round may be answered on its own form of the questionnaire (an instrument table, one row
per item). Items are matched across rounds by ``item_id``; an item on the forms of two or
more rounds is an **anchor** (a common item), the basis of linking the rounds' scales
(Kolen and Brennan 2014, ch. 6: the common-item nonequivalent groups design). An anchor must
be the same item on every form: its part, its points and its correct answer code may not
differ, or its responses would not mean the same thing in both rounds.

Linking needs enough anchors: at least ``measurement.min_anchor_items`` items and at least
``measurement.min_anchor_share`` of the smaller form (Kolen and Brennan 2014, 8.1.3: a
common-item set of at least 20% of the test, and at least 20 items for long tests; the
defaults here, 8 items and 20%, fit a 35-item questionnaire).

Pure computation: the instruments are DataFrames, nothing is read or written here.
"""

from __future__ import annotations

import math
from typing import Mapping

import numpy as np
import pandas as pd

from literacy.errors import DataError
from literacy.settings.analysis import Measurement

__all__ = ["compare_forms", "anchor_items", "linking_feasible", "minimum_anchors", "MEASUREMENT_DEFAULTS",
           "FORM_COLUMNS"]

#: Defaults of the config's ``measurement`` section (filled by :func:`literacy.assessment.config.validate_config`).
MEASUREMENT_DEFAULTS = {k: v for k, v in Measurement().model_dump().items()
                        if k in ("min_anchor_items", "min_anchor_share")}

#: Columns of the :func:`compare_forms` table.
FORM_COLUMNS = ["item_id", "part", "points", "rounds", "anchor"]

#: The item attributes an anchor must keep on every form.
_SAME = ("part", "points", "correct")


def _value(v: object) -> object:
    """An attribute value comparable across forms (numbers as float, text stripped)."""
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
        return None
    if isinstance(v, (int, float, np.integer, np.floating)):
        return float(v)
    text = str(v).strip()
    try:
        return float(text)
    except ValueError:
        return text


def _shown(v: object) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def compare_forms(instruments: Mapping[str, pd.DataFrame], sources: Mapping[str, str] | None = None
                  ) -> pd.DataFrame:
    """Match the rounds' forms item by item and check the anchors.

    Parameters
    ----------
    instruments : mapping of round id to DataFrame
        Each round's form (columns ``item_id``, ``part``, ``points``, ``correct``), in round
        order. Several rounds may hold the same form.
    sources : mapping of round id to str, optional
        The file each round's form was read from, named in the error message (default: the
        round id, ``round 2025``).

    Returns
    -------
    DataFrame
        One row per ``item_id``, in order of first appearance (rounds in the mapping's order,
        items in form order): ``item_id``, ``part``, ``points`` (as on the first form holding
        it), ``rounds`` (the rounds whose form holds it, ``;``-joined) and ``anchor`` (True
        when it is on the forms of two or more rounds).

    Raises
    ------
    literacy.errors.DataError
        A form without the columns needed, an item listed twice on one form, or an anchor whose
        part, points or correct code differs between two forms: one line naming the item and
        both files, e.g. ``2025/instrument.csv: anchor item 'Q07' has points 4 but 2 in
        instrument.csv``.
    """
    sources = dict(sources or {})
    first: dict[str, dict] = {}
    first_round: dict[str, str] = {}
    rounds_of: dict[str, list[str]] = {}
    for rid, form in instruments.items():
        rid = str(rid)
        where = sources.get(rid, f"round {rid}")
        missing = [c for c in ("item_id", *_SAME) if c not in form.columns]
        if missing:
            raise DataError(f"{where}: the form lacks column(s) {', '.join(repr(c) for c in missing)}")
        ids = form["item_id"].astype(str).str.strip()
        dup = ids[ids.duplicated()]
        if len(dup):
            raise DataError(f"{where}: item '{dup.iloc[0]}' is listed twice")
        for item, row in zip(ids, form[list(_SAME)].itertuples(index=False, name=None)):
            attrs = {k: _value(v) for k, v in zip(_SAME, row)}
            if item not in first:
                first[item], first_round[item], rounds_of[item] = attrs, rid, [rid]
                continue
            rounds_of[item].append(rid)
            for key in _SAME:
                if attrs[key] != first[item][key]:
                    other = sources.get(first_round[item], f"round {first_round[item]}")
                    raise DataError(f"{where}: anchor item '{item}' has {key} {_shown(attrs[key])} but "
                                    f"{_shown(first[item][key])} in {other}; an item on two forms must keep its "
                                    f"part, points and correct code (give the changed item a new item_id)")
    items = list(first)
    out = pd.DataFrame({
        "item_id": pd.array(items, dtype="string"),
        "part": pd.array([first[i]["part"] for i in items], dtype="string"),
        "points": np.array([first[i]["points"] for i in items], dtype=float),
        "rounds": pd.array([";".join(rounds_of[i]) for i in items], dtype="string"),
        "anchor": np.array([len(rounds_of[i]) > 1 for i in items], dtype=bool),
    })
    return out


def _forms_table(forms: pd.DataFrame | Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    if isinstance(forms, pd.DataFrame):
        missing = [c for c in FORM_COLUMNS if c not in forms.columns]
        if missing:
            raise DataError(f"forms table: missing column(s) {', '.join(missing)} (use compare_forms)")
        return forms
    return compare_forms(forms)


def _round_lists(table: pd.DataFrame) -> list[list[str]]:
    return [str(r).split(";") for r in table["rounds"]]


def anchor_items(forms: pd.DataFrame | Mapping[str, pd.DataFrame], rounds: list[str] | None = None) -> list[str]:
    """The anchor items: those on the forms of two or more rounds.

    Parameters
    ----------
    forms : DataFrame or mapping of round id to DataFrame
        The table of :func:`compare_forms`, or the rounds' forms (compared first).
    rounds : list of str, optional
        Only the items on the forms of every one of these rounds (e.g. the baseline and the
        end-of-period round); default: every anchor.

    Returns
    -------
    list of str
        Item ids in the table's order.
    """
    table = _forms_table(forms)
    lists = _round_lists(table)
    if rounds is None:
        keep = table["anchor"].to_numpy(dtype=bool)
    else:
        want = {str(r) for r in rounds}
        keep = np.array([want <= set(r) for r in lists], dtype=bool)
    return table["item_id"].astype(str)[keep].tolist()


def _measurement(config: dict | None) -> tuple[int, float]:
    # a resolved config holds both keys; without a config (a call on forms alone), the model's defaults
    m = MEASUREMENT_DEFAULTS if config is None else config["measurement"]
    return int(m["min_anchor_items"]), float(m["min_anchor_share"])


def minimum_anchors(smaller_form: int, config: dict) -> int:
    """The fewest anchors a link may rest on: ``measurement.min_anchor_items`` and
    ``min_anchor_share`` of the smaller form's items (rounded up)."""
    min_items, min_share = _measurement(config)
    return max(min_items, int(math.ceil(min_share * smaller_form - 1e-9)))


def linking_feasible(forms: pd.DataFrame | Mapping[str, pd.DataFrame], config: dict) -> tuple[bool, str]:
    """Whether the rounds' forms share enough anchors to link their scales.

    Enough is at least ``measurement.min_anchor_items`` anchors and at least
    ``measurement.min_anchor_share`` of the smaller form's items (rounded up).

    Parameters
    ----------
    forms : DataFrame or mapping of round id to DataFrame
        The table of :func:`compare_forms`, or the rounds' forms.
    config : dict
        The assessment config (its ``measurement`` section; defaults 8 items and 0.20).

    Returns
    -------
    (bool, str)
        True and ``""`` when linking is allowed (also when every round has the same form, so
        nothing needs linking); False and a one-line reason otherwise, e.g. ``"12 anchors
        needed (8 items and 20% of the smaller form of 60), 5 found"``.
    """
    table = _forms_table(forms)
    min_items, min_share = _measurement(config)
    lists = _round_lists(table)
    rounds = list(dict.fromkeys(r for rs in lists for r in rs))
    if len(rounds) < 2:
        return True, ""
    sizes = {r: sum(r in rs for rs in lists) for r in rounds}
    if len({frozenset(i for i, rs in zip(table["item_id"], lists) if r in rs) for r in rounds}) == 1:
        return True, ""    # one form for every round: nothing to link
    smaller = min(sizes.values())
    needed = minimum_anchors(smaller, config)
    found = int(table["anchor"].to_numpy(dtype=bool).sum())
    if found >= needed:
        return True, ""
    return False, (f"{needed} anchors needed ({min_items} items and {min_share:.0%} of the smaller form of "
                   f"{smaller}), {found} found")
