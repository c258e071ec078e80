"""Every round counts (issue 23): the change for every pair of rounds with BH within each family,
the linear trend over all rounds, the mid-term verdicts against the target's trajectory, and the
simulated-truth check by each change's own pair of rounds. Values by hand (numpy, closed forms)."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import stats

import literacy_schemas as S
from literacy.assessment import (change_and_verdicts, change_table, evaluator_table, headline_change, linear_trend, trend_table,
                                 truth_check_linked, validate_config)
from literacy.multiplicity import benjamini_hochberg

CONFIG = yaml.safe_load((Path(__file__).resolve().parents[1] / "config" / "wuhai.yaml").read_text(encoding="utf-8"))


def _config(rounds, **targets) -> dict:
    cfg = copy.deepcopy(CONFIG)
    cfg["rounds"] = rounds
    cfg["targets"].update(targets)
    ids = {r["id"] for r in rounds}
    cfg["simulation"]["forms"] = {k: v for k, v in cfg["simulation"]["forms"].items() if k in ids}
    return validate_config(cfg)


THREE = [{"id": "2020", "role": "baseline"}, {"id": "2025", "role": "endline"}, {"id": "2023", "role": "midterm"}]
MIDTERM = [{"id": "2020", "role": "baseline"}, {"id": "2023", "role": "midterm"}]


def _est(round_id, domain, estimate, se, df, breakdown="district", level="literate"):
    t = stats.t.ppf(0.975, df)
    return dict(round=round_id, breakdown=breakdown, domain=domain, label_zh=domain, label_en=domain, level=level,
                estimate=estimate, se=se, ci_low=estimate - t * se, ci_high=estimate + t * se, df=df, n=400, deff=1.0,
                cv=se / estimate, population=1000.0, suppressed=False, suppression_reason=None, reliability="present",
                reliability_reason=None)


@pytest.fixture
def three_rounds():
    rows = []
    for rid, shares in (("2020", (0.090, 0.080, 0.060)), ("2023", (0.104, 0.085, 0.075)),
                        ("2025", (0.130, 0.100, 0.070))):
        rows.append(_est(rid, "all", shares[0], 0.005, 40, breakdown="city"))
        rows.append(_est(rid, "wuda", shares[1], 0.012, 12))
        rows.append(_est(rid, "hainan", shares[2], 0.010, 12))
    return pd.DataFrame(rows)


def test_change_has_every_pair_keyed_by_from_and_to_round_headline_pair_last(three_rounds):
    config = _config(THREE)   # listed 2020, 2025, 2023: taken in year order
    change = change_table(three_rounds, config)
    pairs = change[["comparison", "from_round", "to_round"]].drop_duplicates().values.tolist()
    assert pairs == [["since_baseline", "2020", "2023"], ["consecutive", "2023", "2025"],
                     ["since_baseline", "2020", "2025"]]
    S.validate(change, S.change_schema(config), "change", line_offset=None)
    row = change[(change["from_round"] == "2023") & (change["domain"] == "all")].iloc[0]
    assert row["change"] == pytest.approx(0.026) and row["se"] == pytest.approx(np.sqrt(2) * 0.005)
    assert (row["baseline_round"], row["endline_round"]) == ("2023", "2025")   # the pair's earlier and later
    head = headline_change(change, config)
    assert set(head["baseline_round"]) == {"2020"} and set(head["endline_round"]) == {"2025"}
    assert "comparison" not in head.columns and len(head) == 3


def test_bh_is_within_each_comparison_kind_and_the_baselines_next_pair_counts_in_both(three_rounds):
    config = _config(THREE)
    change = change_table(three_rounds, config)
    d = change[change["breakdown"] == "district"].set_index(["from_round", "to_round", "domain"])
    p = d["p_value"]
    # since the baseline: the districts' 2020->2023 and 2020->2025 changes are one family (4 tests)
    since = [("2020", "2023", "wuda"), ("2020", "2023", "hainan"), ("2020", "2025", "wuda"), ("2020", "2025", "hainan")]
    bh_since = benjamini_hochberg(p.loc[since].to_numpy(), 0.05)["p_adjusted"].to_numpy()
    # consecutive: 2020->2023 (the baseline's next round) and 2023->2025 (4 tests)
    cons = [("2020", "2023", "wuda"), ("2020", "2023", "hainan"), ("2023", "2025", "wuda"), ("2023", "2025", "hainan")]
    bh_cons = benjamini_hochberg(p.loc[cons].to_numpy(), 0.05)["p_adjusted"].to_numpy()
    assert d.loc[since[2:], "p_value_bh"].to_numpy() == pytest.approx(bh_since[2:])
    assert d.loc[cons[2:], "p_value_bh"].to_numpy() == pytest.approx(bh_cons[2:])
    # in both families: the larger of its two adjusted p-values
    assert d.loc[since[:2], "p_value_bh"].to_numpy() == pytest.approx(np.maximum(bh_since[:2], bh_cons[:2]))
    assert (d["significant_bh"].astype(bool) == (d["p_value_bh"] <= 0.05)).all()


def test_linear_trend_of_two_rounds_is_the_change_per_year():
    fit = linear_trend(np.array([0, 0]), np.array([2020.0, 2025.0]), np.array([0.09, 0.13]), np.array([0.006, 0.004]))
    r = fit.iloc[0]
    assert r["slope"] == pytest.approx(0.04 / 5) and r["slope_se"] == pytest.approx(np.sqrt(0.006**2 + 0.004**2) / 5)
    assert r["p_value"] == pytest.approx(2 * stats.norm.sf(0.04 / np.sqrt(0.006**2 + 0.004**2)))
    assert pd.isna(r["nonlinearity_chi2"]) and r["n_rounds"] == 2


def test_linear_trend_is_generalised_least_squares_with_the_design_variances():
    x = np.array([2020.0, 2023.0, 2025.0, 2020.0, 2023.0, 2025.0, 2025.0])
    y = np.array([0.090, 0.104, 0.130, 0.20, 0.22, np.nan, 0.5])
    se = np.array([0.005, 0.006, 0.004, 0.01, 0.02, 0.01, 0.03])
    g = np.array([0, 0, 0, 1, 1, 1, 2])
    fit = linear_trend(g, x, y, se)
    # by hand: beta = (X' V^-1 X)^-1 X' V^-1 y, Var = (X' V^-1 X)^-1
    X = np.column_stack([np.ones(3), x[:3]])
    Vi = np.diag(1 / se[:3] ** 2)
    cov = np.linalg.inv(X.T @ Vi @ X)
    beta = cov @ X.T @ Vi @ y[:3]
    resid = y[:3] - X @ beta
    r = fit.iloc[0]
    assert r["slope"] == pytest.approx(beta[1], rel=1e-9) and r["slope_se"] == pytest.approx(np.sqrt(cov[1, 1]))
    assert r["slope_ci_low"] == pytest.approx(beta[1] - stats.norm.ppf(0.975) * np.sqrt(cov[1, 1]))
    q = float(resid @ Vi @ resid)
    assert r["nonlinearity_chi2"] == pytest.approx(q) and r["nonlinearity_df"] == 1
    assert r["nonlinearity_p"] == pytest.approx(stats.chi2.sf(q, 1))
    # the blank estimate is left out: two rounds; one round: no trend
    assert fit.iloc[1]["n_rounds"] == 2 and fit.iloc[1]["slope"] == pytest.approx(0.02 / 3)
    assert fit.iloc[2]["n_rounds"] == 1 and pd.isna(fit.iloc[2]["slope"])


def test_linear_trend_agrees_with_metafor_fixed_effect_meta_regression():
    golden = pd.read_csv(Path(__file__).resolve().parent / "golden" / "trend_wls.csv")
    fit = linear_trend(golden["group"].to_numpy(), golden["year"].to_numpy(), golden["y"].to_numpy(),
                       golden["se"].to_numpy())
    want = golden.drop_duplicates("group").set_index("group")
    for col in ("slope", "slope_se", "z", "p_value", "slope_ci_low", "slope_ci_high", "nonlinearity_chi2",
                "nonlinearity_p"):
        np.testing.assert_allclose(fit[col].to_numpy(dtype=float), want[col].to_numpy(dtype=float), rtol=1e-9,
                                   err_msg=col)
    assert fit["nonlinearity_df"].tolist() == want["nonlinearity_df"].tolist()


def test_trend_table_over_three_rounds(three_rounds):
    config = _config(THREE)
    trend = trend_table(three_rounds, config)
    S.validate(trend, S.trend_schema(config), "trend", line_offset=None)
    city = trend.set_index("domain").loc["all"]
    assert (city["first_round"], city["last_round"], city["n_rounds"]) == ("2020", "2025", 3)
    assert (city["first_year"], city["last_year"]) == (2020, 2025)
    w = np.full(3, 1 / 0.005**2)
    x, y = np.array([2020, 2023, 2025.0]), np.array([0.090, 0.104, 0.130])
    xb = (w * x).sum() / w.sum()
    assert city["slope"] == pytest.approx((w * (x - xb) * y).sum() / (w * (x - xb) ** 2).sum())
    # by hand (equal SEs): Sxx = 2.667² + 0.333² + 2.333² = 12.667, Sxy = 0.098, slope = 0.0077368 a year,
    # SE = 0.005 / sqrt(12.667) = 0.0014049
    assert city["slope"] == pytest.approx(0.098 / (38 / 3), rel=1e-9) and city["slope"] == pytest.approx(0.0077368, abs=1e-7)
    assert city["slope_se"] == pytest.approx(0.0014049, abs=1e-7)


def test_a_midterm_config_reads_the_interval_against_the_trajectory(three_rounds):
    config = _config(MIDTERM, year=2025)       # 9.0% (2020) to 12% (2025): 10.8% due in 2023
    est = three_rounds[three_rounds["round"] != "2025"].copy()
    est.loc[(est["round"] == "2023") & (est["domain"] == "all"), ["estimate", "ci_low", "ci_high"]] = [0.104, 0.098, 0.11]
    est.loc[(est["round"] == "2023") & (est["domain"] == "wuda"), ["ci_low", "ci_high"]] = [0.06, 0.107]
    est.loc[(est["round"] == "2023") & (est["domain"] == "hainan"), ["estimate", "ci_low", "ci_high"]] = [0.12, 0.109, 0.13]
    change, verdicts, head = change_and_verdicts(est, config, comparable=True)
    v = verdicts.set_index("domain")
    assert v["target"].to_numpy() == pytest.approx(0.108)
    assert v.loc["all", "verdict"] == "on_track" and v.loc["all", "verdict_zh"] == "进度符合"
    assert v.loc["wuda", "verdict"] == "behind" and v.loc["wuda", "verdict_en"] == "behind the trajectory"
    assert v.loc["hainan", "verdict"] == "ahead"
    assert head["assessment"] == "midterm" and head["endline_round"] == "2023" and head["target"] == pytest.approx(0.108)
    assert head["target_headline"] == 0.12 and head["target_year"] == 2025
    S.validate(verdicts, S.verdicts_schema(config), "verdicts", line_offset=None)
    S.validate(change, S.change_schema(config), "change", line_offset=None)


def test_an_endline_config_keeps_met_and_says_endline(three_rounds):
    config = _config(THREE)
    _, verdicts, head = change_and_verdicts(three_rounds, config, comparable=True)
    assert head["assessment"] == "endline" and head["endline_round"] == "2025" and head["target"] == 0.12
    assert set(verdicts["verdict"]) <= {"met", "not_met", "inconclusive"}
    assert set(verdicts["round"]) == {"2025"}


def test_the_truth_check_takes_each_changes_own_pair_not_the_list_order():
    keys = dict(breakdown="city", domain="all", level="literate")
    truths = {rid: pd.DataFrame([{**keys, "rate": r, "rate_linked": r}]) for rid, r in
              (("2020", 0.09), ("2025", 0.13), ("2023", 0.10))}            # listed out of year order
    linked = pd.DataFrame([{**keys, "round": rid, "estimate": r, "ci_low": r - 0.01, "ci_high": r + 0.01}
                           for rid, r in (("2020", 0.09), ("2023", 0.10), ("2025", 0.13))])
    change = pd.DataFrame([{**keys, "baseline_round": "2020", "endline_round": "2025", "change": 0.04,
                            "ci_low": 0.03, "ci_high": 0.05}])
    check = truth_check_linked(linked, change, truths)
    ch = check[check["kind"] == "change"].iloc[0]
    assert ch["round"] == "2020-2025" and ch["truth"] == pytest.approx(0.04) and bool(ch["covered"])
    keyed = change.rename(columns={"baseline_round": "from_round", "endline_round": "to_round"})
    keyed = pd.concat([keyed, keyed.assign(from_round="2023", change=0.03, ci_low=0.02, ci_high=0.04)])
    check = truth_check_linked(linked, keyed, truths).query("kind == 'change'").set_index("round")
    assert check.loc["2023-2025", "truth"] == pytest.approx(0.03) and check.loc["2020-2025", "truth"] == pytest.approx(0.04)


def test_the_evaluator_tables_have_a_column_group_per_round(three_rounds):
    config = _config(THREE)
    change, verdicts, _ = change_and_verdicts(three_rounds, config, comparable=True)
    table = evaluator_table(three_rounds, headline_change(change, config), verdicts, config, ("district",),
                            with_verdict=True)
    cols = list(table.columns)
    group = ["round_2023", "round_2023_se", "round_2023_ci_low", "round_2023_ci_high", "round_2023_n",
             "round_2023_reliability"]
    assert cols[cols.index("baseline_reliability") + 1: cols.index("endline_round")] == group
    wuda = table.set_index("domain").loc["wuda"]
    assert (wuda["baseline"], wuda["round_2023"], wuda["endline"]) == (0.080, 0.085, 0.100)
    assert wuda["round_2023_se"] == 0.012 and wuda["change"] == pytest.approx(0.02)   # the headline pair's change
    S.validate(table, S.evaluator_schema(config, "districts", with_verdict=True), "districts", line_offset=None)
    # a two-round config: no extra group (the default's columns)
    two = evaluator_table(three_rounds[three_rounds["round"] != "2023"], headline_change(
        change_table(three_rounds[three_rounds["round"] != "2023"], validate_config(CONFIG)), validate_config(CONFIG)),
        None, validate_config(CONFIG), ("district",))
    assert not any(c.startswith("round_") for c in two.columns)


def test_a_middle_round_gets_its_small_area_columns_too(three_rounds):
    from literacy.assessment import add_model_columns

    config = _config(THREE)
    change, verdicts, _ = change_and_verdicts(three_rounds, config, comparable=True)
    table = evaluator_table(three_rounds, headline_change(change, config), verdicts, config, ("district",),
                            with_verdict=True)
    small = pd.DataFrame([dict(round=r, breakdown="district", domain="wuda", level="literate", model_estimate=m,
                               model_ci_low=m - 0.01, model_ci_high=m + 0.01, published=m, source="model")
                          for r, m in (("2020", 0.081), ("2023", 0.086), ("2025", 0.101))])
    wuda = add_model_columns(table, small, config).set_index("domain").loc["wuda"]
    assert (wuda["baseline_model"], wuda["round_2023_model"], wuda["endline_model"]) == (0.081, 0.086, 0.101)
    assert wuda["round_2023_published_source"] == "model" and wuda["round_2023_model_ci_high"] == pytest.approx(0.096)


def test_roles_against_the_years_are_one_line_not_a_wrong_sign():
    from literacy.assessment import round_roles
    from literacy.errors import ConfigError

    reversed_roles = _config([{"id": "2020", "role": "endline"}, {"id": "2025", "role": "baseline"}], year=2025)
    with pytest.raises(ConfigError, match=r"^config: the endline round 2020 \(2020\) is not after the baseline 2025 "):
        round_roles(reversed_roles)
    # listed out of year order, the roles still name the pair: baseline 2020, assessed 2025 (not the list's last)
    assert round_roles(_config(THREE)) == ("2020", "2025")
