"""The measurement stage of the assessment: item review, linking of the rounds' forms, plausible
values and the linked change with its full error budget.

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
   the conditioning variables, each estimated on the full design and combined by Rubin's rules;
5. the calibration's own sampling error (the link, the cut and the item parameters are estimated
   from the same samples as the figures): the whole estimator linearised with the design
   (Binder 1983), :mod:`literacy.measurement.calibration_error`; it is part of every linked figure's
   sampling error;
6. the linking error of the change: a jackknife over the anchors (each dropped from the link in
   turn, the rounds relinked and the change recomputed; Monseur & Berezner 2007): the error of
   having linked through these anchors and not others, for the change between rounds.

Pure computation: the flow passes each round's responses, form, weights and design in.
"""

from __future__ import annotations

import warnings
import zlib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from literacy.assessment.change import adjust_multiple_comparisons
from literacy.assessment.config import check_columns, measurement_config
from literacy.domains import domain_labels, domain_specs, group_column
from literacy.errors import DataError
from literacy.measurement.calibration_error import (
    RoundCalibration,
    calibration_increment,
    cut_gradient,
    influence_covariance,
    influence_totals,
    parameter_influence,
    share_gradient,
)
from literacy.measurement.change import linked_change, linking_error
from literacy.measurement.dif import anchor_drift, dif_table
from literacy.measurement.forms import minimum_anchors
from literacy.measurement.irt import fit_irt
from literacy.measurement.items import item_analysis
from literacy.measurement.linked import calibration_parts, linked_estimates
from literacy.measurement.linking import concurrent_calibration
from literacy.measurement.plausible import (
    conditioning_matrix,
    draw_plausible_values,
    latent_regression,
    response_loglik,
)
from literacy.measurement.scale import theta_cut
from literacy.reliability import flag_estimates

__all__ = ["item_scores", "item_review", "dif_review",
           "link_forms", "cut_scores", "round_parameters", "plausible_values", "linked_round", "anchor_jackknife",
           "change_linked_table", "add_linking_error", "calibration_error", "change_calibration", "pv_distribution", "irt_item_table", "LinkedScale",
           "CHANGE_LINKED_COLUMNS"]

CHANGE_LINKED_COLUMNS = ["breakdown", "domain", "label_zh", "label_en", "level", "baseline_round", "endline_round",
                         "baseline", "endline", "change", "se_sampling", "se_imputation", "se_linking", "se_total",
                         "ci_low", "ci_high", "p_value", "p_value_bh", "significant_bh", "raw_change",
                         "comparable", "note", "suppressed", "suppression_reason"]




def item_scores(responses: pd.DataFrame, instrument: pd.DataFrame, order: pd.Series | None = None,
                id_column: str = "respondent_id") -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """0/1 item scores, don't-know and skipped flags of a round, one column per item of its form.

    Scored as the official score is: the correct code is 1; a wrong code, "don't know" and a
    skipped item are 0 (so the IRT scale describes the same answers as the raw score). With
    ``order`` (the respondent ids of the weighted data), rows follow it (aligned by id, never
    by position).
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
    """Weighted item statistics and reliabilities of one round (``<round>/items.csv``)."""
    parts = dict(zip(instrument["item_id"].astype(str), instrument["part"].astype(str)))
    points = dict(zip(instrument["item_id"].astype(str), instrument["points"].astype(float)))
    res = item_analysis(scored, weights=weights, parts=parts, points=points, dont_know=dont_know, skipped=skipped)
    items, rel = res.items.copy(), res.reliability.copy()
    items.insert(0, "round", str(round_id))
    rel.insert(0, "round", str(round_id))
    return items, rel


def dif_review(scored: pd.DataFrame, weights, data: pd.DataFrame, config: dict, round_id: str) -> pd.DataFrame:
    """Mantel–Haenszel DIF of one round by the configured groupings (each district against the rest)."""

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


def _stack(scored: dict[str, pd.DataFrame]) -> tuple[pd.DataFrame, np.ndarray]:
    """Both rounds' 0/1 scores in one frame (NaN where an item is not on a round's form)."""
    frames, groups = [], []
    for rid, s in scored.items():
        frames.append(s)
        groups.append(np.full(len(s), rid, dtype=object))
    return pd.concat(frames, ignore_index=True, sort=False), np.concatenate(groups)


def link_forms(scored: dict[str, pd.DataFrame], weights: dict[str, np.ndarray], instruments: dict[str, pd.DataFrame],
               anchors: list[str], config: dict) -> LinkedScale:
    """Concurrent calibration of the rounds with drift review, and the cuts on the latent scale.

    ``scored``, ``weights`` and ``instruments`` are keyed by round id, baseline first.
    """
    mc = measurement_config(config)
    rounds = list(scored)
    stacked, groups = _stack(scored)
    w = np.concatenate([np.asarray(weights[r], dtype=float) for r in rounds])
    drift = anchor_drift(stacked, groups, anchors, weights=w, baseline=rounds[0]) if len(anchors) else \
        pd.DataFrame()
    drifting = []
    if len(drift) and mc["free_drift_class"] != "none":
        classes = ("B", "C") if mc["free_drift_class"] == "B" else ("C",)
        drifting = drift.loc[drift["ets_class"].isin(classes), "item"].astype(str).tolist()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = concurrent_calibration(stacked, w, groups, anchors, drift_items=drifting, rmsd_limit=mc["rmsd_limit"],
                                     model=mc["model"], baseline=rounds[0],
                                     min_anchors=_linking_minimum(instruments, config))
    notes = [str(c.message) for c in caught] + list(res.fit.notes)
    cuts = cut_scores(res.fit, instruments[rounds[0]], scored[rounds[0]], config, rounds[0])
    return LinkedScale(fit=res.fit, anchors=[str(a) for a in res.anchors], freed=res.freed, drift=drift, cuts=cuts,
                       rounds=rounds, notes=notes)


def _linking_minimum(instruments: dict[str, pd.DataFrame], config: dict) -> int:
    """The fewest anchors a link may rest on (:func:`literacy.measurement.forms.minimum_anchors`, the
    rule of ``linking_feasible``), so freeing flagged anchors never takes the link below what
    linking required in the first place."""

    return max(1, minimum_anchors(min(len(f) for f in instruments.values()), config))


def round_parameters(fit, items: list[str], round_id: str) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Slopes and intercepts of a round's items (shared or the round's own), in ``items`` order.

    Items the calibration left out (answered right by everyone or by no one) are returned with
    ``a = 0`` and ``d = ±40`` so they contribute a constant, and listed.
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


def calibration_error(scale: LinkedScale, scored: dict[str, pd.DataFrame], weights: dict[str, np.ndarray],
                      instruments: dict[str, pd.DataFrame], designs: dict) -> tuple[dict | None, list[str]]:
    """What each round's linked figures need to carry the calibration's sampling error.

    Returns ``({round: RoundCalibration}, notes)`` (:mod:`literacy.measurement.calibration_error`):
    each respondent's influence on the calibration, each respondent's gradient of the
    posterior-expected share above each level's θ*, and the design covariance of the influence
    totals summed over the rounds (independent samples). ``(None, [why])`` when the calibration has
    no covariance (a singular information matrix): the figures then treat the calibration as known,
    and say so.
    """

    fit = scale.fit
    if not np.isfinite(np.asarray(fit.cov, dtype=float)).all():
        return None, ["the calibration has no standard errors: its sampling error is left out of the linked figures"]
    rounds = scale.rounds
    influence = parameter_influence(fit, scored, weights)
    covariance = sum(influence_covariance(designs[r], influence[r]) for r in rounds)
    cut_grad = cut_gradient(fit, instruments[rounds[0]], rounds[0], scale.cuts)
    out = {}
    for r in rounds:
        shares = share_gradient(fit, scored[r], r, scale.cuts, cut_grad)
        out[r] = RoundCalibration(gradient={k: v[1] for k, v in shares.items()},
                                  influence=influence_totals(designs[r], influence[r]), covariance=covariance)
    return out, []


def change_calibration(designs: dict, pvs: dict[str, np.ndarray], calibration: dict | None, cuts: dict[str, float],
                       config: dict) -> pd.DataFrame | None:
    """The calibration's part of each domain's change variance (``var_calibration``).

    Both rounds' figures rest on one calibration: the change's part is ``g_Δ'C g_Δ + 2 g_Δ'(cross_end −
    cross_base)`` with ``g_Δ`` the difference of the rounds' share gradients
    (:func:`literacy.measurement.linked.calibration_parts`), not the sum of the rounds' own parts.
    ``designs``, ``pvs`` and ``calibration`` are keyed by round id, baseline first.
    """

    if calibration is None:
        return None
    rounds = list(designs)
    base, end = rounds[0], rounds[-1]
    specs = list(domain_specs(config))
    keys = ["breakdown", "domain", "level"]
    frames = []
    for lv in config["scoring"]["levels"]:
        code = str(lv["code"])
        parts = {r: calibration_parts(designs[r], pvs[r], cuts[code], specs, calibration[r].gradient[code],
                                      calibration[r].influence, level_code=code, config=config) for r in (base, end)}
        kb, Gb, cb = parts[base]
        ke, Ge, ce = parts[end]
        pos_b = pd.MultiIndex.from_frame(kb[keys].astype(str)).get_indexer(pd.MultiIndex.from_frame(ke[keys].astype(str)))
        both = pos_b >= 0
        Gd = Ge[both] - Gb[pos_b[both]]
        cross = ce[both] - cb[pos_b[both]]
        inc = calibration_increment(Gd, cross, calibration[end].covariance)
        frames.append(ke.loc[both, keys].assign(var_calibration=inc))
    return pd.concat(frames, ignore_index=True)


def linked_round(design, pvs: np.ndarray, cuts: dict[str, float], config: dict, round_id: str,
                 linking: pd.DataFrame | None = None, role: str | None = None,
                 calibration=None) -> pd.DataFrame:
    """Every breakdown's share above each level's θ*, Rubin-combined over the plausible values,
    with the calibration's sampling error in the sampling error (``calibration``: the round's
    :class:`RoundCalibration` from :func:`calibration_error`; None takes the calibration as known),
    the anchor jackknife's spread of the round's share shown beside (``linking``:
    :func:`anchor_jackknife`, ``role``: baseline or endline; see :func:`add_linking_error`) and the
    NCHS flags (on the interval of the total error) and suppression of estimates.csv."""

    conf = float(config["estimation"]["level"])
    frames = []
    for lv in config["scoring"]["levels"]:
        code = str(lv["code"])
        cal = None if calibration is None else (calibration.gradient[code], calibration.influence,
                                                calibration.covariance)
        frames.append(linked_estimates(design, pvs, cuts[code], list(domain_specs(config)), conf,
                                       ci=config["estimation"]["ci"], level_code=code, round_id=round_id,
                                       config=config, calibration=cal))
    est = add_linking_error(pd.concat(frames, ignore_index=True), linking, role or "", config)
    extra = ["se_sampling", "se_calibration", "se_imputation", "se_linking", "fmi", "pv_count"]
    base = est.drop(columns=extra)
    # the NCHS standard reads the interval; here the interval of the total (Rubin) variance
    flagged = flag_estimates(base, base, config)
    for c in extra:
        flagged[c] = est[c].to_numpy()
    blank = flagged["suppressed"].to_numpy(dtype=bool)
    for c in ("se_sampling", "se_calibration", "se_imputation", "se_linking", "fmi"):
        flagged.loc[blank, c] = np.nan
    return flagged


def _expected_shares(scored_r: pd.DataFrame, a, d, mean, sd, cuts: dict[str, float]) -> dict[str, np.ndarray]:
    """Each person's posterior probability of being above each cut (population model N(mean, sd²))."""

    nodes = np.linspace(-6, 6, 241)
    theta = mean + sd * nodes
    h = theta[1] - theta[0]
    use = np.isfinite(d)
    ll = response_loglik(scored_r.to_numpy(dtype=float)[:, use], a[use], d[use], theta)
    lp = ll - 0.5 * nodes[None, :] ** 2
    lp -= lp.max(axis=1, keepdims=True)
    post = np.exp(lp)
    post /= post.sum(axis=1, keepdims=True)
    # each node stands for the interval of width h around it (midpoint rule): the node whose
    # interval holds the cut counts with the fraction of it above the cut, so the share is a
    # continuous function of the cut and of the latent mean (a step function otherwise, blind
    # to shifts smaller than the grid's spacing)
    return {k: post @ np.clip((theta + h / 2 - c) / h, 0.0, 1.0) for k, c in cuts.items()}


def anchor_jackknife(scale: LinkedScale, scored: dict[str, pd.DataFrame], weights: dict[str, np.ndarray],
                     instruments: dict[str, pd.DataFrame], designs: dict, config: dict) -> tuple[pd.DataFrame, list]:
    """The linking error of every domain's change, by a jackknife over the anchors.

    For each anchor j the rounds are relinked with j given round-specific parameters (so it no
    longer carries the link), the cuts recomputed on the baseline form, and the change of each
    domain's share recomputed as the difference of the posterior-expected shares (Σ w_i
    P(θ_i > θ* | answers) over the domain). The linking variance is (J − 1)/J Σ (c_(j) − c̄)²
    (Monseur & Berezner 2007; OECD 2020, PISA 2018 TR 12). Returns one row per breakdown,
    domain and level with ``se_linking`` and the number of anchors ``linking_anchors``.
    """

    mc = measurement_config(config)
    rounds = scale.rounds
    stacked, groups = _stack(scored)
    w = np.concatenate([np.asarray(weights[r], dtype=float) for r in rounds])
    anchors = list(scale.anchors)
    notes = []
    specs = list(domain_specs(config))
    changes = []
    for j in anchors:   # J refits: the jackknife itself
        keep = [x for x in anchors if x != j]
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            # the anchors freed in the main calibration stay free; j joins them
            fit = fit_irt(stacked, weights=w, model=mc["model"], groups=groups, anchors=keep, baseline=rounds[0],
                          start=scale.fit)
        notes += [f"linking jackknife without {j}: {c.message}" for c in caught]
        cuts = cut_scores(fit, instruments[rounds[0]], scored[rounds[0]], config, rounds[0])
        g = fit.groups.set_index(fit.groups["group"].astype(str))
        shares = {}
        for r in rounds:
            items = instruments[r]["item_id"].astype(str).tolist()
            a, d, _ = round_parameters(fit, items, r)
            q = _expected_shares(scored[r], a, d, float(g.loc[r, "mean"]), float(g.loc[r, "sd"]), cuts)
            shares[r] = _domain_means(designs[r], q, specs, config)
        ch = shares[rounds[-1]].merge(shares[rounds[0]], on=["breakdown", "domain", "level"], suffixes=("_end", "_base"))
        ch["change"] = ch["share_end"] - ch["share_base"]
        ch["dropped"] = j
        changes.append(ch[["breakdown", "domain", "level", "dropped", "change", "share_base", "share_end"]])
    cols = ["breakdown", "domain", "level", "se_linking", "se_linking_baseline", "se_linking_endline",
            "linking_anchors"]
    if not changes:
        return pd.DataFrame(columns=cols), notes
    allc = pd.concat(changes, ignore_index=True)
    keys = ["breakdown", "domain", "level"]
    out = None
    # the same jackknife for the change and for each round's share (the link moves both rounds'
    # figures: the cuts on the baseline form, the end-of-period round's latent distribution)
    for value, name in (("change", "se_linking"), ("share_base", "se_linking_baseline"),
                        ("share_end", "se_linking_endline")):
        wide = allc.pivot_table(index=keys, columns="dropped", values=value)
        part = wide.reset_index()[keys]
        part[name] = np.asarray(linking_error(wide.to_numpy(dtype=float).T), dtype=float)
        out = part if out is None else out.merge(part, on=keys)
    out["linking_anchors"] = len(anchors)
    return out[cols], notes


def add_linking_error(linked: pd.DataFrame, linking: pd.DataFrame | None, role: str, config: dict) -> pd.DataFrame:
    """A round's linked estimates with the anchor jackknife's spread of the round's share beside them.

    ``se_linking`` is the jackknife over the anchors of the round's share (``role``: baseline or
    endline; :func:`anchor_jackknife`), 0 with one form for both rounds. It is shown, not added to
    ``se``: it is the error of having linked through these anchors rather than others, which
    matters when the rounds are compared, and PISA adds it to comparisons across cycles, never to a
    cycle's own figures (OECD 2020, PISA 2018 TR ch. 12). The change's linking error is in
    ``change_linked.csv``. A linked share's ``se`` is its sampling error (the calibration's
    included) and its imputation error; the coverage study (``benchmarks/coverage_linked.py``)
    checks that interval against the truth.
    """
    out = linked.copy()
    if linking is None or not len(linking) or f"se_linking_{role}" not in linking.columns:
        se_l = np.zeros(len(out))
    else:
        keys = ["breakdown", "domain", "level"]
        lk = linking.astype({k: str for k in keys}).set_index(keys)[f"se_linking_{role}"]
        se_l = lk.reindex(pd.MultiIndex.from_frame(out[keys].astype(str))).to_numpy(dtype=float)
        se_l = np.where(np.isfinite(se_l), se_l, 0.0)
    pos = out.columns.get_loc("se_imputation") + 1
    out.insert(pos, "se_linking", np.where(out["se_imputation"].isna(), np.nan, se_l))
    return out


def _domain_means(design, q: dict[str, np.ndarray], specs, config: dict) -> pd.DataFrame:
    """Weighted domain means of each level's expected indicator (point estimates only)."""

    w = np.asarray(design.weights, dtype=float)
    frames = []
    for spec in specs:   # the breakdowns (a dozen); domains are vectorised by bincount
        codes, table = design.domain_index(list(spec.by) or None)
        D = len(table)
        ok = codes >= 0
        W = np.bincount(codes[ok], weights=w[ok], minlength=D)
        keep = np.ones(D, dtype=bool)
        if spec.group is not None:
            keep = (table[group_column(spec)].astype(int) == 1).to_numpy()
        keys = table.loc[keep, list(spec.by)].reset_index(drop=True) if spec.by else pd.DataFrame(index=[0])
        labels = domain_labels(config, spec, keys)
        for level, values in q.items():
            with np.errstate(invalid="ignore", divide="ignore"):
                share = np.bincount(codes[ok], weights=(w * values)[ok], minlength=D) / W
            frames.append(pd.DataFrame({"breakdown": spec.breakdown, "domain": labels["domain"].to_numpy(),
                                        "level": level, "share": share[keep]}))
    return pd.concat(frames, ignore_index=True)


def change_linked_table(linked: dict[str, pd.DataFrame], linking: pd.DataFrame | None, raw_change: pd.DataFrame,
                        config: dict, comparable: bool, note: str = "",
                        calibration: pd.DataFrame | None = None) -> pd.DataFrame:
    """``assessment/change_linked.csv``: the change on the linked scale with its error budget.

    ``linked`` maps the baseline and end-of-period round ids to :func:`linked_round` tables;
    ``linking`` is :func:`anchor_jackknife` (None: no linking error, e.g. one form for both
    rounds, where the link is exact). ``raw_change`` is ``change.csv`` (the official raw-score
    change, shown beside). ``calibration`` is :func:`change_calibration` (the calibration's part of
    each change's sampling variance; None: the rounds' sampling variances add as they are). A change
    resting on a suppressed linked estimate is blanked.
    """

    rounds = list(linked)
    base, end = linked[rounds[0]], linked[rounds[-1]]
    if linking is None:
        se_link = 0.0
    else:
        se_link = linking[["breakdown", "domain", "level", "se_linking"]]
    if calibration is not None:
        # a suppressed round's se_calibration is blank: its part is then unknown, the change is
        # blanked below anyway
        base = base.assign(se_calibration=base["se_calibration"].fillna(0.0))
        end = end.assign(se_calibration=end["se_calibration"].fillna(0.0))
    ch = linked_change(base, end, se_link, level=float(config["estimation"]["level"]), calibration_var=calibration)
    ch.insert(ch.columns.get_loc("level") + 1, "baseline_round", rounds[0])
    ch.insert(ch.columns.get_loc("baseline_round") + 1, "endline_round", rounds[-1])
    keys = ["breakdown", "domain", "level"]
    sup = pd.concat([base.assign(_r="baseline"), end.assign(_r="end-of-period")])
    sup = sup[sup["suppressed"].astype(bool)]
    why = sup.groupby(keys)["suppression_reason"].agg(lambda s: "; ".join(sorted(set(map(str, s)))))
    idx = pd.MultiIndex.from_frame(ch[keys].astype(str))
    reason = why.reindex(idx).to_numpy()
    blank = pd.notna(reason)
    for c in ("change", "se_sampling", "se_imputation", "se_linking", "se_total", "ci_low", "ci_high", "p_value"):
        ch.loc[blank, c] = np.nan
    ch["suppressed"] = blank
    ch["suppression_reason"] = np.where(blank, reason, None)
    ch = adjust_multiple_comparisons(ch, config)
    rc = raw_change.set_index(keys)["change"]
    ch["raw_change"] = rc.reindex(idx).to_numpy(dtype=float)
    ch["comparable"] = bool(comparable)
    ch["note"] = note or None
    return ch[CHANGE_LINKED_COLUMNS].reset_index(drop=True)


def irt_item_table(scale: LinkedScale, instruments: dict[str, pd.DataFrame], anchors: list[str]) -> pd.DataFrame:
    """``assessment/irt_items.csv``: the final calibration's item parameters with, for each row,
    the item's ``part`` and ``points``, the ``forms`` it is on (round ids joined by ``;``),
    whether it is an ``anchor`` (on both forms) and, for an anchor given round-specific
    parameters, why (``freed_reason``)."""
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
    shares add to 1; values outside [lo, hi] are counted in the end bins)."""
    edges = np.arange(lo, hi + width / 2, width)
    P = np.asarray(pvs, dtype=float)
    w = np.repeat(np.asarray(weights, dtype=float), P.shape[1])
    idx = np.clip(np.searchsorted(edges, P.reshape(-1), side="right") - 1, 0, len(edges) - 2)
    share = np.bincount(idx, weights=w, minlength=len(edges) - 1)
    share /= share.sum()
    return pd.DataFrame({"round": str(round_id), "theta_low": edges[:-1], "theta_high": edges[1:],
                         "theta_mid": (edges[:-1] + edges[1:]) / 2, "share": share})

