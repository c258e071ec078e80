"""Why the linked shares' intervals are conservative: Rubin's rules against the linearised variance.

Run from the repository root::

    .venv/bin/python benchmarks/linked_expected_share.py                 # 40 replications, 2 processes
    .venv/bin/python benchmarks/linked_expected_share.py --replications 10 --out /tmp/e.md

Each replication simulates the default programme (``simulate_programme``, its own seed: a new
population and sample), runs the flow's steps up to the calibration
(``benchmarks/coverage_linked.py``'s score, weight and design steps; ``link_forms``;
``calibration_error``) and computes for the city's literate share of each round:

* the **plausible-value share** as published (``plausible_values`` + ``linked_round``): its
  Rubin total with the calibration's part (``se``), and the part (``se_calibration``);
* the **posterior-expected share** ``Σ w P(θ > θ* | answers) / Σ w`` under the calibration's
  latent distribution (the smooth estimator whose gradient the calibration's part uses) and its
  linearised variance: its own design variance plus the calibration's part (Binder 1983).

Both against the replication's true share above the true θ*. The summary (``--out``) gives the
spread of each estimator's error and the mean of each variance estimate.
"""

from __future__ import annotations

import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import argparse
import sys
import warnings
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))


def replication(args) -> dict:
    rep, (sim_seed, pv_seed), raw = args
    import coverage_linked as cl
    from literacy.assessment import round_roles
    from literacy.measurement import compare_forms
    from literacy.assessment import (calibration_error, item_scores, link_forms, linked_round,
                                                 plausible_values, round_parameters)
    from literacy.measurement.calibration_error import (calibration_increment, cut_gradient, domain_cross,
                                                        influence_covariance, share_gradient)
    from literacy.simulate import simulate_programme
    from literacy_flows.pipeline.designs import design_from_weighted

    warnings.simplefilter("ignore")
    src, config = cl._config(raw, None, 20, pv_seed)
    prog = simulate_programme(src, seed=sim_seed)
    base, end = round_roles(config)
    rounds = [base, end]
    inst = {r: prog.instruments[r] for r in rounds}
    id_col = config["design"]["respondent_id"]
    frames, designs, scored, weights = {}, {}, {}, {}
    for r in rounds:
        rnd = prog.rounds[r]
        data = cl._score(config, rnd.responses, inst[r])
        data, steps = cl._weight(config, data, rnd.sample, rnd.margins)
        _, designs[r] = design_from_weighted(config, r, data, steps)
        frames[r] = data
        scored[r], _, _ = item_scores(rnd.responses, inst[r], order=data[id_col], id_column=id_col)
        weights[r] = data["weight"].to_numpy(dtype=float)
    forms = compare_forms(inst)
    anchors = [str(a) for a in forms.loc[forms["anchor"], "item_id"]]
    scale = link_forms(scored, weights, inst, anchors, config)
    cal, _ = calibration_error(scale, scored, weights, inst, designs)
    level = config["scoring"]["headline"]
    cut = scale.cuts[level]
    out = {"rep": rep, "seed": sim_seed}
    for r in rounds:
        w = weights[r]
        W = w.sum()
        pi, grad = share_gradient(scale.fit, scored[r], r, {"x": cut},
                                  cut_gradient(scale.fit, inst[base], base, {"x": cut}))["x"]
        f = w @ pi / W
        g = (w @ grad) / W
        v = ((pi - f) / W)[:, None]
        own = float(influence_covariance(designs[r], v)[0, 0])
        K = float(calibration_increment(g[None, :], domain_cross(designs[r], v, cal[r].influence),
                                        cal[r].covariance)[0])
        a, d, _ = round_parameters(scale.fit, inst[r]["item_id"].astype(str).tolist(), r)
        pvs, _ = plausible_values(scored[r], a, d, frames[r], w, config, r)
        est = linked_round(designs[r], pvs, scale.cuts, config, r, calibration=cal[r])
        row = est[(est["breakdown"] == "city") & (est["level"] == level)].iloc[0]
        truth = prog.rounds[r].truth
        t = float(truth[(truth["breakdown"] == "city") & (truth["level"] == level)]["rate_linked"].iloc[0])
        out.update({f"{r}_truth": t, f"{r}_expected": f, f"{r}_var_own": own, f"{r}_var_calibration": K,
                    f"{r}_pv": float(row["estimate"]), f"{r}_se": float(row["se"]),
                    f"{r}_se_sampling": float(row["se_sampling"]), f"{r}_se_calibration": float(row["se_calibration"]),
                    f"{r}_se_imputation": float(row["se_imputation"])})
    return out


def summary(res: pd.DataFrame, rounds: list[str], command: str) -> str:
    lines = [f"# Plausible-value share and posterior-expected share ({len(res)} replications)", "",
             f"`{command}`", "",
             "City, share literate, in percentage points. 'SD of error': the spread of the estimate minus the "
             "replication's truth; the others are means over replications of each variance estimate, as SEs "
             "(square root of the mean variance).", "",
             "| round | estimator | SD of error | mean SE | mean SE / SD | of which: own (items known) | "
             "calibration's part (signed) | imputation | corr. of the two errors |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|"]

    def se(v):
        m = float(np.mean(v))
        return f"{np.sign(m) * np.sqrt(abs(m)) * 100:.2f}"
    for r in rounds:
        e_pv = res[f"{r}_pv"] - res[f"{r}_truth"]
        e_ex = res[f"{r}_expected"] - res[f"{r}_truth"]
        corr = np.corrcoef(e_pv, e_ex)[0, 1]
        cal = np.sign(res[f"{r}_se_calibration"]) * res[f"{r}_se_calibration"] ** 2
        own_pv = res[f"{r}_se_sampling"] ** 2 - cal
        tot_pv = np.sqrt(np.mean(res[f"{r}_se"] ** 2))
        tot_ex = np.sqrt(np.mean(res[f"{r}_var_own"] + res[f"{r}_var_calibration"]))
        lines.append(f"| {r} | plausible values, Rubin (published) | {100 * e_pv.std(ddof=1):.2f} | "
                     f"{se(res[f'{r}_se'] ** 2)} | {tot_pv / e_pv.std(ddof=1):.2f} | {se(own_pv)} | {se(cal)} | "
                     f"{se(res[f'{r}_se_imputation'] ** 2)} | {corr:.2f} |")
        lines.append(f"| {r} | posterior-expected share, linearised | {100 * e_ex.std(ddof=1):.2f} | "
                     f"{se(res[f'{r}_var_own'] + res[f'{r}_var_calibration'])} | {tot_ex / e_ex.std(ddof=1):.2f} | "
                     f"{se(res[f'{r}_var_own'])} | {se(res[f'{r}_var_calibration'])} | | |")
    lines += ["", "A mean SE / SD near 1 is a variance estimate that matches the estimator's spread (its Monte "
              "Carlo SE is about 1/sqrt(2R)). How to read the table: docs/methods/calibration_error.md.", ""]
    return "\n".join(lines)


def main(argv=None) -> None:
    import yaml

    from literacy.assessment import validate_config
    from literacy.assessment import round_roles

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--replications", type=int, default=40)
    ap.add_argument("--seed", type=int, default=777)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "linked_expected_share.md"))
    args = ap.parse_args(argv)
    import coverage_linked as cl

    raw = yaml.safe_load((ROOT / "config" / "wuhai.yaml").read_text(encoding="utf-8"))
    rounds = list(round_roles(validate_config(raw)))
    tasks = [(r, s, raw) for r, s in enumerate(cl._seeds(args.seed, args.replications))]
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        res = pd.DataFrame(list(pool.map(replication, tasks))).sort_values("rep")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    res.to_csv(out.with_suffix(".csv"), index=False)
    command = "python benchmarks/linked_expected_share.py " + " ".join(argv if argv is not None else sys.argv[1:])
    out.write_text(summary(res, rounds, command.strip()), encoding="utf-8")
    print(out.read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
