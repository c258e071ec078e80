"""The rounds as data (issue 23): ordered by year, the comparisons their roles name, the target's
trajectory of a mid-term assessment. Expected values by hand."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from literacy.assessment import (CONSECUTIVE, SINCE_BASELINE, assessed_round, baseline_round, comparisons,
                                 endline_round, is_midterm_assessment, listed_out_of_order, survey_rounds,
                                 target_trajectory, validate_config)
from literacy.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]
RAW = yaml.safe_load((ROOT / "config" / "wuhai.yaml").read_text(encoding="utf-8"))
MIDTERM = {"id": "2023", "role": "midterm", "label_zh": "2023年中期评估", "label_en": "2023 mid-term"}


def _config(rounds, **targets):
    raw = copy.deepcopy(RAW)
    raw["rounds"] = rounds
    ids = {str(r["id"]) for r in rounds}
    forms = raw.get("simulation", {}).get("forms", {})
    for rid in [k for k in forms if str(k) not in ids]:
        del forms[rid]
    raw["targets"].update(targets)
    return validate_config(raw)


def test_three_rounds_listed_out_of_order_are_taken_by_year():
    listed = [RAW["rounds"][1], MIDTERM, RAW["rounds"][0]]        # 2025, 2023, 2020
    cfg = _config(listed)
    assert [r.id for r in survey_rounds(cfg)] == ["2020", "2023", "2025"]
    assert [r["id"] for r in cfg["rounds"]] == ["2020", "2023", "2025"]
    assert listed_out_of_order(listed) == ["2020", "2023", "2025"]
    assert listed_out_of_order(RAW["rounds"]) is None
    assert baseline_round(cfg).id == "2020" and endline_round(cfg).id == "2025"
    assert assessed_round(cfg).id == "2025" and not is_midterm_assessment(cfg)
    got = [(c.from_round, c.to_round, c.family) for c in comparisons(cfg)]
    assert got == [("2020", "2023", SINCE_BASELINE), ("2023", "2025", CONSECUTIVE), ("2020", "2025", SINCE_BASELINE)]


def test_two_rounds_compare_once():
    cfg = validate_config(copy.deepcopy(RAW))
    assert [(c.from_round, c.to_round) for c in comparisons(cfg)] == [("2020", "2025")]
    assert cfg["targets"]["year"] == 2025                     # the endline's year


def test_a_midterm_assessment_judges_the_latest_round_on_the_trajectory():
    cfg = _config([RAW["rounds"][0], MIDTERM], year=2025)
    assert is_midterm_assessment(cfg) and endline_round(cfg) is None
    assert assessed_round(cfg).id == "2023"
    # 9.0% in 2020 to 12% in 2025: 9.0 + 3.0 * 3/5 = 10.8% in 2023
    assert target_trajectory(cfg, 2023) == pytest.approx(0.108, abs=1e-12)
    assert target_trajectory(cfg, 2020) == pytest.approx(0.090, abs=1e-12)
    assert target_trajectory(cfg, 2025) == pytest.approx(0.120, abs=1e-12)
    # without a published baseline the re-estimate starts the line: 9.4% + 2.6 * 3/5 = 10.96%
    cfg2 = _config([RAW["rounds"][0], MIDTERM], year=2025, baseline_published=None)
    assert target_trajectory(cfg2, 2023, baseline_value=0.094) == pytest.approx(0.1096, abs=1e-12)
    with pytest.raises(ConfigError, match="baseline_published"):
        target_trajectory(cfg2, 2023)


def test_a_midterm_config_needs_the_targets_year():
    with pytest.raises(ConfigError, match="targets.year"):
        _config([RAW["rounds"][0], MIDTERM])


def test_two_rounds_in_one_year_and_a_round_without_a_year_are_one_line():
    with pytest.raises(ConfigError, match="same year 2025"):
        _config([RAW["rounds"][0], RAW["rounds"][1], {**MIDTERM, "id": "2025b", "year": 2025}])
    with pytest.raises(ConfigError, match="needs a 'year'"):
        _config([RAW["rounds"][0], RAW["rounds"][1], {**MIDTERM, "id": "mid"}])
    cfg = _config([RAW["rounds"][0], RAW["rounds"][1], {**MIDTERM, "id": "mid", "year": 2023}])
    assert [r.id for r in survey_rounds(cfg)] == ["2020", "mid", "2025"]


def test_an_unknown_role_is_one_line_naming_the_allowed():
    with pytest.raises(ConfigError, match="role") as err:
        _config([RAW["rounds"][0], {**MIDTERM, "role": "mid-term"}], year=2025)
    assert "\n" not in str(err.value)


def test_no_baseline_is_one_line():
    cfg = _config([{**RAW["rounds"][0], "role": "annual"}, RAW["rounds"][1]])
    with pytest.raises(ConfigError, match="no round has role 'baseline'"):
        assessed_round(cfg)
