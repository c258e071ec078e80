"""The assessment flow (Prefect 3): ingest -> validate -> score -> weight -> estimate -> compare -> report
-> evaluation-report -> notebooks.

Each task calls the ``literacy`` package and hands the next task file paths and small
values, never DataFrames: intermediate tables are Parquet files in ``<processed>/_work/``
(removed when the run succeeds). The tasks live beside this module: ``rounds`` (score,
weight, estimate), ``measurement`` (measure), ``compare`` and ``outputs`` (report,
evaluation-report, notebooks); ``ingest`` and ``validate`` are here, cached on the
delivery's content (input files' sha256, config, package version; ``literacy_flows.ingest.cache``);
the other tasks are not cached (``NO_CACHE``). The same delivery and config give byte-identical outputs.
Outputs are written into a staging folder beside ``<processed>/`` and swapped in when the run
completes, so a failed run leaves the previous outputs untouched.

Outputs under ``<processed>/``::

    quality/response_rates.csv, nonresponse_bias.csv, data_quality.csv, interviewers.csv (issue 26)
    <round>/estimates.csv, estimates.parquet, weights_diagnostics.csv, weights_margins.csv,
            nonresponse_classes.csv, propensity_model.csv (propensity method only),
            item_responses.parquet (per respondent and item, for the notebooks' item analysis),
            quarantine.csv (the rows left out, with line, column, masked value and reason)
    assessment/change.csv, change.parquet, verdicts.csv, verdicts.parquet, headline.csv,
               assessment.xlsx, truth_check.csv (simulated data only),
               and the evaluator tables (.csv and .parquet): headline_levels, districts, key_groups,
               demographics, district_groups, decomposition, decomposition_detail, part_scores,
               scorecard, methodology; report_zh/en.docx, report_zh/en.pdf (LibreOffice only)
    notebooks/<name>.ipynb, <name>.html (the executed reviewer notebooks), <name>_report.html (no code)
    manifest.json
"""

from __future__ import annotations

import platform
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.futures import wait as wait_all

from literacy_flows import progress
from literacy_flows.ingest import cache as fin
from literacy_flows.ingest import io as fio
from literacy_flows.pipeline import deliverables as fdl
from literacy_flows.pipeline.compare import compare
from literacy_flows.pipeline.measurement import measure
from literacy_flows.pipeline.numerics import numeric_environment, single_blas_thread
from literacy_flows.pipeline.outputs import evaluation_report, notebooks, report
from literacy_flows.pipeline.quality import quality
from literacy_flows.pipeline.rounds import estimate, score, weight
from literacy_flows.pipeline.work import WORK_DIR

__all__ = ["assessment_flow", "run_assessment", "ingest", "validate", "score", "weight", "estimate", "compare",
           "report", "evaluation_report", "notebooks", "WORK_DIR"]


# --------------------------------------------------------------------------- tasks
@task(name="ingest", cache_key_fn=fin.ingest_cache_key, persist_result=True, result_serializer="json",
      retries=0)
def ingest(config: dict, raw_dir: str) -> dict:
    """Read the delivery in any supported format, drop identifiers, quarantine bad rows, type the rest.

    Cached on the delivery's content (``literacy_flows.ingest.cache.ingest_cache_key``: every
    input file's sha256, the config without its paths, the package version and the ingest
    code), never on DataFrames: a rerun on unchanged inputs reuses the stored tables. Stops
    on a file-level problem and when a file's quarantined share exceeds
    ``ingest.max_quarantine_share``.

    Returns
    -------
    dict
        The JSON description of the stored tables (``literacy_flows.ingest.cache.ingest_delivery``);
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


# --------------------------------------------------------------------------- flow
def _meta(loaded: fio.LoadedConfig) -> dict:
    """Package, environment and config facts for the manifest (no paths, no times)."""
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
    # the same bytes in a Dask worker and in a run alone (literacy_flows.pipeline.numerics)
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
        progress.step(f"Prefect started; reading the delivery {fio.shown(raw)}")
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
        progress.step(f"scoring, weighting and estimating {len(ingested['work']['rounds'])} rounds "
                      f"(variance: {config['estimation'].get('method', 'taylor')})")
        for rid in ingested["work"]["rounds"]:
            s = score.submit(config, ingested, rid)
            w = weight.submit(config, ingested, rid, s)
            futures[rid] = (s, w, estimate.submit(config, rid, w), quality.submit(config, ingested, rid, w))
        # all settle before any failure is raised: no task may still write into a discarded staging folder
        wait_all([f for chain in futures.values() for f in chain])
        scored = {rid: f[0].result() for rid, f in futures.items()}
        weighted = {rid: f[1].result() for rid, f in futures.items()}
        estimated = {rid: f[2].result() for rid, f in futures.items()}
        checked = {rid: f[3].result() for rid, f in futures.items()}   # fieldwork quality (issue 26)
        progress.step("measurement: the forms' link and plausible values")
        measured = measure(config, ingested, weighted)
        progress.step("comparing the rounds (change, verdicts; small-area bootstrap when configured)")
        compared = compare(config, ingested, estimated, measured)
        progress.step("writing the tables and the workbook")
        reported = report(config, _meta(loaded), ingested, validated, scored, weighted, estimated, compared, out,
                          keep_work=keep_work, measured=measured, checked=checked)
        outputs = list(reported["outputs"]) + fin.manifest_quarantine(stage / "manifest.json", ingested, stage)
        progress.step("writing the evaluation report (Word, PDF)")
        outputs += evaluation_report(config, out)["outputs"]
        if with_notebooks:
            progress.step("executing the reviewer notebooks")
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
