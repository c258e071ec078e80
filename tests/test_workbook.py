"""The workbook explains itself: contents, bilingual sheet names and headers, formats by kind, frozen labels,
and the codebook (issue 24). A real run's workbook and codebook are checked in tests/test_flow.py."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from openpyxl import load_workbook

from literacy import catalog
from literacy.catalog import formats as F
from literacy.catalog.codebook import CODEBOOK_COLUMNS, codebook_table, column_unit, table_column, table_key_of
from literacy.catalog.sheets import SHEET_TITLES, frozen_columns, sheet_name
from literacy_flows.ingest import io as fio
from literacy_flows.report import workbook as rep
from literacy_flows.report.excel import table_of_sheet, text_width
from workbook_checks import check_workbook, frozen_codes

#: A value of each format kind (by hand): what an evaluator would see.
_BY_KIND = {"share": 0.1234, "change": -0.0123, "count": 1234.0, "score": 61.27, "coefficient": 1.8449,
            "p_value": 0.0312}


def _table(key: str, overrides: dict | None = None) -> pd.DataFrame:
    """Two rows of a catalog table: a number of its column's kind, text for text columns."""
    data = {}
    for code in catalog.output_table(key).columns:
        fmt = table_column(key, code).number_format
        if code in ("suppressed", "significant_bh", "comparable", "covered"):
            data[code] = [False, True]
        elif fmt is None:
            data[code] = [f"{code}-1", f"{code}-2"]
        else:
            data[code] = [_BY_KIND[fmt.kind], _BY_KIND[fmt.kind] / 3]
    df = pd.DataFrame(data)
    for code, values in (overrides or {}).items():
        df[code] = values
    return df


@pytest.fixture(scope="module")
def book(config):
    head = {"level": "literate", "endline_round": "2025", "baseline_round": "2020", "endline": 0.13,
            "endline_ci_low": 0.122, "endline_ci_high": 0.138, "change": 0.04, "change_ci_low": 0.03,
            "change_ci_high": 0.05, "target": 0.12, "verdict": "met", "national_year": 2024, "endline_n": 912}
    tables = {key: _table(key) for key in ("districts", "part_scores", "scorecard", "determinants", "methodology",
                                           "sample_plan", "irt_scale")}
    # the cases: a scorecard target of 200 persons, a mean-score CI, a logit coefficient
    tables["scorecard"]["target"] = [200.0, 10.0]
    tables["part_scores"]["ci_low"] = [21.7425, 20.1]
    tables["determinants"]["estimate"] = [-1.8156, 0.35]
    tables["methodology"] = pd.DataFrame({
        "section": ["sample", "sample", "design"], "item": ["respondents:all", "response_rate:all", "deff_city"],
        "label_zh": ["有效受访者数", "应答率", "设计效应"], "label_en": ["Respondents", "Response rate", "Design effect"],
        "round": ["2025"] * 3, "value": [887.0, 0.7548936170212766, 1.591109196046834], "text": [None] * 3})
    estimates = {"2020": _table("estimates"), "2025": _table("estimates")}
    extra = {"linked_2025": _table("estimates_linked"), "items_2025": _table("items"),
             "reliability_2025": _table("reliability"), "truth_check": _table("truth_check")}
    cb = codebook_table({"districts": [tables["districts"]], "estimates": list(estimates.values())}, config)
    wb = rep.build_workbook(rep.headline_table(head, config), estimates, _table("change"), _table("verdicts"),
                            _table("weights_diagnostics"), extra, tables=tables,
                            notes={"districts": ("注释", "notes")}, codebook=cb)
    return load_workbook(io.BytesIO(fio.excel_bytes(wb)))


def _cell(book, table: str, code: str, row: int = 4, round_id: str | None = None):
    ws = book[sheet_name(SHEET_TITLES[table], round_id)]
    j = [c.value for c in ws[3]].index(code) + 1
    return ws.cell(row=row, column=j)


def test_contents_first_every_sheet_listed_headers_translated_formats_by_kind(book):
    checked = check_workbook(book)
    assert sum(checked.values()) > 300          # the check saw the numbers
    assert book.sheetnames[:3] == ["目录 Contents", "主要结果 Headline", "各区 Districts"]
    assert book.sheetnames[-1] == "数据字典 Codebook"
    assert "估计2025 Estimates 2025" in book.sheetnames and "等值估计2025 Linked 2025" in book.sheetnames
    contents = book.worksheets[0]
    row = next(r for r in contents.iter_rows(min_row=3, values_only=True) if r[0] == "各区 Districts")
    assert row[1:3] == ("各区", "Districts") and row[5] == 2 and row[6] == "assessment/districts"


@pytest.mark.parametrize("table, code, value, shown", [
    ("scorecard", "target", 200, "#,##0"),            # 200 persons, not 20000.0%
    ("part_scores", "ci_low", 21.7425, "0.00"),         # a mean score's CI, not 2174.25%
    ("determinants", "estimate", -1.8156, "0.000"),     # a logit coefficient, not -181.56%
    ("districts", "endline", 0.1234, "0.00%"),          # a share
    ("districts", "change", -0.0123, "+0.00%;-0.00%;0.00%"),
    ("districts", "national_year", 1234.0, "0"),        # a year, plain
    ("districts", "endline_n", 1234.0, "#,##0"),        # a count with thousands separators
    ("districts", "change_p_value", 0.0312, "0.0000"),
    ("irt_scale", "mean", 1.8449, "0.000"),             # a latent mean (theta), not points
])
def test_number_format_by_column_kind(book, table, code, value, shown):
    cell = _cell(book, table, code)
    assert cell.value == pytest.approx(value) and cell.number_format == shown


def test_the_headers_name_the_column_as_its_table_means_it(book):
    ws = book["影响因素 Determinants"]
    j = [c.value for c in ws[3]].index("estimate") + 1
    assert (ws.cell(row=1, column=j).value, ws.cell(row=2, column=j).value) == ("回归系数（对数比值）",
                                                                                "Coefficient (log-odds)")
    ws = book["各区 Districts"]
    j = [c.value for c in ws[3]].index("endline") + 1
    assert (ws.cell(row=1, column=j).value, ws.cell(row=2, column=j).value) == ("末期比例", "End-of-period share")


def test_methodology_values_are_formatted_row_by_row(book):
    ws = book["方法说明 Methodology"]
    j = [c.value for c in ws[3]].index("value") + 1
    assert [ws.cell(row=r, column=j).number_format for r in (4, 5, 6)] == ["#,##0", "0.0%", "0.00"]


def test_label_columns_and_header_rows_are_frozen(book):
    assert frozen_codes(book["各区 Districts"])[-1] in ("label_en", "level_zh", "level_en")
    assert "label_zh" in frozen_codes(book["估计2025 Estimates 2025"])
    assert book["主要结果 Headline"].freeze_panes == "C3"
    # the rule: through the last label column among the first seven, as wide as allowed
    assert frozen_columns(["round", "breakdown", "domain", "label_zh", "label_en", "level"]) == 5
    assert frozen_columns(["round", "breakdown", "domain", "label_zh", "label_en"], [10, 16, 29, 27, 46], 100) == 4
    assert frozen_columns(["a", "b"]) == 1


def test_notes_rows_stay_below_the_table(book):
    ws = book["各区 Districts"]
    assert ws.cell(row=3 + 2 + 2, column=1).value == "注：注释"
    assert ws.cell(row=3 + 2 + 3, column=1).value == "Notes: notes"


def test_columns_fit_chinese_text(book):
    assert text_width("海勃湾区") == 8 and text_width("Wuda") == 4
    ws = book["各区 Districts"]
    j = [c.value for c in ws[3]].index("label_zh") + 1
    from openpyxl.utils import get_column_letter
    assert ws.column_dimensions[get_column_letter(j)].width >= text_width(ws.cell(row=1, column=j).value)


# --------------------------------------------------------------------------- the catalog's side
def test_every_column_of_every_table_has_zh_and_en_labels_other_than_its_code():
    for t in catalog.OUTPUT_TABLES:
        for code in t.columns:
            c = table_column(t.key, code)
            assert c.label_zh and c.label_en and c.label_zh != code and c.label_en != code, (t.key, code)


def test_every_sheet_of_the_catalog_has_a_bilingual_name_that_fits():
    for t in catalog.OUTPUT_TABLES:
        if t.sheet is None:
            continue
        assert t.key in SHEET_TITLES, f"{t.key}: add its sheet's names to literacy.catalog.sheets.SHEET_TITLES"
        title = SHEET_TITLES[t.key]
        for rid in (None, "2025", "2025-midterm"):
            name = sheet_name(title, rid)
            assert len(name) <= 31 and not set(name) & set("[]:*?/\\") and name.strip() == name
    names = {sheet_name(SHEET_TITLES[t.key], "2025") for t in catalog.OUTPUT_TABLES if t.sheet}
    assert len(names) == len([t for t in catalog.OUTPUT_TABLES if t.sheet])      # no two alike
    assert sheet_name(SHEET_TITLES["districts"], taken={"各区 districts"}) == "各区 Districts (2)"


def test_table_of_sheet_reads_the_catalogs_sheet_codes():
    assert table_of_sheet("estimates_2025") == ("estimates", "2025")
    assert table_of_sheet("linked_2020") == ("estimates_linked", "2020")
    assert table_of_sheet("weighting") == ("weights_diagnostics", None)
    assert table_of_sheet("truth_check_linked") == ("truth_check_linked", None)
    assert table_key_of("2025/estimates.csv") == "estimates" and table_key_of("assessment/dif.csv") == "dif"
    assert table_key_of("codebook.csv") == "codebook" and table_key_of("2025/propensity_model.csv") == "propensity_model"


def test_every_numeric_column_has_a_format():
    for t in catalog.OUTPUT_TABLES:
        for code in t.columns:
            c = table_column(t.key, code)
            assert c.number_format is None or c.number_format is F.FORMATS[c.number_format.name]
    assert table_column("irt_items", "rmsd_2031").number_format is F.COEFFICIENT_3   # a round's column


# --------------------------------------------------------------------------- the codebook
def test_codebook_rows_types_units_and_codes(config):
    districts = pd.DataFrame({"breakdown": ["district", "district"], "domain": ["wuda", "hainan"],
                              "label_zh": ["乌达区", "海南区"], "label_en": ["Wuda", "Hainan"],
                              "level": ["literate", "literate"], "endline": [0.1, None], "endline_n": [250, 20],
                              "verdict": ["inconclusive", "suppressed"], "suppressed": [False, True]})
    scorecard = pd.DataFrame({"indicator": ["farmers"], "target": [200.0], "unit_en": ["persons"]})
    cb = codebook_table({"districts": [districts], "scorecard": [scorecard]}, config).set_index(["table", "column"])
    assert list(cb.reset_index().columns) == CODEBOOK_COLUMNS
    assert len(cb) == len(districts.columns) + len(scorecard.columns)
    assert cb.loc[("districts", "domain"), "codes"] == "wuda = 乌达区 / Wuda; hainan = 海南区 / Hainan"
    assert cb.loc[("districts", "verdict"), "codes"] == "inconclusive = 无法判定 / inconclusive; suppressed = 不予发布 / suppressed"
    assert cb.loc[("districts", "level"), "codes"] == "literate = 具备科学素质 / Has scientific literacy"
    assert cb.loc[("districts", "suppressed"), ["type", "codes"]].tolist() == ["boolean", "true; false"]
    assert cb.loc[("districts", "endline"), ["type", "unit", "format"]].tolist() == [
        "number", "proportion (0-1; 0.121 = 12.1%)", "share: 0.00%"]
    assert cb.loc[("districts", "endline_n"), ["type", "unit"]].tolist() == ["integer", "persons"]
    assert cb.loc[("scorecard", "target"), "format"] == "amount: #,##0.##"
    assert cb.loc[("scorecard", "target"), "unit"] == column_unit("scorecard", "target") != ""
    assert (cb["label_zh"] != "").all() and (cb["meaning"] != "").all()


def test_a_number_the_catalog_does_not_know_is_never_shown_with_16_digits():
    """A column outside the catalog (a config's extra column) still gets a format: no General floats."""
    extra = pd.DataFrame({"round": ["2025"], "label_zh": ["全市"], "label_en": ["City"], "new_count": [12],
                          "new_ratio": [0.7548936170212766]})
    wb = rep.build_workbook(None, {}, _table("change"), _table("verdicts"), _table("weights_diagnostics"),
                            {"truth_check": extra})
    ws = load_workbook(io.BytesIO(fio.excel_bytes(wb)))["模拟真值核对 Truth check"]
    header = [c.value for c in ws[3]]
    assert ws.cell(row=4, column=header.index("new_count") + 1).number_format == "0"
    assert ws.cell(row=4, column=header.index("new_ratio") + 1).number_format == "0.00##"


def test_codebook_lists_a_columns_own_codes_where_the_vocabulary_means_another_thing():
    cities = pd.DataFrame({"city": ["wuhai", "alxa"], "label_zh": ["乌海市", "阿拉善盟"], "label_en": ["Wuhai", "Alxa"],
                           "status": ["finished", "failed"], "error": [None, "bad delivery"]})
    cb = codebook_table({table_key_of("province/cities.csv"): [cities]}).set_index("column")
    assert cb.loc["status", "codes"] == "finished; failed" and cb.loc["status", "label_en"] == "Run status"
    assert cb.loc["label_en", "label_en"] == "City" and (cb["table"] == "province_cities").all()
    from literacy.catalog.codebook import vocabulary_codes
    assert vocabulary_codes("status", "scorecard").startswith("met = 达标") and vocabulary_codes("status",
                                                                                                "province_cities") == ""


def test_the_province_workbook_reads_as_the_citys():
    from literacy_flows.report.province_outputs import province_workbook

    tables = {"summary": pd.DataFrame({"key": ["endline", "verdict"], "value": ["0.131", "met"]}),
              "cities": pd.DataFrame({"city": ["wuhai"], "label_zh": ["乌海市"], "label_en": ["Wuhai"],
                                      "status": ["finished"], "error": [None]}),
              "league_table": _table("province_league_table", {"significant": [True, False],
                                                                "rank": [1, 2], "family_size": [2, 2]})}
    book = codebook_table({f"province_{k}": [v] for k, v in tables.items()})
    wb = load_workbook(io.BytesIO(fio.excel_bytes(province_workbook(tables, book))))
    assert wb.sheetnames == ["目录 Contents", "全区摘要 Summary", "各盟市状态 Cities", "盟市排名 League table",
                             "数据字典 Codebook"]
    check_workbook(wb)
    ws = wb["盟市排名 League table"]
    header = [c.value for c in ws[3]]
    assert ws.cell(row=4, column=header.index("difference") + 1).number_format == "+0.00%;-0.00%;0.00%"
    assert ws.cell(row=4, column=header.index("rank") + 1).number_format == "0"


def test_a_middle_round_column_group_is_labelled_as_its_round():
    from literacy.catalog.codebook import table_column

    share, n = table_column("districts", "round_2023"), table_column("districts", "round_2023_n")
    assert (share.label_zh, share.label_en, share.number_format.kind) == ("2023年比例", "2023 share", "share")
    assert (n.label_zh, n.number_format.kind) == ("2023年样本量", "count")
    assert table_column("districts", "round").label_zh == "调查轮次"      # the plain column keeps its entry
