"""Replicate-weight designs against R's survey package (golden values in tests/golden)."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from literacy.design import SurveyDesign
from literacy.errors import DesignError
from literacy.replicate import ReplicateDesign
from reference import reference

GOLDEN = Path(__file__).resolve().parent / "golden"


def golden(name):
    return pd.read_csv(GOLDEN / name)


def test_jk1_by_domain_matches_r():
    data = reference("apiclus1.csv")
    ref = reference("apiclus1_awards_by_stype_jk1.csv").set_index("stype")
    rep = SurveyDesign(data, weights="pw", psu="dnum", fpc="fpc").replicate("jk1")
    res = rep.mean("awards_yes", by="stype").set_index("stype").loc[ref.index]
    np.testing.assert_allclose(res["estimate"], ref["estimate"], rtol=1e-9)
    np.testing.assert_allclose(res["se"], ref["se"], rtol=1e-9)


def test_jkn_by_domain_matches_r():
    data = golden("apistrat_psu.csv")
    ref = golden("apistrat_jkn_by_schwide.csv").set_index("sch.wide")
    design = SurveyDesign(data, weights="pw", strata="stype", psu="psu", nest=True)
    res = design.replicate("jkn").mean("high", by="sch.wide").set_index("sch.wide").loc[ref.index]
    np.testing.assert_allclose(res["estimate"], ref["estimate"], rtol=1e-9)
    np.testing.assert_allclose(res["se"], ref["se"], rtol=1e-9)


def test_delivered_fay_replicate_weights_match_r():
    data = golden("apistrat_fay_repweights.csv")
    ref = golden("apistrat_fay_by_schwide.csv").set_index("sch.wide")
    design = ReplicateDesign(data, weights="pw", replicate_weights=r"^repw\d+$", method="fay", rho=0.3)
    res = design.mean("high", by="sch.wide").set_index("sch.wide").loc[ref.index]
    np.testing.assert_allclose(res["estimate"], ref["estimate"], rtol=1e-9)
    np.testing.assert_allclose(res["se"], ref["se"], rtol=1e-9)
    overall = golden("apistrat_fay_overall.csv").iloc[0]
    o = design.mean("api00").iloc[0]
    assert o["estimate"] == pytest.approx(overall["estimate"], rel=1e-9)
    assert o["se"] == pytest.approx(overall["se"], rel=1e-9)
    assert design.degf() == overall["degf"]


def test_built_fay_equals_delivered_fay_for_linear_totals():
    # For a total, any fully balanced half-sample set gives the same variance (Wolter 2007, 3.4):
    # our Sylvester Hadamard replicates against R's own replicate weights.
    data = golden("apistrat_fay_repweights.csv")
    delivered = ReplicateDesign(data, weights="pw", replicate_weights=r"^repw\d+$", method="fay", rho=0.3)
    built = SurveyDesign(data, weights="pw", strata="stype", psu="half", nest=True).replicate("fay", rho=0.3)
    a, b = delivered.total("api00").iloc[0], built.total("api00").iloc[0]
    assert a["estimate"] == pytest.approx(b["estimate"], rel=1e-12)
    assert a["se"] == pytest.approx(b["se"], rel=1e-9)


def test_taylor_ratio_and_total_by_domain_match_r():
    data = golden("apistrat_psu.csv")
    design = SurveyDesign(data, weights="pw", strata="stype", psu="psu", nest=True)
    ratio = golden("apistrat_ratio_by_stype.csv").set_index("stype")
    res = design.ratio("api00", "api99", by="stype").set_index("stype").loc[ratio.index]
    np.testing.assert_allclose(res["estimate"], ratio["estimate"], rtol=1e-9)
    np.testing.assert_allclose(res["se"], ratio["se"], rtol=1e-9)
    np.testing.assert_allclose(res["deff"], ratio["deff"], rtol=1e-7)
    total = golden("apistrat_total_by_stype.csv").set_index("stype")
    res = design.total("enroll", by="stype").set_index("stype").loc[total.index]
    np.testing.assert_allclose(res["estimate"], total["estimate"], rtol=1e-9)
    np.testing.assert_allclose(res["se"], total["se"], rtol=1e-9)
    np.testing.assert_allclose(res["deff"], total["deff"], rtol=1e-7)


def test_bootstrap_is_deterministic_for_a_seed_and_close_to_taylor():
    data = golden("apistrat_psu.csv")
    design = SurveyDesign(data, weights="pw", strata="stype", psu="psu", nest=True)
    a = design.replicate("bootstrap", replicates=400, seed=3).mean("api00")
    b = design.replicate("bootstrap", replicates=400, seed=3).mean("api00")
    pd.testing.assert_frame_equal(a, b)
    taylor = design.mean("api00")["se"].iloc[0]
    assert a["se"].iloc[0] == pytest.approx(taylor, rel=0.25)
    with pytest.raises(DesignError, match="seed"):
        design.replicate("bootstrap")


def test_bad_replicate_specification_errors():
    data = golden("apistrat_fay_repweights.csv")
    with pytest.raises(DesignError, match="no column matches"):
        ReplicateDesign(data, weights="pw", replicate_weights="^nothing", method="brr")
    with pytest.raises(DesignError, match="rho"):
        ReplicateDesign(data, weights="pw", replicate_weights="^repw", method="fay")
    with pytest.raises(DesignError, match="rscales"):
        ReplicateDesign(data, weights="pw", replicate_weights="^repw", method="jkn")


def test_bad_replicate_weight_values_name_column_and_row():
    data = golden("apistrat_fay_repweights.csv")
    bad = data.copy()
    bad.loc[7, "repw3"] = -1.0
    with pytest.raises(DesignError, match="'repw3' is negative at row 7"):
        ReplicateDesign(bad, weights="pw", replicate_weights="^repw", method="fay", rho=0.3)
    bad = data.copy()
    bad.loc[11, "repw2"] = np.nan
    with pytest.raises(DesignError, match="'repw2' is missing or not numeric at row 11"):
        ReplicateDesign(bad, weights="pw", replicate_weights="^repw", method="fay", rho=0.3)


def test_replicate_factors_leave_the_callers_data_alone():
    data = golden("apistrat_fay_repweights.csv")
    factors = data.filter(regex="^repw").div(data["pw"], axis=0)
    frame = pd.concat([data.drop(columns=factors.columns), factors], axis=1)
    before = frame.copy()
    as_factors = ReplicateDesign(frame, weights="pw", replicate_weights="^repw", method="fay", rho=0.3,
                                 combined_weights=False)
    pd.testing.assert_frame_equal(frame, before)
    combined = ReplicateDesign(data, weights="pw", replicate_weights="^repw", method="fay", rho=0.3)
    np.testing.assert_allclose(as_factors.mean("api00", by="sch.wide")["se"],
                               combined.mean("api00", by="sch.wide")["se"], rtol=1e-12)


def test_large_replicate_weights_are_read_in_blocks(monkeypatch):
    # above _CONTIGUOUS_BYTES the N x R weights stay column-major and are summed in row blocks;
    # the result must equal the one-copy path (and R's, tested above)
    import literacy.survey.replicate as rep_mod

    data = golden("apistrat_fay_repweights.csv")
    whole = ReplicateDesign(data, weights="pw", replicate_weights="^repw", method="fay", rho=0.3)
    monkeypatch.setattr(rep_mod, "_CONTIGUOUS_BYTES", 0)
    blocks = list(rep_mod.row_blocks(np.asfortranarray(np.ones((50, 4))), block_bytes=8 * 4 * 7))
    assert [s for s, _ in blocks] == list(range(0, 50, 7)) and sum(len(b) for _, b in blocks) == 50
    original = rep_mod.row_blocks
    monkeypatch.setattr(rep_mod, "row_blocks", lambda m, block_bytes=8 * 4 * 13: original(m, block_bytes))
    blocked = ReplicateDesign(data, weights="pw", replicate_weights="^repw", method="fay", rho=0.3)
    assert not blocked.replicate_weights().flags.c_contiguous
    assert blocked.degf() == whole.degf()
    for by in (None, "sch.wide", "stype"):
        pd.testing.assert_frame_equal(blocked.mean("api00", by=by), whole.mean("api00", by=by), rtol=1e-12)


@pytest.mark.parametrize("lonely", ["remove", "adjust", "average", "certainty"])
def test_jackknife_shortcut_equals_the_factor_product(lonely):
    # JK1/JKn replicate sums come from T - T_h + u_h (T_h - S_c); the generic path multiplies
    # the PSU factor matrix. Same numbers, with a lonely PSU and an fpc in the design.
    data = golden("apistrat_psu.csv")
    data = data[~((data["stype"] == "H") & (data["psu"] > 0))].copy()      # stratum H: one PSU
    data["fpc"] = data["stype"].map({"E": 40, "H": 5, "M": 30})
    design = SurveyDesign(data, weights="pw", strata="stype", psu="psu", fpc="fpc", nest=True, lonely_psu=lonely)
    for method, d in (("jkn", design), ("jk1", SurveyDesign(data, weights="pw", psu="snum"))):
        fast = d.replicate(method)
        slow = d.replicate(method)
        slow._jackknife = None
        for by in (None, "sch.wide"):
            a, b = fast.mean(["api00", "high"], by=by), slow.mean(["api00", "high"], by=by)
            pd.testing.assert_frame_equal(a, b, rtol=1e-11)
            a, b = fast.total("enroll", by=by), slow.total("enroll", by=by)
            pd.testing.assert_frame_equal(a, b, rtol=1e-11)


# --------------------------------------------------------------------------- domain degrees of freedom
@pytest.mark.parametrize("case", ["jk1_stype", "jk1_schwide", "jkn_schwide", "jkn_stype"])
def test_replicate_domain_df_and_ci_match_r(case):
    # svyby(~I(awards == "Yes"), ~by, repdesign, svyciprop, method="beta"): R recomputes
    # degf() on each domain's subset and the Korn-Graubard interval uses it
    g = golden("replicate_domain_df.csv")
    g = g[g["case"] == case].reset_index(drop=True)
    if case.startswith("jk1"):
        data = reference("apiclus1.csv")
        design = SurveyDesign(data, weights="pw", psu="dnum", fpc="fpc").replicate("jk1")
    else:
        data = golden("apistrat_psu.csv")
        design = SurveyDesign(data, weights="pw", strata="stype", psu="psu", nest=True).replicate("jkn")
    by = "stype" if case.endswith("stype") else "sch.wide"
    got = design.proportion("awards_yes", by=by, ci="beta")
    assert list(got[by]) == list(g["domain"])
    np.testing.assert_array_equal(got["df"], g["df"])
    np.testing.assert_allclose(got["estimate"], g["estimate"], rtol=1e-9, atol=1e-15)
    np.testing.assert_allclose(got["se"], g["se"], rtol=1e-9, atol=1e-15)
    shown = g["ci_low"].notna()          # R gives no interval for a share of 0 (we use the KG fallback)
    np.testing.assert_allclose(got.loc[shown, ["ci_low", "ci_high"]], g.loc[shown, ["ci_low", "ci_high"]], rtol=1e-7)


def _subset_rank(design, rows):
    """R's degf() + 1 of a subset, by hand: numpy's SVD rank of the subset's replicate weights."""
    X = design.replicate_weights()[rows]
    X = X / np.where(np.linalg.norm(X, axis=0) > 0, np.linalg.norm(X, axis=0), 1.0)
    return np.linalg.matrix_rank(X, tol=1e-5 * np.linalg.svd(X, compute_uv=False).max())


@pytest.mark.filterwarnings("ignore:a domain has a single observation")
@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), method=st.sampled_from(["jkn", "jk1", "bootstrap", "brr"]))
def test_domain_df_is_the_rank_of_the_domains_replicate_weights(seed, method):
    rng = np.random.default_rng(seed)
    H = 4
    n_h = rng.integers(1, 5, H) if method == "jkn" else (np.full(H, 2) if method == "brr" else np.array([6]))
    if method in ("jk1", "bootstrap"):
        H = 1
    psu = np.concatenate([np.repeat(np.arange(k), rng.integers(1, 6, k)) + 10 * h for h, k in enumerate(n_h[:H])])
    data = pd.DataFrame({"h": psu // 10, "psu": psu, "w": rng.uniform(1, 4, len(psu))})
    data["g"] = rng.integers(0, 3, len(data))
    data["y"] = rng.integers(0, 2, len(data))
    strata = "h" if method in ("jkn", "brr") else None
    design = SurveyDesign(data, weights="w", strata=strata, psu="psu", lonely_psu="remove")
    if method == "jkn" and (n_h[:H] == 1).all():        # no replicate at all: R's jknweights stops too
        with pytest.raises(DesignError, match="no stratum gives a jackknife replicate"):
            design.replicate(method)
        return
    rep = design.replicate(method, replicates=7, seed=seed)
    df = rep.proportion("y", by="g", ci="wald").set_index("g")["df"]
    for g in df.index:
        assert df[g] == _subset_rank(rep, (data["g"] == g).to_numpy()) - 1, (method, g)
    if rep._jackknife is not None:       # the closed form equals the general Gram path
        slow = type(rep).from_factors(rep.data, rep.weights, *rep._factors, rep.method, rep.scale, rep.rscales,
                                       rep.rho, rep.mse, rep._degf)
        pd.testing.assert_series_equal(slow.proportion("y", by="g", ci="wald").set_index("g")["df"], df)


def test_bootstrap_design_df_is_the_rank_of_its_replicates():
    # R: degf(as.svrepdesign(ds, type = "bootstrap", replicates = 50)) is 18 on this design
    # (21 PSUs in 3 strata: each stratum's counts sum to n_h, so the rank is 21 - 3 + 1); with
    # fewer replicates than that the rank is the number of replicates
    design = SurveyDesign(golden("apistrat_psu.csv"), weights="pw", strata="stype", psu="psu", nest=True)
    assert design.replicate("bootstrap", replicates=50, seed=1).degf() == 18
    assert design.replicate("bootstrap", replicates=500, seed=2).degf() == 18
    few = design.replicate("bootstrap", replicates=10, seed=3)
    assert few.degf() == 9
    assert (few.proportion("high", by="sch.wide")["df"] <= 9).all()
