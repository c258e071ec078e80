"""Taylor shares by three string domains on a DataFrame read from Parquet (issue 21's case).

Under pandas 3 a DataFrame read from Parquet holds Arrow-backed string columns. This times, end to
end from the DataFrame (design construction included), on 200,000 rows:

    SurveyDesign(df, weights="weight", strata="stratum", psu="psu", nest=True)
        .proportion("literate", by=["district", "sex", "age"])

against svy's ``Sample(data, Design(stratum, psu, wgt)).estimation.prop("literate", by=...)`` on the
same file read by polars (svy's own input), best of ``--repeats`` after one warm-up each, and checks
that both give the same shares and standard errors. One BLAS thread (numerics are not the cost here).

    .venv/bin/python benchmarks/bench_arrow_domains.py [--rows 200000] [--repeats 15]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

BY = ["district", "sex", "age"]


def make(path: Path, n: int, seed: int = 7) -> None:
    rng = np.random.default_rng(seed)
    district = np.array([f"district_{i:02d}" for i in range(12)])[rng.integers(0, 12, n)]
    stratum = np.char.add(district, np.where(rng.random(n) < 0.2, "-rural", "-urban"))
    psu = np.char.add(np.char.add(stratum, "-"), rng.integers(0, 40, n).astype(str))   # ids repeat: nest
    pd.DataFrame({"stratum": stratum, "psu": psu, "district": district,
                  "sex": np.where(rng.random(n) < 0.5, "male", "female"),
                  "age": np.array(["18-29", "30-39", "40-49", "50-59", "60-69"])[rng.integers(0, 5, n)],
                  "weight": rng.uniform(50, 150, n), "literate": (rng.random(n) < 0.13).astype(np.int8)}
                 ).to_parquet(path)


def best(fn, repeats: int) -> tuple[float, object]:
    out = fn()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--repeats", type=int, default=15)
    args = ap.parse_args()
    from literacy import SurveyDesign

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "data.parquet"
        make(path, args.rows)
        df = pd.read_parquet(path)
        kinds = {c: str(df[c].dtype) for c in ["stratum", "psu", *BY]}

        def ours():
            return SurveyDesign(df, weights="weight", strata="stratum", psu="psu", nest=True) \
                .proportion("literate", by=BY)

        t_ours, res = best(ours, args.repeats)
        line = f"| {args.rows:,} rows, {len(res)} domains | {t_ours:.4f} s"
        try:
            import polars as pl
            import svy
        except ImportError:
            print(line + " | (svy not installed) |")
            return
        data = pl.read_parquet(path)

        def theirs():
            sample = svy.Sample(data, svy.Design(stratum="stratum", psu="psu", wgt="weight"))
            return sample.estimation.prop("literate", by=BY).to_polars()

        t_svy, other = best(theirs, max(3, args.repeats // 3))
        other = other.to_pandas()
        other = other[other[other.columns[len(BY)]].astype(str).isin(["1", "1.0", "True"])] \
            if len(other) == 2 * len(res) else other
        mine = res.sort_values(BY).reset_index(drop=True)
        other = other.sort_values(BY).reset_index(drop=True)
        est_diff = float(np.max(np.abs(mine["estimate"].to_numpy() - other["est"].to_numpy())))
        se_diff = float(np.max(np.abs(mine["se"].to_numpy() / other["se"].to_numpy() - 1)))
        print(f"column dtypes: {kinds}")
        print("| case | literacy | svy | speed-up |")
        print("| --- | --- | --- | --- |")
        print(f"{line} | {t_svy:.4f} s | {t_svy / t_ours:.1f}x |")
        print(f"max |estimate difference| {est_diff:.1e}; max relative SE difference {se_diff:.1e}")


if __name__ == "__main__":
    main()
