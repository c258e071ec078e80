"""Change between rounds, target verdicts and domain tables, checked by hand."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import stats

from literacy.assessment import compare_rounds, headline, population_rates, target_verdicts, validate_config

CONFIG = Path(__file__).resolve().parents[1] / "config" / "wuhai.yaml"


@pytest.fixture(scope="module")
def config():
    return validate_config(yaml.safe_load(CONFIG.read_text(encoding="utf-8")))


def _est(round_id, breakdown, domain, estimate, se, df, low, high, level="literate"):
    return dict(round=round_id, breakdown=breakdown, domain=domain, label_zh=domain, label_en=domain,
                level=level, estimate=estimate, se=se, ci_low=low, ci_high=high, df=df, n=100, deff=1.0,
                cv=se / estimate, population=1000.0)


@pytest.fixture
def estimates():
    return pd.DataFrame([
        _est("2020", "city", "all", 0.09, 0.006, 40, 0.079, 0.102),
        _est("2025", "city", "all", 0.13, 0.004, 60, 0.122, 0.138),
        _est("2020", "district", "wuda", 0.08, 0.02, 10, 0.05, 0.12),
        _est("2025", "district", "wuda", 0.10, 0.01, 12, 0.08, 0.125),
        _est("2025", "district", "hainan", 0.07, 0.01, 12, 0.05, 0.09),
        _est("2020", "district", "hainan", 0.06, 0.01, 12, 0.04, 0.08),
    ])


def test_change_uses_summed_variances_and_welch_satterthwaite_df(estimates, config):
    change = compare_rounds(estimates, config).set_index("domain")
    v1, v2 = 0.006 ** 2, 0.004 ** 2
    df = (v1 + v2) ** 2 / (v1 ** 2 / 40 + v2 ** 2 / 60)
    se = np.sqrt(v1 + v2)
    row = change.loc["all"]
    assert row["change"] == pytest.approx(0.04)
    assert row["se"] == pytest.approx(se)
    assert row["df"] == pytest.approx(df)
    assert row["ci_low"] == pytest.approx(0.04 - stats.t.ppf(0.975, df) * se)
    assert row["p_value"] == pytest.approx(2 * stats.t.sf(0.04 / se, df))


def test_verdicts_read_the_confidence_interval(estimates, config):
    change = compare_rounds(estimates, config)
    v = target_verdicts(estimates, change, config).set_index("domain")
    assert v.loc["all", "verdict"] == "met"            # 0.122 >= 0.12
    assert v.loc["wuda", "verdict"] == "inconclusive"  # 0.08 .. 0.125 contains 0.12
    assert v.loc["hainan", "verdict"] == "not_met"     # 0.09 < 0.12
    assert v.loc["all", "national_rate"] == pytest.approx(0.1537)
    assert v.loc["all", "versus_national"] == "below"  # 0.138 < 0.1537
    h = headline(estimates, change, v, config)
    assert h["endline"] == 0.13 and h["verdict"] == "met" and h["change"] == pytest.approx(0.04)


def test_a_domain_the_plan_sets_its_own_target_for_is_judged_against_it(estimates):
    raw = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    raw["targets"]["domains"] = {"district": {"hainan": 0.085, "wuda": 0.07}}
    config = validate_config(raw)
    v = target_verdicts(estimates, compare_rounds(estimates, config), config).set_index("domain")
    assert v.loc["hainan", "target"] == 0.085 and v.loc["hainan", "verdict"] == "inconclusive"  # 0.05 .. 0.09
    assert v.loc["wuda", "target"] == 0.07 and v.loc["wuda", "verdict"] == "met"                # 0.08 >= 0.07
    assert v.loc["all", "target"] == 0.12 and v.loc["all", "verdict"] == "met"                  # the city's own


@pytest.mark.parametrize("domains, message", [
    ({"group": {"youht": 0.2}}, "targets.domains.group.youht is not a key group in 'groups'; did you mean 'youth'?"),
    ({"district": {"wudaa": 0.2}}, "targets.domains.district.wudaa is not a district of survey.labels.district; "
                                   "did you mean 'wuda'?"),
    ({"sex": {"male": 0.2}}, "targets.domains"),
])
def test_a_domain_target_names_a_known_domain(domains, message):
    from literacy.errors import ConfigError

    raw = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    raw["targets"]["domains"] = domains
    with pytest.raises(ConfigError, match=None) as err:
        validate_config(raw)
    assert message in str(err.value)


def test_population_rates_by_hand(config):
    pop = pd.DataFrame({
        "district": ["wuda", "wuda", "hainan", "haibowan"], "residence": ["urban", "rural", "rural", "urban"],
        "sex": ["male", "female", "male", "male"], "age": [20, 65, 40, 33],
        "education": ["senior_high"] * 4, "occupation": ["industrial_worker", "other", "farmer_herder", "student"],
        "advanced": [0, 0, 0, 1], "literate": [1, 0, 0, 1], "basic": [1, 1, 0, 1],
    })
    t = population_rates(pop, config, "2025").set_index(["breakdown", "domain", "level"])
    assert t.loc[("city", "all", "literate"), "rate"] == 0.5
    assert t.loc[("district", "wuda", "basic"), "rate"] == 1.0
    assert t.loc[("group", "youth", "literate"), "rate"] == 1.0        # age 20 only
    assert t.loc[("group", "rural", "basic"), "population"] == 2
    assert t.loc[("district+sex", "wuda+female", "literate"), "rate"] == 0.0
