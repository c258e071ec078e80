"""Adjusted likelihood estimators of the Fay–Herriot σ²_u (literacy.sae.adjusted).

Golden values: ``golden/sae_adjusted.csv``, made by ``golden/make_golden_sae_adjusted.R`` (base R
4.2.2: each criterion written out with dense matrices as in emdi's ``R/estim_sigmau2.R`` and
maximised by ``optimize(tol = 1e-13)``; the MSE as emdi's ``li_lahiri`` / ``yoshimori_lahiri``)
on sae 1.3's ``milk`` data: all 43 areas, the first 15, and the 43 with ψ multiplied by 6, where
REML truncates σ²_u at 0. R's ``optimize`` stops within about 1e-8 of the maximiser, so the
comparison is to 2e-6 relative.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from literacy.sae import fay_herriot
from literacy.sae.adjusted import ADJUSTED_METHODS, adjusted_bias, log_adjustment
from literacy.sae.fitting import fit_sigma2, gls

GOLDEN = Path(__file__).parent / "golden"
CASES = {"milk": (43, 1.0), "milk15": (15, 1.0), "milk_noisy": (43, 6.0)}


@pytest.fixture(scope="module")
def golden():
    return pd.read_csv(GOLDEN / "sae_adjusted.csv", skipinitialspace=True)


def _case(case):
    rows, scale = CASES[case]
    d = pd.read_csv(GOLDEN / "sae_milk.csv").iloc[:rows].copy()
    d["var"] = d["SD"] ** 2 * scale
    return d


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("method", ADJUSTED_METHODS)
def test_adjusted_estimators_match_r(golden, case, method):
    ref = golden[(golden["case"] == case) & (golden["method"] == method)]
    fit = fay_herriot(_case(case), "yi ~ C(MajorArea)", "var", method)
    assert fit.converged
    np.testing.assert_allclose(fit.sigma2_u, ref["sigma2_u"].iloc[0], rtol=2e-6)
    np.testing.assert_allclose(fit.estimates["eblup"], ref["eblup"], rtol=2e-6)
    np.testing.assert_allclose(fit.estimates["mse"], ref["mse"], rtol=2e-6)


def test_adjusted_estimators_stay_positive_where_reml_is_zero(golden):
    d = _case("milk_noisy")
    reml = fay_herriot(d, "yi ~ C(MajorArea)", "var", "REML", tol=1e-12)
    assert reml.sigma2_u < 1e-8                                   # truncated (R: 4e-14)
    assert golden.query("case == 'milk_noisy' and method == 'REML'")["sigma2_u"].iloc[0] < 1e-8
    for method in ADJUSTED_METHODS:
        fit = fay_herriot(d, "yi ~ C(MajorArea)", "var", method)
        assert fit.sigma2_u > 1e-4
        assert not fit.estimates["is_synthetic"].any()
        assert not any("estimated at 0" in n for n in fit.notes)


@pytest.mark.parametrize("method", ADJUSTED_METHODS)
def test_log_adjustment_derivatives_are_the_finite_differences(method):
    psi = np.array([0.01, 0.02, 0.05, 0.003, 0.04])
    A = np.array([0.002, 0.02, 0.3])
    h = 1e-6 * A
    v, d1, d2 = log_adjustment(method, A, psi)
    vp, d1p, _ = log_adjustment(method, A + h, psi)
    vm, d1m, _ = log_adjustment(method, A - h, psi)
    np.testing.assert_allclose(d1, (vp - vm) / (2 * h), rtol=1e-6)
    np.testing.assert_allclose(d2, (d1p - d1m) / (2 * h), rtol=1e-5)
    if method.endswith("_YL"):                                    # (1/m) log atan(Σ A / (A + ψ))
        np.testing.assert_allclose(v, np.log(np.arctan((A[:, None] / (A[:, None] + psi)).sum(1))) / 5)
    else:
        np.testing.assert_allclose(v, np.log(A))


def test_bias_terms_by_hand():
    psi = np.array([1.0, 2.0, 4.0])
    X = np.ones((3, 1))
    A = 1.0
    w = 1 / (A + psi)                                             # 1/2, 1/3, 1/5
    Q = np.array([[1 / w.sum()]])
    sum_w2 = (w**2).sum()
    profile = -(w**2).sum() / w.sum()                             # -tr(Q X'W²X) with X = 1
    assert adjusted_bias("AMRL", A, psi, X, Q) == pytest.approx(2 / sum_w2)
    assert adjusted_bias("AMPL", A, psi, X, Q) == pytest.approx((profile + 2) / sum_w2)
    assert adjusted_bias("AMPL_YL", A, psi, X, Q) == pytest.approx(profile / sum_w2)
    assert adjusted_bias("AMRL_YL", A, psi, X, Q) == 0.0


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), method=st.sampled_from(ADJUSTED_METHODS))
def test_batched_fit_is_each_replicate_alone_and_positive(seed, method):
    rng = np.random.default_rng(seed)
    m = 12
    X = np.column_stack([np.ones(m), rng.normal(size=m)])
    psi = rng.uniform(0.005, 0.05, m)
    Y = X @ np.array([0.3, 0.05]) + rng.normal(0, np.sqrt(rng.uniform(0, 0.02)), (4, m)) \
        + rng.normal(0, np.sqrt(psi), (4, m))
    batch = fit_sigma2(Y, X, psi, method)
    assert (batch.sigma2 > 0).all()
    for b in range(4):
        one = fit_sigma2(Y[b:b + 1], X, psi, method)
        np.testing.assert_allclose(one.sigma2, batch.sigma2[b:b + 1], rtol=1e-9)
    # the estimate is a stationary point of the adjusted criterion (score zero)
    for b in range(4):
        A = float(batch.sigma2[b])

        def crit(a):
            w, Q, _, r = gls(Y[b:b + 1], X, psi, np.array([a]))
            val = -0.5 * (np.sum(np.log(a + psi)) + np.sum(w[0] * r[0] ** 2))
            if method in ("AMRL", "AMRL_YL"):
                val += 0.5 * np.linalg.slogdet(Q[0])[1]
            return val + float(log_adjustment(method, np.array([a]), psi)[0][0])

        h = 1e-5 * A
        assert abs(crit(A + h) - crit(A - h)) / (2 * h) < 1e-4 * max(1.0, abs(crit(A)) / A)


def test_config_accepts_the_adjusted_methods_in_any_case():
    from literacy.settings.analysis import SmallArea

    assert SmallArea(method="amrl_yl").method == "AMRL_YL"
