"""The report's worded findings (flows/report/findings.py) on hand-made tables: which target a
domain is judged against, when the comparability statement is due, the response-rate problem."""

from pathlib import Path

import pandas as pd
import pytest
import yaml

from literacy.assessment import validate_config
from literacy_flows.report.document_text import Language
from literacy_flows.report.findings import forms_differ, problems, target_statement

CONFIG = Path(__file__).resolve().parents[1] / "config" / "wuhai.yaml"


@pytest.fixture(scope="module")
def config():
    return validate_config(yaml.safe_load(CONFIG.read_text(encoding="utf-8")))


def _headline(**values):
    base = {"endline_round": "2025", "baseline_round": "2020", "verdict": "met", "versus_national": "above"}
    base.update(values)
    return pd.DataFrame({"key": list(base), "value": [str(v) for v in base.values()]})


def _tables(headline, response_rate):
    empty = pd.DataFrame({"level": pd.Series(dtype=str), "verdict": pd.Series(dtype=str)})
    methodology = pd.DataFrame({"round": ["2025"], "item": ["response_rate:all"], "value": [str(response_rate)]})
    return {"headline": headline, "key_groups": empty, "districts": empty, "methodology": methodology}


def test_domains_judged_against_the_city_target_say_so(config):
    one = target_statement(pd.DataFrame({"target": [0.12, 0.12]}), config, Language("zh"))
    assert one == "规划未对各区和重点人群分别设定目标，均以全市目标12.0%判定。"
    mixed = target_statement(pd.DataFrame({"target": [0.12, 0.085]}), config, Language("en"))
    assert mixed.startswith("The target column is the plan's own target") and "12.0%" in mixed


def test_the_comparability_statement_is_due_only_when_the_link_has_an_error():
    assert forms_differ({"headline": _headline(linked_change=0.07, linked_se_linking=0.01)})
    assert not forms_differ({"headline": _headline(linked_change=0.07, linked_se_linking=0.0)})   # one form
    assert not forms_differ({"headline": _headline()})                                             # no link


@pytest.mark.parametrize("threshold, rate, flagged", [(None, 0.80, True), (None, 0.90, False), (0.75, 0.80, False)])
def test_a_response_rate_below_the_standard_is_a_problem(config, threshold, rate, flagged):
    cfg = dict(config, quality={"response_rate_threshold": threshold} if threshold else {})
    found = problems(_tables(_headline(), rate), cfg, Language("en"), "literate")
    said = any("the response rate is" in p for p, _ in found)
    assert said == flagged
