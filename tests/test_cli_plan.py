"""`literacy plan`: the next plan's sample recomputed from an assessment's outputs (hand-checked)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import stats

from literacy_flows.cli import main

CONFIG = Path(__file__).resolve().parents[1] / "config" / "wuhai.yaml"


@pytest.fixture
def outputs(tmp_path):
    cfg = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    cfg["paths"] = {"raw": "raw", "processed": "out"}
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    (tmp_path / "out" / "assessment").mkdir(parents=True)
    pd.DataFrame({"round": ["2025"], "breakdown": ["city"], "domain": ["all"], "label_zh": ["全市"],
                  "label_en": ["City"], "level": ["literate"], "n": [1000], "psus_with_respondents": [100],
                  "p": [0.12], "deff": [1.9], "respondents_per_psu": [10.0], "response_rate": [0.8]}).to_csv(
        tmp_path / "out" / "assessment" / "sample_plan.csv", index=False)
    return path


def test_plan_for_an_effective_sample_size_by_hand(outputs, capsys):
    assert main(["plan", "--config", str(outputs), "--target-neff", "500", "--format", "csv"]) == 0
    row = pd.read_csv(pd.io.common.StringIO(capsys.readouterr().out)).iloc[0]
    # rho = (1.9 - 1) / (10 - 1) = 0.1; deff at 10 a PSU = 1.9; n = 500 * 1.9 = 950; adults 950 / 0.8; PSUs 95
    assert row["rho"] == pytest.approx(0.1) and row["respondents"] == 950
    assert row["sampled_adults"] == 1188 and row["psus"] == 95
    z = stats.norm.ppf(0.975) + stats.norm.ppf(0.8)
    assert row["detectable_change"] == pytest.approx(z * np.sqrt(2 * 0.12 * 0.88 * 1.9 / 950))


def test_plan_for_a_half_width_and_fewer_per_psu(outputs, tmp_path):
    out = tmp_path / "plan.csv"
    assert main(["plan", "--config", str(outputs), "--half-width", "0.02", "--planned-per-psu", "5",
                 "-o", str(out)]) == 0
    row = pd.read_csv(out).iloc[0]
    neff = stats.norm.ppf(0.975) ** 2 * 0.12 * 0.88 / 0.02 ** 2
    deff = 1 + 4 * 0.1
    assert row["n_eff_required"] == pytest.approx(neff) and row["respondents"] == int(np.ceil(neff * deff))


def test_plan_without_outputs_is_one_line(tmp_path, capsys):
    assert main(["plan", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "sample_plan.csv: file not found" in err[0]


@pytest.mark.parametrize("args, message", [
    (["--target-neff", "0"], "target_neff must be positive"),
    (["--power", "1.5"], "power must be between 0 and 1"),
    (["--half-width", "3"], "half_width must be between 0 and 1"),
    (["--planned-per-psu", "0.5"], "planned_per_psu must be at least 1"),
    (["--target-neff", "inf"], "target_neff must be positive and finite"),
])
def test_a_target_the_plan_cannot_use_is_one_line(outputs, args, message, capsys):
    assert main(["plan", "--config", str(outputs), *args]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0]


def test_a_bad_planning_config_is_one_line(tmp_path):
    from literacy.assessment import validate_config
    from literacy.errors import ConfigError

    cfg = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    cfg["planning"] = {"alpha": 2}
    with pytest.raises(ConfigError, match=r"^config: planning.alpha must be < 1, not 2$"):
        validate_config(cfg)


@pytest.mark.parametrize("column, value", [("deff", "abc"), ("deff", -3), ("n", "x")])
def test_a_damaged_plan_input_names_its_file_line_and_column(outputs, column, value, capsys):
    path = outputs.parent / "out" / "assessment" / "sample_plan.csv"
    table = pd.read_csv(path)
    table[column] = table[column].astype(object)
    table.loc[0, column] = value
    table.to_csv(path, index=False)
    assert main(["plan", "--config", str(outputs)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "sample_plan.csv: line 2, column '" + column + "'" in err[0]


def test_an_empty_plan_input_is_one_line(outputs, capsys):
    (outputs.parent / "out" / "assessment" / "sample_plan.csv").write_text("", encoding="utf-8")
    assert main(["plan", "--config", str(outputs)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "sample_plan.csv: not a readable CSV table" in err[0]
