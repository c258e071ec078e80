"""The Taylor-linearisation engine against R's survey package (tests/golden, made by make_reference.R)."""

import numpy as np
import pandas as pd
import pytest

from literacy.design import SurveyDesign
from literacy.errors import DesignError
from reference import reference

RTOL_EST = 1e-9
RTOL_CI = 1e-7


@pytest.fixture(scope="module")
def apiclus1():
    return reference("apiclus1.csv")


def _by_stype(result: pd.DataFrame) -> pd.DataFrame:
    return result.set_index("stype").sort_index()


def test_clus1_by_stype_taylor_with_fpc(apiclus1):
    ref = reference("apiclus1_awards_by_stype_taylor.csv").set_index("stype").sort_index()
    design = SurveyDesign(apiclus1, weights="pw", psu="dnum", fpc="fpc")
    logit = _by_stype(design.proportion("awards_yes", by="stype", ci="logit"))
    beta = _by_stype(design.proportion("awards_yes", by="stype", ci="beta"))
    np.testing.assert_allclose(logit["estimate"], ref["estimate"], rtol=RTOL_EST)
    np.testing.assert_allclose(logit["se"], ref["se"], rtol=RTOL_EST)
    np.testing.assert_allclose(logit["deff"], ref["deff"], rtol=RTOL_CI)
    np.testing.assert_allclose(logit["ci_low"], ref["logit_low"], rtol=RTOL_CI)
    np.testing.assert_allclose(logit["ci_high"], ref["logit_high"], rtol=RTOL_CI)
    np.testing.assert_allclose(beta["ci_low"], ref["beta_low"], rtol=RTOL_CI)
    np.testing.assert_allclose(beta["ci_high"], ref["beta_high"], rtol=RTOL_CI)
    np.testing.assert_array_equal(logit["df"], ref["domain_df"])
    assert design.degf() == ref["df"].iloc[0]
    np.testing.assert_array_equal(logit["n"], apiclus1.groupby("stype").size().sort_index())


def test_clus1_by_stype_taylor_without_fpc(apiclus1):
    ref = reference("apiclus1_awards_by_stype_taylor_nofpc.csv").set_index("stype").sort_index()
    res = _by_stype(SurveyDesign(apiclus1, weights="pw", psu="dnum").mean("awards_yes", by="stype"))
    np.testing.assert_allclose(res["estimate"], ref["estimate"], rtol=RTOL_EST)
    np.testing.assert_allclose(res["se"], ref["se"], rtol=RTOL_EST)


def test_clus1_overall_means(apiclus1):
    ref = reference("apiclus1_overall_taylor.csv").set_index("variable")
    res = SurveyDesign(apiclus1, weights="pw", psu="dnum", fpc="fpc").mean(["awards_yes", "api00"]).set_index("variable")
    np.testing.assert_allclose(res.loc[ref.index, "estimate"], ref["estimate"], rtol=RTOL_EST)
    np.testing.assert_allclose(res.loc[ref.index, "se"], ref["se"], rtol=RTOL_EST)


def test_clus1_total(apiclus1):
    ref = reference("apiclus1_enroll_total_taylor.csv")
    res = SurveyDesign(apiclus1, weights="pw", psu="dnum", fpc="fpc").total("enroll")
    np.testing.assert_allclose(res["estimate"], ref["estimate"], rtol=RTOL_EST)
    np.testing.assert_allclose(res["se"], ref["se"], rtol=RTOL_EST)


def test_clus2_two_stage_with_fpc_at_both_stages():
    data = reference("apiclus2.csv")
    ref = reference("apiclus2_awards_by_stype_twostage.csv").set_index("stype").sort_index()
    design = SurveyDesign(data, weights=None, psu=["dnum", "snum"], fpc=["fpc1", "fpc2"])
    res = _by_stype(design.mean("awards_yes", by="stype"))
    np.testing.assert_allclose(res["estimate"], ref["estimate"], rtol=RTOL_EST)
    np.testing.assert_allclose(res["se"], ref["se"], rtol=RTOL_EST)


@pytest.mark.parametrize("option", ["remove", "adjust", "average", "certainty"])
def test_lonely_psu_options(option):
    data = reference("apistrat_lonely.csv")
    ref = reference("apistrat_lonely_psu.csv")
    ref = ref[ref["lonely_psu"] == option].set_index("variable")
    design = SurveyDesign(data, weights="pw", strata="stype", lonely_psu=option)
    res = design.mean(["api00", "awards_yes"]).set_index("variable").loc[ref.index]
    np.testing.assert_allclose(res["estimate"], ref["estimate"], rtol=RTOL_EST)
    np.testing.assert_allclose(res["se"], ref["se"], rtol=RTOL_EST)


def test_lonely_psu_fail_names_the_stratum():
    data = reference("apistrat_lonely.csv")
    with pytest.raises(DesignError, match="stratum 'H' has only one PSU"):
        SurveyDesign(data, weights="pw", strata="stype")
