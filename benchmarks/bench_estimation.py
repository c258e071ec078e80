"""Estimation-engine benchmark: literacy against svy (and R's survey when Rscript is present).

Run from the repository root::

    .venv/bin/python benchmarks/bench_estimation.py                       # 200k, 1M and 10M rows
    .venv/bin/python benchmarks/bench_estimation.py --sizes 200000 --out /tmp/quick.md

Synthetic stratified cluster sample: 30 strata x 20 PSUs (600 PSUs of unequal size), weights
varying between and within PSUs, a 0/1 outcome with a PSU random effect (so design effects are
well above 1) and two domain variables with 30 and 200 levels crossing the PSUs. For every size
and domain count three cases are timed, side by side in one run, on the same data:

* ``taylor``: share of ``y`` by domain, Taylor linearisation, logit CI
  (``SurveyDesign(...).proportion``; svy ``estimation.prop``; R ``svyby(~y, ~dom, des, svymean)``);
* ``jkn``: JKn replicate weights with one replicate per PSU (600), created and then used for the
  same estimate (``design.replicate("jkn")``; svy ``weighting.create_jk_wgts`` +
  ``prop(method="replication")``; R ``as.svrepdesign(des, type="JKn")`` + ``svyby``);
* ``bootstrap``: the same estimate from 80 bootstrap replicate weight columns delivered with the
  data (``ReplicateDesign(..., method="bootstrap")``; svy ``BootstrapWgts`` with R's scale
  1/(R - 1); R ``svrepdesign(type="bootstrap")``).

Each timing runs in a fresh subprocess that first loads the data from a Parquet file (svy, ours)
or a CSV (R, read with data.table::fread) and then times only design construction plus estimation
(R: ``system.time`` inside R). Wall time is the best of ``--repeats`` runs below 10M rows and one
run at 10M; a run is not repeated once the repeats have used ``--repeat-budget`` seconds. The peak
resident memory of each subprocess (data included) comes from ``os.wait4``. A run of svy or R
whose time or memory, extrapolated linearly in rows from the previous size, would exceed
``--time-limit`` seconds or the memory available is skipped and the table says so.

The benchmark also checks that the engines agree: for every case it prints the maximum relative
difference of our estimates and SEs from svy's and R's.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import importlib.util
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

N_STRATA = 30
PSU_PER_STRATUM = 20
N_PSU = N_STRATA * PSU_PER_STRATUM
N_BOOT = 80
DOMAINS = (30, 200)
CASES = ("taylor", "taylor_str", "jkn", "bootstrap", "glm")
GLM_X = ["x1", "x2", "x3", "x4", "x5"]          # + g5 (5 string levels): 10 coefficients
ENGINES = ("ours", "svy", "R")
BOOT_COLUMNS = [f"bw{r + 1}" for r in range(N_BOOT)]
CASE_LABEL = {
    "taylor": "Taylor proportion by domain",
    "jkn": "JKn, 600 replicates: create + estimate",
    "bootstrap": "80 delivered bootstrap replicates",
    "taylor_str": "Taylor proportion by domain, domains as strings",
    "glm": "logistic svyglm, 10 coefficients, Taylor SEs",
}


# ---------------------------------------------------------------------------- synthetic data
def make_design_data(n: int, seed: int):
    """The design columns, outcome and domains for ``n`` rows (a pandas DataFrame).

    PSU sizes vary (gamma shares); the weight is a PSU base weight times a household-size factor;
    ``y`` has a PSU random effect and a domain effect on the logit scale.
    """
    import pandas as pd

    rng = np.random.default_rng(seed)
    share = rng.gamma(4.0, size=N_PSU)
    psu = rng.choice(N_PSU, size=n, p=share / share.sum())
    psu.sort()                                      # files usually come sorted by PSU
    stratum = psu // PSU_PER_STRATUM
    base = np.round(rng.uniform(50.0, 500.0, N_PSU), 2)
    w = base[psu] * rng.integers(1, 6, n)
    dom30 = rng.integers(0, 30, n)
    dom200 = rng.integers(0, 200, n)
    psu_effect = rng.normal(0.0, 0.5, N_PSU)
    dom_effect = rng.normal(0.0, 0.4, 200)
    eta = np.log(0.12 / 0.88) + psu_effect[psu] + dom_effect[dom200]
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-eta))).astype(np.int8)
    out = pd.DataFrame({"stratum": stratum, "psu": psu, "w": w, "y": y, "dom30": dom30, "dom200": dom200})
    # model and string-domain columns from a separate stream (the columns above do not change)
    rng2 = np.random.default_rng(seed + 7)
    for c in GLM_X:
        out[c] = rng2.normal(size=n)
    out["g5"] = np.array(list("abcde"), dtype=object)[rng2.integers(0, 5, n)]
    out["dom30s"] = np.char.add("d", np.char.zfill(dom30.astype(str), 3)).astype(object)
    out["dom200s"] = np.char.add("d", np.char.zfill(dom200.astype(str), 3)).astype(object)
    return out


def bootstrap_counts(seed: int) -> np.ndarray:
    """N_PSU x N_BOOT bootstrap multiplicities: n_h PSUs drawn with replacement in each stratum."""
    rng = np.random.default_rng(seed + 1)
    counts = rng.multinomial(PSU_PER_STRATUM, np.full(PSU_PER_STRATUM, 1.0 / PSU_PER_STRATUM),
                             size=(N_STRATA, N_BOOT))          # strata x replicates x PSUs
    return counts.transpose(0, 2, 1).reshape(N_PSU, N_BOOT).astype(float)


def write_inputs(df, n: int, seed: int, workdir: Path, need: dict) -> dict:
    """Write the Parquet (and, for R, CSV) inputs of one size; the bootstrap file in row chunks."""
    import polars as pl
    import pyarrow as pa
    import pyarrow.parquet as pq

    paths = {"data": workdir / f"data_{n}.parquet", "boot": workdir / f"boot_{n}.parquet",
             "data_csv": workdir / f"data_{n}.csv", "boot_csv": workdir / f"boot_{n}.csv"}
    df.to_parquet(paths["data"], index=False)
    if need.get("data_csv"):
        pl.from_pandas(df).write_csv(paths["data_csv"])
    if need.get("boot") or need.get("boot_csv"):
        counts = bootstrap_counts(seed)
        base_cols = ["psu", "w", "y", "dom30", "dom200"]
        writer = None
        csv_handle = open(paths["boot_csv"], "wb") if need.get("boot_csv") else None
        try:
            step = 500_000
            for start in range(0, n, step):
                part = df.iloc[start:start + step]
                bw = part["w"].to_numpy()[:, None] * counts[part["psu"].to_numpy()]
                cols = {c: part[c].to_numpy() for c in base_cols}
                cols.update({name: bw[:, r] for r, name in enumerate(BOOT_COLUMNS)})
                table = pa.table(cols)
                if need.get("boot"):
                    if writer is None:
                        writer = pq.ParquetWriter(paths["boot"], table.schema)
                    writer.write_table(table)
                if csv_handle is not None:
                    pl.from_arrow(table).write_csv(csv_handle, include_header=start == 0)
        finally:
            if writer is not None:
                writer.close()
            if csv_handle is not None:
                csv_handle.close()
    return paths


# ---------------------------------------------------------------------------- workers
def _rss_now() -> int:
    """Current resident set size in bytes (Linux), 0 elsewhere."""
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return 0


def _peak_rss() -> int:
    """Peak resident set size of this process in bytes.

    VmHWM from /proc/self/status: in some sandboxes (gVisor) ``getrusage``'s ru_maxrss is not
    per process, so it is only the fallback.
    """
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _time_repeats(fn, repeats: int, budget: float):
    times, result = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
        if sum(times) > budget:
            break
    return times, result


def worker_ours(spec: dict) -> dict:
    import pandas as pd

    from literacy.design import SurveyDesign
    from literacy.replicate import ReplicateDesign

    dom = f"dom{spec['domains']}"
    case = spec["case"]
    if case == "taylor_str":
        dom = dom + "s"
    if case == "bootstrap":
        data = pd.read_parquet(spec["boot"], columns=["w", "y", dom] + BOOT_COLUMNS)
    elif case == "glm":
        data = pd.read_parquet(spec["data"], columns=["stratum", "psu", "w", "y"] + GLM_X + ["g5"])
    else:
        data = pd.read_parquet(spec["data"], columns=["stratum", "psu", "w", "y", dom])
    rss_loaded = _rss_now()

    def run():
        if case == "glm":
            return SurveyDesign(data, "w", strata="stratum", psu="psu").glm(
                "y ~ " + " + ".join(GLM_X + ["g5"]), family="binomial")
        if case in ("taylor", "taylor_str"):
            return SurveyDesign(data, "w", strata="stratum", psu="psu").proportion("y", by=dom)
        if case == "jkn":
            return SurveyDesign(data, "w", strata="stratum", psu="psu").replicate("jkn").proportion("y", by=dom)
        return ReplicateDesign(data, "w", replicate_weights=BOOT_COLUMNS, method="bootstrap").proportion("y", by=dom)

    times, res = _time_repeats(run, spec["repeats"], spec["repeat_budget"])
    if case == "glm":
        return {"times": times, "rss_loaded": rss_loaded, "peak": _peak_rss(), "domain": list(range(len(res))),
                "estimate": res["estimate"].tolist(), "se": res["se"].tolist()}
    res = res.sort_values(dom)
    return {"times": times, "rss_loaded": rss_loaded, "peak": _peak_rss(), "domain": res[dom].tolist(),
            "estimate": res["estimate"].tolist(), "se": res["se"].tolist()}


def worker_svy(spec: dict) -> dict:
    import polars as pl
    import svy

    dom = f"dom{spec['domains']}"
    case = spec["case"]
    if case == "taylor_str":
        dom = dom + "s"
    if case == "bootstrap":
        data = pl.read_parquet(spec["boot"], columns=["w", "y", dom] + BOOT_COLUMNS)
    elif case == "glm":
        data = pl.read_parquet(spec["data"], columns=["stratum", "psu", "w", "y"] + GLM_X + ["g5"])
    else:
        data = pl.read_parquet(spec["data"], columns=["stratum", "psu", "w", "y", dom])
    rss_loaded = _rss_now()

    def run():
        if case == "glm":
            sample = svy.Sample(data, svy.Design(stratum="stratum", psu="psu", wgt="w"))
            return sample.glm.fit("y", x=GLM_X + [svy.Cat("g5")], family="binomial").to_polars()
        if case in ("taylor", "taylor_str"):
            sample = svy.Sample(data, svy.Design(stratum="stratum", psu="psu", wgt="w"))
            return sample.estimation.prop("y", by=dom).to_polars()
        if case == "jkn":
            sample = svy.Sample(data, svy.Design(stratum="stratum", psu="psu", wgt="w"))
            sample = sample.weighting.create_jk_wgts()
            return sample.estimation.prop("y", by=dom, method="replication").to_polars()
        # R's svrepdesign(type="bootstrap") variance: 1/(R-1) sum (theta_r - mean)^2
        rep = svy.BootstrapWgts(prefix="bw", n_reps=N_BOOT, scale=1.0 / (N_BOOT - 1))
        sample = svy.Sample(data, svy.Design(wgt="w", rep_wgts=rep))
        return sample.estimation.prop("y", by=dom, method="replication").to_polars()

    times, res = _time_repeats(run, spec["repeats"], spec["repeat_budget"])
    if case == "glm":
        return {"times": times, "rss_loaded": rss_loaded, "peak": _peak_rss(), "domain": list(range(res.height)),
                "estimate": res["estimate"].to_list(), "se": res["std_err"].to_list()}
    res = res.filter(pl.col("y").cast(pl.Float64) == 1.0).sort(dom)
    return {"times": times, "rss_loaded": rss_loaded, "peak": _peak_rss(), "domain": res[dom].to_list(),
            "estimate": res["est"].to_list(), "se": res["se"].to_list()}


R_SCRIPT = r"""
suppressPackageStartupMessages({library(survey); library(data.table)})
a <- commandArgs(trailingOnly = TRUE)
case <- a[1]; path <- a[2]; dom <- a[3]; repeats <- as.integer(a[4]); budget <- as.numeric(a[5]); out <- a[6]
d <- as.data.frame(fread(path))
f <- as.formula(paste0("~", dom))
run <- function() {
  if (case == "glm") {
    des <- svydesign(id = ~psu, strata = ~stratum, weights = ~w, data = d)
    svyglm(y ~ x1 + x2 + x3 + x4 + x5 + g5, des, family = quasibinomial())
  } else if (case %in% c("taylor", "taylor_str")) {
    des <- svydesign(id = ~psu, strata = ~stratum, weights = ~w, data = d)
    svyby(~y, f, des, svymean)
  } else if (case == "jkn") {
    des <- svydesign(id = ~psu, strata = ~stratum, weights = ~w, data = d)
    svyby(~y, f, as.svrepdesign(des, type = "JKn"), svymean)
  } else {
    des <- svrepdesign(data = d, weights = ~w, repweights = "^bw[0-9]+$", type = "bootstrap",
                       combined.weights = TRUE)
    svyby(~y, f, des, svymean)
  }
}
times <- c()
for (i in seq_len(repeats)) {
  gc()
  times <- c(times, system.time(res <- run())[["elapsed"]])
  if (sum(times) > budget) break
}
o <- if (case == "glm") data.frame(domain = seq_along(coef(res)) - 1, estimate = coef(res), se = SE(res)) else
  data.frame(domain = res[[dom]], estimate = coef(res), se = SE(res))
write.csv(o, out, row.names = FALSE)
hwm <- grep("^VmHWM", tryCatch(readLines("/proc/self/status"), error = function(e) character()), value = TRUE)
peak <- if (length(hwm)) as.numeric(gsub("[^0-9]", "", hwm)) * 1024 else NA
writeLines(c(paste(times, collapse = ","), format(peak, scientific = FALSE)), paste0(out, ".times"))
"""


def worker_r(spec: dict, workdir: Path) -> dict:
    import pandas as pd

    script = workdir / "bench_survey.R"
    if not script.exists():
        script.write_text(R_SCRIPT)
    out = workdir / f"r_{spec['case']}_{spec['n']}_{spec['domains']}.csv"
    path = spec["boot_csv"] if spec["case"] == "bootstrap" else spec["data_csv"]
    dom = f"dom{spec['domains']}" + ("s" if spec["case"] == "taylor_str" else "")
    cmd = ["Rscript", str(script), spec["case"], str(path), dom, str(spec["repeats"]),
           str(spec["repeat_budget"]), str(out)]
    return {"cmd": cmd, "out": out, "reader": lambda: _read_r(out, pd)}


def _read_r(out: Path, pd) -> dict:
    res = pd.read_csv(out).sort_values("domain")
    lines = Path(str(out) + ".times").read_text().strip().splitlines()
    times = [float(t) for t in lines[0].split(",")]
    peak = int(float(lines[1])) if len(lines) > 1 and lines[1].strip() not in ("", "NA") else None
    return {"times": times, "rss_loaded": None, "peak": peak, "domain": res["domain"].tolist(),
            "estimate": res["estimate"].tolist(), "se": res["se"].tolist()}


def _spawn(cmd: list[str], timeout: float, log: Path) -> dict:
    """Run ``cmd`` in its own process group.

    Returns the exit code, whether it timed out, its wall time, and how many cores other
    processes kept busy meanwhile on average (busy CPU time from /proc/stat minus the child's
    own user + system time), to flag measurements taken on a shared, busy machine.
    """
    busy0 = _busy_seconds()
    t0 = time.monotonic()
    with open(log, "ab") as fh:
        proc = subprocess.Popen(cmd, stdout=fh, stderr=fh, start_new_session=True)
        timed_out = False
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() - t0 > timeout:
                os.killpg(proc.pid, signal.SIGKILL)        # the group we started, nothing else
                pid, status, usage = os.wait4(proc.pid, 0)
                timed_out = True
                break
            time.sleep(0.05)
        proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.monotonic() - t0
    others = None
    if busy0 is not None:
        others = max(0.0, (_busy_seconds() - busy0 - usage.ru_utime - usage.ru_stime) / wall)
    # usage.ru_maxrss is not used: a child's ru_maxrss keeps the parent's RSS at fork time (Linux
    # carries the pre-exec high-water mark over), so each worker reports its own VmHWM instead.
    return {"code": proc.returncode, "timed_out": timed_out, "wall": wall, "others": others}


def _busy_seconds() -> float | None:
    """CPU seconds spent busy (all cores, all processes) since boot, from /proc/stat."""
    try:
        with open("/proc/stat") as fh:
            vals = [int(v) for v in fh.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = vals[3] + (vals[4] if len(vals) > 4 else 0)            # idle + iowait
    return (sum(vals[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _wait_for_quiet(max_wait: float, threshold: float) -> float | None:
    """Wait (up to ``max_wait`` s) until other processes use fewer than ``threshold`` cores over 2 s."""
    deadline = time.monotonic() + max_wait
    while True:
        b0, t0 = _busy_seconds(), time.monotonic()
        if b0 is None:
            return None
        time.sleep(2.0)
        load = (_busy_seconds() - b0) / (time.monotonic() - t0)
        if load < threshold or time.monotonic() > deadline:
            return load


# ---------------------------------------------------------------------------- orchestration
def _mem_available() -> int:
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 8 << 30


def _fmt_s(x: float | None) -> str:
    if x is None:
        return "–"
    return f"{x:.3f} s" if x < 10 else f"{x:.1f} s"


def _fmt_gb(b: float | None) -> str:
    return "–" if b is None else f"{b / 2**30:.2f} GB"


def _rel_diff(a: list, b: list) -> float:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape:
        return float("inf")
    return float(np.max(np.abs(a - b) / np.abs(b))) if a.size else float("nan")


class Bench:
    def __init__(self, args):
        self.args = args
        self.workdir = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="literacy-bench-"))
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.log = self.workdir / "workers.log"
        self.have = {"ours": True,
                     "svy": importlib.util.find_spec("svy") is not None and importlib.util.find_spec("polars") is not None,
                     "R": shutil.which("Rscript") is not None and not args.no_r}
        if args.no_svy:
            self.have["svy"] = False
        if self.have["R"]:
            ok = subprocess.run(["Rscript", "-e", "suppressPackageStartupMessages({library(survey); library(data.table)})"],
                                capture_output=True)
            self.have["R"] = ok.returncode == 0
        self.rows: list[dict] = []          # one per (n, domains, case)
        self.cases = [c for c in CASES if not args.cases or c in args.cases.split(",")]
        self.history: dict = {}             # (engine, case, domains) -> [(n, seconds, peak bytes)]

    # -- skip rule: extrapolate the measured time and memory linearly in rows
    def _predict(self, key, n: int):
        """(seconds, peak bytes) predicted at ``n`` rows: a line through the last two sizes measured
        (one size: proportional to rows); None when nothing was measured; seconds None when the
        last run did not finish."""
        hist = self.history.get(key, [])
        if not hist:
            return None
        if hist[-1][1] is None:
            return None, hist[-1][0]
        pts = [h for h in hist if h[1] is not None][-2:]
        if len(pts) == 1:
            (n0, t0, m0), = pts
            return t0 * n / n0, m0 * n / n0
        (n0, t0, m0), (n1, t1, m1) = pts
        slope_t, slope_m = (t1 - t0) / (n1 - n0), (m1 - m0) / (n1 - n0)
        return max(t1 + slope_t * (n - n1), t1), max(m1 + slope_m * (n - n1), m1)

    def _skip_reason(self, engine: str, case: str, n: int, domains: int) -> str | None:
        if not self.have[engine]:
            if engine == "R":
                return "not run (--no-r)" if self.args.no_r else "not run (no Rscript with survey, data.table)"
            return "not run (--no-svy)" if self.args.no_svy else "not run (svy not installed)"
        free = self.args.mem_fraction * _mem_available()
        if engine == "svy" and case == "jkn":
            need = 8.0 * n * N_PSU                              # the N x 600 replicate weight matrix
            if need > free:
                return f"skipped: its N x 600 replicate weights alone need {need / 2**30:.0f} GB"
        pred = self._predict((engine, case, domains), n)
        if pred is None:
            return None
        t_pred, m_pred = pred
        if t_pred is None:
            return f"skipped: did not finish at {m_pred:,} rows"
        if engine != "ours" and t_pred > self.args.time_limit:
            return f"skipped: predicted {t_pred:,.0f} s"
        if m_pred > free:
            return f"skipped: predicted peak {m_pred / 2**30:.0f} GB > {self.args.mem_fraction:.0%} of free memory"
        return None

    def _run(self, engine: str, spec: dict) -> dict:
        """One measurement in a fresh process; rerun once if other processes were busy meanwhile."""
        best = None
        for attempt in range(2):
            _wait_for_quiet(self.args.quiet_wait, self.args.busy_threshold)
            res = self._run_once(engine, spec)
            if best is None or (res.get("secs") is not None and
                                (best.get("secs") is None or (res["others"] or 0) < (best["others"] or 0))):
                best = res
            contended = (res.get("others") or 0) > self.args.busy_threshold
            if attempt or not contended or res.get("secs") is None or res["wall"] > self.args.retry_limit:
                break
            print(f"    (other processes used {res['others']:.1f} cores during this run: measuring again)", flush=True)
        best["contended"] = (best.get("others") or 0) > self.args.busy_threshold
        return best

    def _run_once(self, engine: str, spec: dict) -> dict:
        spec_path = self.workdir / f"spec_{engine}_{spec['case']}_{spec['n']}_{spec['domains']}.json"
        result_path = spec_path.with_suffix(".result.json")
        result_path.unlink(missing_ok=True)
        spec = dict(spec, result=str(result_path))
        spec_path.write_text(json.dumps(spec, default=str))
        timeout = self.args.time_limit * 3 if engine != "ours" else 3600
        if engine == "R":
            r = worker_r(spec, self.workdir)
            run = _spawn(r["cmd"], timeout, self.log)
            out = r["reader"]() if run["code"] == 0 and not run["timed_out"] else None
        else:
            cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", engine, str(spec_path)]
            run = _spawn(cmd, timeout, self.log)
            ok = run["code"] == 0 and not run["timed_out"] and result_path.exists()
            out = json.loads(result_path.read_text()) if ok else None
        if out is None:
            reason = (f"timed out after {timeout:.0f} s" if run["timed_out"]
                      else f"failed (exit {run['code']}; see {self.log})")
            return {"status": reason, "peak": None, "secs": None, "wall": run["wall"], "others": run["others"]}
        out.update(secs=min(out["times"]), status="ok", wall=run["wall"], others=run["others"])
        return out

    def run(self):
        sizes = [int(s) for s in self.args.sizes.split(",")]
        self.engine_at_start = _engine_version()
        print(f"engine: {self.engine_at_start}", flush=True)
        print(f"work directory: {self.workdir}; engines: "
              + ", ".join(e for e in ENGINES if self.have[e]), flush=True)
        for n in sizes:
            repeats = self.args.repeats if n < 10_000_000 else 1
            plan = {}
            for domains in DOMAINS:
                for case in self.cases:
                    for engine in ENGINES:
                        plan[(engine, case, domains)] = self._skip_reason(engine, case, n, domains)
            need = {
                "data_csv": any(plan.get(("R", c, d)) is None and ("R", c, d) in plan
                                for c in ("taylor", "taylor_str", "jkn", "glm") for d in DOMAINS),
                "boot": any(plan.get((e, "bootstrap", d), "x") is None for e in ("ours", "svy") for d in DOMAINS),
                "boot_csv": any(plan.get(("R", "bootstrap", d), "x") is None for d in DOMAINS),
            }
            t0 = time.perf_counter()
            df = make_design_data(n, self.args.seed)
            paths = write_inputs(df, n, self.args.seed, self.workdir, need)
            del df
            print(f"\n== {n:,} rows (data written in {time.perf_counter() - t0:.1f} s)", flush=True)
            for domains in DOMAINS:
                for case in self.cases:
                    if case == "glm" and domains != DOMAINS[0]:
                        continue                    # the model has no domains: one row per size
                    row = {"n": n, "domains": domains, "case": case}
                    for engine in ENGINES:
                        reason = plan[(engine, case, domains)]
                        if reason is not None:
                            row[engine] = {"status": reason, "secs": None, "peak": None}
                            continue
                        spec = {"engine": engine, "case": case, "n": n, "domains": domains, "repeats": repeats,
                                "repeat_budget": self.args.repeat_budget,
                                **{k: str(v) for k, v in paths.items()}}
                        res = self._run(engine, spec)
                        row[engine] = res
                        self.history.setdefault((engine, case, domains), []).append((n, res["secs"], res["peak"] or 0))
                    self._print_row(row)
                    self.rows.append(row)
            for p in paths.values():
                Path(p).unlink(missing_ok=True)
            self.write_markdown()
        if not self.args.workdir and not self.args.keep:
            shutil.rmtree(self.workdir, ignore_errors=True)
        print(f"\nwritten {self.args.out}")

    def _print_row(self, row):
        o, s, r = row["ours"], row["svy"], row["R"]
        msg = (f"{row['case']:<9} {row['n']:>10,} rows {row['domains']:>3} domains | ours "
               f"{_fmt_s(o['secs']) if o['secs'] else o['status']}"
               f" ({_fmt_gb(o['peak'])}) | svy {_fmt_s(s['secs']) if s['secs'] else s['status']}"
               f" | R {_fmt_s(r['secs']) if r['secs'] else r['status']}")
        busy = ", ".join(f"{e} †{row[e]['others']:.1f} cores busy elsewhere" for e in ENGINES if row[e].get("contended"))
        print(msg + (f"  [{busy}]" if busy else ""), flush=True)
        for engine in ("svy", "R"):
            if o.get("status") == "ok" and row[engine].get("status") == "ok":
                de = _rel_diff(o["estimate"], row[engine]["estimate"])
                ds = _rel_diff(o["se"], row[engine]["se"])
                row[engine]["diff"] = (de, ds)
                print(f"    agreement with {engine}: max rel. diff estimate {de:.1e}, SE {ds:.1e}"
                      + ("" if o["domain"] == [type(o["domain"][0])(x) for x in row[engine]["domain"]]
                         else "  (DOMAINS DIFFER)"), flush=True)

    # -- the markdown report
    def write_markdown(self):
        a = self.args
        lines = ["# Estimation benchmark", "",
                 f"Run {_dt.datetime.now().isoformat(timespec='minutes')} on {_machine()}; {_versions(self.have)}.",
                 "",
                 f"Engine: {self.engine_at_start}"
                 + ("" if _engine_version() == self.engine_at_start else
                    f" **at the start; the engine files changed during the run (now {_engine_version()}): "
                    "rerun before quoting these numbers**") + ".",
                 "",
                 f"Command: `{' '.join(['.venv/bin/python', 'benchmarks/bench_estimation.py'] + sys.argv[1:])}`",
                 "",
                 "Data: 30 strata x 20 PSUs, a 0/1 outcome, 30 or 200 domains crossing the PSUs. Time is "
                 "design construction plus estimation on data already in memory (reading the file is not "
                 f"timed): best of {a.repeats} below 10M rows, one run at 10M. Ratios are the other engine's "
                 "time over ours (> 1: we are faster). Agreement is the maximum relative difference of "
                 "our estimate / SE from the other engine's over all domains.",
                 "",
                 "| case | rows | domains | ours | svy | R | svy / ours | R / ours | agreement with svy (est / SE) | agreement with R (est / SE) |",
                 "|---|---:|---:|---:|---:|---:|---:|---:|---|---|"]
        for row in self.rows:
            o = row["ours"]
            cells = [CASE_LABEL[row["case"]], f"{row['n']:,}", str(row["domains"])]
            for engine in ENGINES:
                e = row[engine]
                cell = _fmt_s(e["secs"]) if e.get("secs") is not None else e["status"]
                if e.get("contended"):
                    cell += f" † ({e['others']:.1f})"
                cells.append(cell)
            for engine in ("svy", "R"):
                e = row[engine]
                ok = e.get("secs") is not None and o.get("secs")
                cells.append(f"**{e['secs'] / o['secs']:,.1f}x**" if ok else "–")
            for engine in ("svy", "R"):
                d = row[engine].get("diff")
                cells.append(f"{d[0]:.0e} / {d[1]:.0e}" if d else "–")
            lines.append("| " + " | ".join(cells) + " |")
        if any(row[e].get("contended") for row in self.rows for e in ENGINES):
            lines += ["", f"† other processes kept more than {self.args.busy_threshold} cores busy on average during "
                      "this measurement even after one rerun (in brackets: cores); treat its time with care."]
        lines += ["", "Peak resident memory of each timed process (Python or R interpreter, the data and the "
                  "estimation; VmHWM from /proc/self/status at the end of the run):", "",
                  "| case | rows | domains | ours | ours: after loading the data | svy | R |",
                  "|---|---:|---:|---:|---:|---:|---:|"]
        for row in self.rows:
            o = row["ours"]
            lines.append(f"| {CASE_LABEL[row['case']]} | {row['n']:,} | {row['domains']} | {_fmt_gb(o.get('peak'))} | "
                         f"{_fmt_gb(o.get('rss_loaded'))} | {_fmt_gb(row['svy'].get('peak'))} | "
                         f"{_fmt_gb(row['R'].get('peak'))} |")
        lines += ["", "## Goals (issue 3)", ""] + self._goals()
        Path(a.out).parent.mkdir(parents=True, exist_ok=True)
        Path(a.out).write_text("\n".join(lines) + "\n")

    def _goals(self) -> list[str]:
        out = []
        def find(n, d, case):
            return next((r for r in self.rows if r["n"] == n and r["domains"] == d and r["case"] == case), None)
        r = find(200_000, 30, "taylor")
        if r and r["ours"].get("secs") and r["svy"].get("secs"):
            ratio = r["svy"]["secs"] / r["ours"]["secs"]
            out.append(f"- Taylor by domain, 200,000 rows / 30 domains, >= 10x faster than svy: "
                       f"**{ratio:.1f}x, {'met' if ratio >= 10 else 'NOT met'}**.")
        jk = [(x["n"], x["domains"], x["svy"]["secs"] / x["ours"]["secs"]) for x in self.rows
              if x["case"] == "jkn" and x["ours"].get("secs") and x["svy"].get("secs")]
        if jk:
            worst = min(j[2] for j in jk)
            out.append("- JKn create + estimate >= 100x faster than svy: "
                       + ", ".join(f"{n:,} rows / {d} domains {ratio:,.0f}x" for n, d, ratio in jk)
                       + (": **met** wherever svy ran." if worst >= 100 else
                          ": **NOT met** at " + ", ".join(f"{n:,} / {d}" for n, d, ratio in jk if ratio < 100) + "."))
        r = find(10_000_000, 200, "taylor")
        if r and r["ours"].get("secs"):
            secs, peak = r["ours"]["secs"], r["ours"]["peak"]
            out.append(f"- 10,000,000 rows x 200 domains Taylor < 10 s and < 4 GB peak on {os.cpu_count()} cores: "
                       f"{secs:.1f} s, {peak / 2**30:.2f} GB peak: **{'met' if secs < 10 and peak < 4 * 2**30 else 'NOT met'}**.")
        r = find(200_000, 30, "taylor_str")
        if r and r["ours"].get("secs") and r["svy"].get("secs"):
            ratio = r["svy"]["secs"] / r["ours"]["secs"]
            out.append(f"- Taylor by domain with string domain columns, 200,000 rows / 30 domains, >= 10x faster "
                       f"than svy: **{ratio:.1f}x, {'met' if ratio >= 10 else 'NOT met'}**.")
        r = find(200_000, 30, "glm")
        if r and r["ours"].get("secs"):
            secs = r["ours"]["secs"]
            faster = r["svy"].get("secs") is not None and r["svy"]["secs"] > secs
            out.append(f"- Logistic svyglm, 10 coefficients, 200,000 rows, Taylor SEs < 0.5 s and faster than svy: "
                       f"{secs:.3f} s"
                       + (f", svy {r['svy']['secs']:.3f} s" if r["svy"].get("secs") else "")
                       + f": **{'met' if secs < 0.5 and faster else 'NOT met'}**.")
        return out or ["- (the goal sizes were not part of this run)"]


def _engine_version() -> str:
    """The last commit of the engine (design.py, replicate.py) and a hash of them (to see a mid-run edit)."""
    import hashlib

    import literacy

    src = Path(literacy.__file__).resolve().parent
    files = [src / "design.py", src / "replicate.py"]
    digest = hashlib.sha1()
    for f in files:
        digest.update(f.read_bytes())
    commit = subprocess.run(["git", "-C", str(src), "log", "-1", "--format=%h", "--"] + [str(f) for f in files],
                            capture_output=True, text=True)
    dirty = subprocess.run(["git", "-C", str(src), "status", "--porcelain", "--"] + [str(f) for f in files],
                           capture_output=True, text=True)
    where = commit.stdout.strip() or "not a git checkout"
    if dirty.stdout.strip():
        where += " + uncommitted changes"
    return f"design.py + replicate.py at commit {where}, hash {digest.hexdigest()[:10]}"


def _machine() -> str:
    cpu = platform.processor() or "cpu"
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        with open("/proc/meminfo") as fh:
            mem = int(fh.readline().split()[1]) / 2**20
    except OSError:
        mem = float("nan")
    return f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GB RAM, {platform.system()}"


def _versions(have: dict) -> str:
    from importlib.metadata import PackageNotFoundError, version

    parts = [f"Python {platform.python_version()}"]
    for pkg in ("numpy", "pandas", "scipy", "svy", "polars"):
        try:
            parts.append(f"{pkg} {version(pkg)}")
        except PackageNotFoundError:
            pass
    if have.get("R"):
        r = subprocess.run(["Rscript", "-e", "cat(R.version$major, R.version$minor, as.character(packageVersion('survey')))"],
                           capture_output=True, text=True)
        if r.returncode == 0 and r.stdout.split():
            major, minor, surv = r.stdout.split()
            parts.append(f"R {major}.{minor}, survey {surv}")
    return ", ".join(parts)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--sizes", default="200000,1000000,10000000", help="comma-separated row counts")
    p.add_argument("--out", default=str(Path(__file__).resolve().parent / "results.md"))
    p.add_argument("--repeats", type=int, default=5, help="timed repeats below 10M rows (best is reported)")
    p.add_argument("--repeat-budget", type=float, default=20.0,
                   help="stop repeating a measurement once its runs took this many seconds")
    p.add_argument("--time-limit", type=float, default=300.0,
                   help="skip an svy or R run predicted to take longer than this (seconds)")
    p.add_argument("--mem-fraction", type=float, default=0.6,
                   help="skip a run whose predicted peak memory exceeds this share of the available memory")
    p.add_argument("--busy-threshold", type=float, default=0.3,
                   help="other processes using more cores than this during a run mark it as contended")
    p.add_argument("--quiet-wait", type=float, default=120.0,
                   help="before each run, wait up to this many seconds for other processes to go quiet")
    p.add_argument("--retry-limit", type=float, default=180.0,
                   help="rerun a contended measurement once if it took less than this (seconds)")
    p.add_argument("--seed", type=int, default=20250101)
    p.add_argument("--cases", help=f"comma-separated subset of {','.join(CASES)} (default: all)")
    p.add_argument("--no-r", action="store_true", help="leave R out even when Rscript is present")
    p.add_argument("--no-svy", action="store_true", help="leave svy out even when installed")
    p.add_argument("--workdir", help="keep the data and worker files here (default: a temp dir, removed)")
    p.add_argument("--keep", action="store_true", help="do not remove the temporary work directory")
    p.add_argument("--worker", nargs=2, metavar=("ENGINE", "SPEC"), help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:
        engine, spec_path = args.worker
        spec = json.loads(Path(spec_path).read_text())
        out = worker_ours(spec) if engine == "ours" else worker_svy(spec)
        Path(spec["result"]).write_text(json.dumps(out))
        return
    Bench(args).run()


if __name__ == "__main__":
    main()
