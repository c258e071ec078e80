"""NCHS Data Presentation Standards for Proportions (Parker et al. 2017) and small-cell suppression.

Expected values are hand calculations from the standard's rules, and R's survey package
(svyciprop(method="beta"), the Korn–Graubard interval) on the API cluster sample.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from literacy.assessment import NCHS_DEFAULTS, validate_config
from literacy.design import SurveyDesign
from literacy.errors import ConfigError, DataError
from literacy.reliability import BLANKED_COLUMNS, flag_estimates, nchs_reliability, propagate_suppression
from reference import reference

T = dict(NCHS_DEFAULTS)


def one(p, se, n, df, low, high, **thresholds):
    r = nchs_reliability([p], [se], [n], [df], [low], [high], {**T, **thresholds})
    return r.iloc[0]


# --------------------------------------------------------------------------- the decision rule by hand
def test_effective_sample_size_is_p_q_over_variance_capped_at_n():
    r = one(0.5, 0.05, 200, 30, 0.40, 0.60)
    assert r["n_effective"] == pytest.approx(0.25 / 0.0025)       # 100
    r = one(0.5, 0.01, 100, 30, 0.48, 0.52)                       # p q / se^2 = 2500 > n
    assert r["n_effective"] == 100
    r = one(0.0, 0.0, 75, 30, 0.0, 0.04)                          # no variance: the unweighted n
    assert r["n_effective"] == 75


def test_small_effective_sample_size_is_suppressed():
    r = one(0.5, 0.1, 200, 30, 0.30, 0.70)                        # n_eff = 0.25 / 0.01 = 25 < 30
    assert r["reliability"] == "suppress"
    assert "effective sample size < 30" in r["reliability_reason"]
    assert one(0.5, 0.5 / math.sqrt(30), 200, 30, 0.45, 0.49)["reliability"] == "present"   # n_eff = 30


def test_absolute_width_bounds_are_inclusive_as_in_the_standard():
    # width <= 0.05: present whatever the relative width (here 0.05 / 0.01 = 500%)
    r = one(0.01, 0.001, 5000, 30, 0.0, 0.05)
    assert r["ci_width"] == 0.05 and r["relative_ci_width"] == pytest.approx(5.0)
    assert r["reliability"] == "present" and r["reliability_reason"] == ""
    # width >= 0.30: suppress
    r = one(0.5, 0.05, 200, 30, 0.2, 0.5)
    assert r["ci_width"] == pytest.approx(0.3)
    assert r["reliability"] == "suppress" and "CI width >= 0.3" in r["reliability_reason"]


def test_relative_width_above_130_percent_is_suppressed_between_the_absolute_bounds():
    r = one(0.1, 0.01, 900, 30, 0.05, 0.19)                       # width 0.14, relative 140%
    assert r["relative_ci_width"] == pytest.approx(1.4)
    assert r["reliability"] == "suppress" and r["reliability_reason"] == "relative CI width > 130%"
    r = one(0.1, 0.01, 900, 30, 0.05, 0.17)                       # relative 120%
    assert r["reliability"] == "present"


def test_review_flags_degrees_of_freedom_extremes_and_the_complement():
    r = one(0.3, 0.03, 500, 7, 0.25, 0.36)
    assert r["reliability"] == "review" and r["reliability_reason"] == "degrees of freedom < 8"
    assert one(0.3, 0.03, 500, 8, 0.25, 0.36)["reliability"] == "present"
    # 0% (no events): the relative width is undefined, the share is presented for review
    r = one(0.0, 0.0, 60, 20, 0.0, 0.06)
    assert np.isnan(r["relative_ci_width"])
    assert r["reliability"] == "review" and r["reliability_reason"] == "estimate is 0% or 100% (no events)"
    # p = 0.9, width 0.14: relative 15.6%, complement 0.14 / 0.1 = 140% > 130%
    r = one(0.9, 0.02, 500, 30, 0.80, 0.94)
    assert r["reliability"] == "review" and r["reliability_reason"] == "complement's relative CI width > 130%"
    # a suppressed share also lists the review criteria it fails
    r = one(0.5, 0.1, 200, 3, 0.2, 0.8)
    assert r["reliability"] == "suppress"
    assert r["reliability_reason"] == ("effective sample size < 30; Korn–Graubard CI width >= 0.3; "
                                       "degrees of freedom < 8")


def test_missing_interval_is_not_presented():
    r = one(0.4, np.nan, 1, 0, np.nan, np.nan)
    assert r["reliability"] == "suppress" and r["reliability_reason"] == "no estimate or interval"


def test_thresholds_come_from_the_config():
    r = one(0.1, 0.01, 900, 30, 0.05, 0.19, max_relative_ci_width=1.5)
    assert r["reliability"] == "present"


# --------------------------------------------------------------------------- R's Korn–Graubard interval
def test_flags_on_the_engines_korn_graubard_interval_match_hand_calculation_from_r():
    """apiclus1, svydesign(id=~dnum, weights=~pw, fpc=~fpc): awards by school type."""
    api = reference("apiclus1.csv")
    ref = reference("apiclus1_awards_by_stype_taylor.csv").set_index("stype")
    design = SurveyDesign(api, weights="pw", psu="dnum", fpc="fpc")
    kg = design.proportion("awards_yes", by="stype", ci="beta").set_index("stype")
    # the engine's interval is R's svyciprop(method = "beta")
    np.testing.assert_allclose(kg["ci_low"], ref["beta_low"], rtol=1e-9)
    np.testing.assert_allclose(kg["ci_high"], ref["beta_high"], rtol=1e-9)
    flags = nchs_reliability(kg["estimate"], kg["se"], kg["n"], kg["df"], kg["ci_low"], kg["ci_high"], T)
    flags.index = kg.index
    n = api.groupby("stype").size()
    for stype in ("E", "H", "M"):
        p, se = ref.loc[stype, "estimate"], ref.loc[stype, "se"]
        n_eff = min(p * (1 - p) / se ** 2, n[stype])
        assert flags.loc[stype, "n_effective"] == pytest.approx(n_eff, rel=1e-9)
        width = ref.loc[stype, "beta_high"] - ref.loc[stype, "beta_low"]
        assert flags.loc[stype, "ci_width"] == pytest.approx(width, rel=1e-9)
        assert flags.loc[stype, "relative_ci_width"] == pytest.approx(width / p, rel=1e-9)
    # E: p = .771, se = .029 -> n_eff = .771 x .229 / .029^2 = 209 (capped at n), width .128, relative 17%
    assert flags.loc["E", "reliability"] == "present"
    # H: n_eff = .429 x .571 / .146^2 = 11.5 < 30, width .631 >= .30, domain df 7 < 8
    assert flags.loc["H", "reliability"] == "suppress"
    assert flags.loc["H", "reliability_reason"] == ("effective sample size < 30; Korn–Graubard CI width >= 0.3; "
                                                    "degrees of freedom < 8")
    # M: n_eff = .52 x .48 / .117^2 = 18.3 < 30, width .505
    assert flags.loc["M", "reliability"] == "suppress"


# --------------------------------------------------------------------------- suppression of a table
def _config(min_n=30, suppress_unreliable=True):
    return {"reporting": {"min_n": min_n, "suppress_unreliable": suppress_unreliable, "nchs": dict(T)}}


def _estimates():
    rows = [  # round, breakdown, domain, level, estimate, se, ci_low, ci_high, df, n
        ("2025", "city", "all", "literate", 0.12, 0.01, 0.10, 0.14, 100, 3000),
        ("2025", "district", "a", "literate", 0.20, 0.05, 0.11, 0.32, 20, 200),   # relative width 110%
        ("2025", "district", "b", "literate", 0.05, 0.03, 0.01, 0.15, 20, 200),   # relative 280%: NCHS suppress
        ("2025", "district", "c", "literate", 0.30, 0.10, 0.12, 0.55, 3, 12),     # n 12 < 30
    ]
    df = pd.DataFrame(rows, columns=["round", "breakdown", "domain", "level", "estimate", "se", "ci_low", "ci_high",
                                     "df", "n"])
    df.insert(4, "label_zh", df["domain"])
    df.insert(5, "label_en", df["domain"])
    df["deff"] = 1.5
    df["cv"] = df["se"] / df["estimate"]
    df["population"] = 1000.0
    kg = df[["round", "breakdown", "domain", "level", "ci_low", "ci_high"]].copy()
    kg["ci_low"] -= 0.005   # the Korn–Graubard interval, a little wider than the table's
    kg["ci_high"] += 0.005
    return df, kg


def test_small_cells_are_blanked_with_a_reason():
    est, kg = _estimates()
    out = flag_estimates(est, kg, _config()).set_index("domain")
    c = out.loc["c"]
    assert bool(c["suppressed"]) and c["reliability"] == "suppress"
    assert c["suppression_reason"] == "fewer than 30 respondents (reporting.min_n)"
    for col in BLANKED_COLUMNS:
        assert pd.isna(c[col]), col
    assert c["n"] == 12 and c["df"] == 3 and c["population"] == 1000.0       # counts stay
    assert not out.loc["all", "suppressed"] and pd.isna(out.loc["all", "suppression_reason"])
    assert out.loc["all", "ci_width"] == pytest.approx(0.05)                  # the Korn–Graubard width
    assert out.loc["a", "reliability"] == "present"                           # 0.22 / 0.2 = 110%
    b = out.loc["b"]                                                          # 0.15 / 0.05 = 300%
    assert b["reliability"] == "suppress" and bool(b["suppressed"]) and pd.isna(b["estimate"])
    assert b["suppression_reason"] == "NCHS standard: relative CI width > 130%"


def test_unreliable_cells_keep_their_value_when_configured():
    est, kg = _estimates()
    out = flag_estimates(est, kg, _config(suppress_unreliable=False)).set_index("domain")
    assert out.loc["b", "reliability"] == "suppress" and not out.loc["b", "suppressed"]
    assert out.loc["b", "estimate"] == 0.05
    assert bool(out.loc["c", "suppressed"])                                   # min_n always applies


def test_a_missing_korn_graubard_row_is_an_error():
    est, kg = _estimates()
    with pytest.raises(DataError, match="domain b"):
        flag_estimates(est, kg[kg["domain"] != "b"], _config())


def test_derived_rows_are_blanked_when_a_round_is_suppressed():
    est, kg = _estimates()
    flagged = flag_estimates(est, kg, _config())
    base = flagged.assign(round="2020")
    base.loc[base["domain"] == "a", ["suppressed", "suppression_reason"]] = [True, "why"]
    both = pd.concat([base, flagged], ignore_index=True)
    table = pd.DataFrame({"breakdown": ["district"] * 3, "domain": ["a", "b", "x"], "level": ["literate"] * 3,
                          "change": [0.1, 0.2, 0.3]})
    out = propagate_suppression(table, both, {"2020": "baseline", "2025": "end-of-period"}, ["change"]).set_index(
        "domain")
    assert pd.isna(out.loc["a", "change"]) and out.loc["a", "suppression_reason"] == "baseline 2020: why"
    assert pd.isna(out.loc["b", "change"]) and out.loc["b", "suppression_reason"].startswith("baseline 2020: NCHS")
    assert "end-of-period 2025: NCHS standard" in out.loc["b", "suppression_reason"]
    assert out.loc["x", "change"] == 0.3 and not out.loc["x", "suppressed"]  # no estimate: nothing to propagate


def test_reporting_config_is_validated():
    raw = yaml.safe_load((Path(__file__).resolve().parents[1] / "config" / "wuhai.yaml").read_text(encoding="utf-8"))
    cfg = validate_config(raw)
    assert cfg["reporting"]["min_n"] == 30 and cfg["reporting"]["nchs"]["min_df"] == 8
    del raw["reporting"]
    assert validate_config(raw)["reporting"]["nchs"] == NCHS_DEFAULTS                  # defaults
    with pytest.raises(ConfigError, match="reporting.min_n"):
        validate_config({**raw, "reporting": {"min_n": 0}})
    with pytest.raises(ConfigError, match="reporting.nchs.max_width"):
        validate_config({**raw, "reporting": {"nchs": {"max_width": 0.3}}})
    with pytest.raises(ConfigError, match="breakdowns\\[0\\]"):
        validate_config({**raw, "breakdowns": [["group"]]})


# --------------------------------------------------------------------------- property
def _scalar_rule(p, se, n, df, width, t):
    """The standard read as nested ifs, one share at a time (Parker et al. 2017, figure 1)."""
    n_eff = n if (p in (0.0, 1.0) or se <= 0) else min(p * (1 - p) / se ** 2, n)
    if n_eff < t["min_effective_n"]:
        return "suppress"
    if width > t["small_ci_width"]:
        if width >= t["max_ci_width"]:
            return "suppress"
        if 0 < p < 1 and width / p > t["max_relative_ci_width"]:
            return "suppress"
    complement = (t["small_ci_width"] < width < t["max_ci_width"] and 0 < p < 1
                  and width / (1 - p) > t["max_relative_ci_width"])
    if df < t["min_df"] or p in (0.0, 1.0) or complement:
        return "review"
    return "present"


@settings(max_examples=300, deadline=None)
@given(p=st.one_of(st.just(0.0), st.just(1.0), st.floats(0.001, 0.999)), n=st.integers(1, 3000),
       deff=st.floats(0.3, 5.0), df=st.integers(0, 60), width=st.floats(0.0, 0.6))
def test_vectorised_rule_agrees_with_the_scalar_reading(p, n, deff, df, width):
    se = 0.0 if p in (0.0, 1.0) else math.sqrt(p * (1 - p) * deff / n)
    r = one(p, se, n, df, 0.0, width)
    assert r["reliability"] == _scalar_rule(p, se, n, df, width, T)
    assert r["n_effective"] <= n
