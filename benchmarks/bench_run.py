"""The whole default assessment, timed stage by stage (issue 29).

Run from the repository root::

    .venv/bin/python benchmarks/bench_run.py                                  # print the table
    .venv/bin/python benchmarks/bench_run.py --out benchmarks/results/run.md  # and save it

What ``make run`` does, in fresh processes with a fresh Prefect home and a fresh output folder:
``literacy simulate`` (the default delivery) into a temporary folder, then ``literacy run`` on it
twice: the first run reads the delivery (the ingest's store is empty), the second finds it stored
(a statistician's rerun). Each run's wall time is measured around the process (Python start-up
and imports included); the stages come from the run's own log lines (Prefect prints each task's
lines with a timestamp): Prefect's temporary server start, then each stage's seconds from the end
of the stage before it to its own last log line (its "Finished" line), in flow order: ingest,
validate, score, weight, estimate, measurement, compare, the output tables, the evaluation report,
the notebooks. Stages that run at the same time show the part of their time not hidden behind
the one before.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
STAMP = re.compile(r"^(\d\d):(\d\d):(\d\d\.\d+) \| \w+\s*\| (.*)$")
STAGES = [  # (label, how the log names it)
    ("Prefect temporary server", "server"),
    ("ingest (read and screen the delivery)", "ingest"),
    ("validate", "validate"),
    ("score", "score"),
    ("weight", "weight"),
    ("estimate (both rounds)", "estimate"),
    ("measurement (item review, IRT, linking error, plausible values)", "measure"),
    ("compare and tables", "compare"),
    ("output files", "report"),
    ("evaluation report (docx x2, PDF)", "evaluation-report"),
    ("reviewer notebooks", "notebooks"),
]


def _seconds(h: str, m: str, s: str) -> float:
    return int(h) * 3600 + int(m) * 60 + float(s)


def stage_spans(log: str) -> dict[str, tuple[float, float]]:
    """(start, end) in seconds of the day of each stage, from Prefect's log lines.

    The server's span is from "Starting temporary server" to the flow's first line; a task stage
    ends at its last line and starts where the stage before it (in flow order) ended.
    """
    last: dict[str, float] = {}
    server_start = flow_start = None
    for line in log.splitlines():
        m = STAMP.match(line)
        if not m:
            continue
        t = _seconds(*m.groups()[:3])
        msg = m.group(4)
        if "Starting temporary server" in msg:
            server_start = t
        elif "Beginning flow run" in msg and flow_start is None:
            flow_start = t
        task = re.match(r"Task run '([a-z\-]+?)-[0-9a-z]+' - ", msg)
        if task:
            last[task.group(1)] = max(last.get(task.group(1), t), t)
    spans: dict[str, tuple[float, float]] = {}
    if server_start is not None and flow_start is not None:
        spans["server"] = (server_start, flow_start)
    previous = flow_start
    for _, key in STAGES[1:]:
        if key in last and previous is not None:
            spans[key] = (previous, last[key])
            previous = last[key]
    return spans


def run_once(raw: Path, out: Path, home: Path) -> tuple[float, str]:
    env = {**os.environ, "PREFECT_HOME": str(home), "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "600",
           "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_SERVER_UI_ENABLED": "false"}
    env.pop("PREFECT_API_URL", None)
    t0 = time.perf_counter()
    done = subprocess.run([str(BIN / "literacy"), "run", "--raw", str(raw), "--out", str(out)], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if done.returncode:
        raise SystemExit(f"literacy run failed:\n{done.stderr[-3000:]}")
    return wall, done.stdout + "\n" + done.stderr


def table(results: list[tuple[str, float, dict]]) -> str:
    head = "| stage | " + " | ".join(name for name, _, _ in results) + " |"
    lines = [head, "|---|" + "---:|" * len(results)]
    for label, key in STAGES:
        cells = []
        for _, _, spans in results:
            s = spans.get(key)
            cells.append(f"{s[1] - s[0]:.1f}" if s else "")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    lines.append("| **wall time of `literacy run`** (process start to exit) | "
                 + " | ".join(f"**{wall:.1f}**" for _, wall, _ in results) + " |")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, help="also write the table (markdown) here")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-run-") as tmp:
        tmp = Path(tmp)
        raw, home = tmp / "raw", tmp / "prefect"
        home.mkdir()
        t0 = time.perf_counter()
        subprocess.run([str(BIN / "literacy"), "simulate", "--out", str(raw)], cwd=ROOT, check=True,
                       capture_output=True, env={**os.environ, "PREFECT_HOME": str(home)})
        simulate = time.perf_counter() - t0
        results = []
        for name in ("first run (delivery read)", "second run (delivery stored)"):
            out = tmp / f"out-{len(results)}"
            wall, log = run_once(raw, out, home)
            results.append((name, wall, stage_spans(log)))
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    text = "\n".join([
        "# The default assessment, stage by stage", "",
        f"Run {_dt.datetime.now().strftime('%Y-%m-%dT%H:%M')} on {platform.machine()}, {os.cpu_count()} cores, "
        f"{platform.system()}; Python {platform.python_version()}. Load average (1 min) after: {load:.2f}.", "",
        "Command: `.venv/bin/python benchmarks/bench_run.py`. `literacy simulate` (the default delivery) took "
        f"{simulate:.1f} s; then `literacy run` twice on it, each in a fresh process. Seconds per stage from the "
        "run's own log: from the end of the stage before to the stage's last line (its Finished line).", "",
        table(results), ""])
    print(text)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
