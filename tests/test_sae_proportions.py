"""Arcsine Fay–Herriot for proportions, generalised variance function and ratio benchmarking.

Expected values are closed forms (E sin²θ = (1 - e^{-2v} cos 2μ)/2 for θ ~ N(μ, v)), an
independent numerical integral (scipy's adaptive ``quad``), hand calculations, and the
delta method as a statistical check of the bootstrap MSE.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats

from literacy.errors import DataError
from literacy.sae import (Benchmark, arcsin_expectation, fay_herriot, fay_herriot_proportion, gvf_variances, pooled_deff,
                          ratio_benchmark)
from literacy.sae.benchmark import benchmark_replicates


def cells(m=50, seed=1, deff=1.5):
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 1, m)
    theta = np.arcsin(np.sqrt(0.3 + 0.4 * x)) + rng.normal(0, 0.08, m)
    n = rng.integers(20, 200, m).astype(float)
    p = np.clip(np.sin(theta + rng.normal(0, np.sqrt(deff / (4 * n)))) ** 2, 0, 1)
    return pd.DataFrame({"cell": [f"c{i}" for i in range(m)], "p": p, "n": n, "x": x, "deff": deff})


# --------------------------------------------------------------------------- back-transformation
@pytest.mark.parametrize("mu, v", [(0.7, 0.01), (0.4, 0.003), (1.0, 0.005)])
def test_bias_correction_is_the_normal_expectation_of_sin2(mu, v):
    # far from 0 and π/2 the truncation is immaterial: E sin²θ = (1 - exp(-2v) cos 2μ) / 2
    assert arcsin_expectation(mu, v) == pytest.approx((1 - np.exp(-2 * v) * np.cos(2 * mu)) / 2, abs=1e-12)


@pytest.mark.parametrize("mu, v", [(1.5, 0.04), (0.05, 0.01), (1.62, 0.002), (-0.02, 0.05)])
def test_truncation_at_the_ends_matches_a_numerical_integral(mu, v):
    s = np.sqrt(v)

    def h(t):
        return 0.0 if t < 0 else 1.0 if t > np.pi / 2 else np.sin(t) ** 2

    expected = integrate.quad(lambda t: h(t) * stats.norm.pdf(t, mu, s), mu - 12 * s, mu + 12 * s,
                              points=[0.0, np.pi / 2], limit=200, epsabs=1e-13)[0]
    assert arcsin_expectation(mu, v) == pytest.approx(expected, abs=1e-10)


def test_zero_variance_is_the_naive_back_transformation():
    mu = np.array([-0.1, 0.3, 1.2, 1.7])
    np.testing.assert_allclose(arcsin_expectation(mu, 0.0), np.sin(np.clip(mu, 0, np.pi / 2)) ** 2)


# --------------------------------------------------------------------------- the model
def test_model_is_fay_herriot_on_the_arcsine_scale():
    d = cells()
    res = fay_herriot_proportion(d, "p ~ x", "n", deff="deff", B=0, area="cell")
    e = res.estimates
    np.testing.assert_allclose(e["variance"], 1.5 / (4 * d["n"]))
    np.testing.assert_allclose(e["n_eff"], d["n"] / 1.5)
    manual = d.assign(y=np.arcsin(np.sqrt(d["p"])), psi=1.5 / (4 * d["n"]))
    fit = fay_herriot(manual, "y ~ x", "psi")
    np.testing.assert_allclose(e["eblup_asin"], fit.estimates["eblup"], rtol=1e-12)
    np.testing.assert_allclose(e["mse_asin"], fit.estimates["mse"], rtol=1e-12)
    # point estimate: the expectation over N(EBLUP, γψ)
    v = fit.estimates["gamma"] * manual["psi"]
    np.testing.assert_allclose(e["estimate"], (1 - np.exp(-2 * v) * np.cos(2 * fit.estimates["eblup"])) / 2,
                               atol=1e-10)
    assert e["mse"].isna().all() and res.B == 0


def test_cell_with_zero_respondents_is_flagged_and_predicted_synthetically():
    d = cells(m=20)
    d.loc[7, "n"] = 0
    d.loc[7, "p"] = np.nan
    d.loc[3, "p"] = 0.0          # no events: finite ψ on the arcsine scale
    d.loc[4, "p"] = 1.0
    res = fay_herriot_proportion(d, "p ~ x", "n", deff="deff", B=50, seed=2, area="cell")
    e = res.estimates
    row = e.iloc[7]
    assert not row["in_sample"] and row["is_synthetic"] and row["flag"].startswith("no respondents")
    s2 = res.model.sigma2_u
    mu = res.model.estimates["synthetic"].iloc[7]
    assert row["eblup_asin"] == pytest.approx(mu)
    assert row["estimate"] == pytest.approx(arcsin_expectation(mu, s2))   # u unknown: v = σ²_u
    assert np.isfinite(e[["estimate", "rmse", "ci_low", "ci_high"]].to_numpy()).all()
    assert any("c7" in n for n in res.notes)
    assert (e["flag"].drop(index=7) == "").all()


def test_bootstrap_is_reproducible_with_a_seed():
    d = cells()
    a = fay_herriot_proportion(d, "p ~ x", "n", deff="deff", B=100, seed=11).estimates
    b = fay_herriot_proportion(d, "p ~ x", "n", deff="deff", B=100, seed=11).estimates
    c = fay_herriot_proportion(d, "p ~ x", "n", deff="deff", B=100, seed=12).estimates
    pd.testing.assert_frame_equal(a, b)
    assert not np.allclose(a["mse"], c["mse"])
    np.testing.assert_allclose(a["estimate"], c["estimate"])      # the point estimates need no seed


def test_bootstrap_mse_agrees_with_the_delta_method():
    # p = sin²θ: dp/dθ = sin 2θ, so mse_p ≈ sin²(2θ̂) mse_θ (Prasad–Rao on the arcsine scale)
    e = fay_herriot_proportion(cells(m=60, seed=5), "p ~ x", "n", deff="deff", B=2000, seed=3).estimates
    ratio = e["mse"] / (np.sin(2 * e["eblup_asin"]) ** 2 * e["mse_asin"])
    assert 0.8 < ratio.median() < 1.2
    assert ((e["ci_low"] <= e["estimate"]) & (e["estimate"] <= e["ci_high"])).all()
    assert ((e["ci_low"] >= 0) & (e["ci_high"] <= 1)).all()
    np.testing.assert_allclose(e["cv"], e["rmse"] / e["estimate"])


def test_bootstrap_200_on_50_areas_is_fast():
    d = cells(m=50)
    fay_herriot_proportion(d, "p ~ x", "n", deff="deff", B=20, seed=1)     # warm-up (imports)
    t0 = time.perf_counter()
    fay_herriot_proportion(d, "p ~ x", "n", deff="deff", B=200, seed=1)
    assert time.perf_counter() - t0 < 1.0


def test_bad_inputs_name_the_cell():
    d = cells(m=10)
    d.loc[2, "p"] = 1.2
    with pytest.raises(DataError, match=r"\[0, 1\].*c2"):
        fay_herriot_proportion(d, "p ~ x", "n", area="cell", B=0)
    d = cells(m=10)
    d.loc[5, "n"] = -3
    with pytest.raises(DataError, match="c5"):
        fay_herriot_proportion(d, "p ~ x", "n", area="cell", B=0)
    d = cells(m=10)
    d.loc[6, "x"] = np.nan
    with pytest.raises(DataError, match=r"of 'p ~ x' is missing for area\(s\) c6"):
        fay_herriot_proportion(d, "p ~ x", "n", area="cell", B=0)


# --------------------------------------------------------------------------- GVF
def gvf_cells():
    return pd.DataFrame({"district": ["n", "n", "s", "s"], "p": [0.5, 0.2, 0.9, np.nan],
                         "n": [10, 30, 60, 0], "deff": [1.2, 1.8, 2.0, np.nan]})


def test_gvf_pools_the_respondent_weighted_mean_deff():
    g = gvf_variances(gvf_cells(), "p", "n", "deff")
    pooled = (10 * 1.2 + 30 * 1.8 + 60 * 2.0) / 100                     # 1.86
    np.testing.assert_allclose(g["deff_pooled"], pooled)
    np.testing.assert_allclose(g["variance"].iloc[:3], [0.25 * 1.86 / 10, 0.16 * 1.86 / 30, 0.09 * 1.86 / 60])
    np.testing.assert_allclose(g["variance_raw"].iloc[:3], [0.25 * 1.2 / 10, 0.16 * 1.8 / 30, 0.09 * 2.0 / 60])
    assert np.isnan(g["variance"].iloc[3]) and g["flag"].iloc[3] == "no respondents"
    by = pooled_deff(gvf_cells(), "deff", "n", by="district")
    np.testing.assert_allclose(by, [(12 + 54) / 40, (12 + 54) / 40, 2.0, 2.0])


def test_gvf_loglinear_is_a_weighted_line_in_logs():
    d = pd.DataFrame({"p": 0.4, "n": [5, 20, 50, 120, 300], "deff": [1.1, 1.3, 1.6, 2.2, 2.9]})
    g = gvf_variances(d, "p", "n", "deff", method="loglinear")
    b, a = np.polyfit(np.log(d["n"]), np.log(d["deff"]), 1, w=np.sqrt(d["n"]))   # weights n on squares
    np.testing.assert_allclose(g["deff_pooled"], np.exp(a + b * np.log(d["n"])), rtol=1e-10)


# --------------------------------------------------------------------------- benchmarking
def bench_cells():
    return pd.DataFrame({"district": ["A", "A", "B", "B", "B"], "eblup": [0.5, 0.7, 0.2, 0.3, 0.4],
                         "share": [0.4, 0.6, 0.2, 0.5, 0.3], "direct_district": [0.66, 0.66, 0.3, 0.3, 0.3],
                         "mse": [0.01, 0.02, 0.01, 0.01, 0.01]})


def test_benchmarked_cells_add_to_the_district_estimate():
    d = bench_cells()
    b = ratio_benchmark(d, "eblup", "share", "district", "direct_district", mse="mse")
    f_a, f_b = 0.66 / (0.4 * 0.5 + 0.6 * 0.7), 0.3 / (0.2 * 0.2 + 0.5 * 0.3 + 0.3 * 0.4)
    np.testing.assert_allclose(b["factor"], [f_a, f_a, f_b, f_b, f_b])
    np.testing.assert_allclose(b["benchmarked"], d["eblup"] * b["factor"])
    np.testing.assert_allclose(b["mse_benchmarked"], d["mse"] * b["factor"] ** 2)
    sums = (b["share"] * b["benchmarked"]).groupby(d["district"]).sum()
    assert sums["A"] == pytest.approx(0.66, abs=1e-15) and sums["B"] == pytest.approx(0.3, abs=1e-15)
    by_map = ratio_benchmark(d, "eblup", "share", "district", {"A": 0.66, "B": 0.3})
    np.testing.assert_allclose(by_map["benchmarked"], b["benchmarked"])


def test_benchmark_errors_name_the_district():
    d = bench_cells()
    d.loc[4, "share"] = 0.4
    with pytest.raises(DataError, match="add to 1.*B"):
        ratio_benchmark(d, "eblup", "share", "district", "direct_district")
    with pytest.raises(DataError, match="target.*B"):
        ratio_benchmark(bench_cells(), "eblup", "share", "district", {"A": 0.66})


# --------------------------------------------------------------------------- benchmark uncertainty
def test_benchmark_replicates_by_hand():
    # district 0: one cell (share 1); district 1: two cells (shares 0.25, 0.75)
    p_hat = np.array([[0.30, 0.20, 0.40]])
    p_true = np.array([[0.32, 0.22, 0.38]])
    err = np.array([[0.01, -0.02, 0.04]])
    share = np.array([1.0, 0.25, 0.75])
    out = benchmark_replicates(p_hat, p_true, err, share, np.array([0, 1, 1]), 2)
    # one-cell district: benchmarked to its own direct estimate p* + e*
    assert out[0, 0] == pytest.approx(0.33)
    target = 0.25 * (0.22 - 0.02) + 0.75 * (0.38 + 0.04)      # 0.365
    f = target / (0.25 * 0.20 + 0.75 * 0.40)                   # / 0.35
    np.testing.assert_allclose(out[0, 1:], [0.20 * f, 0.40 * f])


def _districts(seed=4):
    d = cells(m=40, seed=seed)
    d["district"] = np.repeat([f"d{k}" for k in range(10)], 4)
    d["share"] = np.tile([0.1, 0.2, 0.3, 0.4], 10)
    d.loc[d["district"] == "d9", "share"] = [1.0, 0.0, 0.0, 0.0]     # a district that is one cell
    target = (d["p"] * d["share"]).groupby(d["district"]).sum().to_dict()
    return d, target


def test_benchmarked_proportions_keep_the_unbenchmarked_columns_and_add_up():
    d, target = _districts()
    plain = fay_herriot_proportion(d, "p ~ x", "n", deff="deff", B=200, seed=7, area="cell").estimates
    res = fay_herriot_proportion(d, "p ~ x", "n", deff="deff", B=200, seed=7, area="cell",
                                 benchmark=Benchmark("district", "share", target)).estimates
    pd.testing.assert_frame_equal(res[plain.columns], plain)            # no extra random numbers drawn
    ref = ratio_benchmark(plain.assign(district=d["district"], share=d["share"]), "estimate", "share",
                          "district", target)
    np.testing.assert_allclose(res["estimate_benchmarked"], ref["benchmarked"])
    np.testing.assert_allclose(res["benchmark_factor"], ref["factor"])
    sums = (res["estimate_benchmarked"] * d["share"]).groupby(d["district"]).sum()
    np.testing.assert_allclose(sums, pd.Series(target)[sums.index])
    assert (res["ci_low_benchmarked"] <= res["estimate_benchmarked"]).all()
    assert (res["estimate_benchmarked"] <= res["ci_high_benchmarked"]).all()


def test_a_one_cell_district_gets_its_direct_estimates_uncertainty():
    # benchmarked to its own direct estimate, the cell's MSE is the direct estimate's sampling
    # variance (p(1-p) deff / n), not the model's (much smaller) MSE scaled by f²
    d, target = _districts()
    res = fay_herriot_proportion(d, "p ~ x", "n", deff="deff", B=2000, seed=3, area="cell",
                                 benchmark=Benchmark("district", "share", target)).estimates
    i = d.index[(d["district"] == "d9") & (d["share"] == 1.0)][0]
    p, n = d.loc[i, "p"], d.loc[i, "n"]
    direct_var = p * (1 - p) * 1.5 / n
    assert res.loc[i, "estimate_benchmarked"] == pytest.approx(p)
    assert res.loc[i, "mse_benchmarked"] == pytest.approx(direct_var, rel=0.15)
    assert res.loc[i, "mse_benchmarked"] > 1.5 * res.loc[i, "benchmark_factor"] ** 2 * res.loc[i, "mse"]
