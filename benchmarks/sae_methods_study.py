"""Coverage study of the small-area estimators of σ²_u, by cell class (issue 25).

Run from the repository root::

    .venv/bin/python benchmarks/sae_methods_study.py --replications 200 --jobs 2
    .venv/bin/python benchmarks/sae_methods_study.py --replications 4 --bootstrap 50 --out /tmp/sae_methods

Each replication simulates a programme with its own seed and builds every round's calibrated
design once, exactly as ``benchmarks/sae_study.py`` does (its ``round_pipeline`` and
``cell_truth``; a model-based study: the population is redrawn each time and a cell's truth is
that replication's population share). The small-area table is then computed once per estimator of
σ²_u (``--methods``, default REML and the four adjusted likelihoods AMRL, AMRL_YL, AMPL, AMPL_YL),
everything else as configured (arcsine-scale Fay–Herriot, GVF-pooled design effects, parametric
bootstrap MSE and percentile intervals, benchmarking with its uncertainty).

The summary (``sae_methods_study.md`` beside the CSV) gives, for every method, the coverage of the
nominal 95% model-based intervals, their mean width, the RMSE and the bias, by cell class: the
true share (≤3%, 3–10%, >10%) and the cell's respondents (n < 30, 30–100, > 100), and the share of
fits with σ̂²_u = 0. Replications are collected in order and each is a function of its seed, so
the same options give the same CSV whatever ``--jobs`` is.
"""

from __future__ import annotations

import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):   # one core per worker
    os.environ.setdefault(_v, "1")

import argparse  # noqa: E402
import copy  # noqa: E402
import datetime as _dt  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from concurrent.futures import ProcessPoolExecutor  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from sae_study import DEFAULT_CONFIG, cell_truth, load_config, replication_seed, round_pipeline  # noqa: E402

METHODS = ("REML", "AMRL", "AMRL_YL", "AMPL", "AMPL_YL")
SHARE_CLASSES = [(-1.0, 0.03, "≤3%"), (0.03, 0.10, "3–10%"), (0.10, 1.01, ">10%")]
SIZE_CLASSES = [(0, 29, "n<30"), (30, 100, "30–100"), (101, 10**9, ">100")]
KEYS = ["round", "breakdown", "domain", "level"]


def with_method(config: dict, method: str) -> dict:
    cfg = copy.deepcopy(config)
    cfg["small_area"] = {**dict(config.get("small_area") or {}), "method": method}
    return cfg


def run_replication(task: tuple) -> tuple[pd.DataFrame, float]:
    """One replication: simulate, build the designs once, fit every method, join the truth."""
    from literacy.assessment import direct_cells, small_area_table
    from literacy.simulate import simulate_programme

    r, seed, config, methods = task
    t0 = time.perf_counter()
    sim_seed = replication_seed(seed, r)
    prog = simulate_programme(config, sim_seed)
    directs, margins, truths = [], {}, []
    for rid in [x["id"] for x in config["rounds"]]:
        rd = prog.rounds[rid]
        _, design = round_pipeline(config, rid, rd.responses, rd.sample, rd.margins, prog.instruments[rid])
        directs.append(direct_cells(design, config, rid))
        margins[rid] = rd.margins
        truths.append(cell_truth(rd.population, config, rid).assign(round=rid))
    direct = pd.concat(directs, ignore_index=True)
    truth = pd.concat(truths, ignore_index=True).astype({k: str for k in KEYS})
    frames = []
    for method in methods:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            table, _ = small_area_table(direct, margins, with_method(config, method))
        table = table.astype({k: str for k in KEYS})
        t = table[KEYS + ["n", "model_estimate", "model_rmse", "model_ci_low", "model_ci_high", "sigma2_u",
                          "is_synthetic", "benchmark_factor"]].merge(truth, on=KEYS, how="left", validate="one_to_one")
        frames.append(t.assign(method=method))
    out = pd.concat(frames, ignore_index=True)
    out.insert(0, "replication", r)
    return out, time.perf_counter() - t0


def _classes(d: pd.DataFrame) -> pd.DataFrame:
    d = d.copy()
    d["share_class"] = pd.Categorical(np.select([d["truth"] <= hi for lo, hi, _ in SHARE_CLASSES],
                                                [name for *_, name in SHARE_CLASSES], ""),
                                      categories=[c[2] for c in SHARE_CLASSES], ordered=True)
    d["size_class"] = pd.Categorical(np.select([d["n"] <= hi for lo, hi, _ in SIZE_CLASSES],
                                               [name for *_, name in SIZE_CLASSES], ""),
                                     categories=[c[2] for c in SIZE_CLASSES], ordered=True)
    d["err"] = d["model_estimate"] - d["truth"]
    d["covered"] = ((d["model_ci_low"] <= d["truth"]) & (d["truth"] <= d["model_ci_high"])).astype(float)
    d["width"] = d["model_ci_high"] - d["model_ci_low"]
    d["zero"] = (d["sigma2_u"] <= 0).astype(float)
    return d


def _agg(g: pd.DataFrame) -> pd.Series:
    return pd.Series({"cell-reps": len(g), "mean truth": 100 * g["truth"].mean(), "coverage": g["covered"].mean(),
                      "width": 100 * g["width"].mean(), "RMSE": 100 * float(np.sqrt(np.mean(g["err"] ** 2))),
                      "bias": 100 * g["err"].mean(), "σ²_u = 0": g["zero"].mean()})


def summarise(df: pd.DataFrame, meta: dict) -> str:
    d = _classes(df[np.isfinite(df["model_estimate"]) & np.isfinite(df["truth"])])

    def table(by: list[str]) -> str:
        t = d.groupby(by + ["method"], observed=True, sort=True).apply(_agg, include_groups=False).reset_index()
        t["method"] = pd.Categorical(t["method"], categories=list(meta["methods"]), ordered=True)
        t = t.sort_values(by + ["method"])
        head = by + ["method", "cell-reps", "mean truth (%)", "coverage", "width (pts)", "RMSE (pts)",
                     "bias (pts)", "σ²_u = 0"]
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(by) + "---|" + "---:|" * 7]
        for v in t.to_dict("records"):
            lines.append("| " + " | ".join([str(v[b]) for b in by] + [
                str(v["method"]), f"{int(v['cell-reps']):,}", f"{v['mean truth']:.1f}", f"{100 * v['coverage']:.1f}%",
                f"{v['width']:.2f}", f"{v['RMSE']:.2f}", f"{v['bias']:+.2f}", f"{100 * v['σ²_u = 0']:.0f}%"]) + " |")
        return "\n".join(lines)

    fits = d.drop_duplicates(["replication", "round", "breakdown", "level", "method"])
    zero = fits.groupby("method")["zero"].mean().reindex(list(meta["methods"]))
    return "\n".join([
        "# Small-area estimators of σ²_u: coverage by cell class", "",
        f"Run {meta['when']} on {meta['machine']}. Package at commit {meta['commit']}.", "",
        f"Command: `{meta['command']}`", "",
        f"{meta['replications']} replications (seed {meta['seed']}), rounds {', '.join(meta['rounds'])}; bootstrap "
        f"B = {meta['B']}; wall time {meta['wall']:.0f} s with {meta['jobs']} process(es). Each replication redraws "
        "the population and the sample (`simulate_programme`); a cell's truth is its share in that replication's "
        "population. Model-based figures as the flow publishes them (benchmarked where it benchmarks); intervals "
        "are the nominal 95% bootstrap intervals.", "",
        "Fits with σ̂²_u = 0 (per round, breakdown and method): " + ", ".join(
            f"{m} {100 * z:.0f}%" for m, z in zero.items()) + ".", "",
        "## By true share", "", table(["share_class"]), "",
        "## By respondents in the cell", "", table(["size_class"]), "",
        "## By true share and respondents", "", table(["share_class", "size_class"]), ""])


def _commit() -> str:
    import subprocess

    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              cwd=HERE.parent, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replications", type=int, default=200)
    ap.add_argument("--seed", type=int, default=20250101)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--bootstrap", type=int, default=None, help="bootstrap replicates B (default: the config's)")
    ap.add_argument("--methods", default=",".join(METHODS))
    ap.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    ap.add_argument("--out", type=Path, default=HERE / "results")
    ap.add_argument("--summarise-only", action="store_true", help="rewrite the summary from the saved CSV")
    args = ap.parse_args(argv)
    methods = tuple(m.strip().upper() for m in args.methods.split(",") if m.strip())
    config = load_config(args.config, args.bootstrap)
    args.out.mkdir(parents=True, exist_ok=True)
    csv = args.out / "sae_methods_study.csv"
    meta = {"when": _dt.datetime.now().strftime("%Y-%m-%dT%H:%M"), "machine": f"{platform.machine()}, "
            f"{os.cpu_count()} cores, {platform.system()}", "commit": _commit(),
            "command": "python benchmarks/sae_methods_study.py " + " ".join(argv if argv is not None else sys.argv[1:]),
            "replications": args.replications, "seed": args.seed, "jobs": args.jobs, "methods": methods,
            "rounds": [str(r["id"]) for r in config["rounds"]],
            "B": (config.get("small_area") or {}).get("bootstrap", {}).get("replicates", 200)}
    if args.summarise_only:
        df = pd.read_csv(csv)
        meta["wall"] = float("nan")
    else:
        t0 = time.perf_counter()
        tasks = [(r, args.seed, config, methods) for r in range(1, args.replications + 1)]
        results = []
        if args.jobs > 1:
            with ProcessPoolExecutor(args.jobs) as pool:
                for i, (out, secs) in enumerate(pool.map(run_replication, tasks), 1):
                    results.append(out)
                    print(f"replication {i}/{len(tasks)}: {secs:.1f} s", flush=True)
        else:
            for i, task in enumerate(tasks, 1):
                out, secs = run_replication(task)
                results.append(out)
                print(f"replication {i}/{len(tasks)}: {secs:.1f} s", flush=True)
        df = pd.concat(results, ignore_index=True)
        df.to_csv(csv, index=False)
        meta["wall"] = time.perf_counter() - t0
    (args.out / "sae_methods_study.md").write_text(summarise(df, meta), encoding="utf-8")
    print(f"wrote {csv} and {args.out / 'sae_methods_study.md'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
