"""Replicate designs calibrated again: every replicate is post-stratified, raked, calibrated or
trimmed to the same targets (issue 4).

Golden values: tests/golden/make_golden.R, section "Replicate designs calibrated again"
(R's survey 4.1-1: postStratify / rake / calibrate on an svyrep.design built by
as.svrepdesign). The invariants (every replicate meets the margins, row order) are
checked directly.
"""

from __future__ import annotations

import re

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from literacy import ReplicateDesign, SurveyDesign
from literacy.weighting import WeightingError, apply_calibration_steps, trim_design, trim_weights

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden"

# The R calls' arguments (make_golden.R), not results.
POP_STYPE = {"E": 4421, "H": 755, "M": 1018}
POP_SCHWIDE = {"No": 1072, "Yes": 5122}
TOTALS = {"(Intercept)": 6194, "stype": POP_STYPE, "api99": 3914069}
POP_AWARDS = {"No": 2027, "Yes": 4167}          # table(apipop$awards)
RAKE_R = {"tol": 1, "max_iter": 10, "convergence": "r"}   # R's rake() control defaults


@pytest.fixture(scope="module")
def apiclus1() -> pd.DataFrame:
    return pd.read_csv(GOLDEN / "apiclus1.csv", dtype={"cds": str})


@pytest.fixture(scope="module")
def apistrat() -> pd.DataFrame:
    s = pd.read_csv(GOLDEN / "apistrat_psu.csv", dtype={"cds": str})
    return s.assign(awards=np.where(s["awards_yes"] == 1, "Yes", "No"))


@pytest.fixture(scope="module")
def jk1(apiclus1) -> ReplicateDesign:
    return SurveyDesign(apiclus1, weights="pw", psu="dnum", fpc="fpc").replicate("jk1")


@pytest.fixture(scope="module")
def cases(jk1, apistrat):
    jkn = SurveyDesign(apistrat, weights="pw", psu="psu", strata="stype", nest=True).replicate("jkn")
    return {
        "jk1_poststratify": jk1.poststratify({"stype": POP_STYPE}),
        "jk1_rake": jk1.rake({"stype": POP_STYPE, "sch.wide": POP_SCHWIDE}, **RAKE_R),
        "jk1_linear": jk1.calibrate(TOTALS),
        "jk1_linear_bounded": jk1.calibrate(TOTALS, method="linear", bounds=(0.4, 2.5)),
        "jk1_logit": jk1.calibrate(TOTALS, method="logit", bounds=(0.4, 2.5)),
        "jk1_raking": jk1.calibrate(TOTALS, method="raking"),
        "jk1_raking_trim": jk1.calibrate(TOTALS, method="raking", trim=(0.6, 1.5)),
        "jkn_rake": jkn.rake({"sch.wide": POP_SCHWIDE, "awards": POP_AWARDS}, **RAKE_R),
    }


@pytest.fixture(scope="module")
def golden() -> pd.DataFrame:
    return pd.read_csv(GOLDEN / "replicate_calibrated_estimates.csv", keep_default_na=False)


def _ours(design) -> pd.DataFrame:
    m = design.mean("api00")
    t = design.total("enroll")
    b = design.mean("api00", by="sch.wide")
    return pd.DataFrame({"estimate": [m["estimate"][0], t["estimate"][0], *b["estimate"]],
                         "se": [m["se"][0], t["se"][0], *b["se"]],
                         "df": [m["df"][0]] * 4})


CASES = ["jk1_poststratify", "jk1_rake", "jk1_linear", "jk1_linear_bounded", "jk1_logit", "jk1_raking",
         "jk1_raking_trim", "jkn_rake"]


@pytest.mark.parametrize("case", CASES)
def test_calibrated_replicate_designs_match_r(case, cases, golden):
    ref = golden[golden["case"] == case]
    assert list(ref["domain"]) == ["", "", "sch.wide=No", "sch.wide=Yes"]
    got = _ours(cases[case])
    np.testing.assert_allclose(got["estimate"], ref["estimate"], rtol=1e-9)
    np.testing.assert_allclose(got["se"], ref["se"], rtol=1e-8)
    assert cases[case].degf() == int(ref["degf"].iloc[0])


@pytest.mark.parametrize("case,file", [("jk1_rake", "apiclus1_jk1_raked_repweights.csv"),
                                       ("jk1_logit", "apiclus1_jk1_logit_repweights.csv")])
def test_calibrated_replicate_weights_match_r(case, file, cases, apiclus1):
    g = pd.read_csv(GOLDEN / file, dtype={"cds": str}).set_index("cds").loc[apiclus1["cds"]]
    d = cases[case]
    np.testing.assert_allclose(d.weights, g["weight"], rtol=1e-8)
    rep = g[[c for c in g.columns if c.startswith("rep")]].to_numpy()
    ours = d.replicate_weights()

    def by_deleted_psu(W):  # R orders the JK1 replicates by PSU as they appear, we by PSU code
        return W[:, np.argsort(np.argmax(W == 0, axis=0))]

    np.testing.assert_allclose(by_deleted_psu(ours), by_deleted_psu(rep), rtol=1e-8, atol=1e-12)


def test_a_calibrated_margin_has_no_replicate_variance(jk1, cases, apiclus1):
    # every replicate matches the post-stratum counts, so their estimated totals have SE 0
    # (Lumley 2010, 7.2); carrying the full-sample adjustment into the replicates without
    # recalibrating them would leave the JK1 variance of the count in place
    data = jk1.data.assign(is_high=(apiclus1["stype"] == "H").astype(float))
    ps = cases["jk1_poststratify"]
    recal = ReplicateDesign(data.assign(**{f"r{i}": ps.replicate_weights()[:, i] for i in range(15)}),
                            ps.weights, "^r[0-9]+$", method="jk1", scale=jk1.scale)
    t = recal.total("is_high")
    assert t["estimate"][0] == pytest.approx(755, rel=1e-12) and t["se"][0] < 1e-9
    g = ps.weights / jk1.weights
    naive = ReplicateDesign(data.assign(**{f"r{i}": jk1.replicate_weights()[:, i] * g for i in range(15)}),
                            ps.weights, "^r[0-9]+$", method="jk1", scale=jk1.scale)
    assert naive.total("is_high")["se"][0] > 50


def test_every_replicate_meets_the_margins(cases, apiclus1):
    d = cases["jk1_raking"]
    W = np.column_stack([d.weights, d.replicate_weights()])
    np.testing.assert_allclose(W.sum(axis=0), 6194, rtol=1e-7)
    np.testing.assert_allclose(apiclus1["api99"].to_numpy() @ W, 3914069, rtol=1e-7)
    for level in ("H", "M"):
        np.testing.assert_allclose((apiclus1["stype"] == level).to_numpy() @ W, POP_STYPE[level], rtol=1e-7)
    ps = cases["jk1_poststratify"]
    W = np.column_stack([ps.weights, ps.replicate_weights()])
    for level, count in POP_STYPE.items():
        np.testing.assert_allclose((apiclus1["stype"] == level).to_numpy() @ W, count, rtol=1e-12)


def test_bounded_calibration_of_a_replicate_that_cannot_converge_is_an_error(jk1):
    # R warns "Failed to converge" for some replicates and goes on with their weights
    with pytest.raises(WeightingError, match="replicate .* failed to converge"):
        jk1.calibrate(TOTALS, method="linear", bounds=(0.7, 1.7))


def test_a_replicate_without_units_in_a_level_is_an_error():
    # the only unit of level "b" is in PSU 2; the replicate deleting PSU 2 cannot match "b"
    data = pd.DataFrame({"psu": [1, 1, 2, 2, 3, 3], "g": ["a", "a", "b", "a", "a", "a"],
                         "y": [1.0, 2, 3, 4, 5, 6]})
    d = SurveyDesign(data, weights=np.ones(6), psu="psu").replicate("jk1")
    with pytest.raises(WeightingError, match="replicate 2 has no weight in level 'b'"):
        d.poststratify({"g": {"a": 50, "b": 10}})


def test_delivered_replicate_weights_are_calibrated_too(jk1, cases, apiclus1):
    # the same replicates delivered as columns give the same calibrated design
    cols = {f"r{i}": jk1.replicate_weights()[:, i] for i in range(jk1.replicates)}
    data = apiclus1.assign(**cols)
    delivered = ReplicateDesign(data, "pw", "^r[0-9]+$", method="jk1", scale=jk1.scale)
    raked = delivered.rake({"stype": POP_STYPE, "sch.wide": POP_SCHWIDE}, **RAKE_R)
    ours = cases["jk1_rake"]
    np.testing.assert_allclose(raked.replicate_weights(), ours.replicate_weights(), rtol=1e-12)
    np.testing.assert_allclose(raked.mean("api00")["se"], ours.mean("api00")["se"], rtol=1e-12)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32 - 1))
def test_replicate_raking_is_invariant_to_row_order(seed, apiclus1):
    perm = np.random.default_rng(seed).permutation(len(apiclus1))
    shuffled = apiclus1.iloc[perm].reset_index(drop=True)
    results = []
    for data in (apiclus1, shuffled):
        d = SurveyDesign(data, weights="pw", psu="dnum", fpc="fpc").replicate("jk1")
        r = d.rake({"stype": POP_STYPE, "sch.wide": POP_SCHWIDE})
        results.append(r.mean("api00", by="stype")[["estimate", "se"]].to_numpy())
    np.testing.assert_allclose(results[0], results[1], rtol=1e-10)


@pytest.fixture(scope="module")
def jk1_varied(apiclus1) -> ReplicateDesign:
    """apiclus1's JK1 design with unequal weights (its own are constant), so trimming bites."""
    w = apiclus1["pw"].to_numpy() * (0.5 + (apiclus1["snum"].to_numpy() * 7 % 11) / 10)
    return SurveyDesign(apiclus1, weights=w, psu="dnum", fpc="fpc").replicate("jk1")


def test_trimming_replicates_applies_the_rule_to_each_replicate(jk1_varied):
    d = jk1_varied.rake({"stype": POP_STYPE, "sch.wide": POP_SCHWIDE})
    t = trim_design(d, upper={"median": 1.3}, by="stype")
    W, T = d.replicate_weights(), t.replicate_weights()
    groups = d.data["stype"].to_numpy()
    for r in (0, 7, 14):                     # by hand: trim_weights on the replicate's own weights
        expect, _ = trim_weights(W[:, r], upper={"median": 1.3}, by=groups)
        np.testing.assert_allclose(T[:, r], expect, rtol=1e-12)
    expect, _ = trim_weights(d.weights, upper={"median": 1.3}, by=groups)
    np.testing.assert_allclose(t.weights, expect, rtol=1e-12)
    assert int(t.trimming["n_trimmed"].sum()) > 0
    # deleted PSUs stay at zero weight and each replicate keeps its group totals
    np.testing.assert_array_equal(T == 0, W == 0)
    assert np.abs(T - W).max() > 1.0                      # the replicates were trimmed too
    for level in POP_STYPE:
        rows = groups == level
        np.testing.assert_allclose(T[rows].sum(axis=0), W[rows].sum(axis=0), rtol=1e-10)


def test_calibration_steps_replay_on_a_replicate_design(jk1_varied):
    steps = [{"step": "rake", "targets": {"stype": POP_STYPE, "sch.wide": POP_SCHWIDE}, "tol": 1e-10,
              "max_iter": 100},
             {"step": "trim", "upper": {"median": 1.3}, "by": "stype"},
             {"step": "rake", "targets": {"stype": POP_STYPE, "sch.wide": POP_SCHWIDE}, "tol": 1e-10,
              "max_iter": 100}]
    d = apply_calibration_steps(jk1_varied, steps)
    assert isinstance(d, ReplicateDesign)
    W = np.column_stack([d.weights, d.replicate_weights()])
    sch = d.data["sch.wide"].to_numpy()
    np.testing.assert_allclose((sch == "Yes") @ W, 5122, rtol=1e-8)


# ---------------------------------------------------------------------------------------------
# the assessment with replicate variance (estimation.method)
# ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def simulated_round():
    """A small simulated 2025 round, scored and weighted by the configured chain."""
    import yaml

    from literacy.assessment import validate_config
    from literacy.domains import add_derived
    from literacy.scoring import score_responses
    from literacy.simulate import simulate_programme
    from literacy.weighting import weight_round

    raw = yaml.safe_load((ROOT / "config" / "wuhai.yaml").read_text(encoding="utf-8"))
    cfg = validate_config(raw)
    programme = simulate_programme(raw)           # full scale (the default data's size), config's seed
    rnd = programme.rounds["2025"]
    form = programme.instruments["2025"]          # the round's own form
    items = form["item_id"].astype(str).tolist()
    scores = score_responses(rnd.responses, form, cfg["scoring"])
    data = add_derived(pd.concat([rnd.responses.drop(columns=items), scores], axis=1), cfg)
    result = weight_round(rnd.sample, data, rnd.margins, cfg)
    data = data.assign(weight_nonresponse=result.stage_weights["nonresponse"].to_numpy(),
                       weight=result.weights.to_numpy())
    return cfg, data, result.calibration_steps


def _estimates(cfg, data, steps, **estimation):
    from literacy.assessment import estimate_round, round_design, variance_design

    cfg = {**cfg, "estimation": {**cfg["estimation"], **estimation}}
    taylor = round_design(data, cfg, data["weight_nonresponse"].to_numpy(dtype=float))
    design = apply_calibration_steps(variance_design(taylor, cfg, "2025"), steps)
    return design, estimate_round(design, cfg, "2025")


def test_assessment_with_replicate_variance(simulated_round):
    cfg, data, steps = simulated_round
    taylor_design, taylor = _estimates(cfg, data, steps, method="taylor")
    jkn_design, jkn = _estimates(cfg, data, steps, method="jkn")
    boot_design, boot = _estimates(cfg, data, steps, method="bootstrap", replicates=60, seed=7)
    assert isinstance(jkn_design, ReplicateDesign) and jkn_design.replicates > 100
    # the same final weights, hence the same estimates
    np.testing.assert_allclose(jkn_design.weights, data["weight"], rtol=1e-8)
    np.testing.assert_allclose(jkn["estimate"], taylor["estimate"], rtol=1e-8, equal_nan=True)
    # JKn with every replicate re-raked is close to the raking-aware linearisation SE
    # (Wolter 2007, 4.6: both are consistent for the calibration estimator's variance)
    ok = taylor["se"].to_numpy() > 0.003
    ratio = jkn["se"].to_numpy()[ok] / taylor["se"].to_numpy()[ok]
    assert 0.9 < np.median(ratio) < 1.1 and np.all((ratio > 0.5) & (ratio < 2)), np.median(ratio)
    assert 0.5 < np.median(boot["se"].to_numpy()[ok] / taylor["se"].to_numpy()[ok]) < 2
    # domain df: the rank of the domain's (pre-calibration) jackknife weights minus one, which
    # lies between Taylor's PSUs-minus-strata and the design df; the city's is PSUs - strata
    assert (jkn["df"] >= taylor["df"]).all() and (jkn["df"] <= jkn_design.degf()).all()
    city = (jkn["breakdown"] == "city").to_numpy()
    np.testing.assert_array_equal(jkn.loc[city, "df"], taylor.loc[city, "df"])
    assert (jkn["df"] < jkn_design.degf()).any()
    # a raked margin is matched by every replicate
    W = np.column_stack([jkn_design.weights, jkn_design.replicate_weights()])
    target = steps[0]["targets"]
    key, levels = next(iter(target.items()))
    cols = key.split("+") if isinstance(key, str) else list(key)
    labels = data[cols].astype(str).agg("|".join, axis=1)
    for level, pop in list(levels.items())[:5]:
        np.testing.assert_allclose((labels == level).to_numpy() @ W, pop, rtol=1e-6)


def test_bootstrap_replicates_are_seeded(simulated_round):
    cfg, data, steps = simulated_round
    _, a = _estimates(cfg, data, steps, method="bootstrap", replicates=20, seed=11)
    _, b = _estimates(cfg, data, steps, method="bootstrap", replicates=20, seed=11)
    _, c = _estimates(cfg, data, steps, method="bootstrap", replicates=20, seed=12)
    pd.testing.assert_frame_equal(a, b)
    assert not np.allclose(a["se"], c["se"], equal_nan=True)


@pytest.mark.parametrize("estimation, words", [
    ({"method": "jackknife"}, "estimation.method must be 'taylor', 'jk1', 'jkn', 'brr', 'fay' or 'bootstrap', not "
                              "'jackknife'"),
    ({"method": "bootstrap", "seed": 1}, "estimation: replicates is needed for the bootstrap"),
    ({"method": "bootstrap", "seed": 1, "replicates": 1}, "estimation.replicates must be ≥ 2, not 1"),
    ({"method": "bootstrap", "replicates": 100}, "estimation: seed is needed for the bootstrap"),
    ({"method": "bootstrap", "replicates": 100, "seed": -1}, "estimation.seed must be ≥ 0, not -1"),
    ({"method": "fay"}, "estimation: rho (between 0 and 1) is needed for Fay's method"),
    ({"method": "fay", "rho": 1.5}, "estimation.rho must be < 1, not 1.5"),
    ({"method": "jkn", "mse": "yes"}, "estimation.mse must be true or false"),
])
def test_variance_method_config_errors(estimation, words):
    import yaml

    from literacy.assessment import validate_config
    from literacy.errors import ConfigError

    raw = yaml.safe_load((ROOT / "config" / "wuhai.yaml").read_text(encoding="utf-8"))
    raw["estimation"].update(estimation)
    with pytest.raises(ConfigError, match="^config: " + re.escape(words)):
        validate_config(raw)
    raw["estimation"] = {"ci": "logit", "level": 0.95}
    assert validate_config(raw)["estimation"]["method"] == "taylor"      # the default


def test_calibrated_replicate_domains_keep_the_psu_degrees_of_freedom(cases, golden):
    # R: degf(rj1[stype == l, ]) is 14, 7, 11 (PSUs with the type, minus one); after rake()
    # R's recomputed rank drifts to 14, 9, 13 because raked weights no longer repeat within a
    # PSU. We keep the PSU-based df of the replicates before calibration (README).
    raked = cases["jk1_rake"].proportion("awards_yes", by="stype", ci="beta")
    assert list(raked["df"]) == [14, 7, 11]
    assert cases["jk1_rake"].degf() == int(golden.loc[golden["case"] == "jk1_rake", "degf"].iloc[0])
