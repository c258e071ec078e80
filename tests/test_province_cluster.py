"""`literacy run-province --dask-address` on a real Dask cluster started from the command line, with
workers that die (issue 28).

The module starts ``dask scheduler`` and two ``dask worker`` processes (loopback only, one thread
each, no dashboard, ``allowed-failures`` 1) with the test-only fault hooks of
``tests/dask_test_hooks.py`` preloaded, and runs the command in a subprocess against them, on the
same output folder, three times:

1. the whole run is killed (SIGKILL to the command and to the worker in the middle of a city,
   which is computed and staged but not yet published): the finished city is complete, the other
   has nothing published;
2. the rerun reuses the finished city; the other city's worker is killed in the middle of it again
   and the scheduler runs it on another worker: every folder is byte-identical to a run on a
   ``LocalCluster`` (and the killed city's to that city run alone with ``literacy run``);
3. a poison city kills its worker every time: it fails alone after the configured retries with
   one line saying so, and the roll-up names it missing.

Every process started is stopped at the end, whatever happened.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from literacy_flows import cli

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dask_cluster import LoopbackCluster  # helpers beside the tests, not packages
from province_kit import simulated_province, tree_hashes

pytestmark = pytest.mark.flow

ROOT = Path(__file__).resolve().parents[1]
HOOKS = Path(__file__).resolve().parent / "dask_test_hooks.py"
MEMBERS = ("alxa", "wuhai")
VICTIM = "wuhai"     # the city whose worker is killed
TIMEOUT = 900.0      # seconds: a bound on any wait, so a broken run fails instead of hanging



def _mtimes(folder: Path) -> dict[str, int]:
    return {p.relative_to(folder).as_posix(): p.stat().st_mtime_ns for p in sorted(folder.rglob("*")) if p.is_file()}


def _wait_for(check, what: str, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not check():
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"the run ended (status {proc.returncode}) before {what}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


@pytest.fixture(scope="module")
def province(tmp_path_factory) -> Path:
    """Two small members of the Inner Mongolia example (about 300 respondents a round), simulated."""
    return simulated_province(tmp_path_factory.mktemp("cluster"), MEMBERS)


@pytest.fixture(scope="module")
def reference(province, prefect_harness) -> Path:
    """The undisturbed run on a LocalCluster of 2 workers (in this process)."""
    from literacy_flows.pipeline.province import run_province

    out = province.parent / "local-out"
    result = run_province(province, out_dir=out, workers=2)
    assert [c["status"] for c in result["cities"]] == ["finished"] * len(MEMBERS)
    return out


class _Runs:
    """The three runs against one command-line cluster, and what was seen after each."""

    def __init__(self, province: Path, cluster: LoopbackCluster, env: dict, hooks: Path):
        self.province, self.cluster, self.env, self.hooks = province, cluster, env, hooks
        self.out = province.parent / "cluster-out"
        self.seen: dict = {}

    def faults(self, **control) -> None:
        (self.hooks.parent / f"{VICTIM}.held").unlink(missing_ok=True)
        self.hooks.write_text(json.dumps({"dir": str(self.hooks.parent), **control}), encoding="utf-8")

    def start(self, name: str) -> subprocess.Popen:
        log = self.province.parent / f"{name}"
        with open(f"{log}.out", "wb") as out, open(f"{log}.err", "wb") as err:   # the child keeps its own copies
            return subprocess.Popen([str(Path(sys.executable).parent / "literacy"), "run-province", "--config",
                                     str(self.province), "--out", str(self.out), "--dask-address",
                                     self.cluster.address], env=self.env, stdout=out, stderr=err,
                                    start_new_session=True)

    def held_worker(self, proc: subprocess.Popen) -> int:
        """Wait until the victim city is staged and held in its worker; that worker's process id."""
        marker = self.hooks.parent / f"{VICTIM}.held"
        _wait_for(lambda: marker.is_file() and marker.read_text().strip(), f"{VICTIM} to be held", proc)
        return int(marker.read_text())

    def finish(self, proc: subprocess.Popen, name: str) -> tuple[int, str]:
        try:
            status = proc.wait(TIMEOUT)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
        return status, (self.province.parent / f"{name}.err").read_text(encoding="utf-8", errors="replace")


@pytest.fixture(scope="module")
def runs(province, prefect_harness, tmp_path_factory):
    from prefect.settings import PREFECT_API_URL

    folder = tmp_path_factory.mktemp("dask")
    hooks = folder / "hooks.json"
    hooks.write_text("{}", encoding="utf-8")
    env = {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value(), "LITERACY_TEST_HOOKS": str(hooks)}
    with LoopbackCluster(folder / "cluster", 2, env=env, preload=str(HOOKS), allowed_failures=1) as cluster:
        r = _Runs(province, cluster, env, hooks)
        work = r.out / ".province-work"

        # 1. the whole run killed in the middle of the victim city, after the other city finished
        r.faults(hold=VICTIM)
        proc = r.start("killed")
        held = r.held_worker(proc)
        _wait_for(lambda: (work / "alxa" / "done.json").is_file(), "alxa to finish", proc)
        os.killpg(proc.pid, signal.SIGKILL)
        os.kill(held, signal.SIGKILL)
        proc.wait(60)
        r.seen["killed"] = {"listing": sorted(p.name for p in r.out.iterdir()),
                            "victim_done": (work / VICTIM / "done.json").exists(),
                            "alxa": tree_hashes(r.out / "alxa"), "alxa_mtimes": _mtimes(r.out / "alxa")}
        cluster.wait_for_workers(2)    # the nanny restarts the killed worker

        # 2. the rerun: alxa reused; the victim's worker killed mid-city, the city run on another
        r.faults(hold=VICTIM)
        proc = r.start("rerun")
        held = r.held_worker(proc)
        os.kill(held, signal.SIGKILL)
        status, err = r.finish(proc, "rerun")
        r.seen["rerun"] = {"status": status, "err": err, "killed_pid": held,
                           "listing": sorted(p.name for p in r.out.iterdir()),
                           "trees": {d: tree_hashes(r.out / d) for d in (*MEMBERS, "province")},
                           "alxa_mtimes": _mtimes(r.out / "alxa")}
        cluster.wait_for_workers(2)

        # 3. a poison city: it kills whichever worker runs it
        victim_before = tree_hashes(r.out / VICTIM)
        r.faults(poison=VICTIM)
        proc = r.start("poison")
        status, err = r.finish(proc, "poison")
        r.seen["poison"] = {"status": status, "err": err, "victim_before": victim_before,
                            "victim_after": tree_hashes(r.out / VICTIM), "alxa_mtimes": _mtimes(r.out / "alxa")}
    return r


def test_a_killed_run_publishes_nothing_half_written(runs):
    seen = runs.seen["killed"]
    # the victim was computed and staged, never published: no folder, no record of a finished run
    assert VICTIM not in seen["listing"] and not seen["victim_done"]
    assert any(n.startswith(f".{VICTIM}.staging-") for n in seen["listing"])
    assert "province" not in seen["listing"]          # the roll-up never ran
    assert "manifest.json" in seen["alxa"]


def test_the_rerun_reuses_the_finished_city_and_survives_a_dead_worker(runs, reference, province, prefect_harness):
    seen = runs.seen["rerun"]
    assert seen["status"] == 0, seen["err"][-3000:]
    # alxa was reused (its files were not written again); the dead run's staging folder is gone
    assert seen["alxa_mtimes"] == runs.seen["killed"]["alxa_mtimes"]
    assert [n for n in seen["listing"] if n.startswith(".") and n != ".province-work"] == []
    with pytest.raises(ProcessLookupError):
        os.kill(seen["killed_pid"], 0)
    # every folder byte-identical to the undisturbed LocalCluster run
    for d in (*MEMBERS, "province"):
        assert seen["trees"][d] == tree_hashes(reference / d), d
    # and the killed city's folder to that city run alone
    alone = province.parent / "alone"
    cfg = runs.out / ".province-work" / "configs" / f"{VICTIM}.yaml"
    assert cli.main(["run", "--config", str(cfg), "--raw", str(province.parent / "raw" / VICTIM),
                     "--out", str(alone), "--no-notebooks"]) == 0
    assert seen["trees"][VICTIM] == tree_hashes(alone)


def test_a_poison_city_fails_alone_with_one_line(runs):
    seen = runs.seen["poison"]
    assert seen["status"] == 2, seen["err"][-3000:]
    lines = [line for line in seen["err"].splitlines() if line.startswith("literacy: error:")]
    assert lines == [f"literacy: error: city {VICTIM}: its Dask worker process died each of the 2 times it ran "
                     f"this city (killed or out of memory; distributed.scheduler.allowed-failures = 1); the last "
                     f"worker was " + lines[0].rsplit(" ", 1)[-1]]
    assert lines[0].rsplit(" ", 1)[-1].startswith("tcp://127.0.0.1:")
    assert seen["victim_after"] == seen["victim_before"]          # its previous outputs stay as they were
    assert seen["alxa_mtimes"] == runs.seen["killed"]["alxa_mtimes"]   # reused again
    out = runs.out / "province"
    cities = pd.read_csv(out / "cities.csv").set_index("city")
    assert cities["status"].to_dict() == {"alxa": "finished", VICTIM: "failed"}
    assert cities.loc[VICTIM, "error"].startswith("its Dask worker process died")
    summary = pd.read_csv(out / "summary.csv").set_index("key")["value"]
    assert summary["cities_missing"] == f'["{VICTIM}"]' and summary["cities_finished"] == "1"
    est = pd.read_csv(out / "estimates.csv")
    assert set(est.loc[est["breakdown"] == "city", "domain"]) == {"alxa"}


def test_the_reuse_key_and_the_outputs_decide_reuse(runs, province, tmp_path):
    import shutil

    from literacy_flows.pipeline.province import city_key, finished_city

    work = runs.out / ".province-work"
    copy = tmp_path / "alxa"
    shutil.copytree(runs.out / "alxa", copy)
    cfg, raw = work / "configs" / "alxa.yaml", province.parent / "raw" / "alxa"
    key = city_key(cfg, raw, False)
    recorded = json.loads((work / "alxa" / "done.json").read_text(encoding="utf-8"))["key"]
    assert finished_city(copy, work / "alxa", recorded) is not None       # the run's own key: reused
    assert city_key(cfg, raw, True) != key                                  # the notebooks flag
    assert finished_city(copy, work / "alxa", recorded[::-1]) is None       # another key: run again
    changed = tmp_path / "raw-alxa"
    shutil.copytree(raw, changed)
    (changed / "2025" / "responses.csv").write_bytes((raw / "2025" / "responses.csv").read_bytes() + b"\n")
    assert city_key(cfg, changed, False) != key                             # the delivery's content
    (copy / "2025" / "estimates.csv").write_bytes(b"half-written")           # an output not as recorded
    assert finished_city(copy, work / "alxa", recorded) is None
