"""The linked figures of the measurement stage and their full error budget: each round's shares
above the cuts from its plausible values, the calibration's own sampling error, the linking
error of the change, and the linked change table.

1. each round's plausible values are estimated on the full design and combined by Rubin's rules
   (:func:`literacy.measurement.linked_estimates`);
2. the calibration's own sampling error (the link, the cut and the item parameters are estimated
   from the same samples as the figures): the whole estimator linearised with the design
   (Binder 1983), :mod:`literacy.measurement.calibration_error`; it is part of every linked
   figure's sampling error;
3. the linking error of the change: a jackknife over the anchors (each dropped from the link in
   turn, the rounds relinked and the change recomputed; Monseur & Berezner 2007): the error of
   having linked through these anchors and not others, for the change between rounds.

The scale itself (the link, the cuts, the plausible values) is :mod:`literacy.assessment.measurement`.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from literacy.assessment.change import adjust_multiple_comparisons
from literacy.assessment.config import measurement_config
from literacy.assessment.measurement import LinkedScale, cut_scores, round_parameters, stack_rounds
from literacy.assessment.schedule import SINCE_BASELINE
from literacy.domains import domain_labels, domain_specs, group_column
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
from literacy.measurement.irt import fit_irt
from literacy.measurement.linked import calibration_parts, linked_estimates
from literacy.measurement.plausible import response_loglik
from literacy.reliability import flag_estimates

__all__ = ["calibration_error", "change_calibration", "linked_round", "anchor_jackknife", "add_linking_error",
           "change_linked_table", "CHANGE_LINKED_COLUMNS"]

#: The linked change table's columns (``change_linked.csv``), in order.
CHANGE_LINKED_COLUMNS = ["breakdown", "domain", "label_zh", "label_en", "level", "from_round", "to_round", "comparison",
                         "baseline_round", "endline_round", "from_estimate", "to_estimate", "baseline", "endline",
                         "change", "se_sampling", "se_imputation", "se_linking", "se_total", "ci_low", "ci_high",
                         "p_value", "p_value_bh", "significant_bh", "raw_change", "comparable", "note", "suppressed",
                         "suppression_reason", "se_linking_from", "se_linking_to"]


def calibration_error(scale: LinkedScale, scored: dict[str, pd.DataFrame], weights: dict[str, np.ndarray],
                      instruments: dict[str, pd.DataFrame], designs: dict) -> tuple[dict | None, list[str]]:
    """What each round's linked figures need to carry the calibration's sampling error.

    Returns ``({round: RoundCalibration}, notes)`` (:mod:`literacy.measurement.calibration_error`):
    each respondent's influence on the calibration, each respondent's gradient of the
    posterior-expected share above each level's θ*, and the design covariance of the influence
    totals summed over the rounds (independent samples). ``(None, [why])`` when the calibration has
    no covariance (a singular information matrix): the figures then treat the calibration as known,
    and say so.

    Parameters
    ----------
    scale : LinkedScale
        :func:`link_forms`.
    scored : DataFrame or dict of round id -> DataFrame
        0/1 item scores (:func:`item_scores`).
    weights : array-like or dict of round id -> array
        The final weights, rows aligned with the scores.
    instruments : dict of round id -> DataFrame
        Each round's form (``instrument.csv``).
    designs : dict of round id -> SurveyDesign
        Each round's calibrated design.

    Returns
    -------
    calibration : dict of round id -> RoundCalibration, or None
    notes : list of str
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
                       config: dict, pairs: list[tuple[str, str]] | None = None) -> pd.DataFrame | None:
    """The calibration's part of each domain's change variance (``var_calibration``).

    Every round's figures rest on one calibration: a change's part is ``g_Δ'C g_Δ + 2 g_Δ'(cross_to −
    cross_from)`` with ``g_Δ`` the difference of the two rounds' share gradients
    (:func:`literacy.measurement.linked.calibration_parts`), not the sum of the rounds' own parts.
    ``designs``, ``pvs`` and ``calibration`` are keyed by round id, baseline first.

    Parameters
    ----------
    designs : dict of round id -> SurveyDesign
        Each round's calibrated design.
    pvs : ndarray or dict of round id -> ndarray
        The n × M plausible values.
    calibration : dict or None
        :func:`calibration_error` (None: no calibration error).
    cuts : dict
        Level code -> θ* (:func:`cut_scores`).
    config : dict
        The validated config.
    pairs : list of (from_round, to_round), optional
        The changes; default the first and the last round.

    Returns
    -------
    DataFrame or None
        ``from_round, to_round, breakdown, domain, level, var_calibration``; None without a calibration.
    """

    if calibration is None:
        return None
    rounds = list(designs)
    pairs = [(rounds[0], rounds[-1])] if pairs is None else [(str(x), str(y)) for x, y in pairs]
    specs = list(domain_specs(config))
    keys = ["breakdown", "domain", "level"]
    frames = []
    for lv in config["scoring"]["levels"]:
        code = str(lv["code"])
        parts = {r: calibration_parts(designs[r], pvs[r], cuts[code], specs, calibration[r].gradient[code],
                                      calibration[r].influence, level_code=code, config=config)
                 for r in dict.fromkeys(x for p in pairs for x in p)}
        for base, end in pairs:   # the comparisons (a handful)
            kb, Gb, cb = parts[base]
            ke, Ge, ce = parts[end]
            pos_b = pd.MultiIndex.from_frame(kb[keys].astype(str)).get_indexer(
                pd.MultiIndex.from_frame(ke[keys].astype(str)))
            both = pos_b >= 0
            Gd = Ge[both] - Gb[pos_b[both]]
            cross = ce[both] - cb[pos_b[both]]
            inc = calibration_increment(Gd, cross, calibration[end].covariance)
            frames.append(ke.loc[both, keys].assign(var_calibration=inc).assign(from_round=base, to_round=end))
    out = pd.concat(frames, ignore_index=True)
    return out[["from_round", "to_round", *keys, "var_calibration"]]


def linked_round(design, pvs: np.ndarray, cuts: dict[str, float], config: dict, round_id: str,
                 linking: pd.DataFrame | None = None, role: str | None = None,
                 calibration=None) -> pd.DataFrame:
    """Every breakdown's share above each level's θ*, Rubin-combined over the plausible values,
    with the calibration's sampling error in the sampling error (``calibration``: the round's
    :class:`RoundCalibration` from :func:`calibration_error`; None takes the calibration as known),
    the anchor jackknife's spread of the round's share shown beside (``linking``:
    :func:`anchor_jackknife`, ``role``: baseline or endline; see :func:`add_linking_error`) and the
    NCHS flags (on the interval of the total error) and suppression of estimates.csv.

    Parameters
    ----------
    design : SurveyDesign
        The round's calibrated design.
    pvs : ndarray
        The round's n × M plausible values.
    cuts : dict
        Level code -> θ* (:func:`cut_scores`).
    config : dict
        The validated config.
    round_id : str
        The round.
    linking : DataFrame, optional
        :func:`anchor_jackknife` (None: no linking error, one form for both rounds).
    role : str, optional
        The round id (default ``round_id``) or ``baseline`` / ``endline`` (with ``linking``).
    calibration : RoundCalibration, optional
        The round's part of :func:`calibration_error`.

    Returns
    -------
    DataFrame
        ``literacy.measurement.LINKED_COLUMNS`` with ``se_linking`` and the reliability and suppression columns.
    """

    conf = float(config["estimation"]["level"])
    frames = []
    for lv in config["scoring"]["levels"]:
        code = str(lv["code"])
        cal = None if calibration is None else (calibration.gradient[code], calibration.influence,
                                                calibration.covariance)
        frames.append(linked_estimates(design, pvs, cuts[code], list(domain_specs(config)), conf,
                                       ci=config["estimation"]["ci"], level_code=code, round_id=round_id,
                                       config=config, calibration=cal))
    est = add_linking_error(pd.concat(frames, ignore_index=True), linking, role or str(round_id), config)
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
                     instruments: dict[str, pd.DataFrame], designs: dict, config: dict,
                     pairs: list[tuple[str, str]] | None = None) -> tuple[pd.DataFrame, list]:
    """The linking error of every domain's change, by a jackknife over the anchors.

    For each anchor j the rounds are relinked with j given round-specific parameters (so it no
    longer carries the link), the cuts recomputed on the baseline form, and each round's share of
    each domain recomputed as the posterior-expected share (Σ w_i P(θ_i > θ* | answers) over the
    domain). The linking variance of a figure is (J − 1)/J Σ (c_(j) − c̄)² over the J replicates
    (Monseur & Berezner 2007; OECD 2020, PISA 2018 TR 12), for the change of every pair of rounds
    in ``pairs`` (``se_linking``) and for each of the pair's rounds' shares (``se_linking_from``,
    ``se_linking_to``). With three or more rounds the anchors of every link are dropped in turn:
    a round joined to the baseline through a chain of forms carries the error of each link of
    the chain, and the change's own replicates keep the two rounds' common part (the anchors
    both links share), so ``se_linking`` of a change is the jackknife of the change itself, not
    a sum of the rounds' errors.

    Parameters
    ----------
    scale : LinkedScale
        :func:`link_forms`.
    scored : DataFrame or dict of round id -> DataFrame
        0/1 item scores (:func:`item_scores`).
    weights : array-like or dict of round id -> array
        The final weights, rows aligned with the scores.
    instruments : dict of round id -> DataFrame
        Each round's form (``instrument.csv``).
    designs : dict of round id -> SurveyDesign
        Each round's calibrated design.
    config : dict
        The validated config.
    pairs : list of (from_round, to_round), optional
        The changes; default the first (baseline) and the last round of the scale.

    Returns
    -------
    linking : DataFrame
        ``breakdown, domain, level, from_round, to_round, se_linking, se_linking_from,
        se_linking_to, linking_anchors``, one row per pair, breakdown, domain and level.
    notes : list of str
    """

    mc = measurement_config(config)
    rounds = scale.rounds
    pairs = [(rounds[0], rounds[-1])] if pairs is None else [(str(x), str(y)) for x, y in pairs]
    pairs = [p for p in pairs if p[0] in rounds and p[1] in rounds]
    stacked, groups = stack_rounds(scored)
    w = np.concatenate([np.asarray(weights[r], dtype=float) for r in rounds])
    anchors = list(scale.anchors)
    notes = []
    specs = list(domain_specs(config))
    keys = ["breakdown", "domain", "level"]
    changes = {p: [] for p in pairs}
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
        for p in pairs:
            ch = shares[p[1]].merge(shares[p[0]], on=keys, suffixes=("_end", "_base"))
            ch["change"] = ch["share_end"] - ch["share_base"]
            ch["dropped"] = j
            changes[p].append(ch[keys + ["dropped", "change", "share_base", "share_end"]])
    cols = keys + ["from_round", "to_round", "se_linking", "se_linking_from", "se_linking_to", "linking_anchors"]
    if not anchors or not pairs:
        return pd.DataFrame(columns=cols), notes
    frames = []
    for p in pairs:
        allc = pd.concat(changes[p], ignore_index=True)
        out = None
        # the same jackknife for the change and for each round's share (the link moves every
        # round's figures: the cuts on the baseline form, the later rounds' latent distributions)
        for value, name in (("change", "se_linking"), ("share_base", "se_linking_from"),
                            ("share_end", "se_linking_to")):
            wide = allc.pivot_table(index=keys, columns="dropped", values=value)
            part = wide.reset_index()[keys]
            part[name] = np.asarray(linking_error(wide.to_numpy(dtype=float).T), dtype=float)
            out = part if out is None else out.merge(part, on=keys)
        out.insert(3, "from_round", p[0])
        out.insert(4, "to_round", p[1])
        frames.append(out)
    out = pd.concat(frames, ignore_index=True)
    out["linking_anchors"] = len(anchors)
    return out[cols], notes


def add_linking_error(linked: pd.DataFrame, linking: pd.DataFrame | None, role: str, config: dict) -> pd.DataFrame:
    """A round's linked estimates with the anchor jackknife's spread of the round's share beside them.

    ``se_linking`` is the jackknife over the anchors of the round's share (``role``: the round id,
    found as a pair's ``from_round`` or ``to_round`` in :func:`anchor_jackknife`; or ``baseline`` /
    ``endline`` for a table with ``se_linking_<role>`` columns), 0 with one form for every round.
    It is shown, not added to ``se``: it is the error of having linked through these anchors rather than others, which
    matters when the rounds are compared, and PISA adds it to comparisons across cycles, never to a
    cycle's own figures (OECD 2020, PISA 2018 TR ch. 12). The change's linking error is in
    ``change_linked.csv``. A linked share's ``se`` is its sampling error (the calibration's
    included) and its imputation error; the coverage study (``benchmarks/coverage_linked.py``)
    checks that interval against the truth.

    Parameters
    ----------
    linked : DataFrame
        A round's :func:`linked_round` table.
    linking : DataFrame, optional
        :func:`anchor_jackknife` (None: no linking error, one form for both rounds).
    role : str
        The round id (or ``baseline`` / ``endline``, see above).
    config : dict
        The validated config.

    Returns
    -------
    DataFrame
        ``linked`` with ``se_linking``.
    """
    out = linked.copy()
    keys = ["breakdown", "domain", "level"]
    if linking is None or not len(linking):
        lk = None
    elif f"se_linking_{role}" in linking.columns:   # a table with one column per role
        lk = linking.astype({k: str for k in keys}).set_index(keys)[f"se_linking_{role}"]
    elif "from_round" in linking.columns:   # anchor_jackknife: the round's share as a pair's from or to round
        if role in ("baseline", "endline"):   # the two-round names: the first pair's from, the last pair's to round
            role = str(linking["from_round"].iloc[0] if role == "baseline" else linking["to_round"].iloc[-1])
        mine = pd.concat([linking.loc[linking["from_round"].astype(str) == str(role), keys + ["se_linking_from"]]
                          .rename(columns={"se_linking_from": "se"}),
                          linking.loc[linking["to_round"].astype(str) == str(role), keys + ["se_linking_to"]]
                          .rename(columns={"se_linking_to": "se"})], ignore_index=True)
        lk = mine.astype({k: str for k in keys}).drop_duplicates(keys).set_index(keys)["se"] if len(mine) else None
    else:
        lk = None
    if lk is None:
        se_l = np.zeros(len(out))
    else:
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


def _pair_rows(table: pd.DataFrame | None, a: str, b: str) -> pd.DataFrame | None:
    """The rows of a table (the raw change, the jackknife, the calibration part) for the change from
    ``a`` to ``b``: by ``from_round``/``to_round``, by ``baseline_round``/``endline_round``, or the
    whole table when it has neither (one change)."""
    if table is None:
        return None
    for x, y in (("from_round", "to_round"), ("baseline_round", "endline_round")):
        if x in table.columns and y in table.columns:
            return table[(table[x].astype(str) == a) & (table[y].astype(str) == b)].drop(columns=[x, y])
    return table


def _one_change(base: pd.DataFrame, end: pd.DataFrame, a: str, b: str, linking: pd.DataFrame | None, config: dict,
                calibration: pd.DataFrame | None) -> pd.DataFrame:
    """The linked change of one pair of rounds, its figures blanked where a round's estimate is suppressed."""
    keys = ["breakdown", "domain", "level"]
    se_link = 0.0 if linking is None else linking[keys + ["se_linking"]]
    if calibration is not None:
        # a suppressed round's se_calibration is blank: its part is then unknown, the change is
        # blanked below anyway
        base = base.assign(se_calibration=base["se_calibration"].fillna(0.0))
        end = end.assign(se_calibration=end["se_calibration"].fillna(0.0))
    ch = linked_change(base, end, se_link, level=float(config["estimation"]["level"]), calibration_var=calibration)
    for name, t in (("se_linking_from", base), ("se_linking_to", end)):
        se = t.astype({k: str for k in keys}).drop_duplicates(keys).set_index(keys)["se_linking"] \
            if "se_linking" in t.columns else pd.Series(dtype=float)
        ch[name] = se.reindex(pd.MultiIndex.from_frame(ch[keys].astype(str))).to_numpy(dtype=float)
    sup = pd.concat([base.assign(_r="baseline"), end.assign(_r="end-of-period")])
    sup = sup[sup["suppressed"].astype(bool)]
    why = sup.groupby(keys)["suppression_reason"].agg(lambda s: "; ".join(sorted(set(map(str, s)))))
    reason = why.reindex(pd.MultiIndex.from_frame(ch[keys].astype(str))).to_numpy()
    blank = pd.notna(reason)
    for c in ("change", "se_sampling", "se_imputation", "se_linking", "se_total", "ci_low", "ci_high", "p_value",
              "se_linking_from", "se_linking_to"):
        ch.loc[blank, c] = np.nan
    ch["suppressed"] = blank
    ch["suppression_reason"] = np.where(blank, reason, None)
    return ch


def change_linked_table(linked: dict[str, pd.DataFrame], linking: pd.DataFrame | None, raw_change: pd.DataFrame,
                        config: dict, comparable: bool, note: str = "",
                        calibration: pd.DataFrame | None = None, comparisons: list | None = None,
                        unlinked: dict[str, str] | None = None) -> pd.DataFrame:
    """``assessment/change_linked.csv``: the change on the linked scale with its error budget, for
    every comparison of the schedule.

    ``linked`` maps the linked rounds' ids to :func:`linked_round` tables; ``linking`` is
    :func:`anchor_jackknife` (None: no linking error, e.g. one form for every round, where the link
    is exact). ``raw_change`` is ``change.csv`` (the official raw-score change, shown beside).
    ``calibration`` is :func:`change_calibration` (the calibration's part of each change's sampling
    variance; None: the rounds' sampling variances add as they are). A change resting on a
    suppressed linked estimate is blanked; a change with a round that is not on the linked scale
    (``unlinked``) keeps its domains, its figures blank, ``comparable`` false and the reason.

    Each row is keyed by ``from_round``, ``to_round`` and ``comparison`` (the family:
    ``consecutive`` or ``since_baseline``, :func:`literacy.assessment.schedule.comparisons`);
    ``from_estimate``/``to_estimate`` are the two rounds' linked shares. The columns of the
    two-round table are kept with the same meaning for each pair (``baseline_round`` =
    ``from_round``, ``endline_round`` = ``to_round``, ``baseline`` = ``from_estimate``, ``endline``
    = ``to_estimate``), so the baseline–endline change keeps its values and readers. The linking
    error of a change, ``se_linking``, is one number per change: the anchor jackknife of the
    change itself (for rounds joined through a chain of forms it carries every link of the
    chain and the rounds' common part); ``se_linking_from`` and ``se_linking_to`` are each round's
    share's own linking error, shown beside, not in ``se_total``. Benjamini–Hochberg within each
    comparison, breakdown and level.

    Parameters
    ----------
    linked : dict of round id -> DataFrame
        :func:`linked_round` tables, baseline first.
    linking : DataFrame, optional
        :func:`anchor_jackknife` (None: no linking error, one form for every round).
    raw_change : DataFrame
        ``change.csv`` (the official raw-score change).
    config : dict
        The validated config.
    comparable : bool
        Whether the rounds' figures can be compared.
    note : str
        How the rounds were linked (written in ``note``).
    calibration : DataFrame, optional
        :func:`change_calibration`.
    comparisons : list, optional
        :class:`literacy.assessment.schedule.Comparison` items or ``(from, to, family)`` tuples;
        default one change, the first round of ``linked`` to its last (``since_baseline``).
    unlinked : dict, optional
        Round id -> why it is not on the linked scale (:attr:`literacy.measurement.FormGraph.unlinked`).

    Returns
    -------
    DataFrame
        ``CHANGE_LINKED_COLUMNS``.
    """

    rounds = list(linked)
    unlinked = dict(unlinked or {})
    if comparisons is None:
        comparisons = [(rounds[0], rounds[-1], SINCE_BASELINE)]
    keys = ["breakdown", "domain", "level"]
    frames = []
    for c in comparisons:   # the schedule's comparisons (a handful)
        a, b, family = (c.from_round, c.to_round, c.family) if hasattr(c, "from_round") else tuple(c)
        a, b = str(a), str(b)
        raw = _pair_rows(raw_change, a, b)
        if a in linked and b in linked:
            ch = _one_change(linked[a], linked[b], a, b, _pair_rows(linking, a, b), config,
                             _pair_rows(calibration, a, b))
            ok, why = bool(comparable), note or None
        else:
            shape = next(iter(linked.values()))
            ch = shape[shape["round"].astype(str) == str(shape["round"].iloc[0])][
                ["breakdown", "domain", "label_zh", "label_en", "level"]].copy() if len(shape) else shape
            for col in CHANGE_LINKED_COLUMNS:
                if col not in ch.columns:
                    ch[col] = np.nan
            ch["suppressed"], ch["suppression_reason"] = False, None
            ok = False
            why = "; ".join(unlinked[x] for x in (a, b) if x in unlinked) or \
                f"round {a} or {b} is not on the linked scale"
        ch = ch.reset_index(drop=True)
        ch["from_round"], ch["to_round"], ch["comparison"] = a, b, family
        ch["baseline_round"], ch["endline_round"] = a, b
        ch["from_estimate"], ch["to_estimate"] = ch["baseline"], ch["endline"]
        if raw is not None and len(raw):
            ch["raw_change"] = raw.set_index(keys)["change"].reindex(
                pd.MultiIndex.from_frame(ch[keys].astype(str))).to_numpy(dtype=float)
        else:
            ch["raw_change"] = np.nan
        ch["comparable"] = ok
        ch["note"] = why
        frames.append(ch)
    out = pd.concat(frames, ignore_index=True)
    out = adjust_multiple_comparisons(out.drop(columns=["p_value_bh", "significant_bh"], errors="ignore"), config,
                                      family=("from_round", "to_round", "breakdown", "level"))
    return out[CHANGE_LINKED_COLUMNS].reset_index(drop=True)
