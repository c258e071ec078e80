"""Weighted Mantel–Haenszel DIF: a hand-worked 2 x 2 x 2 example, R's mantelhaen.test on
UCBAdmissions, weight properties, ETS class boundaries, edge cases and the comparison tables.

Golden values: tests/golden/mh_ucb_golden.csv, made by tests/golden/make_golden_items.R with
base R's ``stats::mantelhaen.test(UCBAdmissions, correct = TRUE, exact = FALSE)`` (common odds
ratio, continuity-corrected MH chi-square and its p-value; the Robins–Breslow–Greenland variance
of log(odds ratio) recovered from R's confidence interval). UCBAdmissions: Bickel, Hammel &
O'Connell (1975), admitted / rejected by gender in six departments.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from literacy.errors import DataError
from literacy.measurement import MH_COLUMNS, anchor_drift, dif_table, ets_class, mantel_haenszel

GOLDEN = Path(__file__).parent / "golden"


def _from_tables(tables, item="q"):
    """Person-level data from 2 x 2 tables (one per band): the studied item ``item`` and helper
    items h1, h2, ... with h_m = 1 in bands m and above, so the studied item's rest score is
    exactly the band's index. tables: list of (A, B, C, D) = (ref right, ref wrong, focal right,
    focal wrong). Returns the collapsed cells (one row per cell, count in ``n``)."""
    rows = []
    for k, (a, b, c, d) in enumerate(tables):
        for grp, right, count in (("ref", 1, a), ("ref", 0, b), ("foc", 1, c), ("foc", 0, d)):
            helpers = {f"h{m}": int(k >= m) for m in range(1, len(tables))}
            rows.append({item: right, **helpers, "group": grp, "n": count})
    return pd.DataFrame(rows)


def _items(data):
    return data.drop(columns=["group", "n"])


def _expand(cells):
    return cells.loc[cells.index.repeat(cells["n"])].reset_index(drop=True)


# --- hand-worked example -----------------------------------------------------------------------
#
#   band 1: A=10 B=5  C=6 D=9   N=30   band 2: A=8 B=12 C=4 D=16   N=40
#
#   R_k = A D / N:  90/30 = 3,      128/40 = 3.2    sum R = 6.2
#   S_k = B C / N:  30/30 = 1,       48/40 = 1.2    sum S = 2.2
#   alpha_MH = 6.2 / 2.2 = 31/11;   MH D-DIF = -2.35 ln(31/11)
#   P_k = (A+D)/N:  19/30, 24/40 = .6;   Q_k = (B+C)/N:  11/30, 16/40 = .4
#   RBG  Var ln alpha = sum PR / (2 (sum R)^2) + sum (PS + QR) / (2 sum R sum S) + sum QS / (2 (sum S)^2)
#     sum PR = 19/30*3 + .6*3.2            = 1.9 + 1.92        = 3.82
#     sum (PS + QR) = 19/30 + 11/30*3 + .6*1.2 + .4*3.2 = 52/30 + 2 = 3.7333...
#     sum QS = 11/30*1 + .4*1.2             = 0.36667 + .48     = 0.84667
#     Var = 3.82 / 76.88 + (112/30) / 27.28 + (25.4/30) / 9.68
#   chi-square: E(A_1) = 15*16/30 = 8, Var(A_1) = 15*15*16*14 / (30^2 * 29) = 50400/26100
#               E(A_2) = 20*12/40 = 6, Var(A_2) = 20*20*12*28 / (40^2 * 39) = 134400/62400
#               sum A = 18, sum E = 14: chi2 = (|18 - 14| - .5)^2 / (50400/26100 + 134400/62400)
HAND_TABLES = [(10, 5, 6, 9), (8, 12, 4, 16)]
HAND_ALPHA = 31 / 11
HAND_VAR = 3.82 / 76.88 + (112 / 30) / 27.28 + (25.4 / 30) / 9.68
HAND_CHI2 = 3.5 ** 2 / (50400 / 26100 + 134400 / 62400)


def test_hand_worked_example():
    cells = _from_tables(HAND_TABLES)
    data = _expand(cells)
    res = mantel_haenszel(_items(data), data["group"], focal="foc", reference="ref")
    q = res.set_index("item").loc["q"]
    assert q["alpha_mh"] == pytest.approx(HAND_ALPHA, rel=1e-12)
    assert q["delta_mh"] == pytest.approx(-2.35 * np.log(HAND_ALPHA), rel=1e-12)
    assert q["delta_mh"] == pytest.approx(-2.4348, abs=1e-4)            # favours the reference
    assert q["se_delta"] == pytest.approx(2.35 * np.sqrt(HAND_VAR), rel=1e-12)
    assert q["chi2"] == pytest.approx(HAND_CHI2, rel=1e-12)
    assert q["chi2"] == pytest.approx(2.99886, abs=1e-5)
    assert q["favours"] == "reference"
    assert (q["n_reference"], q["n_focal"], q["n_bands"]) == (35, 35, 2)
    assert q["reason"] == ""
    assert list(res.columns) == MH_COLUMNS


# --- R: mantelhaen.test on UCBAdmissions ---------------------------------------------------------

def _ucb():
    ucb = pd.read_csv(GOLDEN / "ucb_admissions.csv")
    dept = ucb["Dept"].map({d: i for i, d in enumerate(sorted(ucb["Dept"].unique()))}).to_numpy()
    scored = pd.DataFrame({"admit": (ucb["Admit"] == "Admitted").astype(int)})
    for k in range(5):                      # five helper items: the rest score of admit = department
        scored[f"d{k}"] = (dept > k).astype(int)
    return scored, ucb["Gender"].to_numpy(), ucb["Freq"].to_numpy()


@pytest.mark.parametrize("expanded", [True, False])
def test_ucb_against_r_mantelhaen(expanded):
    scored, gender, freq = _ucb()
    gold = pd.read_csv(GOLDEN / "mh_ucb_golden.csv")
    for _, g in gold.iterrows():
        if expanded:
            rows = np.repeat(np.arange(len(freq)), freq)
            res = mantel_haenszel(scored.iloc[rows], gender[rows], g["focal"], g["reference"])
        else:   # the 24 cells with their frequencies as frequency weights
            res = mantel_haenszel(scored, gender, g["focal"], g["reference"], weights=freq,
                                  test_weights="frequency")
        r = res.set_index("item").loc["admit"]
        assert r["n_bands"] == 6
        assert r["alpha_mh"] == pytest.approx(g["estimate"], rel=1e-10)
        assert r["delta_mh"] == pytest.approx(-2.35 * np.log(g["estimate"]), rel=1e-10)
        assert (r["se_delta"] / 2.35) ** 2 == pytest.approx(g["var_log_estimate"], rel=1e-8)
        assert r["chi2"] == pytest.approx(g["statistic"], rel=1e-10)
        assert r["p_value"] == pytest.approx(g["p_value"], rel=1e-9)


# --- weights ------------------------------------------------------------------------------------

def _random_data(n=400, J=6, seed=0, dif=0.8):
    rng = np.random.default_rng(seed)
    focal = rng.random(n) < 0.4
    theta = rng.normal(size=n) - 0.3 * focal
    b = np.linspace(-1, 1, J)
    logit = theta[:, None] - b[None, :]
    logit[:, 0] -= dif * focal                    # item 0 harder for the focal group
    X = (rng.random((n, J)) < 1 / (1 + np.exp(-logit))).astype(float)
    scored = pd.DataFrame(X, columns=[f"k{j}" for j in range(J)])
    group = np.where(focal, "female", "male")
    w = rng.uniform(0.3, 4.0, n)
    return scored, group, w


NUM = ["alpha_mh", "delta_mh", "se_delta", "chi2", "p_value"]


def test_unit_weights_equal_unweighted():
    scored, group, _ = _random_data()
    base = mantel_haenszel(scored, group, "female", "male")
    for tw in ("effective", "sample", "frequency"):
        res = mantel_haenszel(scored, group, "female", "male", weights=np.ones(len(group)), test_weights=tw)
        pd.testing.assert_frame_equal(base, res, rtol=1e-12)


def test_frequency_weights_equal_expanded_rows():
    scored, group, _ = _random_data(n=150, seed=4)
    freq = np.random.default_rng(9).integers(1, 5, len(group))
    rows = np.repeat(np.arange(len(group)), freq)
    expanded = mantel_haenszel(scored.iloc[rows].reset_index(drop=True), group[rows], "female", "male", bands=5)
    weighted = mantel_haenszel(scored, group, "female", "male", weights=freq, bands=5, test_weights="frequency")
    pd.testing.assert_frame_equal(expanded, weighted, rtol=1e-10)


def test_effective_n_scales_the_tests():
    scored, group, w = _random_data(seed=1)
    eff = mantel_haenszel(scored, group, "female", "male", weights=w).set_index("item")
    smp = mantel_haenszel(scored, group, "female", "male", weights=w, test_weights="sample").set_index("item")
    # same point estimates; the Kish effective n < n gives a larger SE and a smaller chi-square
    np.testing.assert_allclose(eff["delta_mh"], smp["delta_mh"], rtol=1e-12)
    assert (eff["se_delta"] > smp["se_delta"]).all()
    # Var(ln alpha) is homogeneous of degree -1 in the counts: SE ratio = sqrt(n / n_eff)
    n_eff = w.sum() ** 2 / (w ** 2).sum()
    np.testing.assert_allclose(eff["se_delta"] / smp["se_delta"], np.sqrt(len(w) / n_eff), rtol=1e-10)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), scale=st.floats(1e-3, 1e3))
def test_scaling_weights_changes_nothing(seed, scale):
    scored, group, w = _random_data(n=120, J=4, seed=seed)
    a = mantel_haenszel(scored, group, "female", "male", weights=w)
    b = mantel_haenszel(scored, group, "female", "male", weights=w * scale)
    np.testing.assert_allclose(a["alpha_mh"], b["alpha_mh"], rtol=1e-9)
    np.testing.assert_allclose(a["delta_mh"], b["delta_mh"], rtol=1e-9, atol=1e-12)
    # with the default (effective-n) test scale the tests do not move either
    np.testing.assert_allclose(a["se_delta"], b["se_delta"], rtol=1e-9)
    np.testing.assert_allclose(a["chi2"], b["chi2"], rtol=1e-8, atol=1e-12)
    assert a["ets_class"].tolist() == b["ets_class"].tolist()


def test_row_order_invariance():
    scored, group, w = _random_data(seed=2)
    perm = np.random.default_rng(3).permutation(len(group))
    a = mantel_haenszel(scored, group, "female", "male", weights=w)
    b = mantel_haenszel(scored.iloc[perm].reset_index(drop=True), group[perm], "female", "male", weights=w[perm])
    pd.testing.assert_frame_equal(a, b, rtol=1e-10)


def test_swapping_reference_and_focal_flips_delta():
    scored, group, w = _random_data(seed=5)
    a = mantel_haenszel(scored, group, "female", "male", weights=w)
    b = mantel_haenszel(scored, group, "male", "female", weights=w)
    np.testing.assert_allclose(a["delta_mh"], -b["delta_mh"], rtol=1e-10)
    np.testing.assert_allclose(a["alpha_mh"], 1 / b["alpha_mh"], rtol=1e-10)
    np.testing.assert_allclose(a["se_delta"], b["se_delta"], rtol=1e-10)
    np.testing.assert_allclose(a["chi2"], b["chi2"], rtol=1e-10)
    assert (a["favours"].replace({"reference": "x", "focal": "reference"}).replace({"x": "focal"})
            == b["favours"]).all()
    # the simulated DIF (item k0 harder for the focal group) favours the reference: delta < 0
    assert a.loc[0, "delta_mh"] < -1 and a.loc[0, "favours"] == "reference"


# --- ETS classes --------------------------------------------------------------------------------

@pytest.mark.parametrize("delta, se, p, expected", [
    (0.0, 0.1, 1.0, "A"),
    (0.99, 0.05, 1e-9, "A"),       # |delta| < 1, however significant
    (-0.99, 0.05, 1e-9, "A"),
    (2.5, 2.0, 0.06, "A"),         # large but not significant
    (1.0, 0.05, 0.01, "B"),        # |delta| = 1 and significant: B
    (-1.49, 0.01, 1e-9, "B"),      # below 1.5: never C
    (1.5, 0.30, 1e-9, "C"),        # (1.5 - 1) / .30 = 1.667 > 1.645
    (-1.5, 0.30, 1e-9, "C"),
    (1.5, 0.31, 1e-9, "B"),        # (1.5 - 1) / .31 = 1.613 < 1.645
    (3.0, 1.3, 0.02, "B"),         # (3 - 1) / 1.3 = 1.54: not significantly above 1
    (np.nan, np.nan, np.nan, ""),
])
def test_ets_class_boundaries(delta, se, p, expected):
    assert ets_class([delta], [se], [p])[0] == expected


@pytest.mark.parametrize("table, expected", [
    ((100, 100, 100, 100), "A"),   # alpha 1, delta 0
    ((100, 100, 170, 100), "B"),   # alpha 100/170, delta 2.35 ln 1.7 = 1.247
    ((100, 100, 300, 100), "C"),   # alpha 1/3, delta 2.35 ln 3 = 2.582, SE about .43
    ((300, 100, 100, 100), "C"),   # the mirror image: delta -2.582
])
def test_ets_class_from_constructed_tables(table, expected):
    data = _expand(_from_tables([table]))
    res = mantel_haenszel(data[["q"]], data["group"], "foc", "ref")   # one item: one band
    assert res.loc[0, "ets_class"] == expected
    a, b, c, d = table
    assert res.loc[0, "delta_mh"] == pytest.approx(-2.35 * np.log(a * d / (b * c)), rel=1e-12)


# --- edge cases ---------------------------------------------------------------------------------

def test_bands_with_one_group_or_one_respondent_contribute_nothing():
    base = _expand(_from_tables(HAND_TABLES))
    # band 2: only reference respondents; band 3: a single respondent
    extra = _expand(_from_tables([(0, 0, 0, 0), (0, 0, 0, 0), (7, 3, 0, 0), (0, 0, 1, 0)]))
    both = pd.concat([base, extra], ignore_index=True)
    both = both.fillna(0)             # helper items of the base part: h2 = h3 = 0 (bands 0, 1)
    a = mantel_haenszel(_items(base), base["group"], "foc", "ref", bands=[1]).iloc[0]
    b = mantel_haenszel(_items(both), both["group"], "foc", "ref", bands=[1, 2, 3]).iloc[0]
    for col in NUM:
        assert b[col] == pytest.approx(a[col], rel=1e-12)
    assert (a["n_bands"], b["n_bands"]) == (2, 2)
    assert (b["n_reference"], b["n_focal"]) == (45, 36)


def test_item_without_variation_is_nan_with_reason():
    scored, group, w = _random_data(n=200, J=4, seed=7)
    scored["allright"] = 1.0
    scored["allwrong"] = 0.0
    res = mantel_haenszel(scored, group, "female", "male", weights=w).set_index("item")
    for item, word in (("allright", "right"), ("allwrong", "wrong")):
        assert res.loc[item, ["alpha_mh", "delta_mh", "se_delta", "chi2", "p_value"]].isna().all()
        assert res.loc[item, "ets_class"] == ""
        assert "no variation" in res.loc[item, "reason"] and word in res.loc[item, "reason"]
    assert (res.loc[["k0", "k1", "k2", "k3"], "reason"] == "").all()


def test_zero_cells_and_one_sided_administration():
    # focal group always right, reference always wrong at every score: alpha_MH = 0
    data = _expand(_from_tables([(0, 10, 10, 0)]))
    res = mantel_haenszel(data[["q"]], data["group"], "foc", "ref").iloc[0]
    assert np.isnan(res["delta_mh"]) and "zero cell" in res["reason"]
    assert res["chi2"] > 10                           # the chi-square is still defined
    # an item given to the reference group only
    scored, group, _ = _random_data(n=100, J=3, seed=8)
    scored.loc[group == "female", "k2"] = np.nan
    r = mantel_haenszel(scored, group, "female", "male").set_index("item").loc["k2"]
    assert np.isnan(r["delta_mh"]) and r["n_focal"] == 0 and "one of the groups" in r["reason"]


def test_bands_options():
    scored, group, w = _random_data(n=2000, J=5, seed=10)
    thin = mantel_haenszel(scored, group, "female", "male", weights=w)
    # explicit edges at every rest score 1..4 reproduce thin matching (rest scores 0..4)
    edges = mantel_haenszel(scored, group, "female", "male", weights=w, bands=[1, 2, 3, 4])
    pd.testing.assert_frame_equal(thin, edges)
    assert (thin["n_bands"] == 5).all()
    two = mantel_haenszel(scored, group, "female", "male", weights=w, bands=2)
    assert (two["n_bands"] <= 2).all()
    assert not np.allclose(two["delta_mh"], thin["delta_mh"])
    # too few respondents per distinct rest score: quantile bands (n // 20 = 3 here)
    small = mantel_haenszel(scored.iloc[:60], group[:60], "female", "male")
    assert (small["n_bands"] <= 3).all()


def test_bad_input_raises_data_error():
    scored, group, w = _random_data(n=50, J=3)
    bad = scored.copy()
    bad.loc[3, "k1"] = 2
    cases = [
        (lambda: mantel_haenszel(bad, group, "female"), "'k1'"),
        (lambda: mantel_haenszel(scored, group[:-1], "female"), "group"),
        (lambda: mantel_haenszel(scored, group, "other"), "'other'"),
        (lambda: mantel_haenszel(scored, group, "female", "nobody"), "'nobody'"),
        (lambda: mantel_haenszel(scored, group, "female", weights=w[:-1]), "weights"),
        (lambda: mantel_haenszel(scored, group, "female", test_weights="design"), "test_weights"),
        (lambda: mantel_haenszel(scored, group, "female", bands=[2, 1]), "bands"),
        (lambda: dif_table(scored, {"sex": np.full(50, "male")}), "'sex'"),
        (lambda: anchor_drift(scored, np.repeat([2020, 2025], 25), ["k0", "zz"]), "'zz'"),
    ]
    for call, message in cases:
        with pytest.raises(DataError) as err:
            call()
        assert message in str(err.value) and "\n" not in str(err.value)


# --- dif_table and anchor_drift ---------------------------------------------------------------

def test_dif_table_runs_the_standard_comparisons():
    scored, sex, w = _random_data(n=600, J=4, seed=12)
    rng = np.random.default_rng(1)
    residence = rng.choice(["urban", "rural"], len(sex))
    district = rng.choice(["d1", "d2", "d3"], len(sex))
    table = dif_table(scored, {"sex": sex, "residence": residence, "district": district}, weights=w,
                      references={"sex": "male"})
    assert list(table.columns) == ["grouping", "comparison"] + MH_COLUMNS
    assert len(table) == 4 * (1 + 1 + 3)
    comps = table.drop_duplicates(["grouping", "comparison"])[["grouping", "comparison"]].values.tolist()
    assert comps == [["sex", "female vs male"], ["residence", "urban vs rural"],
                     ["district", "d1 vs rest"], ["district", "d2 vs rest"], ["district", "d3 vs rest"]]
    # each block is mantel_haenszel of that comparison
    d2 = table[table["comparison"] == "d2 vs rest"].drop(columns=["grouping", "comparison"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(d2, mantel_haenszel(scored, district, "d2", weights=w))
    sex_rows = table[table["grouping"] == "sex"].drop(columns=["grouping", "comparison"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(sex_rows, mantel_haenszel(scored, sex, "female", "male", weights=w))


def test_anchor_drift_matches_on_anchors_only():
    rng = np.random.default_rng(21)
    n = 800
    rounds = np.repeat([2020, 2025], n // 2)
    scored, _, w = _random_data(n=n, J=5, seed=22)
    scored.columns = ["a1", "a2", "a3", "a4", "a5"]
    # items only one round had: they must play no part in the matching
    scored["only2020"] = np.where(rounds == 2020, rng.integers(0, 2, n), np.nan)
    scored["only2025"] = np.where(rounds == 2025, rng.integers(0, 2, n), np.nan)
    anchors = ["a1", "a2", "a3", "a4", "a5"]
    drift = anchor_drift(scored, rounds, anchors, weights=w)
    assert drift["grouping"].eq("round").all() and drift["comparison"].eq("2025 vs 2020").all()
    assert drift["item"].tolist() == anchors
    direct = mantel_haenszel(scored[anchors], rounds, 2025, 2020, weights=w)
    pd.testing.assert_frame_equal(drift.drop(columns=["grouping", "comparison"]), direct)
    back = anchor_drift(scored, rounds, anchors, weights=w, baseline=2025)
    np.testing.assert_allclose(back["delta_mh"], -drift["delta_mh"], rtol=1e-10)
