"""The flow side of ingest: cache keys, the content-addressed store, staging the work files.

The ``ingest`` and ``validate`` tasks of :mod:`literacy_flows.pipeline.assessment` are cached by
Prefect under a key made of the delivery's content, never of DataFrames:

    sha256 of (every input file's path in the delivery and sha256, the config without its
    ``paths``, the package version, the source of the ingest code)

so a rerun on unchanged inputs reuses the earlier reading (a changed byte in any input
file, the config or the code gives another key). Prefect persists the tasks' results (small
JSON documents) in its local result storage (``$PREFECT_HOME/storage``); the typed,
screened tables themselves are Parquet files in a content-addressed store beside them,
``<storage>/literacy-ingest/<key>/``, which each run copies into its own ``_work/`` folder
(:func:`materialise`). A store entry that has gone missing (pruned: the store keeps the
:data:`KEEP_STORE_ENTRIES` most recent) forces a fresh reading.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
import uuid
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import pandas as pd

import literacy
import literacy_schemas
from literacy_flows.ingest import delivery as dlv
from literacy_flows.ingest import io as fio

__all__ = ["cache_key", "ingest_cache_key", "validate_cache_key", "store_root", "store_complete", "ingest_delivery",
           "materialise", "validate_staged", "KEEP_STORE_ENTRIES", "quarantine_outputs", "manifest_quarantine"]

#: Store entries kept (the most recently used); older ones are removed by later runs.
KEEP_STORE_ENTRIES = 12
_MARKER = "ingest.json"
_CODE = ("readers.py", "delivery.py", "cache.py", "io.py")


def store_root() -> Path:
    """``<Prefect local result storage>/literacy-ingest`` (``$PREFECT_HOME/storage`` by default)."""
    try:   # Prefect's settings, read only here: nothing else in this module needs Prefect
        from prefect.settings import get_current_settings

        base = Path(get_current_settings().results.local_storage_path)
    except Exception:  # pragma: no cover - Prefect missing or settings unreadable
        base = Path(os.environ.get("PREFECT_HOME", Path.home() / ".prefect")) / "storage"
    return base.expanduser() / "literacy-ingest"


def _package_version() -> str:
    try:
        return version("literacy")
    except PackageNotFoundError:  # pragma: no cover
        return "unknown"


def _code_hash() -> str:
    """Hash of the source of the ingest code (readers, screening, privacy, schemas, config)."""
    here = Path(__file__).resolve().parent
    pkg = Path(literacy.__file__).resolve().parent
    schemas = Path(literacy_schemas.__file__).resolve().parent
    h = hashlib.sha256()
    for p in [*(here / n for n in _CODE), pkg / "quarantine.py", pkg / "privacy.py", pkg / "config.py",
              *(pkg / "quality" / n for n in ("dispositions.py", "interviews.py", "round_quality.py")),
              schemas / "raw.py", schemas / "validation.py"]:
        if p.is_file():
            h.update(p.name.encode())
            h.update(p.read_bytes())
    return h.hexdigest()


def cache_key(config: dict, raw_dir: str | os.PathLike) -> str:
    """The content key of a delivery and config (see the module docstring).

    Raises
    ------
    literacy.errors.LiteracyError
        A missing or ambiguous input file.
    """
    raw = Path(raw_dir)
    files = dlv.delivery_inputs(raw, config)
    paths = dlv.input_paths(files)   # the top-level instrument, every round's own form, tables, scorecard
    h = hashlib.sha256()
    cfg = {k: v for k, v in config.items() if k != "paths"}
    h.update(fio.json_bytes(cfg))
    h.update(f"literacy {_package_version()}\n".encode())
    h.update(_code_hash().encode())
    h.update(str(store_root()).encode())
    for p in paths:
        h.update(f"{fio.relative_to(p, raw)}\0{fio.sha256_file(p)}\n".encode())
    # round folders the config does not list: the summary names them, so they are part of the key
    listed = {str(r["id"]) for r in config["rounds"]}
    unlisted = sorted(d.name for d in raw.iterdir() if d.is_dir() and d.name not in listed) if raw.is_dir() else []
    h.update(f"unlisted\0{','.join(unlisted)}\n".encode())
    return h.hexdigest()


def ingest_cache_key(context: Any, parameters: dict) -> str:
    """Prefect ``cache_key_fn`` of the ingest task: ``literacy-ingest-<content key>``.

    When the key cannot be made (a missing file), a key never seen before: the task then
    runs and reports the problem. A cached result whose store entry has gone is detected
    by :func:`store_complete` and recomputed by the flow (``refresh_cache``).
    """
    try:
        return f"literacy-ingest-{cache_key(parameters['config'], parameters['raw_dir'])}"
    except Exception:
        return f"literacy-ingest-unkeyed-{uuid.uuid4().hex}"


def store_complete(result: dict) -> bool:
    """True when an ingest result's stored tables are all present."""
    store = Path(result["store"])
    if not (store / _MARKER).is_file():
        return False
    t = result["tables"]
    names = [*([t["instrument"]] if "instrument" in t else []), *t.get("instruments", {}).values(),
             *[p for r in t["rounds"].values() for p in r.values()],
             *result["quarantine"].values(), *([t["scorecard"]] if "scorecard" in t else [])]
    return all((store / n).is_file() for n in names)


def validate_cache_key(context: Any, parameters: dict) -> str:
    """Prefect ``cache_key_fn`` of the validate task: the ingest key (the same content)."""
    key = (parameters.get("ingested") or {}).get("key")
    return f"literacy-validate-{key}" if key else f"literacy-validate-unkeyed-{uuid.uuid4().hex}"


def _prune(root: Path, keep: str) -> None:
    entries = sorted((p for p in root.iterdir() if p.is_dir() and (p / _MARKER).is_file()),
                     key=lambda p: (p / _MARKER).stat().st_mtime, reverse=True)
    for p in entries[KEEP_STORE_ENTRIES:]:
        if p.name != keep:
            shutil.rmtree(p, ignore_errors=True)
    for p in root.iterdir():  # half-written entries of runs that died
        if p.is_dir() and p.name.startswith(".tmp-") and time.time() - p.stat().st_mtime > 3600:
            shutil.rmtree(p, ignore_errors=True)


def ingest_delivery(config: dict, raw_dir: str | os.PathLike) -> dict:
    """Read and screen a delivery, store the tables, and describe them (the ingest task's body).

    Stops (raises) on a file-level problem and when a file's quarantined share exceeds
    ``ingest.max_quarantine_share``.

    Returns
    -------
    dict
        JSON-serialisable: ``key``, ``store`` (the entry's folder), ``inputs`` (manifest
        entries), ``tables`` (store-relative Parquet paths by round and table), ``rel``
        (delivery-relative file names), ``lines`` / ``units`` (file lines of the kept rows,
        None where they are simply 2, 3, ...), ``quarantine`` (store-relative paths per
        round), ``summary`` (counts for the manifest) and ``summary_lines`` (the printed
        summary).
    """
    raw = Path(raw_dir)
    key = cache_key(config, raw)
    delivery = dlv.load_delivery(config, raw)
    dlv.check_quarantine_share(delivery)
    root = store_root()
    root.mkdir(parents=True, exist_ok=True)
    tmp = root / f".tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    try:
        # the forms: the top-level instrument (when delivered) and each round's own form; the
        # "instruments" mapping gives every round the form it is scored with
        tables: dict[str, Any] = {"instruments": {}, "rounds": {}}
        rel: dict[str, Any] = {"instruments": {}, "rounds": {}}
        top = next((f.rel for f in delivery.files if f.role == "instrument" and f.round is None), None)
        if delivery.instrument is not None:
            fio.write_parquet(delivery.instrument, tmp / "instrument.parquet")
            tables["instrument"], rel["instrument"] = "instrument.parquet", top
        for rid, form in delivery.instruments.items():
            if delivery.form_files[rid] == top:
                tables["instruments"][rid] = "instrument.parquet"
            else:
                fio.write_parquet(form, tmp / rid / "instrument.parquet")
                tables["instruments"][rid] = f"{rid}/instrument.parquet"
                rel["instruments"][rid] = delivery.form_files[rid]   # the rounds with their own form
        quarantine = {}
        for rid, round_tables in delivery.rounds.items():
            tables["rounds"][rid], rel["rounds"][rid] = {}, {}
            for name, df in round_tables.items():
                fio.write_parquet(df, tmp / rid / f"{name}.parquet")
                tables["rounds"][rid][name] = f"{rid}/{name}.parquet"
                info = next(f for f in delivery.files if f.round == rid and f.role == name)
                rel["rounds"][rid][name] = info.rel
            fio.write_parquet(delivery.quarantine[rid], tmp / rid / "quarantine.parquet")
            quarantine[rid] = f"{rid}/quarantine.parquet"
        if delivery.scorecard is not None:
            fio.write_parquet(delivery.scorecard, tmp / "scorecard.parquet")
            tables["scorecard"] = "scorecard.parquet"
            rel["scorecard"] = next(f.rel for f in delivery.files if f.role == "scorecard")
        lines = {}
        for name, values in delivery.lines.items():
            simple = list(range(2, 2 + len(values)))
            lines[name] = None if values == simple and delivery.units.get(name) == "line" else values
        result = {
            "key": key, "inputs": [f.entry() for f in delivery.files], "tables": tables, "rel": rel,
            "lines": lines, "units": dict(delivery.units), "quarantine": quarantine,
            "forms": dlv.forms_summary(delivery),
            "summary": dlv.summary(delivery), "summary_lines": dlv.summary_lines(delivery),
        }
        fio.write_json(result, tmp / _MARKER)
        final = root / key
        if final.exists():
            shutil.rmtree(final, ignore_errors=True)
        os.replace(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _prune(root, key)
    return {**result, "store": str(root / key)}


def materialise(result: dict, out_dir: str | os.PathLike, raw_dir: str | os.PathLike) -> dict:
    """Copy a (possibly cached) ingest result's tables into ``<out>/_work/`` and write the
    rounds' quarantine files; returns what the downstream tasks read.

    Returns
    -------
    dict
        ``inputs``, ``work`` (absolute Parquet paths: ``instrument`` for a top-level
        instrument, ``instruments`` the form of every round, ``rounds`` by round and table,
        ``scorecard``), ``shown`` (file
        names for messages), ``rel``, ``lines``, ``units``, ``key``, ``summary``,
        ``summary_lines`` and ``quarantine_files`` (written, relative to the output folder,
        with their row counts).
    """
    store, out, raw = Path(result["store"]), Path(out_dir), Path(raw_dir)
    work = out / "_work"
    work.mkdir(parents=True, exist_ok=True)

    def copy(rel: str) -> str:
        target = work / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(store / rel, target)
        return str(target)

    t = result["tables"]
    staged: dict[str, Any] = {"instruments": {rid: copy(path) for rid, path in t["instruments"].items()},
                              "rounds": {}}
    shown: dict[str, Any] = {"instruments": {rid: fio.shown(raw / r)
                                             for rid, r in result["rel"]["instruments"].items()}, "rounds": {}}
    if "instrument" in t:
        staged["instrument"] = copy(t["instrument"])
        shown["instrument"] = fio.shown(raw / result["rel"]["instrument"])
    for rid, names in t["rounds"].items():
        staged["rounds"][rid] = {name: copy(path) for name, path in names.items()}
        shown["rounds"][rid] = {name: fio.shown(raw / r) for name, r in result["rel"]["rounds"][rid].items()}
    if "scorecard" in t:
        staged["scorecard"] = copy(t["scorecard"])
        shown["scorecard"] = fio.shown(raw / result["rel"]["scorecard"])
    written = []
    for rid, rel in result["quarantine"].items():
        table = pd.read_parquet(store / rel)
        path = fio.write_csv(table, out / rid / "quarantine.csv")
        written.append({"file": fio.relative_to(path, out), "rows": len(table)})
    return {**{k: v for k, v in result.items() if k not in ("tables", "quarantine", "store")},
            "work": staged, "shown": shown, "quarantine_files": written}


def validate_staged(config: dict, ingested: dict) -> dict[str, int]:
    """The validate task's body: the schemas and the respondents-sample check on ``_work``.

    Returns the rows validated per input file (delivery-relative names)."""
    work, shown, rel = ingested["work"], _flat(ingested["shown"]), _flat(ingested["rel"])
    rounds = {rid: {name: pd.read_parquet(path) for name, path in tables.items()}
              for rid, tables in work["rounds"].items()}
    scorecard = pd.read_parquet(work["scorecard"]) if "scorecard" in work else None
    lines = {name: v for name, v in (ingested.get("lines") or {}).items() if v is not None}
    instrument = pd.read_parquet(work["instrument"]) if "instrument" in work else None
    instruments = {rid: pd.read_parquet(path) for rid, path in work["instruments"].items()}
    return dlv.check_schemas(config, instrument, rounds, scorecard, rel, lines, ingested.get("units") or {}, shown,
                             instruments=instruments)


def _flat(by_role: dict) -> dict[str, str]:
    """``{"instrument": x, "instruments": {rid: f}, "rounds": {rid: {name: y}}, "scorecard": z}`` ->
    ``{"instrument": x, "<rid>/instrument": f, "<rid>/<name>": y, ...}`` (``instruments``: the rounds'
    own forms)."""
    out = {"instrument": by_role["instrument"]} if "instrument" in by_role else {}
    for rid, form in by_role.get("instruments", {}).items():
        out[f"{rid}/instrument"] = form
    for rid, names in by_role["rounds"].items():
        for name, s in names.items():
            out[f"{rid}/{name}"] = s
    if "scorecard" in by_role:
        out["scorecard"] = by_role["scorecard"]
    return out


def quarantine_outputs(ingested: dict, out_dir: str | os.PathLike) -> list[dict]:
    """Manifest entries of the quarantine files written by :func:`materialise`."""
    out = Path(out_dir)
    return [{"file": q["file"], "sha256": fio.sha256_file(out / q["file"]), "bytes": (out / q["file"]).stat().st_size,
             "rows": int(q["rows"])} for q in ingested.get("quarantine_files", [])]


def manifest_quarantine(manifest_path: str | os.PathLike, ingested: dict, out_dir: str | os.PathLike) -> list[str]:
    """Add the quarantine files and counts to a written manifest (rewritten atomically).

    Adds ``quarantine`` (the per-file reconciliation: rows read = rows kept + rows
    quarantined, rows by rule, sampled respondents counted as nonrespondents) and
    ``privacy`` (the columns dropped as personal data, by name), and lists each round's
    ``quarantine.csv`` among the outputs.

    Returns
    -------
    list of str
        The quarantine files, relative to the output folder.
    """
    path = Path(manifest_path)
    manifest = json.loads(path.read_text(encoding="utf-8"))
    entries = quarantine_outputs(ingested, out_dir)
    names = {e["file"] for e in entries}
    manifest["outputs"] = [o for o in manifest.get("outputs", []) if o["file"] not in names] + entries
    manifest["quarantine"] = ingested["summary"]
    manifest["privacy"] = {"dropped_columns": {e["file"]: e["dropped_columns"] for e in ingested["inputs"]
                                               if e.get("dropped_columns")}}
    counts = manifest.setdefault("row_counts", {})
    counts["quarantine"] = {f: v["rows_quarantined"] for f, v in ingested["summary"]["files"].items()}
    fio.write_json(manifest, path)
    return sorted(names)
