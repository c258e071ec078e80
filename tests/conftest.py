"""Shared test setup.

Prefect reads its settings when first imported, so they are fixed here, before any test
module imports it: a private PREFECT_HOME (a temporary folder, never the user's
~/.prefect), the ephemeral API (PREFECT_API_URL unset), a patient server startup and
nothing sent over the network. The Prefect harness itself (a temporary server and
database) is a session fixture, started once and only by the tests that run a flow.

Shared helpers are fixtures too (conftest is not imported by the test modules):
``simulated_programme`` writes the small simulated delivery the flow tests run on, without
Prefect (``literacy simulate`` does not import it); ``synthetic_population`` builds the
population and raking margins of the weighting tests.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

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

#: The default config, the base of the simulated programmes.
CONFIG = Path(__file__).resolve().parents[1] / "config" / "wuhai.yaml"
#: Population scale of the flow tests' programmes: about 900 respondents a round, two or more
#: PSUs in every stratum.
PROGRAMME_SCALE = 0.2


@pytest.fixture(scope="session")
def config():
    """The default config (config/wuhai.yaml), validated; a test module may define its own."""
    from literacy.assessment import validate_config

    return validate_config(yaml.safe_load(CONFIG.read_text(encoding="utf-8")))


@pytest.fixture(scope="session")
def prefect_harness():
    """A temporary Prefect server and database for the whole session (flow tests only)."""
    from prefect.testing.utilities import prefect_test_harness

    # None: wait up to PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS (slow CI machines)
    with prefect_test_harness(server_startup_timeout=None):
        yield


@pytest.fixture(scope="session")
def simulated_programme(tmp_path_factory):
    """Factory: ``simulated_programme(name, raw="raw")`` simulates a small delivery in a new
    temporary folder and returns its config's path.

    The config is the default one at :data:`PROGRAMME_SCALE`, with ``paths`` relative to its
    own folder: the delivery goes to ``<folder>/<raw>``, the outputs to ``<folder>/processed``.
    It is written through the command line (``literacy simulate``), which starts no Prefect.
    """
    from literacy_flows import cli

    def make(name: str, raw: str = "raw") -> Path:
        root = tmp_path_factory.mktemp(name)
        cfg = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
        cfg["paths"] = {"raw": raw, "processed": "processed"}
        cfg["simulation"]["population_scale"] = PROGRAMME_SCALE
        path = root / "config.yaml"
        path.write_text(yaml.safe_dump(cfg, allow_unicode=True, sort_keys=False), encoding="utf-8")
        assert cli.main(["simulate", "--config", str(path)]) == 0
        # the default programme gives each round its own form (<round>/instrument.csv)
        assert all((root / raw / str(r["id"]) / "instrument.csv").is_file() for r in cfg["rounds"])
        return path

    return make


@pytest.fixture(scope="session")
def synthetic_population():
    """Factory: ``synthetic_population(rng, npop, urban)`` -> ``(pop, margins)``.

    ``pop`` has ``npop`` adults in the default config's districts (60/20/20%), urban with
    probability ``urban``, 52% men, ages 18-69 uniform, four education levels, and the derived
    ``stratum`` (district-residence) and ``age_band``; ``margins`` are its counts on the raking
    dimensions (district x sex x age band, district x education, district x residence), as the
    ``margins.csv`` of a delivery. The draws use ``rng`` in a fixed order, so the caller's
    later draws (the sample) are reproducible.
    """

    def make(rng: np.random.Generator, npop: int, urban: float) -> tuple[pd.DataFrame, pd.DataFrame]:
        pop = pd.DataFrame({
            "district": np.array(["haibowan", "hainan", "wuda"])[rng.choice(3, npop, p=[0.6, 0.2, 0.2])],
            "residence": np.where(rng.uniform(size=npop) < urban, "urban", "rural"),
            "sex": np.where(rng.uniform(size=npop) < 0.52, "male", "female"),
            "age": rng.integers(18, 70, npop),
            "education": np.array(["primary_or_less", "junior_high", "senior_high", "bachelor_plus"])[
                rng.choice(4, npop, p=[0.2, 0.4, 0.25, 0.15])],
        })
        pop["stratum"] = pop["district"] + "-" + pop["residence"]
        pop["age_band"] = pd.cut(pop["age"], [17, 29, 39, 49, 59, 69],
                                 labels=["18-29", "30-39", "40-49", "50-59", "60-69"]).astype(str)
        frames = []
        for cols in (["district", "sex", "age_band"], ["district", "education"], ["district", "residence"]):
            g = pop.groupby(cols).size().reset_index(name="population")
            g.insert(0, "dimension", "+".join(cols))
            frames.append(g)
        return pop, pd.concat(frames, ignore_index=True)

    return make
