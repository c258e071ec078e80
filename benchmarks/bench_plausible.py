"""Benchmark: plausible values for a large simulated 2PL assessment.

    .venv/bin/python benchmarks/bench_plausible.py [--n 300000] [--items 60] [--m 20]

Simulates n respondents answering J items (a rotated booklet design: each respondent
takes 2 of 3 item blocks, so 3 patterns of administered items, plus 2 % random skips so
that the general many-pattern path is timed too), fits the latent regression by EM, and
times draw_plausible_values (M draws, beta uncertainty on). Prints wall and CPU times (on a
shared machine the CPU time is the steadier figure).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from literacy.measurement import draw_plausible_values, latent_regression


def simulate(n: int, J: int, seed: int, skips: float):
    rng = np.random.default_rng(seed)
    x1 = rng.normal(size=n)
    g = rng.integers(0, 4, n)
    X = np.column_stack([np.ones(n), x1, g == 1, g == 2, g == 3]).astype(float)
    beta = np.array([0.0, 0.4, 0.2, -0.3, 0.5])
    theta = X @ beta + 0.85 * rng.normal(size=n)
    a = rng.uniform(0.6, 2.0, J)
    d = rng.normal(0, 1, J)
    y = (rng.random((n, J)) < 1 / (1 + np.exp(-(np.outer(theta, a) + d)))).astype(float)
    block = np.arange(J) % 3                          # three item blocks
    left_out = rng.integers(0, 3, n)                  # each booklet leaves one block out
    y[block[None, :] == left_out[:, None]] = np.nan
    if skips:
        y[rng.random((n, J)) < skips] = np.nan
    return y, a, d, X


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=300_000)
    ap.add_argument("--items", type=int, default=60)
    ap.add_argument("--m", type=int, default=20)
    ap.add_argument("--skips", type=float, default=0.0)
    ap.add_argument("--em-n", type=int, default=50_000, help="respondents for the EM timing")
    args = ap.parse_args()
    y, a, d, X = simulate(args.n, args.items, 2024, args.skips)
    t0 = time.perf_counter()
    fit = latent_regression(y[: args.em_n], a, d, X[: args.em_n])
    t_em = time.perf_counter() - t0
    t0, c0 = time.perf_counter(), time.process_time()
    pv = draw_plausible_values(y, a, d, X, fit.beta, fit.sigma, m=args.m, seed=7)
    t_pv, c_pv = time.perf_counter() - t0, time.process_time() - c0
    print(f"latent_regression: n={args.em_n} J={args.items}: {t_em:.2f} s, {fit.iterations} iterations")
    print(f"draw_plausible_values: n={args.n} J={args.items} M={args.m} skips={args.skips}: {t_pv:.2f} s wall, "
          f"{c_pv:.2f} s CPU (pv mean {pv.mean():.3f}, sd {pv.std():.3f})")


if __name__ == "__main__":
    main()
