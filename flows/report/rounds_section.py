"""The report's subsection on every round (issue 23): which rounds the assessment uses, the change
between every pair of rounds the schedule names, and the linear trend over the rounds.

Written only when the config has more than two rounds (with two, the summary's change is the only
pair and a trend is that change). Pure wording and layout of ``assessment/change.csv`` and
``assessment/trend.csv``; nothing is estimated here.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from literacy.assessment.schedule import survey_rounds
from literacy_flows.report.docx_builder import ReportDocument
from literacy_flows.report.document_sections import sources_line
from literacy_flows.report.document_text import Language, level_names, p_text, pct_text, pp_ci_text, pp_text
from literacy_flows.report.midterm_text import rounds_statement, trend_statement

__all__ = ["rounds_section"]

#: ``change.csv``'s comparison kinds, as the table says them.
_COMPARISON = {"consecutive": ("相邻两轮", "consecutive rounds"),
               "since_baseline": ("与基线相比", "since the baseline")}


def _pairs_table(doc: ReportDocument, change: pd.DataFrame, config: dict, L: Language, level: str) -> None:
    rows_df = change[(change["breakdown"].astype(str) == "city") & (change["level"].astype(str) == level)]
    if "from_round" not in rows_df.columns or not len(rows_df):
        return
    rows_df = rows_df.sort_values(["from_round", "to_round"], key=lambda s: s.astype(str))
    header = [L.t("比较", "Comparison"), L.t("轮次", "Rounds"), L.t("起始比例", "From"), L.t("对比比例", "To"),
              L.t("变化，百分点（95%CI）", "Change, points (95% CI)"), L.t("P值", "p"), L.t("BH校正P值", "p (BH)")]
    rows = [[L.t(*_COMPARISON.get(str(r.get("comparison")), (str(r.get("comparison")),) * 2)),
             f"{r['from_round']}–{r['to_round']}", pct_text(r.get("baseline")), pct_text(r.get("endline")),
             f"{pp_text(r.get('change'))}（{pp_ci_text(r.get('ci_low'), r.get('ci_high'), L)}）" if L.lang == "zh"
             else f"{pp_text(r.get('change'))} ({pp_ci_text(r.get('ci_low'), r.get('ci_high'), L)})",
             p_text(r.get("p_value")), p_text(r.get("p_value_bh"))] for _, r in rows_df.iterrows()]
    lz, le = level_names(config, level)
    doc.table(L.t(f"全市{lz}比例在各轮之间的变化", f"The city's share with {le}: change between rounds"), header, rows,
              sources_line(L, "assessment/change.csv"),
              [L.t("原始得分口径；各轮问卷不同时，素质水平的变化以等值量尺（change_linked表）为准。BH校正在每类比较内进行。",
                   "Raw-score shares; where the rounds' forms differ, the change in literacy is read on the linked "
                   "scale (change_linked table). The BH adjustment is made within each kind of comparison.")],
              [1.6, 1.4, 1.4, 1.4, 3.4, 1.2, 1.4])


def _trend_table(doc: ReportDocument, trend: pd.DataFrame, config: dict, L: Language, level: str) -> None:
    rows_df = trend[trend["breakdown"].astype(str).isin(["city", "district"]) & (trend["level"].astype(str) == level)]
    if not len(rows_df):
        return
    header = [L.t("地区", "Area"), L.t("轮数", "Rounds"), L.t("年均变化，百分点（95%CI）", "Change a year, points (95% CI)"),
              L.t("P值", "p"), L.t("偏离线性P值", "p (departure from linearity)")]
    rows = [[L.col(r, "label"), str(int(r["n_rounds"])) if pd.notna(r.get("n_rounds")) else "",
             f"{pp_text(r.get('slope'), 2)}（{pp_ci_text(r.get('slope_ci_low'), r.get('slope_ci_high'), L)}）"
             if L.lang == "zh" else
             f"{pp_text(r.get('slope'), 2)} ({pp_ci_text(r.get('slope_ci_low'), r.get('slope_ci_high'), L)})",
             p_text(r.get("p_value")), p_text(r.get("nonlinearity_p"))] for _, r in rows_df.iterrows()]
    lz, le = level_names(config, level)
    doc.table(L.t(f"{lz}比例的线性趋势", f"Linear trend of the share with {le}"), header, rows,
              sources_line(L, "assessment/trend.csv"),
              [L.t("各轮为独立样本：以各轮估计的设计方差倒数为权，对调查年份作加权最小二乘回归（Korn & Graubard 1999）；"
                   "偏离线性检验为残差的卡方检验（自由度为轮数减2）。",
                   "The rounds are independent samples: weighted least squares of the round estimates on the year, "
                   "weighted by the inverse design variances (Korn & Graubard 1999); departure from linearity is "
                   "the residuals' chi-square test on rounds minus 2 degrees of freedom.")],
              [3.0, 1.2, 4.2, 1.4, 2.6])


def rounds_section(doc: ReportDocument, tables: Mapping[str, pd.DataFrame], config: dict, L: Language,
                   level: str) -> None:
    """Every round in the report: the rounds used, the change between every pair, the trend.

    A subsection of the summary of findings, written only when the config has more than two
    rounds.

    Parameters
    ----------
    doc : ReportDocument
    tables : mapping of str to DataFrame
        The report's tables (``change`` and ``trend`` when written).
    config : dict
        The assessment config.
    L : Language
    level : str
        The headline level.
    """
    if len(survey_rounds(config)) <= 2:
        return
    doc.heading(L.t("各轮调查与变化趋势", "Every round and the trend"), 2)
    doc.para(rounds_statement(config, L.lang))
    trend = tables.get("trend")
    if trend is not None:
        statement = trend_statement(trend, config, L.lang)
        if statement:
            doc.para(statement)
    if tables.get("change") is not None:
        _pairs_table(doc, tables["change"], config, L, level)
    if trend is not None:
        _trend_table(doc, trend, config, L, level)
