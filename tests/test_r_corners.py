"""R's survey package in its corners (issue 21), against R's answers in tests/golden/corners_*.csv
(tests/golden/make_golden_corners.R, survey 4.1-1): a lonely stratum in JKn replicates under every
lonely.psu option, a certainty stratum in Taylor and JKn designs, every svyciprop method on Taylor
and replicate designs, and design effects against SRS with and without replacement."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from literacy import SurveyDesign
from literacy.errors import DesignError
from literacy.replicate import ReplicateDesign
from reference import reference

RTOL = 1e-6


def _csv(name):
    return reference(name, dtype={"cds": str})


@pytest.mark.parametrize("option", ["remove", "adjust", "average", "certainty"])
def test_a_lonely_stratum_in_jkn_replicates_as_r(option):
    data = _csv("corners_lonely_data.csv")
    want = reference("corners_lonely_jkn.csv")
    want = want[want["lonely_psu"] == option].set_index("domain")
    rep = SurveyDesign(data, weights="pw", strata="stype", psu="psu", nest=True, lonely_psu=option).replicate("jkn")
    assert rep.degf() == want["degf"].iloc[0] and rep.replicates == want["replicates"].iloc[0]
    overall = rep.mean("high").iloc[0]
    by = rep.mean("high", by="sch.wide").set_index("sch.wide")
    assert overall["se"] == pytest.approx(want.loc["all", "se"], rel=RTOL)
    for dom in ("No", "Yes"):
        assert by.loc[dom, "se"] == pytest.approx(want.loc[dom, "se"], rel=RTOL)
        assert by.loc[dom, "estimate"] == pytest.approx(want.loc[dom, "estimate"], rel=RTOL)


def test_adjust_differs_from_remove_by_rs_extra_replicate():
    data = _csv("corners_lonely_data.csv")
    se = {opt: SurveyDesign(data, weights="pw", strata="stype", psu="psu", nest=True, lonely_psu=opt)
          .replicate("jkn").mean("high")["se"].iloc[0] for opt in ("remove", "adjust")}
    assert se["adjust"] > se["remove"] * 1.0005


def test_a_certainty_stratum_works_in_every_replicate_type():
    data = _csv("corners_certainty_data.csv")
    want = reference("corners_certainty.csv")
    design = SurveyDesign(data, weights="pw", strata="stype", psu="psu", fpc="fpc", nest=True)   # lonely_psu fail
    for name, des in (("taylor", design), ("jkn", design.replicate("jkn"))):
        w = want[want["design"] == name].set_index("domain")
        assert des.degf() == w["degf"].iloc[0]
        assert des.mean("high")["se"].iloc[0] == pytest.approx(w.loc["all", "se"], rel=RTOL)
        by = des.mean("high", by="sch.wide").set_index("sch.wide")
        assert by["se"].to_numpy() == pytest.approx(w.loc[["No", "Yes"], "se"].to_numpy(), rel=RTOL)
    # bootstrap: the certainty stratum is never resampled; BRR needs two PSUs elsewhere (R's stops)
    boot = design.replicate("bootstrap", replicates=40, seed=3)
    h = (data["stype"] == "H").to_numpy()
    assert np.allclose(boot.replicate_weights()[h], design.weights[h][:, None])
    with pytest.raises(DesignError, match="BRR needs exactly two PSUs in every stratum"):
        design.replicate("brr")
    # a lonely stratum that is not sampled with certainty fails in JKn, naming the stratum
    lonely = data.drop(columns="fpc")
    taylor = SurveyDesign(lonely, weights="pw", strata="stype", psu="psu", nest=True, lonely_psu="certainty")
    taylor.lonely_psu = "fail"            # the replicate design applies its own check
    with pytest.raises(DesignError, match="stratum 'H' has only one PSU"):
        taylor.replicate("jkn")


def _designs():
    s = _csv("apistrat_psu.csv")
    ds = SurveyDesign(s, weights="pw", strata="stype", psu="psu", nest=True)
    fay = _csv("apistrat_fay_repweights.csv")
    c1 = _csv("apiclus1.csv")
    return {"taylor": (ds, "high", "sch.wide"), "jkn": (ds.replicate("jkn"), "high", "sch.wide"),
            "jkn_mse": (ds.replicate("jkn", mse=True), "high", "sch.wide"),
            "fay": (ReplicateDesign(fay, weights="pw", replicate_weights="repw[0-9]+", method="fay", rho=0.3),
                    "high", "sch.wide"),
            "jk1": (SurveyDesign(c1, weights="pw", psu="dnum", fpc="fpc").replicate("jk1"), "awards_yes", "stype")}


CIPROP = reference("corners_ciprop.csv")
CASES = sorted({(d, m) for d, m in zip(CIPROP["design"], CIPROP["method"])})


@pytest.mark.parametrize("design_name, method", CASES, ids=[f"{d}-{m}" for d, m in CASES])
def test_every_svyciprop_method_on_every_design_type(design_name, method):
    design, y, by = _designs()[design_name]
    want = CIPROP[(CIPROP["design"] == design_name) & (CIPROP["method"] == method)]
    for level, w in want.groupby("level"):
        w = w.set_index("domain")
        if w["ci_low"].isna().all():
            # R gives no likelihood interval on a replicate design: ours says so
            with pytest.raises(DesignError, match="R's svyciprop"):
                design.proportion(y, ci=method, level=level)
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            overall = design.proportion(y, ci=method, level=level).iloc[0]
            table = design.proportion(y, by=by, ci=method, level=level)
        table = table.assign(domain=table[by].astype(str)).set_index("domain")
        got = pd.concat([pd.DataFrame({"ci_low": [overall["ci_low"]], "ci_high": [overall["ci_high"]]},
                                      index=["all"]), table[["ci_low", "ci_high"]]])
        got = got.loc[w.index]
        assert got["ci_low"].to_numpy() == pytest.approx(w["ci_low"].to_numpy(), rel=RTOL)
        assert got["ci_high"].to_numpy() == pytest.approx(w["ci_high"].to_numpy(), rel=RTOL)


def test_logit_on_a_replicate_design_is_not_the_delta_method():
    design, y, _ = _designs()["jkn"]
    logit = design.proportion(y, ci="logit").iloc[0]
    xlogit = design.proportion(y, ci="xlogit").iloc[0]
    assert abs(logit["ci_low"] / xlogit["ci_low"] - 1) > 1e-4


@pytest.mark.parametrize("kind", ["replace", "noreplace"])
@pytest.mark.parametrize("design_name", ["taylor", "jkn"])
def test_design_effects_with_and_without_replacement(design_name, kind):
    design, _, _ = _designs()[design_name]
    want = reference("corners_deff.csv")
    want = want[(want["design"] == design_name) & (want["deff_kind"] == kind)]
    means = design.mean(["high", "api00"], deff=kind).set_index("variable")
    total = design.total("high", deff=kind).iloc[0]
    by = design.mean("high", by="sch.wide", deff=kind).set_index("sch.wide")
    got = [means.loc["high", "deff"], means.loc["api00", "deff"], total["deff"], by.loc["No", "deff"],
           by.loc["Yes", "deff"]]
    assert got == pytest.approx(want["deff"].tolist(), rel=RTOL)


def test_unknown_interval_or_deff_kind_is_one_line():
    design, y, _ = _designs()["taylor"]
    with pytest.raises(DesignError, match="ci must be one of"):
        design.proportion(y, ci="exact")
    with pytest.raises(DesignError, match="deff must be one of"):
        design.mean(y, deff="srs")


@pytest.mark.parametrize("name, kwargs", [("linear", {}), ("linear_bounded", {"bounds": (0.5, 2.0)}),
                                          ("raking", {"method": "raking"})])
def test_calibration_with_weights_constant_within_clusters(name, kwargs):
    # R: calibrate(dclus2, ~stype, pop, aggregate.stage = 1) on the two-stage apiclus2
    data = _csv("apiclus2.csv")
    design = SurveyDesign(data, psu=["dnum", "snum"], fpc=["fpc1", "fpc2"])
    cal = design.calibrate({"(Intercept)": 6194, "stype": {"E": 4421, "H": 755, "M": 1018}}, aggregate=1, **kwargs)
    want_w = reference("corners_aggregate_weights.csv", dtype={"cds": str})
    assert cal.weights == pytest.approx(want_w[name].to_numpy(), rel=RTOL)
    per_district = pd.Series(cal.weights).groupby(data["dnum"].to_numpy()).nunique()
    assert (per_district == 1).all()                   # constant within each district
    want = reference("corners_aggregate_estimates.csv")
    want = want[want["calibration"] == name].set_index("variable")
    means = cal.mean(["api00", "awards_yes"]).set_index("variable")
    total = cal.total("enroll", na_rm=True).iloc[0]
    for var in ("api00", "awards_yes"):
        assert means.loc[var, "estimate"] == pytest.approx(want.loc[var, "estimate"], rel=RTOL)
        assert means.loc[var, "se"] == pytest.approx(want.loc[var, "se"], rel=RTOL)
    assert total["estimate"] == pytest.approx(want.loc["enroll", "estimate"], rel=RTOL)
    assert total["se"] == pytest.approx(want.loc["enroll", "se"], rel=RTOL)


def test_aggregate_names_the_stages():
    from literacy.weighting import WeightingError

    design = SurveyDesign(_csv("apiclus2.csv"), psu=["dnum", "snum"], fpc=["fpc1", "fpc2"])
    with pytest.raises(WeightingError, match="stage must be a sampling stage, 1 to 2, not 3"):
        design.calibrate({"(Intercept)": 6194}, aggregate=3)
