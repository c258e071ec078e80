"""The assessment flow (Prefect 3): ingest -> validate -> score -> weight -> estimate -> compare -> report.

Each task calls the ``literacy`` package and hands the next task file paths and small
values, never DataFrames: intermediate tables are Parquet files in ``<processed>/_work/``
(removed when the run succeeds). Nothing is cached (``NO_CACHE``): a rerun recomputes
everything from the delivery, and the same delivery and config give byte-identical outputs.

Outputs under ``<processed>/``::

    <round>/estimates.csv, estimates.parquet, weights_diagnostics.csv
    assessment/change.csv, change.parquet, verdicts.csv, verdicts.parquet, headline.csv,
               assessment.xlsx, truth_check.csv (simulated data only)
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

from literacy.errors import DataError, LiteracyError
from literacy_flows import io as fio
from literacy_flows import report as rep

__all__ = ["assessment_flow", "run_assessment", "ingest", "validate", "score", "weight", "estimate", "compare",
           "report", "WORK_DIR"]

WORK_DIR = "_work"
MANIFEST_VERSION = 1
_TASK = dict(cache_policy=NO_CACHE, persist_result=False, retries=0)


def _read(path: str) -> pd.DataFrame:
    return pd.read_parquet(path)


def _work(out_dir: str | Path) -> Path:
    return Path(out_dir) / WORK_DIR


def _input_entry(path: Path, raw_dir: Path, rows: int) -> dict:
    return {"file": fio.relative_to(path, raw_dir), "sha256": fio.sha256_file(path), "bytes": path.stat().st_size,
            "rows": int(rows)}


# --------------------------------------------------------------------------- tasks
@task(name="ingest", **_TASK)
def ingest(config: dict, raw_dir: str, out_dir: str) -> dict:
    """Read the delivery (typed), hash every input file, stage typed Parquet copies.

    Returns
    -------
    dict
        ``inputs`` (file, sha256, bytes, rows per input file), ``work`` (Parquet paths by
        round and table) and ``files`` (the delivery paths, for messages).
    """
    logger = get_run_logger()
    raw = Path(raw_dir)
    files = fio.delivery_files(raw, config)
    expected = [files["instrument"]] + [p for r in files["rounds"].values() for p in r.values()]
    missing = [p for p in expected if not p.is_file()]
    if missing:
        more = f" ({len(missing) - 1} more missing)" if len(missing) > 1 else ""
        raise fio.InputError(f"{fio.shown(missing[0])}: file not found{more}; a delivery holds instrument.csv and "
                             f"<round>/responses.csv, sample.csv, margins.csv for rounds "
                             f"{', '.join(files['rounds'])}")
    work = _work(out_dir)
    instrument = fio.read_instrument(files["instrument"])
    inputs = [_input_entry(files["instrument"], raw, len(instrument))]
    staged = {"instrument": str(fio.write_parquet(instrument, work / "instrument.parquet")), "rounds": {}}
    shown = {"instrument": fio.shown(files["instrument"]), "rounds": {}}   # for messages
    rel = {"instrument": fio.relative_to(files["instrument"], raw), "rounds": {}}  # for the manifest
    items = instrument["item_id"].dropna().astype(str).tolist()
    for rid, paths in files["rounds"].items():
        tables = fio.read_round(paths, items)
        truth_path = raw / rid / "truth.csv"
        if truth_path.is_file():
            tables["truth"] = fio.read_truth(truth_path)
            paths = {**paths, "truth": truth_path}
        staged["rounds"][rid], shown["rounds"][rid], rel["rounds"][rid] = {}, {}, {}
        for name, df in tables.items():
            inputs.append(_input_entry(paths[name], raw, len(df)))
            staged["rounds"][rid][name] = str(fio.write_parquet(df, work / rid / f"{name}.parquet"))
            shown["rounds"][rid][name] = fio.shown(paths[name])
            rel["rounds"][rid][name] = fio.relative_to(paths[name], raw)
        logger.info("round %s: %d respondents, %d sampled adults, %d margin rows%s", rid, len(tables["responses"]),
                    len(tables["sample"]), len(tables["margins"]), " (with simulated truth)" if "truth" in tables
                    else "")
    logger.info("ingested %d files from %s (%d items in the instrument)", len(inputs), fio.shown(raw), len(items))
    return {"inputs": inputs, "work": staged, "shown": shown, "rel": rel}


def _cross_check(sample: pd.DataFrame, responses: pd.DataFrame, id_col: str, where_s: str, where_r: str) -> None:
    """Respondents are exactly the sampled adults with responded = 1 (ids as strings)."""
    sid = sample[id_col].astype(str)
    rid = responses[id_col].astype(str)
    unknown = np.flatnonzero(~rid.isin(sid).to_numpy())
    if len(unknown):
        i = int(unknown[0])
        raise DataError(f"{where_r}: line {i + 2}, column '{id_col}': {rid.iloc[i]!r} is not in {where_s}"
                        + (f" ({len(unknown) - 1} more)" if len(unknown) > 1 else ""))
    responded = sample["responded"].to_numpy(dtype=float, na_value=np.nan) == 1
    said_no = np.flatnonzero(~responded & sid.isin(rid).to_numpy())
    if len(said_no):
        i = int(said_no[0])
        raise DataError(f"{where_s}: line {i + 2}, column 'responded': {sid.iloc[i]!r} has responses but "
                        f"responded = 0" + (f" ({len(said_no) - 1} more)" if len(said_no) > 1 else ""))
    absent = np.flatnonzero(responded & ~sid.isin(rid).to_numpy())
    if len(absent):
        i = int(absent[0])
        raise DataError(f"{where_s}: line {i + 2}: respondent {sid.iloc[i]!r} (responded = 1) is missing from "
                        f"{where_r}" + (f" ({len(absent) - 1} more)" if len(absent) > 1 else ""))


@task(name="validate", **_TASK)
def validate(config: dict, ingested: dict) -> dict:
    """Check every input table against its pandera schema, and respondents against the sample.

    Returns the number of rows validated per input file (paths relative to the delivery).
    """
    import literacy_schemas as S

    logger = get_run_logger()
    work, shown, rel = ingested["work"], ingested["shown"], ingested["rel"]
    rows = {}
    instrument = _read(work["instrument"])
    S.validate(instrument, S.instrument_schema(config), shown["instrument"])
    rows[rel["instrument"]] = len(instrument)
    id_col = config["design"].get("respondent_id", "respondent_id")
    for rid, tables in work["rounds"].items():
        where = shown["rounds"][rid]
        responses, sample, margins = (_read(tables[k]) for k in ("responses", "sample", "margins"))
        S.validate(responses, S.responses_schema(config, instrument), where["responses"])
        S.validate(sample, S.sample_schema(config), where["sample"])
        S.validate(margins, S.margins_schema(config), where["margins"])
        _cross_check(sample, responses, id_col, where["sample"], where["responses"])
        names = rel["rounds"][rid]
        rows.update({names["responses"]: len(responses), names["sample"]: len(sample),
                     names["margins"]: len(margins)})
        if "truth" in tables:
            truth = _read(tables["truth"])
            S.validate(truth, S.truth_schema(config), where["truth"])
            rows[names["truth"]] = len(truth)
    logger.info("validated %d files (%d rows) against their schemas", len(rows), sum(rows.values()))
    return rows


@task(name="score", task_run_name="score-{round_id}", **_TASK)
def score(config: dict, ingested: dict, round_id: str) -> dict:
    """Score one round's respondents and add the derived analysis variables.

    Writes ``_work/<round>/scored.parquet``: the responses' non-item columns, the part
    scores, total, don't-know / skipped counts, the 0/1 level columns, ``age_band`` and the
    ``group_<code>`` indicators.
    """
    from literacy.domains import add_derived
    from literacy.scoring import score_responses

    logger = get_run_logger()
    tables = ingested["work"]["rounds"][round_id]
    responses = _read(tables["responses"])
    instrument = _read(ingested["work"]["instrument"])
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


@task(name="weight", task_run_name="weight-{round_id}", **_TASK)
def weight(config: dict, ingested: dict, round_id: str, scored: dict) -> dict:
    """Base weights, nonresponse adjustment and raking of one round (``literacy.weighting``).

    Writes ``_work/<round>/weighted.parquet`` (the scored data with ``weight_nonresponse``
    and the final ``weight``), the diagnostics and the raking targets.
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
    out = {
        "path": str(fio.write_parquet(data, work / "weighted.parquet")),
        "diagnostics": str(fio.write_parquet(diagnostics, work / "weights_diagnostics.parquet")),
        "targets": str(fio.write_json(result.raking_targets, work / "raking_targets.json")),
        "rows": {"sample": len(sample), "respondents": len(data),
                 "nonrespondents": int((sample["responded"].to_numpy(dtype=float, na_value=np.nan) != 1).sum())},
    }
    city = diagnostics[(diagnostics["stage"] == "raked") & (diagnostics["domain"] == "all")]
    if len(city):
        c = city.iloc[0]
        logger.info("round %s: %d respondents of %d sampled; raked weights sum %.0f, weighting deff %.2f, "
                    "max/min %.1f", round_id, len(data), len(sample), c["sum_weights"], c["deff_weighting"],
                    c["max_min_ratio"])
    return out


@task(name="estimate", task_run_name="estimate-{round_id}", **_TASK)
def estimate(config: dict, round_id: str, weighted: dict) -> dict:
    """Design-based shares at every level for the city, breakdowns and key groups.

    The design is the round's stratified cluster design (strata, PSUs) with the
    nonresponse-adjusted weights, raked to the same margins as the weighting chain, so the
    Taylor standard errors account for the raking (Lumley 2010, 7.3; R's ``rake()`` then
    ``svyciprop``).
    """
    from literacy.assessment import estimate_round, round_design

    logger = get_run_logger()
    data = _read(weighted["path"])
    targets = json.loads(Path(weighted["targets"]).read_text(encoding="utf-8"))
    raking = config.get("weighting", {}).get("raking", {})
    design = round_design(data, config, data["weight_nonresponse"].to_numpy(dtype=float))
    design = design.rake(targets, tol=float(raking.get("tolerance", 1e-8)), max_iter=int(raking.get("max_iter", 100)))
    final = data["weight"].to_numpy(dtype=float)
    if not np.allclose(design.weights, final, rtol=1e-6, atol=0):
        worst = float(np.max(np.abs(design.weights / final - 1)))
        logger.warning("round %s: raked design weights differ from the weighting chain's by up to %.2g (relative)",
                       round_id, worst)
    est = estimate_round(design, config, round_id)
    path = fio.write_parquet(est, Path(weighted["path"]).parent / "estimates.parquet")
    head = est[(est["breakdown"] == "city") & (est["level"] == config["scoring"]["headline"])].iloc[0]
    logger.info("round %s: %d estimates; city %s %s (%s to %s), n = %d, deff %.2f, df %s", round_id, len(est),
                head["level"], rep.fmt_pct(head["estimate"], 2), rep.fmt_pct(head["ci_low"], 2),
                rep.fmt_pct(head["ci_high"], 2), int(head["n"]), float(head["deff"]), head["df"])
    return {"path": str(path), "rows": len(est)}


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
    out["covered"] = (out["ci_low"] <= out["truth"]) & (out["truth"] <= out["ci_high"])
    return out


@task(name="compare", **_TASK)
def compare(config: dict, ingested: dict, estimated: dict[str, dict]) -> dict:
    """Change between rounds, verdicts against the target and the national rate, the headline."""
    from literacy.assessment import compare_rounds, headline, target_verdicts

    logger = get_run_logger()
    est = pd.concat([_read(estimated[rid]["path"]) for rid in estimated], ignore_index=True)
    change = compare_rounds(est, config)
    verdicts = target_verdicts(est, change, config)
    head = headline(est, change, verdicts, config)
    work = Path(ingested["work"]["instrument"]).parent  # <processed>/_work
    out = {
        "change": str(fio.write_parquet(change, work / "assessment" / "change.parquet")),
        "verdicts": str(fio.write_parquet(verdicts, work / "assessment" / "verdicts.parquet")),
        "rows": {"change": len(change), "verdicts": len(verdicts)},
    }
    rounds = ingested["work"]["rounds"]
    if all("truth" in t for t in rounds.values()):
        check = _truth_check(est, {rid: _read(t["truth"]) for rid, t in rounds.items()})
        out["truth_check"] = str(fio.write_parquet(check, work / "assessment" / "truth_check.parquet"))
        out["rows"]["truth_check"] = len(check)
        city = check[(check["breakdown"] == "city") & (check["level"] == head["level"])
                     & (check["round"] == head["endline_round"])]
        if len(city):
            head["truth"] = float(city["truth"].iloc[0])
            head["truth_covered"] = bool(city["covered"].iloc[0])
        logger.info("simulated data: %d of %d confidence intervals cover the true population value (%.1f%%)",
                    int(check["covered"].sum()), len(check), 100 * float(check["covered"].mean()))
    out["headline"] = head
    logger.info("%s", rep.headline_text(head, config, "en"))
    return out


@task(name="report", **_TASK)
def report(config: dict, meta: dict, ingested: dict, validated: dict, scored: dict, weighted: dict,
           estimated: dict, compared: dict, out_dir: str, keep_work: bool = False) -> dict:
    """Write every output table, the Excel workbook and the manifest; publish the artifacts."""
    import literacy_schemas as S

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
        diag = _read(weighted[rid]["diagnostics"])
        diagnostics.append(diag)
        put(diag, f"{rid}/weights_diagnostics.csv", "csv")
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
    weighting = pd.concat(diagnostics, ignore_index=True)
    wb = rep.build_workbook(head_table, estimates, change, verdicts, weighting, extra)
    xlsx = fio.write_excel(wb, out / "assessment" / "assessment.xlsx")
    written.append((xlsx, sum(len(e) for e in estimates.values())))

    manifest = {
        "manifest_version": MANIFEST_VERSION,
        "assessment": {k: config["assessment"].get(k) for k in ("id", "name_zh", "name_en")},
        "package": meta["package"],
        "environment": meta["environment"],
        "config": meta["config"],
        "inputs": ingested["inputs"],
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


def _artifacts(config: dict, head: dict, estimates: dict, change: pd.DataFrame, verdicts: pd.DataFrame) -> None:
    """A markdown artifact with the headline, table artifacts with the main tables."""
    level = config["scoring"]["headline"]
    slug = "".join(ch if ch.isalnum() else "-" for ch in str(config["assessment"].get("id", "assessment")).lower())
    create_markdown_artifact(markdown=rep.markdown_headline(head, config, verdicts), key=f"{slug}-headline",
                             description="Headline: city rate, change since baseline, target verdict")
    est = pd.concat(estimates.values(), ignore_index=True)
    cols = ["round", "breakdown", "domain", "label_zh", "label_en", "level", "estimate", "se", "ci_low", "ci_high",
            "n", "deff"]
    main = est[(est["level"] == level) & est["breakdown"].isin(["city", "district", "group"])]
    create_table_artifact(table=rep.table_records(main, cols), key=f"{slug}-estimates",
                          description=f"Share '{level}' by round: city, districts, key groups")
    ch = change[(change["level"] == level) & change["breakdown"].isin(["city", "district", "group"])]
    create_table_artifact(table=rep.table_records(ch, ["breakdown", "domain", "label_zh", "label_en", "baseline",
                                                       "endline", "change", "ci_low", "ci_high", "p_value"]),
                          key=f"{slug}-change", description="Change since the baseline")
    create_table_artifact(table=rep.table_records(verdicts, ["breakdown", "domain", "label_zh", "label_en", "estimate",
                                                             "ci_low", "ci_high", "target", "verdict", "verdict_zh",
                                                             "versus_national"]),
                          key=f"{slug}-verdicts", description="Verdicts against the plan's target")


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
                    out_dir: str | Path | None = None, keep_work: bool = False) -> dict:
    """The end-of-period assessment of a delivery.

    Parameters
    ----------
    config_path : path
        The assessment config (YAML).
    raw_dir, out_dir : path, optional
        Override the config's ``paths.raw`` (the delivery) and ``paths.processed`` (outputs).
    keep_work : bool
        Keep the intermediate Parquet files in ``<processed>/_work/``.

    Returns
    -------
    dict
        ``headline`` (the city's figures), ``outputs`` (files written, relative to the
        output folder) and ``out_dir``.
    """
    logger = get_run_logger()
    loaded = fio.load_config(config_path, raw_dir, out_dir)
    config = loaded.config
    raw, out = str(loaded.raw_dir), str(loaded.processed_dir)
    logger.info("assessment %s: delivery %s -> %s", config["assessment"].get("id"), fio.shown(raw), fio.shown(out))

    ingested = ingest(config, raw, out)
    validated = validate(config, ingested)
    scored, weighted, estimated = {}, {}, {}
    for rid in ingested["work"]["rounds"]:
        scored[rid] = score(config, ingested, rid)
        weighted[rid] = weight(config, ingested, rid, scored[rid])
        estimated[rid] = estimate(config, rid, weighted[rid])
    compared = compare(config, ingested, estimated)
    return report(config, _meta(loaded), ingested, validated, scored, weighted, estimated, compared, out,
                  keep_work=keep_work)


def run_assessment(config_path: str | Path, raw_dir: str | Path | None = None,
                   out_dir: str | Path | None = None, keep_work: bool = False) -> dict[str, Any]:
    """Run :func:`assessment_flow` (a plain call; Prefect starts its ephemeral API as needed)."""
    return assessment_flow(config_path, raw_dir=raw_dir, out_dir=out_dir, keep_work=keep_work)
