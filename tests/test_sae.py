"""Fay–Herriot EBLUP and MSE against R's sae (eblupFH / mseFH), and edge cases by hand.

Golden sources (none is our own output):

* ``golden/sae_milk.csv``: the ``milk`` data set of R's sae 1.3 (``data/milk.rda`` of
  github.com/cran/sae at c5904ed, converted with ``write.csv``): 43 areas of Arora & Lahiri
  (1997) with the 4 major areas of You & Chapman (2006).
* ``golden/emdi_milk15_msefh_{reml,ml}.csv``: ``sae::mseFH(yi ~ as.factor(MajorArea), SD^2)``
  on the first 15 milk areas, written at full precision by emdi's authors as the benchmark of
  their test ``tests/testthat/test_fh_std_spatial_robust.R`` (github.com/SoerenPannier/emdi,
  files ``tests/testthat/FH/fh_reml_sae.csv`` and ``fh_ml_sae.csv``, commit 678fab1).
  Columns EBLUP, MSE and variance (σ²_u).
* ``golden/samplics_milk_fay_herriot.csv``: the EBLUP and MSE of sae's REML, ML and FH fits
  on all 43 areas as printed in samplics' test suite (``tests/sae/test_eblup_area_model.py``,
  github.com/samplics-org/samplics at bd3d6c2, "R SAE package datasets"), in R's print
  format (7 significant digits; FH EBLUPs with 6 decimals), with the REML and ML
  coefficients and standard errors copied below.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from literacy.errors import DataError
from literacy.sae import fay_herriot

GOLDEN = Path(__file__).parent / "golden"
FORMULA = "yi ~ C(MajorArea)"


@pytest.fixture(scope="module")
def milk():
    df = pd.read_csv(GOLDEN / "sae_milk.csv")
    df["var"] = df["SD"] ** 2
    return df


@pytest.fixture(scope="module")
def printed():
    return pd.read_csv(GOLDEN / "samplics_milk_fay_herriot.csv")


# --------------------------------------------------------------------------- sae at full precision
@pytest.mark.parametrize("method", ["REML", "ML"])
def test_first_15_milk_areas_match_sae_msefh_at_full_precision(milk, method):
    ref = pd.read_csv(GOLDEN / f"emdi_milk15_msefh_{method.lower()}.csv")
    fit = fay_herriot(milk.iloc[:15], FORMULA, "var", method)
    # same iteration, start (median ψ), stopping rule (1e-4) and cap as sae: agreement to rounding
    assert fit.sigma2_u == pytest.approx(ref["variance"].iloc[0], rel=1e-10)
    np.testing.assert_allclose(fit.estimates["eblup"], ref["EBLUP"], rtol=1e-10)
    np.testing.assert_allclose(fit.estimates["mse"], ref["MSE"], rtol=1e-10)


def test_diagnostics_from_sae_published_values(milk):
    """Standardised residuals rebuilt from sae's EBLUP and σ²_u alone: x'β̂ = (EBLUP - γ y)/(1 - γ)."""
    ref = pd.read_csv(GOLDEN / "emdi_milk15_msefh_reml.csv")
    d = milk.iloc[:15]
    s2 = ref["variance"].iloc[0]
    gamma = s2 / (s2 + d["var"].to_numpy())
    xb = (ref["EBLUP"].to_numpy() - gamma * d["yi"].to_numpy()) / (1 - gamma)
    expected = (d["yi"].to_numpy() - xb) / np.sqrt(s2 + d["var"].to_numpy())
    fit = fay_herriot(d, FORMULA, "var", "REML")
    np.testing.assert_allclose(fit.std_residuals, expected, rtol=1e-8, atol=1e-12)  # area 15 is alone in its major area: 0
    np.testing.assert_allclose(fit.estimates["gamma"], gamma, rtol=1e-10)
    np.testing.assert_allclose(fit.estimates["synthetic"], xb, rtol=1e-8, atol=1e-12)
    w, pval = stats.shapiro(expected)
    assert fit.shapiro_wilk == pytest.approx((w, pval), rel=1e-6)


# --------------------------------------------------------------------------- sae as printed, 43 areas
@pytest.mark.parametrize("method", ["REML", "ML", "FH"])
def test_milk_eblup_and_mse_match_sae_as_printed(milk, printed, method):
    fit = fay_herriot(milk, FORMULA, "var", method)
    assert fit.converged and fit.method == method
    est = fit.estimates
    # R prints 7 significant digits: half a unit in the last place
    np.testing.assert_allclose(est["mse"], printed[f"mse_{method.lower()}"], rtol=0, atol=5e-10)
    # REML/ML EBLUPs printed with 7 decimals; the FH EBLUPs with 6 and, by their digits,
    # cut rather than rounded: one unit in the last place
    atol = 1e-6 if method == "FH" else 5e-8
    np.testing.assert_allclose(est["eblup"], printed[f"eblup_{method.lower()}"], rtol=0, atol=atol)


@pytest.mark.parametrize("method, beta, se", [
    ("REML", [0.9681890, 0.1327801, 0.2269462, -0.2413011], [0.06936208, 0.10300072, 0.09232981, 0.08161707]),
    ("ML", [0.9677986, 0.1278756, 0.2266909, -0.2425804], [0.06590747, 0.09840939, 0.08813973, 0.07753875]),
])
def test_milk_coefficients_match_sae_as_printed(milk, method, beta, se):
    fit = fay_herriot(milk, FORMULA, "var", method)
    c = fit.coefficients
    assert list(c["term"]) == ["Intercept", "C(MajorArea)[T.2]", "C(MajorArea)[T.3]", "C(MajorArea)[T.4]"]
    np.testing.assert_allclose(c["estimate"], beta, rtol=0, atol=5e-8)
    np.testing.assert_allclose(c["se"], se, rtol=0, atol=5e-9)
    np.testing.assert_allclose(c["t"], c["estimate"] / c["se"])
    np.testing.assert_allclose(c["p_value"], 2 * stats.norm.sf(np.abs(c["estimate"] / c["se"])))


def test_goodness_of_fit_is_sae_formula(milk):
    """sae: loglike = -0.5 Σ(log(2π(A+ψ)) + r²/(A+ψ)); AIC/BIC/KIC with p + 1 parameters."""
    fit = fay_herriot(milk, FORMULA, "var", "ML")
    A, psi = fit.sigma2_u, milk["var"].to_numpy()
    r = milk["yi"].to_numpy() - fit.estimates["synthetic"].to_numpy()
    ll = -0.5 * np.sum(np.log(2 * np.pi * (A + psi)) + r**2 / (A + psi))
    assert fit.loglik == pytest.approx(ll, rel=1e-12)
    assert fit.goodness == pytest.approx({"loglike": ll, "AIC": -2 * ll + 10, "BIC": -2 * ll + 5 * np.log(43),
                                          "KIC": -2 * ll + 15})


def test_rows_keep_input_order_and_index(milk):
    shuffled = milk.sample(frac=1, random_state=3).set_index("SmallArea", drop=False)
    fit = fay_herriot(shuffled, FORMULA, "var", "REML")
    base = fay_herriot(milk, FORMULA, "var", "REML").estimates.set_index(milk["SmallArea"])
    assert list(fit.estimates.index) == list(shuffled.index)
    np.testing.assert_allclose(fit.estimates["eblup"], base.loc[shuffled.index, "eblup"], rtol=1e-8)


# --------------------------------------------------------------------------- edge cases by hand
def _flat():
    """Equal ψ and a perfect line but for tiny noise: σ²_u estimates at 0."""
    x = np.arange(8, dtype=float)
    noise = np.array([1, -1, 1, -1, -1, 1, -1, 1]) * 1e-3
    return pd.DataFrame({"area": [f"a{i}" for i in range(8)], "x": x, "y": 1 + 2 * x + noise, "psi": 0.01})


@pytest.mark.parametrize("method", ["REML", "ML", "FH"])
def test_sigma2_truncated_at_zero_gives_synthetic_estimates(method):
    d = _flat()
    fit = fay_herriot(d, "y ~ x", "psi", method, area="area")
    assert fit.sigma2_u == 0.0 and fit.converged
    X = np.column_stack([np.ones(8), d["x"]])
    beta_ols = np.linalg.lstsq(X, d["y"], rcond=None)[0]        # GLS with equal ψ is OLS
    np.testing.assert_allclose(fit.estimates["eblup"], X @ beta_ols, rtol=1e-12)
    assert (fit.estimates["gamma"] == 0).all() and fit.estimates["is_synthetic"].all()
    assert any("every EBLUP is the synthetic estimate" in n for n in fit.notes)
    if method == "REML":
        # A = 0, ψ = 0.01: g1 = 0, g2 = ψ x'(X'X)^{-1}x, g3 = ψ · (2ψ²/m) / ψ² ... = 2ψ/m; mse = g2 + 2 g3
        h = np.einsum("ij,jk,ik->i", X, np.linalg.inv(X.T @ X), X)
        np.testing.assert_allclose(fit.estimates["mse"], 0.01 * h + 4 * 0.01 / 8, rtol=1e-12)


def test_area_without_direct_estimate_gets_synthetic_estimate_and_mse():
    # intercept-only model: x'β̂ = Σ w y / Σ w, Q = 1 / Σ w, so mse (REML) = σ²_u + 1 / Σ w
    d = pd.DataFrame({"area": list("ABCDEFG"), "y": [0.2, 0.5, 0.4, 0.9, 0.1, 0.6, np.nan],
                      "psi": [0.01, 0.02, 0.015, 0.03, 0.01, 0.02, np.nan]})
    fit = fay_herriot(d, "y ~ 1", "psi", "REML", area="area")
    s2 = fit.sigma2_u
    assert s2 > 0
    w = 1 / (s2 + d["psi"].iloc[:6].to_numpy())
    mean = np.sum(w * d["y"].iloc[:6]) / w.sum()
    row = fit.estimates.iloc[6]
    assert not row["in_sample"] and row["is_synthetic"] and row["gamma"] == 0
    assert row["eblup"] == pytest.approx(mean, rel=1e-12)
    assert row["mse"] == pytest.approx(s2 + 1 / w.sum(), rel=1e-12)
    assert np.isnan(row["direct"]) and np.isnan(row["std_residual"])
    assert any("G" in n for n in fit.notes)
    # the sampled areas are fitted exactly as without the extra row
    alone = fay_herriot(d.iloc[:6], "y ~ 1", "psi", "REML")
    np.testing.assert_allclose(fit.estimates["eblup"].iloc[:6], alone.estimates["eblup"], rtol=1e-14)


def test_zero_sampling_variance_names_the_area(milk):
    d = milk.copy()
    d.loc[4, "var"] = 0.0
    with pytest.raises(DataError, match=r"positive .*area\(s\) 5\b"):
        fay_herriot(d, FORMULA, "var", area="SmallArea")


def test_missing_covariate_names_the_area():
    d = pd.DataFrame({"district": ["n", "n", "s", "s", "e", "e"], "rural": [0.1, np.nan, 0.3, 0.2, 0.5, 0.7],
                      "y": [0.3, 0.4, 0.5, 0.45, 0.6, 0.7], "psi": 0.01, "cell": list("pqrstu")})
    with pytest.raises(DataError, match=r"missing for area\(s\) q\b"):
        fay_herriot(d, "y ~ rural", "psi", area="cell")


def test_level_only_in_unsampled_areas_is_a_clear_error():
    d = pd.DataFrame({"g": ["a", "a", "b", "b", "c"], "y": [0.1, 0.2, 0.3, 0.4, np.nan], "psi": 0.01})
    with pytest.raises(DataError, match=r"no sampled area has C\(g\)\[T.c\]"):
        fay_herriot(d, "y ~ C(g)", "psi")


def test_non_convergence_warns_and_falls_back_to_the_same_estimator(milk):
    full = fay_herriot(milk, FORMULA, "var", "REML", tol=1e-12)
    with pytest.warns(RuntimeWarning, match="did not converge"):
        fit = fay_herriot(milk, FORMULA, "var", "REML", max_iter=1)
    assert not fit.converged and fit.iterations == 1
    assert any("bounded one-dimensional search" in n for n in fit.notes)
    assert fit.sigma2_u == pytest.approx(full.sigma2_u, rel=1e-6)


@pytest.mark.parametrize("method", ["ML", "FH"])
def test_fallback_search_finds_the_fisher_scoring_root(milk, method):
    full = fay_herriot(milk, FORMULA, "var", method, tol=1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        fit = fay_herriot(milk, FORMULA, "var", method, max_iter=1)
    assert fit.sigma2_u == pytest.approx(full.sigma2_u, rel=1e-6)


def test_bad_method_is_a_data_error(milk):
    with pytest.raises(DataError, match="method"):
        fay_herriot(milk, FORMULA, "var", "MOM")
