"""The report's front matter: the cover (issuing body, date, version from the config), the
one-page highlights, the symbol legend, and the level descriptors (what a resident at each level
can do).
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

from literacy.assessment.schedule import is_midterm_assessment, survey_rounds
from literacy_flows.report.docx_builder import ReportDocument
from literacy_flows.report.document_text import Language, level_names, round_label
from literacy_flows.report.findings import highlight_lines

__all__ = ["cover_page", "highlights_page", "symbol_legend", "level_descriptors", "report_kind"]


def report_kind(config: dict, L: Language) -> str:
    """终期评估报告 / End-of-period evaluation report (the document's kind, on the cover and in its title).

    Parameters
    ----------
    config : dict
    L : Language

    Returns
    -------
    str
    """
    if is_midterm_assessment(config):
        return L.t("中期评估报告", "Mid-term evaluation report")
    return L.t("终期评估报告", "End-of-period evaluation report")


def _version(cover: Mapping, L: Language) -> str:
    version = str(cover.get("version") or "draft")
    return L.t("征求意见稿", "Draft for comment") if version == "draft" else L.t(f"版本 {version}", f"Version {version}")


def cover_page(doc: ReportDocument, config: dict, tables: Mapping[str, pd.DataFrame], L: Language) -> None:
    """The cover: the plan's name, the report's kind, the rounds compared, the issuing body, date and version.

    Parameters
    ----------
    doc : ReportDocument
    config : dict
        The assessment config (``assessment``, ``reporting.cover``).
    tables : mapping of str to DataFrame
        The output tables (``headline`` names the rounds).
    L : Language
    """
    a = config["assessment"]
    cover = (config.get("reporting") or {}).get("cover") or {}
    for _ in range(4):
        doc.para("")
    for text, style in ((a.get(f"name_{L.lang}") or a.get("name_zh") or "", "Title"),
                        (report_kind(config, L), "Subtitle")):
        p = doc.para(text, style=style)
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    labels = [round_label(config, r.id, L) for r in survey_rounds(config)]   # every round, in year order
    p = doc.para(L.t("　—　", " — ").join(labels))
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.space_before = Pt(24)
    p = doc.para(_version(cover, L), bold=True)
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for _ in range(8):
        doc.para("")
    issuer = cover.get(f"issuer_{L.lang}") or cover.get("issuer_zh") or ""
    date = (cover.get("date_en") or cover.get("date")) if L.lang == "en" else cover.get("date")
    for text in (issuer, date or ""):
        if text:
            p = doc.para(text, style="Subtitle")
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p = doc.para(L.t("本报告由评估流程根据本次评估的输出表起草，数字均取自输出表；文字部分（特别是“存在问题与建议”）为草稿，"
                     "请审阅修改后定稿。",
                     "Drafted by the assessment pipeline from this assessment's output tables, from which every "
                     "figure comes; the text (the problems and recommendations above all) is a draft to review and "
                     "edit before it is issued."), style="Table Note")
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.page_break()


def highlights_page(doc: ReportDocument, tables: Mapping[str, pd.DataFrame], config: dict, L: Language,
                    level: str) -> None:
    """One page of highlights before the contents: the findings an evaluator cites first.

    Parameters
    ----------
    doc : ReportDocument
    tables : mapping of str to DataFrame
    config : dict
    L : Language
    level : str
        The headline level.
    """
    p = doc.para(L.t("评估要点", "Highlights"), style="Title")
    p.runs[0].font.size = Pt(16)
    doc.bullets(highlight_lines(tables, config, L, level))
    doc.page_break()


def symbol_legend(doc: ReportDocument, L: Language) -> None:
    """What the tables' symbols and blank cells mean.

    Parameters
    ----------
    doc : ReportDocument
    L : Language
    """
    doc.para(L.t("符号说明", "Symbols"), bold=True)
    doc.bullets([
        L.t("空白：不予发布（样本量不足或按NCHS比例数据发布标准不可靠），原因见表注。",
            "blank: not published (too few respondents, or unreliable by the NCHS standards for proportions); "
            "the note under the table says why."),
        L.t("†：可发布，但按NCHS标准需统计审查，解读时请谨慎。",
            "†: published, but flagged for statistical review by the NCHS standards; read with care."),
        L.t("ᴹ：模型估计（小区域Fay–Herriot模型），直接估计不可靠时采用。",
            "ᴹ: model-based (small-area Fay–Herriot model), used where the direct estimate is unreliable."),
        L.t("*：经Benjamini–Hochberg多重比较校正后仍显著（5%水平）。",
            "*: significant after the Benjamini–Hochberg adjustment for multiple comparisons (5% level)."),
        L.t("区间：95%置信区间，按复杂抽样设计计算；变化以百分点计。",
            "intervals: 95% confidence intervals from the survey design; changes in percentage points."),
    ])


def level_descriptors(doc: ReportDocument, config: dict, L: Language, source: str) -> None:
    """The literacy levels: each level's threshold and what a resident at that level can do.

    Parameters
    ----------
    doc : ReportDocument
    config : dict
        The assessment config (``scoring.levels`` with ``description_zh`` / ``description_en``).
    L : Language
    source : str
        The table's source line.
    """
    sc = config["scoring"]
    comparison = "≥" if sc.get("inclusive") else ">"
    rows = []
    for lv in sc["levels"]:
        name = level_names(config, lv["code"])[0] if L.lang == "zh" else str(lv.get("en") or lv["code"])
        rows.append([name, L.t(f"总分{comparison}{lv['threshold']:g}", f"score {comparison} {lv['threshold']:g}"),
                     str(lv.get(f"description_{L.lang}") or "")])
    if not any(r[2] for r in rows):
        return
    doc.table(L.t("科学素质水平及其含义", "The literacy levels and what they mean"),
              [L.t("素质水平", "Level"), L.t("判定标准", "Criterion"), L.t("达到该水平的公民能够", "A resident at this level")],
              rows, source, [L.t("各水平为累计：每一水平包含更高水平。", "Levels are cumulative: each includes the higher ones.")],
              [3.2, 2.4, 11.0])
