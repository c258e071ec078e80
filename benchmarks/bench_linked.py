"""Benchmark: linked_estimates with 20 plausible values on ~5,000 respondents, every breakdown.

    .venv/bin/python benchmarks/bench_linked.py [--n 5000] [--m 20]

A synthetic stratified cluster sample (12 districts as strata, 8 PSUs each) with the
breakdowns of the default config's shape: city, district, sex, age band, education,
district x sex, a key group and district x key group. Times Taylor and JKn designs.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

import literacy
from literacy.assessment import DomainSpec
from literacy.measurement import linked_estimates


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=5000)
    ap.add_argument("--m", type=int, default=20)
    args = ap.parse_args()
    rng = np.random.default_rng(1)
    n = args.n
    df = pd.DataFrame({"stratum": rng.integers(0, 12, n)})
    df["psu"] = df["stratum"] * 100 + rng.integers(0, 8, n)
    df["district"] = df["stratum"].map(lambda s: f"d{s:02d}")
    df["sex"] = rng.choice(["m", "f"], n)
    df["age_band"] = rng.choice(["18-29", "30-39", "40-49", "50-59", "60+"], n)
    df["education"] = rng.choice(["primary", "middle", "high", "college"], n)
    df["group_youth"] = (df["age_band"] == "18-29").astype(int)
    df["w"] = rng.uniform(50, 150, n)
    pvs = rng.normal(size=(n, 1)) + 0.4 * rng.normal(size=(n, args.m))
    youth = {"code": "youth", "zh": "青少年", "en": "Youth"}
    specs = [("city", []), ("district", ["district"]), ("sex", ["sex"]), ("age_band", ["age_band"]),
             ("education", ["education"]), ("district+sex", ["district", "sex"]),
             DomainSpec("group", ("group_youth",), youth),
             DomainSpec("district+group", ("district", "group_youth"), youth)]
    design = literacy.SurveyDesign(df, weights="w", strata="stratum", psu="psu")
    for name, des in [("taylor", design), ("jkn", design.replicate("jkn"))]:
        t0, c0 = time.perf_counter(), time.process_time()
        out = linked_estimates(des, pvs, 0.5, specs)
        print(f"linked_estimates {name}: n={n} M={args.m} {len(specs)} breakdowns, {len(out)} rows: "
              f"{time.perf_counter() - t0:.2f} s wall, {time.process_time() - c0:.2f} s CPU")


if __name__ == "__main__":
    main()
