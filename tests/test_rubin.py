"""Rubin's rules (literacy.measurement.rubin) against mice::pool and a hand calculation.

Golden values: tests/golden/mice_nhanes_*.csv, made by tests/golden/make_golden_mice.R
with R's mice 3.15.0 (van Buuren & Groothuis-Oudshoorn 2011) on its nhanes example,
lm(chl ~ age + bmi) over m = 5 imputations (dfcom = 22).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from literacy.measurement import barnard_rubin_df, rubin_combine

GOLDEN = Path(__file__).parent / "golden"


def test_matches_mice_pool_on_nhanes():
    per = pd.read_csv(GOLDEN / "mice_nhanes_per_imputation.csv")
    pooled = pd.read_csv(GOLDEN / "mice_nhanes_pooled.csv").set_index("term")
    terms = list(pooled.index)
    est = per.pivot(index="imputation", columns="term", values="estimate")[terms].to_numpy()
    var = per.pivot(index="imputation", columns="term", values="variance")[terms].to_numpy()
    res = rubin_combine(est, var, df_complete=pooled["dfcom"].to_numpy())
    assert res.m == 5
    for ours, theirs in [(res.estimate, "estimate"), (res.within, "ubar"), (res.between, "b"), (res.total, "t"),
                         (res.df, "df"), (res.riv, "riv"), (res.lambda_, "lambda"), (res.fmi, "fmi")]:
        np.testing.assert_allclose(ours, pooled[theirs].to_numpy(), rtol=1e-10, err_msg=theirs)


def test_hand_calculation_two_imputations():
    # M = 2, K = 1: estimates 1 and 3, variances 0.5 and 0.7, complete-data df 10
    res = rubin_combine([1.0, 3.0], [0.5, 0.7], df_complete=10)
    qbar, ubar = 2.0, 0.6
    b = ((1 - 2) ** 2 + (3 - 2) ** 2) / (2 - 1)                 # = 2
    t = ubar + (1 + 1 / 2) * b                                  # = 3.6
    lam = 1.5 * b / t                                           # = 5/6
    riv = 1.5 * b / ubar                                        # = 5
    df_old = (2 - 1) / lam ** 2                                 # = 1.44
    df_obs = (10 + 1) / (10 + 3) * 10 * (1 - lam)               # = 110/78
    df = df_old * df_obs / (df_old + df_obs)
    fmi = (riv + 2 / (df + 3)) / (riv + 1)
    assert res.estimate[0] == pytest.approx(qbar)
    assert res.within[0] == pytest.approx(ubar)
    assert res.between[0] == pytest.approx(b)
    assert res.total[0] == pytest.approx(t)
    assert res.df[0] == pytest.approx(df)
    assert res.df[0] == pytest.approx(1.44 * (110 / 78) / (1.44 + 110 / 78))
    assert res.riv[0] == pytest.approx(riv)
    assert res.lambda_[0] == pytest.approx(lam)
    assert res.fmi[0] == pytest.approx(fmi)
    assert res.se_sampling[0] == pytest.approx(np.sqrt(0.6))
    assert res.se_imputation[0] == pytest.approx(np.sqrt(3.0))
    assert res.se[0] == pytest.approx(np.sqrt(3.6))


def test_large_sample_df_is_rubins():
    est = np.array([[0.30, 1.0], [0.34, 1.2], [0.31, 0.9], [0.35, 1.1]])
    var = np.array([[0.001, 0.04], [0.0012, 0.05], [0.0011, 0.045], [0.0009, 0.05]])
    res = rubin_combine(est, var)                               # df_complete None: infinite
    lam = (1 + 1 / 4) * est.var(axis=0, ddof=1) / res.total
    np.testing.assert_allclose(res.df, 3 / lam ** 2)            # Rubin (1987) eq. 3.1.6
    np.testing.assert_allclose(barnard_rubin_df(4, res.between, res.total, np.inf), res.df)


def test_identical_imputations_have_no_between_variance():
    res = rubin_combine(np.full((5, 2), 0.4), np.array([[0.01, 0.02]] * 5), df_complete=[30, 12])
    np.testing.assert_array_equal(res.between, 0.0)
    np.testing.assert_allclose(res.total, [0.01, 0.02])
    # lambda floored at 1e-4 as mice: df = nu_obs with lambda = 1e-4, just under its formula's cap
    lam = 1e-4
    for k, dfc in enumerate([30.0, 12.0]):
        old, obs = 4 / lam ** 2, (dfc + 1) / (dfc + 3) * dfc * (1 - lam)
        assert res.df[k] == pytest.approx(old * obs / (old + obs))


def test_needs_two_imputations_and_matching_shapes():
    with pytest.raises(ValueError):
        rubin_combine([1.0], [0.1])
    with pytest.raises(ValueError):
        rubin_combine(np.zeros((3, 2)), np.zeros((3, 3)))
