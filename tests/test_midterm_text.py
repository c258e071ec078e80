"""The report's sentences about the rounds (issue 23): mid-term statement, trend, rounds."""

from __future__ import annotations

import copy
from pathlib import Path

import pandas as pd
import yaml

from literacy.assessment import validate_config
from literacy_flows.report.midterm_text import midterm_statement, rounds_statement, trend_statement

ROOT = Path(__file__).resolve().parents[1]
THREE = validate_config(yaml.safe_load((ROOT / "config" / "wuhai-midterm.yaml").read_text(encoding="utf-8")))


def _midterm() -> dict:
    cfg = yaml.safe_load((ROOT / "config" / "wuhai.yaml").read_text(encoding="utf-8"))
    cfg["rounds"][1] = {"id": "2023", "role": "midterm"}
    cfg["targets"]["year"] = 2025
    cfg["simulation"]["forms"] = {}
    return validate_config(cfg)


HEAD = {"level": "literate", "baseline_round": "2020", "endline_round": "2023", "baseline": 0.088,
        "endline": 0.116, "endline_ci_low": 0.087, "endline_ci_high": 0.155, "target": 0.108, "verdict": "on_track"}


def test_the_midterm_statement_names_the_trajectory_and_the_verdict():
    cfg = _midterm()
    en = midterm_statement(HEAD, cfg, "en")
    assert en == ("This is a mid-term assessment (2023; the target is due in 2025). On a straight line from the 2020 "
                  "baseline of 9.0% to the 2025 target of 12.0%, 10.8% is due by 2023; the city's share (Has "
                  "scientific literacy) in 2023 is 11.6% (95% CI 8.7% to 15.5%): on track (the 95% CI contains the "
                  "share due by then).")
    zh = midterm_statement(HEAD, cfg, "zh")
    assert zh.startswith("本次为中期评估（2023年；规划目标年份2025年）。按2020年基线9.0%至2025年目标12.0%的直线进度，"
                         "2023年应达到10.8%") and zh.endswith("判定：进度符合（95%置信区间包含按期进度值）。")
    assert midterm_statement({**HEAD, "verdict": "behind"}, cfg, "zh").endswith("判定：落后于进度（95%置信区间整体低于按期进度值）。")
    assert midterm_statement(HEAD, THREE, "en") == ""     # an endline assessment: nothing to say


def test_the_trend_statement_reads_the_citys_headline_row():
    trend = pd.DataFrame([
        {"breakdown": "city", "domain": "all", "level": "basic", "n_rounds": 3, "first_year": 2020, "last_year": 2025,
         "slope": 0.5, "slope_ci_low": 0.4, "slope_ci_high": 0.6, "p_value": 0.0001, "nonlinearity_p": 0.5},
        {"breakdown": "city", "domain": "all", "level": "literate", "n_rounds": 3, "first_year": 2020,
         "last_year": 2025, "slope": 0.0078, "slope_ci_low": 0.0041, "slope_ci_high": 0.01152, "p_value": 0.00004,
         "nonlinearity_p": 0.4321}])
    assert trend_statement(trend, THREE, "en") == (
        "Over the 3 rounds 2020–2025, the city's share (Has scientific literacy) changed by +0.78 points a year on a "
        "linear trend (95% CI +0.41 to +1.15; p < 0.001): a significant trend; departure from linearity p = 0.432.")
    assert trend_statement(trend, THREE, "zh") == (
        "2020—2025年3轮调查中，全市具备科学素质的公民比例的线性趋势为每年+0.78个百分点（95%置信区间+0.41至+1.15，"
        "P<0.001），趋势显著；偏离线性检验P=0.432。")
    blank = trend.assign(slope=float("nan"))
    assert trend_statement(blank, THREE, "en") == ""


def test_the_rounds_statement_lists_the_rounds_in_year_order():
    assert rounds_statement(THREE, "en") == ("The assessment uses 3 survey rounds: 2020 (baseline), 2023 (mid-term), "
                                             "2025 (end of period).")
    assert rounds_statement(THREE, "zh") == "本评估使用3轮调查：2020年（基线）、2023年（中期评估）、2025年（末期）。"
    cfg = copy.deepcopy(THREE)
    assert rounds_statement(cfg, "en").count("(") == 3


def test_the_workbook_and_log_headline_says_the_share_due_at_a_midterm():
    from literacy_flows.report.workbook import headline_text

    cfg = validate_config(yaml.safe_load((Path(__file__).resolve().parents[1] / "config" / "wuhai.yaml")
                                         .read_text(encoding="utf-8")))
    head = dict(level="literate", endline_round="2023", endline=0.116, endline_ci_low=0.087, endline_ci_high=0.155,
                baseline_round="2020", change=0.036, change_ci_low=-0.004, change_ci_high=0.077, target=0.108,
                verdict="on_track", assessment="midterm")
    assert "对照按规划进度应达到的10.8%：进度符合" in headline_text(head, cfg, "zh")
    assert "against the 10.8% due by then: on track" in headline_text(head, cfg, "en")
    head.update(assessment="endline", verdict="met")
    assert "against the 10.8% target: met with confidence" in headline_text(head, cfg, "en")
