"""Shared test setup.

Prefect reads its settings when first imported, so they are fixed here, before any test
module imports it: a private PREFECT_HOME (a temporary folder, never the user's
~/.prefect), the ephemeral API (PREFECT_API_URL unset), a patient server startup and
nothing sent over the network. The Prefect harness itself (a temporary server and
database) is a session fixture, started once and only by the tests that run a flow.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile

import pytest

_PREFECT_HOME = tempfile.mkdtemp(prefix="literacy-tests-prefect-")
atexit.register(shutil.rmtree, _PREFECT_HOME, True)

os.environ["PREFECT_HOME"] = _PREFECT_HOME
os.environ["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"] = "600"
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ["PREFECT_SERVER_UI_ENABLED"] = "false"
os.environ["PREFECT_CLOUD_ENABLE_ORCHESTRATION_TELEMETRY"] = "false"
os.environ["PREFECT_TELEMETRY_ENABLE_RESOURCE_METRICS"] = "false"
os.environ.pop("PREFECT_API_URL", None)
os.environ.pop("PREFECT_API_KEY", None)


@pytest.fixture(scope="session")
def prefect_harness():
    """A temporary Prefect server and database for the whole session (flow tests only)."""
    from prefect.testing.utilities import prefect_test_harness

    # None: wait up to PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS (slow CI machines)
    with prefect_test_harness(server_startup_timeout=None):
        yield
