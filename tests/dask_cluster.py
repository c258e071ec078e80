"""A real Dask cluster for the tests and the benchmark, started as a user starts one: ``dask scheduler``
and ``dask worker`` processes from the command line, on the loopback interface only.

``LoopbackCluster(n_workers, env=..., preload=...)`` is a context manager; on exit (or on any
error while starting) every process it started is stopped: SIGTERM to its process group, then
SIGKILL. The scheduler listens on a free port and writes its address to a scheduler file.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

BIN = Path(sys.executable).parent


class LoopbackCluster:
    """``dask scheduler`` + ``n_workers`` ``dask worker`` processes (1 thread each, no dashboard)."""

    def __init__(self, folder: Path, n_workers: int = 2, env: dict | None = None, preload: str | None = None,
                 memory_limit: str = "3GB", allowed_failures: int = 3):
        self.folder, self.n_workers, self.preload, self.memory_limit = Path(folder), n_workers, preload, memory_limit
        self.env = {**os.environ, **(env or {}),
                    "DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": str(allowed_failures)}
        self.procs: list[subprocess.Popen] = []
        self.address = ""

    def _start(self, args: list[str], name: str) -> subprocess.Popen:
        log = open(self.folder / f"{name}.log", "wb")
        proc = subprocess.Popen([str(BIN / "dask"), *args], env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True, cwd=self.folder)
        log.close()
        self.procs.append(proc)
        return proc

    def __enter__(self) -> LoopbackCluster:
        self.folder.mkdir(parents=True, exist_ok=True)
        sched_file = self.folder / "scheduler.json"
        sched_file.unlink(missing_ok=True)
        try:
            self._start(["scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                         "--scheduler-file", str(sched_file)], "scheduler")
            self.address = self._wait(lambda: json.loads(sched_file.read_text())["address"], "the scheduler")
            for i in range(self.n_workers):
                self._start(["worker", self.address, "--host", "127.0.0.1", "--nthreads", "1",
                             "--memory-limit", self.memory_limit, "--no-dashboard", "--name", f"w{i}",
                             *(["--preload", self.preload] if self.preload else [])], f"worker-{i}")
            self.wait_for_workers(self.n_workers)
        except BaseException:
            self.stop()
            raise
        return self

    def _wait(self, probe, what: str, timeout: float = 120.0):
        deadline = time.monotonic() + timeout
        while True:
            try:
                return probe()
            except (OSError, ValueError, KeyError):
                pass
            if any(p.poll() is not None for p in self.procs):
                raise RuntimeError(f"{what}: a cluster process exited; see {self.folder}/*.log")
            if time.monotonic() > deadline:
                raise TimeoutError(f"{what} did not start in {timeout:.0f} s; see {self.folder}/*.log")
            time.sleep(0.2)

    def wait_for_workers(self, n: int, timeout: float = 120.0) -> None:
        """Block until the scheduler has ``n`` workers."""
        from distributed import Client

        with Client(self.address, timeout=timeout) as client:
            client.wait_for_workers(n, timeout=timeout)

    def stop(self) -> None:
        """Stop every process started (workers first), whatever state they are in."""
        for proc in reversed(self.procs):
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + 15
        for proc in reversed(self.procs):
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait()
        self.procs.clear()

    def __exit__(self, *exc) -> None:
        self.stop()
