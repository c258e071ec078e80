"""Typed keys of the optional config sections: every mistake a one-line ConfigError naming the key
(never a traceback, never "false" read as true or a name split into letters)."""

from __future__ import annotations

import copy
from pathlib import Path

import pandas as pd
import pytest
import yaml

from literacy.assessment import check_columns, validate_config
from literacy.errors import ConfigError

RAW = yaml.safe_load((Path(__file__).resolve().parents[1] / "config" / "wuhai.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("section, value, key", [
    ("measurement", {"plausible_values": "abc"}, "measurement.plausible_values"),
    ("measurement", {"plausible_values": 2.7}, "measurement.plausible_values"),
    ("measurement", {"rmsd_limit": "x"}, "measurement.rmsd_limit"),
    ("measurement", {"seed": -1}, "measurement.seed"),
    ("measurement", {"enabled": "false"}, "measurement.enabled"),
    ("measurement", {"conditioning": {"a": 1}}, "measurement.conditioning"),
    ("small_area", {"alpha": "x"}, "small_area.alpha"),
    ("small_area", {"alpha": 2}, "small_area.alpha"),
    ("small_area", {"bootstrap": [1, 2]}, "small_area.bootstrap"),
    ("small_area", {"bootstrap": {"replicates": "x"}}, "small_area.bootstrap.replicates"),
    ("small_area", {"models": None}, "small_area.models"),
    ("planning", {"target_neff": "abc"}, "planning.target_neff"),
    ("planning", {"half_width": "wide"}, "planning.half_width"),
    ("analysis", "x", "analysis"),
    ("analysis", {"determinants": "sex"}, "analysis.determinants"),
    ("analysis", {"enabled": "no"}, "analysis.enabled"),
])
def test_a_mistyped_key_is_one_line_naming_it(section, value, key):
    cfg = copy.deepcopy(RAW)
    cfg[section] = value
    with pytest.raises(ConfigError) as err:
        validate_config(cfg)
    message = str(err.value)
    assert message.startswith(f"config: {key} must") and "\n" not in message


def test_a_negative_simulation_seed_is_one_line():
    cfg = copy.deepcopy(RAW)
    cfg["simulation"]["forms"]["2025"]["seed"] = -1
    from literacy.simulate import simulate_programme

    with pytest.raises(ConfigError, match=r"simulation.forms.2025.seed must be ≥ 0, not -1"):
        simulate_programme(cfg, seed=1)


def test_names_and_flags_are_read_as_meant():
    # a single name is a list of one (not its letters); "false" in quotes is not false; a bool is no name
    cfg = copy.deepcopy(RAW)
    cfg["analysis"] = {"determinants": {"covariates": "sex"}}
    assert validate_config(cfg)["analysis"]["determinants"]["covariates"] == ["sex"]
    cfg["analysis"] = {"determinants": {"covariates": [True]}}
    with pytest.raises(ConfigError, match=r"^config: analysis.determinants.covariates\[0\] must be text"):
        validate_config(cfg)
    cfg["analysis"] = {"enabled": "false"}
    with pytest.raises(ConfigError, match="^config: analysis.enabled must be true or false, not 'false'$"):
        validate_config(cfg)


def test_a_configured_column_the_data_lacks_is_an_error_a_default_is_left_out():
    present = pd.Index(["district", "sex"])
    assert check_columns(["district", "occupation"], present, "k", configured=False) == ["district"]
    with pytest.raises(ConfigError, match="config: k names column.s. the data does not have: educaton"):
        check_columns(["district", "educaton"], present, "k", configured=True)


def test_a_typo_in_the_conditioning_variables_stops_the_plausible_values():
    import numpy as np

    from literacy.assessment import plausible_values

    cfg = validate_config(copy.deepcopy(RAW) | {"measurement": {"conditioning": ["district", "educaton"]}})
    scored = pd.DataFrame({"i1": [1.0, 0.0, 1.0], "i2": [0.0, 1.0, 1.0]})
    data = pd.DataFrame({"district": ["a", "b", "a"], "education": ["x", "y", "x"]})
    with pytest.raises(ConfigError, match="measurement.conditioning names column.s. the data does not have: educaton"):
        plausible_values(scored, np.ones(2), np.zeros(2), data, np.ones(3), cfg, "2020")
