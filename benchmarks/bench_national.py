"""National-scale benchmark (issue 28): ``run-province`` over prefecture-level cities on a real Dask
cluster started from the command line, 1 and 2 workers.

Run from the repository root (not part of the test suite; it takes a while)::

    .venv/bin/python benchmarks/bench_national.py --cities 30 --workers 1,2 --out benchmarks/results/national.json

For each ``--cities`` N: the national config's first N members (``national_config.py``: the 31
provinces' prefecture-level divisions, round-robin, so a subset spans the country) are simulated
with ``literacy simulate --province``; then, for each worker count, a fresh ``dask scheduler`` and
``dask worker`` processes (loopback, ``--nthreads 1``) and a fresh Prefect API are started and
``run_province(address=...)`` runs in a subprocess (the client). Measured:

- wall time of the client (Prefect start, every city, the roll-up);
- per city: its task's seconds (wall) and CPU seconds (the worker process's CPU time: the
  city's cost whatever else the machine runs) and the worker process's peak resident memory (``ru_maxrss``);
  the client's own peak resident memory (it never holds a city's microdata: it reads the
  cities' small pooled extracts for the roll-up only);
- where the time goes: every Prefect task run's duration from the API, summed by task name
  (the single-city flow's stages), per city; the roll-up; the rest of the wall time is start-up
  and scheduling (wall time x workers - the city tasks' time, spread over the workers).

Nothing is extrapolated here: the README's national-scale figures say which numbers come from
measured per-city times.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "tests"))
from dask_cluster import LoopbackCluster
from national_config import national_config

BIN = Path(sys.executable).parent

CLIENT = """
import json, resource, sys, time
from literacy_flows.pipeline.province import run_province
t = time.perf_counter()
r = run_province(sys.argv[1], out_dir=sys.argv[2], address=sys.argv[3])
json.dump({"cities": r["cities"], "wall_s": time.perf_counter() - t,
           "client_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}, open(sys.argv[4], "w"),
          default=str)
"""


def _stage_times(api_url: str) -> dict[str, float]:
    """Seconds of every task run recorded by the Prefect API, summed by task name (suffix removed)."""
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    totals: dict[str, float] = defaultdict(float)
    with temporary_settings({PREFECT_API_URL: api_url}), get_client(sync_client=True) as client:
        offset = 0
        while True:
            runs = client.read_task_runs(limit=200, offset=offset)
            if not runs:
                break
            for tr in runs:
                name = re.sub(r"-[0-9a-f]{3}$", "", tr.name)
                name = "city" if name.startswith("city-") else name
                # the task run Prefect records for the subflow inside each city task
                name = "literacy-assessment (subflow)" if name.startswith("literacy-assessment-") else name
                totals[name] += tr.total_run_time.total_seconds()
            offset += len(runs)
    return dict(sorted(totals.items(), key=lambda kv: -kv[1]))


def run_once(config: Path, n_workers: int, work: Path) -> dict:
    """One ``run-province`` on a fresh command-line cluster of ``n_workers`` and a fresh Prefect API."""
    from prefect.server.api.server import SubprocessASGIServer

    home = work / f"home-{n_workers}"
    home.mkdir(parents=True, exist_ok=True)
    os.environ["PREFECT_HOME"] = str(home)
    server = SubprocessASGIServer()
    server.start()
    env = {**os.environ, "PREFECT_API_URL": server.api_url, "PREFECT_HOME": str(home)}
    out = work / f"out-{n_workers}"
    result = work / f"result-{n_workers}.json"
    try:
        with LoopbackCluster(work / f"cluster-{n_workers}", n_workers, env=env, memory_limit="6GB") as cluster:
            started = time.perf_counter()
            subprocess.run([sys.executable, "-c", CLIENT, str(config), str(out), cluster.address, str(result)],
                           env=env, check=True, stdout=subprocess.DEVNULL)
            wall = time.perf_counter() - started
        stages = _stage_times(server.api_url)
    finally:
        server.stop()
    return summarise(json.loads(result.read_text()), wall, stages, n_workers)


def summarise(r: dict, wall: float, stages: dict[str, float], n_workers: int) -> dict:
    """The benchmark's record of one run: the client's result, its wall time and the stage times.

    Failed cities are counted and named (``failed_cities``, with their one-line reasons); the
    per-city times and memory are over the finished ones.
    """
    done = [c for c in r["cities"] if c["status"] != "failed"]
    failed = {c["id"]: c.get("error", "") for c in r["cities"] if c["status"] == "failed"}
    peak: dict[str, float] = {}
    busy: dict[str, float] = defaultdict(float)
    for c in done:
        peak[c["worker"]] = max(peak.get(c["worker"], 0.0), float(c["peak_mb"]))
        busy[c["worker"]] += float(c["seconds"])
    city_s = sorted(float(c["seconds"]) for c in done)
    cpu_s = sorted(float(c.get("cpu_seconds", "nan")) for c in done)
    child_s = [float(c.get("children_cpu_seconds", "nan")) for c in done]
    n = len(done)
    return {"cities": len(r["cities"]), "workers": n_workers, "failed": len(failed), "failed_cities": failed,
            "wall_s": wall, "client_s": r["wall_s"], "city_s_sum": sum(city_s), "city_s_mean": sum(city_s) / n,
            "city_s_median": city_s[n // 2], "city_s_max": city_s[-1],
            "city_cpu_s_sum": sum(cpu_s), "city_cpu_s_mean": sum(cpu_s) / n, "city_cpu_s_max": cpu_s[-1],
            "city_children_cpu_s_mean": sum(child_s) / n,
            "busiest_worker_s": max(busy.values()), "worker_processes": len(peak),
            "peak_mb_per_worker": max(peak.values()), "client_peak_mb": r["client_peak_mb"],
            "stage_s_per_city": {k: v / n for k, v in stages.items() if k not in ("rollup",)},
            "rollup_s": stages.get("rollup", 0.0)}


def summarise_saved(work: Path, n_workers: int) -> dict:
    """:func:`summarise` of a run whose record was not written: its client's ``result-<w>.json`` and
    the task runs kept in its Prefect home's database (a Prefect API is started on it again). The
    wall time is the client's (``run_province`` alone, without the client process's start)."""
    from prefect.server.api.server import SubprocessASGIServer

    home = work / f"home-{n_workers}"
    os.environ["PREFECT_HOME"] = str(home)
    server = SubprocessASGIServer()
    server.start()
    try:
        stages = _stage_times(server.api_url)
    finally:
        server.stop()
    r = json.loads((work / f"result-{n_workers}.json").read_text())
    return summarise(r, r["wall_s"], stages, n_workers)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cities", default="30", help="comma-separated numbers of cities (subsets of the 337)")
    ap.add_argument("--workers", default="1,2", help="comma-separated worker counts")
    ap.add_argument("--respondents", type=int, default=1000, help="interviews per city and round")
    ap.add_argument("--out", type=Path, default=None, help="append the results (JSON lines) here")
    ap.add_argument("--summarise", type=Path, default=None, metavar="WORKDIR",
                    help="only summarise the saved run(s) of --workers in WORKDIR (a run whose record was lost)")
    args = ap.parse_args()
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "600")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.pop("PREFECT_API_URL", None)
    if args.summarise is not None:
        for w in (int(x) for x in args.workers.split(",")):
            r = {**summarise_saved(args.summarise, w), "respondents": args.respondents}
            print(json.dumps(r), flush=True)
            if args.out:
                with args.out.open("a", encoding="utf-8") as fh:
                    fh.write(json.dumps(r) + "\n")
        return
    for n_cities in (int(x) for x in args.cities.split(",")):
        work = Path(tempfile.mkdtemp(prefix=f"bench-national-{n_cities}-"))
        config = work / "national.yaml"
        config.write_text(yaml.safe_dump(national_config(n_cities, args.respondents), allow_unicode=True,
                                         sort_keys=False), encoding="utf-8")
        t = time.perf_counter()
        subprocess.run([str(BIN / "literacy"), "simulate", "--province", str(config)], check=True,
                       stdout=subprocess.DEVNULL)
        sim = time.perf_counter() - t
        print(f"{n_cities} cities simulated in {sim:.0f} s ({work})", flush=True)
        for w in (int(x) for x in args.workers.split(",")):
            r = {**run_once(config, w, work), "simulate_s": sim, "respondents": args.respondents,
                 "load_avg_1min": os.getloadavg()[0]}
            print(json.dumps(r), flush=True)
            if args.out:
                with args.out.open("a", encoding="utf-8") as fh:
                    fh.write(json.dumps(r) + "\n")


if __name__ == "__main__":
    main()
