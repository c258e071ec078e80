"""Tests of bounded calibration, trimming, response-propensity classes and the weighting chain.

Golden values come from R's survey package 4.1-1 (``tests/golden/make_golden.R``, section
"Weighting (issue 4)") or from hand calculation; hypothesis checks the invariants of trimming
and of the propensity adjustment; the bias table runs the chain on the default simulation.
"""

from __future__ import annotations

import copy
import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from literacy.design import SurveyDesign
from literacy.errors import ConfigError
from literacy.weighting import (
    GregCalibration,
    Raking,
    WeightingError,
    apply_calibration_steps,
    calibrate_weights,
    propensity_adjust,
    resolve_caps,
    trim_design,
    trim_weights,
    weight_round,
    weighting_options,
)

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden"
CONFIG = ROOT / "config" / "wuhai.yaml"

# Arguments of the R calls in make_golden.R (not results).
POP_STYPE = {"E": 4421, "H": 755, "M": 1018}
POP_SCHWIDE = {"No": 1072, "Yes": 5122}
TOTALS = {"(Intercept)": 6194, "stype": POP_STYPE, "api99": 3914069}

_PROP = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# ---------------------------------------------------------------------------------------------
# R golden: bounded / logit / raking calibration, R's trim, trimWeights
# ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def apiclus1() -> pd.DataFrame:
    return pd.read_csv(GOLDEN / "apiclus1.csv", dtype={"cds": str})


@pytest.fixture(scope="module")
def golden_weights(apiclus1) -> pd.DataFrame:
    g = pd.read_csv(GOLDEN / "apiclus1_calibrated_weights.csv", dtype={"cds": str})
    assert g["cds"].is_unique and len(g) == len(apiclus1)
    return g.set_index("cds").loc[apiclus1["cds"]].reset_index(drop=True)


@pytest.fixture(scope="module")
def golden_estimates() -> pd.DataFrame:
    return pd.read_csv(GOLDEN / "apiclus1_calibrated_estimates.csv")


def _cases(apiclus1):
    """The designs of make_golden.R's calibration section, built with our code."""
    d = SurveyDesign(apiclus1, weights="pw", psu="dnum", fpc="fpc")
    raked = d.rake({"stype": POP_STYPE, "sch.wide": POP_SCHWIDE}, tol=1, max_iter=10, convergence="r")
    linear = d.calibrate(TOTALS)
    return {
        "linear": linear,
        "linear_bounded": d.calibrate(TOTALS, method="linear", bounds=(0.7, 1.7)),
        "logit": d.calibrate(TOTALS, method="logit", bounds=(0.7, 1.7)),
        "raking": d.calibrate(TOTALS, method="raking"),
        "raking_trim": d.calibrate(TOTALS, method="raking", trim=(0.6, 1.5)),
        "raked_trimmed": trim_design(raked, upper=38, redistribute="equal"),
        "linear_trimmed": trim_design(linear, lower=20, upper=40, redistribute="equal"),
        "linear_trimmed_once": trim_design(linear, lower=20, upper=40, redistribute="equal", max_iter=1),
    }


CASES = ["linear", "linear_bounded", "logit", "raking", "raking_trim", "raked_trimmed", "linear_trimmed",
         "linear_trimmed_once"]


@pytest.fixture(scope="module")
def cases(apiclus1):
    return _cases(apiclus1)


@pytest.mark.parametrize("case", CASES)
def test_calibrated_and_trimmed_designs_match_r(case, cases, golden_weights, golden_estimates):
    design = cases[case]
    np.testing.assert_allclose(design.weights, golden_weights[case].to_numpy(), rtol=1e-10, atol=0)
    ref = golden_estimates[golden_estimates["case"] == case].set_index("variable")
    m = design.mean(["awards_yes", "api00"]).set_index("variable")
    t = design.total(["enroll"]).set_index("variable")
    got = pd.concat([m, t])[["estimate", "se"]]
    np.testing.assert_allclose(got.to_numpy(), ref.loc[got.index, ["estimate", "se"]].to_numpy(), rtol=1e-10)


def test_bounded_calibration_respects_bounds_and_meets_totals(apiclus1, cases):
    pw = apiclus1["pw"].to_numpy()
    for case in ("linear_bounded", "logit"):
        g = cases[case].weights / pw
        assert g.min() >= 0.7 - 1e-12 and g.max() <= 1.7 + 1e-12
        w = cases[case].weights
        assert abs(w.sum() - 6194) < 1e-4 and abs(np.sum(w * apiclus1["api99"]) - 3914069) < 1e-2
        assert isinstance(cases[case].calibration[-1], GregCalibration)
    g = cases["linear_bounded"].weights / pw
    assert np.isclose(g.min(), 0.7) and np.isclose(g.max(), 1.7)  # truncation binds on both sides
    g = cases["linear"].weights / pw
    assert g.min() < 0.7 and g.max() > 1.7                          # ... which unbounded GREG exceeds


def test_calibrate_weights_matches_the_design_and_r(apiclus1, golden_weights):
    w = calibrate_weights(apiclus1, "pw", TOTALS, method="linear", bounds=(0.7, 1.7))
    np.testing.assert_allclose(w, golden_weights["linear_bounded"], rtol=1e-10)


def test_trimmed_design_keeps_its_calibration(cases):
    # R's trimWeights keeps design$postStrata: the SEs are those of the last calibration
    assert isinstance(cases["raked_trimmed"].calibration[-1], Raking)
    assert len(cases["raked_trimmed"].calibration) == 1
    assert cases["raked_trimmed"].trimming["n_trimmed"].iloc[0] == 51


def test_calibration_errors(apiclus1):
    with pytest.raises(WeightingError, match="failed to converge"):
        calibrate_weights(apiclus1, "pw", TOTALS, bounds=(0.8, 1.2))
    with pytest.raises(WeightingError, match="logit.*lower < 1 < upper"):
        calibrate_weights(apiclus1, "pw", TOTALS, method="logit", bounds=(1.1, 2))
    with pytest.raises(WeightingError, match="trim applies"):
        calibrate_weights(apiclus1, "pw", TOTALS, trim=(0.5, 1.5))
    with pytest.raises(WeightingError, match="lower < upper"):
        calibrate_weights(apiclus1, "pw", TOTALS, bounds=(1.7, 0.7))


# ---------------------------------------------------------------------------------------------
# trimming
# ---------------------------------------------------------------------------------------------

def test_trimming_hand_example():
    # 13 -> 5; the excess 8 goes to 1, 1, 1, 4 (factor 15/7) and lifts 4 to 8.57 > 5, which is
    # capped too; the last three share 20 - 10: 10/3 each.
    w, report = trim_weights([1, 1, 1, 4, 13], upper=5)
    np.testing.assert_allclose(w, [10 / 3, 10 / 3, 10 / 3, 5, 5], rtol=1e-14)
    r = report.iloc[0]
    assert r["n_trimmed_upper"] == 2 and r["n_trimmed"] == 2 and r["upper_cap"] == 5
    np.testing.assert_allclose([r["sum_before"], r["sum_after"], r["factor"]], [20, 20, 10 / 3], rtol=1e-14)
    # caps as a multiple of the median (1) and mean (4) weight
    w, _ = trim_weights([1, 1, 1, 4, 13], upper={"median": 5})
    np.testing.assert_allclose(w, [10 / 3, 10 / 3, 10 / 3, 5, 5], rtol=1e-14)
    w, _ = trim_weights([1, 1, 1, 4, 13], upper={"mean": 1.25})
    np.testing.assert_allclose(w, [10 / 3, 10 / 3, 10 / 3, 5, 5], rtol=1e-14)
    # a lower cap lifts the small weights and takes from the others in proportion: 1 -> 2, the
    # rest share 10 - 2 = 8 in proportion to 2, 3, 4 (factor 8/9), which takes 2 below the cap
    # too; then 3 and 4 share 10 - 4 = 6: factor 6/7
    w, report = trim_weights([1, 2, 3, 4], lower=2)
    np.testing.assert_allclose(w, [2, 2, 18 / 7, 24 / 7], rtol=1e-14)
    assert report["n_trimmed_lower"].iloc[0] == 2 and report["n_trimmed_upper"].iloc[0] == 0


def test_trimming_by_group_and_zero_weights():
    w = np.array([1, 1, 1, 4, 13, 0, 2, 2, 2, 10])
    g = np.array(list("aaaaaabbbb"))
    out, report = trim_weights(w, upper={"groups": {"a": 5, "b": 6}}, by=g)
    np.testing.assert_allclose(out[:5], [10 / 3, 10 / 3, 10 / 3, 5, 5], rtol=1e-14)
    assert out[5] == 0
    # b: 10 -> 6, and 2, 2, 2 share 16 - 6 = 10
    np.testing.assert_allclose(out[6:], [10 / 3, 10 / 3, 10 / 3, 6], rtol=1e-14)
    rep = report.set_index("group")
    assert rep.loc["a", "n_trimmed"] == 2 and rep.loc["b", "n_trimmed"] == 1
    assert list(report["n"]) == [5, 4]   # positive weights only


def test_trimming_percentile_caps_use_r_quantiles():
    w = np.arange(1.0, 11.0)
    caps = resolve_caps(w, lower={"percentile": 10}, upper={"percentile": 90})
    # R: quantile(1:10, c(.1, .9)) = 1.9, 9.1 (type 7)
    np.testing.assert_allclose(caps[["lower_cap", "upper_cap"]].iloc[0], [1.9, 9.1], rtol=1e-14)


@pytest.mark.parametrize("kwargs, words", [
    (dict(upper=2), "cannot keep its weight total.*cap too low"),
    (dict(lower=5), "cannot keep its weight total.*cap too high"),
    (dict(upper={"median": "x"}), r"'upper.median' must be a number"),
    (dict(upper={"top": 3}), "cap kind 'top'"),
    (dict(upper=1, lower=2), "lower cap 2 above its upper cap 1"),
    (dict(upper=5, redistribute="spread"), "redistribute must be"),
    (dict(upper={"groups": {"b": 3}}), "no cap for group 'all'"),
])
def test_trimming_errors(kwargs, words):
    with pytest.raises(WeightingError, match=words):
        trim_weights([1, 1, 1, 4, 13], **kwargs)


@st.composite
def trimming_problems(draw):
    n = draw(st.integers(5, 80))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    w = rng.lognormal(0, draw(st.floats(0.2, 1.5)), n) * 10
    w[rng.uniform(size=n) < 0.1] = 0.0
    w[0] = max(w[0], 1.0)
    groups = rng.integers(0, draw(st.integers(1, 3)), n).astype(str)
    upper = draw(st.sampled_from([{"median": 2.0}, {"median": 3.5}, {"percentile": 90}, {"mean": 2.5}]))
    lower = draw(st.sampled_from([None, {"median": 0.3}, {"percentile": 5}]))
    return w, groups, upper, lower


@_PROP
@given(trimming_problems(), st.randoms(use_true_random=False))
def test_trimming_keeps_group_totals_and_caps(problem, rnd):
    w, groups, upper, lower = problem
    for g in np.unique(groups):
        assume(np.sum(w[groups == g] > 0) >= 1)
    try:
        out, report = trim_weights(w, upper=upper, lower=lower, by=groups)
    except WeightingError as exc:   # caps that cannot keep a total are refused, never ignored
        assert "cannot keep its weight total" in str(exc)
        return
    caps = report.set_index("group")
    tot_in = pd.Series(w).groupby(groups).sum()
    tot_out = pd.Series(out).groupby(groups).sum()
    np.testing.assert_allclose(tot_out.to_numpy(), tot_in.to_numpy(), rtol=1e-11)
    hi = caps.loc[groups, "upper_cap"].to_numpy()
    lo = np.nan_to_num(caps.loc[groups, "lower_cap"].to_numpy(), nan=0.0)
    pos = w > 0
    assert np.all(out[pos] <= hi[pos] * (1 + 1e-12)) and np.all(out[pos] >= lo[pos] * (1 - 1e-12))
    assert np.all(out[~pos] == 0)
    # untrimmed weights are all scaled by one factor per group (proportional redistribution)
    free = pos & (out < hi * (1 - 1e-9)) & (out > lo * (1 + 1e-9))
    ratio = pd.Series(out[free] / w[free]).groupby(groups[free])
    assert (ratio.max() - ratio.min() <= 1e-9 * ratio.max()).all()
    # trimming to the same (absolute) caps again changes nothing; row order does not matter
    again, _ = trim_weights(out, upper={"groups": caps["upper_cap"].to_dict()},
                            lower=None if lower is None else {"groups": caps["lower_cap"].to_dict()}, by=groups)
    np.testing.assert_allclose(again, out, rtol=1e-9)
    perm = np.array(rnd.sample(range(len(w)), len(w)))
    out_p, _ = trim_weights(w[perm], upper=upper, lower=lower, by=groups[perm])
    np.testing.assert_allclose(out_p, out[perm], rtol=1e-9)


def test_equal_redistribution_is_r_trimweights_by_hand():
    # R: pw = c(1, 1, 1, 4, 13); trimWeights(upper = 5, strict = FALSE): 13 -> 5, the other
    # four get 8 / 4 = 2 each.
    out, report = trim_weights([1, 1, 1, 4, 13], upper=5, redistribute="equal", max_iter=1)
    np.testing.assert_allclose(out, [3, 3, 3, 6, 5])
    out, _ = trim_weights([1, 1, 1, 4, 13], upper=5, redistribute="equal")  # strict: repeat
    assert out.max() <= 5 and abs(out.sum() - 20) < 1e-12


# ---------------------------------------------------------------------------------------------
# response-propensity classes
# ---------------------------------------------------------------------------------------------

def test_propensity_model_and_classes_match_r():
    data = pd.read_csv(GOLDEN / "apistrat_propensity_weights.csv", dtype={"cds": str})
    model = pd.read_csv(GOLDEN / "apistrat_propensity_model.csv")
    res = propensity_adjust(data, "pw", "resp", ["stype", "yr.rnd", "enroll_band", "api99"], numeric=["api99"],
                            n_classes=5, min_class_size=1, strata="stype", psu="psu", nest=True)
    coef = res.coefficients
    # R names treatment dummies by pasting column and level; ours are "column=level"
    assert list(coef["term"].str.replace("=", "", regex=False)) == list(model["term"])
    np.testing.assert_allclose(coef["estimate"], model["estimate"], rtol=1e-9)
    np.testing.assert_allclose(coef["se"], model["se"], rtol=1e-9)
    assert (coef["df"] == model["df"]).all()
    np.testing.assert_allclose(res.propensity, data["propensity"], rtol=1e-9)
    assert (res.propensity_class == data["class"].to_numpy()).all()
    np.testing.assert_allclose(res.weights, data["adjusted_weight"], rtol=1e-10)
    assert list(res.classes["quantile_classes"]) == ["1", "2", "3", "4", "5"]


def _propensity_example() -> pd.DataFrame:
    return pd.DataFrame({"g": list("aaaabbbb"), "w": [10, 10, 20, 20, 5, 5, 5, 15],
                         "r": [1, 0, 1, 1, 1, 0, 0, 1]})


def test_propensity_hand_example():
    # One binary covariate: the model is saturated, so the fitted propensity is the weighted
    # response rate of each cell: a 50/60 = 5/6, b 20/30 = 2/3. Two classes cut at the median
    # of the 8 propensities (type 7: (2/3 + 5/6) / 2), so the classes are the cells and the
    # factors are 6/5 and 3/2.
    s = _propensity_example()
    res = propensity_adjust(s, "w", "r", ["g"], n_classes=2, min_class_size=1)
    np.testing.assert_allclose(res.propensity, [5 / 6] * 4 + [2 / 3] * 4, rtol=1e-10)
    np.testing.assert_allclose(res.weights, [12, 0, 24, 24, 7.5, 0, 0, 22.5], rtol=1e-10)
    np.testing.assert_allclose(res.coefficients["estimate"], [np.log(5), np.log(2) - np.log(5)], rtol=1e-9)
    assert list(res.coefficients["term"]) == ["(Intercept)", "g=b"]
    c = res.classes.set_index("class")
    np.testing.assert_allclose(c["factor"], [1.5, 1.2], rtol=1e-10)
    assert list(c["sampled"]) == [4, 4] and list(c["respondents"]) == [2, 3]
    np.testing.assert_allclose(c["weighted_response_rate"], [2 / 3, 5 / 6], rtol=1e-10)
    # every factor of VDK 13.5.2 is the same here but the unweighted rate (b: 2/4, a: 3/4)
    for factor in ("mean_propensity", "weighted_mean_propensity", "median_propensity"):
        alt = propensity_adjust(s, "w", "r", ["g"], n_classes=2, min_class_size=1, factor=factor)
        np.testing.assert_allclose(alt.weights, res.weights, rtol=1e-9)
    alt = propensity_adjust(s, "w", "r", ["g"], n_classes=2, min_class_size=1, factor="unweighted_rate")
    np.testing.assert_allclose(alt.weights, [40 / 3, 0, 80 / 3, 80 / 3, 10, 0, 0, 30], rtol=1e-10)
    # a class below min_class_size merges with its neighbour: one class, one factor
    merged = propensity_adjust(s, "w", "r", ["g"], n_classes=2, min_class_size=3)
    assert list(merged.classes["quantile_classes"]) == ["1+2"]
    np.testing.assert_allclose(merged.weights, s["w"] * s["r"] * 90 / 70, rtol=1e-10)


def test_propensity_errors():
    s = _propensity_example()
    with pytest.raises(WeightingError, match="no covariate column 'h'"):
        propensity_adjust(s, "w", "r", ["h"])
    with pytest.raises(WeightingError, match="'g' has a single level"):
        propensity_adjust(s.assign(g="a"), "w", "r", ["g"])
    with pytest.raises(WeightingError, match="term 'h=y' is collinear"):
        propensity_adjust(s.assign(h=s["g"].map({"a": "x", "b": "y"})), "w", "r", ["g", "h"])
    with pytest.raises(WeightingError, match="factor must be one of"):
        propensity_adjust(s, "w", "r", ["g"], factor="mean")
    bad = s.astype({"g": object})
    bad.loc[2, "g"] = None
    with pytest.raises(WeightingError, match="covariate 'g' is missing at row positions 2"):
        propensity_adjust(bad, "w", "r", ["g"])


@st.composite
def propensity_problems(draw):
    n = draw(st.integers(40, 150))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    data = pd.DataFrame({"a": rng.choice(["x", "y", "z"], n), "b": rng.choice(["p", "q"], n),
                         "age": rng.integers(18, 70, n)})
    lin = 0.8 + 0.5 * (data["a"] == "y") - 0.4 * (data["b"] == "q") + 0.02 * (data["age"] - 45)
    r = (rng.uniform(size=n) < 1 / (1 + np.exp(-lin.to_numpy()))).astype(int)
    w = rng.uniform(1, 8, n)
    return data, w, r, draw(st.integers(2, 6)), draw(st.integers(1, 10))


@_PROP
@given(propensity_problems(), st.randoms(use_true_random=False))
def test_propensity_adjustment_preserves_totals(problem, rnd):
    data, w, r, k, min_size = problem
    assume(0 < r.sum() < len(r))
    for c in ("a", "b"):
        assume(data[c].nunique() > 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = propensity_adjust(data, w, r, ["a", "b", "age"], numeric=["age"], n_classes=k, min_class_size=min_size)
    assert np.all(res.weights[r == 0] == 0) and np.all(res.weights[r == 1] > 0)
    np.testing.assert_allclose(res.weights.sum(), w.sum(), rtol=1e-12)
    cls = res.propensity_class
    np.testing.assert_allclose(np.bincount(cls, weights=res.weights), np.bincount(cls, weights=w), rtol=1e-12)
    assert (res.classes["respondents"] >= min_size).all() or len(res.classes) == 1
    assert len(res.classes) <= k
    # classes are contiguous intervals of the propensity
    assert np.all(res.classes["propensity_max"].to_numpy()[:-1] <= res.classes["propensity_min"].to_numpy()[1:])
    perm = np.array(rnd.sample(range(len(data)), len(data)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res_p = propensity_adjust(data.iloc[perm], w[perm], r[perm], ["a", "b", "age"], numeric=["age"],
                                  n_classes=k, min_class_size=min_size)
    np.testing.assert_allclose(res_p.weights, res.weights[perm], rtol=1e-8)


# ---------------------------------------------------------------------------------------------
# the chain: config, trimming, re-raking, replay on a design, diagnostics
# ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def config() -> dict:
    return yaml.safe_load(CONFIG.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def small_round(synthetic_population):
    """A synthetic population of 20,000, a stratified cluster sample with nonresponse, margins."""
    rng = np.random.default_rng(4)
    npop = 20000
    pop, margins = synthetic_population(rng, npop, urban=0.85)
    # unequal probabilities within strata, so some weights are large
    prob = pop["stratum"].map({"haibowan-urban": 0.05, "haibowan-rural": 0.15, "hainan-urban": 0.1,
                               "hainan-rural": 0.2, "wuda-urban": 0.1, "wuda-rural": 0.25}).to_numpy()
    pop["selection_prob"] = prob * np.where(rng.uniform(size=npop) < 0.1, 0.25, 1.0)
    sample = pop[rng.uniform(size=npop) < pop["selection_prob"].to_numpy()].copy()
    sample["respondent_id"] = [f"S{i:05d}" for i in range(len(sample))]
    sample["psu"] = sample["stratum"] + "-" + rng.integers(0, 6, len(sample)).astype(str)
    p = 1 / (1 + np.exp(-(0.9 + 0.03 * (sample["age"] - 45) - 0.3 * (sample["sex"] == "male"))))
    sample["responded"] = (rng.uniform(size=len(sample)) < p.to_numpy()).astype(int)
    responses = sample[sample["responded"] == 1].drop(columns=["responded", "age_band"]).reset_index(drop=True)
    sample = sample.drop(columns=["education", "age_band"]).reset_index(drop=True)
    return pop, sample, responses, margins


def _with(config: dict, **weighting) -> dict:
    """The config with these weighting sections, read again (defaults filled, checked)."""
    from literacy.assessment import validate_config

    cfg = copy.deepcopy(config)
    for key, value in weighting.items():
        cfg["weighting"][key] = value
    return validate_config(cfg)


TRIM = {"upper": {"median": 2.5}, "lower": {"median": 0.3}, "by": "district", "rerake": True}


def test_chain_with_trimming_and_rerake(config, small_round):
    pop, sample, responses, margins = small_round
    res = weight_round(sample, responses, margins, _with(config, trimming=TRIM))
    d = res.diagnostics
    assert list(d["stage"].unique()) == ["base", "nonresponse", "raked", "trimmed", "reraked"]
    city = d[d["domain"] == "all"].set_index("stage")
    assert city.loc["trimmed", "n_trimmed"] > 0 and city.loc["raked", "n_trimmed"] == 0
    by_district = d[(d["stage"] == "trimmed") & (d["domain"] != "all")]["n_trimmed"].sum()
    assert by_district == city.loc["trimmed", "n_trimmed"] == res.trimming_report["n_trimmed"].sum()
    # trimming within districts keeps the district totals (= the census counts after raking)
    trimmed = d[d["stage"] == "trimmed"].set_index("domain")
    np.testing.assert_allclose(trimmed["sum_weights"], trimmed["population"], rtol=1e-8)
    assert city.loc["trimmed", "max_min_ratio"] < city.loc["raked", "max_min_ratio"]
    # the final weights meet the margins again
    m = res.margins.set_index("stage")
    assert m.loc["reraked", "rel_error"].max() < 1e-8 and m.loc["raked", "rel_error"].max() < 1e-8
    assert m.loc["trimmed", "rel_error"].max() > 1e-6          # trimming moved the margins ...
    assert m.loc["nonresponse", "rel_error"].max() > 1e-3       # ... and so did nonresponse
    assert "education" not in set(m.loc["base", "margin"])      # not a frame variable
    assert {"district+sex+age_band", "residence"} <= set(m.loc["base", "margin"])
    np.testing.assert_allclose(res.weights, res.stage_weights["reraked"])
    np.testing.assert_allclose(res.weights.sum(), len(pop), rtol=1e-8)


def test_replayed_steps_give_the_final_weights_and_raking_aware_design(config, small_round):
    _, sample, responses, margins = small_round
    cfg = _with(config, trimming=TRIM)
    res = weight_round(sample, responses, margins, cfg)
    assert [s["step"] for s in res.calibration_steps] == ["rake", "trim", "rake"]
    data = responses.assign(age_band=pd.cut(responses["age"], [17, 29, 39, 49, 59, 69],
                                            labels=["18-29", "30-39", "40-49", "50-59", "60-69"]).astype(str))
    design = SurveyDesign(data, weights=res.nonresponse_weights.to_numpy(), strata="stratum", psu="psu")
    steps = json.loads(json.dumps(res.calibration_steps))   # as the flow passes them (JSON)
    final = apply_calibration_steps(design, steps)
    np.testing.assert_allclose(final.weights, res.weights.to_numpy(), rtol=1e-12)
    assert [type(c).__name__ for c in final.calibration] == ["Raking", "Raking"]
    # without trimming: one raking, and the weights of the chain
    res0 = weight_round(sample, responses, margins, config)
    final0 = apply_calibration_steps(design, res0.calibration_steps)
    np.testing.assert_allclose(final0.weights, res0.weights.to_numpy(), rtol=1e-12)
    assert len(final0.calibration) == 1
    with pytest.raises(WeightingError, match="expected 'rake' or 'trim'"):
        apply_calibration_steps(design, [{"step": "smooth"}])


def test_chain_with_propensity_classes(config, small_round):
    _, sample, responses, margins = small_round
    cfg = _with(config, nonresponse={**config["weighting"]["nonresponse"], "method": "propensity"})
    res = weight_round(sample, responses, margins, cfg)
    base_total = (1 / sample["selection_prob"]).sum()
    np.testing.assert_allclose(res.nonresponse_weights.sum(), base_total, rtol=1e-12)
    assert len(res.nonresponse_report) == 5 and res.nonresponse_report["respondents"].min() >= 20
    terms = set(res.propensity_model["term"])
    assert {"(Intercept)", "district=hainan", "sex=male", "age_band=60-69", "residence=urban"} <= terms
    assert res.propensity_model["se"].gt(0).all()
    # the young and men respond less in this sample: the model says so
    coef = res.propensity_model.set_index("term")["estimate"]
    assert coef["sex=male"] < 0 and coef["age_band=60-69"] > 0
    assert res.margin_check["rel_error"].max() < 1e-8


def test_chain_outputs_pass_their_schemas(config, small_round):
    import literacy_schemas as S

    _, sample, responses, margins = small_round
    cfg = _with(config, trimming={**TRIM, "cycles": 2})
    res = weight_round(sample, responses, margins, cfg)
    diag = res.diagnostics.copy()
    diag.insert(0, "round", "2020")
    S.validate(diag, S.weights_diagnostics_schema(config), "weights_diagnostics", line_offset=None)
    marg = res.margins.copy()
    marg.insert(0, "round", "2020")
    S.validate(marg, S.weights_margins_schema(config), "weights_margins", line_offset=None)
    assert set(diag["stage"]) <= {"base", "nonresponse", "raked", "trimmed", "reraked", "trimmed_2", "reraked_2"}
    bad = marg.assign(abs_error=marg["abs_error"] + 1.0)
    with pytest.raises(Exception, match="abs_error"):
        S.validate(bad, S.weights_margins_schema(config), "weights_margins", line_offset=None)


@pytest.mark.parametrize("section, value, words", [
    ("nonresponse", {"method": "model", "classes": ["district"]},
     r"^config: weighting.nonresponse.method must be 'classes' or 'propensity', not 'model'$"),
    ("nonresponse", {"method": "propensity", "classes": [], "propensity": {"covariates": []}},
     r"^config: weighting.nonresponse: propensity.covariates is empty$"),
    ("nonresponse", {"classes": ["district"], "propensity": {"n_classes": 0}},
     r"^config: weighting.nonresponse.propensity.n_classes must be ≥ 1, not 0$"),
    ("trimming", {"upper": {"top": 3}}, r"^config: weighting.trimming.upper.top is not a known setting"),
    ("trimming", {"rerake": "yes", "upper": 5}, r"^config: weighting.trimming.rerake must be true or false, not 'yes'$"),
    ("trimming", {"enabled": True}, r"^config: weighting.trimming: needs 'upper' and/or 'lower' caps$"),
    ("trimming", {"enable": False, "upper": 5},
     r"^config: weighting.trimming.enable is not a known setting; did you mean weighting.trimming.enabled\?$"),
    ("raking", {"margins": "district"}, r"^config: weighting.raking.margins must be a list, not 'district'$"),
])
def test_config_errors_name_the_key(config, section, value, words):
    with pytest.raises(ConfigError, match=words):
        _with(config, **{section: value})


def test_default_config_options(config):
    opts = weighting_options(config)
    assert opts["nonresponse"]["method"] == "classes" and opts["trimming"] is None   # Wuhai: trimming off
    assert opts["nonresponse"]["propensity"]["covariates"] == ["district", "residence", "sex", "age_band"]
    on = weighting_options(_with(config, trimming={**config["weighting"]["trimming"], "enabled": True}))
    assert on["trimming"]["upper"] == {"median": 3.5} and on["trimming"]["by"] == "district"


# ---------------------------------------------------------------------------------------------
# bias table on the default simulation
# ---------------------------------------------------------------------------------------------

def _domain_shares(data: pd.DataFrame, w: np.ndarray, config: dict, levels: list[str]) -> pd.DataFrame:
    """Weighted shares of the city, each district and each key group (point estimates)."""
    masks = {("city", "all"): np.ones(len(data), dtype=bool)}
    district = data["district"].astype(str).to_numpy()
    masks.update({("district", d): district == d for d in np.unique(district)})
    masks.update({("group", g["code"]): data[f"group_{g['code']}"].to_numpy() == 1 for g in config["groups"]})
    keys = list(masks)
    member = np.column_stack([masks[k] for k in keys]).astype(float)     # n x domains
    y = data[levels].to_numpy(dtype=float)                                 # n x levels
    shares = (member * w[:, None]).T @ y / (member * w[:, None]).sum(axis=0)[:, None]
    out = pd.DataFrame(shares, columns=levels, index=pd.MultiIndex.from_tuples(keys, names=["breakdown", "domain"]))
    return out.stack().rename("estimate").rename_axis(["breakdown", "domain", "level"]).reset_index()


def test_full_chain_is_closer_to_the_simulated_truth_than_base_weights(config):
    from literacy.assessment import validate_config
    from literacy.domains import add_derived
    from literacy.scoring import score_responses
    from literacy.simulate import simulate_programme

    cfg = validate_config(config)
    programme = simulate_programme(config)          # full scale, the config's seed
    levels = [lv["code"] for lv in cfg["scoring"]["levels"]]
    frames = []
    for rid, rnd in programme.rounds.items():
        form = programme.instruments[rid]            # each round is scored on its own form
        items = form["item_id"].astype(str).tolist()
        scores = score_responses(rnd.responses, form, cfg["scoring"])
        data = add_derived(pd.concat([rnd.responses.drop(columns=items), scores], axis=1), cfg)
        chain = weight_round(rnd.sample, data, rnd.margins, cfg).weights.to_numpy()
        base = 1 / data[cfg["design"]["selection_prob"]].to_numpy(dtype=float)
        est = _domain_shares(data, base, cfg, levels).rename(columns={"estimate": "base"})
        est["chain"] = _domain_shares(data, chain, cfg, levels)["estimate"]
        truth = rnd.truth.astype({"domain": str}).set_index(["breakdown", "domain", "level"])["rate"]
        est["truth"] = truth.loc[pd.MultiIndex.from_frame(est[["breakdown", "domain", "level"]])].to_numpy()
        est.insert(0, "round", rid)
        frames.append(est)
    table = pd.concat(frames, ignore_index=True)
    table["base_error"] = table["base"] - table["truth"]
    table["chain_error"] = table["chain"] - table["truth"]
    mse = table[["base_error", "chain_error"]].pow(2).mean()
    by_level = table.groupby("level")[["base_error", "chain_error"]].apply(lambda t: t.pow(2).mean())
    shown = (f"\nbias table (shares; {len(table)} domain x level x round cells):\n"
             f"{table.round(4).to_string(index=False)}\nMSE by level:\n{by_level.to_string()}\n"
             f"MSE: base {mse['base_error']:.3g}, full chain {mse['chain_error']:.3g}")
    assert len(table) == 2 * 9 * len(levels), shown
    assert mse["chain_error"] < mse["base_error"], shown


# ---------------------------------------------------------------------------------------------
# eligibility: unknown eligibility and not-eligible cases (Valliant, Dever & Kreuter 2018, 13.2)
# ---------------------------------------------------------------------------------------------

def test_eligibility_hand_example():
    from literacy.weighting import eligibility_adjust, nonresponse_adjust

    s = pd.DataFrame({"cls": ["A"] * 4 + ["B"] * 4,
                      "disposition": ["complete", "refusal", "not_eligible", "unknown_eligibility",
                                      "complete", "complete", "non_contact", "unknown_eligibility"],
                      "responded": [1, 0, 0, 0, 1, 1, 0, 0]})
    base = np.array([10, 10, 20, 20, 5, 5, 10, 10], dtype=float)
    w, report = eligibility_adjust(s, base, ["cls"], min_class_size=1)
    # A: 60 / 40 resolved = 1.5; B: 30 / 20 = 1.5; unknown and not eligible -> 0
    np.testing.assert_allclose(w, [15, 15, 0, 0, 7.5, 7.5, 15, 0])
    r = report.set_index("cls")
    assert r.loc["A", "not_eligible"] == 1 and r.loc["B", "not_eligible"] == 0
    assert list(r["resolved"]) == [3, 3] and list(r["sampled"]) == [4, 4]
    np.testing.assert_allclose(r["weighted_eligible_rate"], [30 / 60, 1.0])
    np.testing.assert_allclose(r["factor"], [1.5, 1.5])
    # then the nonresponse adjustment: A's interview carries the eligible 30 (of 60 sampled), B's two 15 each
    final, _ = nonresponse_adjust(s, w, "responded", ["cls"], min_class_size=1)
    np.testing.assert_allclose(final, [30, 0, 0, 0, 15, 15, 0, 0])
    with pytest.raises(WeightingError, match="no column 'disposition'"):
        eligibility_adjust(s.drop(columns="disposition"), base, ["cls"])
    with pytest.raises(WeightingError, match="missing at row position 2"):
        eligibility_adjust(s.assign(disposition=s["disposition"].replace({"not_eligible": None})), base, ["cls"])


def test_the_eligibility_names_are_the_dispositions_of_aapor_u_and_ne():
    from literacy.quality import DISPOSITIONS
    from literacy.weighting.eligibility import NOT_ELIGIBLE, UNKNOWN_ELIGIBILITY

    assert DISPOSITIONS[UNKNOWN_ELIGIBILITY] == "U" and DISPOSITIONS[NOT_ELIGIBLE] == "NE"


def _dispositions(sample: pd.DataFrame, not_eligible: float, unknown: float, seed: int = 7) -> pd.Series:
    u = np.random.default_rng(seed).uniform(size=len(sample))
    out = np.where(u < not_eligible, "not_eligible", np.where(u < not_eligible + unknown, "unknown_eligibility",
                                                              "refusal"))
    return pd.Series(np.where(sample["responded"] == 1, "complete", out), index=sample.index)


def test_without_a_not_eligible_case_the_two_steps_are_the_one_step_adjustment(small_round):
    from literacy.weighting import eligibility_adjust, needs_eligibility_adjustment, nonresponse_adjust

    _, sample, _, _ = small_round
    s = sample.assign(disposition=_dispositions(sample, 0.0, 0.3))
    assert not needs_eligibility_adjustment(s) and needs_eligibility_adjustment(
        s.assign(disposition=_dispositions(sample, 0.05, 0.3)))
    base = 1 / s["selection_prob"].to_numpy()
    one, _ = nonresponse_adjust(s, base, "responded", ["district", "sex"], min_class_size=1)
    first, _ = eligibility_adjust(s, base, ["district", "sex"], min_class_size=1)
    two, _ = nonresponse_adjust(s, first, "responded", ["district", "sex"], min_class_size=1)
    np.testing.assert_allclose(two, one, rtol=1e-12)


def test_not_eligible_cases_leave_the_population(config, small_round):
    _, sample, responses, margins = small_round
    # not eligible and refusals only: the chain is the chain on the sample without the not eligible
    s = sample.assign(disposition=_dispositions(sample, 0.3, 0.0))
    res = weight_round(s, responses, margins, config)
    alone = weight_round(sample[s["disposition"] != "not_eligible"].reset_index(drop=True), responses, margins, config)
    np.testing.assert_allclose(res.nonresponse_weights, alone.nonresponse_weights, rtol=1e-12)
    assert res.eligibility_report["not_eligible"].sum() == (s["disposition"] == "not_eligible").sum()
    base_total = (1 / sample["selection_prob"]).sum()
    assert res.nonresponse_weights.sum() < 0.9 * base_total      # the not eligible's weights are gone
    # with unknown eligibility too: the weights sum to each class's total x its eligible share of the resolved
    s = sample.assign(disposition=_dispositions(sample, 0.1, 0.2))
    res = weight_round(s, responses, margins, _with(config, nonresponse={**config["weighting"]["nonresponse"],
                                                                         "classes": ["district"]}))
    d = s.assign(w=1 / s["selection_prob"], resolved=s["disposition"] != "unknown_eligibility",
                 eligible=~s["disposition"].isin(["unknown_eligibility", "not_eligible"]))
    by = d.groupby("district")
    expected = (by["w"].sum() * d[d["eligible"]].groupby("district")["w"].sum()
                / d[d["resolved"]].groupby("district")["w"].sum()).sum()
    np.testing.assert_allclose(res.nonresponse_weights.sum(), expected, rtol=1e-10)
    # the propensity method: the eligibility step within the strata, then propensity classes of the eligible
    cfg = _with(config, nonresponse={**config["weighting"]["nonresponse"], "method": "propensity"})
    res = weight_round(s, responses, margins, cfg)
    assert set(res.eligibility_report["stratum"]) == set(s["stratum"])
    assert res.nonresponse_report["sampled"].sum() == d["eligible"].sum()
