"""Simulation study of the small-area estimates: model-based against direct, by cell size.

Run from the repository root::

    .venv/bin/python benchmarks/sae_study.py                                   # R = 100, both rounds
    .venv/bin/python benchmarks/sae_study.py --replications 4 --bootstrap 50 --out /tmp/sae_quick

For each replication r = 1..R the script

1. simulates a programme with its own seed (``literacy.simulate.simulate_programme(config,
   seed_r)``, seed_r derived from ``--seed`` and r). The simulator has no "new sample from the
   same population" entry point, so every replication redraws the PSU frame, the population, the
   answers and the sample (a model-based, superpopulation study, not a design-based one with a
   fixed finite population). The truth of each cell is therefore computed from that
   replication's own population (``Programme.rounds[rid].population``), with the package's
   ``population_rates`` on the modelled breakdowns (district x key group, district x sex x age
   band): the population's share at the headline level in the cell;
2. scores, weights and builds the calibrated design of every round as the flow's ``score``,
   ``weight`` and ``estimate`` tasks do (``flows/pipeline/rounds.py``; reimplemented in
   :func:`round_pipeline` from the in-memory tables instead of the delivery files, since that
   file may not be edited here);
3. computes ``direct_cells(design, config, round_id)`` and ``small_area_table`` (the package's
   code, unchanged), plus the unsuppressed direct intervals (``estimate_round`` on the same
   design: the configured logit interval and the Korn–Graubard interval) and, for the
   diagnosis of benchmarking, ``small_area_table`` again with ``benchmark: false``;
4. records per replication, round and cell: n, the truth, the unsuppressed direct estimate and
   intervals, the model-based estimate and interval (benchmarked where the flow benchmarks, and
   not), the published figure and its source, sigma2_u, gamma and the benchmark factor.

The summary (``sae_study.md``) aggregates by cell-size class (n of the replication's sample):
RMSE, bias, coverage and mean width of the 95% intervals of the direct, model-based and
published figures, then per cell (over the replications), then diagnostics. The same
``--seed`` and options give the same CSV whatever ``--jobs`` is (replications are collected in
order; each is a function of its seed only).
"""

from __future__ import annotations

import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):   # one core per worker
    os.environ.setdefault(_v, "1")

import argparse  # noqa: E402
import copy  # noqa: E402
import datetime as _dt  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from concurrent.futures import ProcessPoolExecutor  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import yaml  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CONFIG = ROOT / "config" / "wuhai.yaml"
SIZE_BINS = [(0, 0, "0"), (1, 49, "1–49"), (50, 99, "50–99"), (100, 199, "100–199"), (200, 10**9, "≥200")]


# ------------------------------------------------------------------------------------ pipeline
def load_config(path: Path, bootstrap: int | None) -> dict:
    from literacy.assessment import validate_config

    cfg = validate_config(yaml.safe_load(Path(path).read_text(encoding="utf-8")))
    if bootstrap is not None:
        cfg = copy.deepcopy(cfg)
        sa = dict(cfg.get("small_area") or {})
        sa["bootstrap"] = {**dict(sa.get("bootstrap") or {}), "replicates": int(bootstrap)}
        cfg["small_area"] = sa
    return cfg


def replication_seed(seed: int, r: int) -> int:
    """The simulation seed of replication r (1-based): a function of --seed and r only."""
    return int(np.random.SeedSequence([int(seed), int(r)]).generate_state(1)[0])


def round_pipeline(config: dict, rid: str, responses: pd.DataFrame, sample: pd.DataFrame,
                   margins: pd.DataFrame, instrument: pd.DataFrame):
    """The calibrated design of one round, as the flow builds it.

    Mirrors ``flows/pipeline/rounds.py``: task ``score`` (score_responses on the round's form, the
    item columns dropped, ``add_derived``), task ``weight`` (``weight_round``; the nonresponse
    and final weights; the calibration steps passed as JSON) and task ``estimate`` through
    ``flows/pipeline/designs.py::calibrated_design`` (``round_design`` on the nonresponse weights,
    ``variance_design``, the calibration steps replayed). Returns ``(data, design)``.
    """
    from literacy.assessment import round_design, variance_design
    from literacy.domains import add_derived
    from literacy.scoring import score_responses
    from literacy.weighting import apply_calibration_steps, weight_round

    # task score
    items = instrument["item_id"].astype(str).tolist()
    scores = score_responses(responses, instrument, config["scoring"])
    data = pd.concat([responses.drop(columns=items), scores], axis=1)
    data = add_derived(data, config)
    # task weight
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # the flow logs these; nothing to act on here
        result = weight_round(sample, data, margins, config)
    data["weight_nonresponse"] = result.nonresponse_weights.to_numpy(dtype=float)
    data["weight"] = result.weights.to_numpy(dtype=float)
    steps = json.loads(json.dumps(result.calibration_steps))   # the flow hands them over as JSON
    # task estimate -> calibrated_design
    taylor = round_design(data, config, data["weight_nonresponse"].to_numpy(dtype=float))
    design = apply_calibration_steps(variance_design(taylor, config, rid), steps)
    if not np.allclose(design.weights, data["weight"].to_numpy(dtype=float), rtol=1e-6, atol=0):
        raise RuntimeError(f"round {rid}: the replayed calibration does not give the chain's weights")
    return data, design


def _raw_direct(design, config: dict, rid: str) -> pd.DataFrame:
    """Unsuppressed direct estimates and intervals of the modelled cells (configured CI and
    Korn–Graubard), from the same design and breakdowns as ``direct_cells``."""
    from literacy.assessment import estimate_round
    from literacy.assessment import small_area_config

    sa = small_area_config(config)
    sub = {**config, "breakdowns": [m["breakdown"] for m in sa["models"]]}
    keys = ["breakdown", "domain", "level"]
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="a domain has a single observation", category=RuntimeWarning)
        est = estimate_round(design, sub, rid)
        kg = estimate_round(design, {**sub, "estimation": {**config["estimation"], "ci": "beta"}}, rid)
    out = est[keys + ["estimate", "se", "ci_low", "ci_high", "deff"]].rename(columns={
        "estimate": "direct_raw", "se": "direct_se_raw", "ci_low": "direct_ci_low_raw",
        "ci_high": "direct_ci_high_raw", "deff": "deff_raw"})
    kg = kg[keys + ["ci_low", "ci_high"]].rename(columns={"ci_low": "direct_kg_low", "ci_high": "direct_kg_high"})
    return out.merge(kg, on=keys, how="left", validate="one_to_one")


def _no_benchmark(config: dict) -> dict:
    from literacy.assessment import small_area_config

    sa = small_area_config(config)
    cfg = copy.deepcopy(config)
    cfg["small_area"] = {**dict(config.get("small_area") or {}),
                         "models": [{"breakdown": m["breakdown"], "formula": m["formula"], "benchmark": False}
                                    for m in sa["models"]]}
    return cfg


def cell_truth(population: pd.DataFrame, config: dict, rid: str) -> pd.DataFrame:
    """The population share at the modelled level(s) in every modelled cell (and its count)."""
    from literacy.assessment import population_rates
    from literacy.assessment import small_area_config

    sa = small_area_config(config)
    cfg = {**config, "breakdowns": [m["breakdown"] for m in sa["models"]]}
    pr = population_rates(population, cfg, rid)
    bds = ["+".join(m["breakdown"]) for m in sa["models"]]
    pr = pr[pr["breakdown"].isin(bds) & pr["level"].isin(sa["levels"])]
    return pr[["breakdown", "domain", "level", "population", "rate"]].rename(
        columns={"population": "population_n", "rate": "truth"}).astype({"breakdown": str, "domain": str, "level": str})


KEEP = ["round", "breakdown", "domain", "level", "n", "population_share", "truth", "population_n",
        "direct_raw", "direct_se_raw", "direct_ci_low_raw", "direct_ci_high_raw", "direct_kg_low", "direct_kg_high",
        "deff_raw", "reliability", "suppressed", "model_estimate", "model_rmse", "model_ci_low", "model_ci_high",
        "model_nobench", "model_nobench_rmse", "model_nobench_ci_low", "model_nobench_ci_high", "benchmark_factor",
        "published", "published_ci_low", "published_ci_high", "source", "sigma2_u", "gamma", "deff_pooled",
        "is_synthetic", "model_converged", "note"]


def run_replication(task: tuple) -> tuple[pd.DataFrame, list[str], float]:
    """One replication: simulate, estimate every requested round, compare with the truth."""
    from literacy.assessment import direct_cells, small_area_table
    from literacy.simulate import simulate_programme

    r, seed, config, rounds = task
    t0 = time.perf_counter()
    sim_seed = replication_seed(seed, r)
    prog = simulate_programme(config, sim_seed)
    rids = [x["id"] for x in config["rounds"]] if rounds == "all" else [config["rounds"][0]["id"]]
    directs, raws, margins, truths = [], [], {}, []
    for rid in rids:
        rd = prog.rounds[rid]
        _, design = round_pipeline(config, rid, rd.responses, rd.sample, rd.margins, prog.instruments[rid])
        directs.append(direct_cells(design, config, rid))   # as the estimate task
        raws.append(_raw_direct(design, config, rid).assign(round=rid))
        margins[rid] = rd.margins
        truths.append(cell_truth(rd.population, config, rid).assign(round=rid))
    direct = pd.concat(directs, ignore_index=True)
    # as the compare task: every round's direct cells and margins at once
    table, notes = small_area_table(direct, margins, config)
    plain, _ = small_area_table(direct, margins, _no_benchmark(config))
    keys = ["round", "breakdown", "domain", "level"]
    for df in (table, plain):
        for k in keys:
            df[k] = df[k].astype(str)
    plain = plain[keys + ["model_estimate", "model_rmse", "model_ci_low", "model_ci_high"]].rename(columns={
        "model_estimate": "model_nobench", "model_rmse": "model_nobench_rmse",
        "model_ci_low": "model_nobench_ci_low", "model_ci_high": "model_nobench_ci_high"})
    raw = pd.concat(raws, ignore_index=True).astype({k: str for k in keys})
    truth = pd.concat(truths, ignore_index=True).astype({k: str for k in keys})
    out = (table.merge(raw, on=keys, how="left", validate="one_to_one")
           .merge(plain, on=keys, how="left", validate="one_to_one")
           .merge(truth, on=keys, how="left", validate="one_to_one"))
    # the direct estimate the model read is the unsuppressed one: check the two paths agree
    sampled = out["n"].to_numpy() > 0
    a, b = out["direct_raw"].to_numpy(dtype=float)[sampled], out["direct"].to_numpy(dtype=float)[sampled]
    shown = np.isfinite(b)
    if not np.allclose(a[shown], b[shown], rtol=1e-12, atol=1e-15):
        raise RuntimeError(f"replication {r}: unsuppressed direct estimates differ from direct_cells'")
    out = out[KEEP]
    out.insert(0, "sim_seed", sim_seed)
    out.insert(0, "replication", r)
    # small_area_table can list a fit's note more than once (warning, result and model notes)
    return out, [f"replication {r}: {x}" for x in dict.fromkeys(notes)], time.perf_counter() - t0


# ------------------------------------------------------------------------------------ summary
def size_class(n: pd.Series) -> pd.Series:
    out = pd.Series("", index=n.index, dtype=object)
    for lo, hi, name in SIZE_BINS:
        out[(n >= lo) & (n <= hi)] = name
    return pd.Categorical(out, categories=[b[2] for b in SIZE_BINS], ordered=True)


def add_derived_columns(df: pd.DataFrame) -> pd.DataFrame:
    d = df.copy()
    d["size_class"] = size_class(d["n"])
    t = d["truth"]
    for name, est, lo, hi in (("direct", "direct_raw", "direct_ci_low_raw", "direct_ci_high_raw"),
                              ("direct_kg", "direct_raw", "direct_kg_low", "direct_kg_high"),
                              ("model", "model_estimate", "model_ci_low", "model_ci_high"),
                              ("nobench", "model_nobench", "model_nobench_ci_low", "model_nobench_ci_high"),
                              ("published", "published", "published_ci_low", "published_ci_high")):
        ok = d[lo].notna() & d[hi].notna()
        d[f"err_{name}"] = d[est] - t
        d[f"cov_{name}"] = np.where(ok, ((d[lo] <= t) & (t <= d[hi])).astype(float), np.nan)
        d[f"width_{name}"] = d[hi] - d[lo]
    return d


def _agg(g: pd.DataFrame) -> pd.Series:
    def rmse(col):
        v = g[col].dropna()
        return float(np.sqrt(np.mean(v**2))) if len(v) else np.nan

    s = {
        "cell-reps": len(g), "mean n": g["n"].mean(), "mean truth": g["truth"].mean(),
        "RMSE direct": rmse("err_direct"), "RMSE model": rmse("err_model"), "RMSE published": rmse("err_published"),
        "bias direct": g["err_direct"].mean(), "bias model": g["err_model"].mean(),
        "cov direct": g["cov_direct"].mean(), "cov direct KG": g["cov_direct_kg"].mean(),
        "cov model": g["cov_model"].mean(), "cov published": g["cov_published"].mean(),
        "width direct": g["width_direct"].mean(), "width model": g["width_model"].mean(),
    }
    s["RMSE model / direct"] = s["RMSE model"] / s["RMSE direct"] if s["RMSE direct"] else np.nan
    return pd.Series(s)


def by_class(d: pd.DataFrame, extra: list[str]) -> pd.DataFrame:
    return d.groupby(extra + ["size_class"], observed=True, sort=True).apply(_agg, include_groups=False).reset_index()


def fits_table(d: pd.DataFrame) -> pd.DataFrame:
    f = d.groupby(["replication", "round", "breakdown"]).agg(conv=("model_converged", "first")).reset_index()
    f["conv"] = f["conv"].astype(str).str.lower().eq("true")
    return f.groupby(["round", "breakdown"]).agg(fits=("conv", "size"),
                                                 not_converged=("conv", lambda x: int((~x).sum()))).reset_index()


def per_cell(d: pd.DataFrame) -> pd.DataFrame:
    """Each cell over the replications: its RMSEs, coverages, the bootstrap MSE against the
    empirical one."""
    def f(g):
        s = _agg(g)
        emp_mse = np.mean(g["err_model"].dropna() ** 2)
        s["model MSE est / emp"] = float(np.mean(g["model_rmse"] ** 2) / emp_mse) if emp_mse > 0 else np.nan
        s["share σ²u=0"] = float((g["sigma2_u"] <= 0).mean())
        s["share published model"] = float((g["source"] == "model").mean())
        return s

    out = d.groupby(["round", "breakdown", "domain"], sort=True).apply(f, include_groups=False).reset_index()
    out["size_class"] = size_class(out["mean n"].round())
    return out


def fmt(x, kind):
    if pd.isna(x):
        return "–"
    if kind == "pp":
        return f"{100 * x:.2f}"
    if kind == "pct":
        return f"{100 * x:.1f}%"
    if kind == "ratio":
        return f"{x:.2f}"
    if kind == "int":
        return f"{int(round(x)):,}"
    if kind == "n":
        return f"{x:.0f}"
    return str(x)


COLS = [("cell-reps", "int"), ("mean n", "n"), ("mean truth", "pct"), ("RMSE direct", "pp"), ("RMSE model", "pp"),
        ("RMSE model / direct", "ratio"), ("RMSE published", "pp"), ("bias direct", "pp"), ("bias model", "pp"),
        ("cov direct", "pct"), ("cov direct KG", "pct"), ("cov model", "pct"), ("cov published", "pct"),
        ("width direct", "pp"), ("width model", "pp")]


def md_table(df: pd.DataFrame, lead: list[str], cols=COLS) -> str:
    head = lead + [c for c, _ in cols]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(lead) + "---:|" * len(cols)]
    for _, row in df.iterrows():
        lines.append("| " + " | ".join([str(row[c]) for c in lead] + [fmt(row[c], k) for c, k in cols]) + " |")
    return "\n".join(lines)


def summarise(df: pd.DataFrame, meta: dict) -> str:
    d = add_derived_columns(df)
    out = [f"# Small-area simulation study\n",
           f"Run {meta['date']} on {meta['machine']}; Python {meta['python']}, numpy {np.__version__}, "
           f"pandas {pd.__version__}. Package at commit {meta['commit']}.\n",
           f"Command: `{meta['command']}`" + (f" ({meta['summarised']})" if meta.get("summarised") else "") + "\n",
           f"{meta['replications']} replications (seed {meta['seed']}), rounds: {', '.join(meta['rounds'])}; "
           f"bootstrap B = {meta['bootstrap']} ({meta['bootstrap_note']}); method {meta['method']}, GVF pooling "
           f"{meta['deff_pooling']}, α = {meta['alpha']:.3g}. Wall time {meta['wall']:.0f} s with {meta['jobs']} "
           f"process(es) ({meta['per_rep']:.1f} s per replication in one process).\n",
           "Each replication is a new `simulate_programme(config, seed_r)`: the PSU frame, the population, the "
           "answers and the sample are all redrawn (the simulator has no other entry point), so this is a "
           "model-based study; the truth of a cell is its share in that replication's own population "
           "(`Programme.rounds[rid].population`). Estimates and truth are at the headline level "
           f"({', '.join(meta['levels'])}). RMSE, bias and widths in percentage points; coverage of the nominal "
           "95% intervals. *direct*: the unsuppressed design-based share and its configured (logit) interval; "
           "*direct KG*: its Korn–Graubard interval; *model*: the Fay–Herriot figure as `small_area_table` gives "
           "it (benchmarked where the flow benchmarks: district × sex × age band); *published*: direct where the "
           "NCHS rule says present, model-based otherwise. Size class by the cell's respondents n in that "
           "replication. A cell with n = 0 has no direct estimate.\n"]
    out.append("## By cell-size class, all modelled cells and rounds\n")
    out.append(md_table(by_class(d, []), ["size_class"]) + "\n")
    out.append("## By breakdown, round and cell-size class\n")
    out.append(md_table(by_class(d, ["breakdown", "round"]), ["breakdown", "round", "size_class"]) + "\n")

    cells = per_cell(d)
    out.append("## Average over cells (each cell's coverage over the replications, then the mean over cells)\n")
    rows = []
    for (bd, cls), g in cells.groupby(["breakdown", "size_class"], observed=True):
        rows.append({"breakdown": bd, "size_class": cls, "cells": len(g),
                     "cov model": g["cov model"].mean(), "min cov model": g["cov model"].min(),
                     "cov direct": g["cov direct"].mean(), "min cov direct": g["cov direct"].min(),
                     "cells model RMSE < direct": f"{int((g['RMSE model'] < g['RMSE direct']).sum())} / "
                                                  f"{int(g['RMSE direct'].notna().sum())}",
                     "mean RMSE ratio": (g["RMSE model"] / g["RMSE direct"]).mean()})
    rows.append({"breakdown": "all", "size_class": "all", "cells": len(cells),
                 "cov model": cells["cov model"].mean(), "min cov model": cells["cov model"].min(),
                 "cov direct": cells["cov direct"].mean(), "min cov direct": cells["cov direct"].min(),
                 "cells model RMSE < direct": f"{int((cells['RMSE model'] < cells['RMSE direct']).sum())} / "
                                              f"{int(cells['RMSE direct'].notna().sum())}",
                 "mean RMSE ratio": (cells["RMSE model"] / cells["RMSE direct"]).mean()})
    out.append(md_table(pd.DataFrame(rows), ["breakdown", "size_class", "cells", "cells model RMSE < direct"],
                        [("cov model", "pct"), ("min cov model", "pct"), ("cov direct", "pct"),
                         ("min cov direct", "pct"), ("mean RMSE ratio", "ratio")]) + "\n")
    out.append("Size class of a cell here: its mean n over the replications.\n")

    out.append("## Diagnostics\n")
    fits = d.groupby(["replication", "round", "breakdown"]).agg(sigma2_u=("sigma2_u", "first"),
                                                                 gamma=("gamma", "mean")).reset_index()
    diag = fits.groupby(["round", "breakdown"]).agg(
        fits=("sigma2_u", "size"), zero=("sigma2_u", lambda s: float((s <= 0).mean())),
        med=("sigma2_u", "median"), gamma=("gamma", "mean")).reset_index()
    lines = ["| round | breakdown | fits | σ²_u = 0 | median σ²_u | mean γ |", "|---|---|---:|---:|---:|---:|"]
    for _, r in diag.iterrows():
        lines.append(f"| {r['round']} | {r['breakdown']} | {r['fits']} | {100 * r['zero']:.0f}% | "
                     f"{r['med']:.2e} | {r['gamma']:.2f} |")
    out.append("Fits (arcsine scale):\n\n" + "\n".join(lines) + "\n")

    rows = []
    for (bd, zero), g in d.groupby(["breakdown", d["sigma2_u"] <= 0]):
        rows.append({"breakdown": bd, "fit": "σ²_u = 0" if zero else "σ²_u > 0", **_agg(g).to_dict()})
    out.append("Coverage and RMSE by whether σ²_u was estimated at 0:\n\n"
               + md_table(pd.DataFrame(rows), ["breakdown", "fit"]) + "\n")

    bench = d[d["benchmark_factor"].notna()]
    if len(bench):
        rows = []
        for cls, g in bench.groupby("size_class", observed=True):
            def rm(c):
                return float(np.sqrt(np.mean(g[c].dropna() ** 2)))
            rows.append({"size_class": cls, "cell-reps": len(g), "RMSE benchmarked": rm("err_model"),
                         "RMSE not benchmarked": rm("err_nobench"), "cov benchmarked": g["cov_model"].mean(),
                         "cov not benchmarked": g["cov_nobench"].mean(), "width benchmarked": g["width_model"].mean(),
                         "width not benchmarked": g["width_nobench"].mean(),
                         "bias benchmarked": g["err_model"].mean(), "bias not benchmarked": g["err_nobench"].mean()})
        f = bench.groupby(["replication", "round", bench["domain"].str.split("+").str[0]])["benchmark_factor"].first()
        out.append(f"Benchmarking (district × sex × age band; factor: median {f.median():.3f}, 5–95% "
                   f"{f.quantile(0.05):.3f}–{f.quantile(0.95):.3f}). The same fits with `benchmark: false`:\n\n"
                   + md_table(pd.DataFrame(rows), ["size_class"],
                              [("cell-reps", "int"), ("RMSE benchmarked", "pp"), ("RMSE not benchmarked", "pp"),
                               ("bias benchmarked", "pp"), ("bias not benchmarked", "pp"),
                               ("cov benchmarked", "pct"), ("cov not benchmarked", "pct"),
                               ("width benchmarked", "pp"), ("width not benchmarked", "pp")]) + "\n")

    conv = fits_table(d)
    lines = ["| round | breakdown | fits | not converged (fallback search) |", "|---|---|---:|---:|"]
    for _, r in conv.iterrows():
        lines.append(f"| {r['round']} | {r['breakdown']} | {r['fits']} | {r['not_converged']} |")
    out.append("REML Fisher scoring of the fit itself (σ²_u then from the bounded search):\n\n" + "\n".join(lines) + "\n")

    sa = d[d["breakdown"] == "district+sex+age_band"].assign(age_band=lambda x: x["domain"].str.split("+").str[-1])
    rows = []
    for (band, zero), g in sa.groupby(["age_band", sa["sigma2_u"] <= 0]):
        rows.append({"age band": band, "fit": "σ²_u = 0" if zero else "σ²_u > 0", **_agg(g).to_dict(),
                     "cov not benchmarked": g["cov_nobench"].mean()})
    out.append("District × sex × age band by age band and σ²_u = 0:\n\n" + md_table(
        pd.DataFrame(rows), ["age band", "fit"],
        [("cell-reps", "int"), ("mean truth", "pct"), ("RMSE direct", "pp"), ("RMSE model", "pp"), ("bias model", "pp"),
         ("cov direct", "pct"), ("cov model", "pct"), ("cov not benchmarked", "pct"), ("width model", "pp")]) + "\n")

    d["truth_class"] = pd.cut(d["truth"], [0, 0.03, 0.06, 0.10, 0.20, 1.0], include_lowest=True,
                              labels=["≤3%", "3–6%", "6–10%", "10–20%", ">20%"])
    rows = [{"true share": cls, **_agg(g).to_dict()} for cls, g in d.groupby("truth_class", observed=True)]
    out.append("All cells by their true share:\n\n" + md_table(
        pd.DataFrame(rows), ["true share"],
        [("cell-reps", "int"), ("mean n", "n"), ("RMSE direct", "pp"), ("RMSE model", "pp"), ("bias model", "pp"),
         ("cov direct", "pct"), ("cov model", "pct"), ("width direct", "pp"), ("width model", "pp")]) + "\n")

    src = d.groupby(["breakdown", "size_class", "source"], observed=True).size().unstack("source", fill_value=0)
    lines = ["| breakdown | size class | " + " | ".join(src.columns) + " |", "|---|---|" + "---:|" * len(src.columns)]
    for (bd, cls), r in src.iterrows():
        lines.append(f"| {bd} | {cls} | " + " | ".join(str(int(v)) for v in r) + " |")
    out.append("Source of the published figure (cell-replicates):\n\n" + "\n".join(lines) + "\n")

    out.append("## Per cell (over the replications)\n")
    cols = [("mean n", "n"), ("mean truth", "pct"), ("RMSE direct", "pp"), ("RMSE model", "pp"),
            ("RMSE model / direct", "ratio"), ("bias model", "pp"), ("cov direct", "pct"), ("cov model", "pct"),
            ("model MSE est / emp", "ratio"), ("share σ²u=0", "pct"), ("share published model", "pct")]
    out.append(md_table(cells.sort_values(["round", "breakdown", "mean n"]), ["round", "breakdown", "domain"], cols)
               + "\n")
    out.append("*model MSE est / emp*: the mean bootstrap MSE (`model_rmse`²) over the empirical MSE of the "
               "model-based estimate against the truth (1 = the stated uncertainty is right on average).\n")
    if meta.get("notes"):
        out.append("## Notes from the fits (number of fits)\n")
        out.append("\n".join(f"- {v} × {k}" for k, v in sorted(meta["notes"].items())) + "\n")
    return "\n".join(out)


# ------------------------------------------------------------------------------------ main
def _commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def _machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, {platform.system()}"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--replications", type=int, default=100)
    ap.add_argument("--seed", type=int, default=20250101)
    ap.add_argument("--jobs", type=int, default=1, help="worker processes (the machine has 2 cores)")
    ap.add_argument("--bootstrap", type=int, default=None, help="bootstrap replicates B (default: the config's)")
    ap.add_argument("--rounds", choices=["baseline", "all"], default="all")
    ap.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    ap.add_argument("--summarise-only", action="store_true",
                    help="rewrite sae_study.md from the sae_study.csv and sae_study.json already in --out")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results",
                    help="folder for sae_study.csv and sae_study.md")
    args = ap.parse_args(argv)
    from literacy.assessment import small_area_config

    if args.summarise_only:
        df = pd.read_csv(args.out / "sae_study.csv", dtype={"round": str})
        meta = json.loads((args.out / "sae_study.json").read_text(encoding="utf-8"))
        meta["summarised"] = f"summary rewritten with --summarise-only at commit {_commit()}"
        (args.out / "sae_study.md").write_text(summarise(df, meta), encoding="utf-8")
        print(f"wrote {args.out / 'sae_study.md'}")
        return 0
    config = load_config(args.config, args.bootstrap)
    sa = small_area_config(config)
    tasks = [(r, args.seed, config, args.rounds) for r in range(1, args.replications + 1)]
    t0 = time.perf_counter()
    frames, notes, times = [], [], []

    def collect(res):
        frame, nts, secs = res
        frames.append(frame)
        notes.extend(nts)
        times.append(secs)
        r = int(frame["replication"].iloc[0])
        if r % 10 == 0 or r == args.replications:
            print(f"replication {r}/{args.replications} done ({time.perf_counter() - t0:.0f} s)", flush=True)

    if args.jobs <= 1:
        for t in tasks:
            collect(run_replication(t))
    else:
        with ProcessPoolExecutor(max_workers=args.jobs) as pool:
            for res in pool.map(run_replication, tasks):   # in order: the output does not depend on --jobs
                collect(res)
    wall = time.perf_counter() - t0
    df = pd.concat(frames, ignore_index=True)
    args.out.mkdir(parents=True, exist_ok=True)
    df.to_csv(args.out / "sae_study.csv", index=False, float_format="%.10g")
    shown_argv = " ".join(sys.argv[1:]) if argv is None else " ".join(argv)
    meta = {
        "date": _dt.datetime.now().strftime("%Y-%m-%dT%H:%M"), "machine": _machine(),
        "python": platform.python_version(), "commit": _commit(),
        "command": f".venv/bin/python benchmarks/sae_study.py {shown_argv}".strip(),
        "replications": args.replications, "seed": args.seed,
        "rounds": sorted(df["round"].astype(str).unique()), "bootstrap": sa["replicates"],
        "bootstrap_note": "the config's" if args.bootstrap is None else "set by --bootstrap",
        "method": sa["method"], "deff_pooling": sa["deff_pooling"], "alpha": sa["alpha"], "levels": sa["levels"],
        "wall": wall, "jobs": args.jobs, "per_rep": float(np.mean(times)),
        "notes": {k: int(v) for k, v in pd.Series(notes).str.split(": ", n=1).str[1].str.replace(
            r"\d+ of \d+", "k of B", regex=True).value_counts().items()} if notes else {},
    }
    (args.out / "sae_study.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    (args.out / "sae_study.md").write_text(summarise(df, meta), encoding="utf-8")
    print(f"wrote {args.out / 'sae_study.csv'} ({len(df)} rows) and {args.out / 'sae_study.md'} in {wall:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
