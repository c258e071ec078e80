"""The province flow: every member city's assessment on Dask, then the provincial roll-up.

``province_flow`` runs each member's single-city assessment (:func:`literacy_flows.pipeline.assessment.
assessment_flow`, unchanged, as a subflow inside one Prefect task per city) through
``prefect_dask.DaskTaskRunner``: a local ``distributed.LocalCluster`` by default, or an
existing Dask scheduler (``address``). Each city writes its own output folder exactly as
``literacy run`` would (``<out>/<city>/``); the roll-up writes ``<out>/province/``.

Tasks pass paths and small values. Each city task keeps its run's ``_work/`` only long enough
to copy its respondents' design columns and final weights (``<out>/.province-work/<city>/
<round>.parquet``), then removes it, so the city folder is byte-identical to a single run.

A city that fails (bad delivery, failed step) fails alone: the others finish, the roll-up
uses the cities that finished and names the missing ones. A finished city whose inputs,
config and code are unchanged is not run again (``done.json`` beside its extract records the
key and the manifest's sha256): a rerun costs the hashing of the inputs. A Dask worker that
dies mid-task: the scheduler runs the task again on another worker (``allowed-failures``),
and the city's staged writing leaves no half-written folder.
"""


from __future__ import annotations

import hashlib
import json
import os
import resource
import shutil
import socket
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.futures import wait as wait_all
from prefect.settings import PREFECT_API_URL, temporary_settings
from prefect.task_runners import ThreadPoolTaskRunner

import literacy
import literacy_flows
import literacy_schemas
from literacy.errors import LiteracyError
from literacy.catalog.codebook import CODEBOOK_COLUMNS, codebook_table, table_key_of
from literacy.province.summary import change_summary, endline_summary, rollup_estimates, round_roles_of
from literacy_flows.ingest import cache as fin
from literacy_flows.ingest import io as fio
from literacy_flows.pipeline import assessment
from literacy_flows.pipeline.members import load_province, prepare_members, province_folders
from literacy_flows.pipeline.numerics import single_blas_thread
from literacy_flows.pipeline.quiet_errors import quiet_user_errors
from literacy_flows.pipeline.work import WORK_DIR
from literacy_flows.report.explorer import explorer_html, explorer_meta
from literacy_flows.report.notebooks import NOTEBOOKS_DIR
from literacy_flows.report.province_outputs import league_figure, province_workbook

__all__ = ["province_flow", "run_city", "rollup", "WORK", "ALLOWED_FAILURES", "task_runner", "run_province",
           "city_key", "failure_reason", "finished_city"]


WORK = ".province-work"
#: How often the Dask scheduler runs a task again after the worker running it died.
ALLOWED_FAILURES = 3
MANIFEST_VERSION = 1


def _code_key() -> str:
    """Hash of the source of the computation and flow packages (a code change reruns every city)."""
    h = hashlib.sha256()
    for pkg in (literacy, literacy_flows, literacy_schemas):
        root = Path(pkg.__file__).resolve().parent
        for p in sorted(root.rglob("*.py")):
            h.update(p.relative_to(root).as_posix().encode())
            h.update(p.read_bytes())
    for p in sorted(NOTEBOOKS_DIR.glob("*.py")) if NOTEBOOKS_DIR.is_dir() else []:
        h.update(p.read_bytes())
    return h.hexdigest()


def city_key(config_path: Path, raw_dir: Path, with_notebooks: bool) -> str:
    """The content key of one city's run: config bytes, delivery content, code, notebooks flag."""
    loaded = fio.load_config(config_path, raw_dir, raw_dir)
    h = hashlib.sha256()
    h.update(config_path.read_bytes())
    h.update(fin.cache_key(loaded.config, raw_dir).encode())
    h.update(_code_key().encode())
    h.update(b"notebooks" if with_notebooks else b"no-notebooks")
    return h.hexdigest()


def finished_city(out_city: Path, work: Path, key: str) -> dict | None:
    """The recorded result of an earlier run of this city with the same key whose outputs are intact.

    Parameters
    ----------
    out_city : Path
        The city's output folder (its ``manifest.json`` lists every output and its sha256).
    work : Path
        The city's folder under ``<out>/.province-work/`` (``done.json``, written last).
    key : str
        The city's content key now (:func:`city_key`).

    Returns
    -------
    dict or None
        ``done.json``'s record, or None when there is none, its key differs, or an output, the
        manifest or a pooled extract is missing or not the bytes recorded (the city is run again).
    """
    done = work / "done.json"
    try:
        record = json.loads(done.read_text(encoding="utf-8"))
        if record["key"] != key or fio.sha256_file(out_city / "manifest.json") != record["manifest_sha256"]:
            return None
        manifest = json.loads((out_city / "manifest.json").read_text(encoding="utf-8"))
        for o in manifest["outputs"]:
            if fio.sha256_file(out_city / o["file"]) != o["sha256"]:
                return None
        if not all(Path(p).is_file() for p in record["pooled"].values()):
            return None
        return record
    except (OSError, ValueError, KeyError, TypeError):
        return None


# --------------------------------------------------------------------------- tasks
def _children_cpu() -> float:
    """CPU seconds of this process's finished child processes (LibreOffice rendering the PDF)."""
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _pooled_extracts(config: dict, out: Path, work: Path) -> dict[str, str]:
    """Each round's design columns, final weights and 0/1 levels from the city's ``_work/``, copied to
    ``work/<round>.parquet``; the city's ``_work/`` is then removed. Returns ``{round: path}``."""
    design = config["design"]
    levels = [lv["code"] for lv in config["scoring"]["levels"]]
    pooled = {}
    try:
        for r in config["rounds"]:
            rid = str(r["id"])
            data = pd.read_parquet(out / WORK_DIR / rid / "weighted.parquet")
            extract = pd.DataFrame({"stratum": data[design["strata"]].astype(str),
                                    "psu": data[design["psu"]].astype(str),
                                    "weight": data["weight"].to_numpy(dtype=float)})
            for lv in levels:
                extract[lv] = data[lv].to_numpy(dtype=np.int8)
            pooled[rid] = str(fio.write_parquet(extract, work / f"{rid}.parquet"))
    finally:
        shutil.rmtree(out / WORK_DIR, ignore_errors=True)
    return pooled


@task(name="city", task_run_name="city-{member_id}", cache_policy=NO_CACHE, persist_result=False, retries=0)
def run_city(member_id: str, config_path: str, raw_dir: str, out_dir: str, work_dir: str,
             with_notebooks: bool = False) -> dict:
    """One member's assessment: the single-city flow into ``out_dir``, then its pooled extract.

    Returns
    -------
    dict
        ``id, status ("finished" | "reused"), headline, pooled ({round: parquet path}),
        seconds, cpu_seconds (the worker process's CPU time meanwhile: the city's cost on a
        machine shared with other work), children_cpu_seconds (its child processes': the PDF's
        LibreOffice), peak_mb (the worker process's peak resident memory),
        worker``.
    """
    quiet_user_errors()  # in a Dask worker process too: a bad delivery is one line, no traceback
    logger = get_run_logger()
    started, cpu, child = time.monotonic(), time.process_time(), _children_cpu()
    cfg_path, raw, out, work = Path(config_path), Path(raw_dir), Path(out_dir), Path(work_dir)
    where = {"worker": f"{socket.gethostname()}:{os.getpid()}"}
    key = city_key(cfg_path, raw, with_notebooks)
    record = finished_city(out, work, key)
    if record is not None:
        logger.info("city %s: inputs, config and code unchanged; reusing its outputs", member_id)
        return {**record, "id": member_id, "status": "reused", "seconds": time.monotonic() - started,
                "cpu_seconds": time.process_time() - cpu, "children_cpu_seconds": _children_cpu() - child,
                "peak_mb": _peak_mb(), **where}
    # through the module: this task reaches a Dask worker pickled by value, and a flow pickled by value
    # would lose the module globals its (string) annotations name, which Prefect resolves
    result = assessment.assessment_flow(cfg_path, raw_dir=raw, out_dir=out, keep_work=True,
                                        with_notebooks=with_notebooks)
    loaded = fio.load_config(cfg_path, raw, out)
    record = {"key": key, "manifest_sha256": fio.sha256_file(out / "manifest.json"),
              "pooled": _pooled_extracts(loaded.config, out, work), "headline": result["headline"],
              "name_zh": loaded.config["assessment"]["name_zh"], "name_en": loaded.config["assessment"]["name_en"]}
    fio.write_json(record, work / "done.json")
    logger.info("city %s finished in %.0f s", member_id, time.monotonic() - started)
    return {**record, "id": member_id, "status": "finished", "seconds": time.monotonic() - started,
            "cpu_seconds": time.process_time() - cpu, "children_cpu_seconds": _children_cpu() - child,
            "peak_mb": _peak_mb(), **where}


def _city_status(cities: list[dict]) -> pd.DataFrame:
    """The status table: every member, a reused city shown as finished."""
    return pd.DataFrame([{"city": c["id"], "label_zh": c.get("name_zh"), "label_en": c.get("name_en"),
                          "status": _SHOWN.get(c["status"], c["status"]), "error": c.get("error")}
                         for c in cities])


#: A reused city is a finished one: the outputs do not depend on whether it was run again.
_SHOWN = {"reused": "finished"}


class _Staged:
    """The roll-up's files in its staging folder, in the order written (the manifest's list)."""

    def __init__(self, stage: Path):
        self.stage = stage
        self.files: list[tuple[Path, int]] = []
        #: catalog table -> the tables written (the codebook's input)
        self.tables: dict[str, list[pd.DataFrame]] = {}

    def put(self, df: pd.DataFrame, rel: str) -> None:
        fio.write_csv(df, self.stage / f"{rel}.csv")
        fio.write_parquet(df, self.stage / f"{rel}.parquet")
        self.files.extend([(self.stage / f"{rel}.csv", len(df)), (self.stage / f"{rel}.parquet", len(df))])
        self.tables.setdefault(table_key_of(f"province/{rel}.csv"), []).append(df)

    def put_codebook(self, config: dict | None) -> pd.DataFrame:
        """``codebook.csv``: every column of every table written here (issue 24); returns it."""
        tables = {**self.tables, "codebook": [pd.DataFrame(columns=CODEBOOK_COLUMNS, dtype="string")]}
        book = codebook_table(tables, config)
        self.files.append((fio.write_csv(book, self.stage / "codebook.csv"), len(book)))
        return book


def _rollup_figures(cfg: dict, ok: list[dict], first: dict, w: _Staged, tables: dict, summary: dict) -> None:
    """The province's estimates, league table, change and figure over the cities in ``ok``."""
    levels = [lv["code"] for lv in first["scoring"]["levels"]]
    headline = first["scoring"]["headline"]
    conf = float(first["estimation"]["level"])
    rounds = [str(r["id"]) for r in first["rounds"]]
    labels = {c["id"]: (str(c.get("name_zh") or c["id"]), str(c.get("name_en") or c["id"])) for c in ok}
    frames = {rid: {c["id"]: pd.read_parquet(c["pooled"][rid]) for c in ok} for rid in rounds}
    est, league = rollup_estimates(frames, levels, labels, cfg, conf)
    roles = round_roles_of(first["rounds"])
    for name, df in (("estimates", est), ("league_table", league)):
        w.put(df, name)
        tables[name] = df
    end = roles.get("endline", rounds[-1])
    target = float(cfg["targets"]["headline"])
    figures, p_end = endline_summary(est, headline, end, target)
    summary.update(figures)
    if "baseline" in roles and "endline" in roles:
        change, figures = change_summary(est, roles, headline, conf)
        w.put(change, "change")
        tables["change"] = change
        summary.update(figures)
    fig = league_figure(league[(league["level"] == headline) & (league["round"] == end)], p_end, target,
                        cfg["province"])
    w.files.append((fio.atomic_write_bytes(w.stage / "league_table.png", fig), len(ok)))
    # the province's explorer: the province and its cities (a breakdown), every round and level
    meta = {**explorer_meta(first, ["province", "city"]),
            "title": {"zh": f"{cfg['province']['name_zh']} · 数据浏览", "en": f"{cfg['province']['name_en']}: data explorer"},
            "breakdowns": [{"code": "province", "zh": "全省（区）", "en": "Province"},
                           {"code": "city", "zh": "各市（盟）", "en": "Cities"}]}
    html = explorer_html({"estimates": est, **({"change": tables["change"]} if "change" in tables else {})}, meta)
    w.files.append((fio.atomic_write_bytes(w.stage / "explorer.html", html.encode("utf-8")), len(est)))


def _summary_table(summary: dict) -> pd.DataFrame:
    table = pd.DataFrame({"key": list(summary), "value": [json.dumps(v, ensure_ascii=False)
                                                          if isinstance(v, list) else v
                                                          for v in summary.values()]})
    table["value"] = table["value"].astype(str)
    return table


def _rollup_manifest(cfg: dict, source: dict, config_file: str, cities: list[dict], summary: dict,
                     w: _Staged) -> dict:
    return {
        "manifest_version": MANIFEST_VERSION,
        "province": {k: cfg["province"][k] for k in ("id", "name_zh", "name_en")},
        "config": {"file": Path(config_file).name, "sha256": fio.sha256_file(config_file), "content": source},
        "cities": [{"id": c["id"], "status": _SHOWN.get(c["status"], c["status"]), **({"error": c["error"]} if c.get("error") else {}),
                    **({"manifest_sha256": c["manifest_sha256"]} if c.get("manifest_sha256") else {})}
                   for c in cities],
        "summary": summary,
        "outputs": [{"file": fio.relative_to(p, w.stage), "sha256": fio.sha256_file(p), "bytes": p.stat().st_size,
                     "rows": int(n)} for p, n in w.files],
    }


def _write_rollup(cfg: dict, source: dict, config_file: str, cities: list[dict], member_configs: dict[str, str],
                  out_dir: str, stage: Path) -> dict:
    """Every file of ``<out>/province/`` into ``stage``; the summary."""
    ok = [c for c in cities if c["status"] != "failed"]
    first = fio.load_config(member_configs[ok[0]["id"]], out_dir, out_dir).config if ok else None
    w = _Staged(stage)
    status = _city_status(cities)
    w.put(status, "cities")
    summary: dict[str, Any] = {"cities_finished": len(ok),
                               "cities_missing": [c["id"] for c in cities if c["status"] == "failed"]}
    tables: dict[str, pd.DataFrame] = {"cities": status}
    if len(ok) >= int(cfg["rollup"]["min_cities"]) and ok:
        _rollup_figures(cfg, ok, first, w, tables, summary)
    summary_table = _summary_table(summary)
    w.put(summary_table, "summary")
    codebook = w.put_codebook(first)
    w.files.append((fio.write_excel(province_workbook({"summary": summary_table, **tables}, codebook),
                                    stage / "province.xlsx"), len(ok)))
    for cid, p in member_configs.items():
        if Path(p).parent.name == "configs" and Path(p).parent.parent.name == WORK:
            w.files.append((fio.atomic_write_bytes(stage / "configs" / f"{cid}.yaml", Path(p).read_bytes()), 0))
    fio.write_json(_rollup_manifest(cfg, source, config_file, cities, summary, w), stage / "manifest.json")
    return summary


@task(name="rollup", cache_policy=NO_CACHE, persist_result=False, retries=0)
def rollup(cfg: dict, source: dict, config_file: str, cities: list[dict], member_configs: dict[str, str],
           out_dir: str) -> dict:
    """The province's figures over the cities that finished; writes ``<out>/province/``.

    ``cities`` lists every member in config order with ``status`` ("finished", "reused" or
    "failed") and, for failed ones, ``error``.
    """
    logger = get_run_logger()
    final = Path(out_dir) / "province"
    stage = fio.new_staging(final)
    try:
        summary = _write_rollup(cfg, source, config_file, cities, member_configs, out_dir, stage)
        fio.swap_in(stage, final)
    except BaseException:
        fio.discard_staging(stage)
        raise
    missing = [c for c in cities if c["status"] == "failed"]
    if missing:
        logger.warning("roll-up over %d of %d cities; missing: %s", len(cities) - len(missing), len(cities),
                       "; ".join(f"{c['id']} ({c['error']})" for c in missing))
    return {"summary": summary, "out_dir": str(final)}


# --------------------------------------------------------------------------- flow
def task_runner(address: str | None = None, workers: int | None = None):
    """The Dask task runner: an existing scheduler at ``address``, else a LocalCluster of
    ``workers`` single-threaded worker processes (default: one per core)."""
    # imported here, not at the top: dask, distributed and prefect_dask take seconds to import and
    # only a Dask run needs them (a --sequential run and the roll-up do not)
    import dask
    from prefect_dask import DaskTaskRunner

    dask.config.set({"distributed.scheduler.allowed-failures": ALLOWED_FAILURES})
    if address:
        return DaskTaskRunner(address=address)
    n = int(workers or os.cpu_count() or 1)
    return DaskTaskRunner(cluster_class="distributed.LocalCluster",
                          cluster_kwargs={"n_workers": n, "threads_per_worker": 1, "processes": True,
                                          "dashboard_address": None})


def failure_reason(exc: BaseException) -> str:
    """One line saying why a city task failed: the user error's own line; for a task whose Dask
    workers all died (``distributed.scheduler.KilledWorker``) how often and where; else the
    exception's type and first line."""
    if type(exc).__name__ == "KilledWorker" and len(exc.args) >= 3:
        allowed, worker = int(exc.args[2]), getattr(exc.args[1], "address", exc.args[1])
        return (f"its Dask worker process died each of the {allowed + 1} times it ran this city (killed or out "
                f"of memory; distributed.scheduler.allowed-failures = {allowed}); the last worker was {worker}")
    msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return msg if isinstance(exc, (LiteracyError, OSError)) else f"{type(exc).__name__}: {msg}"


def _gathered(futures: dict, cfg: dict, logger) -> list[dict]:
    """Every member's result in config order: the city task's, or ``failed`` with a one-line error."""
    cities = []
    for cid, fut in futures.items():
        try:
            value = fut.result(raise_on_failure=False)   # the record, or the failed state's exception
        except Exception as raised:  # noqa: BLE001 - a task whose workers all died raises KilledWorker here
            value = raised
        if not isinstance(value, BaseException):
            cities.append(value)
            continue
        msg = failure_reason(value)
        cities.append({"id": cid, "status": "failed", "error": msg})
        logger.error("city %s failed: %s", cid, msg)
    for c in cities:  # names for the status table, from the member entry when the city failed
        m = next(m for m in cfg["members"] if m["id"] == c["id"])
        c.setdefault("name_zh", m.get("name_zh", c["id"]))
        c.setdefault("name_en", m.get("name_en", c["id"]))
    return cities


@flow(name="literacy-province", persist_result=False, log_prints=False)
def province_flow(config_path: str | Path, raw_dir: str | Path | None = None, out_dir: str | Path | None = None,
                  with_notebooks: bool = False) -> dict:
    """Every member's assessment (one task each, on the flow's task runner) and the roll-up.

    Parameters
    ----------
    config_path : path
        The province config.
    raw_dir, out_dir : path, optional
        Override the config's ``paths.raw`` (one delivery folder per member, named by its
        id) and ``paths.processed`` (one output folder per member and ``province/``).
    with_notebooks : bool
        Execute each city's reviewer notebooks.

    Returns
    -------
    dict
        ``cities`` (per member: ``id, status, error, seconds, peak_mb, worker``), ``summary``
        (the province's figures) and ``out_dir``.
    """
    logger = get_run_logger()
    path, cfg, source = load_province(config_path)
    raw, out = province_folders(path, cfg, raw_dir, out_dir)
    work = out / WORK
    members = prepare_members(path, cfg, work / "configs")
    futures = {cid: run_city.submit(cid, str(cfg_path), str(raw / cid), str(out / cid), str(work / cid),
                                    with_notebooks)
               for cid, cfg_path in members.items()}
    wait_all(list(futures.values()))
    cities = _gathered(futures, cfg, logger)
    with single_blas_thread():  # the roll-up's figures: the same bytes on any machine load (literacy_flows.pipeline.numerics)
        rolled = rollup(cfg, source, str(path), cities, {k: str(v) for k, v in members.items()}, str(out))
    return {"cities": cities, "summary": rolled["summary"], "out_dir": str(out)}


def run_province(config_path: str | Path, raw_dir=None, out_dir=None, address: str | None = None,
                 workers: int | None = None, with_notebooks: bool = False, sequential: bool = False) -> dict:
    """Run :func:`province_flow` on Dask (or, with ``sequential``, one city after another in this process)."""
    if sequential:
        runner = ThreadPoolTaskRunner(max_workers=1)
        return province_flow.with_options(task_runner=runner)(config_path, raw_dir=raw_dir, out_dir=out_dir,
                                                              with_notebooks=with_notebooks)
    # The local workers report to this process's Prefect API (the ephemeral one, started here when
    # no server is configured) instead of each starting a temporary server of its own.
    url = PREFECT_API_URL.value()
    if not url and not address:
        # imported here: Prefect's whole server API, needed only when no server is configured
        from prefect.server.api.server import SubprocessASGIServer

        server = SubprocessASGIServer()
        server.start()
        url = server.api_url
    before = os.environ.get("PREFECT_API_URL")
    try:
        if url and not address:
            os.environ["PREFECT_API_URL"] = url  # inherited by the LocalCluster's worker processes
        with temporary_settings({PREFECT_API_URL: url} if url else {}):
            return province_flow.with_options(task_runner=task_runner(address, workers))(
                config_path, raw_dir=raw_dir, out_dir=out_dir, with_notebooks=with_notebooks)
    finally:
        if before is None:
            os.environ.pop("PREFECT_API_URL", None)
        else:
            os.environ["PREFECT_API_URL"] = before
