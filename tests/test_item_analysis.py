"""Weighted item analysis: hand calculations, R psych golden values, flags and input checks.

Golden values: tests/golden/items_lsat_golden.csv, made by tests/golden/make_golden_items.R
with R's psych 2.2.9 (``alpha``, ``omega(nfactors = 1, fm = "minres")``, ``fa``) and
``stats::cov.wt`` on the LSAT-6 / LSAT-7 data shipped with psych (Bock & Lieberman 1970;
``bock.table``: 32 response patterns with their frequencies). The unweighted golden values are
computed by R on psych's own 1000-row expansions; here the 32 patterns are fed with their
frequencies as weights, so the same test also checks that frequency weights equal expanded rows.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from literacy.errors import DataError
from literacy.measurement import ITEM_COLUMNS, RELIABILITY_COLUMNS, cronbach_alpha, item_analysis, omega_total
from literacy.measurement.items import minres_one_factor

GOLDEN = Path(__file__).parent / "golden"
Q = ["Q1", "Q2", "Q3", "Q4", "Q5"]


@pytest.fixture(scope="module")
def patterns() -> pd.DataFrame:
    return pd.read_csv(GOLDEN / "bock_lsat_patterns.csv")


@pytest.fixture(scope="module")
def golden() -> pd.DataFrame:
    return pd.read_csv(GOLDEN / "items_lsat_golden.csv", keep_default_na=False)


def _gold(golden, scale, weighting, statistic, item=""):
    row = golden[(golden.scale == scale) & (golden.weighting == weighting)
                 & (golden.statistic == statistic) & (golden["item"] == item)]
    assert len(row) == 1, (scale, weighting, statistic, item)
    return float(row["value"].iloc[0])


def _weights(patterns, scale, weighting):
    freq = patterns["Ob6" if scale == "lsat6" else "Ob7"].to_numpy(dtype=float)
    if weighting == "unweighted":
        return freq
    # the R script's deliberately unequal factor: weight = frequency x (1 + (index mod 5) / 4)
    return freq * (1 + (patterns["index"].to_numpy() % 5) / 4)


# --- hand calculations ----------------------------------------------------------------------

# 5 respondents x 3 items. With divisor n (it cancels in alpha):
#   item1 = 1,1,1,0,1  mean .8  var .16 ;  item2 = 1,1,0,0,1  mean .6  var .24
#   item3 = 1,0,0,0,1  mean .4  var .24 ;  total = 3,2,1,0,3  mean 1.8  var 23/5 - 3.24 = 1.36
#   alpha = 3/2 * (1 - .64/1.36) = 3/2 * 9/17 = 27/34
HAND = pd.DataFrame({"i1": [1, 1, 1, 0, 1], "i2": [1, 1, 0, 0, 1], "i3": [1, 0, 0, 0, 1]})


def test_alpha_by_hand():
    _, rel = item_analysis(HAND)
    assert rel["alpha"].iloc[0] == pytest.approx(27 / 34, abs=1e-12)
    # the same from a covariance matrix (population divisor: any divisor cancels)
    assert cronbach_alpha(np.cov(HAND.to_numpy().T, bias=True)) == pytest.approx(27 / 34, abs=1e-12)


def test_weighted_alpha_by_hand():
    # weight 2 on the first respondent = that row twice (6 respondents):
    #   item vars 5/36, 8/36, 9/36; total = 3,3,2,1,0,3  mean 2  var 32/6 - 4 = 48/36
    #   alpha = 3/2 * (1 - 22/48) = 39/48
    _, rel = item_analysis(HAND, weights=[2, 1, 1, 1, 1])
    assert rel["alpha"].iloc[0] == pytest.approx(39 / 48, abs=1e-12)


def test_points_weighted_alpha_by_hand():
    # points 2,1,1: item1 scaled var 4 x .16 = .64; total = 4,3,2,0,4  mean 2.6  var 9 - 6.76 = 2.24
    #   alpha = 3/2 * (1 - (.64 + .24 + .24) / 2.24) = 3/4
    _, rel = item_analysis(HAND, points={"i1": 2, "i2": 1, "i3": 1})
    assert rel["alpha"].iloc[0] == pytest.approx(0.75, abs=1e-12)


def test_item_rest_r_by_hand():
    # item1 = 1,1,1,0,1 (mean .8, var .16); rest = i2 + i3 = 2,1,0,0,2 (mean 1, var 9/5 - 1 = .8)
    # cov = (2+1+0+0+2)/5 - .8 = .2  ->  r = .2 / sqrt(.16 * .8) = sqrt(5)/4
    items, _ = item_analysis(HAND)
    assert items.loc[0, "item_rest_r"] == pytest.approx(np.sqrt(5) / 4, abs=1e-12)
    # item3 = 1,0,0,0,1 (var .24); rest = 2,2,1,0,2 (mean 1.4, var 13/5 - 1.96 = .64)
    # cov = (2+0+0+0+2)/5 - .4*1.4 = .24  ->  r = .24 / sqrt(.24 * .64) = sqrt(.24)/.8
    assert items.loc[2, "item_rest_r"] == pytest.approx(np.sqrt(0.24) / 0.8, abs=1e-12)
    assert items["p_correct"].tolist() == pytest.approx([0.8, 0.6, 0.4])


def test_rest_score_uses_points():
    # points 1,3,1: rest of item1 = 3*i2 + i3 = 4,3,0,0,4 (mean 2.2, var 41/5 - 4.84 = 3.36)
    # cov(item1, rest) = (4+3+0+0+4)/5 - .8*2.2 = .44  ->  r = .44 / sqrt(.16 * 3.36)
    items, _ = item_analysis(HAND, points={"i1": 1, "i2": 3, "i3": 1})
    assert items.loc[0, "item_rest_r"] == pytest.approx(0.44 / np.sqrt(0.16 * 3.36), abs=1e-12)


# --- R psych golden values ------------------------------------------------------------------

@pytest.mark.parametrize("scale", ["lsat6", "lsat7"])
@pytest.mark.parametrize("weighting", ["unweighted", "weighted"])
def test_against_psych(patterns, golden, scale, weighting):
    items, rel = item_analysis(patterns[Q], weights=_weights(patterns, scale, weighting))
    total = rel.set_index("scale").loc["total"]
    assert total["alpha"] == pytest.approx(_gold(golden, scale, weighting, "alpha_raw"), abs=1e-10)
    assert total["alpha_std"] == pytest.approx(_gold(golden, scale, weighting, "alpha_std"), abs=1e-10)
    # omega: psych's optim stops at its own tolerance; loadings agree to ~1e-6
    assert total["omega"] == pytest.approx(_gold(golden, scale, weighting, "omega_total"), abs=1e-5)
    for j, q in enumerate(Q):
        assert items.loc[j, "p_correct"] == pytest.approx(_gold(golden, scale, weighting, "p_correct", q), abs=1e-12)
        assert items.loc[j, "item_rest_r"] == pytest.approx(_gold(golden, scale, weighting, "item_rest_r", q), abs=1e-10)


@pytest.mark.parametrize("scale", ["lsat6", "lsat7"])
def test_minres_loadings_against_psych(patterns, golden, scale):
    w = _weights(patterns, scale, "unweighted")
    X = patterns[Q].to_numpy(dtype=float)
    Xc = X - w @ X / w.sum()
    C = (Xc * w[:, None]).T @ Xc
    sd = np.sqrt(np.diag(C))
    lam = minres_one_factor(C / np.outer(sd, sd))
    gold = [_gold(golden, scale, "unweighted", "loading_minres", q) for q in Q]
    assert lam == pytest.approx(gold, abs=1e-5)
    # omega is psych's formula on these loadings: 1 - sum(1 - l^2) / 1'R1
    R = C / np.outer(sd, sd)
    assert omega_total(R) == pytest.approx(1 - np.sum(1 - np.asarray(gold) ** 2) / R.sum(), abs=1e-5)


def test_frequency_weights_equal_expanded_rows(patterns):
    w = patterns["Ob7"].to_numpy()
    expanded = patterns.loc[patterns.index.repeat(w), Q].reset_index(drop=True)
    parts = {"Q1": "a", "Q2": "a", "Q3": "b", "Q4": "b", "Q5": "b"}
    it_w, rel_w = item_analysis(patterns[Q], weights=w, parts=parts)
    it_e, rel_e = item_analysis(expanded, parts=parts)
    num = ["p_correct", "item_rest_r"]
    np.testing.assert_allclose(it_w[num].to_numpy(), it_e[num].to_numpy(), rtol=1e-10)
    np.testing.assert_allclose(rel_w[["alpha", "alpha_std", "omega"]].to_numpy(),
                               rel_e[["alpha", "alpha_std", "omega"]].to_numpy(), rtol=1e-7)
    assert rel_e["n"].tolist() == [1000, 1000, 1000]


def test_scaling_weights_changes_nothing(patterns):
    w = _weights(patterns, "lsat6", "weighted")
    a_items, a_rel = item_analysis(patterns[Q], weights=w)
    b_items, b_rel = item_analysis(patterns[Q], weights=w * 1234.5)
    pd.testing.assert_frame_equal(a_items, b_items, rtol=1e-10)
    pd.testing.assert_frame_equal(a_rel, b_rel, rtol=1e-7)


def test_parts_rows_are_the_parts_alone(patterns):
    w = _weights(patterns, "lsat7", "weighted")
    parts = {"Q1": "knowledge", "Q2": "knowledge", "Q3": "methods", "Q4": "methods", "Q5": "methods"}
    items, rel = item_analysis(patterns[Q], weights=w, parts=parts)
    assert rel["scale"].tolist() == ["knowledge", "methods", "total"]
    assert rel["items"].tolist() == [2, 3, 5]
    assert items["part"].tolist() == ["knowledge", "knowledge", "methods", "methods", "methods"]
    _, alone = item_analysis(patterns[["Q3", "Q4", "Q5"]], weights=w)
    row = rel.set_index("scale").loc["methods"]
    assert row["alpha"] == pytest.approx(alone["alpha"].iloc[0], abs=1e-12)
    assert row["omega"] == pytest.approx(alone["omega"].iloc[0], abs=1e-9)
    # item_rest_r is against the whole test, not the part
    assert items.loc[2, "item_rest_r"] != pytest.approx(
        item_analysis(patterns[["Q3", "Q4", "Q5"]], weights=w).items.loc[0, "item_rest_r"], abs=1e-3)


# --- flags, shares, not administered --------------------------------------------------------

def _constructed(n=200, seed=3):
    rng = np.random.default_rng(seed)
    ability = rng.normal(size=n)
    good = {f"g{k}": (ability + rng.normal(scale=0.7, size=n) > 0).astype(float) for k in range(4)}
    df = pd.DataFrame(good)
    df["noise"] = (rng.random(n) < 0.5).astype(float)             # unrelated to the rest: r ~ 0
    easy = np.zeros(n)
    easy[: int(0.97 * n)] = 1.0                                    # p = .97 exactly
    df["easy"] = rng.permutation(easy)
    df["const"] = 1.0                                              # no variation
    return df


def test_flags_on_constructed_items():
    df = _constructed()
    items = item_analysis(df).items.set_index("item")
    assert list(items.columns) == ITEM_COLUMNS[1:]
    assert abs(items.loc["noise", "item_rest_r"]) < 0.15
    assert bool(items.loc["noise", "flag_low_discrimination"])
    assert "low discrimination" in items.loc["noise", "flags"]
    assert items.loc["easy", "p_correct"] == pytest.approx(0.97)
    assert bool(items.loc["easy", "flag_extreme"]) and "> 0.95" in items.loc["easy", "flags"]
    assert np.isnan(items.loc["const", "item_rest_r"])
    assert bool(items.loc["const", "flag_extreme"])
    assert not bool(items.loc["const", "flag_low_discrimination"])
    assert "no variation" in items.loc["const", "flags"]
    for g in ["g0", "g1", "g2", "g3"]:
        assert items.loc[g, "item_rest_r"] > 0.3
        assert not items.loc[g, "flag_low_discrimination"] and not items.loc[g, "flag_extreme"]
        assert items.loc[g, "flags"] == ""


def test_thresholds_are_parameters():
    df = _constructed()
    items = item_analysis(df, min_item_rest_r=0.9, p_low=0.0, p_high=0.99).items.set_index("item")
    assert items.loc[["g0", "g1", "g2", "g3"], "flag_low_discrimination"].all()
    assert not bool(items.loc["easy", "flag_extreme"])        # .97 < .99 now


def test_dont_know_and_skipped_shares_weighted():
    scored = pd.DataFrame({"a": [0, 0, 1, 0], "b": [1, 0, 1, np.nan]})
    dk = pd.DataFrame({"a": [True, False, False, False], "b": [False, True, False, False]})
    sk = pd.DataFrame({"a": [False, True, False, True], "b": [False, False, False, True]})
    w = [1.0, 2.0, 3.0, 4.0]
    items = item_analysis(scored, weights=w, dont_know=dk, skipped=sk).items.set_index("item")
    # a: administered to all (sum w = 10): don't know w 1 -> .1; skipped w 2 + 4 -> .6
    assert items.loc["a", "dont_know_share"] == pytest.approx(0.1)
    assert items.loc["a", "skipped_share"] == pytest.approx(0.6)
    # b: not administered to the 4th respondent (sum w = 6): don't know w 2 -> 1/3; the 4th's
    # "skipped" flag does not count (not administered); p = (1 + 3) / 6
    assert items.loc["b", "dont_know_share"] == pytest.approx(1 / 3)
    assert items.loc["b", "skipped_share"] == pytest.approx(0.0)
    assert items.loc["b", "p_correct"] == pytest.approx(4 / 6)
    assert items["n"].tolist() == [4, 3]
    none = item_analysis(scored).items
    assert none["dont_know_share"].isna().all() and none["skipped_share"].isna().all()


def test_not_administered_items_listwise_reliability():
    df = HAND.astype(float).copy()
    df.loc[0, "i3"] = np.nan
    items, rel = item_analysis(df)
    assert items["n"].tolist() == [5, 5, 4]
    assert rel["n"].iloc[0] == 4
    _, rel4 = item_analysis(HAND.iloc[1:])
    assert rel["alpha"].iloc[0] == pytest.approx(rel4["alpha"].iloc[0])
    assert list(rel.columns) == RELIABILITY_COLUMNS


def test_row_order_invariance():
    df = _constructed(seed=11)
    w = np.random.default_rng(2).uniform(0.5, 3, len(df))
    perm = np.random.default_rng(5).permutation(len(df))
    a = item_analysis(df, weights=w)
    b = item_analysis(df.iloc[perm].reset_index(drop=True), weights=w[perm])
    pd.testing.assert_frame_equal(a.items, b.items, rtol=1e-10)
    pd.testing.assert_frame_equal(a.reliability, b.reliability, rtol=1e-8)


# --- input checks -----------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, message", [
    (dict(scored=pd.DataFrame({"k1": [0, 1], "k3": [2, 0]})), "'k3'"),
    (dict(scored=pd.DataFrame({"k1": [0, 1], "k3": ["x", 0]})), "'k3'"),
    (dict(scored=pd.DataFrame({"k1": [0, 1]}), weights=[1.0]), "weights"),
    (dict(scored=pd.DataFrame({"k1": [0, 1]}), weights=[1.0, -1.0]), "weights"),
    (dict(scored=pd.DataFrame({"k1": [0, 1]}), weights=[1.0, np.nan]), "weights"),
    (dict(scored=pd.DataFrame({"k1": [0, 1], "k2": [1, 1]}), parts={"k1": "knowledge"}), "'k2'"),
    (dict(scored=pd.DataFrame({"k1": [0, 1]}), points={"k1": 0}), "'k1'"),
    (dict(scored=pd.DataFrame({"k1": [0, 1]}), dont_know=pd.DataFrame({"k1": [False, True]})), "'k1'"),
    (dict(scored=pd.DataFrame({"k1": [0, 1]}), skipped=pd.DataFrame({"k9": [False, True]})), "'k1'"),
])
def test_bad_input_raises_data_error(kwargs, message):
    with pytest.raises(DataError) as err:
        item_analysis(**kwargs)
    assert message in str(err.value) and "\n" not in str(err.value)
