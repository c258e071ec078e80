"""The measurement task: item review, linking of the rounds' forms, plausible values, linked estimates.

Thin: every computation is :mod:`literacy.assessment.measurement` and
:mod:`literacy.assessment.linked`; this task reads the rounds' responses, forms and weighted data
from ``_work/``, writes its tables there as Parquet and hands the report task their paths (and a few small values: whether the rounds are comparable and why,
the cuts on the latent scale).
"""

from __future__ import annotations

import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from prefect import get_run_logger, task

from literacy.assessment import (
    anchor_jackknife,
    assessed_round,
    baseline_round,
    calibration_error,
    change_calibration,
    comparisons,
    dif_review,
    irt_item_table,
    item_review,
    item_scores,
    link_forms,
    linked_round,
    measurement_config,
    plausible_values,
    pv_distribution,
    round_parameters,
    survey_rounds,
)
from literacy.errors import DataError
from literacy.measurement import compare_forms, form_graph
from literacy_flows.ingest import io as fio
from literacy_flows.pipeline.designs import calibrated_design
from literacy_flows.pipeline.work import TASK_OPTIONS

__all__ = ["measure"]


def _forms(config: dict, ingested: dict, rounds: list[str], out: dict, logger):
    """The rounds' forms, the graph of their links and which rounds reach the baseline's scale."""
    instruments = {rid: pd.read_parquet(ingested["work"]["instruments"][rid]) for rid in rounds}
    graph = form_graph(instruments, config, baseline_round(config).id)
    for link in graph.links.itertuples():
        logger.info("forms %s–%s: %d shared items, %d needed: %s", link.from_round, link.to_round, link.shared_items,
                    link.needed, "one form" if link.same_form else "link feasible" if link.feasible else
                    "link NOT feasible")
    for reason in graph.unlinked.values():
        logger.warning("measurement: %s", reason)
    linked = {rid: instruments[rid] for rid in graph.linked}
    forms = compare_forms(linked)
    anchors = [str(a) for a in forms.loc[forms["anchor"], "item_id"]]
    first = set(instruments[graph.baseline]["item_id"].astype(str))
    same_form = all(set(f["item_id"].astype(str)) == first for f in linked.values())
    assessed = assessed_round(config).id
    feasible = len(graph.linked) > 1 and assessed in graph.linked
    reason = "" if feasible else (graph.unlinked.get(assessed) or graph.reason() or "no round is linked")
    out.update({"same_form": bool(same_form), "comparable": bool(feasible), "reason": reason,
                "anchors": len(anchors), "unlinked": dict(graph.unlinked), "linked_rounds": list(graph.linked)})
    return instruments, graph, anchors, same_form, feasible, reason


def _item_reviews(config: dict, ingested: dict, weighted: dict, rounds: list[str], instruments: dict, out: dict,
                  work: Path, logger):
    """Each round's item scores on its calibrated design, the item review and DIF (written to ``work``)."""
    scored, weights, designs, frames = {}, {}, {}, {}
    dif = []
    id_col = config["design"]["respondent_id"]
    for rid in rounds:
        data, _, design = calibrated_design(config, rid, weighted[rid])
        responses = pd.read_parquet(ingested["work"]["rounds"][rid]["responses"])
        s, dk, sk = item_scores(responses, instruments[rid], order=data[id_col], id_column=id_col)
        w = data["weight"].to_numpy(dtype=float)
        scored[rid], weights[rid], designs[rid], frames[rid] = s, w, design, data
        items, rel = item_review(s, w, instruments[rid], dk, sk, rid)
        out["items"][rid] = str(fio.write_parquet(items, work / f"items_{rid}.parquet"))
        out["reliability"][rid] = str(fio.write_parquet(rel, work / f"reliability_{rid}.parquet"))
        dif.append(dif_review(s, w, data, config, rid))
        flagged = items[items["flags"].astype(str) != ""]
        logger.info("round %s: item review of %d items; alpha %.3f, omega %.3f; %d items flagged", rid, len(items),
                    float(rel.loc[rel["scale"] == "total", "alpha"].iloc[0]),
                    float(rel.loc[rel["scale"] == "total", "omega"].iloc[0]), len(flagged))
    return scored, weights, designs, frames, dif


def _not_linked(out: dict, dif: list, work: Path, started: float) -> dict:
    """The result without linked figures: the DIF table and the stage's time."""
    out["dif"] = str(fio.write_parquet(pd.concat(dif, ignore_index=True), work / "dif.parquet"))
    out["seconds"] = round(time.monotonic() - started, 1)
    return out


@task(name="measure", **TASK_OPTIONS)
def measure(config: dict, ingested: dict, weighted: dict[str, dict]) -> dict:
    """Comparable rounds: the measurement stage of the assessment (docs/methods/comparable-rounds.md).

    Returns
    -------
    dict
        ``enabled``; ``comparable`` and ``reason``; ``same_form``; ``cuts`` (level -> θ*);
        paths of the work tables: ``items`` and ``reliability`` per round, ``dif``,
        ``irt_items``, ``irt_scale``, ``estimates_linked`` per round on the linked scale,
        ``linking``; ``linked_rounds`` (baseline first) and ``unlinked`` (round -> why it is
        not on the linked scale: no chain of forms with enough shared items).
    """
    logger = get_run_logger()
    if not measurement_config(config)["enabled"]:
        logger.info("measurement: off (measurement.enabled: false)")
        return {"enabled": False}
    rounds = [r.id for r in survey_rounds(config) if r.id in weighted]
    work = Path(weighted[rounds[0]]["path"]).parent.parent / "measurement"
    out: dict = {"enabled": True, "items": {}, "reliability": {}, "estimates_linked": {}}
    started = time.monotonic()
    instruments, graph, anchors, same_form, feasible, reason = _forms(config, ingested, rounds, out, logger)
    scored, weights, designs, frames, dif = _item_reviews(config, ingested, weighted, rounds, instruments, out, work,
                                                          logger)
    if not feasible:
        logger.warning("measurement: %s", reason)
        return _not_linked(out, dif, work, started)
    on_scale = graph.linked   # baseline first
    return _linked_or_not(config, logger, out, work, on_scale, {r: instruments[r] for r in on_scale}, anchors,
                          same_form, {r: scored[r] for r in on_scale}, {r: weights[r] for r in on_scale},
                          {r: designs[r] for r in on_scale}, {r: frames[r] for r in on_scale}, dif, started,
                          graph.parent)


def _linked_or_not(config, logger, out, work, *args) -> dict:
    """The linked half (:func:`_link_and_draw`), or, when a model fails, the result without it."""
    dif, started = args[-3], args[-2]
    try:
        return _link_and_draw(config, logger, out, work, *args)
    except (DataError, ValueError, np.linalg.LinAlgError, FloatingPointError) as exc:
        # a sample too small or too odd for the IRT models (a singular latent regression, a link
        # with no identified shift): the linked figures are not made, the change is marked not
        # comparable with the reason, and the run goes on: never a crash
        reason = f"linking failed: {exc}"
        logger.warning("measurement: %s", reason)
        for key in ("estimates_linked", "linking", "irt_items", "irt_scale", "pv_distribution"):
            out.pop(key, None)
        out["estimates_linked"] = {}
        out.update({"comparable": False, "reason": reason})
        return _not_linked(out, dif, work, started)


def _pairs(config: dict, rounds: list[str]) -> list[tuple[str, str]]:
    """The schedule's comparisons whose two rounds are on the linked scale."""
    return [(c.from_round, c.to_round) for c in comparisons(config) if c.from_round in rounds and c.to_round in rounds]


def _link_and_draw(config, logger, out, work, rounds, instruments, anchors, same_form, scored, weights, designs,
                   frames, dif, started, parent) -> dict:
    """The linked half of the measure task: calibration, cuts, plausible values, linked estimates,
    the anchor jackknife (raises on a model failure; the task turns that into "not comparable")."""
    mc = measurement_config(config)
    scale = link_forms(scored, weights, instruments, anchors, config, parent=parent)
    for note in scale.notes:
        logger.warning("IRT calibration: %s", note)
    if len(scale.drift):
        dif.append(scale.drift)   # grouping "round": each later round against its reference form
    out["dif"] = str(fio.write_parquet(pd.concat(dif, ignore_index=True, sort=False), work / "dif.parquet"))
    irt_items = irt_item_table(scale, instruments, anchors)
    out["irt_items"] = str(fio.write_parquet(irt_items, work / "irt_items.parquet"))
    groups = scale.fit.groups.copy()
    groups["group"] = groups["group"].astype(str)
    for code, theta in scale.cuts.items():
        groups[f"cut_{code}"] = theta
    groups["loglik"] = float(scale.fit.loglik)
    groups["converged"] = bool(scale.fit.converged)
    out["irt_scale"] = str(fio.write_parquet(groups, work / "irt_scale.parquet"))
    out["cuts"] = {k: float(v) for k, v in scale.cuts.items()}
    out["linked_anchors"] = len(scale.anchors)
    out["freed"] = [f"{r.item} ({r.reason})" for r in scale.freed.itertuples()]
    logger.info("IRT: concurrent calibration of %d rounds, %d anchors shared (%d freed: %s); log-likelihood %.1f, "
                "converged %s; cuts on the baseline form's scale: %s", len(rounds), len(scale.anchors),
                len(scale.freed), ", ".join(f"{r.item} ({r.reason})" for r in scale.freed.itertuples()) or "none",
                scale.fit.loglik, scale.fit.converged,
                ", ".join(f"{k} θ*={v:.3f}" for k, v in scale.cuts.items()))

    linking = None
    pairs = _pairs(config, rounds)
    if not same_form and mc["linking_error"] == "jackknife":
        linking, notes = anchor_jackknife(scale, scored, weights, instruments, designs, config, pairs=pairs)
        for note in notes:
            logger.warning("%s", note)
        out["linking"] = str(fio.write_parquet(linking, work / "linking.parquet"))
        city = linking[(linking["breakdown"] == "city") & (linking["level"] == config["scoring"]["headline"])]
        for r in city.itertuples():
            logger.info("linking error (jackknife over %d anchors): city %s change %s→%s ± %.2f points (%s share "
                        "± %.2f, %s ± %.2f)", len(scale.anchors), config["scoring"]["headline"], r.from_round,
                        r.to_round, 100 * r.se_linking, r.from_round, 100 * r.se_linking_from, r.to_round,
                        100 * r.se_linking_to)
    calibration, notes = calibration_error(scale, scored, weights, instruments, designs)
    for note in notes:
        logger.warning("%s", note)
    regressions, distributions, draws = [], [], {}
    for rid in rounds:
        items = instruments[rid]["item_id"].astype(str).tolist()
        a, d, left_out = round_parameters(scale.fit, items, rid)
        pvs, reg = plausible_values(scored[rid], a, d, frames[rid], weights[rid], config, rid)
        draws[rid] = pvs
        regressions.append(reg)
        distributions.append(pv_distribution(pvs, weights[rid], rid))
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="a domain has a single observation", category=RuntimeWarning)
            est = linked_round(designs[rid], pvs, scale.cuts, config, rid, linking=linking, role=rid,
                               calibration=None if calibration is None else calibration[rid])
        out["estimates_linked"][rid] = str(fio.write_parquet(est, work / f"estimates_linked_{rid}.parquet"))
        city = est[(est["breakdown"] == "city") & (est["level"] == config["scoring"]["headline"])].iloc[0]
        logger.info("round %s: %d plausible values; linked city share %s %.2f%% (se %.2f: sampling %.2f, of which "
                    "calibration %+.2f; imputation %.2f; fmi %.2f; anchor jackknife %.2f, not in se)", rid,
                    int(city["pv_count"]), city["level"], 100 * city["estimate"], 100 * city["se"],
                    100 * city["se_sampling"], 100 * city["se_calibration"], 100 * city["se_imputation"],
                    city["fmi"], 100 * city["se_linking"])
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="a domain has a single observation", category=RuntimeWarning)
        cal_change = change_calibration({r: designs[r] for r in rounds}, draws, calibration, scale.cuts, config,
                                        pairs=pairs)
    if cal_change is not None:
        out["calibration_change"] = str(fio.write_parquet(cal_change, work / "calibration_change.parquet"))
    out["latent_regression"] = regressions
    out["pv_distribution"] = str(fio.write_parquet(pd.concat(distributions, ignore_index=True),
                                                   work / "pv_distribution.parquet"))
    out["seconds"] = round(time.monotonic() - started, 1)
    logger.info("measurement done in %.1f s", out["seconds"])
    return out
