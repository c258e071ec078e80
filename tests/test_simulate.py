"""The simulated survey programme: forms, population, two-stage sample, margins and truth.

Expected values are computed here by hand from the config and from the population frame
(inclusion probabilities n M_i / M_h x m / M_i, shares, counts), never taken from the
simulation's own intermediate results.
"""

import copy
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from literacy.errors import ConfigError
from literacy.scoring import score_responses
from literacy.simulate import (EDUCATION, OCCUPATION, make_forms, make_instrument, pps_systematic,
                               simulate_programme)

CONFIG = Path(__file__).resolve().parents[1] / "config" / "wuhai.yaml"
SMALL = 0.05

RESPONSE_COLUMNS = ["respondent_id", "district", "residence", "stratum", "psu", "selection_prob", "sex", "age",
                    "education", "occupation"]
SAMPLE_COLUMNS = ["respondent_id", "district", "residence", "stratum", "psu", "selection_prob", "sex", "age",
                  "responded"]
#: The fieldwork columns (issue 26): the sample's disposition, the responses' paradata after the items.
PARADATA_COLUMNS = ["interviewer_id", "duration_seconds", "mode"]
MARGIN_COLUMNS = ["dimension", "district", "residence", "sex", "age_band", "education", "occupation", "population",
                  "source"]


def _config(scale: float) -> dict:
    cfg = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    cfg["simulation"]["population_scale"] = scale
    return cfg


@pytest.fixture(scope="module")
def config():
    return _config(SMALL)


@pytest.fixture(scope="module")
def small(config):
    return simulate_programme(config)


@pytest.fixture(scope="module")
def full():
    """The full-scale programme (about 400,000 adults per round; a few seconds)."""
    return simulate_programme(_config(1.0))


# -- instrument ---------------------------------------------------------------------------------
def test_instrument_follows_the_contract_and_the_configured_parts(config):
    ins = make_instrument()
    assert list(ins.columns) == ["item_id", "part", "points", "item_type", "correct", "valid_codes",
                                 "dont_know_code", "text_zh", "text_en"]
    assert len(ins) >= 30
    assert ins["item_id"].is_unique
    assert all(re.fullmatch(r"Q\d{2}", i) for i in ins["item_id"])
    totals = ins.groupby("part")["points"].sum().to_dict()
    assert totals == {part: float(spec[0]) for part, spec in config["scoring"]["parts"].items()}
    assert ins["points"].sum() == config["scoring"]["max_score"]
    assert set(ins["item_type"]) == {"true_false", "single_choice"}
    for _, row in ins.iterrows():
        valid = [int(v) for v in row["valid_codes"].split(";")]
        assert valid == ([1, 2] if row["item_type"] == "true_false" else [1, 2, 3, 4])
        assert row["correct"] in valid
        assert row["dont_know_code"] == 8
        assert len(row["text_zh"]) >= 5 and len(row["text_en"]) >= 15
    # true/false items have both "true" and "false" keys (the antibiotics item is false)
    tf = ins[ins["item_type"] == "true_false"]
    assert set(tf["correct"]) == {1, 2}
    assert ins.loc[ins["text_en"].str.contains("Antibiotics"), "correct"].tolist() == [2]


def test_the_end_of_period_form_shares_anchors_and_replaces_the_rest_with_harder_items(config, full):
    forms = make_forms(config)
    base, end = forms["2020"], forms["2025"]
    pd.testing.assert_frame_equal(base, make_instrument())
    parts = {part: float(spec[0]) for part, spec in config["scoring"]["parts"].items()}
    assert end.groupby("part")["points"].sum().to_dict() == parts          # a valid 100-point form
    assert list(end.columns) == list(base.columns) and end["item_id"].is_unique
    anchors = end[end["item_id"].isin(base["item_id"])]
    new = end[~end["item_id"].isin(base["item_id"])]
    assert len(anchors) == 15 and len(new) == 20
    assert set(anchors["part"]) == set(parts)                               # anchors in every part
    assert new["item_id"].str.fullmatch(r"N\d{2}").all()
    for _, row in anchors.iterrows():                                       # an anchor is the same item
        same = base.set_index("item_id").loc[row["item_id"]]
        assert (same["part"], same["points"], same["correct"], same["text_en"]) == \
            (row["part"], row["points"], row["correct"], row["text_en"])
    for _, row in new.iterrows():
        valid = [int(v) for v in row["valid_codes"].split(";")]
        assert row["correct"] in valid and row["dont_know_code"] == 8
        assert len(row["text_zh"]) >= 5 and len(row["text_en"]) >= 15 and row["text_en"] not in set(base["text_en"])
    # harder: the new items' true difficulty is above that of the baseline items they replace
    items = full.items
    b20 = items[items["round"] == "2020"].set_index("item_id")["b"]
    b25 = items[items["round"] == "2025"].set_index("item_id")["b"]
    replaced = b20.drop(anchors["item_id"])
    assert b25[new["item_id"]].mean() > replaced.mean() + 0.5
    assert full.instruments["2025"].equals(end) and full.instrument.equals(base)


def test_two_anchors_drift_in_the_end_of_period_round(full, config):
    items = full.items
    assert list(items.columns) == ["round", "item_id", "part", "points", "a", "d", "b", "anchor", "drift"]
    b20 = items[items["round"] == "2020"].set_index("item_id")
    b25 = items[items["round"] == "2025"].set_index("item_id")
    common = b20.index.intersection(b25.index)
    assert len(common) == 15 and b20.loc[common, "anchor"].all() and b25.loc[common, "anchor"].all()
    assert not b20.drop(common)["anchor"].any() and not b25.drop(common)["anchor"].any()
    moved = (b25.loc[common, "b"] - b20.loc[common, "b"]).abs()
    drifting = sorted(moved[moved > 1e-9].index)
    assert drifting == sorted(full.drifting_anchors) and len(drifting) == 2
    drift = float(config["simulation"]["forms"]["2025"]["drift"])   # on the theta scale, SD 1 in 2020
    assert moved[drifting].to_numpy() == pytest.approx(np.full(2, drift), abs=1e-9)
    np.testing.assert_allclose(moved.drop(drifting), 0, atol=1e-12)
    np.testing.assert_allclose(b25.loc[common, "a"], b20.loc[common, "a"], rtol=1e-12)
    np.testing.assert_allclose((b25.loc[drifting, "b"] - b20.loc[drifting, "b"]), b25.loc[drifting, "drift"])
    np.testing.assert_allclose(items["d"], -items["a"] * items["b"], rtol=1e-12)
    assert all(any(a in note for note in full.notes) for a in drifting)


# -- determinism ----------------------------------------------------------------------------------
def test_same_config_and_seed_give_identical_frames(config, small):
    again = simulate_programme(config)
    pd.testing.assert_frame_equal(small.instrument, again.instrument)
    pd.testing.assert_frame_equal(small.items, again.items)
    for rid in small.instruments:
        pd.testing.assert_frame_equal(small.instruments[rid], again.instruments[rid])
    for rid, rd in small.rounds.items():
        other = again.rounds[rid]
        for name in ("responses", "sample", "margins", "truth", "population"):
            pd.testing.assert_frame_equal(getattr(rd, name), getattr(other, name), obj=f"{rid}/{name}")
    different = simulate_programme(config, seed=config["assessment"]["seed"] + 1)
    assert not small.rounds["2020"].sample["selection_prob"].equals(different.rounds["2020"].sample["selection_prob"]) \
        or not small.rounds["2020"].sample["age"].equals(different.rounds["2020"].sample["age"])


# -- sample structure -----------------------------------------------------------------------------
def test_sample_and_responses_structure(small):
    assert list(small.rounds) == ["2020", "2025"]
    for rid, rd in small.rounds.items():
        ins = small.instruments[rid]                       # the round's own form
        s, r = rd.sample, rd.responses
        assert list(s.columns) == SAMPLE_COLUMNS + ["disposition"]
        assert list(r.columns) == RESPONSE_COLUMNS + ins["item_id"].tolist() + PARADATA_COLUMNS
        assert s["respondent_id"].is_unique and r["respondent_id"].is_unique
        # every stratum has at least two sampled PSUs (a variance needs two)
        assert (s.groupby("stratum")["psu"].nunique() >= 2).all()
        sampling = s["district"] + "-" + s["residence"]
        assert set(sampling) == {f"{d}-{x}" for d in ("haibowan", "hainan", "wuda") for x in ("urban", "rural")}
        # PSUs drawn with certainty are variance strata of their own with the adults as PSUs
        certain = s["stratum"] != sampling
        assert (s.loc[~certain, "stratum"] == sampling[~certain]).all()
        assert s.loc[~certain, "psu"].str.fullmatch(r"(HBW|HN|WD)-[UR]-\d{3}").all()
        assert (s.loc[certain, "stratum"].str.fullmatch(r"[a-z]+-(urban|rural)-(HBW|HN|WD)-[UR]-\d{3}")).all()
        assert s.loc[certain, "psu"].is_unique
        assert (s.loc[certain, "psu"].str.split("-").str[:3].str.join("-")
                == s.loc[certain, "stratum"].str.split("-").str[2:].str.join("-")).all()
        assert ((s["residence"] == "urban") == s["psu"].str.contains("-U-")).all()
        assert ((s["selection_prob"] > 0) & (s["selection_prob"] <= 1)).all()
        assert set(s["responded"].unique()) <= {0, 1}
        # respondents are exactly the sampled adults with responded == 1, with the same frame values
        assert set(r["respondent_id"]) == set(s.loc[s["responded"] == 1, "respondent_id"])
        # (a record planted as an exact duplicate carries the copied respondent's sex and age)
        copied = set(rd.fieldwork_truth.loc[rd.fieldwork_truth["exact_duplicate"], "respondent_id"])
        merged = r[SAMPLE_COLUMNS[:-1]].merge(s, on="respondent_id", suffixes=("", "_s"))
        merged = merged[~merged["respondent_id"].isin(copied)]
        for c in SAMPLE_COLUMNS[1:-1]:
            assert (merged[c] == merged[f"{c}_s"]).all(), c
        assert r["age"].between(18, 69).all()
        assert set(r["education"]) <= set(EDUCATION) and set(r["occupation"]) <= set(OCCUPATION)
        # answers: nullable ints, valid codes or 8, and some blanks
        items = r[ins["item_id"]]
        assert (items.dtypes == "Int64").all()
        assert items.isna().to_numpy().any()
        for item, valid in zip(ins["item_id"], ins["valid_codes"]):
            allowed = {int(v) for v in valid.split(";")} | {8}
            assert set(items[item].dropna().astype(int)) <= allowed, item


def test_selection_probability_by_hand_pps_then_srs():
    """In a stratum without certainty PSUs: n M_i / M_h x m / M_i = n m / M_h for every sampled adult."""
    prog = simulate_programme(_config(0.2))
    rd = prog.rounds["2020"]
    pop, s = rd.population, rd.sample
    stratum = "haibowan-urban"
    sizes = pop.loc[pop["stratum"] == stratum].groupby("psu").size()            # M_i of every PSU
    m_h = sizes.sum()
    ss = s[s["stratum"] == stratum]
    n = ss["psu"].nunique()
    takes = ss.groupby("psu").size()
    m = takes.iloc[0]
    assert (takes == m).all() and (sizes[takes.index] >= m).all()
    assert (n * sizes / m_h < 1).all()                                         # no certainty PSU here
    expected = (n * sizes[ss["psu"]] / m_h * m / sizes[ss["psu"]]).to_numpy()
    np.testing.assert_allclose(ss["selection_prob"].to_numpy(), expected, rtol=1e-12)
    np.testing.assert_allclose(expected, n * m / m_h, rtol=1e-12)


def test_pps_systematic_certainty_units_by_hand():
    # 2 x 100/140 >= 1: unit 0 is a certainty; the other draw is PPS over 40: 10/40 each.
    sizes = np.array([100, 10, 10, 10, 10])
    for seed in range(20):
        sel, pi = pps_systematic(sizes, 2, np.random.default_rng(seed))
        np.testing.assert_allclose(pi, [1.0, 0.25, 0.25, 0.25, 0.25])
        assert len(sel) == 2 and sel[0] == 0
    # n larger than the number of units: all taken with certainty
    sel, pi = pps_systematic(np.array([3, 5]), 4, np.random.default_rng(0))
    assert sel.tolist() == [0, 1] and pi.tolist() == [1.0, 1.0]


def test_pps_systematic_inclusion_frequencies_match_n_m_over_m():
    sizes = np.array([5, 1, 2, 3, 4, 6, 2, 7])
    n, reps = 3, 4000
    pi_hand = n * sizes / sizes.sum()
    rng = np.random.default_rng(11)
    hits = np.zeros(len(sizes))
    for _ in range(reps):
        sel, pi = pps_systematic(sizes, n, rng)
        assert len(np.unique(sel)) == n
        hits[sel] += 1
    np.testing.assert_allclose(pi, pi_hand)
    se = np.sqrt(pi_hand * (1 - pi_hand) / reps)
    assert (np.abs(hits / reps - pi_hand) < 4.5 * se).all()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 500), min_size=2, max_size=30), st.integers(1, 12), st.integers(0, 2**31))
def test_pps_systematic_properties(sizes, n, seed):
    sizes = np.array(sizes)
    sel, pi = pps_systematic(sizes, n, np.random.default_rng(seed))
    k = min(n, len(sizes))
    assert len(sel) == k and len(np.unique(sel)) == k
    assert pi.sum() == pytest.approx(k)
    assert ((pi > 0) & (pi <= 1)).all()
    assert set(np.flatnonzero(pi == 1.0)) <= set(sel)
    # non-certainty units are proportional to size
    rest = pi < 1
    if rest.sum() >= 2:
        np.testing.assert_allclose(pi[rest] / sizes[rest], (pi[rest] / sizes[rest])[0])


# -- responses reproduce the population's scores -------------------------------------------------
def _untouched(rd) -> np.ndarray:
    """Respondents whose answers no planted fieldwork problem changed (issue 26: an inflating
    interviewer, a straight-liner, a duplicate record; a speeder's answers are the respondent's)."""
    t = rd.fieldwork_truth.set_index("respondent_id").loc[rd.responses["respondent_id"]]
    return ~t[["straightliner", "exact_duplicate", "near_duplicate", "inflating_interviewer"]].any(axis=1).to_numpy()


def test_respondents_scores_equal_their_population_scores(small, config):
    for rid, rd in small.rounds.items():
        keep = _untouched(rd)
        assert keep.mean() > 0.6            # the planted problems touch a few interviews
        scored = score_responses(rd.responses, small.instruments[rid], config["scoring"])[keep]
        pop = rd.population.dropna(subset=["respondent_id"]).set_index("respondent_id")
        linked = pop.loc[rd.responses["respondent_id"][keep]]
        np.testing.assert_array_equal(scored["score"].to_numpy(), linked["score"].to_numpy())
        for code in ("advanced", "literate", "basic"):
            np.testing.assert_array_equal(scored[code].to_numpy(), linked[code].to_numpy())
        # sampled adults in the population carry the sample's ids
        assert set(pop.index) == set(rd.sample["respondent_id"])


def test_levels_follow_the_configured_thresholds(small):
    pop = small.rounds["2020"].population
    assert ((pop["score"] > 85).astype(int) == pop["advanced"]).all()      # inclusive: false -> "above"
    assert ((pop["score"] > 70).astype(int) == pop["literate"]).all()
    assert ((pop["score"] > 55).astype(int) == pop["basic"]).all()
    parts = pop[["score_knowledge", "score_methods", "score_spirit", "score_application"]].sum(axis=1)
    np.testing.assert_allclose(parts, pop["score"])


# -- margins and truth --------------------------------------------------------------------------
def test_margins_count_the_population(small):
    for rid, rd in small.rounds.items():
        mg, pop = rd.margins, rd.population
        assert list(mg.columns) == MARGIN_COLUMNS
        assert list(pd.unique(mg["dimension"])) == ["district+sex+age_band", "district+education",
                                                    "district+residence", "district+occupation"]
        assert (mg.groupby("dimension")["population"].sum() == len(pop)).all()
        for dim, group in mg.groupby("dimension"):
            used = dim.split("+")
            unused = [c for c in MARGIN_COLUMNS[1:7] if c not in used]
            assert group[used].notna().all().all() and group[unused].isna().all().all()
        edu = mg[mg["dimension"] == "district+education"].set_index(["district", "education"])["population"]
        by_hand = pop.groupby(["district", "education"]).size()
        assert edu[by_hand.index].tolist() == by_hand.tolist()
        band = pd.cut(pop["age"], [17, 29, 39, 49, 59, 69], labels=["18-29", "30-39", "40-49", "50-59", "60-69"])
        by_hand = pop.groupby(["district", "sex", band.astype(str)]).size()
        dsa = mg[mg["dimension"] == "district+sex+age_band"].set_index(["district", "sex", "age_band"])["population"]
        assert dsa[by_hand.index].tolist() == by_hand.tolist()
        source = mg["source"].iloc[0]
        assert "2020 census" in source and "replace" in source and "simulated" in source
        assert ("projected" in source) == (rid != "2020")


def test_truth_is_the_population_census(small):
    for rid, rd in small.rounds.items():
        t, pop = rd.truth, rd.population
        assert {"breakdown", "domain", "level", "population", "rate"} <= set(t.columns)
        city = t[(t["breakdown"] == "city") & (t["level"] == "literate")]
        assert city["rate"].item() == pytest.approx(pop["literate"].mean())
        assert city["population"].item() == len(pop)
        wuda = t[(t["breakdown"] == "district") & (t["domain"] == "wuda") & (t["level"] == "basic")]
        assert wuda["rate"].item() == pytest.approx(pop.loc[pop["district"] == "wuda", "basic"].mean())


def test_config_problems_are_one_line_errors(config):
    cfg = copy.deepcopy(config)
    del cfg["simulation"]["population"]
    with pytest.raises(ConfigError, match="simulation.population"):
        simulate_programme(cfg)
    cfg = copy.deepcopy(config)
    del cfg["simulation"]["sampled_psus"]["wuda-rural"]
    with pytest.raises(ConfigError, match="wuda-rural"):
        simulate_programme(cfg)
    cfg = copy.deepcopy(config)
    cfg["simulation"]["target_rates"] = {"2020": 0.09}
    with pytest.raises(ConfigError, match="2025"):
        simulate_programme(cfg)
    for forms, fragment in (({"2030": {"anchors": 15, "seed": 1}}, "simulation.forms.2030 is not a round id"),
                            ({"2020": {"anchors": 15, "seed": 1}}, "may not list the baseline round '2020'"),
                            ({"2025": {"anchors": 3, "seed": 1}}, "simulation.forms.2025.anchors"),
                            ({"2025": {"anchors": 6, "seed": 1}}, "anchors is too small"),
                            ({"2025": {"seed": 1}}, "simulation.forms.2025.anchors"),
                            ({"2025": {"anchors": 15, "drifting": 16, "seed": 1}}, "drifting")):
        cfg = copy.deepcopy(config)
        cfg["simulation"]["forms"] = forms
        with pytest.raises(ConfigError, match=re.escape(fragment)):
            simulate_programme(cfg)


# -- full scale: calibration, realism, nonresponse --------------------------------------------------
def test_true_rates_hit_the_targets_at_full_scale(full):
    targets = {"2020": 0.09, "2025": 0.12}
    for rid, rd in full.rounds.items():
        pop = rd.population
        city = rd.truth[(rd.truth["breakdown"] == "city")].set_index("level")["rate"]
        # the official raw-score rate on the round's own form is the target, to the nearest person
        assert abs(pop["literate"].mean() - targets[rid]) <= 0.5 / len(pop) + 1e-15
        assert city["literate"] == pytest.approx(pop["literate"].mean(), abs=1e-15)
        assert 2.5 < city["basic"] / city["literate"] < 4.5              # national shape
        assert 0.003 < city["advanced"] < city["literate"] / 3
        # 3,000-6,000 completed interviews, response rate 75-85%
        assert 3000 <= len(rd.responses) <= 6000
        assert 0.75 <= rd.sample["responded"].mean() <= 0.85
        # literacy rises with education and falls with age
        by_edu = pop.groupby("education")["literate"].mean()[list(EDUCATION)].to_numpy()
        assert (np.diff(by_edu) > 0).all()
        assert pop.loc[pop["age"] <= 29, "literate"].mean() > 3 * pop.loc[pop["age"] >= 60, "literate"].mean()
        assert pop.loc[pop["sex"] == "male", "literate"].mean() > pop.loc[pop["sex"] == "female", "literate"].mean()


def test_population_resembles_the_configured_city(full):
    cfg = _config(1.0)["simulation"]["population"]
    pop = full.rounds["2020"].population
    for d, spec in cfg["districts"].items():
        adults = spec["residents"] * cfg["adult_share"]
        assert (pop["district"] == d).sum() == pytest.approx(adults, rel=0.01)
        rural = (pop.loc[pop["district"] == d, "residence"] == "rural").mean()
        assert rural == pytest.approx(spec["rural_share"], abs=0.003)
    assert (pop["residence"] == "urban").mean() == pytest.approx(0.9588, abs=0.002)
    men = (pop["sex"] == "male").mean()
    assert men / (1 - men) * 100 == pytest.approx(109.42, abs=1.5)
    occ = pop["occupation"].value_counts(normalize=True)
    assert 0.02 <= occ["civil_servant_cadre"] <= 0.04
    assert occ["industrial_worker"] > 0.18
    assert (pop.loc[pop["occupation"] == "farmer_herder", "residence"] == "rural").mean() > 0.6
    assert (pop.loc[pop["occupation"] == "student", "age"] <= 24).all()
    assert (pop.loc[pop["occupation"] == "not_working", "age"] >= 55).mean() > 0.5
    sizes = pop.groupby(["residence", "psu"]).size()
    assert 1000 < sizes["urban"].median() < 5000 and 100 < sizes["rural"].median() < 800


def test_endline_is_older_more_educated_and_gains_within_groups(full):
    p20, p25 = full.rounds["2020"].population, full.rounds["2025"].population
    assert p25["age"].mean() > p20["age"].mean()
    higher = ["junior_college", "bachelor_plus"]
    assert p25["education"].isin(higher).mean() > p20["education"].isin(higher).mean()
    assert full.rounds["2025"].latent_shift > full.rounds["2020"].latent_shift


def test_nonresponse_depends_on_age_sex_and_education(full):
    for rd in full.rounds.values():
        s = rd.sample
        young = s.loc[s["age"] <= 29, "responded"].mean()
        old = s.loc[s["age"] >= 60, "responded"].mean()
        assert old - young > 0.08                        # designed: about 0.70 against 0.85
        # adjusted for age (the less educated are older), men and the less educated respond less
        edu = rd.population.dropna(subset=["respondent_id"]).set_index("respondent_id")["education"]
        x = pd.DataFrame({"age": s["age"].to_numpy(dtype=float),
                          "male": (s["sex"] == "male").to_numpy(dtype=float),
                          "rural": (s["residence"] == "rural").to_numpy(dtype=float),
                          "low_edu": edu[s["respondent_id"]].isin(["primary_or_less", "junior_high"])
                                                            .to_numpy(dtype=float)})
        fit = sm.Logit(s["responded"].to_numpy(dtype=float), sm.add_constant(x)).fit(disp=0)
        assert fit.params["age"] > 0 and fit.pvalues["age"] < 0.001
        assert fit.params["male"] < 0 and fit.pvalues["male"] < 0.01
        assert fit.params["low_edu"] < 0 and fit.pvalues["low_edu"] < 0.05


# -- the linked scale: theta, the true item parameters and theta* ---------------------------------
def _tcc_cut(items: pd.DataFrame, score: float) -> float:
    """theta where the baseline form's expected score equals ``score`` (root of the TCC by brentq)."""
    from scipy.optimize import brentq

    a, d, pts = (items[c].to_numpy(dtype=float) for c in ("a", "d", "points"))
    return brentq(lambda t: pts @ (1 / (1 + np.exp(-(a * t + d)))) - score, -15, 15, xtol=1e-13)


def test_theta_is_on_the_baseline_populations_standard_scale(full):
    theta = full.rounds["2020"].population["theta"].to_numpy()
    assert theta.mean() == pytest.approx(0, abs=1e-9) and theta.std() == pytest.approx(1, abs=1e-9)
    assert full.rounds["2025"].population["theta"].mean() > 0.3        # later rounds know more


def test_rate_linked_is_the_population_share_above_the_true_cut(full, config):
    base = full.items[full.items["round"] == "2020"]
    levels = {lv["code"]: float(lv["threshold"]) for lv in config["scoring"]["levels"]}
    cuts = {code: _tcc_cut(base, t) for code, t in levels.items()}
    assert cuts == pytest.approx(full.theta_cuts, abs=1e-9)
    assert cuts["advanced"] > cuts["literate"] > cuts["basic"]
    for rid, rd in full.rounds.items():
        pop, truth = rd.population, rd.truth.set_index(["breakdown", "domain", "level"])
        for code, cut in cuts.items():
            above = pop["theta"] > cut
            assert truth.loc[("city", "all", code), "rate_linked"] == pytest.approx(above.mean(), abs=1e-12)
            women = above[pop["sex"] == "female"].mean()
            assert truth.loc[("sex", "female", code), "rate_linked"] == pytest.approx(women, abs=1e-12)
            hainan = above[(pop["district"] == "hainan") & (pop["age"] >= 60)].mean()
            assert truth.loc[("district+group", "hainan+elderly", code), "rate_linked"] == pytest.approx(hainan,
                                                                                                       abs=1e-12)
    # the 2025 form is harder: at the literate cut its expected score is below the baseline form's 70,
    # so on the linked scale the true change is larger than the raw-score one
    end = full.items[full.items["round"] == "2025"]
    a, d, pts = (end[c].to_numpy(dtype=float) for c in ("a", "d", "points"))
    assert pts @ (1 / (1 + np.exp(-(a * cuts["literate"] + d)))) < levels["literate"]
    city = {rid: rd.truth.set_index(["breakdown", "domain", "level"]).loc[("city", "all", "literate")]
            for rid, rd in full.rounds.items()}
    raw_change = city["2025"]["rate"] - city["2020"]["rate"]
    linked_change = city["2025"]["rate_linked"] - city["2020"]["rate_linked"]
    assert linked_change > raw_change


def _fit_statistics(programme, a_factor: float = 1.0) -> float:
    """The largest |z| over items and rounds of the respondents' right answers against the 2PL with the
    simulation's item parameters: sum(right - P) and sum((right - P) theta), each over its SD."""
    worst = 0.0
    for rid, rd in programme.rounds.items():
        items = programme.items[programme.items["round"] == rid]
        keep = _untouched(rd)              # the answers the planted fieldwork problems left alone
        theta = rd.population.dropna(subset=["respondent_id"]).set_index("respondent_id").loc[
            rd.responses["respondent_id"][keep], "theta"].to_numpy()
        codes = rd.responses[items["item_id"]][keep].to_numpy(dtype=float, na_value=np.nan)
        right = (codes == programme.instruments[rid]["correct"].to_numpy(dtype=float)[None, :]).astype(float)
        p = 1 / (1 + np.exp(-(a_factor * items["a"].to_numpy()[None, :] * theta[:, None]
                              + items["d"].to_numpy()[None, :])))
        v = p * (1 - p)
        z1 = (right - p).sum(axis=0) / np.sqrt(v.sum(axis=0))
        z2 = ((right - p) * theta[:, None]).sum(axis=0) / np.sqrt((v * theta[:, None] ** 2).sum(axis=0))
        worst = max(worst, float(np.abs(z1).max()), float(np.abs(z2).max()))
    return worst


def test_answers_follow_the_2pl_with_the_written_item_parameters(full):
    assert _fit_statistics(full) < 4.5          # 70 item-rounds, two statistics each
    assert _fit_statistics(full, a_factor=0.8) > 6   # the check notices slopes 20% off


def test_one_form_for_every_round_when_no_forms_are_configured(config, tmp_path):
    from literacy_flows.pipeline.simulate import write_programme

    cfg = copy.deepcopy(config)
    cfg["simulation"]["forms"] = {}
    prog = simulate_programme(cfg)
    assert all(f.equals(make_instrument()) for f in prog.instruments.values())
    assert prog.drifting_anchors == [] and (prog.items["drift"] == 0).all() and prog.items["anchor"].all()
    written = {p.relative_to(tmp_path).as_posix() for p in write_programme(prog, tmp_path)}
    assert "instrument.csv" in written and "simulation_items.csv" in written
    assert not any(w.endswith("/instrument.csv") for w in written)
    # the configured forms: a form per round, and the top-level one of the earlier layout removed
    written = {p.relative_to(tmp_path).as_posix() for p in write_programme(simulate_programme(config), tmp_path)}
    assert {"2020/instrument.csv", "2025/instrument.csv"} <= written
    assert not (tmp_path / "instrument.csv").exists()
