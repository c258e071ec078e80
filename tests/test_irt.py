"""Tests of literacy.measurement: IRT calibration (fit_irt), TCC / cut scores, linking.

Golden values are published outputs of established IRT programs on the data sets they ship
(embedded below as pattern tables, with their sources); everything else checks properties that
a correct marginal-ML calibration must have.
"""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit

from literacy.errors import DataError
from literacy.measurement import (IRTConvergenceWarning, concurrent_calibration, fit_irt,
                                  test_characteristic_curve, theta_cut)

TOL = 3e-3  # tolerance for published item parameters, SEs and log-likelihoods

# LSAT section VI (Bock & Lieberman 1970), 1000 persons, 5 items: ltm's data set `LSAT`.
# The 30 observed patterns and their counts as printed by ltm's factor.scores(ltm(LSAT ~ z1))
# ("Obs" column), README.md of github.com/kdavis91/2PL-and-3PL-Dichotomous-Item-response-theory-model;
# the margins agree with descript(LSAT) in Rizopoulos (2006, JSS 17(5), p. 5-6): proportions
# correct .924 .709 .553 .763 .870 and total-score frequencies 3 20 85 237 357 298.
LSAT_PATTERNS = """
00000 3   00001 6   00010 2   00011 11  00100 1   00101 1   00110 3   00111 4
01000 1   01001 8   01011 16  01101 3   01110 2   01111 15  10000 10  10001 29
10010 14  10011 81  10100 3   10101 28  10110 15  10111 80  11000 16  11001 56
11010 21  11011 173 11100 11  11101 61  11110 28  11111 298
"""

# LSAT section 7 (Bock & Lieberman 1970): mirt's data set `LSAT7` (data/LSAT7.RData in
# github.com/philchalmers/mirt), frequencies of the 32 patterns in lexicographic order
# 00000, 00001, ..., 11111.
LSAT7_FREQ = [12, 19, 1, 7, 3, 19, 3, 17, 10, 5, 3, 7, 7, 23, 8, 28,
              7, 39, 11, 34, 14, 51, 15, 90, 6, 25, 7, 35, 18, 136, 32, 308]


def lsat():
    tok = LSAT_PATTERNS.split()
    pats = np.array([[int(c) for c in p] for p in tok[0::2]])
    counts = np.array([float(c) for c in tok[1::2]])
    return pd.DataFrame(pats, columns=[f"Item {i}" for i in range(1, 6)]), counts


def lsat7():
    pats = np.array(list(itertools.product([0, 1], repeat=5)))
    return pd.DataFrame(pats, columns=[f"Item.{i}" for i in range(1, 6)]), np.array(LSAT7_FREQ, float)


def expand(df, counts):
    return df.loc[np.repeat(np.arange(len(df)), counts.astype(int))].reset_index(drop=True)


def simulate(n, a, d, seed, mean=0.0, sd=1.0, missing=0.0):
    rng = np.random.default_rng(seed)
    theta = rng.normal(mean, sd, n)
    x = (rng.random((n, len(a))) < expit(np.outer(theta, a) + d)).astype(float)
    if missing:
        x[rng.random(x.shape) < missing] = np.nan
    return pd.DataFrame(x, columns=[f"q{j:02d}" for j in range(len(a))])


# ----------------------------------------------------------------------------------- golden


def test_golden_ltm_rasch_lsat():
    """ltm 0.x, ``summary(rasch(LSAT))``: Rizopoulos (2006), ltm: An R package for latent
    variable modelling and IRT analyses, J. Stat. Softw. 17(5), p. 10 (fit2): log.Lik
    -2466.938; Dffclt (std.err) -3.6153 (0.3266), -1.3224 (0.1422), -0.3176 (0.0977),
    -1.7301 (0.1691), -2.7802 (0.2510); Dscrmn 0.7551 (0.0694). ltm integrates with 21
    Gauss–Hermite points (printed under "Integration"), so the test uses that quadrature; its
    SEs come from the Hessian of the marginal log-likelihood with the delta method for Dffclt."""
    df, n = lsat()
    fit = fit_irt(df, weights=n, model="1pl", weight_type="frequency", quadrature="gauss-hermite", n_points=21)
    assert fit.converged
    it = fit.items
    np.testing.assert_allclose(it["b"], [-3.6153, -1.3224, -0.3176, -1.7301, -2.7802], atol=TOL)
    np.testing.assert_allclose(it["se_b"], [0.3266, 0.1422, 0.0977, 0.1691, 0.2510], atol=TOL)
    np.testing.assert_allclose(it["a"], 0.7551, atol=TOL)
    np.testing.assert_allclose(it["se_a"], 0.0694, atol=TOL)
    assert fit.loglik == pytest.approx(-2466.938, abs=TOL)


def test_golden_ltm_2pl_lsat():
    """ltm, ``summary(ltm(LSAT ~ z1, IRT.param = TRUE))`` as printed in README.md of
    github.com/kdavis91/2PL-and-3PL-Dichotomous-Item-response-theory-model (log.Lik -2466.653,
    also in Rizopoulos 2006 p. 12 as -2466.65): Dffclt (std.err) and Dscrmn (std.err) below;
    21 Gauss–Hermite points. ltm stopped at max(|grad|) 0.024, so its printed estimates sit
    up to ~2e-3 from the exact maximum (item 5's difficulty); 3e-3 still holds."""
    df, n = lsat()
    fit = fit_irt(df, weights=n, model="2pl", weight_type="frequency", quadrature="gauss-hermite", n_points=21)
    it = fit.items
    np.testing.assert_allclose(it["b"], [-3.3597, -1.3696, -0.2799, -1.8659, -3.1236], atol=TOL)
    np.testing.assert_allclose(it["se_b"], [0.8669, 0.3073, 0.0997, 0.4341, 0.8700], atol=TOL)
    np.testing.assert_allclose(it["a"], [0.8254, 0.7229, 0.8905, 0.6886, 0.6575], atol=TOL)
    np.testing.assert_allclose(it["se_a"], [0.2581, 0.1867, 0.2326, 0.1852, 0.2100], atol=TOL)
    assert fit.loglik == pytest.approx(-2466.653, abs=TOL)
    # our optimum is at least as high as ltm's (it is the maximum, tightly converged)
    assert fit.loglik >= -2466.653 - 5e-4
    assert fit.gradient_max < 1e-8


def test_golden_mirt_2pl_lsat7_default_quadrature():
    """mirt 1.47.5, ``mod <- mirt(expand.table(LSAT7)); coef(mod)`` with mirt's defaults (61
    rectangular quadrature points on [-6, 6], as ours): the LSAT7 reference page of mirt's
    documentation (pkgdown, "Description of LSAT7 data"): Log-likelihood = -2658.805; a1 / d
    0.988/1.856, 1.081/0.808, 1.706/1.804, 0.765/0.486, 0.736/1.855 (3 decimals; mirt stops
    its EM at a 1e-4 change). Run on the expanded 1000 rows with our default options, and the
    data's proportions correct checked against mirt's itemstats (.828 .658 .772 .606 .843)."""
    df, n = lsat7()
    data = expand(df, n)
    np.testing.assert_allclose(data.mean().to_numpy(), [0.828, 0.658, 0.772, 0.606, 0.843])
    fit = fit_irt(data)
    it = fit.items
    np.testing.assert_allclose(it["a"], [0.988, 1.081, 1.706, 0.765, 0.736], atol=TOL)
    np.testing.assert_allclose(it["d"], [1.856, 0.808, 1.804, 0.486, 1.855], atol=TOL)
    assert fit.loglik == pytest.approx(-2658.805, abs=TOL)


# ----------------------------------------------------------------------------------- properties


def test_frequency_weights_equal_expanded_data():
    df, n = lsat7()
    table = fit_irt(df, weights=n, weight_type="frequency")
    full = fit_irt(expand(df, n), collapse=False)   # the general (uncollapsed) path
    cols = ["a", "d", "b", "se_a", "se_d", "se_b", "rmsd"]
    np.testing.assert_allclose(table.items[cols], full.items[cols], rtol=1e-6, atol=1e-8)
    assert table.loglik == pytest.approx(full.loglik, abs=1e-6)
    np.testing.assert_allclose(table.items["n"], 1000)


def test_sampling_weight_scale_invariance_and_row_order():
    a = np.array([0.8, 1.2, 1.6, 1.0, 0.7, 1.4, 2.0, 0.9])
    d = np.array([0.5, -0.3, 1.0, 0.0, -1.2, 0.8, -0.5, 1.5])
    df = simulate(1500, a, d, seed=11)
    w = np.random.default_rng(12).uniform(0.2, 3.0, len(df))
    base = fit_irt(df, weights=w)
    scaled = fit_irt(df, weights=w * 137.5)
    cols = ["a", "d", "se_a", "se_d", "rmsd"]
    np.testing.assert_allclose(scaled.items[cols], base.items[cols], rtol=1e-7, atol=1e-9)
    perm = np.random.default_rng(13).permutation(len(df))
    shuffled = fit_irt(df.iloc[perm], weights=pd.Series(w, index=df.index).iloc[perm], collapse=False)
    np.testing.assert_allclose(shuffled.items[cols], base.items[cols], rtol=1e-7, atol=1e-9)
    assert shuffled.loglik == pytest.approx(base.loglik, rel=1e-10)
    # weights matter: unweighted estimates differ
    assert np.abs(fit_irt(df).items["d"] - base.items["d"]).max() > 1e-3


def test_recovery_2pl_simulated():
    rng = np.random.default_rng(2024)
    a = rng.uniform(0.6, 2.0, 20)
    d = rng.normal(0, 1, 20)
    fit = fit_irt(simulate(5000, a, d, seed=7))
    it = fit.items
    assert fit.converged and fit.gradient_max < 1e-8
    za = (it["a"] - a) / it["se_a"]
    zd = (it["d"] - d) / it["se_d"]
    assert np.abs(za).max() < 4 and np.abs(zd).max() < 4
    # the SEs are of the right size: the z's scatter like standard normals
    assert 0.5 < np.sqrt(np.mean(np.r_[za, zd] ** 2)) < 1.5
    np.testing.assert_allclose(it["b"], -it["d"] / it["a"])


def test_louis_hessian_is_the_exact_hessian_with_missing_data_and_groups():
    """SEs rest on the analytic observed information; compare it with central differences of
    the analytic score, and the score with differences of the log-likelihood (booklet-style
    missing data, two groups, one split item)."""
    rng = np.random.default_rng(5)
    a = rng.uniform(0.7, 1.8, 7)
    d = rng.normal(0, 1, 7)
    df = pd.concat([simulate(300, a, d, seed=1, missing=0.2), simulate(300, a, d, seed=2, mean=0.4, sd=1.2, missing=0.2)],
                   ignore_index=True)
    groups = np.repeat(["A", "B"], 300)
    for model in ("2pl", "1pl"):
        fit = fit_irt(df, groups=groups, model=model, anchors=["q00", "q01", "q02", "q03", "q04", "q05"])
        assert (fit.items["item"] == "q06").sum() == 2
        b = fit.params + 0.03 * np.random.default_rng(3).normal(size=len(fit.params))
        eps = 1e-5
        num_h = np.empty((len(b), len(b)))
        num_g = np.empty(len(b))
        for i in range(len(b)):
            e = np.zeros(len(b))
            e[i] = eps
            num_h[:, i] = (fit.score_at(b + e) - fit.score_at(b - e)) / (2 * eps)
            num_g[i] = (fit.loglik_at(b + e) - fit.loglik_at(b - e)) / (2 * eps)
        np.testing.assert_allclose(fit.hessian_at(b), num_h, atol=1e-5)
        np.testing.assert_allclose(fit.score_at(b), num_g, atol=1e-5)
        np.testing.assert_allclose(np.sqrt(np.diag(np.linalg.inv(-fit.hessian_at(fit.params)))),
                                   np.sqrt(np.diag(fit.cov)), rtol=1e-8)


def test_multigroup_recovers_mean_and_sd_shift():
    rng = np.random.default_rng(99)
    a = rng.uniform(0.8, 1.8, 24)
    d = rng.normal(0, 1, 24)
    g1 = simulate(4000, a, d, seed=21)
    g2 = simulate(4000, a, d, seed=22, mean=0.5, sd=1.3)
    # round-specific items: q18..q23 only in round 1, q12..q17 only in round 2
    g1.iloc[:, 12:18] = np.nan
    g2.iloc[:, 18:24] = np.nan
    df = pd.concat([g1, g2], ignore_index=True)
    groups = np.repeat(["2023", "2025"], 4000)
    fit = fit_irt(df, groups=groups)
    gr = fit.groups.set_index("group")
    assert gr.loc["2023", "mean"] == 0 and gr.loc["2023", "sd"] == 1
    assert abs(gr.loc["2025", "mean"] - 0.5) < 3 * gr.loc["2025", "se_mean"]
    assert abs(gr.loc["2025", "sd"] - 1.3) < 3 * gr.loc["2025", "se_sd"]
    assert fit.items["group"].isna().all() and len(fit.items) == 24
    assert fit.items.loc[fit.items["item"] == "q20", "rmsd_2025"].isna().all()
    # only 4 anchors declared: the other common items get one row per group
    anchors = ["q00", "q01", "q02", "q03"]
    fit2 = fit_irt(df, groups=groups, anchors=anchors)
    split = fit2.items[fit2.items["group"].notna()]
    assert sorted(split["item"].unique()) == [f"q{j:02d}" for j in range(4, 12)]
    assert set(split["group"]) == {"2023", "2025"}
    gr2 = fit2.groups.set_index("group")
    assert abs(gr2.loc["2025", "mean"] - 0.5) < 3 * gr2.loc["2025", "se_mean"]
    # baseline option
    fit3 = fit_irt(df, groups=groups, baseline="2025")
    gr3 = fit3.groups.set_index("group")
    assert gr3.loc["2025", "mean"] == 0
    assert gr3.loc["2023", "mean"] == pytest.approx(-gr.loc["2025", "mean"] / gr.loc["2025", "sd"], abs=1e-4)


def test_1pl_common_slope():
    df, n = lsat7()
    fit = fit_irt(df, weights=n, weight_type="frequency", model="1pl")
    assert fit.items["a"].nunique() == 1 and fit.items["se_a"].nunique() == 1
    two = fit_irt(df, weights=n, weight_type="frequency")
    assert two.items["a"].nunique() == 5
    assert fit.loglik < two.loglik


def test_constant_items_dropped_with_note():
    a = np.array([1.0, 1.3, 0.8, 1.5, 1.1])
    d = np.array([0.2, -0.4, 0.9, 0.0, -0.7])
    df = simulate(800, a, d, seed=3)
    df["all_right"] = 1.0
    df["all_wrong"] = 0.0
    fit = fit_irt(df)
    assert list(fit.items["item"]) == list(df.columns[:5])
    assert any("all_right" in s and "everyone" in s for s in fit.notes)
    assert any("all_wrong" in s and "no one" in s for s in fit.notes)
    # constant within one group only: left out of that group, still calibrated on the other
    df2 = pd.concat([simulate(600, a, d, seed=4), simulate(600, a, d, seed=5)], ignore_index=True)
    df2.loc[600:, "q04"] = 1.0
    fit2 = fit_irt(df2, groups=np.repeat([1, 2], 600))
    row = fit2.items.set_index("item").loc["q04"]
    assert np.isfinite(row["rmsd_1"]) and np.isnan(row["rmsd_2"])
    assert any("q04" in s and "group 2" in s for s in fit2.notes)


@pytest.mark.parametrize("bad, message", [
    ({"q00": [0, 1, 2, 1]}, "q00"),
    ({"q00": [0, 1, "x", 1]}, "q00"),
])
def test_bad_values_raise(bad, message):
    df = pd.DataFrame({"q01": [0, 1, 1, 0], **bad})
    with pytest.raises(DataError, match=message):
        fit_irt(df)


def test_bad_inputs_raise():
    df = simulate(50, np.ones(3), np.zeros(3), seed=1)
    with pytest.raises(DataError, match="no items"):
        fit_irt(df.iloc[:, :0])
    with pytest.raises(DataError, match="negative"):
        fit_irt(df, weights=np.r_[-1.0, np.ones(49)])
    with pytest.raises(DataError, match="one value per response row"):
        fit_irt(df, weights=np.ones(49))
    with pytest.raises(DataError, match="index does not match"):
        fit_irt(df, weights=pd.Series(1.0, index=np.arange(100, 150)))
    with pytest.raises(DataError, match="anchor item 'zz'"):
        fit_irt(df, groups=np.repeat(["a", "b"], 25), anchors=["zz"])
    # a group with no anchor is not identified
    with pytest.raises(DataError, match="shares no anchor"):
        fit_irt(df, groups=np.repeat(["a", "b"], 25), anchors=[])


def test_non_convergence_warns():
    df, n = lsat7()
    with pytest.warns(IRTConvergenceWarning):
        fit = fit_irt(df, weights=n, weight_type="frequency", max_newton=0, max_em=2)
    assert fit.converged is False
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert fit_irt(df, weights=n, weight_type="frequency").converged is True


# ----------------------------------------------------------------------------------- scale


def test_theta_cut_hand_checkable_equal_items():
    # 100 identical items: TCC = 100 * expit(a theta + d), so theta = (logit(s/100) - d) / a
    a, d = np.full(100, 1.5), np.full(100, 0.3)
    cuts = np.array([70.0, 85.0, 55.0])
    th = theta_cut(a, d, None, cuts)
    np.testing.assert_allclose(th, (np.log(cuts / (100 - cuts)) - 0.3) / 1.5, atol=1e-10)
    # with 2 points per item the same thetas give twice the score
    np.testing.assert_allclose(theta_cut(a[:50], d[:50], 2.0, cuts), th, atol=1e-10)
    assert isinstance(theta_cut(a, d, None, 70), float)


def test_theta_cut_inverts_tcc_and_rejects_out_of_range():
    rng = np.random.default_rng(8)
    a, d = rng.uniform(0.4, 2.0, 40), rng.normal(0, 1.5, 40)
    pts = rng.integers(1, 4, 40).astype(float)
    total = pts.sum()
    cuts = np.array([0.55, 0.7, 0.85, 0.999]) * total
    th = theta_cut(a, d, pts, cuts)
    np.testing.assert_allclose(test_characteristic_curve(th, a, d, pts), cuts, rtol=1e-10)
    assert np.all(np.diff(th[np.argsort(cuts)]) > 0)
    for s in (0.0, total, total + 1, -3.0):
        with pytest.raises(DataError, match="outside"):
            theta_cut(a, d, pts, [s])


# ----------------------------------------------------------------------------------- linking


def test_concurrent_calibration_frees_drifting_anchor():
    rng = np.random.default_rng(31)
    a = rng.uniform(0.8, 1.8, 15)
    d = rng.normal(0, 1, 15)
    d2 = d.copy()
    d2[3] += 1.5                                   # q03 drifts between rounds
    df = pd.concat([simulate(3000, a, d, seed=41), simulate(3000, a, d2, seed=42, mean=0.3)], ignore_index=True)
    groups = np.repeat(["R1", "R2"], 3000)
    res = concurrent_calibration(df, None, groups, anchors=None, rmsd_limit=0.05)
    assert list(res.freed["item"]) == ["q03"]
    assert "RMSD" in res.freed["reason"].iloc[0]
    split = res.fit.items[res.fit.items["item"] == "q03"].set_index("group")
    assert split.loc["R2", "d"] - split.loc["R1", "d"] == pytest.approx(1.5, abs=0.3)
    gr = res.fit.groups.set_index("group")
    assert abs(gr.loc["R2", "mean"] - 0.3) < 3 * gr.loc["R2", "se_mean"]
    # the refit's remaining anchors fit
    assert res.fit.items.filter(like="rmsd_").max().max() < 0.05
    # DIF-flagged anchors are freed whatever their fit; the result is deterministic
    res2 = concurrent_calibration(df, None, groups, anchors=None, drift_items=["q07"], rmsd_limit=0.05)
    assert list(res2.freed["item"]) == ["q03", "q07"]
    assert "drift" in res2.freed.set_index("item").loc["q07", "reason"]
    res3 = concurrent_calibration(df, None, groups, anchors=None, drift_items=["q07"], rmsd_limit=0.05)
    pd.testing.assert_frame_equal(res2.fit.items, res3.fit.items)


def _two_rounds(seed, n, J, slopes, mean2, sd2):
    """0/1 answers of two rounds of n respondents to J items (2PL; round r2 ~ N(mean2, sd2²))."""
    rng = np.random.default_rng(seed)
    a, d = rng.uniform(*slopes, J), rng.normal(0, 1, J)
    groups = np.repeat(["r1", "r2"], n)
    theta = np.concatenate([rng.normal(0, 1, n), rng.normal(mean2, sd2, n)])
    y = pd.DataFrame((rng.random((2 * n, J)) < expit(np.outer(theta, a) + d)).astype(float),
                     columns=[f"i{j}" for j in range(J)])
    return y, groups


def test_a_warm_start_finds_the_same_maximum():
    # the anchor jackknife refits from the full fit: the estimates must not depend on the start
    J = 8
    y, groups = _two_rounds(11, 1500, J, (0.6, 1.6), 0.4, 1.1)
    full = fit_irt(y, groups=groups)
    keep = [f"i{j}" for j in range(1, J)]                  # i0 no longer shared
    cold = fit_irt(y, groups=groups, anchors=keep)
    warm = fit_irt(y, groups=groups, anchors=keep, start=full)
    np.testing.assert_allclose(warm.params, cold.params, atol=2e-5)
    assert warm.loglik == pytest.approx(cold.loglik, abs=1e-6)
    assert warm.iterations < cold.iterations


def test_theta_cut_with_a_misfitting_negative_slope_still_crosses():
    # small samples can give an item a negative slope; the curve bends but still crosses the cut
    a = np.array([1.0, 1.2, 0.8, -0.3])
    d = np.array([0.0, -0.5, 0.5, 0.2])
    pts = np.array([30.0, 30.0, 30.0, 10.0])
    th = theta_cut(a, d, pts, 70.0)
    assert test_characteristic_curve(th, a, d, pts) == pytest.approx(70.0, abs=1e-8)


def test_freeing_anchors_never_leaves_fewer_than_the_minimum():
    y, groups = _two_rounds(5, 800, 10, (0.8, 1.5), 0.3, 1.0)
    items = list(y.columns)
    # every anchor flagged as drifting: only len - min_anchors may go, the rest stay shared
    res = concurrent_calibration(y, None, groups, items, drift_items=items, min_anchors=7)
    assert len(res.freed) == 3 and len(res.anchors) == 7
    assert any("kept in the link" in note for note in res.fit.notes)
