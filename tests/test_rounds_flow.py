"""Every round counts, end to end (issue 23): the three-round example (config/wuhai-midterm.yaml:
2020 baseline, 2023 mid-term, 2025 endline) and a mid-term-only config (2020 and 2023, no
endline, targets.year 2025) each simulated small and run once through the flow."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml

from literacy_flows import cli

pytestmark = pytest.mark.flow

ROOT = Path(__file__).resolve().parents[1]
SCALE = 0.2   # as the default programme of tests/test_flow.py


def _simulated(tmp_path_factory, name: str, edit) -> Path:
    root = tmp_path_factory.mktemp(name)
    cfg = yaml.safe_load((ROOT / "config" / "wuhai-midterm.yaml").read_text(encoding="utf-8"))
    cfg["paths"] = {"raw": "raw", "processed": "processed"}
    cfg["simulation"]["population_scale"] = SCALE
    edit(cfg)
    path = root / "config.yaml"
    path.write_text(yaml.safe_dump(cfg, allow_unicode=True, sort_keys=False), encoding="utf-8")
    assert cli.main(["simulate", "--config", str(path)]) == 0
    return path


def _midterm_only(cfg: dict) -> None:
    cfg["rounds"] = [r for r in cfg["rounds"] if r["role"] != "endline"]
    cfg["targets"]["year"] = 2025
    cfg["targets"]["national"].pop("2025")
    cfg["simulation"]["target_rates"].pop("2025")
    cfg["simulation"]["forms"].pop("2025")


@pytest.fixture(scope="module")
def three_rounds(tmp_path_factory, prefect_harness):
    from literacy_flows.pipeline.assessment import assessment_flow

    path = _simulated(tmp_path_factory, "three-rounds", lambda cfg: None)
    result = assessment_flow(path, with_notebooks=False)
    return result, path.parent / "processed"


@pytest.fixture(scope="module")
def midterm_only(tmp_path_factory, prefect_harness):
    from literacy_flows.pipeline.assessment import assessment_flow

    path = _simulated(tmp_path_factory, "midterm-only", _midterm_only)
    result = assessment_flow(path, with_notebooks=False)
    return result, path.parent / "processed"


def test_the_three_round_example_writes_every_pair_the_trend_and_a_group_per_round(three_rounds):
    result, out = three_rounds
    change = pd.read_csv(out / "assessment" / "change.csv", dtype=str)
    pairs = change[["comparison", "from_round", "to_round"]].drop_duplicates().values.tolist()
    assert pairs == [["since_baseline", "2020", "2023"], ["consecutive", "2023", "2025"],
                     ["since_baseline", "2020", "2025"]]
    trend = pd.read_csv(out / "assessment" / "trend.csv", dtype={"domain": str})
    city = trend[(trend["breakdown"] == "city") & (trend["level"] == "literate")].iloc[0]
    assert city["n_rounds"] == 3 and (city["first_year"], city["last_year"]) == (2020, 2025)
    assert city["nonlinearity_df"] == 1 and 0 <= city["p_value"] <= 1
    districts = pd.read_csv(out / "assessment" / "districts.csv", dtype=str)
    assert {"round_2023", "round_2023_se", "round_2023_n"} <= set(districts.columns)
    verdicts = pd.read_csv(out / "assessment" / "verdicts.csv", dtype=str)
    assert set(verdicts["round"]) == {"2025"} and set(verdicts["verdict"]) <= {"met", "not_met", "inconclusive",
                                                                                "suppressed"}
    head = result["headline"]
    assert head["assessment"] == "endline" and (head["baseline_round"], head["endline_round"]) == ("2020", "2025")
    truth = pd.read_csv(out / "assessment" / "truth_check.csv", dtype=str)
    assert set(truth["round"]) == {"2020", "2023", "2025"}     # every round against its own simulated truth
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert "assessment/trend.csv" in {o["file"] for o in manifest["outputs"]}
    assert all((out / rid / "estimates.csv").is_file() for rid in ("2020", "2023", "2025"))


def test_a_midterm_only_config_runs_to_a_midterm_verdict_against_the_trajectory(midterm_only):
    result, out = midterm_only
    head = result["headline"]
    assert head["assessment"] == "midterm" and head["endline_round"] == "2023"
    assert head["target"] == pytest.approx(0.108)     # 9.0% in 2020 to 12% in 2025: 10.8% due in 2023
    verdicts = pd.read_csv(out / "assessment" / "verdicts.csv", dtype=str)
    assert set(verdicts["round"]) == {"2023"}
    assert set(verdicts["verdict"]) <= {"ahead", "on_track", "behind", "suppressed"}
    assert {"进度符合", "落后于进度", "超前于进度"} & set(verdicts["verdict_zh"])
    rows = pd.read_csv(out / "assessment" / "headline.csv", dtype=str, keep_default_na=False).set_index("key")
    assert rows.loc["assessment", "value"] == "midterm" and rows.loc["target_year", "value"] == "2025"
    change = pd.read_csv(out / "assessment" / "change.csv", dtype=str)
    assert change[["comparison", "from_round", "to_round"]].drop_duplicates().values.tolist() == [
        ["since_baseline", "2020", "2023"]]
    assert (out / "assessment" / "report_zh.docx").is_file() and (out / "assessment" / "assessment.xlsx").is_file()


def test_the_midterm_report_reads_as_a_midterm(midterm_only):
    from literacy_flows.report.document import docx_text

    result, out = midterm_only
    head = result["headline"]
    zh = docx_text(out / "assessment" / "report_zh.docx")
    en = docx_text(out / "assessment" / "report_en.docx")
    assert "中期评估报告" in zh and "终期评估报告" not in zh and "Mid-term evaluation report" in en
    due = f"{100 * head['target']:.1f}%"
    assert f"按规划进度2023年应达到的{due}（2025年目标12.0%）" in zh.replace(" ", "")
    assert f"the {due} due by 2023 on the plan's trajectory" in en
    assert "进度情况" in zh and "按期进度值" in zh and "末期" not in zh


def test_the_three_round_report_has_every_pair_and_the_trend(three_rounds):
    from literacy_flows.report.document import docx_text

    _, out = three_rounds
    zh = docx_text(out / "assessment" / "report_zh.docx")
    assert "各轮调查与变化趋势" in zh and "本评估使用3轮调查：2020年（基线）、2023年（中期评估）、2025年（末期）。" in zh
    assert "全市具备科学素质比例在各轮之间的变化" in zh and "具备科学素质比例的线性趋势" in zh
    for pair in ("2020–2023", "2023–2025", "2020–2025"):
        assert pair in zh, pair
