"""The assessment's comparison task: change between the rounds, verdicts, the headline and the
evaluator tables (rounds side by side, decomposition, part scores, small areas, the next plan).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from prefect import get_run_logger, task

from literacy.assessment import (
    add_model_columns,
    adjust_multiple_comparisons,
    change_and_verdicts,
    change_linked_table,
    comparisons,
    evaluator_tables,
    headline_change,
    headline_truth,
    headline_truth_linked,
    linked_headline,
    linking_note,
    plan_inputs,
    refused_change_linked,
    response_rates,
    round_roles,
    rounds_comparable,
    sample_plan,
    small_area_table,
    truth_check,
    truth_check_linked,
    trend_table,
)
from literacy.decomposition import decompose_change
from literacy_flows.ingest import io as fio
from literacy_flows.pipeline.work import TASK_OPTIONS, read_work, round_dir
from literacy_flows.report import workbook as rep

__all__ = ["compare", "change_linked"]


def change_linked(config: dict, measured: dict, change: pd.DataFrame, comparable: bool) -> pd.DataFrame:
    """``assessment/change_linked.csv``: the linked change, or, when linking was refused, every domain
    with the change blank, ``comparable`` false and the reason.

    Parameters
    ----------
    config : dict
        The validated config.
    measured : dict
        The measurement stage's result (the linked estimates' and linking tables' paths).
    change : DataFrame
        The raw-score change table.
    comparable : bool
        The rounds' comparability (``literacy.assessment.rounds_comparable``).

    Returns
    -------
    DataFrame
    """
    if measured.get("comparable", comparable) and len(measured.get("estimates_linked", {})) >= 2:
        linked = {rid: read_work(p) for rid, p in measured["estimates_linked"].items()}
        linking = read_work(measured["linking"]) if "linking" in measured else None
        calibration = read_work(measured["calibration_change"]) if "calibration_change" in measured else None
        return change_linked_table(linked, linking, change, config, comparable, linking_note(measured),
                                   calibration=calibration, comparisons=comparisons(config),
                                   unlinked=measured.get("unlinked"))
    return refused_change_linked(change, measured.get("reason"))


def _decomposition(config: dict, estimated: dict, logger) -> dict[str, pd.DataFrame]:
    base_id, end_id = round_roles(config)
    if not (base_id in estimated and end_id in estimated):
        return {}
    summary, detail = decompose_change(read_work(estimated[base_id]["cells"]), read_work(estimated[end_id]["cells"]),
                                       config)
    lv = summary.set_index("level").loc[config["scoring"]["headline"]]
    logger.info("Kitagawa decomposition of the city's change (%s): %s points, of which composition %s "
                "(%.0f%%) and rates within education x age-band cells %s (%.0f%%)", lv.name,
                rep.fmt_pp(lv["change"], 2), rep.fmt_pp(lv["composition"], 2), 100 * lv["composition_share"],
                rep.fmt_pp(lv["rate"], 2), 100 * lv["rate_share"])
    return {"decomposition": summary, "decomposition_detail": detail}


def _round_tables(config: dict, estimated: dict) -> dict[str, pd.DataFrame]:
    """The part scores and, when every round has them, the drivers' tables, the rounds stacked."""
    tables = {"part_scores": pd.concat([read_work(estimated[rid]["parts"]) for rid in estimated], ignore_index=True)}
    for name in ("determinants", "associations"):   # what drives literacy, per round
        if all(name in e for e in estimated.values()):
            tab = pd.concat([read_work(estimated[rid][name]) for rid in estimated], ignore_index=True)
            if name == "associations":   # BH within each round: the breakdowns tested together
                tab = adjust_multiple_comparisons(tab, config, family=("round",))
            tables[name] = tab
    return tables


def _small_area(config: dict, rounds: dict, estimated: dict, tables: dict, logger) -> None:
    if not all("sae_direct" in e for e in estimated.values()):
        return
    direct = pd.concat([read_work(estimated[rid]["sae_direct"]) for rid in estimated], ignore_index=True)
    delivered = {rid: read_work(rounds[rid]["area_covariates"]) for rid in estimated
                 if "area_covariates" in rounds[rid]}
    small, sa_notes = small_area_table(direct, {rid: read_work(rounds[rid]["margins"]) for rid in estimated}, config,
                                       covariates=delivered)
    for note in sa_notes:
        logger.warning("small area: %s", note)
    tables["small_area"] = small
    if "district_groups" in tables:
        tables["district_groups"] = add_model_columns(tables["district_groups"], small, config)
    shown = small[small["level"] == config["scoring"]["headline"]]
    logger.info("small area: %d cells modelled; %d published as model-based (%s), %d direct, %d without a figure",
                len(shown), int((shown["source"] == "model").sum()), "模型估计", int((shown["source"] == "direct").sum()),
                int((shown["source"] == "none").sum()))


def _sample_plan(config: dict, rounds: dict, estimated: dict, tables: dict, logger) -> None:
    _, end_id = round_roles(config)
    if end_id not in estimated:
        return
    inputs, plan_notes = plan_inputs(read_work(estimated[end_id]["plan_estimates"]),
                                     read_work(estimated[end_id]["takes"]),
                                     response_rates(read_work(rounds[end_id]["sample"]), config), config, end_id)
    for note in plan_notes:
        logger.warning("%s", note)
    tables["sample_plan"] = sample_plan(inputs, config)


def _truth_checks(est: pd.DataFrame, rounds: dict, tables: dict, measured: dict | None, head: dict, out: dict,
                  work: Path, logger) -> None:
    """Simulated data only: the estimates (and the linked ones) beside the population's true values."""
    if not all("truth" in t for t in rounds.values()):
        return
    check = truth_check(est, {rid: read_work(t["truth"]) for rid, t in rounds.items()})
    out["truth_check"] = str(fio.write_parquet(check, work / "assessment" / "truth_check.parquet"))
    out["rows"]["truth_check"] = len(check)
    head.update(headline_truth(check, head))
    logger.info("simulated data: %d of %d confidence intervals cover the true population value (%.1f%%; "
                "suppressed cells left out; the planted fieldwork errors, when simulation.fieldwork_errors is on, "
                "bias the domains of the interviewers whose respondents score too high)", int(check["covered"].sum()),
                int(check["covered"].notna().sum()), 100 * float(check["covered"].mean()))
    if "change_linked" not in tables or not measured or len(measured.get("estimates_linked", {})) < 2:
        return
    truths = {rid: read_work(t["truth"]) for rid, t in rounds.items()}
    if all("rate_linked" in tr.columns for tr in truths.values()):
        linked = pd.concat([read_work(p) for p in measured["estimates_linked"].values()], ignore_index=True)
        lcheck = truth_check_linked(linked, tables["change_linked"], truths)
        out["truth_check_linked"] = str(fio.write_parquet(lcheck, work / "assessment" / "truth_check_linked.parquet"))
        out["rows"]["truth_check_linked"] = len(lcheck)
        head.update(headline_truth_linked(lcheck, head))
        logger.info("simulated data, linked scale: %d of %d intervals cover the true share above θ* or its change",
                    int(lcheck["covered"].sum()), int(lcheck["covered"].notna().sum()))


def _comparison_tables(config: dict, ingested: dict, estimated: dict, measured: dict | None, est: pd.DataFrame,
                       change: pd.DataFrame, verdicts: pd.DataFrame, head: dict, comparable: bool,
                       logger) -> dict[str, pd.DataFrame]:
    """The evaluator tables of the comparison, in the workbook's order."""
    pair = headline_change(change, config)   # the baseline and the assessed round
    tables = evaluator_tables(est, pair, verdicts, config, comparable=comparable)
    tables["trend"] = trend_table(est, config)
    if measured and measured.get("enabled"):
        tables["change_linked"] = change_linked(config, measured, pair, comparable)
        unlinked = [rid for rid in estimated if rid not in measured.get("estimates_linked", {})]
        if unlinked and measured.get("estimates_linked"):   # degrade clearly: a note, not a crash
            logger.warning("round(s) %s have no linked (IRT) figures: the measurement stage linked %s; their "
                           "raw-score estimates, changes and trend are published, their linked figures are not",
                           ", ".join(unlinked), ", ".join(measured["estimates_linked"]))
        head.update(linked_headline(tables["change_linked"], measured, config))
    tables.update(_decomposition(config, estimated, logger))
    tables.update(_round_tables(config, estimated))
    rounds = ingested["work"]["rounds"]
    _small_area(config, rounds, estimated, tables, logger)
    _sample_plan(config, rounds, estimated, tables, logger)
    return tables


@task(name="compare", **TASK_OPTIONS)
def compare(config: dict, ingested: dict, estimated: dict[str, dict], measured: dict | None = None) -> dict:
    """Change between rounds, verdicts against the target and the national rate, the headline,
    and the evaluator tables (rounds side by side, decomposition, part scores).

    A change resting on a suppressed estimate is blanked, and so is a verdict on one.
    """
    logger = get_run_logger()
    est = pd.concat([read_work(estimated[rid]["path"]) for rid in estimated], ignore_index=True)
    # one form, or forms with enough anchors to link (and linked when they differ): the rounds can be compared
    comparable = rounds_comparable(ingested["forms"]["linking_feasible"], measured)
    change, verdicts, head = change_and_verdicts(est, config, comparable)
    work = round_dir(next(iter(ingested["work"]["rounds"].values()))).parent  # <processed>/_work
    out = {
        "change": str(fio.write_parquet(change, work / "assessment" / "change.parquet")),
        "verdicts": str(fio.write_parquet(verdicts, work / "assessment" / "verdicts.parquet")),
        "rows": {"change": len(change), "verdicts": len(verdicts)},
    }
    tables = _comparison_tables(config, ingested, estimated, measured, est, change, verdicts, head, comparable, logger)
    out["tables"] = {name: str(fio.write_parquet(df, work / "assessment" / f"{name}.parquet"))
                     for name, df in tables.items()}
    out["rows"].update({name: len(df) for name, df in tables.items()})
    _truth_checks(est, ingested["work"]["rounds"], tables, measured, head, out, work, logger)
    out["headline"] = head
    logger.info("%s", rep.headline_text(head, config, "en"))
    return out
