"""Test-only fault hooks for Dask workers started with ``dask worker --preload tests/dask_test_hooks.py``.

Nothing in the package knows about them: at import (in the worker process) this module wraps two
functions of ``literacy_flows.ingest.io`` that every city task calls through the module, and each
wrapper reads the control file named by ``LITERACY_TEST_HOOKS`` (JSON, re-read at every call, so
the test changes the faults between runs without restarting the cluster):

- ``{"hold": "<city>", "dir": "<folder>"}``: the first attempt at publishing ``<city>``'s output
  folder (``swap_in``: the city is computed and staged, not yet published) writes
  ``<folder>/<city>.held`` (the worker process's id) and waits there, so the test can SIGKILL
  that process at a known point in the middle of the city. Later attempts (the file exists)
  go through.
- ``{"poison": "<city>"}``: every attempt at ``<city>`` kills its own worker process
  (SIGKILL, when the city task reads the city's config), as a delivery that crashes the
  interpreter would.
"""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

from literacy_flows.ingest import io as fio

# the originals, kept on the module: distributed imports a preload file more than once in a process
if not hasattr(fio, "_untouched_by_test_hooks"):
    fio._untouched_by_test_hooks = (fio.swap_in, fio.load_config)
_swap_in, _load_config = fio._untouched_by_test_hooks


def _control() -> dict:
    path = os.environ.get("LITERACY_TEST_HOOKS")
    try:
        return json.loads(Path(path).read_text(encoding="utf-8")) if path else {}
    except (OSError, ValueError):
        return {}


def swap_in(stage, final):
    c = _control()
    if c.get("hold") == Path(final).name:
        marker = Path(c["dir"]) / f"{c['hold']}.held"
        if not marker.exists():
            marker.write_text(str(os.getpid()), encoding="utf-8")
            deadline = time.monotonic() + float(c.get("seconds", 600))
            while time.monotonic() < deadline:   # until the test kills this process
                time.sleep(0.2)
    return _swap_in(stage, final)


def load_config(path, raw=None, processed=None, *args, **kwargs):
    if raw is not None and _control().get("poison") == Path(raw).name:
        os.kill(os.getpid(), signal.SIGKILL)
    return _load_config(path, raw, processed, *args, **kwargs)


fio.swap_in, fio.load_config = swap_in, load_config
