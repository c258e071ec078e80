"""The web reports' tables (issue 24): no index column, no NaN, labels instead of codes, no exponent.

Each case is a small table written by hand with what a reader must see in it; the labels are the
default config's (config/wuhai.yaml) and the output catalog's.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from bs4 import BeautifulSoup

from literacy.assessment import validate_config
from literacy_flows.report.notebook_tables import BLANK, TableLabels, number_text, present, table_html

CONFIG = Path(__file__).resolve().parents[1] / "config" / "wuhai.yaml"


@pytest.fixture(scope="module")
def labels() -> TableLabels:
    return TableLabels(validate_config(yaml.safe_load(CONFIG.read_text(encoding="utf-8"))))


def _rows(html: str) -> list[list[str]]:
    soup = BeautifulSoup(html, "html.parser")
    return [[c.get_text(strip=True) for c in tr.find_all(["th", "td"])] for tr in soup.select("table tr")]


def test_no_index_column_and_a_named_index_becomes_a_column(labels):
    df = pd.DataFrame({"x": [1.5, 2.25]}, index=pd.Index(["a", "b"], name="item"))
    rows = _rows(table_html(df, labels))
    assert rows == [["项目代码 Item", "x"], ["a", "1.5"], ["b", "2.25"]]
    plain = _rows(table_html(pd.DataFrame({"x": [3.0]}, index=[7]), labels))
    assert plain == [["x"], ["3"]]                       # pandas' row number is not shown
    assert "<tbody>" in table_html(df, labels) and "<th>a</th>" not in table_html(df, labels)


def test_blank_cells_are_a_dash_with_their_meaning(labels):
    html = table_html(pd.DataFrame({"note": ["x", None], "v": [np.nan, 0.5]}), labels)
    assert "NaN" not in html and "None" not in html
    assert [r[0] for r in _rows(html)[1:]] == ["x", BLANK] and _rows(html)[1][1] == BLANK
    assert "no value: not applicable to that row, or not estimated" in html
    assert "no value" not in table_html(pd.DataFrame({"v": [0.5]}), labels)   # no dash, no note


def test_codes_become_labels(labels):
    df = pd.DataFrame({"round": ["2025", "2025"], "breakdown": ["district", "district+sex"],
                       "domain": ["wuda", "haibowan+female"], "level": ["literate", "advanced"],
                       "reliability": ["present", "review"], "verdict": ["not_met", "inconclusive"],
                       "covered": [True, False]})
    rows = _rows(table_html(df, labels))
    assert rows[0] == ["调查轮次 Round", "分类 Breakdown", "子总体 Domain", "素质水平 Literacy level",
                       "可靠性（NCHS标准） Reliability (NCHS standard)", "目标判定 Verdict",
                       "置信区间覆盖真值 CI covers truth"]
    assert rows[1] == ["2025", "区 District", "乌达区 Wuda", "具备科学素质 Has scientific literacy", "可发布 present",
                       "未达到目标 not met", "是 yes"]
    assert rows[2][1:4] == ["区×性别 District × Sex", "海勃湾区 Haibowan · 女 Women", "具备高阶科学素质 Advanced literacy"]
    assert rows[2][6] == "否 no"


def test_a_model_term_level_is_read_by_its_variable(labels):
    df = pd.DataFrame({"variable": ["district", "education"], "level": ["hainan", "bachelor_plus"],
                       "reference": ["haibowan", "primary_or_less"], "odds_ratio": [0.887, 3.5]})
    rows = _rows(table_html(df, labels))
    assert rows[1][1:3] == ["海南区 Hainan", "海勃湾区 Haibowan"]
    assert rows[2][1:3] == ["大学本科及以上 Bachelor's or higher", "小学及以下 Primary or less"]
    assert rows[0][1] == "类别 Category"                # a factor's level, not a literacy level


def test_numbers_by_kind_and_never_in_exponent_notation(labels):
    shares = present(pd.DataFrame({"estimate": [0.1184], "se": [0.0058]}), labels)
    html = table_html(pd.DataFrame({"estimate": [0.1184], "se": [0.0058], "p_value": [4.8e-39]}), labels)
    assert _rows(html)[1] == ["11.84%", "0.58%", "<0.001"]
    assert list(shares.columns) == ["比例估计 Estimated share", "标准误 Standard error"]
    # a logit coefficient is not a share: no percent sign, no 'share' header (the workbook's -181.56% bug)
    coef = _rows(table_html(pd.DataFrame({"term": ["x"], "estimate": [-1.8156], "se": [0.498]}), labels))
    assert coef[0][1] == "估计 Estimate" and coef[1][1:] == ["-1.816", "0.498"]
    assert number_text(6.4e-07) == "0.00000064" and number_text(3380.0) == "3,380" and number_text(np.nan) == BLANK
    assert "e-" not in table_html(pd.DataFrame({"gap": [6.4e-07]}), labels)


def test_same_table_same_bytes(labels):
    df = pd.DataFrame({"breakdown": ["sex"], "domain": ["male"], "estimate": [0.2], "n": [1234]})
    assert table_html(df, labels) == table_html(df.copy(), TableLabels(labels.config))
    assert _rows(table_html(df, labels))[1] == ["性别 Sex", "男 Men", "20.00%", "1,234"]


def test_a_model_variable_is_named(labels):
    rows = _rows(table_html(pd.DataFrame({"variable": ["(Intercept)", "district"], "level": [None, "wuda"]}), labels))
    assert [r[0] for r in rows[1:]] == ["(Intercept)", "区 District"] and rows[2][1] == "乌达区 Wuda"


def test_a_number_range_never_breaks_across_lines(labels):
    html = table_html(pd.DataFrame({"95% CI": ["10.8% – 13.0%"], "change": ["+2.5 (+1.0 to +4.0)"],
                                    "group": ["19.2% (16.2%–22.6%)"]}), labels)
    assert "10.8%\u00a0–\u00a013.0%" in html and "+1.0\u00a0to\u00a0+4.0" in html and "16.2%\u2060–\u206022.6%" in html
    assert "+2.5 (" in html          # between the figure and its interval the cell may still wrap


def test_a_flag_with_a_blank_total_row_reads_yes_no(labels):
    df = pd.DataFrame({"interviewer": ["all", "INT007"], "outlier": [np.nan, True]}).astype({"outlier": object})
    rows = _rows(table_html(df, labels))
    assert [r[1] for r in rows[1:]] == [BLANK, "是 yes"]
