"""The evaluator tables: Kitagawa decomposition, part-score means, scorecard, rounds side by side,
suppression in every written format, and the schemas of the new tables. Expected values are
hand calculations."""

from __future__ import annotations

import copy
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

import literacy_schemas as S
from literacy.assessment import (
    NCHS_DEFAULTS,
    adjust_multiple_comparisons,
    change_table,
    compare_rounds,
    headline_change,
    evaluator_table,
    finish_verdicts,
    illustrative_scorecard,
    methodology_table,
    part_means,
    response_rates,
    scorecard_table,
    target_verdicts,
    validate_config,
)
from literacy.catalog.sheets import SHEET_TITLES, sheet_name
from literacy.decomposition import cell_rates, decompose_change, kitagawa
from literacy.design import SurveyDesign
from literacy.reliability import propagate_suppression
from literacy_flows.ingest import io as fio
from literacy_flows.report import workbook as rep
from literacy_flows.pipeline.deliverables import read_scorecard, table_schema

CONFIG = Path(__file__).resolve().parents[1] / "config" / "wuhai.yaml"


@pytest.fixture(scope="module")
def config():
    return validate_config(yaml.safe_load(CONFIG.read_text(encoding="utf-8")))


# --------------------------------------------------------------------------- Kitagawa
def test_kitagawa_hand_example_adds_up_exactly():
    # round 1: shares .6/.4, rates .1/.3 -> .18; round 2: shares .5/.5, rates .15/.35 -> .25
    comp, rate = kitagawa([0.6, 0.4], [0.1, 0.3], [0.5, 0.5], [0.15, 0.35])
    # composition: (.5-.6)(.1+.15)/2 + (.5-.4)(.3+.35)/2 = -.0125 + .0325 = .02
    np.testing.assert_allclose(comp, [-0.0125, 0.0325], atol=1e-15)
    # rate: (.15-.1)(.6+.5)/2 + (.35-.3)(.4+.5)/2 = .0275 + .0225 = .05
    np.testing.assert_allclose(rate, [0.0275, 0.0225], atol=1e-15)
    assert comp.sum() + rate.sum() == pytest.approx(0.25 - 0.18, abs=1e-15)


def _cells(round_id, shares, rates, n):
    edu = ["primary_or_less", "primary_or_less", "bachelor_plus", "bachelor_plus"]
    age = ["18-29", "60-69", "18-29", "60-69"]
    rows = []
    for level, r in rates.items():
        for i, (c, x) in enumerate(zip(shares, r)):
            if c is None:
                continue
            rows.append({"round": round_id, "education": edu[i], "age_band": age[i], "cell": f"{edu[i]}+{age[i]}",
                         "level": level, "n": n[i], "population": 1000 * c, "population_share": c, "rate": x})
    return pd.DataFrame(rows)


def test_decomposition_tables_add_up_and_a_cell_missing_in_one_round_is_composition(config):
    cfg = copy.deepcopy(config)
    cfg["reporting"]["min_n"] = 30
    base = _cells("2020", [0.5, 0.3, 0.2, None], {"literate": [0.02, 0.01, 0.30, None],
                                                   "basic": [0.20, 0.10, 0.60, None],
                                                   "advanced": [0.0, 0.0, 0.05, None]}, [100, 80, 40, 0])
    end = _cells("2025", [0.4, 0.3, 0.2, 0.1], {"literate": [0.03, 0.01, 0.40, 0.20],
                                                 "basic": [0.25, 0.12, 0.65, 0.50],
                                                 "advanced": [0.0, 0.0, 0.08, 0.02]}, [90, 85, 50, 20])
    summary, detail = decompose_change(base, end, cfg)
    s = summary.set_index("level").loc["literate"]
    assert s["baseline"] == pytest.approx(0.5 * 0.02 + 0.3 * 0.01 + 0.2 * 0.30)          # .073
    assert s["endline"] == pytest.approx(0.4 * 0.03 + 0.3 * 0.01 + 0.2 * 0.40 + 0.1 * 0.20)  # .115
    # by hand: composition = (-.1)(.025) + 0 + 0 + (.1)(.2) = .0175 (the new cell takes its own rate)
    #          rate = (.01)(.45) + 0 + (.1)(.2) + 0 = .0245
    assert s["composition"] == pytest.approx(0.0175, abs=1e-15)
    assert s["rate"] == pytest.approx(0.0245, abs=1e-15)
    assert s["composition"] + s["rate"] == pytest.approx(s["change"], abs=1e-15)
    assert s["composition_share"] == pytest.approx(0.0175 / 0.042)
    S.validate(summary, S.decomposition_schema(cfg), "decomposition", line_offset=None)
    # the detail sums over the other factor; each factor adds up to the summary
    d = detail[detail["level"] == "literate"]
    for f in ("education", "age_band"):
        part = d[d["factor"] == f]
        assert not part["suppressed"].any()
        assert part["composition"].sum() == pytest.approx(s["composition"], abs=1e-15)
        assert part["rate"].sum() == pytest.approx(s["rate"], abs=1e-15)
    edu = d[d["factor"] == "education"].set_index("category")
    # primary or less: (.4-.5)(.02+.03)/2 + 0 = -.0025 composition; (.01)(.45) + 0 = .0045 rate
    assert edu.loc["primary_or_less", "composition"] == pytest.approx(-0.0025, abs=1e-15)
    assert edu.loc["primary_or_less", "rate"] == pytest.approx(0.0045, abs=1e-15)
    # age 60-69 sums its cells' respondents: 80 + 0 in 2020 (the bachelor_plus cell is new in 2025)
    age = d[d["factor"] == "age_band"].set_index("category")
    assert age.loc["60-69", "baseline_n"] == 80 and not age.loc["60-69", "suppressed"]
    S.validate(detail, S.decomposition_detail_schema(cfg), "decomposition_detail", line_offset=None)


def test_decomposition_detail_blanks_small_categories(config):
    cfg = copy.deepcopy(config)
    cfg["reporting"]["min_n"] = 30
    base = _cells("2020", [0.5, 0.5, None, None], {lv: [0.1, 0.2, None, None] for lv in ("advanced", "literate",
                                                                                         "basic")}, [100, 20, 0, 0])
    end = _cells("2025", [0.5, 0.5, None, None], {lv: [0.2, 0.2, None, None] for lv in ("advanced", "literate",
                                                                                       "basic")}, [100, 40, 0, 0])
    _, detail = decompose_change(base, end, cfg)
    row = detail[(detail["level"] == "literate") & (detail["category"] == "60-69")].iloc[0]
    assert row["suppressed"] and pd.isna(row["composition"]) and pd.isna(row["rate"])
    assert "fewer than 30" in row["suppression_reason"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.floats(0.01, 1), st.floats(0, 1), st.floats(0.01, 1), st.floats(0, 1)), min_size=1,
                max_size=12))
def test_kitagawa_components_always_add_up_to_the_change(cells):
    w1, r1, w2, r2 = (np.array(x) for x in zip(*cells))
    c1, c2 = w1 / w1.sum(), w2 / w2.sum()
    comp, rate = kitagawa(c1, r1, c2, r2)
    assert comp.sum() + rate.sum() == pytest.approx((c2 * r2).sum() - (c1 * r1).sum(), abs=1e-12)


def test_cell_rates_are_weighted_shares_and_population_shares(config):
    data = pd.DataFrame({
        "education": ["junior_high", "junior_high", "bachelor_plus", "bachelor_plus", "bachelor_plus"],
        "age_band": ["18-29", "18-29", "18-29", "18-29", "30-39"],
        "w": [1.0, 3.0, 2.0, 2.0, 2.0],
        "advanced": [0, 0, 0, 1, 0], "literate": [1, 0, 1, 1, 0], "basic": [1, 1, 1, 1, 1],
    })
    cells = cell_rates(SurveyDesign(data, weights="w"), config, "2025")
    lit = cells[cells["level"] == "literate"].set_index("cell")
    assert lit.loc["junior_high+18-29", "rate"] == pytest.approx(1 / 4)          # (1*1 + 3*0) / 4
    assert lit.loc["bachelor_plus+18-29", "rate"] == pytest.approx(1.0)
    assert lit.loc["junior_high+18-29", "population_share"] == pytest.approx(4 / 10)
    assert lit.loc["bachelor_plus+30-39", "n"] == 1
    # sum c r is the city's weighted share: (1 + 2 + 2) / 10
    assert (lit["population_share"] * lit["rate"]).sum() == pytest.approx(0.5)


# --------------------------------------------------------------------------- part-score means
def _part_data():
    rng = np.random.default_rng(7)
    n = 8
    data = pd.DataFrame({
        "district": ["haibowan"] * 4 + ["hainan"] * 3 + ["wuda"],
        "w": [1.0, 2.0, 3.0, 4.0, 1.0, 2.0, 1.0, 5.0],
        "score_knowledge": rng.integers(0, 41, n).astype(float),
        "score_methods": rng.integers(0, 21, n).astype(float),
        "score_spirit": rng.integers(0, 21, n).astype(float),
        "score_application": rng.integers(0, 21, n).astype(float),
    })
    data["score"] = data[["score_knowledge", "score_methods", "score_spirit", "score_application"]].sum(axis=1)
    for g in ("youth", "rural", "industrial_workers", "elderly", "cadres"):
        data[f"group_{g}"] = 0
    data.loc[[0, 1, 4], "group_youth"] = 1
    data.loc[[7], "group_cadres"] = 1
    return data


def _hand_domain_mean(y, w, member):
    """Taylor SE of a domain mean in a with-replacement design, each row its own PSU:
    var = n/(n-1) sum (z_i - zbar)^2, z_i = w_i (y_i - ybar_d) / W_d in the domain, 0 outside."""
    W = w[member].sum()
    mean = (w * y)[member].sum() / W
    z = np.where(member, w * (y - mean) / W, 0.0)
    n = len(y)
    var = n / (n - 1) * ((z - z.mean()) ** 2).sum()
    return mean, np.sqrt(var)


def test_part_means_by_hand(config):
    cfg = copy.deepcopy(config)
    cfg["reporting"]["min_n"] = 3
    data = _part_data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)   # wuda and cadres have a single respondent
        out = part_means(SurveyDesign(data, weights="w"), cfg, "2025")
    S.validate(out, S.part_scores_schema(cfg), "part_scores", line_offset=None)
    w, y = data["w"].to_numpy(), data["score_knowledge"].to_numpy()
    hb = (data["district"] == "haibowan").to_numpy()
    mean, se = _hand_domain_mean(y, w, hb)
    row = out[(out["domain"] == "haibowan") & (out["part"] == "knowledge")].iloc[0]
    assert row["mean"] == pytest.approx(mean, rel=1e-12)
    assert row["se"] == pytest.approx(se, rel=1e-12)
    t = stats.t.ppf(0.975, 3)                                  # 4 PSUs in one stratum: df 3
    assert row["ci_low"] == pytest.approx(mean - t * se, rel=1e-12)
    assert row["mean_share"] == pytest.approx(mean / 40)
    city_mean = (w * y).sum() / w.sum()
    assert row["difference_from_city"] == pytest.approx(mean - city_mean, rel=1e-12)
    youth = out[(out["domain"] == "youth") & (out["part"] == "total")].iloc[0]
    m, s = _hand_domain_mean(data["score"].to_numpy(), w, data["group_youth"].to_numpy() == 1)
    assert youth["mean"] == pytest.approx(m) and youth["se"] == pytest.approx(s)
    assert youth["max_points"] == 100 and youth["lead_en"] == "Education Bureau" and youth["n"] == 3
    # parts in config order, then the total, for every domain
    assert out[out["domain"] == "all"]["part"].tolist() == ["knowledge", "methods", "spirit", "application", "total"]
    # a domain with fewer than min_n respondents is blank, with a reason
    small = out[out["domain"].isin(["wuda", "cadres"])]
    assert len(small) == 10 and small["suppressed"].all() and small["mean"].isna().all() and small["se"].isna().all()
    assert (small["suppression_reason"] == "fewer than 3 respondents (reporting.min_n)").all()
    assert not out[out["domain"] == "haibowan"]["suppressed"].any()


# --------------------------------------------------------------------------- scorecard
def test_scorecard_status_reads_actual_against_target(config):
    cfg = copy.deepcopy(config)
    cfg["scorecard"]["indicators"][1]["comparison"] = "<="   # e.g. a ceiling
    reported = pd.DataFrame({
        "indicator": ["high_quality_farmers", "region_science_bases", "city_science_bases", "science_venue_hainan"],
        "department_zh": ["农牧局", "科协", "科协", "海南区"], "department_en": ["A", "B", "B", "H"],
        "indicator_zh": [None] * 4, "indicator_en": [None] * 4,
        "target": [200.0, 10.0, 40.0, 1000.0], "actual": [200.0, 12.0, 39.0, np.nan],
        "unit_zh": ["人", "个", "个", "平方米"], "unit_en": ["persons", "bases", "bases", "m²"],
        "period": ["2021-2025"] * 4, "note": ["n1", None, None, None],
    })
    out = scorecard_table(cfg, reported).set_index("indicator")
    assert out.loc["high_quality_farmers", "status"] == "met"               # 200 >= 200
    assert out.loc["high_quality_farmers", "gap"] == 0 and out.loc["high_quality_farmers", "note"] == "n1"
    assert out.loc["region_science_bases", "status"] == "not_met"           # 12 <= 10 fails
    assert out.loc["city_science_bases", "status"] == "not_met"             # 39 < 40
    assert out.loc["city_science_bases", "status_zh"] == "未达标"
    assert out.loc["science_venue_hainan", "status"] == "no_report"         # blank actual
    assert out.loc["science_venue_wuda", "status"] == "no_report"           # no row
    assert out.loc["science_venue_wuda", "lead_en"].startswith("Wuda District Government")
    assert out.loc["city_science_bases", "reported_by_en"] == "B"
    assert list(out.index) == [i["code"] for i in cfg["scorecard"]["indicators"]]   # config order
    S.validate(out.reset_index(), S.scorecard_table_schema(cfg), "scorecard", line_offset=None)
    empty = scorecard_table(cfg, None)
    assert (empty["status"] == "no_report").all() and len(empty) == 6


def _write(tmp_path, df):
    path = tmp_path / "scorecard.csv"
    path.write_text(df.to_csv(index=False, lineterminator="\n"), encoding="utf-8")
    return path


def test_scorecard_file_is_read_typed_and_checked_against_the_config(config, tmp_path):
    sheet = illustrative_scorecard(config, seed=3)
    assert sheet["note"].str.contains("illustrative").all() and sheet["actual"].isna().sum() == 1
    table = read_scorecard(_write(tmp_path, sheet))
    S.validate(table, S.scorecard_schema(config), "scorecard.csv")
    assert scorecard_table(config, table)["status"].tolist()[-1] == "no_report"
    # the reported target must be the plan's
    bad = sheet.copy()
    bad.loc[2, "target"] = 30
    with pytest.raises(S.SchemaValidationError, match="line 4.*target differs"):
        S.validate(read_scorecard(_write(tmp_path, bad)), S.scorecard_schema(config), "scorecard.csv")
    bad = sheet.copy()
    bad.loc[0, "indicator"] = "rockets"
    with pytest.raises(S.SchemaValidationError, match="'indicator'.*rockets"):
        S.validate(read_scorecard(_write(tmp_path, bad)), S.scorecard_schema(config), "scorecard.csv")
    bad = sheet.copy().astype({"actual": object})
    bad.loc[1, "actual"] = "ten"
    with pytest.raises(fio.InputError, match="line 3, column 'actual': 'ten' is not a number"):
        read_scorecard(_write(tmp_path, bad))
    with pytest.raises(fio.InputError, match="missing column\\(s\\) 'period'"):
        read_scorecard(_write(tmp_path, sheet.drop(columns="period")))


# --------------------------------------------------------------------------- rounds side by side
def _flagged(round_id, rows):
    """Hand-made flagged estimates: (domain, level, estimate, se, low, high, n, suppressed)."""
    out = []
    for dom, lv, p, se, lo, hi, n, sup in rows:
        out.append({"round": round_id, "breakdown": "city" if dom == "all" else "district", "domain": dom,
                    "label_zh": dom, "label_en": dom, "level": lv,
                    "estimate": np.nan if sup else p, "se": np.nan if sup else se,
                    "ci_low": np.nan if sup else lo, "ci_high": np.nan if sup else hi, "df": 20.0, "n": n,
                    "deff": np.nan if sup else 1.2, "cv": np.nan if sup else se / p, "population": 1e4,
                    "n_effective": np.nan if sup else 100.0, "ci_width": np.nan if sup else hi - lo,
                    "relative_ci_width": np.nan if sup else (hi - lo) / p,
                    "reliability": "suppress" if sup else "present", "reliability_reason": "x" if sup else "",
                    "suppressed": sup, "suppression_reason": "fewer than 30 respondents (reporting.min_n)"
                    if sup else None})
    return pd.DataFrame(out)


@pytest.fixture
def tables(config):
    base = _flagged("2020", [("all", "literate", 0.09, 0.006, 0.079, 0.102, 900, False),
                             ("all", "basic", 0.35, 0.01, 0.33, 0.37, 900, False),
                             ("all", "advanced", 0.01, 0.002, 0.007, 0.015, 900, False),
                             ("wuda", "literate", 0.08, 0.02, 0.05, 0.12, 200, False),
                             ("hainan", "literate", 0.06, 0.01, 0.04, 0.08, 25, True)])
    end = _flagged("2025", [("all", "literate", 0.13, 0.004, 0.122, 0.138, 950, False),
                            ("all", "basic", 0.40, 0.01, 0.38, 0.42, 950, False),
                            ("all", "advanced", 0.02, 0.002, 0.016, 0.024, 950, False),
                            ("wuda", "literate", 0.10, 0.01, 0.08, 0.125, 210, False),
                            ("hainan", "literate", 0.07, 0.01, 0.05, 0.09, 20, True)])
    est = pd.concat([base, end], ignore_index=True)
    change = propagate_suppression(compare_rounds(est, config), est, {"2020": "baseline", "2025": "end-of-period"},
                                   ["change", "se", "ci_low", "ci_high", "df", "p_value"])
    change = adjust_multiple_comparisons(change, config)   # as the flow's compare task
    verdicts = finish_verdicts(target_verdicts(est, change, config), est, config)
    return est, change, verdicts


def test_verdicts_read_met_with_confidence_and_suppressed_rows_are_blank(tables, config):
    est, change, verdicts = tables
    v = verdicts.set_index("domain")
    assert v.loc["all", "verdict"] == "met" and v.loc["all", "verdict_en"] == "met with confidence"
    assert v.loc["all", "verdict_zh"] == "有把握达到目标"
    assert v.loc["wuda", "verdict_en"] == "inconclusive"            # .08 .. .125 contains .12
    h = v.loc["hainan"]
    assert h["verdict"] == "suppressed" and h["suppressed"] and pd.isna(h["estimate"]) and pd.isna(h["change"])
    assert pd.isna(h["gap_to_national"]) and pd.isna(h["versus_national"])
    assert h["suppression_reason"].startswith("end-of-period 2025: fewer than 30")
    S.validate(verdicts, S.verdicts_schema(config), "verdicts", line_offset=None)
    # change.csv is every pair of rounds, keyed by from_round, to_round and the comparison kind
    full = change_table(est, config)
    S.validate(full, S.change_schema(config), "change", line_offset=None)
    assert full[["comparison", "from_round", "to_round"]].drop_duplicates().values.tolist() == [
        ["since_baseline", "2020", "2025"]]
    pd.testing.assert_frame_equal(headline_change(full, config), change)


def test_evaluator_table_puts_the_rounds_side_by_side(tables, config):
    est, change, verdicts = tables
    city = evaluator_table(est, change, verdicts, config, ("city",), with_verdict=True)
    assert city["level"].tolist() == ["literate", "advanced", "basic"]   # the headline level first
    lit = city.iloc[0]
    assert (lit["baseline"], lit["baseline_se"], lit["baseline_n"]) == (0.09, 0.006, 900)
    assert (lit["endline"], lit["endline_ci_low"], lit["endline_ci_high"]) == (0.13, 0.122, 0.138)
    v1, v2 = 0.006 ** 2, 0.004 ** 2
    assert lit["change"] == pytest.approx(0.04) and lit["change_se"] == pytest.approx(np.sqrt(v1 + v2))
    df = (v1 + v2) ** 2 / (v1 ** 2 / 20 + v2 ** 2 / 20)
    assert lit["change_p_value"] == pytest.approx(2 * stats.t.sf(0.04 / np.sqrt(v1 + v2), df))
    assert lit["verdict_en"] == "met with confidence" and lit["target"] == 0.12
    assert lit["gap_to_national"] == pytest.approx(0.13 - 0.1537)
    assert pd.isna(city.iloc[1]["verdict"]) and pd.isna(city.iloc[1]["target"])   # other levels: no verdict
    S.validate(city, S.evaluator_schema(config, "headline_levels", with_verdict=True), "t", line_offset=None)
    dist = evaluator_table(est, change, verdicts, config, ("district",), with_verdict=True).set_index("domain")
    h = dist.loc["hainan"]
    assert h["suppressed"] and pd.isna(h["baseline"]) and pd.isna(h["endline"]) and pd.isna(h["change"])
    assert h["baseline_n"] == 25 and h["endline_reliability"] == "suppress" and h["verdict"] == "suppressed"
    assert h["suppression_reason"] == ("2020: fewer than 30 respondents (reporting.min_n) | "
                                       "2025: fewer than 30 respondents (reporting.min_n)")
    assert not dist.loc["wuda", "suppressed"] and dist.loc["wuda", "change"] == pytest.approx(0.02)
    schema = S.evaluator_schema(config, "districts", with_verdict=True)
    S.validate(dist.reset_index()[schema.columns.keys()], schema, "districts", line_offset=None)


def test_schema_refuses_a_value_in_a_suppressed_cell(tables, config):
    est, change, verdicts = tables
    dist = evaluator_table(est, change, verdicts, config, ("district",), with_verdict=True)
    leaked = dist.copy()
    leaked.loc[leaked["domain"] == "hainan", "endline"] = 0.07
    with pytest.raises(S.SchemaValidationError, match="suppressed values are blank"):
        S.validate(leaked, S.evaluator_schema(config, "districts", with_verdict=True), "districts", line_offset=None)
    est_leak = est.copy()
    est_leak.loc[est_leak["suppressed"], "se"] = 0.01
    with pytest.raises(S.SchemaValidationError, match="suppressed row"):
        S.validate(est_leak[est_leak["round"] == "2025"].reset_index(drop=True), S.estimates_schema(config),
                   "estimates", line_offset=None)


def test_suppressed_cells_are_blank_in_csv_parquet_and_workbook(tables, config, tmp_path):
    from openpyxl import load_workbook

    est, change, verdicts = tables
    dist = evaluator_table(est, change, verdicts, config, ("district",), with_verdict=True)
    e25 = est[est["round"] == "2025"].reset_index(drop=True)
    fio.write_csv(dist, tmp_path / "districts.csv")
    fio.write_parquet(dist, tmp_path / "districts.parquet")
    fio.write_csv(e25, tmp_path / "estimates.csv")
    head = {"level": "literate", "endline_round": "2025", "baseline_round": "2020", "endline": 0.13,
            "endline_ci_low": 0.122, "endline_ci_high": 0.138, "change": 0.04, "change_ci_low": 0.03,
            "change_ci_high": 0.05, "target": 0.12, "verdict": "met"}
    wb = rep.build_workbook(rep.headline_table(head, config), {"2025": e25}, change, verdicts,
                            pd.DataFrame({"x": [1]}), tables={"districts": dist},
                            notes={"districts": ("注释", "notes")})
    fio.write_excel(wb, tmp_path / "a.xlsx")

    csv = pd.read_csv(tmp_path / "districts.csv", keep_default_na=False, dtype=str).set_index("domain")
    for col in ("baseline", "baseline_se", "baseline_ci_low", "endline", "endline_ci_high", "change", "change_se"):
        assert csv.loc["hainan", col] == "", col
    assert csv.loc["hainan", "suppressed"] == "True" and csv.loc["wuda", "endline"] == "0.1"
    pq = pd.read_parquet(tmp_path / "districts.parquet").set_index("domain")
    assert pq.loc["hainan", ["baseline", "endline", "change", "endline_ci_low"]].isna().all()
    ecsv = pd.read_csv(tmp_path / "estimates.csv", keep_default_na=False, dtype=str).set_index("domain")
    for col in ("estimate", "se", "ci_low", "ci_high", "deff", "cv", "n_effective", "ci_width"):
        assert ecsv.loc["hainan", col] == "", col
    assert ecsv.loc["hainan", "n"] == "20"

    book = load_workbook(tmp_path / "a.xlsx")
    ws = book[sheet_name(SHEET_TITLES["districts"])]
    header = [c.value for c in ws[3]]
    rows = {ws.cell(row=r, column=2).value: r for r in range(4, 4 + len(dist))}
    for col in ("baseline", "endline", "change", "endline_ci_low"):
        assert ws.cell(row=rows["hainan"], column=header.index(col) + 1).value is None, col
    assert ws.cell(row=rows["wuda"], column=header.index("endline") + 1).value == 0.1
    assert ws.cell(row=3 + len(dist) + 2, column=1).value == "注：注释"
    assert ws.cell(row=3 + len(dist) + 3, column=1).value == "Notes: notes"
    ws = book[sheet_name(SHEET_TITLES["estimates"], "2025")]
    header = [c.value for c in ws[3]]
    row = next(r for r in range(4, 4 + len(e25)) if ws.cell(row=r, column=3).value == "hainan")
    assert ws.cell(row=row, column=header.index("estimate") + 1).value is None
    assert ws.cell(row=row, column=header.index("suppressed") + 1).value is True
    ws = book[sheet_name(SHEET_TITLES["verdicts"])]
    header = [c.value for c in ws[3]]
    row = next(r for r in range(4, 4 + len(verdicts)) if ws.cell(row=r, column=3).value == "hainan")
    assert ws.cell(row=row, column=header.index("estimate") + 1).value is None
    assert ws.cell(row=row, column=header.index("verdict") + 1).value == "suppressed"
    # the markdown artifact shows no value for it either
    md = rep.markdown_headline(head, config, verdicts)
    line = next(x for x in md.splitlines() if x.startswith("| hainan"))
    assert "7.0%" not in line and "suppressed / 不予发布" in line
    assert "met with confidence" in md


# --------------------------------------------------------------------------- methodology
def test_methodology_table(tables, config):
    est, _, _ = tables
    sample = pd.DataFrame({"district": ["wuda", "wuda", "hainan", "hainan"], "selection_prob": [0.1, 0.2, 0.5, 0.5],
                           "responded": [1, 0, 1, 1]})
    rates = response_rates(sample, config).set_index("domain")
    assert rates.loc["all", "response_rate"] == 0.75
    # base-weighted: (10 + 2 + 2) / (10 + 5 + 2 + 2)
    assert rates.loc["all", "response_rate_weighted"] == pytest.approx(14 / 19)
    assert rates.loc["wuda", "response_rate_weighted"] == pytest.approx(10 / 15)
    weighting = pd.DataFrame({"round": ["2025", "2025"], "stage": ["base", "raked"], "domain": ["all", "all"],
                              "deff_weighting": [1.2, 1.5]})
    out = methodology_table(config, {"2025": {"respondents": 950, "strata": 6, "psus": 104, "df": 98}},
                            {"2025": response_rates(sample, config)}, est, weighting)
    S.validate(out, S.methodology_schema(config), "methodology", line_offset=None)
    got = out.set_index(["section", "item", "round"])["value"]
    assert got[("design", "df", "2025")] == 98
    assert got[("weighting", "deff_weighting:raked", "2025")] == 1.5          # the final stage
    assert got[("sample", "response_rate:all", "2025")] == 0.75
    assert got[("reliability", "cells_blanked", "2025")] == 1
    assert got[("scoring", "threshold:literate", "")] == 70
    text = out.set_index("item")["text"]
    assert text["inclusive"].startswith("false") and text["threshold:literate"] == "score > 70"
    assert got[("reliability", "nchs:max_relative_ci_width", "")] == NCHS_DEFAULTS["max_relative_ci_width"]
    assert text["method"].startswith("Taylor linearisation") and "variance" not in text.index


def test_methodology_table_with_replicate_variance(tables, config):
    est, _, _ = tables
    cfg = {**config, "estimation": {**config["estimation"], "method": "bootstrap", "replicates": 200, "seed": 5}}
    facts = {"2025": {"respondents": 950, "strata": 6, "psus": 104, "df": 199, "variance": "bootstrap",
                      "replicates": 200}}
    out = methodology_table(cfg, facts, {}, est, None)
    S.validate(out, S.methodology_schema(cfg), "methodology", line_offset=None)
    got = out.set_index(["section", "item", "round"])
    assert got.loc[("design", "replicates", "2025"), "value"] == 200
    assert got.loc[("design", "df", "2025"), "label_en"].startswith("Design degrees of freedom (rank of the replicate")
    assert got.loc[("design", "variance", "2025"), "text"] == "bootstrap"
    method = got.loc[("estimation", "method", ""), "text"]
    assert "bootstrap, 200 replicates, seed 5" in method and "raked again" in method


def test_every_output_table_has_a_schema(config):
    from literacy_flows.pipeline.deliverables import TABLE_NOTES, TABLE_SCHEMAS

    for name in TABLE_SCHEMAS:
        assert table_schema(name, config).name == name
        assert name in TABLE_NOTES and all(TABLE_NOTES[name])


# --------------------------------------------------------------------------- key groups within districts
def test_key_groups_within_districts_are_domains_of_the_full_design(config):
    from literacy.assessment import estimate_round, population_rates

    data = _part_data()
    data["advanced"] = [0, 0, 0, 0, 0, 0, 0, 1]
    data["literate"] = [1, 0, 1, 0, 1, 0, 0, 1]
    data["basic"] = [1, 1, 1, 0, 1, 1, 0, 1]
    for c in ("residence", "sex", "age_band", "education"):
        data[c] = "x"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        est = estimate_round(SurveyDesign(data, weights="w"), config, "2025")
    dg = est[(est["breakdown"] == "district+group") & (est["level"] == "literate")].set_index("domain")
    # youth: rows 0, 1 (haibowan) and 4 (hainan); cadres: row 7 (wuda); no other group has members
    assert sorted(dg.index) == ["haibowan+youth", "hainan+youth", "wuda+cadres"]
    hy = dg.loc["haibowan+youth"]
    assert hy["label_zh"] == "海勃湾区·青少年" and hy["label_en"].startswith("Haibowan · Youth")
    assert hy["estimate"] == pytest.approx(1.0 / 3.0)      # weights 1, 2; literate 1, 0
    assert hy["n"] == 2 and hy["population"] == 3.0
    # the same domain estimated directly on the full design, by district and the indicator
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        direct = SurveyDesign(data, weights="w").proportion("literate", by=["district", "group_youth"], ci="logit")
    row = direct[(direct["district"] == "haibowan") & (direct["group_youth"] == 1)].iloc[0]
    assert hy["se"] == pytest.approx(row["se"], rel=1e-12) and hy["df"] == row["df"]
    pop = data.assign(age=25, residence="urban", occupation="other")
    truth = population_rates(pop, config, "2025")
    t = truth[(truth["breakdown"] == "district+group") & (truth["level"] == "literate")].set_index("domain")
    # every row is aged 25, so youth = everyone: haibowan rows 0-3 (literate 1, 0, 1, 0)
    assert t.loc["haibowan+youth", "rate"] == 0.5 and t.loc["haibowan+youth", "population"] == 4
