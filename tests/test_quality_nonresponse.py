"""Nonresponse bias analysis (literacy.quality.nonresponse_bias) against R.

Golden values: ``golden/nonresponse_golden.csv`` from ``golden/make_golden_nonresponse.R`` (R 4.2.2,
survey 4.1-1; base R's glm for the propensities, the R-indicator formula of Schouten, Cobben &
Bethlehem 2009 written out, svychisq / svyttest for the tests, p.adjust for BH) on the sample it
writes, ``golden/nonresponse_sample.csv``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from literacy.errors import DataError
from literacy.quality.nonresponse_bias import frame_bias, representativeness, response_propensities

GOLDEN = Path(__file__).parent / "golden"


@pytest.fixture(scope="module")
def sample():
    return pd.read_csv(GOLDEN / "nonresponse_sample.csv")


@pytest.fixture(scope="module")
def ref():
    g = pd.read_csv(GOLDEN / "nonresponse_golden.csv", skipinitialspace=True)
    return dict(zip(g["quantity"], g["value"]))


def test_propensities_and_r_indicator_match_r(sample, ref):
    rho = response_propensities(sample, sample["responded"].to_numpy(), sample["d"].to_numpy(),
                                ["district", "sex", "age"])
    assert rho[0] == pytest.approx(ref["rho_1"], rel=1e-8)
    assert rho[1] == pytest.approx(ref["rho_2"], rel=1e-8)
    assert rho[599] == pytest.approx(ref["rho_600"], rel=1e-8)
    r = representativeness(rho, sample["d"].to_numpy())
    assert r["r_indicator"] == pytest.approx(ref["r_indicator"], rel=1e-8)
    assert r["cv"] == pytest.approx(ref["cv"], rel=1e-8)
    assert r["mean"] == pytest.approx(ref["mean_propensity"], rel=1e-8)
    assert r["max_bias"] == pytest.approx((1 - ref["r_indicator"]) / (2 * ref["mean_propensity"]), rel=1e-8)


def test_representativeness_by_hand():
    r = representativeness(np.array([0.2, 0.6]), np.array([1.0, 3.0]))
    # mean = (0.2 + 1.8) / 4 = 0.5; S^2 = (1 * 0.09 + 3 * 0.01) / 3 = 0.04
    assert r["mean"] == pytest.approx(0.5) and r["sd"] == pytest.approx(0.2)
    assert r["r_indicator"] == pytest.approx(0.6) and r["cv"] == pytest.approx(0.4)


@pytest.fixture(scope="module")
def table(sample):
    stages = {"base": sample["d"].to_numpy(), "nonresponse_adjusted": sample["w_nr"].to_numpy(),
              "calibrated": sample["w_cal"].to_numpy()}
    return frame_bias(sample, sample["responded"].to_numpy(), stages, ["district", "sex", "age"],
                      strata="stratum", psu="psu").set_index(["variable", "level"])


def test_tests_and_bh_match_r(table, ref):
    assert table.loc[("district", "east"), "statistic"] == pytest.approx(ref["F_district"], rel=1e-6)
    assert table.loc[("district", "east"), "p_value"] == pytest.approx(ref["p_district"], rel=1e-6)
    assert table.loc[("sex", "male"), "statistic"] == pytest.approx(ref["F_sex"], rel=1e-6)
    assert table.loc[("sex", "male"), "p_value"] == pytest.approx(ref["p_sex"], rel=1e-6)
    assert table.loc[("age", "mean"), "statistic"] == pytest.approx(abs(ref["t_age"]), rel=1e-6)
    assert table.loc[("age", "mean"), "p_value"] == pytest.approx(ref["p_age"], rel=1e-6)
    for v, lv in (("district", "west"), ("sex", "female"), ("age", "mean")):
        assert table.loc[(v, lv), "p_adjusted"] == pytest.approx(ref[f"padj_{v}"], rel=1e-6)


@pytest.mark.parametrize("stage, prefix", [("base", "base"), ("nonresponse_adjusted", "nr"), ("calibrated", "cal")])
def test_stage_estimates_and_bias_match_r(table, ref, stage, prefix):
    for v, lv in (("district", "east"), ("district", "north"), ("district", "west"), ("sex", "female"),
                  ("sex", "male"), ("age", "mean")):
        assert table.loc[(v, lv), "full_sample"] == pytest.approx(ref[f"full_{lv}"], rel=1e-10)
        assert table.loc[(v, lv), f"estimate_{stage}"] == pytest.approx(ref[f"{prefix}_{lv}"], rel=1e-10)
        assert table.loc[(v, lv), f"bias_{stage}"] == pytest.approx(ref[f"{prefix}_{lv}"] - ref[f"full_{lv}"],
                                                                    abs=1e-12)


def test_verdicts(table):
    # district and sex: no evidence after BH; age: respondents older, neither adjustment uses age
    assert table.loc[("district", "east"), "verdict"] == "no evidence of nonresponse bias"
    assert table.loc[("age", "mean"), "verdict"] == "respondents differ; bias remains after weighting"
    assert table.loc[("age", "mean"), "verdict_zh"] == "应答者有差异，加权后仍有偏差"
    # the nonresponse adjustment within district removes the district bias exactly
    assert abs(table.loc[("district", "east"), "bias_nonresponse_adjusted"]) < 1e-12


def test_weighting_that_removes_the_bias_is_called_so(sample):
    s = sample.copy()
    # weights that reproduce the full sample's age distribution among respondents: post-stratify on age
    band = pd.cut(s["age"], [0, 30, 45, 60, 100]).astype(str)
    full = s.groupby(band)["d"].sum()
    resp = s[s["responded"] == 1].groupby(band[s["responded"] == 1])["d"].sum()
    w = np.where(s["responded"] == 1, s["d"] * band.map(full / resp).to_numpy(dtype=float), 0.0)
    out = frame_bias(s, s["responded"].to_numpy(), {"base": s["d"].to_numpy(), "calibrated": w},
                     ["age"], strata="stratum", psu="psu", tolerance=0.05)
    assert out["verdict"].iloc[0] == "respondents differ; weighting removes it"


def test_missing_frame_variable_is_a_clear_error(sample):
    with pytest.raises(DataError, match="no frame variable 'income'"):
        frame_bias(sample, sample["responded"].to_numpy(), {"base": sample["d"].to_numpy()}, ["income"])
    s = sample.copy()
    s.loc[3, "sex"] = None
    with pytest.raises(DataError, match=r"'sex' is missing .*line 5"):
        response_propensities(s, s["responded"].to_numpy(), s["d"].to_numpy(), ["sex"])
