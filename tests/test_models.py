"""Design-based models and tests against R's survey 4.1-1 (tests/golden/make_golden_models.R).

Designs: apiclus1 one-stage cluster with fpc, apistrat stratified with fpc, apiclus2 two-stage
with fpc at both stages, JK1 from apiclus1, 40 bootstrap replicates of apistrat delivered as
weight columns (drawn in R), apiclus1 raked to school type and sch.wide (Taylor and JK1).
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from literacy.design import SurveyDesign
from literacy.errors import DesignError
from literacy.models import r_name
from literacy.assessment import associations_table, determinants_table, score_quantiles
from literacy.replicate import ReplicateDesign

GOLDEN = Path(__file__).resolve().parent / "golden"
RAKE_TARGETS = {"stype": {"E": 4421, "H": 755, "M": 1018}, "sch.wide": {"No": 1072, "Yes": 5122}}


def golden(name):
    return pd.read_csv(GOLDEN / name, keep_default_na=False, na_values=["NA"])


@pytest.fixture(scope="module")
def designs():
    c1, s1, c2 = golden("models_apiclus1.csv"), golden("models_apistrat.csv"), golden("models_apiclus2.csv")
    boot = golden("models_apistrat_bootstrap.csv")
    scale = float(golden("models_bootstrap_scale.csv")["scale"].iloc[0])
    d = {
        "clus1": SurveyDesign(c1, "pw", psu="dnum", fpc="fpc"),
        "strat": SurveyDesign(s1, "pw", strata="stype", fpc="fpc"),
        "clus2": SurveyDesign(c2, None, psu=["dnum", "snum"], fpc=["fpc1", "fpc2"]),
        "boot": ReplicateDesign(boot, "pw", r"^bw\d+$", "bootstrap", scale=scale),
    }
    d["jk1"] = d["clus1"].replicate("jk1")
    # R's rake() defaults: control = list(maxit = 10, epsilon = 1)
    d["raked"] = d["clus1"].rake(RAKE_TARGETS, tol=1, max_iter=10, convergence="r")
    d["raked_jk1"] = d["jk1"].rake(RAKE_TARGETS, tol=1, max_iter=10, convergence="r")
    return d


def _close(ours, ref, rtol):
    np.testing.assert_allclose(np.asarray(ours, float), np.asarray(ref, float), rtol=rtol, atol=0)


# ---------------------------------------------------------------------------------------- svyglm
GLM = golden("models_glm.csv")
GLM_INFO = golden("models_glm_info.csv").set_index("case")


@pytest.mark.parametrize("case", list(dict.fromkeys(GLM["case"])))
def test_glm_matches_r(designs, case):
    ref = GLM[GLM["case"] == case].reset_index(drop=True)
    r0 = ref.iloc[0]
    subset = r0["subset"].replace("sch.wide", "`sch.wide`") if r0["subset"] else None
    out = designs[r0["design"]].glm(r0["formula"], r0["family"], subset=subset)
    assert [r_name(t) for t in out["term"]] == list(ref["term"])
    _close(out["estimate"], ref["estimate"], 1e-9)
    _close(out["se"], ref["se"], 1e-8)
    _close(out["t"], ref["t"], 1e-8)
    _close(out["p_value"], ref["p_value"], 1e-6)
    _close(out["ci_low"], ref["ci_low"], 1e-8)
    _close(out["ci_high"], ref["ci_high"], 1e-8)
    assert (out["df"] == ref["df"]).all()
    info = GLM_INFO.loc[case]
    assert out.attrs["deviance"] == pytest.approx(info["deviance"], rel=1e-10)
    assert out.attrs["null_deviance"] == pytest.approx(info["null_deviance"], rel=1e-10)
    assert out.attrs["iterations"] == info["iterations"]
    if np.isnan(info["aic"]):
        assert np.isnan(out.attrs["aic"])
    else:
        assert out.attrs["aic"] == pytest.approx(info["aic"], rel=1e-10)
    if r0["family"] in ("binomial", "quasibinomial"):
        _close(out["odds_ratio"], np.exp(ref["estimate"]), 1e-9)
        _close(out["or_ci_low"], np.exp(ref["ci_low"]), 1e-8)
    else:
        assert "odds_ratio" not in out.columns


def test_glm_subset_mask_equals_expression(designs):
    d = designs["clus1"]
    a = d.glm("api00 ~ ell + meals", subset="stype == 'H'")
    b = d.glm("api00 ~ ell + meals", subset=(d.data["stype"] == "H").to_numpy())
    pd.testing.assert_frame_equal(a, b)
    # a domain is not the same as a smaller design: the PSU count (and the variance) differ
    small = SurveyDesign(d.data[d.data["stype"] == "H"].reset_index(drop=True), "pw", psu="dnum", fpc="fpc")
    c = small.glm("api00 ~ ell + meals")
    np.testing.assert_allclose(a["estimate"], c["estimate"], rtol=1e-10)
    assert not np.allclose(a["se"], c["se"], rtol=1e-6)


def test_glm_categorical_string_equals_categorical_dtype(designs):
    d = designs["strat"]
    data = d.data.copy()
    data["stype"] = data["stype"].astype("category")
    cat = SurveyDesign(data, "pw", strata="stype", fpc="fpc").glm("api00 ~ stype + meals")
    pd.testing.assert_frame_equal(d.glm("api00 ~ stype + meals")[cat.columns], cat)


# ---------------------------------------------------------------------------------- errors
def test_glm_missing_column(designs):
    with pytest.raises(DesignError, match="column 'nope' is not in the data"):
        designs["clus1"].glm("api00 ~ ell + nope")


def test_glm_constant_column_and_aliased_term(designs):
    d = designs["clus1"]
    data = d.data.assign(one=1.0, ell2=2 * d.data["ell"] + 3)
    d2 = SurveyDesign(data, "pw", psu="dnum", fpc="fpc")
    with pytest.raises(DesignError, match="term 'one' is aliased"):
        d2.glm("api00 ~ ell + one")
    with pytest.raises(DesignError, match="term 'ell2' is aliased"):
        d2.glm("api00 ~ ell + ell2")


def test_glm_perfect_separation(designs):
    d = designs["clus1"]
    data = d.data.assign(high=(d.data["api00"] > 700).astype(float))
    d2 = SurveyDesign(data, "pw", psu="dnum", fpc="fpc")
    with pytest.raises(DesignError, match="separation"):
        d2.glm("high ~ api00", family="binomial")


def test_glm_bad_family_and_outcome(designs):
    with pytest.raises(DesignError, match="family"):
        designs["clus1"].glm("api00 ~ ell", family="gamma")
    with pytest.raises(DesignError, match="must be 0/1"):
        designs["clus1"].glm("api00 ~ ell", family="binomial")


def test_ttest_needs_two_groups(designs):
    with pytest.raises(DesignError, match="exactly two levels.*it has 3"):
        designs["clus1"].ttest("api00", "stype")


def test_error_messages_are_one_line(designs):
    for call in (lambda: designs["clus1"].glm("api00 ~ nope"), lambda: designs["clus1"].ttest("api00", "stype"),
                 lambda: designs["clus1"].glm("api00 ~ ell", subset="no_such_column > 1")):
        with pytest.raises(DesignError) as exc:
            call()
        assert "\n" not in str(exc.value)


# ---------------------------------------------------------------------------------- svyttest
@pytest.mark.parametrize("row", golden("models_ttest.csv").to_dict("records"), ids=lambda r: r["design"])
def test_ttest_matches_r(designs, row):
    y, g = [s.strip() for s in row["formula"].split("~")]
    out = designs[row["design"]].ttest(y, g)
    assert out["difference"] == pytest.approx(row["difference"], rel=1e-9)
    assert out["t"] == pytest.approx(row["t"], rel=1e-8)
    assert out["df"] == row["df"]
    assert out["p_value"] == pytest.approx(row["p_value"], rel=1e-6)
    assert (out["ci_low"], out["ci_high"]) == pytest.approx((row["ci_low"], row["ci_high"]), rel=1e-8)


# ---------------------------------------------------------------------------------- svychisq
@pytest.mark.parametrize("row", golden("models_chisq.csv").to_dict("records"),
                         ids=lambda r: f"{r['design']}-{r['a']}-{r['b']}-{r['statistic_type']}")
def test_chisq_matches_r(designs, row):
    out = designs[row["design"]].chisq(row["a"], row["b"], statistic=row["statistic_type"])
    assert out["statistic"] == pytest.approx(row["statistic"], rel=1e-8)
    assert out["ndf"] == pytest.approx(row["ndf"], rel=1e-8)
    if row["statistic_type"] == "Chisq":
        assert out["ddf"] == np.inf
    else:
        assert out["ddf"] == pytest.approx(row["ddf"], rel=1e-8)
    assert out["p_value"] == pytest.approx(row["p_value"], rel=1e-6)


# ---------------------------------------------------------------------------------- svyquantile
QUANT = golden("models_quantile.csv")


@pytest.mark.parametrize("key", list(dict.fromkeys(zip(QUANT["design"], QUANT["variable"], QUANT["by"]))),
                         ids=lambda k: "-".join(x for x in k if x))
def test_quantile_matches_r(designs, key):
    design, variable, by = key
    ref = QUANT[(QUANT["design"] == design) & (QUANT["variable"] == variable) & (QUANT["by"] == by)]
    out = designs[design].quantile(variable, q=(0.25, 0.5, 0.75), by=by or None)
    assert list(out.columns) == ([by] if by else []) + ["quantile", "estimate", "se", "ci_low", "ci_high"]
    if by:
        assert list(out[by].astype(str)) == list(ref["domain"].astype(str))
    _close(out["quantile"], ref["quantile"], 0)
    _close(out["estimate"], ref["estimate"], 1e-12)
    _close(out["ci_low"], ref["ci_low"], 1e-12)
    _close(out["ci_high"], ref["ci_high"], 1e-12)
    _close(out["se"], ref["se"], 1e-9)


def test_quantile_without_ci(designs):
    out = designs["clus1"].quantile("api00", q=0.5, ci=False)
    assert list(out.columns) == ["quantile", "estimate"]
    ref = QUANT[(QUANT["design"] == "clus1") & (QUANT["variable"] == "api00") & (QUANT["quantile"] == 0.5)]
    assert out["estimate"].iloc[0] == ref["estimate"].iloc[0]


# ---------------------------------------------------------------------------------- factor cache
def test_domain_codes_cached_per_design(designs):
    d = SurveyDesign(designs["clus1"].data, "pw", psu="dnum", fpc="fpc")
    first = d.factor_codes("stype")
    d.mean("api00", by="stype")
    assert d.factor_codes("stype")[0] is first[0]            # factorised once
    other = SurveyDesign(d.data.copy(), "pw", psu="dnum", fpc="fpc")
    assert other.factor_codes("stype")[0] is not first[0]     # a new design (new data) factorises again


def test_string_and_categorical_domains_agree(designs):
    data = designs["strat"].data
    as_cat = data.assign(stype=data["stype"].astype("category"))
    a = SurveyDesign(data, "pw", strata="stype", fpc="fpc").mean("api00", by="stype")
    b = SurveyDesign(as_cat, "pw", strata="stype", fpc="fpc").mean("api00", by="stype")
    np.testing.assert_array_equal(a["se"], b["se"])
    assert list(a["stype"].astype(str)) == list(b["stype"].astype(str))


# ---------------------------------------------------------------------------------- assessment tables
def test_determinants_table(designs):
    ref = GLM[GLM["case"] == "clus1_logit"].reset_index(drop=True)
    t = determinants_table(designs["clus1"], "awards_yes", ["stype", "meals", "ell"], round_id="r1")
    assert list(t.columns) == ["round", "term", "variable", "level", "reference", "estimate", "se", "odds_ratio",
                               "or_ci_low", "or_ci_high", "p_value", "df"]
    assert list(t["variable"]) == ["(Intercept)", "stype", "stype", "meals", "ell"]
    assert list(t["level"]) == ["", "H", "M", "", ""]
    assert list(t["reference"]) == ["", "E", "E", "", ""]
    assert (t["round"] == "r1").all()
    _close(t["odds_ratio"], np.exp(ref["estimate"]), 1e-9)
    _close(t["or_ci_high"], np.exp(ref["ci_high"]), 1e-8)
    _close(t["p_value"], ref["p_value"], 1e-6)


def test_associations_table(designs):
    ref = golden("models_chisq.csv")
    ref = ref[(ref["design"] == "clus1") & (ref["statistic_type"] == "F")].reset_index(drop=True)
    t = associations_table(designs["clus1"], "sch.wide", ["stype"])
    assert list(t.columns) == ["breakdown", "statistic", "ndf", "ddf", "p_value"]
    row = ref[ref["b"] == "stype"].iloc[0]
    assert t["statistic"].iloc[0] == pytest.approx(row["statistic"], rel=1e-8)
    assert t["p_value"].iloc[0] == pytest.approx(row["p_value"], rel=1e-6)


def test_score_quantiles(designs):
    ref = QUANT[(QUANT["design"] == "raked") & (QUANT["by"] == "stype")]
    t = score_quantiles(designs["raked"], "api00", by="stype")
    _close(t["estimate"], ref["estimate"], 1e-12)
    _close(t["se"], ref["se"], 1e-9)
