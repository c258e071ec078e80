"""The measurement stage over any number of rounds (issue 23 item 3), checked by hand and on
simulated data with known parameters.

mirt is not installable here (no r-cran-mirt), so the three-group calibration is checked by an
invariant and by recovery: (1) a third group that is a copy of the second reproduces the
two-group fit with the second group's answers doubled (the likelihoods are the same function
at the symmetric optimum), and (2) three rounds joined only through a chain of forms (A-B and
B-C share items, A-C none) recover the simulated means and SDs within three standard errors.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit

from literacy.assessment.linked import CHANGE_LINKED_COLUMNS, change_linked_table
from literacy.assessment.measurement import link_forms
from literacy.assessment.schedule import CONSECUTIVE, SINCE_BASELINE, Comparison
from literacy.measurement import fit_irt, form_graph, form_links


def _form(items):
    return pd.DataFrame({"item_id": [f"q{j:02d}" for j in items], "part": "knowledge", "points": 100 / len(items),
                         "correct": 1, "dont_know_code": 8})


# ------------------------------------------------------------------------------- the form graph


def test_each_pair_of_forms_sharing_items_is_checked_with_the_minimum_anchor_rule(config):
    # 20-item forms: the rule asks max(8, ceil(20% of 20)) = 8 anchors per link
    forms = {"2020": _form(range(0, 20)), "2023": _form(range(10, 30)), "2025": _form(range(20, 40))}
    links = form_links(forms, config)
    assert links[["from_round", "to_round", "shared_items", "needed"]].values.tolist() == [
        ["2020", "2023", 10, 8], ["2023", "2025", 10, 8]]   # 2020 and 2025 share nothing: no link
    assert links["feasible"].all() and not links["same_form"].any()
    graph = form_graph(forms, config, "2020")
    # 2025 reaches the baseline's scale through the mid-term form
    assert graph.linked == ["2020", "2023", "2025"] and graph.parent == {"2023": "2020", "2025": "2023"}
    assert graph.feasible and graph.unlinked == {}


def test_a_round_with_no_chain_to_the_baseline_is_named_not_linkable(config):
    forms = {"2020": _form(range(0, 20)), "2023": _form(range(10, 30)), "2025": _form(range(25, 45)),
             "2027": _form(range(100, 120))}
    graph = form_graph(forms, config, "2020")
    assert graph.linked == ["2020", "2023"] and not graph.feasible
    assert graph.unlinked["2025"] == ("round 2025 is not linked to the baseline 2020's scale (no chain of forms with "
                                      "enough shared items): 2023–2025: 8 anchors needed (8 items and 20% of the "
                                      "smaller form of 20), 5 found")
    assert graph.unlinked["2027"].endswith("its form shares no item with another round's")
    # the baseline's own direct link is preferred over a chain
    forms = {"2020": _form(range(0, 20)), "2023": _form(range(5, 25)), "2025": _form(range(10, 30))}
    assert form_graph(forms, config, "2020").parent == {"2023": "2020", "2025": "2020"}
    # one form for every round: linked whatever the rule asks
    same = {r: _form(range(5)) for r in ("2020", "2023")}
    assert form_links(same, config)["same_form"].all() and form_graph(same, config, "2020").linked == ["2020", "2023"]


# ------------------------------------------------------------------- three-group calibration


def _answers(rng, n, a, d, items, mean, sd, J):
    theta = rng.normal(mean, sd, n)
    y = np.full((n, J), np.nan)
    cols = np.asarray(list(items))
    y[:, cols] = (rng.random((n, len(cols))) < expit(np.outer(theta, a[cols]) + d[cols])).astype(float)
    return pd.DataFrame(y, columns=[f"q{j:02d}" for j in range(J)])


def test_a_third_group_copying_the_second_reproduces_the_two_group_fit():
    rng = np.random.default_rng(7)
    J = 16
    a, d = rng.uniform(0.7, 1.8, J), rng.normal(0, 1, J)
    A = _answers(rng, 1500, a, d, range(0, 12), 0.0, 1.0, J)
    B = _answers(rng, 1500, a, d, range(4, 16), 0.4, 1.2, J)
    three = fit_irt(pd.concat([A, B, B], ignore_index=True), groups=np.repeat(["A", "B", "C"], 1500), baseline="A")
    two = fit_irt(pd.concat([A, B, B], ignore_index=True), groups=np.repeat(["A", "B"], [1500, 3000]), baseline="A")
    g3, g2 = three.groups.set_index("group"), two.groups.set_index("group")
    for col in ("mean", "sd"):
        assert g3.loc["B", col] == pytest.approx(g2.loc["B", col], abs=2e-5)
        assert g3.loc["C", col] == pytest.approx(g2.loc["B", col], abs=2e-5)
    i3, i2 = three.items.set_index("item"), two.items.set_index("item")
    np.testing.assert_allclose(i3.loc[i2.index, ["a", "d"]].to_numpy(), i2[["a", "d"]].to_numpy(), atol=5e-5)
    assert three.loglik == pytest.approx(two.loglik, abs=1e-4)


def _chain(seed=11, n=2500):
    """Three rounds on a chain of 20-item forms (A: 0-19, B: 10-29, C: 20-39), known latent N(mean, sd²)."""
    rng = np.random.default_rng(seed)
    J = 40
    a, d = rng.uniform(0.8, 1.8, J), rng.normal(0, 0.8, J)
    truth = {"2020": (0.0, 1.0), "2023": (0.4, 1.2), "2025": (0.9, 0.8)}
    spans = {"2020": range(0, 20), "2023": range(10, 30), "2025": range(20, 40)}
    scored = {}
    for r, (m, s) in truth.items():
        full = _answers(rng, n, a, d, spans[r], m, s, J)
        scored[r] = full[[f"q{j:02d}" for j in spans[r]]]
    return scored, {r: _form(spans[r]) for r in spans}, truth


def test_three_rounds_joined_through_a_chain_of_forms_recover_their_means_and_sds(config):
    scored, forms, truth = _chain()
    graph = form_graph(forms, config, "2020")
    anchors = [f"q{j:02d}" for j in range(10, 30)]          # on two forms each
    weights = {r: np.ones(len(s)) for r, s in scored.items()}
    scale = link_forms(scored, weights, forms, anchors, config, parent=graph.parent)
    g = scale.fit.groups.set_index(scale.fit.groups["group"].astype(str))
    assert g.loc["2020", "mean"] == 0 and g.loc["2020", "sd"] == 1
    for r in ("2023", "2025"):
        m, s = truth[r]
        assert abs(g.loc[r, "mean"] - m) < 3 * g.loc[r, "se_mean"], (r, g.loc[r, "mean"], m)
        assert abs(g.loc[r, "sd"] - s) < 3 * g.loc[r, "se_sd"], (r, g.loc[r, "sd"], s)
    # the drift review: each round against the form it is linked through, on the items both hold
    drift = scale.drift
    assert set(zip(drift["round"], drift["reference"].astype(str))) == {("2023", "2020"), ("2025", "2023")}
    assert sorted(drift.loc[drift["round"] == "2025", "item"]) == [f"q{j:02d}" for j in range(20, 30)]
    assert sorted(drift.loc[drift["round"] == "2023", "item"]) == [f"q{j:02d}" for j in range(10, 20)]
    assert scale.rounds == ["2020", "2023", "2025"] and set(scale.anchors) <= set(anchors)


# -------------------------------------------------------------------- the linked change table


def _linked(rid, est, se_w, se_b, se_l=0.0):
    return pd.DataFrame({"round": rid, "breakdown": "city", "domain": "all", "label_zh": "全市", "label_en": "City",
                         "level": "literate", "estimate": est, "se_sampling": se_w, "se_imputation": se_b,
                         "se_linking": se_l, "suppressed": False, "suppression_reason": None}, index=[0])


def test_every_comparison_gets_its_rows_and_its_own_linking_error(config):
    linked = {"2020": _linked("2020", 0.09, 0.005, 0.002, 0.0), "2023": _linked("2023", 0.11, 0.006, 0.002, 0.003),
              "2025": _linked("2025", 0.13, 0.006, 0.003, 0.004)}
    keys = {"breakdown": "city", "domain": "all", "level": "literate"}
    linking = pd.DataFrame([{**keys, "from_round": "2020", "to_round": "2023", "se_linking": 0.003},
                            {**keys, "from_round": "2023", "to_round": "2025", "se_linking": 0.002},
                            {**keys, "from_round": "2020", "to_round": "2025", "se_linking": 0.004}])
    raw = pd.DataFrame([{**keys, "from_round": "2020", "to_round": "2023", "change": 0.01},
                        {**keys, "from_round": "2023", "to_round": "2025", "change": 0.02},
                        {**keys, "from_round": "2020", "to_round": "2025", "change": 0.03}])
    pairs = [Comparison("2020", "2023", SINCE_BASELINE), Comparison("2023", "2025", CONSECUTIVE),
             Comparison("2020", "2025", SINCE_BASELINE)]
    out = change_linked_table(linked, linking, raw, config, True, "n", comparisons=pairs)
    assert list(out.columns) == CHANGE_LINKED_COLUMNS
    assert out[["from_round", "to_round", "comparison"]].values.tolist() == [
        ["2020", "2023", SINCE_BASELINE], ["2023", "2025", CONSECUTIVE], ["2020", "2025", SINCE_BASELINE]]
    mid = out.iloc[1]
    # by hand: 0.13 - 0.11, the two rounds' sampling and imputation variances and the change's own linking error
    assert mid["change"] == pytest.approx(0.02) and mid["from_estimate"] == 0.11 and mid["to_estimate"] == 0.13
    assert mid["se_total"] == pytest.approx(np.sqrt(0.006 ** 2 * 2 + 0.002 ** 2 + 0.003 ** 2 + 0.002 ** 2))
    assert mid["se_linking_from"] == 0.003 and mid["se_linking_to"] == 0.004 and mid["raw_change"] == 0.02
    # the two-round columns keep their meaning for each pair
    assert (out["baseline"] == out["from_estimate"]).all() and (out["endline_round"] == out["to_round"]).all()
    assert out["se_linking"].tolist() == [0.003, 0.002, 0.004]


def test_a_change_with_a_round_off_the_scale_keeps_its_domains_blank_with_the_reason(config):
    linked = {"2020": _linked("2020", 0.09, 0.005, 0.002), "2025": _linked("2025", 0.13, 0.006, 0.003)}
    raw = pd.DataFrame({"breakdown": ["city"], "domain": ["all"], "level": ["literate"], "change": [0.03]})
    pairs = [Comparison("2020", "2023", SINCE_BASELINE), Comparison("2023", "2025", CONSECUTIVE),
             Comparison("2020", "2025", SINCE_BASELINE)]
    why = "round 2023 is not linked to the baseline 2020's scale (...)"
    out = change_linked_table(linked, None, raw, config, True, "n", comparisons=pairs, unlinked={"2023": why})
    off = out[out["to_round"].eq("2023") | out["from_round"].eq("2023")]
    assert len(off) == 2 and not off["comparable"].any() and off["change"].isna().all()
    assert (off["note"] == why).all()
    on = out[(out["from_round"] == "2020") & (out["to_round"] == "2025")].iloc[0]
    assert bool(on["comparable"]) and on["change"] == pytest.approx(0.04) and on["se_linking"] == 0


def test_the_simulated_truth_check_compares_each_linked_change_with_its_own_pairs_truth():
    from literacy.assessment.truth import truth_check_linked

    k = {"breakdown": "city", "domain": "all", "level": "literate"}
    truths = {r: pd.DataFrame([{**k, "rate_linked": v}]) for r, v in (("2020", 0.09), ("2023", 0.10), ("2025", 0.12))}
    linked = pd.DataFrame([{**k, "round": r, "estimate": v, "ci_low": v - 0.02, "ci_high": v + 0.02}
                           for r, v in (("2020", 0.09), ("2023", 0.11), ("2025", 0.12))])
    ch = pd.DataFrame([{**k, "from_round": a, "to_round": b, "change": c, "ci_low": c - 0.01, "ci_high": c + 0.01}
                       for a, b, c in (("2023", "2025", 0.035), ("2020", "2023", 0.015), ("2020", "2025", 0.03))])
    out = truth_check_linked(linked, ch, truths)
    changes = out[out["kind"] == "change"].set_index("round")
    # by hand: true changes 0.02, 0.01 and 0.03; 2023→2025's interval (0.025, 0.045) misses 0.02
    assert changes["truth"].to_dict() == pytest.approx({"2023-2025": 0.02, "2020-2023": 0.01, "2020-2025": 0.03})
    assert changes["covered"].to_dict() == {"2023-2025": False, "2020-2023": True, "2020-2025": True}


def test_the_delivery_check_of_three_rounds_reads_each_link_and_of_two_the_one_rule(config):
    from literacy.measurement import linking_feasible, rounds_linkable

    chain = {"2020": _form(range(0, 20)), "2023": _form(range(10, 30)), "2025": _form(range(20, 40))}
    ok, reason, links, unlinked = rounds_linkable(chain, config, "2020", "2025")
    assert ok and reason == "" and len(links) == 2 and unlinked == {}
    # the all-forms count (20 anchors over three forms) would pass a form cut off from the chain
    cut = {"2020": _form(range(0, 20)), "2023": _form(range(10, 30)), "2025": _form(range(25, 45))}
    ok, reason, _, unlinked = rounds_linkable(cut, config, "2020", "2025")
    assert not ok and reason.startswith("round 2025 is not linked to the baseline 2020's scale")
    assert list(unlinked) == ["2025"] and linking_feasible(cut, config)[0]
    # a mid-term round off the scale does not stop the baseline-endline link; it is named
    off = {"2020": _form(range(0, 20)), "2023": _form(range(50, 70)), "2025": _form(range(10, 30))}
    ok, reason, _, unlinked = rounds_linkable(off, config, "2020", "2025")
    assert ok and reason == "" and list(unlinked) == ["2023"]
    two = {"2020": _form(range(0, 20)), "2025": _form(range(15, 35))}
    assert rounds_linkable(two, config)[:2] == linking_feasible(two, config)


def test_a_rounds_linking_error_is_found_by_its_id_in_any_pair(config):
    from literacy.assessment.linked import add_linking_error

    k = {"breakdown": "city", "domain": "all", "level": "literate"}
    linking = pd.DataFrame([{**k, "from_round": "2020", "to_round": "2023", "se_linking": 0.01,
                             "se_linking_from": 0.001, "se_linking_to": 0.003},
                            {**k, "from_round": "2023", "to_round": "2025", "se_linking": 0.02,
                             "se_linking_from": 0.003, "se_linking_to": 0.005}])
    est = _linked("2023", 0.11, 0.006, 0.002).drop(columns="se_linking")
    assert add_linking_error(est, linking, "2023", config).loc[0, "se_linking"] == 0.003
    assert add_linking_error(est, linking, "2025", config).loc[0, "se_linking"] == 0.005
    # the two-round names: the first pair's earlier round, the last pair's later round
    assert add_linking_error(est, linking, "baseline", config).loc[0, "se_linking"] == 0.001
    assert add_linking_error(est, linking, "endline", config).loc[0, "se_linking"] == 0.005
    assert add_linking_error(est, linking, "2031", config).loc[0, "se_linking"] == 0


def test_freeing_flagged_anchors_never_takes_a_link_of_the_chain_below_its_minimum():
    from literacy.measurement import concurrent_calibration

    scored, forms, _ = _chain(seed=5, n=1200)
    stacked = pd.concat(scored.values(), ignore_index=True, sort=False)
    groups = np.concatenate([np.full(len(s), r) for r, s in scored.items()])
    ab, bc = [f"q{j:02d}" for j in range(10, 20)], [f"q{j:02d}" for j in range(20, 30)]
    flagged = bc[:4] + ab[:1]                     # four of the 2023-2025 link's ten anchors, one of 2020-2023's
    res = concurrent_calibration(stacked, None, groups, ab + bc, drift_items=flagged, rmsd_limit=10.0,
                                 baseline="2020", min_anchors=8, link_minimums=[(ab, 8), (bc, 8)])
    freed = set(res.freed["item"])
    # 2023-2025 may lose two of its ten (8 needed), 2020-2023 its one flagged (9 left)
    assert len(freed & set(bc)) == 2 and freed & set(ab) == {ab[0]}
    assert len(set(res.anchors) & set(bc)) == 8 and len(set(res.anchors) & set(ab)) == 9
    assert any("fewer anchors than it needs" in n for n in res.fit.notes)
    # without the links, only the total counts: all five go
    loose = concurrent_calibration(stacked, None, groups, ab + bc, drift_items=flagged, rmsd_limit=10.0,
                                   baseline="2020", min_anchors=8)
    assert set(loose.freed["item"]) == set(flagged)
