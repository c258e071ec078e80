"""The assessment's output tasks: every output table, the workbook and the manifest (``report``),
the evaluation report (``evaluation-report``) and the reviewer notebooks (``notebooks``).
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import nbformat
import pandas as pd
from prefect import get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact

import literacy_schemas as S
from literacy.assessment import methodology_table, response_rates, round_roles, scorecard_table
from literacy.catalog.codebook import CODEBOOK_COLUMNS, codebook_table, table_key_of
from literacy_flows.ingest import io as fio
from literacy_flows.pipeline import deliverables as fdl
from literacy_flows.pipeline.quality import write_quality_tables
from literacy_flows.pipeline.work import TASK_OPTIONS, read_work, work_dir
from literacy_flows.report import document as rd
from literacy_flows.report import workbook as rep
from literacy_flows.report.explorer import explorer_html, explorer_meta
from literacy_flows.report.notebooks import NOTEBOOKS_DIR, execute_notebooks, item_table

__all__ = ["report", "evaluation_report", "notebooks", "MANIFEST_VERSION", "manifest_entry", "evaluator_tables",
           "text_columns"]

MANIFEST_VERSION = 1


def manifest_entry(path: Path, out: Path, rows: int) -> dict:
    """One ``outputs`` entry of ``manifest.json``.

    Parameters
    ----------
    path : Path
        The written file.
    out : Path
        The output folder (the entry's ``file`` is relative to it).
    rows : int
        The table's rows (0 for a document; the cells of a notebook).

    Returns
    -------
    dict
        ``file, sha256, bytes, rows``.
    """
    return {"file": fio.relative_to(path, out), "sha256": fio.sha256_file(path), "bytes": path.stat().st_size,
            "rows": int(rows)}


class _Written:
    """The output files in the order they are written, with their rows (the manifest's list)."""

    def __init__(self, out: Path):
        self.out = out
        self.files: list[tuple[Path, int]] = []

        #: catalog table -> the tables written under it, once per file whatever its formats (the codebook's input)
        self.tables: dict[str, list[pd.DataFrame]] = {}
        self._stems: set[str] = set()

    def put(self, df: pd.DataFrame, rel: str, kind: str) -> None:
        path = self.out / rel
        if kind == "csv":
            fio.write_csv(df, path)
        else:
            fio.write_parquet(df, path)
        self.files.append((path, len(df)))
        stem = rel.rsplit(".", 1)[0]
        if stem not in self._stems:
            self._stems.add(stem)
            self.tables.setdefault(table_key_of(rel), []).append(df)


def _checked(path: str, schema, config: dict, name: str) -> pd.DataFrame:
    return S.validate(read_work(path), schema(config), name, line_offset=None)


def _round_outputs(w: _Written, config: dict, ingested: dict, estimated: dict, weighted: dict):
    """Each round's estimates, weighting tables and item responses; the estimates and diagnostics."""
    estimates, diagnostics = {}, []
    for rid in estimated:
        est = _checked(estimated[rid]["path"], S.estimates_schema, config, f"{rid}/estimates")
        estimates[rid] = est
        w.put(est, f"{rid}/estimates.csv", "csv")
        w.put(est, f"{rid}/estimates.parquet", "parquet")
        diag = _checked(weighted[rid]["diagnostics"], S.weights_diagnostics_schema, config,
                        f"{rid}/weights_diagnostics")
        diagnostics.append(diag)
        w.put(diag, f"{rid}/weights_diagnostics.csv", "csv")
        w.put(_checked(weighted[rid]["margins"], S.weights_margins_schema, config, f"{rid}/weights_margins"),
              f"{rid}/weights_margins.csv", "csv")
        w.put(_checked(weighted[rid]["classes"], S.nonresponse_classes_schema, config, f"{rid}/nonresponse_classes"),
              f"{rid}/nonresponse_classes.csv", "csv")
        if "propensity_model" in weighted[rid]:
            w.put(_checked(weighted[rid]["propensity_model"], S.propensity_model_schema, config,
                           f"{rid}/propensity_model"), f"{rid}/propensity_model.csv", "csv")
        # per respondent and item, for the reviewer notebooks' item analysis (no identifiers)
        w.put(item_table(read_work(weighted[rid]["path"]), read_work(ingested["work"]["rounds"][rid]["responses"]),
                         read_work(ingested["work"]["instruments"][rid]), config),
              f"{rid}/item_responses.parquet", "parquet")
    return estimates, diagnostics


def _measurement_outputs(w: _Written, config: dict, estimated: dict, measured: dict) -> dict[str, pd.DataFrame]:
    """The measurement stage's per-round tables (docs/methods/determinants.md: "Comparable rounds");
    their workbook sheets: linked shares, then item statistics, per round."""
    sheets = {}
    for rid in estimated:
        for key, name, schema in (("items", "items", S.items_schema), ("reliability", "reliability",
                                                                        S.reliability_schema),
                                  ("estimates_linked", "estimates_linked", S.estimates_linked_schema)):
            if rid in measured.get(key, {}):
                df = _checked(measured[key][rid], schema, config, f"{rid}/{name}")
                w.put(df, f"{rid}/{name}.csv", "csv")
                if name == "estimates_linked":
                    w.put(df, f"{rid}/{name}.parquet", "parquet")
                    sheets[f"linked_{rid}"] = df
                else:
                    sheets[f"{name}_{rid}"] = df
    order = sorted(sheets, key=lambda k: (["linked", "items", "reliability"].index(k.rsplit("_", 1)[0]),
                                          list(estimated).index(k.rsplit("_", 1)[1])))
    return {k: sheets[k] for k in order}


def _comparison_outputs(w: _Written, config: dict, compared: dict):
    """The change, verdicts, headline and (simulated data) truth checks; the truth checks' sheets."""
    change = _checked(compared["change"], S.change_schema, config, "assessment/change")
    verdicts = _checked(compared["verdicts"], S.verdicts_schema, config, "assessment/verdicts")
    w.put(change, "assessment/change.csv", "csv")
    w.put(change, "assessment/change.parquet", "parquet")
    w.put(verdicts, "assessment/verdicts.csv", "csv")
    w.put(verdicts, "assessment/verdicts.parquet", "parquet")
    head_table = S.validate(rep.headline_table(compared["headline"], config), S.headline_schema(config),
                            "assessment/headline", line_offset=None)
    w.put(head_table, "assessment/headline.csv", "csv")
    extra = {}
    for key in ("truth_check", "truth_check_linked"):
        if key in compared:
            extra[key] = read_work(compared[key])
            w.put(extra[key], f"assessment/{key}.csv", "csv")
    return change, verdicts, head_table, extra


def _manifest(config: dict, meta: dict, ingested: dict, validated: dict, scored: dict, weighted: dict,
              estimated: dict, compared: dict, w: _Written) -> dict:
    return {
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
        "headline": compared["headline"],
        "outputs": [manifest_entry(p, w.out, n) for p, n in w.files],
    }


def _explorer(w: _Written, config: dict, estimates: dict, linked_sheets: dict, tables: dict,
              change: pd.DataFrame, verdicts: pd.DataFrame) -> None:
    """``explorer.html``: every published estimate, change and verdict in one offline page."""
    pair = round_roles(config)   # the explorer's change view: the headline pair (change.csv has every pair)
    change = change[(change["from_round"].astype(str) == pair[0]) & (change["to_round"].astype(str) == pair[1])]
    frames = {"estimates": pd.concat(estimates.values(), ignore_index=True), "change": change, "verdicts": verdicts}
    linked = [df for key, df in linked_sheets.items() if key.startswith("linked_")]
    if linked:
        frames["estimates_linked"] = pd.concat(linked, ignore_index=True)
    frames.update({key: tables[key] for key in ("small_area", "change_linked") if key in tables})
    shown = [frames[key] for key in ("estimates", "estimates_linked", "small_area") if key in frames]
    breakdowns = list(dict.fromkeys(str(b) for df in shown for b in df["breakdown"]))
    html = explorer_html(frames, explorer_meta(config, breakdowns))
    rows = sum(len(df) for df in shown)
    w.files.append((fio.atomic_write_bytes(w.out / "explorer.html", html.encode("utf-8")), rows))


def _codebook(w: _Written, config: dict) -> pd.DataFrame:
    """``codebook.csv``: every column of every table of the output folder, CSV or Parquet (the round
    folders' quarantine tables, written by the ingest, read back from the folder)."""
    tables = dict(w.tables)
    for path in sorted(w.out.glob("*/quarantine.csv")):
        tables.setdefault("quarantine", []).append(pd.read_csv(path))
    tables["codebook"] = [pd.DataFrame(columns=CODEBOOK_COLUMNS, dtype="string")]   # itself
    codebook = codebook_table(tables, config)
    w.put(codebook, "codebook.csv", "csv")
    return codebook


@task(name="report", **TASK_OPTIONS)
def report(config: dict, meta: dict, ingested: dict, validated: dict, scored: dict, weighted: dict,
           estimated: dict, compared: dict, out_dir: str, keep_work: bool = False,
           measured: dict | None = None, checked: dict | None = None) -> dict:
    """Write every output table, the Excel workbook and the manifest; publish the artifacts.

    ``checked``: the fieldwork-quality tasks' results by round (``literacy_flows.pipeline.quality``).
    """
    logger = get_run_logger()
    out = Path(out_dir)
    w = _Written(out)
    estimates, diagnostics = _round_outputs(w, config, ingested, estimated, weighted)
    linked_sheets = _measurement_outputs(w, config, estimated, measured or {})
    change, verdicts, head_table, extra = _comparison_outputs(w, config, compared)
    extra.update(write_quality_tables(w, config, checked) if checked else {})   # issue 26
    weighting = pd.concat(diagnostics, ignore_index=True)
    tables = evaluator_tables(config, ingested, estimated, compared, estimates, weighting, measured or {})
    for name, df in tables.items():
        w.put(df, f"assessment/{name}.csv", "csv")
        w.put(df, f"assessment/{name}.parquet", "parquet")
    codebook = _codebook(w, config)
    wb = rep.build_workbook(head_table, estimates, change, verdicts, weighting, {**linked_sheets, **extra},
                            tables=tables, notes=fdl.TABLE_NOTES, codebook=codebook)
    w.files.append((fio.write_excel(wb, out / "assessment" / "assessment.xlsx"), sum(len(e) for e in estimates.values())))
    _explorer(w, config, estimates, linked_sheets, tables, change, verdicts)
    fio.write_json(_manifest(config, meta, ingested, validated, scored, weighted, estimated, compared, w),
                   out / "manifest.json")
    if not keep_work:
        shutil.rmtree(work_dir(out), ignore_errors=True)
    head = compared["headline"]
    _artifacts(config, head, estimates, change, verdicts)
    logger.info("wrote %d output files and manifest.json to %s", len(w.files), fio.shown(out))
    return {"outputs": [fio.relative_to(p, out) for p, _ in w.files] + ["manifest.json"], "headline": head,
            "out_dir": str(out)}


def evaluator_tables(config: dict, ingested: dict, estimated: dict, compared: dict, estimates: dict,
                     weighting: pd.DataFrame, measured: dict | None = None) -> dict[str, pd.DataFrame]:
    """The evaluator tables in workbook order, each checked against its schema.

    The compare task's tables (rounds side by side, decomposition, part scores), the
    department scorecard (the delivery's ``scorecard.csv`` when there is one) and the
    methodology facts.

    Parameters
    ----------
    config : dict
        The validated config.
    ingested, estimated, compared, measured : dict
        The ingest, estimate, compare and measure tasks' results.
    estimates : dict of str to DataFrame
        Every round's validated estimates.
    weighting : DataFrame
        Every round's weighting diagnostics.

    Returns
    -------
    dict of str to DataFrame
    """
    raw = {name: read_work(path) for name, path in compared["tables"].items()}
    reported = read_work(ingested["work"]["scorecard"]) if "scorecard" in ingested["work"] else None
    raw["scorecard"] = scorecard_table(config, reported)
    rates = {rid: response_rates(read_work(t["sample"]), config) for rid, t in ingested["work"]["rounds"].items()}
    raw["methodology"] = methodology_table(config, {rid: e["facts"] for rid, e in estimated.items()}, rates,
                                           pd.concat(estimates.values(), ignore_index=True), weighting)
    for key in ("irt_items", "irt_scale", "dif", "pv_distribution"):   # the measurement stage's tables
        if key in (measured or {}):
            raw[key] = read_work(measured[key])
    order = [name for name in fdl.TABLE_SCHEMAS if name in raw]
    tables = {}
    for name in order:
        df = text_columns(raw[name])
        tables[name] = S.validate(df, fdl.table_schema(name, config), f"assessment/{name}", line_offset=None)
    return tables


def text_columns(df: pd.DataFrame) -> pd.DataFrame:
    """Object columns as pandas strings (missing as <NA>), so that CSV and Parquet agree.

    Parameters
    ----------
    df : DataFrame

    Returns
    -------
    DataFrame
        A copy.
    """
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
    ch = change[(change["level"] == level) & change["breakdown"].isin(["city", "district", "group"])
                & (change["comparison"] == "since_baseline")]   # each later round against the baseline
    create_table_artifact(table=rep.table_records(ch, ["breakdown", "domain", "label_zh", "label_en", "to_round",
                                                       "baseline", "endline", "change", "ci_low", "ci_high", "p_value",
                                                       "suppressed", "suppression_reason"]),
                          key=f"{slug}-change", description="Change since the baseline")
    create_table_artifact(table=rep.table_records(verdicts, ["breakdown", "domain", "label_zh", "label_en", "estimate",
                                                             "ci_low", "ci_high", "target", "verdict_en", "verdict_zh",
                                                             "versus_national", "suppressed",
                                                             "suppression_reason"]),
                          key=f"{slug}-verdicts", description="Verdicts against the plan's target")


def _rewrite_manifest(out: Path, keep, entries: list[dict]) -> None:
    """``manifest.json`` with the outputs ``keep`` accepts, then ``entries``."""
    manifest_path = out / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["outputs"] = [o for o in manifest["outputs"] if keep(o)] + entries
    fio.write_json(manifest, manifest_path)


@task(name="evaluation-report", **TASK_OPTIONS)
def evaluation_report(config: dict, out_dir: str) -> dict:
    """Draft the evaluation report (终期评估报告) from the written tables; list it in the manifest.

    ``assessment/report_zh.docx`` and ``report_en.docx`` (``literacy_flows.report.document``,
    from the output tables only), and ``assessment/report_zh.pdf`` and ``report_en.pdf`` rendered by
    LibreOffice where it is installed (``literacy_flows.report.pdf``); without it one line says the PDFs
    were skipped and how to install it. ``manifest.json`` is rewritten with the entries
    (``rows`` = 0: documents, not tables).
    """
    logger = get_run_logger()
    out = Path(out_dir)
    written, skipped = rd.write_reports(out, config)
    if skipped:
        logger.info("%s", skipped)
    names = {fio.relative_to(p, out) for p in written}
    _rewrite_manifest(out, lambda o: o["file"] not in names, [manifest_entry(p, out, 0) for p in written])
    logger.info("evaluation report: %s", ", ".join(sorted(names)))
    return {"outputs": [fio.relative_to(p, out) for p in written]}


@task(name="notebooks", **TASK_OPTIONS)
def notebooks(config: dict, out_dir: str) -> dict:
    """Execute the reviewer notebooks on the written outputs and list them in the manifest.

    The notebooks (``notebooks/*.py``, jupytext) read ``<processed>/`` only and are written
    as ``<processed>/notebooks/<name>.ipynb`` and ``.html`` (``literacy_flows.report.notebooks``).
    ``manifest.json`` is rewritten with their entries (``rows`` = the notebook's cells).
    """
    logger = get_run_logger()
    out = Path(out_dir)
    started = time.monotonic()
    written = execute_notebooks(out, out / "notebooks", NOTEBOOKS_DIR, seed=int(config["assessment"]["seed"]))
    cells = {p.stem: len(nbformat.read(p, as_version=4).cells) for p in written if p.suffix == ".ipynb"}
    _rewrite_manifest(out, lambda o: not o["file"].startswith("notebooks/"),
                      [manifest_entry(p, out, cells[p.stem.removesuffix("_report")]) for p in written])
    logger.info("executed %d reviewer notebooks into %s in %.0f s", len(cells), fio.shown(out / "notebooks"),
                time.monotonic() - started)
    return {"outputs": [fio.relative_to(p, out) for p in written]}
