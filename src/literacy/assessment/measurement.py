"""The measurement stage of the assessment, on each round and on one scale: item review, the link
of the rounds' forms, the cuts on the latent scale and plausible values.

The official rate is the share scoring above 70 on *that round's* questionnaire. When the rounds
used different forms, part of the raw-score change is the forms' difference in difficulty. Here
the rounds are put on one scale as PISA, PIAAC and NAEP do (OECD 2020, PISA 2018 Technical Report
ch. 9 and 12; von Davier, Gonzalez & Mislevy 2009):

1. item review per round (weighted classical statistics, Mantel–Haenszel DIF by sex, residence
   and district) and anchor drift between the rounds (round as the grouping variable);
2. concurrent calibration of both rounds' 0/1 item scores with a two-group 2PL (the baseline
   round's latent distribution fixed at N(0, 1), the end-of-period round's mean and SD free), the
   anchors' parameters shared; an anchor classed C for drift or with RMSD above the limit gets
   round-specific parameters (:func:`literacy.measurement.concurrent_calibration`);
3. the cut on the latent scale: θ* where the baseline form's test characteristic curve equals the
   cut score of each level (70, 85, 55), so a level means the same ability in both rounds;
4. plausible values per round from the posterior given the answers and a latent regression on
   the conditioning variables.

The linked figures and their error budget are :mod:`literacy.assessment.linked`.

Pure computation: the flow passes each round's responses, form, weights and design in.
"""

from __future__ import annotations

import warnings
import zlib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from literacy.assessment.config import check_columns, measurement_config
from literacy.errors import DataError
from literacy.measurement.dif import anchor_drift, dif_table
from literacy.measurement.form_links import form_links
from literacy.measurement.forms import minimum_anchors
from literacy.measurement.items import item_analysis
from literacy.measurement.linking import concurrent_calibration
from literacy.measurement.plausible import conditioning_matrix, draw_plausible_values, latent_regression
from literacy.measurement.scale import theta_cut

__all__ = ["item_scores", "item_review", "dif_review", "LinkedScale", "stack_rounds", "link_forms", "round_drift",
           "round_parameters",
           "cut_scores", "plausible_values", "irt_item_table", "pv_distribution"]


def item_scores(responses: pd.DataFrame, instrument: pd.DataFrame, order: pd.Series | None = None,
                id_column: str = "respondent_id") -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """0/1 item scores, don't-know and skipped flags of a round, one column per item of its form.

    Scored as the official score is: the correct code is 1; a wrong code, "don't know" and a
    skipped item are 0 (so the IRT scale describes the same answers as the raw score). With
    ``order`` (the respondent ids of the weighted data), rows follow it (aligned by id, never
    by position).

    Parameters
    ----------
    responses : DataFrame
        The round's responses (one column per item, coded answers).
    instrument : DataFrame
        The round's form (``item_id``, ``part``, ``points``, ``correct``, ``dont_know_code``).
    order : Series, optional
        The respondent ids of the weighted data.
    id_column : str
        The respondent id column of ``responses``.

    Returns
    -------
    scores : DataFrame
        0/1 item scores.
    dont_know : DataFrame
        Boolean: answered "don't know".
    skipped : DataFrame
        Boolean: no answer.
    """
    items = instrument["item_id"].astype(str).tolist()
    missing = [i for i in items if i not in responses.columns]
    if missing:
        raise DataError(f"responses lack instrument item column(s): {', '.join(missing[:5])}")
    if order is not None:
        pos = pd.Index(responses[id_column].astype(str)).get_indexer(pd.Index(order.astype(str)))
        if (pos < 0).any():
            raise DataError(f"responses: respondent {order.astype(str).iloc[int(np.flatnonzero(pos < 0)[0])]!r} "
                            f"has no responses")
        responses = responses.iloc[pos]
    codes = responses[items].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    right = codes == instrument["correct"].to_numpy(dtype=float)[None, :]
    dk = codes == instrument["dont_know_code"].to_numpy(dtype=float)[None, :]
    skipped = np.isnan(codes)
    index = pd.RangeIndex(len(codes))
    return (pd.DataFrame(right.astype(float), columns=items, index=index),
            pd.DataFrame(dk, columns=items, index=index), pd.DataFrame(skipped, columns=items, index=index))


def item_review(scored: pd.DataFrame, weights, instrument: pd.DataFrame, dont_know: pd.DataFrame,
                skipped: pd.DataFrame, round_id: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Weighted item statistics and reliabilities of one round (``<round>/items.csv``).

    Parameters
    ----------
    scored : DataFrame or dict of round id -> DataFrame
        0/1 item scores (:func:`item_scores`).
    weights : array-like or dict of round id -> array
        The final weights, rows aligned with the scores.
    instrument : DataFrame
        The round's form (``item_id``, ``part``, ``points``, ``correct``, ``dont_know_code``).
    dont_know : DataFrame
        Boolean "don't know" flags (:func:`item_scores`).
    skipped : DataFrame
        Boolean skipped flags (:func:`item_scores`).
    round_id : str
        The round.

    Returns
    -------
    items : DataFrame
        One row per item, ``round`` first.
    reliability : DataFrame
        The scale's and parts' reliabilities, ``round`` first.
    """
    parts = dict(zip(instrument["item_id"].astype(str), instrument["part"].astype(str)))
    points = dict(zip(instrument["item_id"].astype(str), instrument["points"].astype(float)))
    res = item_analysis(scored, weights=weights, parts=parts, points=points, dont_know=dont_know, skipped=skipped)
    items, rel = res.items.copy(), res.reliability.copy()
    items.insert(0, "round", str(round_id))
    rel.insert(0, "round", str(round_id))
    return items, rel


def dif_review(scored: pd.DataFrame, weights, data: pd.DataFrame, config: dict, round_id: str) -> pd.DataFrame:
    """Mantel–Haenszel DIF of one round by the configured groupings (each district against the rest).

    Parameters
    ----------
    scored : DataFrame or dict of round id -> DataFrame
        0/1 item scores (:func:`item_scores`).
    weights : array-like or dict of round id -> array
        The final weights, rows aligned with the scores.
    data : DataFrame
        The round's analysis data, rows aligned with the scores.
    config : dict
        The validated config.
    round_id : str
        The round.

    Returns
    -------
    DataFrame
        Mantel–Haenszel statistics per item and grouping, ``round`` first.
    """

    mc = measurement_config(config)
    cols = check_columns(mc["dif_groupings"], data.columns, "measurement.dif_groupings",
                         "dif_groupings" in mc["configured"])
    groupings = {g: data[g].astype(str).to_numpy() for g in cols}
    out = dif_table(scored, groupings, weights=weights)
    out.insert(0, "round", str(round_id))
    return out


def _seed(base: int, *parts: str) -> int:
    return int(np.random.SeedSequence([base, *(zlib.crc32(p.encode()) for p in parts)]).generate_state(1)[0])


@dataclass
class LinkedScale:
    """The rounds on one scale: the calibration, the freed anchors, the cuts and the drift review."""

    fit: object                      # IRTFit of the final concurrent calibration
    anchors: list[str]               # anchors shared in the final fit
    freed: pd.DataFrame              # anchors given round-specific parameters, with the reason
    drift: pd.DataFrame              # Mantel–Haenszel drift of every anchor
    cuts: dict[str, float]           # level code -> theta*
    rounds: list[str]
    notes: list[str] = field(default_factory=list)


def stack_rounds(scored: dict[str, pd.DataFrame]) -> tuple[pd.DataFrame, np.ndarray]:
    """Both rounds' 0/1 scores in one frame (NaN where an item is not on a round's form).

    Parameters
    ----------
    scored : dict of round id -> DataFrame
        Each round's 0/1 item scores, baseline first.

    Returns
    -------
    stacked : DataFrame
        The rounds' rows one under the other, the union of their items as columns.
    groups : ndarray
        Each row's round id.
    """
    frames, groups = [], []
    for rid, s in scored.items():
        frames.append(s)
        groups.append(np.full(len(s), rid, dtype=object))
    return pd.concat(frames, ignore_index=True, sort=False), np.concatenate(groups)


def link_forms(scored: dict[str, pd.DataFrame], weights: dict[str, np.ndarray], instruments: dict[str, pd.DataFrame],
               anchors: list[str], config: dict, parent: dict[str, str] | None = None) -> LinkedScale:
    """Concurrent calibration of the rounds with drift review, and the cuts on the latent scale.

    ``scored``, ``weights`` and ``instruments`` are keyed by round id, baseline first; every
    round is one group of the calibration (the baseline's N(0, 1), the others' mean and SD free),
    linked to the baseline through the anchors' shared parameters, directly or through a chain
    of forms (:func:`literacy.measurement.form_graph`).

    Parameters
    ----------
    scored : DataFrame or dict of round id -> DataFrame
        0/1 item scores (:func:`item_scores`).
    weights : array-like or dict of round id -> array
        The final weights, rows aligned with the scores.
    instruments : dict of round id -> DataFrame
        Each round's form (``instrument.csv``).
    anchors : list of str
        The anchor items (on the forms of two or more of the rounds).
    config : dict
        The validated config.
    parent : dict, optional
        Each round other than the baseline -> the round its anchors' drift is reviewed against
        (:attr:`literacy.measurement.FormGraph.parent`; default: the baseline).

    Returns
    -------
    LinkedScale
        The calibration, the anchors kept, the freed anchors, the drift review (``round`` first:
        the later round, its anchors shared with its reference round) and the cuts.
    """
    mc = measurement_config(config)
    rounds = list(scored)
    stacked, groups = stack_rounds(scored)
    w = np.concatenate([np.asarray(weights[r], dtype=float) for r in rounds])
    drift = round_drift(scored, weights, instruments, anchors, parent or {})
    drifting = []
    if len(drift) and mc["free_drift_class"] != "none":
        classes = ("B", "C") if mc["free_drift_class"] == "B" else ("C",)
        drifting = list(dict.fromkeys(drift.loc[drift["ets_class"].isin(classes), "item"].astype(str)))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = concurrent_calibration(stacked, w, groups, anchors, drift_items=drifting, rmsd_limit=mc["rmsd_limit"],
                                     model=mc["model"], baseline=rounds[0],
                                     min_anchors=_linking_minimum(instruments, config),
                                     link_minimums=_link_minimums(instruments, anchors, config))
    notes = [str(c.message) for c in caught] + list(res.fit.notes)
    cuts = cut_scores(res.fit, instruments[rounds[0]], scored[rounds[0]], config, rounds[0])
    return LinkedScale(fit=res.fit, anchors=[str(a) for a in res.anchors], freed=res.freed, drift=drift, cuts=cuts,
                       rounds=rounds, notes=notes)


def round_drift(scored: dict[str, pd.DataFrame], weights: dict[str, np.ndarray], instruments: dict[str, pd.DataFrame],
                anchors: list[str], parent: dict[str, str]) -> pd.DataFrame:
    """Mantel–Haenszel drift of each later round's anchors against its reference round's form.

    Each round other than the first (the baseline) is compared with ``parent[round]`` (default
    the baseline) on the anchors both forms hold; the matching score is the rest score over
    those anchors (:func:`literacy.measurement.anchor_drift`).

    Parameters
    ----------
    scored : dict of round id -> DataFrame
        0/1 item scores, baseline first.
    weights : dict of round id -> array
        The final weights, rows aligned with the scores.
    instruments : dict of round id -> DataFrame
        Each round's form.
    anchors : list of str
        The anchor items.
    parent : dict
        Round -> its reference round (missing: the baseline).

    Returns
    -------
    DataFrame
        :func:`literacy.measurement.anchor_drift`'s table with ``round`` (the later round) first;
        empty when no round shares an anchor with its reference.
    """
    rounds = list(scored)
    anchor_set = {str(a) for a in anchors}
    out = []
    for r in rounds[1:]:   # the rounds (a handful)
        ref = str(parent.get(r, rounds[0]))
        mine = set(instruments[r]["item_id"].astype(str))
        shared = [i for i in instruments[ref]["item_id"].astype(str) if i in mine and i in anchor_set]
        if not shared:
            continue
        pair = {ref: scored[ref], r: scored[r]}
        stacked, groups = stack_rounds(pair)
        w = np.concatenate([np.asarray(weights[x], dtype=float) for x in pair])
        table = anchor_drift(stacked, groups, shared, weights=w, baseline=ref)
        table.insert(0, "round", str(r))
        out.append(table)
    return pd.concat(out, ignore_index=True) if out else pd.DataFrame()


def _linking_minimum(instruments: dict[str, pd.DataFrame], config: dict) -> int:
    """The fewest anchors a link may rest on (:func:`literacy.measurement.forms.minimum_anchors`, the
    rule of ``linking_feasible``), so freeing flagged anchors never takes the link below what
    linking required in the first place."""

    return max(1, minimum_anchors(min(len(f) for f in instruments.values()), config))


def _link_minimums(instruments: dict[str, pd.DataFrame], anchors: list[str], config: dict) -> list | None:
    """Three or more rounds: each feasible link of forms (its shared anchors) and the fewest anchors
    it may rest on (:func:`literacy.measurement.form_links`), so freeing flagged anchors never
    takes a link of a chain below its minimum; None with two rounds (one link: ``min_anchors``)."""

    if len(instruments) < 3:
        return None
    keep = {str(a) for a in anchors}
    items = {r: set(f["item_id"].astype(str)) & keep for r, f in instruments.items()}
    links = form_links(instruments, config)
    ok = links[links["feasible"] & ~links["same_form"]]
    return [(items[a] & items[b], int(n)) for a, b, n in zip(ok["from_round"], ok["to_round"], ok["needed"])]


def round_parameters(fit, items: list[str], round_id: str) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Slopes and intercepts of a round's items (shared or the round's own), in ``items`` order.

    Items the calibration left out (answered right by everyone or by no one) are returned with
    ``a = 0`` and ``d = ±40`` so they contribute a constant, and listed.

    Parameters
    ----------
    fit : IRTFit
        The linked calibration.
    items : list of str
        The round's items, in form order.
    round_id : str
        The round.

    Returns
    -------
    a, d : ndarray
        Slopes and intercepts.
    left_out : list of str
        The items the calibration left out.
    """
    it = fit.items.copy()
    it["item"] = it["item"].astype(str)
    own = it[it["group"].astype(object).astype(str) == str(round_id)].set_index("item")
    shared = it[it["group"].isna()].set_index("item")
    a, d, left_out = np.zeros(len(items)), np.zeros(len(items)), []
    for j, item in enumerate(items):   # one lookup per item of a form (tens)
        if item in own.index:
            a[j], d[j] = own.loc[item, "a"], own.loc[item, "d"]
        elif item in shared.index:
            a[j], d[j] = shared.loc[item, "a"], shared.loc[item, "d"]
        else:
            left_out.append(item)
            a[j], d[j] = 0.0, np.nan
    return a, d, left_out


def cut_scores(fit, instrument: pd.DataFrame, scored: pd.DataFrame, config: dict, round_id: str) -> dict[str, float]:
    """θ* of each level: where the baseline form's expected points equal the level's cut score.

    An item the calibration left out because everyone (no one) answered it right adds its points
    (nothing) at every θ, so its points are taken off the cut (Lord 1980, 4.6).

    Parameters
    ----------
    fit : IRTFit
        The linked calibration.
    instrument : DataFrame
        The round's form (``item_id``, ``part``, ``points``, ``correct``, ``dont_know_code``).
    scored : DataFrame
        The round's 0/1 item scores (for the items left out).
    config : dict
        The validated config.
    round_id : str
        The round.

    Returns
    -------
    dict
        Level code -> θ*.
    """
    items = instrument["item_id"].astype(str).tolist()
    points = instrument["points"].to_numpy(dtype=float)
    a, d, left_out = round_parameters(fit, items, round_id)
    keep = np.array([i not in left_out for i in items])
    constant = 0.0
    for item in left_out:
        p = float(np.nanmean(scored[item].to_numpy(dtype=float))) if item in scored else 0.0
        constant += points[items.index(item)] * (1.0 if p >= 0.5 else 0.0)
    cuts = {}
    for lv in config["scoring"]["levels"]:
        cut = theta_cut(a[keep], d[keep], points[keep], float(lv["threshold"]) - constant)
        cuts[str(lv["code"])] = float(np.asarray(cut, dtype=float).reshape(-1)[0])
    return cuts


def plausible_values(scored: pd.DataFrame, a: np.ndarray, d: np.ndarray, data: pd.DataFrame, weights,
                     config: dict, round_id: str) -> tuple[np.ndarray, dict]:
    """M plausible values per respondent of one round, from its latent regression.

    The conditioning variables (``measurement.conditioning``) enter as dummies
    (:func:`literacy.measurement.conditioning_matrix`); the item parameters are the linked
    calibration's, fixed. Returns the n × M draws and a summary of the latent regression.

    Parameters
    ----------
    scored : DataFrame or dict of round id -> DataFrame
        0/1 item scores (:func:`item_scores`).
    a : ndarray
        The items' slopes (:func:`round_parameters`).
    d : ndarray
        The items' intercepts (NaN: left out).
    data : DataFrame
        The round's analysis data, rows aligned with the scores.
    weights : array-like or dict of round id -> array
        The final weights, rows aligned with the scores.
    config : dict
        The validated config.
    round_id : str
        The round.

    Returns
    -------
    pvs : ndarray
        n × M draws.
    summary : dict
        The latent regression: ``sigma``, ``converged``, ``iterations``, ``conditioning``, ``columns``, ``notes``.
    """

    mc = measurement_config(config)
    cols = check_columns(mc["conditioning"], data.columns, "measurement.conditioning",
                         "conditioning" in mc["configured"])
    X, notes = conditioning_matrix(data[cols].reset_index(drop=True), cols)
    use = np.isfinite(d)
    y = scored.to_numpy(dtype=float)[:, use]
    reg = latent_regression(y, a[use], d[use], X, weights=weights)
    pvs = draw_plausible_values(y, a[use], d[use], X, reg.beta, reg.sigma, m=mc["plausible_values"],
                                seed=_seed(mc["seed"], "plausible-values", str(round_id)), beta_cov=reg.cov_beta,
                                weights=weights)
    return pvs, {"round": str(round_id), "sigma": float(reg.sigma), "converged": bool(reg.converged),
                 "iterations": int(reg.iterations), "conditioning": ", ".join(cols), "columns": int(X.shape[1]),
                 "notes": list(notes)}


def irt_item_table(scale: LinkedScale, instruments: dict[str, pd.DataFrame], anchors: list[str]) -> pd.DataFrame:
    """``assessment/irt_items.csv``: the final calibration's item parameters with, for each row,
    the item's ``part`` and ``points``, the ``forms`` it is on (round ids joined by ``;``),
    whether it is an ``anchor`` (on both forms) and, for an anchor given round-specific
    parameters, why (``freed_reason``).

    Parameters
    ----------
    scale : LinkedScale
        :func:`link_forms`.
    instruments : dict of round id -> DataFrame
        Each round's form (``instrument.csv``).
    anchors : list of str
        The anchor items (on both forms).

    Returns
    -------
    DataFrame
        One row per item (and per round for an item with round-specific parameters).
    """
    it = scale.fit.items.copy()
    it["item"] = it["item"].astype(str)
    info = pd.concat([f.assign(_round=r) for r, f in instruments.items()], ignore_index=True)
    info["item_id"] = info["item_id"].astype(str)
    forms = info.groupby("item_id")["_round"].agg(lambda s: ";".join(map(str, s)))
    first = info.drop_duplicates("item_id").set_index("item_id")
    it.insert(2, "part", it["item"].map(first["part"]).astype(str))
    it.insert(3, "points", it["item"].map(first["points"]).astype(float))
    it.insert(4, "forms", it["item"].map(forms).astype(str))
    freed = scale.freed.set_index(scale.freed["item"].astype(str))["reason"] if len(scale.freed) else pd.Series(
        dtype=object)
    it["anchor"] = it["item"].isin(anchors)
    it["freed_reason"] = it["item"].map(freed).where(it["item"].isin(freed.index), None)
    return it


def pv_distribution(pvs: np.ndarray, weights, round_id: str, lo: float = -4.0, hi: float = 5.0,
                    width: float = 0.25) -> pd.DataFrame:
    """The weighted distribution of the plausible values of a round (all draws pooled), in bins
    of ``width`` on the latent scale: ``round, theta_low, theta_high, theta_mid, share`` (the
    shares add to 1; values outside [lo, hi] are counted in the end bins).

    Parameters
    ----------
    pvs : ndarray
        The round's n × M plausible values.
    weights : array-like or dict of round id -> array
        The final weights, rows aligned with the scores.
    round_id : str
        The round.
    lo : float
        Lower end of the bins.
    hi : float
        Upper end of the bins.
    width : float
        Bin width.

    Returns
    -------
    DataFrame
        ``round, theta_low, theta_high, theta_mid, share``.
    """
    edges = np.arange(lo, hi + width / 2, width)
    P = np.asarray(pvs, dtype=float)
    w = np.repeat(np.asarray(weights, dtype=float), P.shape[1])
    idx = np.clip(np.searchsorted(edges, P.reshape(-1), side="right") - 1, 0, len(edges) - 2)
    share = np.bincount(idx, weights=w, minlength=len(edges) - 1)
    share /= share.sum()
    return pd.DataFrame({"round": str(round_id), "theta_low": edges[:-1], "theta_high": edges[1:],
                         "theta_mid": (edges[:-1] + edges[1:]) / 2, "share": share})
