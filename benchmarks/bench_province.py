"""Province benchmark: the 12 Inner Mongolia cities x 2 rounds, sequential against 1 and 2 Dask workers.

Run from the repository root::

    .venv/bin/python benchmarks/bench_province.py                 # simulate, then the three runs
    .venv/bin/python benchmarks/bench_province.py --modes 2 --national-cities 300

Each run is a fresh subprocess (``literacy run-province``, notebooks off) with its own output
folder and Prefect home, so nothing is reused from an earlier run; its wall time is measured
around the command and each city's worker process reports its peak resident memory
(``ru_maxrss``), from which the table gives the largest per worker. Then, for the national
scale, the roll-up alone (the pooled design over 300 cities x about 1,000 respondents x 2
rounds, every level, the city-vs-province tests) is timed in this process on synthetic city
extracts; the per-city assessment time at national scale is extrapolated from the runs above
(labelled as such).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "config" / "inner-mongolia.yaml"
BIN = Path(sys.executable).parent


def _run(mode: str, raw: Path, work: Path) -> dict:
    out = work / f"out-{mode}"
    home = work / f"home-{mode}"
    home.mkdir(parents=True, exist_ok=True)
    code = (
        "import json, os, sys\n"
        "from literacy_flows.cli import PREFECT_DEFAULTS\n"
        "for k, v in PREFECT_DEFAULTS.items(): os.environ.setdefault(k, v)\n"
        "from literacy_flows.pipeline.province import run_province\n"
        f"r = run_province({str(CONFIG)!r}, raw_dir={str(raw)!r}, out_dir={str(out)!r}, "
        + ("sequential=True" if mode == "sequential" else f"workers={int(mode)}") + ")\n"
        f"json.dump(r['cities'], open({str(work / f'cities-{mode}.json')!r}, 'w'), default=str)\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("PREFECT_API_URL", "PREFECT_API_KEY")}
    env["PREFECT_HOME"] = str(home)
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"run {mode} failed:\n{proc.stderr[-3000:]}")
    cities = json.loads((work / f"cities-{mode}.json").read_text())
    peak = {}
    for c in cities:
        peak[c["worker"]] = max(peak.get(c["worker"], 0.0), float(c["peak_mb"]))
    return {"mode": mode, "wall_s": wall, "cities": len(cities), "failed": sum(c["status"] == "failed" for c in cities),
            "city_s_sum": sum(float(c["seconds"]) for c in cities), "workers": len(peak),
            "peak_mb_per_worker": max(peak.values()), "out": str(out)}


def _national_rollup(n_cities: int, per_city: int, seed: int = 1) -> dict:
    """Time the roll-up alone over synthetic extracts of ``n_cities`` cities (two rounds, three levels)."""
    from literacy.province import league_table, pooled_design, province_estimates, stack_cities, versus_province

    rng = np.random.default_rng(seed)
    levels = ["advanced", "literate", "basic"]
    started = time.perf_counter()
    frames = {}
    for c in range(n_cities):
        n_psu = 24
        psu = rng.integers(0, n_psu, per_city)
        lit = (rng.random(per_city) < 0.1).astype(np.int8)
        frames[f"c{c:03d}"] = pd.DataFrame({"stratum": (psu % 6).astype(str), "psu": psu.astype(str),
                                            "weight": rng.uniform(50, 500, per_city), "advanced": lit * 0,
                                            "literate": lit, "basic": np.maximum(lit, rng.random(per_city) < 0.3)
                                            .astype(np.int8)})
    build = time.perf_counter() - started
    started = time.perf_counter()
    est, tests = [], []
    for rid in ("2020", "2025"):
        design = pooled_design(stack_cities(frames, levels))
        labels = {c: (c, c) for c in frames}
        est.append(province_estimates(design, rid, levels, labels, ("省", "province")))
        tests += [versus_province(design, lv).assign(round=rid, level=lv) for lv in levels]
    league_table(pd.concat(est), pd.concat(tests), 0.05)
    return {"cities": n_cities, "respondents_per_city_round": per_city, "rows": 2 * n_cities * per_city,
            "rollup_s": time.perf_counter() - started, "synthesis_s": build,
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--modes", default="sequential,1,2", help="sequential and/or Dask worker counts")
    ap.add_argument("--raw", type=Path, default=None, help="simulated deliveries (default: simulate them)")
    ap.add_argument("--national-cities", type=int, default=300)
    ap.add_argument("--national-respondents", type=int, default=1000)
    ap.add_argument("--out", type=Path, default=None, help="write the results as JSON here")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-province-"))
    raw = args.raw
    if raw is None:
        raw = work / "raw"
        t = time.perf_counter()
        subprocess.run([str(BIN / "literacy"), "simulate", "--province", str(CONFIG), "--out", str(raw)], check=True)
        print(f"simulated 12 deliveries in {time.perf_counter() - t:.0f} s", flush=True)
    results = []
    for mode in args.modes.split(","):
        r = _run(mode.strip(), raw, work)
        results.append(r)
        print(f"{r['mode']:>10}: {r['wall_s']:6.1f} s wall, {r['cities']} cities ({r['failed']} failed), "
              f"sum of city times {r['city_s_sum']:.0f} s, {r['workers']} worker process(es), "
              f"peak {r['peak_mb_per_worker']:.0f} MB per worker", flush=True)
    nat = _national_rollup(args.national_cities, args.national_respondents)
    print(f"national roll-up: {nat['cities']} cities x {nat['respondents_per_city_round']} respondents x 2 rounds "
          f"({nat['rows']:,} rows): {nat['rollup_s']:.1f} s, peak {nat['peak_mb']:.0f} MB", flush=True)
    if args.out:
        args.out.write_text(json.dumps({"runs": results, "national_rollup": nat}, indent=2))


if __name__ == "__main__":
    main()
