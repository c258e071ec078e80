"""Coverage study of the linked (IRT) shares and change: R simulated programmes through the pipeline.

Run from the repository root::

    .venv/bin/python benchmarks/coverage_linked.py                      # 100 replications, 2 processes
    .venv/bin/python benchmarks/coverage_linked.py --replications 4 --respondents 1500 --out /tmp/c.csv
    .venv/bin/python benchmarks/coverage_linked.py --summarize          # the tables from an existing CSV

For each replication r a programme is simulated from the config's ``simulation`` section with its
own seed (:func:`literacy.simulate.simulate_programme` takes one seed for everything, so each
replication draws a new synthetic population -- PSU frame, people, their answers -- *and* a new
sample from it; the population model, the forms, the anchors and the drifting anchors are the
config's and the same in every replication). The pipeline's pure steps then run as the flow runs
them:

* ``score``: :func:`literacy.scoring.score_responses` on the round's own form, then
  :func:`literacy.domains.add_derived` (the few lines of ``flows/pipeline/rounds.py::score``);
* ``weight``: :func:`literacy.weighting.weight_round` with the config's chain
  (``flows/pipeline/rounds.py::weight``: ``weight_nonresponse`` and ``weight`` columns, the
  calibration steps through the flow's JSON encoding);
* the calibrated design: :func:`literacy_flows.pipeline.designs.design_from_weighted` (what
  ``calibrated_design`` does after reading the files);
* the official raw-score estimates and change: ``estimate_round`` (+ the Korn-Graubard flags),
  ``compare_rounds`` (``flows/pipeline/rounds.py::estimate`` and ``compare``);
* the measurement stage in the order of ``flows/pipeline/measurement.py::measure``: ``item_scores``,
  ``link_forms`` (drift review, concurrent calibration, cuts on the baseline form),
  ``anchor_jackknife``, ``calibration_error``, ``round_parameters`` + ``plausible_values`` +
  ``linked_round`` per round, ``change_calibration`` and ``change_linked_table``.

Recorded per replication (``--out``, one row per replication x kind x domain x level) for the
city and each district at every level:

* ``share_linked``: each round's linked share (Rubin over the PVs) and its 95% CI (the published
  one, the calibration's sampling error in it) against the true share above the true theta*
  (``truth.rate_linked``), and the interval with the calibration taken as known (``_nocal``);
* ``change_linked``: the linked change with its CI with the linking error (the published one),
  without it (``_nolink``) and with the calibration taken as known (``_nocal``), against the true
  change of ``rate_linked``;
* ``share_raw`` / ``change_raw``: the official raw-score share and change (each round on its own
  form) against the true raw ``rate`` and its change; ``truth_linked`` of a ``change_raw`` row is
  the true linked change, so ``estimate - truth_linked`` is the raw change's bias as an estimate
  of the change in literacy.

A second file (``<out stem>_reps.csv``) holds per replication the estimated and true theta*, the
anchors given round-specific parameters, the true and estimated end-of-period latent mean/SD and
the time taken. The summary (``<out stem>.md``) has coverage with its Monte Carlo SE, bias, RMSE,
empirical SD vs mean SE, mean CI width and the mean SE components.

Deterministic given ``--seed``: replication r uses the r-th child of ``SeedSequence(seed)`` for
the simulation and the plausible-value draws (``measurement.seed``), whatever ``--jobs``.
"""

from __future__ import annotations

import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):   # one core per process
    os.environ.setdefault(_v, "1")

import argparse
import copy
import json
import sys
import time
import warnings
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
KINDS = ["share_linked", "change_linked", "share_raw", "change_raw"]
BREAKDOWNS = ["city", "district"]
Z = 1.959963984540054


# ---------------------------------------------------------------------------------- one replication
def _seeds(seed: int, replications: int) -> list[tuple[int, int]]:
    """(simulation seed, plausible-value seed) of each replication."""
    out = []
    for child in np.random.SeedSequence(int(seed)).spawn(replications):
        s = child.generate_state(2)
        out.append((int(s[0]), int(s[1])))
    return out


def _config(raw: dict, respondents: int | None, pv: int, pv_seed: int) -> tuple[dict, dict]:
    """(the YAML with the study's settings, the validated config)."""
    from literacy.assessment import validate_config

    src = copy.deepcopy(raw)
    if respondents:
        src["simulation"]["respondents_per_round"] = int(respondents)
    m = dict(src.get("measurement") or {})
    m["plausible_values"] = int(pv)
    m["seed"] = int(pv_seed)
    src["measurement"] = m
    return src, validate_config(src)


def _score(config: dict, responses: pd.DataFrame, instrument: pd.DataFrame) -> pd.DataFrame:
    # as flows/pipeline/rounds.py::score (that file is not to be edited; these are its few lines)
    from literacy.domains import add_derived
    from literacy.scoring import score_responses

    items = instrument["item_id"].astype(str).tolist()
    scores = score_responses(responses, instrument, config["scoring"])
    return add_derived(pd.concat([responses.drop(columns=items), scores], axis=1), config)


def _weight(config: dict, data: pd.DataFrame, sample: pd.DataFrame, margins: pd.DataFrame) -> tuple[pd.DataFrame, list]:
    # as flows/pipeline/rounds.py::weight: the configured chain, the two weight columns, and the
    # calibration steps as the estimate task reads them back (the flow's JSON encoding)
    from literacy.weighting import weight_round
    from literacy_flows.ingest import io as fio

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = weight_round(sample, data, margins, config)
    data = data.copy()
    data["weight_nonresponse"] = result.nonresponse_weights.to_numpy(dtype=float)
    data["weight"] = result.weights.to_numpy(dtype=float)
    return data, json.loads(fio.json_bytes(result.calibration_steps))


def _raw_estimates(config: dict, design, round_id: str) -> pd.DataFrame:
    # as flows/pipeline/rounds.py::estimate: estimates with the NCHS flags read on the Korn-Graubard CI
    from literacy.assessment import estimate_round
    from literacy.reliability import flag_estimates

    est = estimate_round(design, config, round_id)
    kg = estimate_round(design, {**config, "estimation": {**config["estimation"], "ci": "beta"}}, round_id)
    return flag_estimates(est, kg, config)


def run_replication(rep: int, sim_seed: int, pv_seed: int, raw: dict, respondents: int | None,
                    pv: int) -> tuple[pd.DataFrame, dict]:
    """One simulated programme through the pipeline: the long table of estimates against the truth
    and the replication's diagnostics."""
    from literacy.assessment import compare_rounds
    from literacy.assessment import round_roles
    from literacy.measurement import compare_forms, linking_feasible
    from literacy.assessment import (anchor_jackknife, calibration_error, change_calibration,
                                                 change_linked_table, item_scores, link_forms, linked_round,
                                                 measurement_config, plausible_values, round_parameters)
    from literacy.reliability import propagate_suppression
    from literacy.simulate import simulate_programme
    from literacy_flows.pipeline.designs import design_from_weighted

    t0 = time.perf_counter()
    src, config = _config(raw, respondents, pv, pv_seed)
    prog = simulate_programme(src, seed=sim_seed)
    t_sim = time.perf_counter() - t0
    base_id, end_id = round_roles(config)
    rounds = [base_id, end_id]
    id_col = config["design"]["respondent_id"]
    instruments = {rid: prog.instruments[rid] for rid in rounds}

    # score -> weight -> calibrated design -> official estimates, per round (the flow's chain)
    frames, designs, raw_est = {}, {}, []
    for rid in rounds:
        rnd = prog.rounds[rid]
        data = _score(config, rnd.responses, instruments[rid])
        data, steps = _weight(config, data, rnd.sample, rnd.margins)
        _, design = design_from_weighted(config, rid, data, steps)
        frames[rid], designs[rid] = data, design
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="a domain has a single observation", category=RuntimeWarning)
            raw_est.append(_raw_estimates(config, design, rid))
    est = pd.concat(raw_est, ignore_index=True)
    # as flows/pipeline/compare.py::compare
    change = compare_rounds(est, config)
    change = propagate_suppression(change, est, {base_id: "baseline", end_id: "end-of-period"},
                                   ["change", "se", "ci_low", "ci_high", "df", "p_value"])
    t_design = time.perf_counter() - t0 - t_sim

    # the measurement stage, in the order of flows/pipeline/measurement.py::measure (item review and DIF,
    # which feed no estimate, left out)
    mc = measurement_config(config)
    forms = compare_forms(instruments)
    anchors = [str(a) for a in forms.loc[forms["anchor"], "item_id"]]
    feasible, reason = linking_feasible(forms, config)
    if not feasible:
        raise RuntimeError(f"replication {rep}: linking refused: {reason}")
    scored, weights = {}, {}
    for rid in rounds:
        s, _, _ = item_scores(prog.rounds[rid].responses, instruments[rid], order=frames[rid][id_col],
                              id_column=id_col)
        scored[rid], weights[rid] = s, frames[rid]["weight"].to_numpy(dtype=float)
    scale = link_forms(scored, weights, instruments, anchors, config)
    assert mc["linking_error"] == "jackknife"
    # as the flow's measure task: the anchor jackknife first, then each round's linked shares
    # with the link's own uncertainty in their SE
    linking, _ = anchor_jackknife(scale, scored, weights, instruments, designs, config)
    calibration, _ = calibration_error(scale, scored, weights, instruments, designs)
    linked, draws = {}, {}
    for rid in rounds:
        items = instruments[rid]["item_id"].astype(str).tolist()
        a, d, _ = round_parameters(scale.fit, items, rid)
        pvs, _ = plausible_values(scored[rid], a, d, frames[rid], weights[rid], config, rid)
        draws[rid] = pvs
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="a domain has a single observation", category=RuntimeWarning)
            linked[rid] = linked_round(designs[rid], pvs, scale.cuts, config, rid, linking=linking,
                                       role="baseline" if rid == base_id else "endline",
                                       calibration=None if calibration is None else calibration[rid])
    t_pv = time.perf_counter() - t0 - t_sim - t_design
    note = f"linked through {len(scale.anchors)} of {len(anchors)} anchor items"
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="a domain has a single observation", category=RuntimeWarning)
        cal_change = change_calibration(designs, draws, calibration, scale.cuts, config)
    ch_linked = change_linked_table(linked, linking, change, config, True, note, calibration=cal_change)
    def known(t):   # the round's figures with the calibration taken as known
        c = t["se_calibration"].to_numpy(dtype=float)
        return t.assign(se_sampling=np.sqrt(np.maximum(t["se_sampling"].to_numpy(dtype=float) ** 2
                                                       - np.sign(c) * c ** 2, 0.0)))
    ch_nocal = change_linked_table({r: known(t) for r, t in linked.items()}, linking, change, config, True, note)
    t_jack = time.perf_counter() - t0 - t_sim - t_design - t_pv

    # ------------------------------------------------------------------ against the truth
    keys = ["breakdown", "domain", "level"]
    truth = {rid: prog.rounds[rid].truth.astype({k: str for k in keys}).set_index(keys) for rid in rounds}
    sel = lambda t: t[t["breakdown"].isin(BREAKDOWNS)].copy()   # noqa: E731
    rows = []
    for rid in rounds:
        lk = sel(linked[rid]).astype({k: str for k in keys})
        idx = pd.MultiIndex.from_frame(lk[keys])
        # the interval with the calibration taken as known (its part out of the sampling variance)
        cal = lk["se_calibration"].to_numpy(dtype=float)
        se_nocal = np.sqrt(np.maximum(lk["se"].to_numpy(dtype=float) ** 2 - np.sign(cal) * cal ** 2, 0.0))
        rows.append(pd.DataFrame({
            "kind": "share_linked", "round": rid, "breakdown": lk["breakdown"], "domain": lk["domain"],
            "level": lk["level"], "estimate": lk["estimate"], "truth": truth[rid]["rate_linked"].reindex(idx).to_numpy(),
            "se": lk["se"], "se_sampling": lk["se_sampling"], "se_imputation": lk["se_imputation"],
            "se_linking": lk["se_linking"], "se_calibration": lk["se_calibration"], "ci_low": lk["ci_low"],
            "ci_high": lk["ci_high"], "n": lk["n"],
            "ci_low_nocal": lk["estimate"].to_numpy(dtype=float) - Z * se_nocal,
            "ci_high_nocal": lk["estimate"].to_numpy(dtype=float) + Z * se_nocal}))
        rw = sel(est[est["round"] == rid]).astype({k: str for k in keys})
        idx = pd.MultiIndex.from_frame(rw[keys])
        rows.append(pd.DataFrame({
            "kind": "share_raw", "round": rid, "breakdown": rw["breakdown"], "domain": rw["domain"],
            "level": rw["level"], "estimate": rw["estimate"], "truth": truth[rid]["rate"].reindex(idx).to_numpy(),
            "se": rw["se"], "se_sampling": rw["se"], "se_imputation": np.nan, "se_linking": np.nan,
            "ci_low": rw["ci_low"], "ci_high": rw["ci_high"], "n": rw["n"]}))
    true_linked = truth[end_id]["rate_linked"] - truth[base_id]["rate_linked"]
    true_raw = truth[end_id]["rate"] - truth[base_id]["rate"]
    cl = sel(ch_linked).astype({k: str for k in keys})
    idx = pd.MultiIndex.from_frame(cl[keys])
    se_nolink = np.sqrt(cl["se_sampling"].to_numpy(dtype=float) ** 2 + cl["se_imputation"].to_numpy(dtype=float) ** 2)
    nc = sel(ch_nocal).astype({k: str for k in keys}).set_index(keys).reindex(idx)
    rows.append(pd.DataFrame({
        "kind": "change_linked", "round": f"{base_id}-{end_id}", "breakdown": cl["breakdown"], "domain": cl["domain"],
        "level": cl["level"], "estimate": cl["change"], "truth": true_linked.reindex(idx).to_numpy(),
        "se": cl["se_total"], "se_sampling": cl["se_sampling"], "se_imputation": cl["se_imputation"],
        "se_linking": cl["se_linking"], "ci_low": cl["ci_low"], "ci_high": cl["ci_high"],
        "ci_low_nolink": cl["change"].to_numpy(dtype=float) - Z * se_nolink,
        "ci_high_nolink": cl["change"].to_numpy(dtype=float) + Z * se_nolink,
        "ci_low_nocal": nc["ci_low"].to_numpy(dtype=float), "ci_high_nocal": nc["ci_high"].to_numpy(dtype=float)}))
    rc = sel(change).astype({k: str for k in keys})
    idx = pd.MultiIndex.from_frame(rc[keys])
    rows.append(pd.DataFrame({
        "kind": "change_raw", "round": f"{base_id}-{end_id}", "breakdown": rc["breakdown"], "domain": rc["domain"],
        "level": rc["level"], "estimate": rc["change"], "truth": true_raw.reindex(idx).to_numpy(),
        "truth_linked": true_linked.reindex(idx).to_numpy(), "se": rc["se"], "se_sampling": rc["se"],
        "se_imputation": np.nan, "se_linking": np.nan, "ci_low": rc["ci_low"], "ci_high": rc["ci_high"]}))
    out = pd.concat(rows, ignore_index=True)
    out.insert(0, "rep", rep)
    out.insert(1, "seed", sim_seed)

    # ------------------------------------------------------------------ diagnostics
    g = scale.fit.groups.set_index(scale.fit.groups["group"].astype(str))
    theta_end = prog.rounds[end_id].population["theta"].to_numpy(dtype=float)
    theta_base = prog.rounds[base_id].population["theta"].to_numpy(dtype=float)
    diag = {"rep": rep, "seed": sim_seed, "pv_seed": pv_seed,
            "respondents_base": int(len(frames[base_id])), "respondents_end": int(len(frames[end_id])),
            "anchors": len(anchors), "linked_anchors": len(scale.anchors),
            "freed": ";".join(f"{r.item}:{r.reason}" for r in scale.freed.itertuples()),
            "drifting_true": ";".join(prog.drifting_anchors),
            "mean_end_est": float(g.loc[end_id, "mean"]), "sd_end_est": float(g.loc[end_id, "sd"]),
            "mean_end_true": float(theta_end.mean()), "sd_end_true": float(theta_end.std()),
            "mean_base_true": float(theta_base.mean()), "sd_base_true": float(theta_base.std()),
            "converged": bool(scale.fit.converged)}
    for code, c in scale.cuts.items():
        diag[f"cut_{code}_est"] = float(c)
        diag[f"cut_{code}_true"] = float(prog.theta_cuts[code])
    diag.update({"seconds_simulate": round(t_sim, 1), "seconds_design": round(t_design, 1),
                 "seconds_link_pv": round(t_pv, 1), "seconds_jackknife": round(t_jack, 1),
                 "seconds": round(time.perf_counter() - t0, 1)})
    return out, diag


def _worker(args):
    """A replication; a failure is returned (with its traceback), not raised, so the others go on."""
    import traceback

    try:
        return run_replication(*args)
    except Exception:   # noqa: BLE001 -- recorded and reported, never hidden
        return None, {"rep": args[0], "seed": args[1], "error": traceback.format_exc()}


# ---------------------------------------------------------------------------------- summary
def summarize(table: pd.DataFrame, headline: str) -> pd.DataFrame:
    """Per kind, round, breakdown, domain and level: coverage (Monte Carlo SE), bias, RMSE, ..."""
    t = table.copy()
    t["error"] = t["estimate"] - t["truth"]
    t["covered"] = (t["ci_low"] <= t["truth"]) & (t["truth"] <= t["ci_high"])
    t["covered_nolink"] = (t["ci_low_nolink"] <= t["truth"]) & (t["truth"] <= t["ci_high_nolink"])
    t["covered_nocal"] = (t["ci_low_nocal"] <= t["truth"]) & (t["truth"] <= t["ci_high_nocal"])
    t["width"] = t["ci_high"] - t["ci_low"]
    t["error_vs_linked"] = t["estimate"] - t["truth_linked"]
    t = t[t["estimate"].notna()]
    out = []
    for (kind, rnd, bd, dom, lv), g in t.groupby(["kind", "round", "breakdown", "domain", "level"], sort=False):
        R = len(g)
        cov = float(g["covered"].mean())
        row = {"kind": kind, "round": rnd, "breakdown": bd, "domain": dom, "level": lv, "R": R,
               "truth_mean": g["truth"].mean(), "coverage": cov, "coverage_mcse": np.sqrt(cov * (1 - cov) / R),
               "bias": g["error"].mean(), "bias_mcse": g["error"].std(ddof=1) / np.sqrt(R),
               "rmse": np.sqrt((g["error"] ** 2).mean()), "sd_error": g["error"].std(ddof=1),
               "mean_se": g["se"].mean(), "mean_width": g["width"].mean(),
               "mean_se_sampling": g["se_sampling"].mean(), "mean_se_imputation": g["se_imputation"].mean(),
               "mean_se_linking": g["se_linking"].mean(),
               "mean_se_calibration": g["se_calibration"].mean() if "se_calibration" in g else np.nan}
        if kind in ("share_linked", "change_linked"):
            c3 = float(g["covered_nocal"].mean())
            row.update({"coverage_nocal": c3, "coverage_nocal_mcse": np.sqrt(c3 * (1 - c3) / R)})
        if kind == "change_linked":
            c2 = float(g["covered_nolink"].mean())
            row.update({"coverage_nolink": c2, "coverage_nolink_mcse": np.sqrt(c2 * (1 - c2) / R),
                        "mean_width_nolink": (g["ci_high_nolink"] - g["ci_low_nolink"]).mean()})
        if kind == "change_raw":
            row.update({"bias_vs_linked": g["error_vs_linked"].mean(),
                        "bias_vs_linked_mcse": g["error_vs_linked"].std(ddof=1) / np.sqrt(R),
                        "rmse_vs_linked": np.sqrt((g["error_vs_linked"] ** 2).mean())})
        out.append(row)
    s = pd.DataFrame(out)
    s["headline"] = s["level"] == headline
    return s


def _pct(x, d=1):
    return "" if pd.isna(x) else f"{100 * x:.{d}f}"


def _pp(x, d=2):
    return "" if pd.isna(x) else f"{100 * x:+.{d}f}"


def markdown(summary: pd.DataFrame, reps: pd.DataFrame, meta: dict, headline: str) -> str:
    """The summary tables (percentages and percentage points)."""
    lines = [f"# Coverage of the linked estimates ({meta['R']} replications)", "",
             f"`{meta['command']}`", "",
             f"Seed {meta['seed']}; {meta['pv']} plausible values; respondents per round as configured "
             f"{'(' + str(meta['respondents']) + ')' if meta['respondents'] else '(4500)'} -- achieved mean "
             f"{reps['respondents_base'].mean():.0f} (baseline) and {reps['respondents_end'].mean():.0f} "
             f"(end-of-period); each replication draws a new population and sample "
             f"(`simulate_programme(config, seed)`). Mean {reps['seconds'].mean():.0f} s per replication.",
             "",
             "Coverage of nominal 95% intervals, in %, with its Monte Carlo SE; bias, RMSE, empirical SD of the "
             "error, mean SE and its parts, mean CI width in percentage points. Shares are against the true "
             "share of the round's population above the true θ* (linked) or whose raw score clears the threshold "
             "(raw); changes against the true change of those shares.", ""]

    def table(rows: pd.DataFrame, cols: list[tuple[str, str, callable]]) -> list[str]:
        head = "| " + " | ".join(c[0] for c in cols) + " |"
        sep = "|" + "|".join("---" if i < 3 else "---:" for i in range(len(cols))) + "|"
        body = ["| " + " | ".join(c[2](r[c[1]]) if c[1] in r else "" for c in cols) + " |"
                for _, r in rows.iterrows()]
        return [head, sep, *body, ""]

    ident = [("round", "round", str), ("domain", "domain", str), ("level", "level", str)]
    cov = [("coverage %", "coverage", _pct), ("MC SE", "coverage_mcse", _pct)]
    err = [("bias pp", "bias", _pp), ("(MC SE)", "bias_mcse", lambda x: _pct(x, 2)), ("RMSE pp", "rmse", lambda x: _pct(x, 2)),
           ("SD(error) pp", "sd_error", lambda x: _pct(x, 2)), ("mean SE pp", "mean_se", lambda x: _pct(x, 2))]
    order = {"city": 0, "district": 1}
    lv_order = {headline: 0}
    s = summary.assign(_b=summary["breakdown"].map(order), _l=summary["level"].map(lambda v: lv_order.get(v, 1)))
    for lvl_sel, title in ((True, f"headline level ({headline})"), (False, "the other levels")):
        part = s[s["headline"] == lvl_sel].sort_values(["_l", "level", "_b", "domain", "round"])
        lines += [f"## Linked share per round, {title}", ""]
        lines += table(part[part["kind"] == "share_linked"], ident + cov + [
            ("cov. calibration taken as known %", "coverage_nocal", _pct), ("MC SE  ", "coverage_nocal_mcse", _pct)]
            + err + [
            ("SE sampling", "mean_se_sampling", lambda x: _pct(x, 2)),
            ("of which calibration (signed)", "mean_se_calibration", lambda x: _pct(x, 2)),
            ("SE linking (not in SE)", "mean_se_linking", lambda x: _pct(x, 2)),
            ("SE imputation", "mean_se_imputation", lambda x: _pct(x, 2)),
            ("CI width pp", "mean_width", lambda x: _pct(x, 2))])
        lines += [f"## Linked change, {title}", ""]
        lines += table(part[part["kind"] == "change_linked"], ident + [
            ("true change pp", "truth_mean", _pp)] + cov + [
            ("cov. without linking error %", "coverage_nolink", _pct), ("MC SE ", "coverage_nolink_mcse", _pct),
            ("cov. calibration taken as known %", "coverage_nocal", _pct), ("MC SE  ", "coverage_nocal_mcse", _pct)]
            + err + [("SE sampling", "mean_se_sampling", lambda x: _pct(x, 2)),
                     ("SE imputation", "mean_se_imputation", lambda x: _pct(x, 2)),
                     ("SE linking", "mean_se_linking", lambda x: _pct(x, 2)),
                     ("CI width pp", "mean_width", lambda x: _pct(x, 2))])
        lines += [f"## Official raw-score share and change, {title}", ""]
        raw = part[part["kind"].isin(["share_raw", "change_raw"])]
        lines += table(raw, [("kind", "kind", str)] + ident + [("truth pp", "truth_mean", _pct)] + cov + err + [
            ("bias vs true linked change pp", "bias_vs_linked", _pp),
            ("(MC SE) ", "bias_vs_linked_mcse", lambda x: _pct(x, 2))])
    cut_cols = [c for c in reps.columns if c.startswith("cut_") and c.endswith("_est")]
    lines += ["## Diagnostics of the link", "",
              "| quantity | mean estimate | mean truth | mean error | SD of error |", "|---|---:|---:|---:|---:|"]
    for c in cut_cols:
        code = c[len("cut_"):-len("_est")]
        e = reps[c] - reps[f"cut_{code}_true"]
        lines.append(f"| θ* {code} | {reps[c].mean():.3f} | {reps[f'cut_{code}_true'].mean():.3f} | {e.mean():+.3f} | "
                     f"{e.std(ddof=1):.3f} |")
    for q in ("mean", "sd"):
        e = reps[f"{q}_end_est"] - reps[f"{q}_end_true"]
        lines.append(f"| end-of-period latent {q} | {reps[f'{q}_end_est'].mean():.3f} | "
                     f"{reps[f'{q}_end_true'].mean():.3f} | {e.mean():+.3f} | {e.std(ddof=1):.3f} |")
    freed = reps["freed"].astype(object).fillna("").astype(str)
    drifting = reps["drifting_true"].iloc[0] if len(reps) else ""
    counts = pd.Series([x.split(":")[0] for f in freed for x in f.split(";") if x]).value_counts()
    lines += ["", f"True drifting anchors: {drifting}. Anchors given round-specific parameters (replications "
              f"out of {len(reps)}): " + (", ".join(f"{k} {v}" for k, v in counts.items()) or "none") + "."
              f" Both true drifting anchors freed in {sum(all(d in f for d in drifting.split(';')) for f in freed)} "
              f"replications.", ""]
    return "\n".join(lines)


# ---------------------------------------------------------------------------------- main
def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--config", default=str(ROOT / "config" / "wuhai.yaml"))
    ap.add_argument("--replications", type=int, default=100)
    ap.add_argument("--seed", type=int, default=20250101)
    ap.add_argument("--jobs", type=int, default=2, help="processes")
    ap.add_argument("--respondents", type=int, default=None,
                    help="simulation.respondents_per_round (default: the config's)")
    ap.add_argument("--pv", type=int, default=20, help="plausible values")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "coverage_linked.csv"))
    ap.add_argument("--summarize", action="store_true", help="only rewrite the summary from --out")
    ap.add_argument("--resume", action="store_true",
                    help="keep the replications already in --out and run the others")
    args = ap.parse_args(argv)

    import yaml

    from literacy.assessment import validate_config

    raw = yaml.safe_load(Path(args.config).read_text(encoding="utf-8"))
    headline = validate_config(raw)["scoring"]["headline"]
    out = Path(args.out)
    reps_path = out.with_name(out.stem + "_reps.csv")
    md_path = out.with_suffix(".md")
    command = "python benchmarks/coverage_linked.py " + " ".join(
        a for a in (argv if argv is not None else sys.argv[1:]) if a != "--summarize")
    meta = {"seed": args.seed, "pv": args.pv, "respondents": args.respondents, "command": command.strip()}

    if not args.summarize:
        out.parent.mkdir(parents=True, exist_ok=True)
        seeds = _seeds(args.seed, args.replications)
        tables, diags, failed = [], [], []
        if args.resume and out.exists() and reps_path.exists():
            tables = [pd.read_csv(out, dtype={"domain": str, "round": str})]
            diags = pd.read_csv(reps_path).to_dict("records")
        have = {int(d["rep"]) for d in diags}
        tasks = [(r, s, p, raw, args.respondents, args.pv) for r, (s, p) in enumerate(seeds) if r not in have]
        fail_path = out.with_name(out.stem + "_failed.txt")
        if not args.resume and fail_path.exists():
            fail_path.unlink()          # a fresh run: an earlier run's failures are not this one's
        started = time.perf_counter()

        def done(res):
            tab, diag = res
            if tab is None:
                failed.append(diag)
                print(f"replication {diag['rep']} (seed {diag['seed']}) FAILED:\n{diag['error']}", flush=True)
                fail_path.write_text("\n".join(f"replication {d['rep']} (seed {d['seed']}):\n{d['error']}"
                                               for d in sorted(failed, key=lambda d: d["rep"])), encoding="utf-8")
                return
            tables.append(tab)
            diags.append(diag)
            # written after every replication (sorted), so a partial run can be summarised
            pd.concat(tables, ignore_index=True).sort_values(["rep"], kind="stable").to_csv(out, index=False)
            pd.DataFrame(diags).sort_values("rep").to_csv(reps_path, index=False)
            city = tab[(tab["kind"] == "change_linked") & (tab["breakdown"] == "city") & (tab["level"] == headline)]
            shown = (f"city linked change {100 * city['estimate'].iloc[0]:+.2f} pp vs true "
                     f"{100 * city['truth'].iloc[0]:+.2f}") if len(city) else "no city row"
            print(f"[{time.perf_counter() - started:7.0f} s] replication {diag['rep']} done in {diag['seconds']} s "
                  f"({len(diags)}/{args.replications}); {shown}", flush=True)

        if args.jobs <= 1:
            for t in tasks:
                done(_worker(t))
        else:
            with ProcessPoolExecutor(max_workers=args.jobs) as pool:
                futures = [pool.submit(_worker, t) for t in tasks]
                for f in as_completed(futures):
                    done(f.result())
        meta["wall_seconds"] = round(time.perf_counter() - started)
    table = pd.read_csv(out, dtype={"domain": str, "round": str})
    reps = pd.read_csv(reps_path)
    meta["R"] = int(reps["rep"].nunique())
    summary = summarize(table, headline)
    summary.to_csv(out.with_name(out.stem + "_summary.csv"), index=False)
    md_path.write_text(markdown(summary, reps, meta, headline), encoding="utf-8")
    print(f"wrote {out}, {reps_path}, {md_path}")


if __name__ == "__main__":
    main()
