"""Benchmark: linked_estimates with 20 plausible values on ~5,000 respondents, every breakdown.

    .venv/bin/python benchmarks/bench_linked.py [--n 5000] [--m 20]

A synthetic stratified cluster sample (12 districts as strata, 8 PSUs each) with the
breakdowns of the default config's shape: city, district, sex, age band, education,
district x sex, a key group and district x key group. Times Taylor and JKn designs, without and
with the calibration's sampling error (``calibration=``; the respondents' gradient and influence
of a 60-item two-round calibration).
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
    # the calibration's error: a respondent gradient and influence of the default calibration's size
    # (2 x 60 items + 2 parameters); the values are random, only the shapes matter for the time
    p = 2 * 60 + 2
    gradient = 0.01 * rng.normal(size=(n, p))
    influence = 0.001 * rng.normal(size=(n, p))
    for name, des in [("taylor", design), ("jkn", design.replicate("jkn"))]:
        for with_cal in (False, True):
            cal = None
            t0, c0 = time.perf_counter(), time.process_time()
            if with_cal:
                from literacy.measurement.calibration_error import influence_covariance, influence_totals

                cal = (gradient, influence_totals(des, influence), influence_covariance(des, influence))
            out = linked_estimates(des, pvs, 0.5, specs, calibration=cal)
            print(f"linked_estimates {name}{' + calibration error' if with_cal else ''}: n={n} M={args.m} "
                  f"{len(specs)} breakdowns, {len(out)} rows: {time.perf_counter() - t0:.2f} s wall, "
                  f"{time.process_time() - c0:.2f} s CPU")


if __name__ == "__main__":
    main()
