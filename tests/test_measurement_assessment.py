"""The measurement stage's orchestration (literacy.assessment.measurement), checked by hand.

The IRT, DIF, plausible-value and Rubin machinery have their own golden tests (test_irt.py,
test_dif.py, test_plausible.py, test_rubin.py); here: the scoring of the item matrix, the cut on
the latent scale, the posterior-expected shares the linking error rests on, and the change table.
"""

from __future__ import annotations


import numpy as np
import pandas as pd
import pytest
from scipy import stats

from literacy.errors import ConfigError, DataError
from literacy.measurement import test_characteristic_curve
from literacy.assessment.linked import CHANGE_LINKED_COLUMNS, _expected_shares, change_linked_table
from literacy.assessment.measurement import cut_scores, item_scores, pv_distribution

def _instrument():
    return pd.DataFrame({"item_id": ["A", "B", "C"], "part": ["knowledge"] * 3, "points": [2.0, 3.0, 5.0],
                         "correct": [1, 2, 3], "dont_know_code": [8, 8, 8]})


def test_item_scores_follow_the_official_scoring_and_align_by_id():
    responses = pd.DataFrame({"respondent_id": ["r1", "r2", "r3"], "A": [1, 8, np.nan], "B": [2, 2, 1],
                              "C": [3, 1, 8]})
    s, dk, sk = item_scores(responses, _instrument(), order=pd.Series(["r3", "r1", "r2"]))
    # r3: A skipped (0), B wrong (0), C don't know (0); r1: all right; r2: A don't know, B right, C wrong
    assert s.to_numpy().tolist() == [[0, 0, 0], [1, 1, 1], [0, 1, 0]]
    assert dk.to_numpy().tolist() == [[False, False, True], [False] * 3, [True, False, False]]
    assert sk.to_numpy().tolist() == [[True, False, False], [False] * 3, [False] * 3]
    with pytest.raises(DataError, match="'r9'"):
        item_scores(responses, _instrument(), order=pd.Series(["r1", "r9"]))


class _Fit:
    """The slice of an IRTFit that cut_scores reads."""

    def __init__(self, items):
        self.items = items


def test_cut_is_where_the_baseline_forms_expected_points_equal_the_threshold(config):
    items = pd.DataFrame({"item": ["A", "B", "C"], "group": [None, None, "2020"], "a": [1.0, 1.5, 0.8],
                          "d": [0.5, -0.5, -1.0]})
    inst = _instrument().assign(points=[30.0, 30.0, 40.0])
    cuts = cut_scores(_Fit(items), inst, pd.DataFrame(), config, "2020")
    for lv in config["scoring"]["levels"]:
        tcc = test_characteristic_curve(cuts[lv["code"]], [1.0, 1.5, 0.8], [0.5, -0.5, -1.0], [30, 30, 40])
        assert tcc == pytest.approx(float(lv["threshold"]), abs=1e-8)
    # one item on one parameter set per form: the round's own row wins over nothing else
    assert cuts["advanced"] > cuts["literate"] > cuts["basic"]


def test_an_item_everyone_answered_right_adds_its_points_to_every_theta(config):
    items = pd.DataFrame({"item": ["A", "B"], "group": [None, None], "a": [1.0, 1.5], "d": [0.5, -0.5]})
    inst = _instrument().assign(points=[40.0, 40.0, 20.0])          # C left out of the calibration
    scored = pd.DataFrame({"A": [1, 0], "B": [0, 1], "C": [1, 1]})
    cuts = cut_scores(_Fit(items), inst, scored, config, "2020")
    # 70 points overall = 50 points on A and B, since C's 20 points are certain
    assert test_characteristic_curve(cuts["literate"], [1.0, 1.5], [0.5, -0.5], [40, 40]) == pytest.approx(50)


def test_expected_share_is_continuous_in_the_cut_and_right_without_items():
    # no items: the posterior is the prior N(mean, sd^2); the share above c is 1 - Phi((c - mean) / sd)
    empty = pd.DataFrame(np.zeros((4, 0)))
    for c in (0.3, 0.33, 0.36):   # within one grid cell (spacing 0.05): a step function would not move
        q = _expected_shares(empty, np.zeros(0), np.zeros(0), 0.2, 1.1, {"x": c})["x"]
        assert q == pytest.approx(np.full(4, stats.norm.sf((c - 0.2) / 1.1)), abs=2e-4)
    # with items, a small shift of the latent mean moves the share (the bug the midpoint rule fixed)
    rng = np.random.default_rng(3)
    y = pd.DataFrame((rng.random((500, 10)) < 0.5).astype(float))
    a, d = np.ones(10), np.zeros(10)
    base = _expected_shares(y, a, d, 0.0, 1.0, {"x": 1.0})["x"].mean()
    moved = _expected_shares(y, a, d, 0.02, 1.0, {"x": 1.0})["x"].mean()
    assert moved > base + 1e-3


def _linked(rid, est, se_w, se_b, suppressed=False):
    return pd.DataFrame({"round": rid, "breakdown": "city", "domain": "all", "label_zh": "全市", "label_en": "City",
                         "level": "literate", "estimate": est, "se_sampling": se_w, "se_imputation": se_b,
                         "suppressed": suppressed, "suppression_reason": "few" if suppressed else None}, index=[0])


def test_change_linked_adds_the_three_errors_and_blanks_a_suppressed_round(config):
    raw = pd.DataFrame({"breakdown": ["city"], "domain": ["all"], "level": ["literate"], "change": [0.03]})
    linking = pd.DataFrame({"breakdown": ["city"], "domain": ["all"], "level": ["literate"], "se_linking": [0.004]})
    out = change_linked_table({"2020": _linked("2020", 0.08, 0.005, 0.002), "2025": _linked("2025", 0.15, 0.006, 0.003)},
                              linking, raw, config, comparable=True, note="n")
    assert list(out.columns) == CHANGE_LINKED_COLUMNS
    r = out.iloc[0]
    total = np.sqrt(0.005 ** 2 + 0.006 ** 2 + 0.002 ** 2 + 0.003 ** 2 + 0.004 ** 2)
    assert r["change"] == pytest.approx(0.07) and r["se_total"] == pytest.approx(total)
    assert r["ci_low"] == pytest.approx(0.07 - stats.norm.ppf(0.975) * total)
    assert r["p_value"] == pytest.approx(2 * stats.norm.sf(0.07 / total))
    assert r["raw_change"] == 0.03 and bool(r["comparable"])
    out = change_linked_table({"2020": _linked("2020", 0.08, 0.005, 0.002, suppressed=True),
                               "2025": _linked("2025", 0.15, 0.006, 0.003)}, linking, raw, config, True)
    assert np.isnan(out.loc[0, "change"]) and bool(out.loc[0, "suppressed"])


def test_pv_distribution_is_the_weighted_share_of_draws_per_bin():
    pvs = np.array([[0.1, 0.2], [1.1, 1.2], [9.0, -9.0]])
    w = np.array([1.0, 3.0, 0.0])
    out = pv_distribution(pvs, w, "2020", lo=-1, hi=2, width=1.0)
    assert out["share"].tolist() == pytest.approx([0.0, 0.25, 0.75])
    assert out["share"].sum() == pytest.approx(1.0)


@pytest.mark.parametrize("section, message", [
    ({"model": "3pl"}, "measurement.model"), ({"plausible_values": 1}, "plausible_values"),
    ({"free_drift_class": "D"}, "free_drift_class"), ({"linking_error": "bootstrap"}, "linking_error"),
])
def test_measurement_config_errors_are_one_line(config, section, message):
    from literacy.assessment import validate_config

    with pytest.raises(ConfigError, match=message):
        validate_config({**config, "measurement": section})


def test_a_rounds_anchor_jackknife_is_shown_beside_its_share_not_in_its_se(config):
    # PISA adds the linking error to comparisons across cycles, never to a cycle's own figures
    from literacy.assessment.linked import add_linking_error

    se0 = np.hypot(0.006, 0.003)
    linked = _linked("2025", 0.15, 0.006, 0.003).assign(n=900, df=40.0, ci_low=0.1, ci_high=0.2, se=se0, cv=0.1)
    linking = pd.DataFrame({"breakdown": ["city"], "domain": ["all"], "level": ["literate"], "se_linking": [0.01],
                            "se_linking_baseline": [0.001], "se_linking_endline": [0.004]})
    out = add_linking_error(linked, linking, "endline", config)
    assert out.loc[0, "se_linking"] == 0.004
    assert out.loc[0, "se"] == se0 and out.loc[0, "ci_low"] == 0.1 and out.loc[0, "ci_high"] == 0.2
    assert list(out.columns).index("se_linking") == list(out.columns).index("se_imputation") + 1
    # one form for both rounds: the link is exact
    same = add_linking_error(linked, None, "endline", config)
    assert same.loc[0, "se_linking"] == 0 and same.loc[0, "se"] == se0


def test_the_change_takes_the_calibration_part_of_the_change_not_the_sum_of_the_rounds(config):
    # by hand: round sampling variances 0.005² and 0.006², of which the calibration's 0.002² (2020,
    # positive) and 0.004² (2025); the change's own calibration part 0.003² replaces both
    raw = pd.DataFrame({"breakdown": ["city"], "domain": ["all"], "level": ["literate"], "change": [0.03]})
    linking = pd.DataFrame({"breakdown": ["city"], "domain": ["all"], "level": ["literate"], "se_linking": [0.004]})
    base = _linked("2020", 0.08, 0.005, 0.002).assign(se_calibration=0.002)
    end = _linked("2025", 0.15, 0.006, 0.003).assign(se_calibration=0.004)
    cal = pd.DataFrame({"breakdown": ["city"], "domain": ["all"], "level": ["literate"], "var_calibration": [0.003 ** 2]})
    out = change_linked_table({"2020": base, "2025": end}, linking, raw, config, True, "n", calibration=cal)
    se_s = np.sqrt(0.005 ** 2 - 0.002 ** 2 + 0.006 ** 2 - 0.004 ** 2 + 0.003 ** 2)
    assert out.loc[0, "se_sampling"] == pytest.approx(se_s)
    assert out.loc[0, "se_total"] == pytest.approx(np.sqrt(se_s ** 2 + 0.002 ** 2 + 0.003 ** 2 + 0.004 ** 2))
    # a negative part (the calibration offsetting the round's own error) is added back
    base_neg = base.assign(se_calibration=-0.002)
    out = change_linked_table({"2020": base_neg, "2025": end}, linking, raw, config, True, "n", calibration=cal)
    assert out.loc[0, "se_sampling"] == pytest.approx(np.sqrt(0.005 ** 2 + 0.002 ** 2 + 0.006 ** 2 - 0.004 ** 2
                                                              + 0.003 ** 2))
    # without the change's part the rounds' sampling variances add as they are
    out = change_linked_table({"2020": base, "2025": end}, linking, raw, config, True, "n")
    assert out.loc[0, "se_sampling"] == pytest.approx(np.hypot(0.005, 0.006))
