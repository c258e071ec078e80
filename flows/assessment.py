"""The assessment flow (Prefect 3): ingest -> validate -> score -> weight -> estimate -> compare -> report
-> evaluation-report -> notebooks.

Each task calls the ``literacy`` package and hands the next task file paths and small
values, never DataFrames: intermediate tables are Parquet files in ``<processed>/_work/``
(removed when the run succeeds). ``ingest`` and ``validate`` are cached on the delivery's
content (input files' sha256, config, package version; ``literacy_flows.ingest``); the other
tasks are not cached (``NO_CACHE``). The same delivery and config give byte-identical outputs.
Outputs are written into a staging folder beside ``<processed>/`` and swapped in when the run
completes, so a failed run leaves the previous outputs untouched.

Outputs under ``<processed>/``::

    <round>/estimates.csv, estimates.parquet, weights_diagnostics.csv, weights_margins.csv,
            nonresponse_classes.csv, propensity_model.csv (propensity method only),
            item_responses.parquet (per respondent and item, for the notebooks' item analysis),
            quarantine.csv (the rows left out, with line, column, masked value and reason)
    assessment/change.csv, change.parquet, verdicts.csv, verdicts.parquet, headline.csv,
               assessment.xlsx, truth_check.csv (simulated data only),
               and the evaluator tables (.csv and .parquet): headline_levels, districts, key_groups,
               demographics, district_groups, decomposition, decomposition_detail, part_scores,
               scorecard, methodology; report_zh.docx, report_en.docx, report_zh.pdf (LibreOffice only)
    notebooks/<name>.ipynb, <name>.html (the executed reviewer notebooks), <name>_report.html (no code)
    manifest.json
"""

from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.futures import wait as wait_all

from literacy.errors import LiteracyError
from literacy_flows import deliverables as fdl
from literacy_flows import ingest as fin
from literacy_flows import io as fio
from literacy_flows import report as rep
from literacy_flows.measurement import measure
from literacy_flows.numerics import numeric_environment, single_blas_thread

__all__ = ["assessment_flow", "run_assessment", "ingest", "validate", "score", "weight", "estimate", "compare",
           "report", "evaluation_report", "notebooks", "WORK_DIR"]

WORK_DIR = "_work"
MANIFEST_VERSION = 1
_TASK = dict(cache_policy=NO_CACHE, persist_result=False, retries=0)


def _read(path: str) -> pd.DataFrame:
    return pd.read_parquet(path)


def _work(out_dir: str | Path) -> Path:
    return Path(out_dir) / WORK_DIR


# --------------------------------------------------------------------------- tasks
@task(name="ingest", cache_key_fn=fin.ingest_cache_key, persist_result=True, result_serializer="json",
      retries=0)
def ingest(config: dict, raw_dir: str) -> dict:
    """Read the delivery in any supported format, drop identifiers, quarantine bad rows, type the rest.

    Cached on the delivery's content (``literacy_flows.ingest.ingest_cache_key``: every
    input file's sha256, the config without its paths, the package version and the ingest
    code), never on DataFrames: a rerun on unchanged inputs reuses the stored tables. Stops
    on a file-level problem and when a file's quarantined share exceeds
    ``ingest.max_quarantine_share``.

    Returns
    -------
    dict
        The JSON description of the stored tables (``literacy_flows.ingest.ingest_delivery``);
        the flow copies them into ``<out>/_work/`` (``materialise``).
    """
    logger = get_run_logger()
    result = fin.ingest_delivery(config, raw_dir)
    logger.info("read %d files from %s (key %s)", len(result["inputs"]), fio.shown(raw_dir), result["key"][:12])
    return result


@task(name="validate", cache_key_fn=fin.validate_cache_key, persist_result=True, result_serializer="json",
      retries=0)
def validate(config: dict, ingested: dict) -> dict:
    """Check every kept table against its pandera schema, and the respondents against the sample.

    Cached with the ingest task's content key. Returns the number of rows validated per input
    file (paths relative to the delivery).
    """
    logger = get_run_logger()
    rows = fin.validate_staged(config, ingested)
    logger.info("validated %d files (%d rows) against their schemas", len(rows), sum(rows.values()))
    return rows


def _log_ingest(ingested: dict, cached: bool, config: dict, raw_dir: str) -> None:
    """The delivery's summary (formats, encodings, quarantine, dropped columns) in the flow's log."""
    logger = get_run_logger()
    if cached:
        logger.info("ingest: reusing the stored reading of this delivery (same input files, config and package "
                    "version; key %s)", ingested["key"][:12])
    logger.info("delivery summary:\n%s", "\n".join(ingested["summary_lines"]))
    for q in ingested["quarantine_files"]:
        logger.info("%s: %d quarantine listing row(s)", q["file"], q["rows"])
    if "scorecard" not in ingested["work"]:
        logger.info("no %s in the delivery: the scorecard reads 'no report' for every indicator",
                    fio.shown(fdl.scorecard_path(raw_dir, config)))


@task(name="score", task_run_name="score-{round_id}", **_TASK)
def score(config: dict, ingested: dict, round_id: str) -> dict:
    """Score one round's respondents on the round's questionnaire form and add the derived
    analysis variables.

    Writes ``_work/<round>/scored.parquet``: the responses' non-item columns, the part
    scores, total, don't-know / skipped counts, the 0/1 level columns, ``age_band`` and the
    ``group_<code>`` indicators.
    """
    from literacy.domains import add_derived
    from literacy.scoring import score_responses

    logger = get_run_logger()
    tables = ingested["work"]["rounds"][round_id]
    responses = _read(tables["responses"])
    instrument = _read(ingested["work"]["instruments"][round_id])   # the round's own form, else the top-level one
    items = instrument["item_id"].astype(str).tolist()
    scores = score_responses(responses, instrument, config["scoring"])
    data = pd.concat([responses.drop(columns=items), scores], axis=1)
    data = add_derived(data, config)
    path = fio.write_parquet(data, _work_from(tables) / "scored.parquet")
    headline = config["scoring"]["headline"]
    logger.info("round %s: scored %d respondents; mean score %.1f, unweighted share %s %.1f%%, don't know %.1f%%, "
                "skipped %.1f%%", round_id, len(data), float(data["score"].mean()), headline,
                100 * float(data[headline].mean()), 100 * float(data["dont_know_share"].mean()),
                100 * float(data["skipped_share"].mean()))
    return {"path": str(path), "rows": len(data)}


def _work_from(tables: dict) -> Path:
    return Path(tables["responses"]).parent


def _nonresponse_classes(result, round_id: str, config: dict) -> pd.DataFrame:
    """The nonresponse adjustment's class table with the round and the method in front."""
    table = result.nonresponse_report.copy()
    table.insert(0, "method", config["weighting"]["nonresponse"]["method"])
    table.insert(0, "round", round_id)
    return table


@task(name="weight", task_run_name="weight-{round_id}", **_TASK)
def weight(config: dict, ingested: dict, round_id: str, scored: dict) -> dict:
    """The configured weighting chain of one round (``literacy.weighting.weight_round``).

    Base weights, nonresponse adjustment (weighting classes or response-propensity classes),
    raking, and optionally trimming with re-raking, as set in the config's ``weighting``.
    Writes ``_work/<round>/weighted.parquet`` (the scored data with ``weight_nonresponse``
    and the final ``weight``), the diagnostics, the margins achieved at every stage, the
    raking targets and the calibration steps the ``estimate`` task replays on the design.
    """
    from literacy.weighting import weight_round

    logger = get_run_logger()
    tables = ingested["work"]["rounds"][round_id]
    sample, margins = _read(tables["sample"]), _read(tables["margins"])
    data = _read(scored["path"])
    where = str(Path(ingested["shown"]["rounds"][round_id]["responses"]).parent)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = weight_round(sample, data, margins, config)
        except LiteracyError as exc:
            raise type(exc)(f"{where}: {exc}") from None
    for w in caught:
        logger.warning("round %s weighting: %s", round_id, w.message)
    data["weight_nonresponse"] = result.nonresponse_weights.to_numpy(dtype=float)
    data["weight"] = result.weights.to_numpy(dtype=float)
    work = _work_from(tables)
    diagnostics = result.diagnostics.copy()
    diagnostics.insert(0, "round", round_id)
    margins_table = result.margins.copy()
    margins_table.insert(0, "round", round_id)
    out = {
        "path": str(fio.write_parquet(data, work / "weighted.parquet")),
        "diagnostics": str(fio.write_parquet(diagnostics, work / "weights_diagnostics.parquet")),
        "margins": str(fio.write_parquet(margins_table, work / "weights_margins.parquet")),
        "targets": str(fio.write_json(result.raking_targets, work / "raking_targets.json")),
        "steps": str(fio.write_json(result.calibration_steps, work / "calibration_steps.json")),
        "classes": str(fio.write_parquet(_nonresponse_classes(result, round_id, config),
                                         work / "nonresponse_classes.parquet")),
        "rows": {"sample": len(sample), "respondents": len(data),
                 "nonrespondents": int((sample["responded"].to_numpy(dtype=float, na_value=np.nan) != 1).sum())},
    }
    if len(result.propensity_model):
        model = result.propensity_model.copy()
        model.insert(0, "round", round_id)
        out["propensity_model"] = str(fio.write_parquet(model, work / "propensity_model.parquet"))
        logger.info("round %s: response-propensity model (logit of responding, base-weighted):\n%s\nclasses:\n%s",
                    round_id, result.propensity_model.to_string(index=False, float_format=lambda x: f"{x:.4g}"),
                    result.nonresponse_report.to_string(index=False, float_format=lambda x: f"{x:.4g}"))
    for stage in diagnostics["stage"].unique():
        c = diagnostics[(diagnostics["stage"] == stage) & (diagnostics["domain"] == "all")].iloc[0]
        logger.info("round %s, %s: n %d, weights sum %.0f, weighting deff %.2f, max/min %.1f, %d trimmed", round_id,
                    stage, c["n"], c["sum_weights"], c["deff_weighting"], c["max_min_ratio"], c["n_trimmed"])
    return out


@task(name="estimate", task_run_name="estimate-{round_id}", **_TASK)
def estimate(config: dict, round_id: str, weighted: dict) -> dict:
    """Design-based shares at every level for the city, breakdowns and key groups.

    The design is the round's stratified cluster design (strata, PSUs) with the
    nonresponse-adjusted weights, on which the weighting chain's calibration steps are
    replayed (raking, and trimming then re-raking when configured), so the design carries
    the final weights and the Taylor standard errors account for the raking (Lumley 2010,
    7.3; R's ``rake()`` then ``svyciprop``). Trimming keeps the calibration, as R's
    ``trimWeights()``: after a final trim the SEs are those of the last raking.

    Every share is flagged by the NCHS Data Presentation Standards for Proportions on its
    Korn–Graubard interval, and small (or unreliable, per ``reporting``) cells are blanked
    (``literacy.reliability``). Also writes the mean score per questionnaire part by
    district and group, and the education x age-band cells of the decomposition.
    """
    from literacy.assessment import estimate_round
    from literacy_flows.designs import calibrated_design
    from literacy.decomposition import cell_rates
    from literacy.deliverables import design_facts, part_means
    from literacy.reliability import flag_estimates
    from literacy.planning import domain_takes
    from literacy.sae.assessment import direct_cells, small_area_config

    logger = get_run_logger()
    # estimation.method: Taylor, or replicates each calibrated again by the replayed steps
    data, taylor, design = calibrated_design(config, round_id, weighted)
    final = data["weight"].to_numpy(dtype=float)
    if not np.allclose(design.weights, final, rtol=1e-6, atol=0):
        worst = float(np.max(np.abs(design.weights / final - 1)))
        logger.warning("round %s: calibrated design weights differ from the weighting chain's by up to %.2g "
                       "(relative)", round_id, worst)
    with warnings.catch_warnings():
        # single-respondent domains (small crossings) have no SE; they are suppressed below
        warnings.filterwarnings("ignore", message="a domain has a single observation", category=RuntimeWarning)
        est = estimate_round(design, config, round_id)
        # the NCHS reliability flags read the Korn–Graubard interval, from the engine (svyciprop "beta")
        kg = estimate_round(design, {**config, "estimation": {**config["estimation"], "ci": "beta"}}, round_id)
        parts = part_means(design, config, round_id)
    headline_rows = est[(est["level"] == config["scoring"]["headline"])
                        & est["breakdown"].isin(["city", "district", "group"])]   # before suppression: for planning
    est = flag_estimates(est, kg, config)
    work = Path(weighted["path"]).parent
    path = fio.write_parquet(est, work / "estimates.parquet")
    head = est[(est["breakdown"] == "city") & (est["level"] == config["scoring"]["headline"])].iloc[0]
    logger.info("round %s: %d estimates; city %s %s (%s to %s), n = %d, deff %.2f, df %s", round_id, len(est),
                head["level"], rep.fmt_pct(head["estimate"], 2), rep.fmt_pct(head["ci_low"], 2),
                rep.fmt_pct(head["ci_high"], 2), int(head["n"]), float(head["deff"]), head["df"])
    counts = est["reliability"].value_counts()
    logger.info("round %s: NCHS reliability: %d present, %d for statistical review, %d not to present; %d cells "
                "suppressed (blank)", round_id, int(counts.get("present", 0)), int(counts.get("review", 0)),
                int(counts.get("suppress", 0)), int(est["suppressed"].sum()))
    out = {"path": str(path), "rows": len(est),
           "parts": str(fio.write_parquet(parts, work / "part_scores.parquet")),
            "cells": str(fio.write_parquet(cell_rates(design, config, round_id), work / "decomposition_cells.parquet")),
            "facts": {**design_facts(taylor), "variance": config["estimation"]["method"],
                      "replicates": int(getattr(design, "replicates", 0)), "df": int(design.degf())}}
    out.update(_analysis(design, config, round_id, work, logger))
    out["takes"] = str(fio.write_parquet(domain_takes(data, config), work / "domain_takes.parquet"))
    out["plan_estimates"] = str(fio.write_parquet(headline_rows.reset_index(drop=True), work / "plan_estimates.parquet"))
    if small_area_config(config)["enabled"]:
        # the small-area model's inputs: direct estimates of the modelled cells, full design
        out["sae_direct"] = str(fio.write_parquet(direct_cells(design, config, round_id),
                                                  work / "sae_direct.parquet"))
    return out


def _analysis(design, config: dict, round_id: str, work: Path, logger) -> dict:
    """What drives literacy in one round: the design-based logistic regression of the headline level
    (odds ratios) and the Rao–Scott tests of the literacy level against each breakdown (docs/methods/determinants.md:
    "What drives literacy"). A model that cannot be fitted (perfect separation in a tiny delivery,
    a constant covariate) is logged and left out with its reason, never a crash."""
    from literacy.errors import DesignError
    from literacy.models.assessment_tables import associations_table, determinants_table
    from literacy.models.config import analysis_config

    ac = analysis_config(config)
    if not ac["enabled"]:
        return {}
    out = {}
    conf = float(config["estimation"]["level"])
    from literacy.config_values import check_columns

    covs = check_columns(ac["covariates"], design.data.columns, "analysis.determinants.covariates",
                         "covariates" in ac["configured"])
    breakdowns = check_columns(ac["breakdowns"], design.data.columns, "analysis.associations.breakdowns",
                               "breakdowns" in ac["configured"])
    try:
        det = determinants_table(design, config["scoring"]["headline"], covs, round_id, level=conf)
        det["note"] = None
        if len(det) and not (det["df"].to_numpy(dtype=float) >= 1).all():
            # residual df = design df - p + 1 (R's svyglm): too few PSUs for this many coefficients
            raise DesignError(f"the design has {design.degf()} degrees of freedom, too few for the model's "
                              f"{len(det)} coefficients (residual df {int(det['df'].iloc[0])})")
    except DesignError as exc:
        logger.warning("round %s: the determinants model was not fitted: %s", round_id, exc)
        det = pd.DataFrame([{"round": str(round_id), "term": None, "variable": None, "level": None,
                             "reference": None, "note": f"model not fitted: {exc}"}])
    det_columns = ["round", "term", "variable", "level", "reference", "estimate", "se", "odds_ratio", "or_ci_low",
                   "or_ci_high", "p_value", "df", "note"]
    det = det.reindex(columns=det_columns)   # a note row has every column (blank), in the table's order
    for c in ("estimate", "se", "odds_ratio", "or_ci_low", "or_ci_high", "p_value", "df"):
        det[c] = det[c].astype(float)
    for c in ("term", "variable", "level", "reference", "note"):
        det[c] = det[c].astype(object).where(det[c].notna(), None)
    out["determinants"] = str(fio.write_parquet(det, work / "determinants.parquet"))
    rows = []
    for b in breakdowns:   # a handful of tests
        try:
            r = associations_table(design, "level_class", [b]).assign(note=None)
        except DesignError as exc:
            r = pd.DataFrame([{"breakdown": b, "note": f"test not computed: {exc}"}])
        rows.append(r)
    assoc = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(
        [{"breakdown": "none", "note": "no breakdown to test: none of the variables is in the data"}])
    assoc.insert(0, "round", str(round_id))
    assoc.insert(2, "outcome", "level_class")
    out["associations"] = str(fio.write_parquet(assoc, work / "associations.parquet"))
    return out


def _truth_check(est: pd.DataFrame, truths: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Estimates beside the simulated population values: error and whether the CI covers the truth."""
    frames = []
    for rid, truth in truths.items():
        t = truth.assign(round=rid)[["round", "breakdown", "domain", "level", "rate"]].rename(columns={"rate": "truth"})
        t = t.astype({"round": str, "breakdown": str, "domain": str, "level": str})
        frames.append(t)
    truth = pd.concat(frames, ignore_index=True)
    keys = ["round", "breakdown", "domain", "level"]
    base = est[keys + ["label_zh", "label_en", "estimate", "ci_low", "ci_high", "n"]].astype(
        {k: str for k in keys})
    out = base.merge(truth, on=keys, how="inner", validate="one_to_one")
    out["error"] = out["estimate"] - out["truth"]
    covered = (out["ci_low"] <= out["truth"]) & (out["truth"] <= out["ci_high"])
    # a suppressed estimate (blank) neither covers nor misses: NA
    out["covered"] = pd.array(covered.to_numpy(), dtype="boolean")
    out.loc[out["estimate"].isna().to_numpy(), "covered"] = pd.NA
    return out


@task(name="compare", **_TASK)
def compare(config: dict, ingested: dict, estimated: dict[str, dict], measured: dict | None = None) -> dict:
    """Change between rounds, verdicts against the target and the national rate, the headline,
    and the evaluator tables (rounds side by side, decomposition, part scores).

    A change resting on a suppressed estimate is blanked, and so is a verdict on one.
    """
    from literacy.assessment import adjust_multiple_comparisons, compare_rounds, headline, target_verdicts
    from literacy.deliverables import add_model_columns, response_rates
    from literacy.planning import plan_inputs, sample_plan
    from literacy.sae.assessment import small_area_table
    from literacy.decomposition import decompose_change
    from literacy.assessment import round_roles
    from literacy.deliverables import evaluator_tables, finish_verdicts
    from literacy.reliability import propagate_suppression

    logger = get_run_logger()
    est = pd.concat([_read(estimated[rid]["path"]) for rid in estimated], ignore_index=True)
    base_id, end_id = round_roles(config)
    change = compare_rounds(est, config)
    change = propagate_suppression(change, est, {base_id: "baseline", end_id: "end-of-period"},
                                   ["change", "se", "ci_low", "ci_high", "df", "p_value"])
    change = adjust_multiple_comparisons(change, config)   # BH within each breakdown and level
    # one form, or forms with enough anchors to link: the rounds can be compared
    comparable = bool(ingested["forms"]["linking_feasible"])
    if measured and measured.get("enabled") and not measured.get("same_form", True) \
            and not measured.get("comparable", True):
        comparable = False   # different forms and the link could not be made (see change_linked's note)
    verdicts = finish_verdicts(target_verdicts(est, change, config), est, config, comparable=comparable)
    head = headline(est, change, verdicts, config)
    head["comparable"] = comparable
    work = _work_from(next(iter(ingested["work"]["rounds"].values()))).parent  # <processed>/_work
    out = {
        "change": str(fio.write_parquet(change, work / "assessment" / "change.parquet")),
        "verdicts": str(fio.write_parquet(verdicts, work / "assessment" / "verdicts.parquet")),
        "rows": {"change": len(change), "verdicts": len(verdicts)},
    }
    tables = evaluator_tables(est, change, verdicts, config, comparable=comparable)
    if measured and measured.get("enabled"):
        linked_tab = _change_linked(config, ingested, measured, change, comparable)
        tables["change_linked"] = linked_tab
        head.update(_linked_headline(linked_tab, measured, config))
    if base_id in estimated and end_id in estimated:
        summary, detail = decompose_change(_read(estimated[base_id]["cells"]), _read(estimated[end_id]["cells"]),
                                           config)
        tables.update({"decomposition": summary, "decomposition_detail": detail})
        lv = summary.set_index("level").loc[config["scoring"]["headline"]]
        logger.info("Kitagawa decomposition of the city's change (%s): %s points, of which composition %s "
                    "(%.0f%%) and rates within education x age-band cells %s (%.0f%%)", lv.name,
                    rep.fmt_pp(lv["change"], 2), rep.fmt_pp(lv["composition"], 2), 100 * lv["composition_share"],
                    rep.fmt_pp(lv["rate"], 2), 100 * lv["rate_share"])
    tables["part_scores"] = pd.concat([_read(estimated[rid]["parts"]) for rid in estimated], ignore_index=True)
    for name in ("determinants", "associations"):   # what drives literacy, per round
        if all(name in e for e in estimated.values()):
            tab = pd.concat([_read(estimated[rid][name]) for rid in estimated], ignore_index=True)
            if name == "associations":   # BH within each round: the breakdowns tested together
                tab = adjust_multiple_comparisons(tab, config, family=("round",))
            tables[name] = tab
    rounds = ingested["work"]["rounds"]
    if all("sae_direct" in e for e in estimated.values()):
        direct = pd.concat([_read(estimated[rid]["sae_direct"]) for rid in estimated], ignore_index=True)
        delivered = {rid: _read(rounds[rid]["area_covariates"]) for rid in estimated
                     if "area_covariates" in rounds[rid]}
        small, sa_notes = small_area_table(direct, {rid: _read(rounds[rid]["margins"]) for rid in estimated}, config,
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
    if end_id in estimated:
        inputs, plan_notes = plan_inputs(_read(estimated[end_id]["plan_estimates"]), _read(estimated[end_id]["takes"]),
                                         response_rates(_read(rounds[end_id]["sample"]), config), config, end_id)
        for note in plan_notes:
            logger.warning("%s", note)
        tables["sample_plan"] = sample_plan(inputs, config)
    out["tables"] = {name: str(fio.write_parquet(df, work / "assessment" / f"{name}.parquet"))
                     for name, df in tables.items()}
    out["rows"].update({name: len(df) for name, df in tables.items()})
    if all("truth" in t for t in rounds.values()):
        check = _truth_check(est, {rid: _read(t["truth"]) for rid, t in rounds.items()})
        out["truth_check"] = str(fio.write_parquet(check, work / "assessment" / "truth_check.parquet"))
        out["rows"]["truth_check"] = len(check)
        city = check[(check["breakdown"] == "city") & (check["level"] == head["level"])
                     & (check["round"] == head["endline_round"])]
        if len(city):
            head["truth"] = float(city["truth"].iloc[0])
            covered = city["covered"].iloc[0]
            head["truth_covered"] = None if pd.isna(covered) else bool(covered)   # None: suppressed
        logger.info("simulated data: %d of %d confidence intervals cover the true population value (%.1f%%; "
                    "suppressed cells left out)", int(check["covered"].sum()), int(check["covered"].notna().sum()),
                    100 * float(check["covered"].mean()))
    if "change_linked" in tables and all("truth" in t for t in rounds.values()) and measured \
            and len(measured.get("estimates_linked", {})) >= 2:
        truths = {rid: _read(t["truth"]) for rid, t in rounds.items()}
        if all("rate_linked" in tr.columns for tr in truths.values()):
            linked = pd.concat([_read(p) for p in measured["estimates_linked"].values()], ignore_index=True)
            lcheck = _truth_check_linked(linked, tables["change_linked"], truths)
            out["truth_check_linked"] = str(fio.write_parquet(lcheck, work / "assessment" / "truth_check_linked.parquet"))
            out["rows"]["truth_check_linked"] = len(lcheck)
            ch = lcheck[(lcheck["kind"] == "change") & (lcheck["breakdown"] == "city") & (lcheck["level"] == head["level"])]
            if len(ch) and pd.notna(ch["covered"].iloc[0]):
                head["truth_linked_change"] = float(ch["truth"].iloc[0])
                head["truth_linked_change_covered"] = bool(ch["covered"].iloc[0])
            logger.info("simulated data, linked scale: %d of %d intervals cover the true share above θ* or its change",
                        int(lcheck["covered"].sum()), int(lcheck["covered"].notna().sum()))
    out["headline"] = head
    logger.info("%s", rep.headline_text(head, config, "en"))
    return out


def _truth_check_linked(linked: pd.DataFrame, change: pd.DataFrame, truths: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Linked-scale shares and changes beside the simulated population's true shares above θ*."""
    keys = ["breakdown", "domain", "level"]
    tr = pd.concat([t.assign(round=rid) for rid, t in truths.items()], ignore_index=True)
    tr = tr.astype({k: str for k in keys + ["round"]})
    share = linked[["round"] + keys + ["estimate", "ci_low", "ci_high"]].astype({k: str for k in keys + ["round"]})
    share = share.merge(tr[["round"] + keys + ["rate_linked"]], on=["round"] + keys, how="inner")
    share = share.rename(columns={"rate_linked": "truth"}).assign(kind="share")
    rid = list(truths)
    wide = tr.pivot_table(index=keys, columns="round", values="rate_linked")
    true_change = (wide[rid[-1]] - wide[rid[0]]).rename("truth").reset_index()
    ch = change[keys + ["change", "ci_low", "ci_high"]].rename(columns={"change": "estimate"}).astype({k: str for k in keys})
    ch = ch.merge(true_change, on=keys, how="inner").assign(kind="change", round=f"{rid[0]}-{rid[-1]}")
    out = pd.concat([share, ch], ignore_index=True)[["kind", "round"] + keys + ["estimate", "ci_low", "ci_high", "truth"]]
    out["error"] = out["estimate"] - out["truth"]
    covered = (out["ci_low"] <= out["truth"]) & (out["truth"] <= out["ci_high"])
    out["covered"] = pd.array(covered.to_numpy(), dtype="boolean")
    out.loc[out["estimate"].isna().to_numpy(), "covered"] = pd.NA
    return out


def _change_linked(config: dict, ingested: dict, measured: dict, change: pd.DataFrame, comparable: bool) -> pd.DataFrame:
    """``assessment/change_linked.csv``: the linked change, or, when linking was refused, every domain
    with the change blank, ``comparable`` false and the reason."""
    from literacy.measurement.assessment import CHANGE_LINKED_COLUMNS, change_linked_table

    if measured.get("comparable", comparable) and len(measured.get("estimates_linked", {})) >= 2:
        linked = {rid: _read(p) for rid, p in measured["estimates_linked"].items()}
        linking = _read(measured["linking"]) if "linking" in measured else None
        note = ("one questionnaire form for both rounds: the link is exact (no linking error)" if measured["same_form"]
                else f"linked through {measured['linked_anchors']} of {measured['anchors']} anchor items"
                     + (f" (given round-specific parameters: {', '.join(measured['freed'])})" if measured["freed"] else "")
                     + "; linking error by a jackknife over the linking anchors")
        calibration = _read(measured["calibration_change"]) if "calibration_change" in measured else None
        return change_linked_table(linked, linking, change, config, comparable, note, calibration=calibration)
    cols = ["breakdown", "domain", "label_zh", "label_en", "level", "baseline_round", "endline_round"]
    out = change[cols].copy()
    for c in CHANGE_LINKED_COLUMNS:
        if c not in out:
            out[c] = np.nan
    out["raw_change"] = change["change"].to_numpy(dtype=float)
    out["significant_bh"] = pd.array([pd.NA] * len(out), dtype="boolean")
    out["comparable"] = False
    out["note"] = measured.get("reason") or "linking refused"
    out["suppressed"] = False
    out["suppression_reason"] = None
    return out[CHANGE_LINKED_COLUMNS].reset_index(drop=True)


def _linked_headline(linked: pd.DataFrame, measured: dict, config: dict) -> dict:
    """The city's headline figures on the linked scale (for the headline's extra sentence)."""
    level = config["scoring"]["headline"]
    city = linked[(linked["breakdown"] == "city") & (linked["level"] == level)]
    if not len(city):
        return {}
    r = city.iloc[0]
    if not bool(r["comparable"]):
        return {"linked_comparable": False, "linked_reason": str(r["note"])}
    return {"linked_comparable": True, "linked_baseline": float(r["baseline"]), "linked_endline": float(r["endline"]),
            "linked_change": float(r["change"]), "linked_change_ci_low": float(r["ci_low"]),
            "linked_change_ci_high": float(r["ci_high"]), "linked_se_linking": float(r["se_linking"]),
            "linked_same_form": bool(measured.get("same_form", False))}


@task(name="report", **_TASK)
def report(config: dict, meta: dict, ingested: dict, validated: dict, scored: dict, weighted: dict,
           estimated: dict, compared: dict, out_dir: str, keep_work: bool = False,
           measured: dict | None = None) -> dict:
    """Write every output table, the Excel workbook and the manifest; publish the artifacts."""
    import literacy_schemas as S
    from literacy_flows.notebooks import item_table

    logger = get_run_logger()
    out = Path(out_dir)
    written: list[tuple[Path, int]] = []

    def put(df: pd.DataFrame, rel: str, kind: str) -> None:
        path = out / rel
        if kind == "csv":
            fio.write_csv(df, path)
        else:
            fio.write_parquet(df, path)
        written.append((path, len(df)))

    estimates = {}
    diagnostics = []
    for rid in estimated:
        est = S.validate(_read(estimated[rid]["path"]), S.estimates_schema(config), f"{rid}/estimates",
                         line_offset=None)
        estimates[rid] = est
        put(est, f"{rid}/estimates.csv", "csv")
        put(est, f"{rid}/estimates.parquet", "parquet")
        diag = S.validate(_read(weighted[rid]["diagnostics"]), S.weights_diagnostics_schema(config),
                          f"{rid}/weights_diagnostics", line_offset=None)
        diagnostics.append(diag)
        put(diag, f"{rid}/weights_diagnostics.csv", "csv")
        put(S.validate(_read(weighted[rid]["margins"]), S.weights_margins_schema(config), f"{rid}/weights_margins",
                       line_offset=None), f"{rid}/weights_margins.csv", "csv")
        put(S.validate(_read(weighted[rid]["classes"]), S.nonresponse_classes_schema(config),
                       f"{rid}/nonresponse_classes", line_offset=None), f"{rid}/nonresponse_classes.csv", "csv")
        if "propensity_model" in weighted[rid]:
            put(S.validate(_read(weighted[rid]["propensity_model"]), S.propensity_model_schema(config),
                           f"{rid}/propensity_model", line_offset=None), f"{rid}/propensity_model.csv", "csv")
        # per respondent and item, for the reviewer notebooks' item analysis (no identifiers)
        put(item_table(_read(weighted[rid]["path"]), _read(ingested["work"]["rounds"][rid]["responses"]),
                       _read(ingested["work"]["instruments"][rid]), config), f"{rid}/item_responses.parquet", "parquet")
    measured = measured or {}
    linked_sheets = {}
    for rid in estimated:   # the measurement stage's per-round tables (docs/methods/determinants.md: "Comparable rounds")
        for key, name, schema in (("items", "items", S.items_schema), ("reliability", "reliability",
                                                                        S.reliability_schema),
                                  ("estimates_linked", "estimates_linked", S.estimates_linked_schema)):
            if rid in measured.get(key, {}):
                df = S.validate(_read(measured[key][rid]), schema(config), f"{rid}/{name}", line_offset=None)
                put(df, f"{rid}/{name}.csv", "csv")
                if name == "estimates_linked":
                    put(df, f"{rid}/{name}.parquet", "parquet")
                    linked_sheets[f"linked_{rid}"] = df
                else:
                    linked_sheets[f"{name}_{rid}"] = df
    change = S.validate(_read(compared["change"]), S.change_schema(config), "assessment/change", line_offset=None)
    verdicts = S.validate(_read(compared["verdicts"]), S.verdicts_schema(config), "assessment/verdicts",
                          line_offset=None)
    put(change, "assessment/change.csv", "csv")
    put(change, "assessment/change.parquet", "parquet")
    put(verdicts, "assessment/verdicts.csv", "csv")
    put(verdicts, "assessment/verdicts.parquet", "parquet")
    head = compared["headline"]
    head_table = S.validate(rep.headline_table(head, config), S.headline_schema(config), "assessment/headline",
                            line_offset=None)
    put(head_table, "assessment/headline.csv", "csv")
    extra = {}
    if "truth_check" in compared:
        check = _read(compared["truth_check"])
        put(check, "assessment/truth_check.csv", "csv")
        extra["truth_check"] = check
    if "truth_check_linked" in compared:
        lcheck = _read(compared["truth_check_linked"])
        put(lcheck, "assessment/truth_check_linked.csv", "csv")
        extra["truth_check_linked"] = lcheck
    weighting = pd.concat(diagnostics, ignore_index=True)
    tables = _evaluator_tables(config, ingested, estimated, compared, estimates, weighting, measured)
    for name, df in tables.items():
        put(df, f"assessment/{name}.csv", "csv")
        put(df, f"assessment/{name}.parquet", "parquet")
    order = sorted(linked_sheets, key=lambda k: (["linked", "items", "reliability"].index(k.rsplit("_", 1)[0]),
                                                 list(estimated).index(k.rsplit("_", 1)[1])))
    linked_sheets = {k: linked_sheets[k] for k in order}   # linked shares, then item statistics, per round
    wb = rep.build_workbook(head_table, estimates, change, verdicts, weighting, {**linked_sheets, **extra},
                            tables=tables, notes=fdl.TABLE_NOTES)
    xlsx = fio.write_excel(wb, out / "assessment" / "assessment.xlsx")
    written.append((xlsx, sum(len(e) for e in estimates.values())))

    manifest = {
        "manifest_version": MANIFEST_VERSION,
        "assessment": {k: config["assessment"][k] for k in ("id", "name_zh", "name_en")},
        "package": meta["package"],
        "environment": meta["environment"],
        "config": meta["config"],
        "inputs": ingested["inputs"],
        # the questionnaire form of every round (delivery-relative files), the anchors, linking
        "instruments": dict(ingested["forms"]["files"]),
        "forms": {k: v for k, v in ingested["forms"].items() if k != "files"},
        "row_counts": {
            "ingest": {e["file"]: e["rows"] for e in ingested["inputs"]},
            "validate": validated,
            "score": {rid: s["rows"] for rid, s in scored.items()},
            "weight": {rid: w["rows"] for rid, w in weighted.items()},
            "estimate": {rid: e["rows"] for rid, e in estimated.items()},
            "compare": compared["rows"],
        },
        "headline": head,
        "outputs": [{"file": fio.relative_to(p, out), "sha256": fio.sha256_file(p), "bytes": p.stat().st_size,
                     "rows": int(n)} for p, n in written],
    }
    fio.write_json(manifest, out / "manifest.json")
    if not keep_work:
        shutil.rmtree(_work(out), ignore_errors=True)

    _artifacts(config, head, estimates, change, verdicts)
    logger.info("wrote %d output files and manifest.json to %s", len(written), fio.shown(out))
    return {"outputs": [fio.relative_to(p, out) for p, _ in written] + ["manifest.json"], "headline": head,
            "out_dir": str(out)}


def _evaluator_tables(config: dict, ingested: dict, estimated: dict, compared: dict, estimates: dict,
                      weighting: pd.DataFrame, measured: dict | None = None) -> dict[str, pd.DataFrame]:
    """The evaluator tables in workbook order, each checked against its schema.

    The compare task's tables (rounds side by side, decomposition, part scores), the
    department scorecard (the delivery's ``scorecard.csv`` when there is one) and the
    methodology facts.
    """
    import literacy_schemas as S
    from literacy.deliverables import methodology_table, response_rates, scorecard_table

    raw = {name: _read(path) for name, path in compared["tables"].items()}
    reported = _read(ingested["work"]["scorecard"]) if "scorecard" in ingested["work"] else None
    raw["scorecard"] = scorecard_table(config, reported)
    rates = {rid: response_rates(_read(t["sample"]), config) for rid, t in ingested["work"]["rounds"].items()}
    raw["methodology"] = methodology_table(config, {rid: e["facts"] for rid, e in estimated.items()}, rates,
                                           pd.concat(estimates.values(), ignore_index=True), weighting)
    for key in ("irt_items", "irt_scale", "dif", "pv_distribution"):   # the measurement stage's tables
        if key in (measured or {}):
            raw[key] = _read(measured[key])
    order = [name for name in fdl.TABLE_SCHEMAS if name in raw]
    tables = {}
    for name in order:
        df = _text_columns(raw[name])
        tables[name] = S.validate(df, fdl.table_schema(name, config), f"assessment/{name}", line_offset=None)
    return tables


def _text_columns(df: pd.DataFrame) -> pd.DataFrame:
    """Object columns as pandas strings (missing as <NA>), so that CSV and Parquet agree."""
    out = df.copy()
    for c in out.columns:
        if out[c].dtype == object:
            out[c] = out[c].astype("string")
    return out


def _artifacts(config: dict, head: dict, estimates: dict, change: pd.DataFrame, verdicts: pd.DataFrame) -> None:
    """A markdown artifact with the headline, table artifacts with the main tables.

    Suppressed cells are blank (None) in every artifact, with the reason beside them.
    """
    level = config["scoring"]["headline"]
    slug = "".join(ch if ch.isalnum() else "-" for ch in str(config["assessment"]["id"]).lower())
    create_markdown_artifact(markdown=rep.markdown_headline(head, config, verdicts), key=f"{slug}-headline",
                             description="Headline: city rate, change since baseline, target verdict")
    est = pd.concat(estimates.values(), ignore_index=True)
    cols = ["round", "breakdown", "domain", "label_zh", "label_en", "level", "estimate", "se", "ci_low", "ci_high",
            "n", "deff", "reliability", "suppressed", "suppression_reason"]
    main = est[(est["level"] == level) & est["breakdown"].isin(["city", "district", "group"])]
    create_table_artifact(table=rep.table_records(main, cols), key=f"{slug}-estimates",
                          description=f"Share '{level}' by round: city, districts, key groups")
    ch = change[(change["level"] == level) & change["breakdown"].isin(["city", "district", "group"])]
    create_table_artifact(table=rep.table_records(ch, ["breakdown", "domain", "label_zh", "label_en", "baseline",
                                                       "endline", "change", "ci_low", "ci_high", "p_value",
                                                       "suppressed", "suppression_reason"]),
                          key=f"{slug}-change", description="Change since the baseline")
    create_table_artifact(table=rep.table_records(verdicts, ["breakdown", "domain", "label_zh", "label_en", "estimate",
                                                             "ci_low", "ci_high", "target", "verdict_en", "verdict_zh",
                                                             "versus_national", "suppressed",
                                                             "suppression_reason"]),
                          key=f"{slug}-verdicts", description="Verdicts against the plan's target")


# --------------------------------------------------------------------------- evaluation report
@task(name="evaluation-report", **_TASK)
def evaluation_report(config: dict, out_dir: str) -> dict:
    """Draft the evaluation report (终期评估报告) from the written tables; list it in the manifest.

    ``assessment/report_zh.docx`` and ``report_en.docx`` (``literacy_flows.report_document``,
    from the output tables only), and ``assessment/report_zh.pdf`` rendered by LibreOffice
    where it is installed (``literacy_flows.report_pdf``); without it one line says the PDF
    was skipped and how to install it. ``manifest.json`` is rewritten with the entries
    (``rows`` = 0: documents, not tables).
    """
    from literacy_flows import report_document as rd

    logger = get_run_logger()
    out = Path(out_dir)
    written, skipped = rd.write_reports(out, config)
    if skipped:
        logger.info("%s", skipped)
    manifest_path = out / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    names = {fio.relative_to(p, out) for p in written}
    manifest["outputs"] = [o for o in manifest["outputs"] if o["file"] not in names] + [
        {"file": fio.relative_to(p, out), "sha256": fio.sha256_file(p), "bytes": p.stat().st_size, "rows": 0}
        for p in written]
    fio.write_json(manifest, manifest_path)
    logger.info("evaluation report: %s", ", ".join(sorted(names)))
    return {"outputs": [fio.relative_to(p, out) for p in written]}


@task(name="notebooks", **_TASK)
def notebooks(config: dict, out_dir: str) -> dict:
    """Execute the reviewer notebooks on the written outputs and list them in the manifest.

    The notebooks (``notebooks/*.py``, jupytext) read ``<processed>/`` only and are written
    as ``<processed>/notebooks/<name>.ipynb`` and ``.html`` (``literacy_flows.notebooks``).
    ``manifest.json`` is rewritten with their entries (``rows`` = the notebook's cells).
    """
    import time

    import nbformat

    from literacy_flows.notebooks import NOTEBOOKS_DIR, execute_notebooks

    logger = get_run_logger()
    out = Path(out_dir)
    started = time.monotonic()
    written = execute_notebooks(out, out / "notebooks", NOTEBOOKS_DIR, seed=int(config["assessment"]["seed"]))
    cells = {p.stem: len(nbformat.read(p, as_version=4).cells) for p in written if p.suffix == ".ipynb"}
    manifest_path = out / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    entries = [o for o in manifest["outputs"] if not o["file"].startswith("notebooks/")]
    entries += [{"file": fio.relative_to(p, out), "sha256": fio.sha256_file(p), "bytes": p.stat().st_size,
                 "rows": cells[p.stem.removesuffix("_report")]} for p in written]
    manifest["outputs"] = entries
    fio.write_json(manifest, manifest_path)
    logger.info("executed %d reviewer notebooks into %s in %.0f s", len(cells), fio.shown(out / "notebooks"),
                time.monotonic() - started)
    return {"outputs": [fio.relative_to(p, out) for p in written]}


# --------------------------------------------------------------------------- flow
def _meta(loaded: fio.LoadedConfig) -> dict:
    """Package, environment and config facts for the manifest (no paths, no times)."""
    import platform
    from importlib.metadata import PackageNotFoundError, version

    def v(name: str) -> str | None:
        try:
            return version(name)
        except PackageNotFoundError:
            return None

    return {
        "package": {"name": "literacy", "version": v("literacy")},
        "environment": {"python": platform.python_version(),
                        **{n: v(n) for n in ("numpy", "pandas", "scipy", "pyarrow", "openpyxl", "pandera",
                                             "prefect")}},
        "config": {"file": loaded.path.name, "sha256": loaded.sha256, "content": loaded.source},
    }


@flow(name="literacy-assessment", persist_result=False, log_prints=False)
def assessment_flow(config_path: str | Path, raw_dir: str | Path | None = None,
                    out_dir: str | Path | None = None, keep_work: bool = False,
                    with_notebooks: bool = True) -> dict:
    """The end-of-period assessment of a delivery.

    Parameters
    ----------
    config_path : path
        The assessment config (YAML).
    raw_dir, out_dir : path, optional
        Override the config's ``paths.raw`` (the delivery) and ``paths.processed`` (outputs).
    keep_work : bool
        Keep the intermediate Parquet files in ``<processed>/_work/``.
    with_notebooks : bool
        Execute the reviewer notebooks after the report (``notebooks`` task); False skips
        them (faster) and removes any executed by an earlier run, which would describe
        other outputs.

    Returns
    -------
    dict
        ``headline`` (the city's figures), ``outputs`` (files written, relative to the
        output folder) and ``out_dir``.
    """
    # one BLAS thread for the whole run, in this process and in every task: the figures are then
    # the same bytes in a Dask worker and in a run alone (literacy_flows.numerics)
    with single_blas_thread():
        return _assessment(config_path, raw_dir, out_dir, keep_work, with_notebooks)


def _assessment(config_path, raw_dir, out_dir, keep_work: bool, with_notebooks: bool) -> dict:
    logger = get_run_logger()
    loaded = fio.load_config(config_path, raw_dir, out_dir)
    config = loaded.config
    raw, final = str(loaded.raw_dir), loaded.processed_dir
    env = numeric_environment()
    logger.info("numerics: numpy %s; %s; one BLAS thread", env["numpy"],
                ", ".join(f"{b['library']} {b['version']} ({b['kernel']} kernel)" for b in env["blas"]))
    logger.info("assessment %s: delivery %s -> %s", config["assessment"]["id"], fio.shown(raw),
                fio.shown(final))

    # Every output is written into a staging folder beside <processed>/ and swapped in only when
    # the run completes: a failed or interrupted run leaves the previous outputs as they were.
    # (Earlier executed notebooks are never carried over: a run without notebooks has none.)
    stage = fio.new_staging(final)
    out = str(stage)
    try:
        state = ingest(config, raw, return_state=True)
        result = state.result()
        if not fin.store_complete(result):  # a cached result whose stored tables were pruned
            state = ingest.with_options(refresh_cache=True)(config, raw, return_state=True)
            result = state.result()
        ingested = fin.materialise(result, out, raw)
        _log_ingest(ingested, state.name == "Cached", config, raw)
        validated = validate(config, ingested)
        # The rounds are independent: each round's score -> weight -> estimate chain is submitted
        # as futures, so the rounds run concurrently (each task still waits for its own inputs).
        # Every task writes only under _work/<round>/, and results are gathered in config order,
        # so the outputs are the same bytes as when the rounds ran one after the other.
        futures = {}
        for rid in ingested["work"]["rounds"]:
            s = score.submit(config, ingested, rid)
            w = weight.submit(config, ingested, rid, s)
            futures[rid] = (s, w, estimate.submit(config, rid, w))
        # all settle before any failure is raised: no task may still write into a discarded staging folder
        wait_all([f for chain in futures.values() for f in chain])
        scored = {rid: f[0].result() for rid, f in futures.items()}
        weighted = {rid: f[1].result() for rid, f in futures.items()}
        estimated = {rid: f[2].result() for rid, f in futures.items()}
        measured = measure(config, ingested, weighted)
        compared = compare(config, ingested, estimated, measured)
        reported = report(config, _meta(loaded), ingested, validated, scored, weighted, estimated, compared, out,
                          keep_work=keep_work, measured=measured)
        outputs = list(reported["outputs"]) + fin.manifest_quarantine(stage / "manifest.json", ingested, stage)
        outputs += evaluation_report(config, out)["outputs"]
        if with_notebooks:
            outputs += notebooks(config, out)["outputs"]
        fio.swap_in(stage, final)
    except BaseException:
        fio.discard_staging(stage)
        raise
    logger.info("outputs in place in %s", fio.shown(final))
    return {**reported, "outputs": outputs, "out_dir": str(final)}


def run_assessment(config_path: str | Path, raw_dir: str | Path | None = None,
                   out_dir: str | Path | None = None, keep_work: bool = False,
                   with_notebooks: bool = True) -> dict[str, Any]:
    """Run :func:`assessment_flow` (a plain call; Prefect starts its ephemeral API as needed)."""
    return assessment_flow(config_path, raw_dir=raw_dir, out_dir=out_dir, keep_work=keep_work,
                           with_notebooks=with_notebooks)
