"""The assessment's per-round tasks: score -> weight -> estimate (one chain per round, run concurrently).

Each task reads its inputs from ``_work/<round>/`` and writes its tables there
(``literacy_flows.pipeline.work``); the computation is the ``literacy`` package's.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from prefect import get_run_logger, task

from literacy.assessment import round_drivers, round_tables
from literacy.domains import add_derived
from literacy.errors import LiteracyError
from literacy.scoring import score_responses
from literacy.weighting import weight_round
from literacy_flows.ingest import io as fio
from literacy_flows.pipeline.designs import calibrated_design
from literacy_flows.pipeline.work import TASK_OPTIONS, read_work, round_dir
from literacy_flows.report import workbook as rep

__all__ = ["score", "weight", "estimate", "analysis_tables", "nonresponse_classes"]


@task(name="score", task_run_name="score-{round_id}", **TASK_OPTIONS)
def score(config: dict, ingested: dict, round_id: str) -> dict:
    """Score one round's respondents on the round's questionnaire form and add the derived
    analysis variables.

    Writes ``_work/<round>/scored.parquet``: the responses' non-item columns, the part
    scores, total, don't-know / skipped counts, the 0/1 level columns, ``age_band`` and the
    ``group_<code>`` indicators.
    """
    logger = get_run_logger()
    tables = ingested["work"]["rounds"][round_id]
    responses = read_work(tables["responses"])
    instrument = read_work(ingested["work"]["instruments"][round_id])   # the round's own form, else the top-level one
    items = instrument["item_id"].astype(str).tolist()
    scores = score_responses(responses, instrument, config["scoring"])
    data = pd.concat([responses.drop(columns=items), scores], axis=1)
    data = add_derived(data, config)
    path = fio.write_parquet(data, round_dir(tables) / "scored.parquet")
    headline = config["scoring"]["headline"]
    logger.info("round %s: scored %d respondents; mean score %.1f, unweighted share %s %.1f%%, don't know %.1f%%, "
                "skipped %.1f%%", round_id, len(data), float(data["score"].mean()), headline,
                100 * float(data[headline].mean()), 100 * float(data["dont_know_share"].mean()),
                100 * float(data["skipped_share"].mean()))
    return {"path": str(path), "rows": len(data)}


def nonresponse_classes(result, round_id: str, config: dict) -> pd.DataFrame:
    """The nonresponse adjustment's class table with the round and the method in front.

    Parameters
    ----------
    result : WeightingResult
        ``literacy.weighting.weight_round``'s result.
    round_id : str
        The round.
    config : dict
        The validated config (``weighting.nonresponse.method``).

    Returns
    -------
    DataFrame
    """
    table = result.nonresponse_report.copy()
    table.insert(0, "method", config["weighting"]["nonresponse"]["method"])
    table.insert(0, "round", round_id)
    return table


def _with_round(table: pd.DataFrame, round_id: str) -> pd.DataFrame:
    out = table.copy()
    out.insert(0, "round", round_id)
    return out


def _weighting_round(config: dict, sample: pd.DataFrame, data: pd.DataFrame, margins: pd.DataFrame, where: str,
                     round_id: str, logger):
    """``weight_round`` with its warnings in the log and a user error prefixed with the delivery's folder."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = weight_round(sample, data, margins, config)
        except LiteracyError as exc:
            raise type(exc)(f"{where}: {exc}") from None
    for w in caught:
        logger.warning("round %s weighting: %s", round_id, w.message)
    return result


def _write_weighting(result, data: pd.DataFrame, sample: pd.DataFrame, work: Path, round_id: str,
                     config: dict) -> dict:
    """The weighted data and the weighting's tables in ``work``; the paths and row counts."""
    data["weight_nonresponse"] = result.nonresponse_weights.to_numpy(dtype=float)
    data["weight"] = result.weights.to_numpy(dtype=float)
    out = {
        "path": str(fio.write_parquet(data, work / "weighted.parquet")),
        "diagnostics": str(fio.write_parquet(_with_round(result.diagnostics, round_id),
                                             work / "weights_diagnostics.parquet")),
        "margins": str(fio.write_parquet(_with_round(result.margins, round_id), work / "weights_margins.parquet")),
        "targets": str(fio.write_json(result.raking_targets, work / "raking_targets.json")),
        "steps": str(fio.write_json(result.calibration_steps, work / "calibration_steps.json")),
        "classes": str(fio.write_parquet(nonresponse_classes(result, round_id, config),
                                         work / "nonresponse_classes.parquet")),
        "rows": {"sample": len(sample), "respondents": len(data),
                 "nonrespondents": int((sample["responded"].to_numpy(dtype=float, na_value=np.nan) != 1).sum())},
    }
    if len(result.propensity_model):
        out["propensity_model"] = str(fio.write_parquet(_with_round(result.propensity_model, round_id),
                                                        work / "propensity_model.parquet"))
    return out


def _log_weighting(result, round_id: str, logger) -> None:
    el = result.eligibility_report
    if len(el):
        unknown = int((el["sampled"] - el["resolved"]).sum())
        logger.info("round %s: eligibility adjustment: %d not-eligible cases leave the population, the weights of "
                    "%d of unknown eligibility go to the %d resolved cases of their class (%d classes)", round_id,
                    int(el["not_eligible"].sum()), unknown, int(el["resolved"].sum()),
                    el["adjustment_class"].nunique())
    if len(result.propensity_model):
        logger.info("round %s: response-propensity model (logit of responding, base-weighted):\n%s\nclasses:\n%s",
                    round_id, result.propensity_model.to_string(index=False, float_format=lambda x: f"{x:.4g}"),
                    result.nonresponse_report.to_string(index=False, float_format=lambda x: f"{x:.4g}"))
    diagnostics = result.diagnostics
    for stage in diagnostics["stage"].unique():
        c = diagnostics[(diagnostics["stage"] == stage) & (diagnostics["domain"] == "all")].iloc[0]
        logger.info("round %s, %s: n %d, weights sum %.0f, weighting deff %.2f, max/min %.1f, %d trimmed", round_id,
                    stage, c["n"], c["sum_weights"], c["deff_weighting"], c["max_min_ratio"], c["n_trimmed"])


@task(name="weight", task_run_name="weight-{round_id}", **TASK_OPTIONS)
def weight(config: dict, ingested: dict, round_id: str, scored: dict) -> dict:
    """The configured weighting chain of one round (``literacy.weighting.weight_round``).

    Base weights, nonresponse adjustment (weighting classes or response-propensity classes),
    raking, and optionally trimming with re-raking, as set in the config's ``weighting``.
    Writes ``_work/<round>/weighted.parquet`` (the scored data with ``weight_nonresponse``
    and the final ``weight``), the diagnostics, the margins achieved at every stage, the
    raking targets and the calibration steps the ``estimate`` task replays on the design.
    """
    logger = get_run_logger()
    tables = ingested["work"]["rounds"][round_id]
    sample, margins = read_work(tables["sample"]), read_work(tables["margins"])
    data = read_work(scored["path"])
    where = str(Path(ingested["shown"]["rounds"][round_id]["responses"]).parent)
    result = _weighting_round(config, sample, data, margins, where, round_id, logger)
    out = _write_weighting(result, data, sample, round_dir(tables), round_id, config)
    _log_weighting(result, round_id, logger)
    return out


def _log_estimates(est: pd.DataFrame, config: dict, round_id: str, logger) -> None:
    head = est[(est["breakdown"] == "city") & (est["level"] == config["scoring"]["headline"])].iloc[0]
    logger.info("round %s: %d estimates; city %s %s (%s to %s), n = %d, deff %.2f, df %s", round_id, len(est),
                head["level"], rep.fmt_pct(head["estimate"], 2), rep.fmt_pct(head["ci_low"], 2),
                rep.fmt_pct(head["ci_high"], 2), int(head["n"]), float(head["deff"]), head["df"])
    counts = est["reliability"].value_counts()
    logger.info("round %s: NCHS reliability: %d present, %d for statistical review, %d not to present; %d cells "
                "suppressed (blank)", round_id, int(counts.get("present", 0)), int(counts.get("review", 0)),
                int(counts.get("suppress", 0)), int(est["suppressed"].sum()))


def _check_design_weights(design, data: pd.DataFrame, round_id: str, logger) -> None:
    final = data["weight"].to_numpy(dtype=float)
    if not np.allclose(design.weights, final, rtol=1e-6, atol=0):
        worst = float(np.max(np.abs(design.weights / final - 1)))
        logger.warning("round %s: calibrated design weights differ from the weighting chain's by up to %.2g "
                       "(relative)", round_id, worst)


def _round_tables(design, taylor, data: pd.DataFrame, config: dict, round_id: str, work: Path, logger) -> dict:
    """The estimate task's tables of one round, written to ``work``; their paths and the design's facts."""
    t = round_tables(design, taylor, data, config, round_id)
    path = fio.write_parquet(t.estimates, work / "estimates.parquet")
    _log_estimates(t.estimates, config, round_id, logger)
    out = {"path": str(path), "rows": len(t.estimates),
           "parts": str(fio.write_parquet(t.parts, work / "part_scores.parquet")),
           "cells": str(fio.write_parquet(t.cells, work / "decomposition_cells.parquet")), "facts": t.facts}
    out.update(_write_drivers(t.drivers, round_id, work, logger))
    out["takes"] = str(fio.write_parquet(t.takes, work / "domain_takes.parquet"))
    out["plan_estimates"] = str(fio.write_parquet(t.headline_rows, work / "plan_estimates.parquet"))
    if t.sae_direct is not None:
        # the small-area model's inputs: direct estimates of the modelled cells, full design
        out["sae_direct"] = str(fio.write_parquet(t.sae_direct, work / "sae_direct.parquet"))
    return out


@task(name="estimate", task_run_name="estimate-{round_id}", **TASK_OPTIONS)
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
    (``literacy.assessment.published``). Also writes the mean score per questionnaire part by
    district and group, and the education x age-band cells of the decomposition.
    """
    logger = get_run_logger()
    # estimation.method: Taylor, or replicates each calibrated again by the replayed steps
    data, taylor, design = calibrated_design(config, round_id, weighted)
    _check_design_weights(design, data, round_id, logger)
    return _round_tables(design, taylor, data, config, round_id, Path(weighted["path"]).parent, logger)


def analysis_tables(design, config: dict, round_id: str, work: Path, logger) -> dict:
    """What drives literacy in one round, written to ``work``: the design-based logistic regression
    of the headline level (odds ratios) and the Rao–Scott tests of the literacy level against each
    breakdown (docs/methods/determinants.md: "What drives literacy").

    A model that cannot be fitted (perfect separation in a tiny delivery, a constant
    covariate) is logged and left out with its reason, never a crash.

    Parameters
    ----------
    design : SurveyDesign
        The round's calibrated design.
    config : dict
        The validated config (``analysis``, ``scoring.headline``, ``estimation.level``).
    round_id : str
        The round.
    work : Path
        The round's work folder.
    logger : logging.Logger
        Where a model not fitted is reported.

    Returns
    -------
    dict
        ``determinants`` and ``associations``: the tables' paths; empty when the analysis is off.
    """
    return _write_drivers(round_drivers(design, config, round_id), round_id, work, logger)


def _write_drivers(drivers: tuple | None, round_id: str, work: Path, logger) -> dict:
    """:func:`literacy.assessment.round_drivers`'s tables written to ``work``; a model not fitted logged."""
    if drivers is None:
        return {}
    det, assoc, problem = drivers
    if problem is not None:
        logger.warning("round %s: the determinants model was not fitted: %s", round_id, problem)
    return {"determinants": str(fio.write_parquet(det, work / "determinants.parquet")),
            "associations": str(fio.write_parquet(assoc, work / "associations.parquet"))}
