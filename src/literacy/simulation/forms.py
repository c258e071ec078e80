"""The questionnaire form each simulated round answers (``simulation.forms``): the baseline form, or
one that keeps some of its items as anchors, replaces the others by harder new items and lets a
few anchors drift."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from literacy.assessment.config import validate_config
from literacy.errors import ConfigError
from literacy.simulation.configured import baseline_round, required
from literacy.simulation.questionnaire import ITEM_BANK, NEW_ITEMS, instrument_rows

__all__ = ["Form", "round_forms", "make_forms"]


@dataclass
class Form:
    """A questionnaire form of the simulation.

    Attributes
    ----------
    name : str
        ``baseline`` or the round id of a form of ``simulation.forms``.
    items : tuple
        The form's items, in the layout of :data:`~literacy.simulation.questionnaire.ITEM_BANK`.
    anchor : ndarray
        True for an item of the baseline form kept on this form.
    drift : ndarray
        The change of each item's difficulty b in its round (reporting scale).
    """

    name: str
    items: tuple
    anchor: np.ndarray
    drift: np.ndarray


def round_forms(sim: dict, parts: list[str], round_ids: list[str], baseline: str) -> dict[str, Form]:
    """The form of every round: the baseline form, or the one ``simulation.forms[round]`` describes.

    ``simulation.forms`` maps a round id to ``{anchors, drifting, drift, seed}``: the round's form
    keeps ``anchors`` items of the baseline form, allotted to the parts in proportion to their
    items (largest remainders, at least one each) and drawn with ``seed``, and replaces the others
    by new, harder items of the same part and points (``NEW_ITEMS``, in order), so every part keeps
    its points. ``drifting`` of the anchors (drawn with the seed) change difficulty by ``drift``
    (reporting scale; the first easier, the next harder, alternately).

    Parameters
    ----------
    sim : dict
        The config's ``simulation`` section.
    parts : list of str
        The scoring parts.
    round_ids : list of str
        The configured rounds, in order.
    baseline : str
        The baseline round (it answers the baseline form).

    Returns
    -------
    dict
        ``{round id: Form}``.

    Raises
    ------
    ConfigError
        A form of an unknown round or of the baseline, or anchors, drifting or seed out of range.
    """
    base_items = tuple(ITEM_BANK)
    spec = sim["forms"]
    if not isinstance(spec, dict):
        raise ConfigError("config: simulation.forms must map round ids to {anchors, drifting, drift, seed}")
    spec = {str(k): v for k, v in spec.items()}
    unknown = [r for r in spec if r not in round_ids]
    if unknown:
        raise ConfigError(f"config: simulation.forms names round '{unknown[0]}', not a round of 'rounds'")
    if baseline in spec:
        raise ConfigError(f"config: simulation.forms may not list the baseline round '{baseline}' "
                          "(it answers the baseline form)")
    n = len(base_items)
    baseline_form = Form("baseline", base_items, np.zeros(n, dtype=bool), np.zeros(n))
    out = {}
    for rid in round_ids:
        if rid not in spec:
            out[rid] = baseline_form
            continue
        f = spec[rid] if isinstance(spec[rid], dict) else {}
        where = f"simulation.forms.{rid}"
        raw_anchors, raw_seed = required(f, "anchors", where + "."), required(f, "seed", where + ".")
        try:
            anchors, seed = int(raw_anchors), int(raw_seed)
            drifting = int(f["drifting"])
            drift = float(f["drift"])
        except (TypeError, ValueError):
            raise ConfigError(f"config: {where} needs whole numbers anchors, drifting, seed and a number drift"
                              ) from None
        by_part = {p: [i for i, it in enumerate(base_items) if it[1] == p] for p in parts}
        new_by_part = {p: [it for it in NEW_ITEMS if it[1] == p] for p in parts}
        if not len(parts) <= anchors <= n:
            raise ConfigError(f"config: {where}.anchors must be between {len(parts)} (one per part) and {n}")
        if not 0 <= drifting <= anchors:
            raise ConfigError(f"config: {where}.drifting must be between 0 and anchors ({anchors})")
        if seed < 0:
            raise ConfigError(f"config: {where}.seed must be a whole number ≥ 0, not {raw_seed!r}")
        # anchors per part: proportional to the part's items, largest remainders, at least one each
        sizes = np.array([len(by_part[p]) for p in parts], dtype=float)
        quota = 1 + (anchors - len(parts)) * (sizes - 1) / (sizes - 1).sum()
        take = np.floor(quota).astype(int)
        for j in np.argsort(-(quota - take), kind="stable")[: anchors - int(take.sum())]:
            take[j] += 1
        rng = np.random.default_rng(seed)
        chosen, items, anchor = [], [], []
        for p, k in zip(parts, take):
            keep = sorted(rng.choice(by_part[p], size=int(k), replace=False).tolist())
            need = len(by_part[p]) - int(k)
            if need > len(new_by_part[p]):
                raise ConfigError(f"config: {where}.anchors is too small: part '{p}' would need {need} new items, "
                                  f"the simulation has {len(new_by_part[p])}")
            chosen += keep
            items += [base_items[i] for i in keep] + list(new_by_part[p][:need])
            anchor += [True] * len(keep) + [False] * need
        anchor = np.array(anchor, dtype=bool)
        shift = np.zeros(len(items))
        movers = rng.choice(np.flatnonzero(anchor), size=drifting, replace=False) if drifting else []
        for k, j in enumerate(sorted(movers)):
            shift[j] = -drift if k % 2 == 0 else drift
        base_ids = {it[0] for it in base_items}
        out[rid] = Form(rid, tuple(items), anchor & np.array([it[0] in base_ids for it in items]), shift)
    return out


def make_forms(config: dict) -> dict[str, pd.DataFrame]:
    """The questionnaire form of every round of the config (``simulation.forms``), as
    ``instrument.csv`` tables.

    Returns
    -------
    dict
        ``{round: DataFrame}``, the layout of :func:`make_instrument`.
    """
    cfg = validate_config(config)
    round_ids = [r["id"] for r in cfg["rounds"]]
    forms = round_forms(required(cfg, "simulation", ""), list(cfg["scoring"]["parts"]), round_ids, baseline_round(cfg))
    return {rid: instrument_rows(f.items) for rid, f in forms.items()}
