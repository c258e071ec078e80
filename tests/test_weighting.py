"""Tests of literacy.weighting.

Golden values come from the R reference files (survey 4.1-1) in tests/golden (make_reference.R) or from hand
calculation; property tests (hypothesis) check the invariants of raking and nonresponse
adjustment.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from literacy.weighting import (
    GregCalibration,
    PostStratification,
    Raking,
    RakingConvergenceWarning,
    WeightingError,
    base_weights,
    calibrate_weights,
    margins_to_targets,
    nonresponse_adjust,
    poststratify_weights,
    rake_weights,
    weight_round,
    weight_summary,
)

GOLDEN = Path(__file__).resolve().parent / "golden"
CONFIG = Path(__file__).resolve().parents[1] / "config" / "wuhai.yaml"

# Population counts of make_reference.R (the R calls' arguments, not results).
POP_STYPE = {"E": 4421, "H": 755, "M": 1018}
POP_SCHWIDE = {"No": 1072, "Yes": 5122}


# ---------------------------------------------------------------------------------------------
# fixtures and helpers
# ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def apiclus1() -> pd.DataFrame:
    return pd.read_csv(GOLDEN / "apiclus1.csv", dtype={"cds": str})


def _ref(name: str) -> pd.DataFrame:
    return pd.read_csv(GOLDEN / name, dtype={"cds": str})


def _aligned(ref: pd.DataFrame, data: pd.DataFrame, column: str) -> np.ndarray:
    """Reference column in the row order of ``data`` (matched on the school code)."""
    assert ref["cds"].is_unique and len(ref) == len(data)
    return ref.set_index("cds").loc[data["cds"], column].to_numpy(dtype=float)


class _Design:
    """Minimal stand-in with the SurveyDesign contract used by the weighting package."""

    def __init__(self, data, weights, calibration=()):
        self.data, self.weights, self.calibration = data, np.asarray(weights, float), tuple(calibration)

    def with_weights(self, weights=None, calibration=None):
        return _Design(self.data, self.weights if weights is None else weights,
                       self.calibration if calibration is None else calibration)


def _clus1_mean_se(design, y: str) -> tuple[float, float]:
    """Mean and its SE for apiclus1's one-stage cluster design with fpc, written out by hand.

    x_i = w_i (y_i - ybar) / sum(w) residualised by each calibration step (R's svymean ->
    svyrecvar), PSU totals t_c, v = (1 - n/N) n/(n-1) sum_c (t_c - tbar)^2 (Lohr 2019, 5.2).
    """
    data, w = design.data, design.weights
    z = data[y].to_numpy(dtype=float)
    mean = float(np.sum(w * z) / w.sum())
    x = ((z - mean) * w / w.sum())[:, None]
    for step in design.calibration:
        x = step.residualize(x)
    psu = pd.factorize(data["dnum"])[0]
    t = np.bincount(psu, weights=x[:, 0])
    n, big_n = len(t), float(data["fpc"].iloc[0])
    return mean, float(np.sqrt((1 - n / big_n) * n / (n - 1) * np.sum((t - t.mean()) ** 2)))


# ---------------------------------------------------------------------------------------------
# base weights
# ---------------------------------------------------------------------------------------------

def test_base_weights_inverse_probability():
    np.testing.assert_allclose(base_weights([0.5, 0.25, 1.0, 0.01]), [2.0, 4.0, 1.0, 100.0], rtol=1e-15)


@pytest.mark.parametrize("bad, words", [
    ([0.5, np.nan, 0.2, np.nan], "row positions 1, 3"),
    ([0.5, 0.0, -0.1, 0.2], "<= 0 at row positions 1, 2"),
    ([0.5, 1.5, 0.2, 0.3], "> 1 at row positions 1"),
    (pd.Series(["0.5", "abc"]), "non-numeric probabilities at row positions 1"),
])
def test_base_weights_errors_name_rows(bad, words):
    with pytest.raises(WeightingError, match="selection_prob") as info:
        base_weights(bad)
    assert words in str(info.value)
    assert isinstance(info.value, ValueError)


def test_base_weights_lists_only_the_first_rows():
    p = np.full(20, np.nan)
    with pytest.raises(WeightingError, match=r"row positions 0, 1, 2, 3, 4 \(and 15 more\)"):
        base_weights(p)


# ---------------------------------------------------------------------------------------------
# R reference: weights
# ---------------------------------------------------------------------------------------------

def test_raked_weights_match_r(apiclus1):
    # R: rake(d1, list(~stype, ~sch.wide), ...) with the default control (maxit 10, epsilon 1).
    w, record = rake_weights(apiclus1, apiclus1["pw"], {"stype": POP_STYPE, "sch.wide": POP_SCHWIDE},
                             tol=1, max_iter=10, convergence="r")
    ref = _aligned(_ref("apiclus1_raked_weights.csv"), apiclus1, "raked_weight")
    np.testing.assert_allclose(w, ref, rtol=1e-8, atol=0)
    assert record.attrs["converged"]
    assert (record["max_abs_change"].iloc[:-1] >= 1).all() and record["max_abs_change"].iloc[-1] < 1


def test_fully_converged_raking_is_not_r_default(apiclus1):
    # R stops early (epsilon 1 on the cross-table): a converged raking differs from its file,
    # so the test above really checks R's stopping rule.
    w, _ = rake_weights(apiclus1, apiclus1["pw"], {"stype": POP_STYPE, "sch.wide": POP_SCHWIDE}, tol=1e-12)
    ref = _aligned(_ref("apiclus1_raked_weights.csv"), apiclus1, "raked_weight")
    assert np.max(np.abs(w / ref - 1)) > 1e-6


def test_poststratified_weights_match_r(apiclus1):
    w = poststratify_weights(apiclus1, apiclus1["pw"], {"stype": POP_STYPE})
    ref = _aligned(_ref("apiclus1_poststratified_weights.csv"), apiclus1, "poststratified_weight")
    np.testing.assert_allclose(w, ref, rtol=1e-8, atol=0)


def test_linear_calibration_on_one_factor_is_poststratification(apiclus1):
    # GREG on a single categorical variable gives the post-stratified weights (R's
    # tests/caleg.R, "postStratify vs calibrate"); compare with R's postStratify weights.
    w = calibrate_weights(apiclus1, apiclus1["pw"], {"stype": POP_STYPE})
    ref = _aligned(_ref("apiclus1_poststratified_weights.csv"), apiclus1, "poststratified_weight")
    np.testing.assert_allclose(w, ref, rtol=1e-8, atol=0)
    w2 = calibrate_weights(apiclus1, apiclus1["pw"], {"(Intercept)": 6194, "stype": POP_STYPE})
    np.testing.assert_allclose(w2, ref, rtol=1e-8, atol=0)


# ---------------------------------------------------------------------------------------------
# R reference: calibration-aware standard errors
# ---------------------------------------------------------------------------------------------

def test_calibration_objects_reproduce_r_se_by_hand(apiclus1):
    """Residualising steps + a hand-written one-stage cluster variance vs R (no SurveyDesign)."""
    from literacy.weighting import poststratify_design, rake_design

    d0 = _Design(apiclus1, apiclus1["pw"])
    # the uncalibrated design first: the hand-written variance itself matches R
    ref = _ref("apiclus1_overall_taylor.csv").set_index("variable").loc["awards_yes"]
    np.testing.assert_allclose(_clus1_mean_se(d0, "awards_yes"), [ref["estimate"], ref["se"]], rtol=1e-8)

    raked = rake_design(d0, {"stype": POP_STYPE, "sch.wide": POP_SCHWIDE}, tol=1, max_iter=10, convergence="r")
    assert isinstance(raked.calibration[-1], Raking)
    ref = _ref("apiclus1_raked_awards_mean.csv").iloc[0]
    np.testing.assert_allclose(_clus1_mean_se(raked, "awards_yes"), [ref["estimate"], ref["se"]], rtol=1e-8)

    ps = poststratify_design(d0, {"stype": POP_STYPE})
    assert isinstance(ps.calibration[-1], PostStratification)
    ref = _ref("apiclus1_poststratified_awards_mean.csv").iloc[0]
    np.testing.assert_allclose(_clus1_mean_se(ps, "awards_yes"), [ref["estimate"], ref["se"]], rtol=1e-8)


def test_greg_on_one_factor_gives_poststratified_se(apiclus1):
    from literacy.weighting import calibrate_design

    cal = calibrate_design(_Design(apiclus1, apiclus1["pw"]), {"stype": POP_STYPE})
    assert isinstance(cal.calibration[-1], GregCalibration)
    ref = _ref("apiclus1_poststratified_awards_mean.csv").iloc[0]
    np.testing.assert_allclose(_clus1_mean_se(cal, "awards_yes"), [ref["estimate"], ref["se"]], rtol=1e-8)


def test_calibration_without_effect_keeps_the_se(apiclus1):
    # Calibrating the intercept only to the current weight total changes nothing; residualising
    # on a constant leaves the centred values of a mean unchanged (hand reasoning).
    from literacy.weighting import calibrate_design

    d0 = _Design(apiclus1, apiclus1["pw"])
    cal = calibrate_design(d0, {"(Intercept)": float(apiclus1["pw"].sum())})
    np.testing.assert_allclose(cal.weights, d0.weights, rtol=1e-12)
    np.testing.assert_allclose(_clus1_mean_se(cal, "awards_yes"), _clus1_mean_se(d0, "awards_yes"), rtol=1e-10)


def _survey_design():
    from literacy.design import SurveyDesign
    return SurveyDesign


def _mean_row(result: pd.DataFrame) -> tuple[float, float]:
    row = result.iloc[0]
    return float(row["estimate"]), float(row["se"])


def test_survey_design_raked_mean_matches_r(apiclus1):
    from literacy.weighting import rake_design

    SurveyDesign = _survey_design()
    d = SurveyDesign(apiclus1, weights="pw", psu="dnum", fpc="fpc")
    raked = rake_design(d, {"stype": POP_STYPE, "sch.wide": POP_SCHWIDE}, tol=1, max_iter=10, convergence="r")
    ref = _ref("apiclus1_raked_awards_mean.csv").iloc[0]
    np.testing.assert_allclose(_mean_row(raked.mean("awards_yes")), [ref["estimate"], ref["se"]], rtol=1e-8)
    # the original design is untouched
    assert d.calibration == () and np.array_equal(d.weights, apiclus1["pw"].to_numpy(dtype=float))


def test_survey_design_poststratified_mean_matches_r(apiclus1):
    from literacy.weighting import poststratify_design

    SurveyDesign = _survey_design()
    d = SurveyDesign(apiclus1, weights="pw", psu="dnum", fpc="fpc")
    ps = poststratify_design(d, {"stype": POP_STYPE})
    ref = _ref("apiclus1_poststratified_awards_mean.csv").iloc[0]
    np.testing.assert_allclose(_mean_row(ps.mean("awards_yes")), [ref["estimate"], ref["se"]], rtol=1e-8)
    ref_w = _aligned(_ref("apiclus1_poststratified_weights.csv"), apiclus1, "poststratified_weight")
    np.testing.assert_allclose(ps.weights, ref_w, rtol=1e-8)


# ---------------------------------------------------------------------------------------------
# raking: errors
# ---------------------------------------------------------------------------------------------

def test_empty_cell_error_names_margin_and_level(apiclus1):
    targets = {"stype": {**POP_STYPE, "K": 10}, "sch.wide": {"No": 1082, "Yes": 5122}}
    with pytest.raises(WeightingError, match=r"margin 'stype'.*'K'.*no sampled"):
        rake_weights(apiclus1, apiclus1["pw"], targets)


def test_sample_level_missing_from_targets(apiclus1):
    with pytest.raises(WeightingError, match=r"margin 'stype'.*'M'.*lack"):
        rake_weights(apiclus1, apiclus1["pw"], {"stype": {"E": 5000, "H": 1194}})


def test_inconsistent_margin_totals(apiclus1):
    with pytest.raises(WeightingError, match="disagree on the population total"):
        rake_weights(apiclus1, apiclus1["pw"], {"stype": POP_STYPE, "sch.wide": {"No": 1000, "Yes": 5000}})


def test_missing_margin_value_names_column_and_row(apiclus1):
    data = apiclus1.copy()
    data.loc[3, "stype"] = None
    with pytest.raises(WeightingError, match=r"'stype' is missing at row positions 3"):
        rake_weights(data, data["pw"], {"stype": POP_STYPE})


def test_nonconvergence_warns(apiclus1):
    with pytest.warns(RakingConvergenceWarning, match="did not converge"):
        _, record = rake_weights(apiclus1, apiclus1["pw"], {"stype": POP_STYPE, "sch.wide": POP_SCHWIDE},
                                 tol=1e-12, max_iter=2)
    assert not record.attrs["converged"] and len(record) == 2


def test_crossing_key_joins_levels():
    data = pd.DataFrame({"a": ["x", "x", "y", "y"], "b": ["p", "q", "p", "q"]})
    targets = {"a+b": {"x|p": 10, "x|q": 20, "y|p": 30, "y|q": 40}}
    w, _ = rake_weights(data, np.ones(4), targets)
    np.testing.assert_allclose(w, [10, 20, 30, 40])
    w2 = poststratify_weights(data, np.ones(4), {("a", "b"): targets["a+b"]})
    np.testing.assert_allclose(w2, [10, 20, 30, 40])


# ---------------------------------------------------------------------------------------------
# raking: properties
# ---------------------------------------------------------------------------------------------

@st.composite
def raking_problems(draw):
    """A sample with 2-3 categorical variables (every level present) and consistent targets.

    Targets are the margins of w_i * u_i for random u_i > 0, so an exact solution exists.
    """
    nvar = draw(st.integers(2, 3))
    nlev = [draw(st.integers(2, 4)) for _ in range(nvar)]
    n = draw(st.integers(max(nlev) + 2, 60))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    cols = {}
    for j, k in enumerate(nlev):
        v = np.concatenate([np.arange(k), rng.integers(0, k, n - k)])
        cols[f"v{j}"] = np.array([f"L{c}" for c in rng.permutation(v)], dtype=object)
    data = pd.DataFrame(cols)
    w = rng.uniform(0.5, 5.0, n)
    u = rng.uniform(0.3, 3.0, n)
    targets = {c: (pd.Series(w * u).groupby(data[c].to_numpy()).sum() * 10).to_dict() for c in data.columns}
    return data, w, targets


_PROP = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_PROP
@given(raking_problems())
def test_raking_reproduces_every_margin(problem):
    data, w, targets = problem
    raked, record = rake_weights(data, w, targets, tol=1e-10, max_iter=2000)
    assert record.attrs["converged"]
    for col, counts in targets.items():
        achieved = pd.Series(raked).groupby(data[col].to_numpy()).sum()
        for level, target in counts.items():
            assert abs(achieved[level] - target) <= 1e-8 * target


@_PROP
@given(raking_problems(), st.randoms(use_true_random=False))
def test_raking_invariant_to_row_order(problem, rnd):
    data, w, targets = problem
    perm = np.array(rnd.sample(range(len(data)), len(data)))
    raked, _ = rake_weights(data, w, targets, tol=1e-12, max_iter=2000)
    raked_p, _ = rake_weights(data.iloc[perm].reset_index(drop=True), w[perm], targets, tol=1e-12, max_iter=2000)
    np.testing.assert_allclose(raked_p, raked[perm], rtol=1e-9)


@_PROP
@given(raking_problems())
def test_sample_matching_its_margins_is_unchanged(problem):
    data, w, _ = problem
    own = {c: pd.Series(w).groupby(data[c].to_numpy()).sum().to_dict() for c in data.columns}
    raked, record = rake_weights(data, w, own)
    np.testing.assert_allclose(raked, w, rtol=1e-12)
    assert len(record) == 1


@_PROP
@given(raking_problems(), st.sampled_from(["margins", "r"]))
def test_empty_level_error_names_the_margin(problem, convergence):
    data, w, targets = problem
    col = list(targets)[-1]
    bad = {**targets, col: {**targets[col], "NEVER": 5.0}}
    first = list(targets)[0]
    bad[first] = {**targets[first]}
    bad[first][next(iter(bad[first]))] += 5.0  # keep the totals consistent
    with pytest.raises(WeightingError, match=rf"margin '{col}'.*'NEVER'"):
        rake_weights(data, w, bad, convergence=convergence)


@_PROP
@given(raking_problems())
def test_raking_agrees_with_multiplicative_calibration(problem):
    # IPF and calibrate(calfun="raking") solve the same problem (Deville, Särndal & Sautory 1993).
    data, w, targets = problem
    raked, _ = rake_weights(data, w, targets, tol=1e-12, max_iter=5000)
    cal = calibrate_weights(data, w, targets, method="raking", epsilon=1e-12, max_iter=200)
    np.testing.assert_allclose(cal, raked, rtol=1e-6)


# ---------------------------------------------------------------------------------------------
# nonresponse adjustment
# ---------------------------------------------------------------------------------------------

def _nonresponse_example() -> pd.DataFrame:
    rows = [  # region, age, base weight, responded
        ("A", "y", 10, 1), ("A", "y", 10, 0), ("A", "y", 20, 1),
        ("A", "m", 10, 1), ("A", "m", 10, 0),
        ("A", "o", 5, 0), ("A", "o", 15, 1),
        ("B", "y", 8, 1), ("B", "y", 8, 1),
        ("B", "m", 8, 1),
        ("B", "o", 8, 1), ("B", "o", 8, 0),
        ("C", "y", 6, 1), ("C", "y", 6, 1), ("C", "y", 6, 1),
        ("C", "m", 6, 1), ("C", "m", 6, 0),
    ]
    return pd.DataFrame(rows, columns=["region", "age", "w", "responded"])


def test_nonresponse_hand_example():
    s = _nonresponse_example()
    adj, report = nonresponse_adjust(s, s["w"], s["responded"], ["region", "age"], min_class_size=2)
    # A|y keeps its own class: 40/30. A|m and A|o (1 respondent each) pool in A|*: (10+10+5+15)/(10+15).
    # B|y: 16/16. B|m and B|o pool in B|*: (8+8+8)/(8+8). C|m is alone and small: all of C merges,
    # 30/24.
    expected = [40 / 3, 0, 80 / 3, 16, 0, 0, 24, 8, 8, 12, 12, 0, 7.5, 7.5, 7.5, 7.5, 0]
    np.testing.assert_allclose(adj, expected, rtol=1e-14)
    rep = report.set_index("class")
    assert rep.loc["A|m", "collapsed_into"] == "A|*" and rep.loc["A|o", "collapsed_into"] == "A|*"
    assert rep.loc["C|y", "collapsed_into"] == "C|*" and rep.loc["C|m", "adjustment_class"] == "C|*"
    assert pd.isna(rep.loc["A|y", "collapsed_into"]) and pd.isna(rep.loc["B|y", "collapsed_into"])
    assert rep.loc["A|y", "sampled"] == 3 and rep.loc["A|y", "respondents"] == 2
    np.testing.assert_allclose(rep.loc["A|y", "weighted_response_rate"], 30 / 40)
    np.testing.assert_allclose(rep.loc["A|o", "factor"], 40 / 25)
    np.testing.assert_allclose(rep.loc["C|y", "factor"], 30 / 24)
    assert rep.loc["A|m", "class_respondents"] == 2


def test_nonresponse_everything_small_gives_one_class():
    s = _nonresponse_example()
    adj, report = nonresponse_adjust(s, "w", "responded", ["region", "age"], min_class_size=100)
    total, resp = s["w"].sum(), s["w"][s["responded"] == 1].sum()
    np.testing.assert_allclose(adj, np.where(s["responded"] == 1, s["w"] * total / resp, 0), rtol=1e-14)
    assert set(report["adjustment_class"]) == {"*|*"}


def test_nonresponse_errors():
    s = _nonresponse_example()
    with pytest.raises(WeightingError, match="no class column 'sex'"):
        nonresponse_adjust(s, s["w"], s["responded"], ["region", "sex"])
    bad = s.assign(responded=s["responded"].replace({0: 2}))
    with pytest.raises(WeightingError, match=r"'responded' must be 0 or 1.*row positions 1, 4"):
        nonresponse_adjust(bad, bad["w"], "responded", ["region"])
    na = s.astype({"age": object})
    na.loc[5, "age"] = None
    with pytest.raises(WeightingError, match=r"'age' is missing at row positions 5"):
        nonresponse_adjust(na, na["w"], na["responded"], ["region", "age"])
    with pytest.raises(WeightingError, match="no respondents"):
        nonresponse_adjust(s, s["w"], np.zeros(len(s)), ["region"])


@st.composite
def nonresponse_problems(draw):
    n = draw(st.integers(5, 120))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    data = pd.DataFrame({"a": rng.integers(0, 3, n).astype(str), "b": rng.integers(0, 4, n).astype(str)})
    w = rng.uniform(1, 10, n)
    r = (rng.uniform(size=n) < 0.7).astype(int)
    r[rng.integers(0, n)] = 1
    return data, w, r, draw(st.integers(1, 15))


@_PROP
@given(nonresponse_problems(), st.randoms(use_true_random=False))
def test_nonresponse_preserves_class_totals_and_row_order(problem, rnd):
    data, w, r, min_size = problem
    adj, report = nonresponse_adjust(data, w, r, ["a", "b"], min_class_size=min_size)
    assert np.all(adj[r == 0] == 0) and np.all(adj[r == 1] > 0)
    # every adjustment class keeps its weighted total, and has enough respondents unless it
    # is the whole sample
    used = report.set_index("class")["adjustment_class"]
    cls = (data["a"] + "|" + data["b"]).map(used).to_numpy()
    before = pd.Series(w).groupby(cls).sum()
    after = pd.Series(adj).groupby(cls).sum()
    np.testing.assert_allclose(after.to_numpy(), before.loc[after.index].to_numpy(), rtol=1e-12)
    nresp = pd.Series(r).groupby(cls).sum()
    assert (nresp >= min_size).all() or set(nresp.index) == {"*|*"}
    perm = np.array(rnd.sample(range(len(data)), len(data)))
    adj_p, _ = nonresponse_adjust(data.iloc[perm], w[perm], r[perm], ["a", "b"], min_class_size=min_size)
    np.testing.assert_allclose(adj_p, adj[perm], rtol=1e-12)


# ---------------------------------------------------------------------------------------------
# diagnostics
# ---------------------------------------------------------------------------------------------

def test_weight_summary_hand_values():
    s = weight_summary([1, 1, 2, 4, 3], domain=["a", "a", "a", "a", "b"]).set_index("domain")
    # a: n 4, sum 8, sum of squares 22: deff = 4 * 22 / 64, n_eff = 64 / 22
    np.testing.assert_allclose(s.loc["a", "deff_weighting"], 4 * 22 / 64)
    np.testing.assert_allclose(s.loc["a", "n_effective"], 64 / 22)
    np.testing.assert_allclose(s.loc["a", "cv"], np.sqrt(4 * 22 / 64 - 1))
    np.testing.assert_allclose(s.loc["a", "max_min_ratio"], 4.0)
    assert s.loc["b", "n"] == 1 and s.loc["b", "deff_weighting"] == 1
    np.testing.assert_allclose(s.loc["all", "sum_weights"], 11.0)
    np.testing.assert_allclose(s.loc["all", "deff_weighting"], 5 * 31 / 121)


def test_margins_to_targets_uses_the_smallest_dimension():
    m = pd.DataFrame({
        "dimension": ["district+education"] * 4 + ["education"] * 2 + ["district+sex"] * 2,
        "district": ["d1", "d1", "d2", "d2", None, None, "d1", "d2"],
        "education": ["lo", "hi", "lo", "hi", "lo", "hi", None, None],
        "sex": [None] * 6 + ["male", "male"],
        "population": [1, 2, 3, 4, 40, 60, 5, 7],
    })
    t = margins_to_targets(m, [["education"], ["district"], ["district", "education"]])
    assert t["education"] == {"lo": 40.0, "hi": 60.0}
    assert t["district"] == {"d1": 3.0, "d2": 7.0}   # first of the two 2-column dimensions, summed
    assert t["district+education"] == {"d1|lo": 1.0, "d1|hi": 2.0, "d2|lo": 3.0, "d2|hi": 4.0}
    with pytest.raises(WeightingError, match="no dimension holds"):
        margins_to_targets(m, [["occupation"]])


# ---------------------------------------------------------------------------------------------
# the weighting chain of a round
# ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def config() -> dict:
    return yaml.safe_load(CONFIG.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def round_data(config, synthetic_population):
    """A small synthetic population, a stratified Bernoulli sample of it, and its margins."""
    rng = np.random.default_rng(20250101)
    npop = 30000
    pop, margins = synthetic_population(rng, npop, urban=0.9)
    rate = {"haibowan-urban": 0.04, "haibowan-rural": 0.12, "hainan-urban": 0.08, "hainan-rural": 0.15,
            "wuda-urban": 0.08, "wuda-rural": 0.2}
    pop["selection_prob"] = pop["stratum"].map(rate)
    sample = pop[rng.uniform(size=npop) < pop["selection_prob"].to_numpy()].copy()
    sample["respondent_id"] = [f"R{i:05d}" for i in range(len(sample))]
    sample["psu"] = sample["stratum"] + "-" + rng.integers(0, 5, len(sample)).astype(str)
    p_resp = np.where(sample["age"] < 30, 0.55, 0.8)
    sample["responded"] = (rng.uniform(size=len(sample)) < p_resp).astype(int)
    responses = sample[sample["responded"] == 1].drop(columns=["responded", "age_band"])
    responses = responses.sample(frac=1.0, random_state=1).set_index(pd.Index(np.arange(len(responses)) + 1000))
    sample = sample.drop(columns=["education", "age_band"]).reset_index(drop=True)
    return pop, sample, responses, margins


def test_weight_round(config, round_data):
    pop, sample, responses, margins = round_data
    res = weight_round(sample, responses, margins, config)
    assert res.weights.name == "weight" and res.weights.index.equals(responses.index)
    # raked weights reproduce the population by district x sex x age band, education, residence
    np.testing.assert_allclose(res.weights.sum(), len(pop), rtol=1e-8)
    assert res.margin_check["rel_error"].max() < 1e-8
    data = responses.assign(w=res.weights, age_band=pd.cut(responses["age"], [17, 29, 39, 49, 59, 69],
                                                           labels=["18-29", "30-39", "40-49", "50-59",
                                                                   "60-69"]).astype(str))
    by = data.groupby(["district", "sex", "age_band"])["w"].sum()
    want = pop.groupby(["district", "sex", "age_band"]).size()
    np.testing.assert_allclose(by.loc[want.index].to_numpy(), want.to_numpy(), rtol=1e-8)
    by = data.groupby("education")["w"].sum()
    want = pop.groupby("education").size()
    np.testing.assert_allclose(by.loc[want.index].to_numpy(), want.to_numpy(), rtol=1e-8)
    # nonresponse adjustment keeps the base-weight total of the sample
    base_total = (1 / sample["selection_prob"]).sum()
    np.testing.assert_allclose(res.nonresponse_weights.sum(), base_total, rtol=1e-12)
    # diagnostics: 3 stages x (3 districts + city)
    d = res.diagnostics
    assert len(d) == 12 and list(d["stage"].unique()) == ["base", "nonresponse", "raked"]
    city = d[d["domain"] == "all"].set_index("stage")
    assert city.loc["base", "n"] == len(sample) and city.loc["raked", "n"] == len(responses)
    np.testing.assert_allclose(city.loc["raked", "sum_weights"], len(pop), rtol=1e-8)
    np.testing.assert_allclose(city["population"].to_numpy(), len(pop))
    wuda = d[(d["domain"] == "wuda") & (d["stage"] == "raked")].iloc[0]
    assert wuda["population"] == (pop["district"] == "wuda").sum() and wuda["label_en"] == "Wuda"
    np.testing.assert_allclose(wuda["n_effective"] * wuda["deff_weighting"], wuda["n"], rtol=1e-12)
    assert set(res.raking_targets) == {"district+sex+age_band", "education", "residence"}
    assert res.raking_targets["district+sex+age_band"]["wuda|female|60-69"] == \
        ((pop["district"] == "wuda") & (pop["sex"] == "female") & (pop["age"] >= 60)).sum()


def test_weight_round_design_raking_gives_the_same_weights(config, round_data):
    from literacy.weighting import rake_design

    _, sample, responses, margins = round_data
    res = weight_round(sample, responses, margins, config)
    data = responses.assign(age_band=pd.cut(responses["age"], [17, 29, 39, 49, 59, 69],
                                            labels=["18-29", "30-39", "40-49", "50-59", "60-69"]).astype(str))
    raked = rake_design(_Design(data, res.nonresponse_weights.to_numpy()), res.raking_targets, tol=1e-8)
    np.testing.assert_allclose(raked.weights, res.weights.to_numpy(), rtol=1e-12)


def test_weight_round_id_mismatch(config, round_data):
    _, sample, responses, margins = round_data
    extra = responses.iloc[:1].assign(respondent_id="NOPE")
    with pytest.raises(WeightingError, match=r"'respondent_id' not in the sample at row positions 0"):
        weight_round(sample, pd.concat([extra, responses.iloc[1:]]), margins, config)
    with pytest.raises(WeightingError, match="missing from responses"):
        weight_round(sample, responses.iloc[1:], margins, config)


def test_weight_round_empty_cell_names_margin(config, round_data):
    _, sample, responses, margins = round_data
    m = margins.copy()
    extra = pd.DataFrame({"dimension": ["district+education"], "district": ["wuda"], "education": ["phd"],
                          "population": [0]})
    m = pd.concat([m, extra], ignore_index=True)
    # a level with population 0 and no sample is fine ...
    weight_round(sample, responses, m, config)
    # ... but a positive population with no sample is an error naming margin and level
    m.loc[m.index[-1], "population"] = 10
    with pytest.raises(WeightingError, match=r"margin 'education'.*'phd'"):
        weight_round(sample, responses, m, config)
