"""The small-area figures of the assessment (literacy.assessment.small_area), the BH adjustment of the
changes and the next plan's sample inputs: hand-checked on small constructed tables.

The Fay–Herriot machinery itself is checked against R's sae in tests/test_sae.py; here the
question is the assessment's use of it: which cells, which covariates, the publication rule,
benchmarking, and that bad input leaves a cell direct with a reason instead of crashing.
"""

from __future__ import annotations


import numpy as np
import pandas as pd
import pytest

from literacy.assessment import (
    SMALL_AREA_COLUMNS,
    adjust_multiple_comparisons,
    area_covariates,
    cell_frame,
    domain_takes,
    plan_inputs,
    sample_plan,
    small_area_table,
    validate_config,
)
from literacy.errors import ConfigError

def _margins():
    rows = []
    pops = {"haibowan": (600, 400), "hainan": (300, 100), "wuda": (200, 200)}   # (junior_high, bachelor_plus)
    for d, (jh, ba) in pops.items():
        rows.append({"dimension": "district+education", "district": d, "education": "junior_high", "population": jh})
        rows.append({"dimension": "district+education", "district": d, "education": "bachelor_plus",
                     "population": ba})
        rows.append({"dimension": "district+residence", "district": d, "residence": "urban", "population": 900})
        rows.append({"dimension": "district+residence", "district": d, "residence": "rural", "population": 100})
    for d in pops:
        for s in ("male", "female"):
            for i, b in enumerate(("18-29", "30-39", "40-49", "50-59", "60-69")):
                rows.append({"dimension": "district+sex+age_band", "district": d, "sex": s, "age_band": b,
                             "population": 100 + 10 * i})
    return pd.DataFrame(rows)


def test_covariates_are_the_districts_population_shares(config):
    cov = area_covariates(_margins(), config).set_index("district")
    assert cov.loc["haibowan", "share_bachelor_plus"] == pytest.approx(0.4)
    # junior college and bachelor's+ (the codes after senior_high): only bachelor_plus is in these margins
    assert cov.loc["hainan", "share_higher_education"] == pytest.approx(0.25)
    assert cov.loc["wuda", "share_rural"] == pytest.approx(0.1)
    assert cov.loc["wuda", "share_male"] == pytest.approx(0.5)
    assert cov.loc["wuda", "share_age_60-69"] == pytest.approx(140 / 600)


def test_every_cell_of_a_breakdown_exists_with_bilingual_labels(config):
    cells = cell_frame(config, ["district", "group"])
    assert len(cells) == 3 * 5
    row = cells.set_index("domain").loc["wuda+cadres"]
    assert row["label_zh"] == "乌达区·领导干部和公务员" and row["label_en"].startswith("Wuda · ")
    assert len(cell_frame(config, ["district", "sex", "age_band"])) == 3 * 2 * 5


def _direct(config, rng, n_cells_missing=()):
    """Flagged direct estimates of both modelled breakdowns and the districts, one round."""
    frames = []
    for bd in (["district", "group"], ["district", "sex", "age_band"]):
        cells = cell_frame(config, bd)
        n = rng.integers(20, 400, len(cells))
        p = np.clip(0.05 + 0.2 * rng.random(len(cells)), 0.01, 0.9)
        frames.append(pd.DataFrame({"round": "2025", "breakdown": "+".join(bd), "domain": cells["domain"],
                                    "label_zh": cells["label_zh"], "label_en": cells["label_en"], "level": "literate",
                                    "estimate": p, "se": np.sqrt(p * (1 - p) * 1.5 / n), "ci_low": p - 0.05,
                                    "ci_high": p + 0.05, "n": n, "deff": 1.5, "estimate_raw": p, "deff_raw": 1.5,
                                    "reliability": np.where(n >= 150, "present", "suppress"),
                                    "suppressed": n < 150}))
    frames.append(pd.DataFrame({"round": "2025", "breakdown": "district", "domain": ["haibowan", "hainan", "wuda"],
                                "label_zh": "", "label_en": "", "level": "literate", "estimate": [0.13, 0.09, 0.10],
                                "se": 0.01, "ci_low": 0.1, "ci_high": 0.2, "n": 1500, "deff": 1.4,
                                "estimate_raw": [0.13, 0.09, 0.10], "deff_raw": 1.4, "reliability": "present",
                                "suppressed": False}))
    out = pd.concat(frames, ignore_index=True)
    drop = out["domain"].isin(n_cells_missing)
    return out[~drop].reset_index(drop=True)


def test_the_publication_rule_and_benchmarking(config):
    cfg = validate_config({**config, "small_area": {**config["small_area"], "bootstrap": {"replicates": 50, "seed": 1}}})
    direct = _direct(cfg, np.random.default_rng(5), n_cells_missing=("wuda+cadres",))
    table, notes = small_area_table(direct, {"2025": _margins()}, cfg)
    assert list(table.columns) == SMALL_AREA_COLUMNS
    assert len(table) == 15 + 30
    present = (table["reliability"] == "present") & ~table["suppressed"]
    assert (table.loc[present, "source"] == "direct").all()
    assert np.allclose(table.loc[present, "published"], table.loc[present, "direct"])
    model = ~present
    assert (table.loc[model, "source"] == "model").all()
    assert np.allclose(table.loc[model, "published"], table.loc[model, "model_estimate"])
    assert (table.loc[model, "source_zh"] == "模型估计").all()
    # a cell without respondents is predicted from its covariates, flagged, and published as model-based
    gone = table.set_index("domain").loc["wuda+cadres"]
    assert gone["n"] == 0 and gone["is_synthetic"] and "no respondents" in gone["note"]
    assert gone["source"] == "model" and 0 < gone["published"] < 1
    # the sex x age-band cells add up to their district's direct estimate (population-weighted)
    sa = table[table["breakdown"] == "district+sex+age_band"].copy()
    sa["district"] = sa["domain"].str.split("+").str[0]
    total = (sa["model_estimate"] * sa["population_share"]).groupby(sa["district"]).sum()
    assert total.to_dict() == pytest.approx({"haibowan": 0.13, "hainan": 0.09, "wuda": 0.10}, abs=1e-12)
    # the district x group cells do not partition a district: not benchmarked
    assert table.loc[table["breakdown"] == "district+group", "benchmark_factor"].isna().all()
    # each cell says which estimator of sigma2_u and which MSE it used
    assert (table["sigma2_method"] == "AMRL").all() and (table["sigma2_u"] > 0).all()
    assert (table.loc[present, "mse_method"] == "design").all()
    dg = table["breakdown"] == "district+group"
    assert (table.loc[model & dg, "mse_method"] == "bootstrap").all()
    assert (table.loc[model & ~dg, "mse_method"] == "bootstrap_benchmarked").all()
    # a sampled cell is never purely synthetic with an adjusted estimator (sigma2_u > 0)
    assert not table.loc[table["n"] > 0, "is_synthetic"].any()


def test_a_model_that_cannot_be_fitted_leaves_the_cells_direct_with_the_reason(config):
    cfg = validate_config({**config, "small_area": {
        "bootstrap": {"replicates": 20, "seed": 1},
        "models": [{"breakdown": ["district", "group"], "formula": "C(group) + nope"}]}})
    direct = _direct(cfg, np.random.default_rng(1))
    table, notes = small_area_table(direct, {"2025": _margins()}, cfg)
    assert len(table) == 15
    assert table["model_estimate"].isna().all()
    assert table["note"].str.contains("model not fitted").all()
    assert any("model not fitted" in n for n in notes)
    present = (table["reliability"] == "present") & ~table["suppressed"]
    assert (table.loc[present, "source"] == "direct").all() and (table.loc[~present, "source"] == "none").all()
    assert table.loc[~present, "published"].isna().all()
    assert (table["sigma2_method"] == "").all()
    assert (table.loc[present, "mse_method"] == "design").all() and (table.loc[~present, "mse_method"] == "none").all()


@pytest.mark.parametrize("section, message", [
    ({"method": "EB"}, "small_area.method"),
    ({"models": [{"breakdown": ["sex"], "formula": "C(sex)"}]}, "must include district"),
    ({"levels": ["genius"]}, "not a scoring level"),
])
def test_small_area_config_errors_are_one_line(config, section, message):
    with pytest.raises(ConfigError, match=message):
        validate_config({**config, "small_area": section})


def test_bh_adjustment_within_each_breakdown_and_level(config):
    change = pd.DataFrame({"breakdown": ["district"] * 3 + ["sex"] * 2 + ["district"],
                           "level": ["literate"] * 5 + ["basic"],
                           "p_value": [0.01, 0.04, 0.03, 0.02, np.nan, 0.04]})
    out = adjust_multiple_comparisons(change, config)
    # district/literate: BH of (0.01, 0.04, 0.03) is (0.03, 0.04, 0.04) — by hand: 0.01*3/1, min(0.03*3/2, 0.04),
    # 0.04*3/3; sex: one p-value (the missing one is not counted); district/basic: a family of one
    np.testing.assert_allclose(out["p_value_bh"], [0.03, 0.04, 0.04, 0.02, np.nan, 0.04])
    assert list(out["significant_bh"].astype(object)) == [True, True, True, True, pd.NA, True]
    assert list(out.columns) == ["breakdown", "level", "p_value", "p_value_bh", "significant_bh"]


def test_plan_inputs_count_psus_and_use_the_districts_response_rate(config):
    data = pd.DataFrame({"psu": ["a", "a", "b", "c", "c", "c"], "district": ["haibowan"] * 3 + ["wuda"] * 3,
                         **{f"group_{g['code']}": [1, 0, 0, 0, 0, 1] for g in config["groups"]}})
    takes = domain_takes(data, config).set_index(["breakdown", "domain"])
    assert takes.loc[("city", "all"), "n"] == 6 and takes.loc[("city", "all"), "psus_with_respondents"] == 3
    assert takes.loc[("district", "wuda"), "psus_with_respondents"] == 1
    assert takes.loc[("group", "youth"), "n"] == 2 and takes.loc[("group", "youth"), "psus_with_respondents"] == 2
    est = pd.DataFrame({"round": "2025", "breakdown": ["city", "district", "district", "group"],
                        "domain": ["all", "haibowan", "wuda", "youth"], "label_zh": "x", "label_en": "x",
                        "level": "literate", "estimate": [0.12, 0.13, 0.10, 0.2], "deff": [1.5, 1.2, 1.1, 1.0]})
    rates = pd.DataFrame({"domain": ["all", "haibowan", "wuda"], "response_rate": [0.8, 0.9, 0.7]})
    inputs, notes = plan_inputs(est, takes.reset_index(), rates, config, "2025")
    inputs = inputs.set_index("domain")
    assert notes == []
    assert inputs.loc["wuda", "response_rate"] == 0.7 and inputs.loc["youth", "response_rate"] == 0.8
    assert inputs.loc["haibowan", "respondents_per_psu"] == pytest.approx(3 / 2)
    plan = sample_plan(inputs.reset_index(), config).set_index("domain")
    # city: m = 2, rho = (1.5 - 1)/(2 - 1) = 0.5, deff_planned 1.5, n = 400 * 1.5 = 600, adults 600 / 0.8
    assert plan.loc["all", "respondents"] == 600 and plan.loc["all", "sampled_adults"] == 750
    assert plan.loc["all", "psus"] == 300
    est.loc[1, "estimate"] = np.nan      # a domain without a share: left out, named
    inputs, notes = plan_inputs(est, takes.reset_index(), rates, config, "2025")
    assert "haibowan" not in set(inputs["domain"]) and len(notes) == 1 and "district haibowan" in notes[0]


def test_delivered_area_covariates_enter_the_model_and_a_missing_one_is_a_reason(config):
    cfg = validate_config({**config, "small_area": {
        "bootstrap": {"replicates": 20, "seed": 1},
        "models": [{"breakdown": ["district", "group"], "formula": "C(group) + unemployment"}]}})
    direct = _direct(cfg, np.random.default_rng(2))
    delivered = pd.DataFrame({"district": ["haibowan", "hainan", "wuda"], "unemployment": [0.03, 0.05, 0.06],
                              "share_rural": [0.5, 0.5, 0.5]})     # replaces the margins' share_rural
    table, _ = small_area_table(direct, {"2025": _margins()}, cfg, covariates={"2025": delivered})
    assert table["model_estimate"].notna().all() and not table["note"].str.contains("not fitted").any()
    # a district the file does not cover: the covariate is missing there, the model is not fitted
    table, notes = small_area_table(direct, {"2025": _margins()}, cfg, covariates={"2025": delivered.iloc[:2]})
    assert table["note"].str.contains("model not fitted").all() and "wuda" in " ".join(notes)


def test_area_covariates_file_errors_name_line_and_column(tmp_path):
    from literacy_flows.ingest import io as fio

    path = tmp_path / "area_covariates.csv"
    path.write_text("district,unemployment\nhaibowan,0.03\nhainan,x\n", encoding="utf-8")
    with pytest.raises(fio.InputError, match=r"area_covariates.csv: line 3, column 'unemployment': 'x' is not a number"):
        fio.read_area_covariates(path)
    path.write_text("district,unemployment\nhaibowan,0.03\nhaibowan,0.04\n", encoding="utf-8")
    with pytest.raises(fio.InputError, match="listed twice"):
        fio.read_area_covariates(path)
    path.write_text("district\nhaibowan\n", encoding="utf-8")
    with pytest.raises(fio.InputError, match="no covariate column"):
        fio.read_area_covariates(path)
    path.write_text("district,unemployment\nhaibowan,0.03\n", encoding="utf-8")
    assert fio.read_area_covariates(path)["unemployment"].tolist() == [0.03]
    # codes the config does not know: named with the line, column and the codes it does know
    codes = {"district": ["haibowan", "hainan", "wuda"], "sex": ["female", "male"]}
    path.write_text("district,sex,unemployment\nhaibowan,female,0.03\nHainan,male,0.04\n", encoding="utf-8")
    with pytest.raises(fio.InputError, match=r"line 3, column 'district': 'Hainan' is not a district code of the "
                                             r"config \(haibowan, hainan, wuda\)"):
        fio.read_area_covariates(path, codes=codes)
    path.write_text("district,sex,unemployment\nhaibowan,M,0.03\n", encoding="utf-8")
    with pytest.raises(fio.InputError, match=r"line 2, column 'sex': 'M' is not a sex code"):
        fio.read_area_covariates(path, codes=codes)
    path.write_text("district,sex,unemployment\n,female,0.03\n", encoding="utf-8")
    with pytest.raises(fio.InputError, match=r"line 2, column 'district': a blank is not a district code"):
        fio.read_area_covariates(path, codes=codes)


def test_the_ingest_reads_a_delivered_area_covariates_file(tmp_path, config):
    from ingest_kit import make_delivery
    from literacy_flows.ingest import delivery as dlv

    raw = make_delivery(tmp_path / "raw")
    (raw / "2025" / "area_covariates.csv").write_text("district,unemployment\nhaibowan,0.03\nhainan,0.05\n"
                                                      "wuda,0.06\n", encoding="utf-8")
    got = dlv.load_delivery(config, raw)
    cov = got.rounds["2025"]["area_covariates"]
    assert cov["unemployment"].tolist() == [0.03, 0.05, 0.06] and "area_covariates" not in got.rounds["2020"]
    assert any(f.rel == "2025/area_covariates.csv" for f in got.files)
