"""Benchmark of literacy.measurement.fit_irt on simulated 2PL data (seeded).

    .venv/bin/python benchmarks/bench_irt.py            # both cases
    .venv/bin/python benchmarks/bench_irt.py small      # 2 groups x 5,000 x 60 items
    .venv/bin/python benchmarks/bench_irt.py large      # 300,000 x 60 items

Prints wall time, peak resident memory (Linux ru_maxrss) and the largest error of the
estimates against the generating parameters in units of their standard errors.
"""

from __future__ import annotations

import resource
import sys
import time

import numpy as np
import pandas as pd

from literacy.measurement import fit_irt


def simulate(n_per_group, n_items, means, sds, seed):
    rng = np.random.default_rng(seed)
    a = rng.uniform(0.6, 2.0, n_items)
    b = rng.normal(0.0, 1.0, n_items)
    d = -a * b
    frames, groups = [], []
    for g, (m, s) in enumerate(zip(means, sds)):
        theta = rng.normal(m, s, n_per_group)
        p = 1.0 / (1.0 + np.exp(-(np.outer(theta, a) + d)))
        frames.append((rng.random(p.shape) < p).astype(np.int8))
        groups.append(np.full(n_per_group, f"R{g + 1}"))
    resp = pd.DataFrame(np.vstack(frames), columns=[f"i{j:02d}" for j in range(n_items)])
    w = rng.uniform(0.5, 2.0, len(resp))
    return resp, w, np.concatenate(groups), a, d


def run(name, n_per_group, means, sds, seed, blas_threads=1):
    resp, w, groups, a, d = simulate(n_per_group, 60, means, sds, seed)
    t0 = time.perf_counter()
    fit = fit_irt(resp, weights=w, groups=groups if len(means) > 1 else None, blas_threads=blas_threads)
    dt = time.perf_counter() - t0
    it = fit.items
    za = np.abs((it["a"].to_numpy() - a) / it["se_a"].to_numpy()).max()
    zd = np.abs((it["d"].to_numpy() - d) / it["se_d"].to_numpy()).max()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{name} (blas_threads={blas_threads}): {len(resp):,} respondents x 60 items, {len(means)} group(s): {dt:.2f} s, "
          f"peak RSS {rss:.0f} MB, EM {fit.info['em_iterations']} + Newton {fit.info['newton_iterations']} "
          f"iterations, converged={fit.converged}, max |z| a {za:.2f}, d {zd:.2f}")
    if len(means) > 1:
        print(fit.groups.round(4).to_string(index=False))


if __name__ == "__main__":
    which = sys.argv[1:] or ["small", "large"]
    if "small" in which:
        run("small", 5_000, [0.0, 0.3], [1.0, 1.2], seed=20240601)
    if "small-threads" in which:
        run("small", 5_000, [0.0, 0.3], [1.0, 1.2], seed=20240601, blas_threads=None)
    if "large" in which:
        run("large", 300_000, [0.0], [1.0], seed=20240602)
