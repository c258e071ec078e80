"""Linked estimates from plausible values, the linking error and the linked change.

Checks: identical PV columns reproduce design.proportion exactly with no between
variance (Taylor and replicate designs); the one-call pooling equals per-draw
design.proportion calls combined by hand with Rubin's rules; the logit interval on the
total variance by hand; invariance to scaling the weights (a property test); an
end-to-end recovery of a simulated population share; the jackknife linking error and the
change's error budget by hand (Monseur & Berezner 2007).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st
from scipy import stats

import literacy
from literacy.assessment import DomainSpec
from literacy.measurement import (
    draw_plausible_values, latent_regression, linked_change, linked_estimates, linking_error, rubin_combine,
)
from literacy.measurement.change import CHANGE_COLUMNS
from literacy.measurement.linked import LINKED_COLUMNS

SPECS = [("city", []), ("district", ["district"]), ("sex", ["sex"]), ("district+sex", ["district", "sex"])]
YOUTH = {"code": "youth", "zh": "青少年", "en": "Youth"}


def _sample(n=3000, seed=1):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"stratum": rng.integers(0, 6, n)})
    df["psu"] = df["stratum"] * 100 + rng.integers(0, 6, n)
    df["district"] = np.array(list("ABCDEF"))[df["stratum"]]
    df["sex"] = rng.choice(["m", "f"], n)
    df["group_youth"] = (rng.random(n) < 0.3).astype(int)
    df["w"] = rng.uniform(50, 150, n)
    return df


def _design(df, weights="w"):
    return literacy.SurveyDesign(df, weights=weights, strata="stratum", psu="psu")


@pytest.mark.parametrize("kind", ["taylor", "jkn"])
def test_identical_pvs_reproduce_the_design_proportion(kind):
    df = _sample()
    rng = np.random.default_rng(2)
    theta = rng.normal(size=len(df))
    design = _design(df) if kind == "taylor" else _design(df).replicate("jkn")
    pvs = np.repeat(theta[:, None], 5, axis=1)
    specs = SPECS + [DomainSpec("group", ("group_youth",), YOUTH),
                     DomainSpec("district+group", ("district", "group_youth"), YOUTH)]
    out = linked_estimates(design, pvs, 0.3, specs)
    assert list(out.columns) == LINKED_COLUMNS
    df2 = df.assign(above=(theta > 0.3).astype(float))
    d2 = _design(df2) if kind == "taylor" else _design(df2).replicate("jkn")
    for spec in specs:
        spec = spec if isinstance(spec, DomainSpec) else DomainSpec(spec[0], tuple(spec[1]))
        ref = d2.proportion("above", by=list(spec.by) or None)
        if spec.group is not None:
            ref = ref[ref["group_youth"] == 1]
        got = out[out["breakdown"] == spec.breakdown]
        assert len(got) == len(ref) > 0
        np.testing.assert_array_equal(got["estimate"].to_numpy(), ref["estimate"].to_numpy())
        np.testing.assert_allclose(got["se"].to_numpy(), ref["se"].to_numpy(), rtol=1e-13)
        np.testing.assert_allclose(got["se_sampling"].to_numpy(), ref["se"].to_numpy(), rtol=1e-13)
        np.testing.assert_array_equal(got["se_imputation"].to_numpy(), 0.0)
        np.testing.assert_array_equal(got["n"].to_numpy(), ref["n"].to_numpy())
        np.testing.assert_allclose(got["deff"].to_numpy(), ref["deff"].to_numpy(), rtol=1e-13)
    assert (out["pv_count"] == 5).all()


def test_pooling_equals_per_draw_proportions_combined_by_hand():
    df = _sample(seed=3)
    rng = np.random.default_rng(4)
    M = 6
    pvs = rng.normal(size=(len(df), 1)) + 0.5 * rng.normal(size=(len(df), M))
    design = _design(df)
    out = linked_estimates(design, pvs, 0.0, [("district", ["district"])], level=0.9)
    est, var = [], []
    for k in range(M):                                        # one draw at a time, the plain way
        r = _design(df.assign(y=(pvs[:, k] > 0).astype(float))).proportion("y", by="district")
        est.append(r["estimate"].to_numpy())
        var.append(r["se"].to_numpy() ** 2)
        df_design = r["df"].to_numpy()
    est, var = np.array(est), np.array(var)
    pool = rubin_combine(est, var, df_complete=df_design)
    np.testing.assert_allclose(out["estimate"], est.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(out["se"] ** 2, var.mean(axis=0) + (1 + 1 / M) * est.var(axis=0, ddof=1), rtol=1e-10)
    np.testing.assert_allclose(out["se_imputation"] ** 2, (1 + 1 / M) * est.var(axis=0, ddof=1), rtol=1e-10)
    np.testing.assert_allclose(out["df"], pool.df, rtol=1e-12)
    np.testing.assert_allclose(out["fmi"], pool.fmi, rtol=1e-12)
    # logit interval on the total variance with t on the Barnard-Rubin df, by hand
    p, se, dfs = out["estimate"].to_numpy(), out["se"].to_numpy(), out["df"].to_numpy()
    t = stats.t.ppf(0.95, dfs)
    logit = np.log(p / (1 - p))
    np.testing.assert_allclose(out["ci_low"], 1 / (1 + np.exp(-(logit - t * se / (p * (1 - p))))), rtol=1e-12)
    np.testing.assert_allclose(out["ci_high"], 1 / (1 + np.exp(-(logit + t * se / (p * (1 - p))))), rtol=1e-12)
    assert (out["fmi"] > 0).all() and (out["se_imputation"] > 0).all()


@settings(max_examples=15, deadline=None)
@given(scale=st.floats(min_value=1e-3, max_value=1e3, allow_nan=False))
def test_scaling_the_weights_changes_only_the_population(scale):
    df = _sample(n=800, seed=5)
    rng = np.random.default_rng(6)
    pvs = rng.normal(size=(len(df), 1)) + 0.4 * rng.normal(size=(len(df), 4))
    base = linked_estimates(_design(df), pvs, 0.2, SPECS)
    scaled = linked_estimates(_design(df.assign(w=df["w"] * scale)), pvs, 0.2, SPECS)
    # (deff is left out: the design's SRS variance, as svymean's, has the factor 1 - n / sum(w),
    # which depends on the scale of the weights)
    for col in ["estimate", "se", "se_sampling", "se_imputation", "df", "fmi", "ci_low", "ci_high", "cv"]:
        np.testing.assert_allclose(scaled[col], base[col], rtol=1e-8, atol=1e-12, err_msg=col)
    np.testing.assert_allclose(scaled["population"], base["population"] * scale, rtol=1e-10)


def test_pv_shares_recover_the_true_share_end_to_end():
    # a simulated 2PL assessment on the design: the PV share above the cut against the sample's
    # true-theta share (same respondents, so only measurement error separates them)
    df = _sample(n=4000, seed=7)
    rng = np.random.default_rng(8)
    X = np.column_stack([np.ones(len(df)), (df["sex"] == "m").to_numpy(float)])
    theta = X @ [0.0, 0.4] + 0.9 * rng.normal(size=len(df))
    a, d = rng.uniform(0.8, 1.6, 15), rng.normal(0, 1, 15)
    y = (rng.random((len(df), 15)) < 1 / (1 + np.exp(-(np.outer(theta, a) + d)))).astype(float)
    fit = latent_regression(y, a, d, X, weights=df["w"].to_numpy())
    pvs = draw_plausible_values(y, a, d, X, fit.beta, fit.sigma, m=10, seed=9, weights=df["w"].to_numpy())
    cut = 0.8
    out = linked_estimates(_design(df), pvs, cut, [("city", []), ("sex", ["sex"])])
    truth = _design(df.assign(t=(theta > cut).astype(float))).proportion("t", by=None)["estimate"].iloc[0]
    city = out[out["breakdown"] == "city"].iloc[0]
    assert abs(city["estimate"] - truth) < 4 * city["se_imputation"] + 0.01
    # the EAP share is biased towards the middle; the PV share is not
    eap_share = np.average(fit.eap > cut, weights=df["w"])
    assert abs(city["estimate"] - truth) < abs(eap_share - truth)


def test_linking_error_by_hand():
    c = [0.10, 0.12, 0.08, 0.11]                             # J = 4 leave-one-anchor-out changes
    mean = 0.1025
    ss = (0.10 - mean) ** 2 + (0.12 - mean) ** 2 + (0.08 - mean) ** 2 + (0.11 - mean) ** 2   # 8.75e-4
    assert linking_error(c) == pytest.approx(np.sqrt(3 / 4 * ss))
    assert linking_error(c) == pytest.approx(np.sqrt(0.75 * 8.75e-4))
    assert linking_error(c, change_full=0.10) == pytest.approx(np.sqrt(0.75 * (0 + 4e-4 + 4e-4 + 1e-4)))
    two = linking_error(np.column_stack([c, np.multiply(c, 2)]))
    np.testing.assert_allclose(two, [np.sqrt(0.75 * ss), 2 * np.sqrt(0.75 * ss)])
    with pytest.raises(ValueError):
        linking_error([0.1])


def test_linked_change_by_hand():
    keys = {"breakdown": ["city", "district"], "domain": ["all", "A"], "label_zh": ["全市", "A"],
            "label_en": ["City", "A"], "level": ["proficient", "proficient"]}
    base = pd.DataFrame({**keys, "estimate": [0.30, 0.25], "se_sampling": [0.010, 0.030],
                         "se_imputation": [0.004, 0.010]})
    end = pd.DataFrame({**keys, "estimate": [0.34, 0.24], "se_sampling": [0.012, 0.020],
                        "se_imputation": [0.003, 0.015]})
    out = linked_change(base, end, 0.005, level=0.95)
    assert list(out.columns) == list(keys) + ["baseline", "endline"] + CHANGE_COLUMNS
    se_s = np.sqrt(0.010 ** 2 + 0.012 ** 2)
    se_i = np.sqrt(0.004 ** 2 + 0.003 ** 2)                   # = 0.005
    se_t = np.sqrt(se_s ** 2 + se_i ** 2 + 0.005 ** 2)
    row = out.iloc[0]
    assert row["change"] == pytest.approx(0.04)
    assert row["se_sampling"] == pytest.approx(se_s)
    assert row["se_imputation"] == pytest.approx(0.005)
    assert row["se_total"] == pytest.approx(se_t)
    assert row["ci_low"] == pytest.approx(0.04 - 1.959963984540054 * se_t)
    assert row["p_value"] == pytest.approx(2 * stats.norm.sf(0.04 / se_t))
    # a per-level linking error table
    table = pd.DataFrame({"level": ["proficient"], "se_linking": [0.02]})
    out2 = linked_change(base, end, table)
    assert (out2["se_linking"] == 0.02).all()
    assert out2["se_total"].iloc[1] == pytest.approx(np.sqrt(0.03 ** 2 + 0.02 ** 2 + 0.01 ** 2 + 0.015 ** 2 + 0.02 ** 2))
