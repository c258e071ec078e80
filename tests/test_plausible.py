"""Plausible values (literacy.measurement.plausible): likelihood, latent regression, posterior draws.

Every check is against an independent computation in this file (explicit per-item
products, a fine quadrature by hand) or a known simulation truth, with tolerances set from
the Monte Carlo standard error so that a wrong sampler fails. The method: Mislevy (1991);
von Davier, Gonzalez & Mislevy (2009); OECD, PISA 2018 Technical Report, ch. 9.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from literacy.measurement import (
    conditioning_matrix, draw_plausible_values, latent_regression, response_loglik,
)
from literacy.measurement import plausible


def _simulate(n, J, beta, sigma, seed, missing=0.0):
    rng = np.random.default_rng(seed)
    x1 = rng.normal(size=n)
    g = rng.integers(0, 2, n)
    X = np.column_stack([np.ones(n), x1, g]).astype(float)[:, : len(beta)]
    theta = X @ np.asarray(beta) + sigma * rng.normal(size=n)
    a = rng.uniform(0.7, 1.8, J)
    d = rng.normal(0.0, 1.0, J)
    p = 1 / (1 + np.exp(-(np.outer(theta, a) + d)))
    y = (rng.random((n, J)) < p).astype(float)
    if missing:
        y[rng.random((n, J)) < missing] = np.nan
    return y, a, d, X, theta


def _hand_posterior(y_row, a, d, mu, sigma, grid):
    """Posterior density of one person on ``grid``: explicit product over the items given."""
    dens = stats.norm.pdf(grid, mu, sigma)
    for j in range(len(a)):                       # items, one at a time (independent of the module)
        if np.isnan(y_row[j]):
            continue
        p = 1 / (1 + np.exp(-(a[j] * grid + d[j])))
        dens = dens * (p if y_row[j] == 1 else 1 - p)
    return dens / np.trapezoid(dens, grid)


def test_response_loglik_is_the_sum_of_bernoulli_logs():
    y, a, d, _, _ = _simulate(40, 7, [0.0], 1.0, seed=1, missing=0.25)
    nodes = np.linspace(-4, 4, 9)
    ll = response_loglik(y, a, d, nodes)
    assert ll.shape == (40, 9)
    for i in range(0, 40, 7):
        for q, th in enumerate(nodes):
            p = 1 / (1 + np.exp(-(a * th + d)))
            ok = ~np.isnan(y[i])
            expect = np.sum(np.log(np.where(y[i, ok] == 1, p[ok], 1 - p[ok])))
            assert ll[i, q] == pytest.approx(expect, rel=1e-12, abs=1e-12)
    # an all-missing row contributes nothing; bad codes are refused
    y[0] = np.nan
    assert np.all(response_loglik(y, a, d, nodes)[0] == 0)
    y[1, 0] = 2
    with pytest.raises(ValueError):
        response_loglik(y, a, d, nodes)


def test_pattern_table_matches_response_loglik():
    # the draws' log-likelihood (theta S_i - h_R(theta), Hermite-interpolated) differs from
    # response_loglik only by the person's constant sum_j y_ij d_j
    y, a, d, _, _ = _simulate(300, 25, [0.0], 1.0, seed=2, missing=0.3)
    nodes = np.linspace(-5, 5, 57)
    direct = response_loglik(y, a, d, nodes)
    correct = np.nan_to_num(y)
    pat, pats = plausible._patterns(~np.isnan(y))
    table = plausible._PatternTable(pats.astype(float), a, d, -5.0, 5.0)
    theta = np.broadcast_to(nodes, (300, 57))
    ours = theta * (correct @ a)[:, None] - table(pat, theta) + (correct @ d)[:, None]
    np.testing.assert_allclose(ours, direct, atol=1e-6)


def test_zero_items_gives_draws_from_the_prior():
    n, M = 20000, 10
    rng = np.random.default_rng(3)
    X = np.column_stack([np.ones(n), rng.integers(0, 2, n)]).astype(float)
    beta, sigma = np.array([0.5, -1.0]), 0.7
    pv = draw_plausible_values(np.empty((n, 0)), [], [], X, beta, sigma, m=M, seed=11, beta_uncertainty=False)
    assert pv.shape == (n, M)
    for g in (0, 1):
        z = pv[X[:, 1] == g].ravel()
        N = z.size
        mu = beta[0] + beta[1] * g
        assert abs(z.mean() - mu) < 4 * sigma / np.sqrt(N)                     # MC SE of a mean
        assert abs(z.std() - sigma) < 4 * sigma / np.sqrt(2 * (N - 1))         # MC SE of an SD
        tail = np.mean(z > mu + sigma)
        p = stats.norm.sf(1)
        assert abs(tail - p) < 4 * np.sqrt(p * (1 - p) / N)                   # normal shape


def test_beta_uncertainty_spreads_the_pv_means_as_its_covariance():
    # with no items each PV is x_i' beta_m + sigma e_im, so the variance over m of the PV means
    # is xbar' V xbar + sigma^2 / n; the sample variance of M = 400 values has relative SE
    # sqrt(2 / 399) = 7 %, and the test allows 4 of them
    n, M = 500, 400
    rng = np.random.default_rng(4)
    X = np.column_stack([np.ones(n), rng.normal(size=n)])
    V = np.array([[0.04, 0.01], [0.01, 0.02]])
    pv = draw_plausible_values(np.empty((n, 0)), [], [], X, [0.0, 1.0], 1.0, m=M, seed=5, beta_cov=V)
    xbar = X.mean(axis=0)
    expect = xbar @ V @ xbar + 1.0 / n
    got = pv.mean(axis=0).var(ddof=1)
    assert abs(got / expect - 1) < 4 * np.sqrt(2 / (M - 1))
    off = draw_plausible_values(np.empty((n, 0)), [], [], X, [0.0, 1.0], 1.0, m=M, seed=5, beta_uncertainty=False)
    assert off.mean(axis=0).var(ddof=1) < 0.2 * got                           # the option does something


def test_latent_regression_recovers_beta_and_sigma():
    beta, sigma = np.array([0.2, 0.5, -0.4]), 0.8
    y, a, d, X, _ = _simulate(20000, 30, beta, sigma, seed=6, missing=0.2)
    fit = latent_regression(y, a, d, X)
    assert fit.converged and fit.iterations < 200
    se = np.sqrt(np.diag(fit.cov_beta))
    assert np.all(np.abs(fit.beta - beta) < 4 * se), (fit.beta, se)
    # the SE of sigma-hat is about sigma / sqrt(2 n) / (1 - missing info) < 0.01 here
    assert abs(fit.sigma - sigma) < 0.03
    # the Louis SEs exceed the complete-data ones (theta is not observed)
    complete = sigma * np.sqrt(np.diag(np.linalg.inv(X.T @ X)))
    assert np.all(se > complete)


def test_latent_regression_recovers_a_shifted_population_with_weights():
    # weights double the first half: the weighted fit still targets the same beta, sigma
    beta, sigma = np.array([-0.5, 0.3]), 1.1
    y, a, d, X, _ = _simulate(8000, 40, beta, sigma, seed=7)
    w = np.where(np.arange(8000) < 4000, 2.0, 1.0)
    fit = latent_regression(y, a, d, X, weights=w, nodes=np.linspace(-7, 7, 141))
    se = np.sqrt(np.diag(fit.cov_beta))
    assert np.all(np.abs(fit.beta - beta) < 5 * se)
    assert abs(fit.sigma - sigma) < 0.05


def test_pv_posterior_matches_a_hand_quadrature():
    # 30 persons, 12 items with skips: the PVs' mean and SD against the EAP and posterior SD
    # from an explicit fine quadrature, and the PVs' probability-integral transforms under the
    # hand posterior CDF against the uniform (Kolmogorov-Smirnov).
    beta, sigma = np.array([0.3, 0.6]), 0.9
    y, a, d, X, _ = _simulate(30, 12, beta, sigma, seed=8, missing=0.2)
    M = 4000
    pv = draw_plausible_values(y, a, d, X, beta, sigma, m=M, seed=9, beta_uncertainty=False)
    grid = np.linspace(-8, 8, 8001)
    pit = []
    for i in range(30):                                  # persons one by one: the independent check
        dens = _hand_posterior(y[i], a, d, X[i] @ beta, sigma, grid)
        eap = np.trapezoid(grid * dens, grid)
        sd = np.sqrt(np.trapezoid((grid - eap) ** 2 * dens, grid))
        assert abs(pv[i].mean() - eap) < 4.5 * sd / np.sqrt(M)
        assert abs(pv[i].std() - sd) < 4.5 * sd / np.sqrt(2 * (M - 1)) * 1.2   # SE of an SD (+20 % for non-normal kurtosis)
        cdf = np.concatenate([[0], np.cumsum(0.5 * (dens[1:] + dens[:-1]) * np.diff(grid))])
        pit.append(np.interp(pv[i], grid, cdf / cdf[-1]))
    assert stats.kstest(np.concatenate(pit), "uniform").pvalue > 1e-3


def test_pv_mean_tracks_the_latent_regression_eap():
    beta, sigma = np.array([0.0, 0.5, 0.3]), 0.8
    y, a, d, X, _ = _simulate(3000, 20, beta, sigma, seed=10)
    fit = latent_regression(y, a, d, X)
    pv = draw_plausible_values(y, a, d, X, fit.beta, fit.sigma, m=200, seed=1, beta_uncertainty=False)
    # the EM's EAP on its 121-node grid vs the mean of 200 draws: MC SE = sd / sqrt(200)
    z = (pv.mean(axis=1) - fit.eap) / (fit.posterior_sd / np.sqrt(200))
    assert np.abs(z).max() < 5.0
    assert abs(z.std() - 1) < 0.1


def test_same_seed_same_draws(monkeypatch):
    beta, sigma = np.array([0.1, 0.4]), 1.0
    y, a, d, X, _ = _simulate(700, 15, beta, sigma, seed=12, missing=0.1)
    V = np.eye(2) * 0.01
    one = draw_plausible_values(y, a, d, X, beta, sigma, m=5, seed=42, beta_cov=V)
    two = draw_plausible_values(y, a, d, X, beta, sigma, m=5, seed=42, beta_cov=V)
    other = draw_plausible_values(y, a, d, X, beta, sigma, m=5, seed=43, beta_cov=V)
    np.testing.assert_array_equal(one, two)
    assert np.mean(one == other) < 0.01
    # without beta draws nothing is redrawn, so the block size does not matter either
    fixed = draw_plausible_values(y, a, d, X, beta, sigma, m=5, seed=42, beta_uncertainty=False)
    monkeypatch.setattr(plausible, "_CHUNK", 64)
    small_blocks = draw_plausible_values(y, a, d, X, beta, sigma, m=5, seed=42, beta_uncertainty=False)
    np.testing.assert_allclose(small_blocks, fixed, rtol=0, atol=1e-6)


def test_conditioning_matrix_dummies_and_dropped_columns():
    df = pd.DataFrame({
        "sex": ["f", "m", "m", "f", None, "m"],
        "age": [20.0, 30.0, np.nan, 50.0, 60.0, 70.0],
        "const": [1, 1, 1, 1, 1, 1],
        "edu": pd.Categorical(["hi", "lo", "mid", "hi", "lo", "mid"], categories=["lo", "mid", "hi"]),
        "edu_copy": ["hi", "lo", "mid", "hi", "lo", "mid"],
    })
    df = pd.concat([df, df.assign(sex=["m", "f", "f", "m", "m", None], age=[25.0, 35, 45, 55, 65, 75])],
                   ignore_index=True)
    X, notes = conditioning_matrix(df, ["sex", "age", "const", "edu", "edu_copy"])
    assert list(X.columns) == ["(intercept)", "sex=m", "sex=(missing)", "age", "age:missing", "edu=mid", "edu=hi"]
    np.testing.assert_array_equal(X["sex=m"], [0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0])
    np.testing.assert_array_equal(X["sex=(missing)"], [0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1])
    assert X["age"].iloc[2] == pytest.approx(np.mean([20, 30, 50, 60, 70, 25, 35, 45, 55, 65, 75]))
    np.testing.assert_array_equal(X["age:missing"], np.arange(12) == 2)
    np.testing.assert_array_equal(X["edu=mid"], [0, 0, 1, 0, 0, 1] * 2)
    assert any("'const': constant" in s for s in notes)
    assert sum("aliased" in s for s in notes) == 2          # edu_copy's two dummies repeat edu's
    assert np.linalg.matrix_rank(X.to_numpy()) == X.shape[1]
