"""The evaluation report's sections, each drafted from the output tables into a
:class:`~literacy_flows.report.docx_builder.ReportDocument`: the title page and contents, the
summary, the levels, districts and key groups, the scorecard, what drives literacy (with the
small areas and the linked scale), and the methodology.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from pathlib import Path

import pandas as pd
from docx.enum.text import WD_TAB_ALIGNMENT, WD_TAB_LEADER
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from literacy.catalog.sheets import SHEET_TITLES
from literacy.catalog.vocabulary import SOURCE_LABELS, SUPPRESSED_NOTE, VERDICT_COUNTS, VERDICT_LABELS
from literacy_flows.report.document_text import (Language, VERDICTS, as_flag, as_number, as_text, ci_text, fixed_text,
                                                 int_text, is_missing, level_names, p_text, pct_text,
                                                 pp_ci_text, pp_text, round_label, summary_sentences,
                                                 assessed_stage, reason_text, headline_values)
from literacy_flows.report.docx_builder import ReportDocument
from literacy_flows.report.figures import forest_png
from literacy_flows.report.findings import baseline_statement, comparability_statement, problems, target_statement
from literacy_flows.report.front_matter import level_descriptors, symbol_legend
from literacy_flows.report.report_labels import (NCHS_SOURCE, category_order, code_label, methodology_value,
                                                 reliability_text, variable_name, yes_no)

__all__ = ["contents", "fill_contents", "summary_section", "districts_section", "groups_section",
           "scorecard_section", "drivers_section", "methodology_section", "problems_section", "sources_line",
           "missing_section"]


# --------------------------------------------------------------------------- table helpers
def _suppression_notes(rows: pd.DataFrame, L: Language, name_of: Callable[[Mapping], str]) -> list[str]:
    """One note listing the blank (suppressed) cells of a table and why."""
    items = []
    for _, r in rows.iterrows():
        if as_flag(r.get("suppressed")):
            reason = reason_text(r.get("suppression_reason"), L) or L.pair(SUPPRESSED_NOTE)
            items.append(f"{name_of(r)}（{reason}）" if L.lang == "zh" else f"{name_of(r)} ({reason})")
    if not items:
        return []
    return [L.t("空白单元格为不予发布的数据（样本量不足或按NCHS比例数据发布标准不可靠）：" + "；".join(items) + "。",
                "Blank cells are not published (too few respondents, or unreliable by the NCHS standards for "
                "proportions): " + "; ".join(items) + ".")]


def _reliability_note(rows: pd.DataFrame, L: Language) -> list[str]:
    flagged = any(str(r.get(c)) == "review" for _, r in rows.iterrows()
                  for c in ("baseline_reliability", "endline_reliability"))
    if not flagged:
        return []
    return [L.t("标注“†”的数值按NCHS标准需统计审查（可发布，但精度有限，解读时请谨慎）。",
                "Values marked † are flagged for statistical review by the NCHS standards (published, but read "
                "them with care).")]


def _share_cell(row: Mapping, prefix: str) -> str:
    """'12.3% (10.1% – 14.6%)' of a round, blank when suppressed, † when flagged for review."""
    v = row.get(prefix)
    if is_missing(v):
        return ""
    mark = "†" if str(row.get(f"{prefix}_reliability")) == "review" else ""
    return f"{pct_text(v)}{mark}\n({ci_text(row.get(f'{prefix}_ci_low'), row.get(f'{prefix}_ci_high'), sep='–')})"


def _change_cell(row: Mapping, L: Language) -> str:
    v = row.get("change")
    if is_missing(v):
        return ""
    return f"{pp_text(v)}\n({pp_ci_text(row.get('change_ci_low'), row.get('change_ci_high'), L)})"


def _bh_lookup(tables: Mapping[str, pd.DataFrame]) -> dict[tuple[str, str, str], tuple[float, bool]]:
    """(breakdown, domain, level) -> (BH-adjusted p, significant) from change.csv, when it has them."""
    ch = tables.get("change")
    if ch is None or "p_value_bh" not in ch.columns:
        return {}
    if {"from_round", "to_round"} <= set(ch.columns):   # every pair: the tables compare the headline pair
        h = headline_values(tables["headline"])
        ch = ch[(ch["from_round"].astype(str) == str(h.get("baseline_round")))
                & (ch["to_round"].astype(str) == str(h.get("endline_round")))]
    out = {}
    for _, r in ch.iterrows():
        out[(str(r["breakdown"]), str(r["domain"]), str(r["level"]))] = (
            as_number(r.get("p_value_bh")), as_flag(r.get("significant_bh")))
    return out


def _verdict_text(row: Mapping, L: Language) -> str:
    v = row.get("verdict")
    if is_missing(v):
        return ""
    label = row.get(f"verdict_{L.lang}")
    return as_text(label) if not is_missing(label) else VERDICTS.get(str(v), (str(v), str(v)))[0 if L.lang == "zh" else 1]


def _comparison_table(doc: ReportDocument, df: pd.DataFrame, level: str, title: str, source: str, L: Language,
                      tables: Mapping[str, pd.DataFrame], lead: bool = False, verdict: bool = True,
                      config: dict | None = None) -> pd.DataFrame:
    """An evaluator table (two rounds side by side) at one level: share (CI), n, change (CI), verdict."""
    rows_df = df[df["level"].astype(str) == level].reset_index(drop=True)
    if not len(rows_df):
        doc.para(L.t("该表没有数据。", "The table has no rows."))
        return rows_df
    first = rows_df.iloc[0]
    base_r, end_r = as_text(first.get("baseline_round")), as_text(first.get("endline_round"))
    bh = _bh_lookup(tables)
    header, widths = [L.t("子总体", "Domain")], [2.3]
    if lead:
        header.append(L.t("牵头部门", "Lead department"))
        widths.append(2.3)
    header += [L.t(f"{base_r}年比例\n（95%CI）", f"{base_r} share\n(95% CI)"),
               L.t(f"{end_r}年比例\n（95%CI）", f"{end_r} share\n(95% CI)"),
               L.t(f"{end_r}年\n样本量", f"{end_r}\nn"),
               L.t("变化，百分点\n（95%CI）", "Change, points\n(95% CI)")]
    widths += [2.6, 2.6, 1.3, 2.6]
    if bh:
        header.append(L.t("BH校正P值", "BH-adjusted p"))
        widths.append(1.4)
    judged = verdict and "verdict" in rows_df.columns
    if judged and "target" in rows_df.columns:
        header.append(L.t("按期进度值", "Due by then") if assessed_stage(config, L, True) == L.t("中期", "Mid-term")
                      else L.t("目标", "Target"))
        widths.append(1.4)
    if judged:
        header.append(L.header("verdict"))
        widths.append(2.0)
    rows = []
    for _, r in rows_df.iterrows():
        values = [L.col(r, "label")]
        if lead:
            values.append(L.col(r, "lead"))
        values += [_share_cell(r, "baseline"), _share_cell(r, "endline"), int_text(r.get("endline_n")), _change_cell(r, L)]
        if bh:
            p, sig = bh.get((str(r["breakdown"]), str(r["domain"]), level), (math.nan, False))
            values.append(p_text(p) + ("*" if sig and not math.isnan(p) else ""))
        if judged and "target" in rows_df.columns:
            values.append(pct_text(r.get("target")))
        if judged:
            values.append(L.pair(VERDICT_LABELS[str(r["verdict"])]) if str(r.get("verdict")) in VERDICT_LABELS
                          else _verdict_text(r, L).split("（")[0].split(" (")[0])
        rows.append(values)
    notes = _suppression_notes(rows_df, L, lambda r: L.col(r, "label")) + _reliability_note(rows_df, L)
    notes.append(L.t(f"比例为加权估计；95%置信区间与标准误按复杂抽样设计（分层、整群、事后加权）计算；"
                     f"变化＝{assessed_stage(config, L)}减基线。",
                     "Weighted shares; 95% CIs and SEs are design-based (strata, clusters, raking accounted for); "
                     f"change = {assessed_stage(config, L)} minus baseline."))
    if judged and "target" in rows_df.columns:
        notes.append(target_statement(rows_df, config, L))
    if bh:
        notes.append(L.t("BH校正P值：变化检验按Benjamini–Hochberg方法控制错误发现率；“*”表示校正后显著。",
                         "BH-adjusted p: the change tests adjusted by Benjamini–Hochberg (false discovery rate); "
                         "* significant after adjustment."))
    doc.table(title, header, rows, source, notes, widths)
    return rows_df


def _one_language(note: str, L: Language) -> str:
    """A bilingual note ('English / 中文') in the document's language, without Markdown code marks."""
    note = note.replace("`", "")
    if " / " in note:
        parts = [p.strip() for p in note.split(" / ")]
        cjk = [p for p in parts if any("\u4e00" <= ch <= "\u9fff" for ch in p)]
        latin = [p for p in parts if p not in cjk]
        if cjk and latin:
            return L.t(cjk[0], latin[0])
    if note == "no report in the delivery":
        return L.t("本次交付中没有该指标的报告", "no report in the delivery")
    return note


def _in_config_order(df: pd.DataFrame, config: dict) -> pd.DataFrame:
    """Rows of a table by breakdown in the config's order, and within one, categories in the config's order."""
    if "breakdown" not in df.columns or "domain" not in df.columns:
        return df
    breakdowns = [b if isinstance(b, str) else "+".join(b) for b in config["breakdowns"]]
    b_rank = {b: i for i, b in enumerate(breakdowns)}

    def rank(r) -> tuple:
        b = str(r["breakdown"])
        order = category_order(config, b)
        d = str(r["domain"])
        return (b_rank.get(b, len(b_rank)), order.index(d) if d in order else len(order))

    keys = [rank(r) for _, r in df.iterrows()]
    return df.iloc[sorted(range(len(df)), key=lambda i: keys[i])].reset_index(drop=True)


# --------------------------------------------------------------------------- sections
def sources_line(L: Language, *files: str) -> str:
    """The source line under a table: the survey and the output tables it comes from, by their sheet names.

    Parameters
    ----------
    L : Language
    *files : str
        The files (relative to the output folder).

    Returns
    -------
    str
    """
    names = []
    for f in files:   # a table by its workbook sheet's name, not its path (the codebook maps the two)
        title = SHEET_TITLES.get(Path(f).stem)
        names.append((L.t(f"“{title.zh}”", title.en) if title else Path(f).stem))
    return L.t("公民科学素质抽样调查；本评估输出表", "the civic science literacy survey; this assessment's tables: ") + \
        L.t("、", ", ").join(names) + L.t("（见工作簿 assessment.xlsx）", " (workbook assessment.xlsx)")


def missing_section(doc: ReportDocument, L: Language, zh: str, en: str, files: str) -> None:
    """The sentence that stands for a section whose table this assessment did not write.

    Parameters
    ----------
    doc : ReportDocument
    L : Language
    zh, en : str
        What is missing, in each language.
    files : str
        The absent file(s).
    """
    doc.para(L.t(f"本次评估未生成{zh}（{files} 不存在），本节从略。",
                 f"This assessment produced no {en} ({files} is absent), so this section is left out."))


def contents(doc: ReportDocument, L: Language):
    """The table of contents' title and the paragraph its entries follow (:func:`fill_contents`)."""
    p = doc.para(L.t("目录", "Contents"), style="Title")
    p.runs[0].font.size = Pt(16)
    anchor = doc.doc.add_paragraph()
    doc.para("")
    symbol_legend(doc, L)
    doc.page_break()
    return anchor


def fill_contents(doc: ReportDocument, anchor, toc_field: bool = True) -> None:
    """A TOC field (headings 1–3) whose shown result lists every heading with a PAGEREF field.

    Word recomputes the field when the document opens (``w:updateFields``). LibreOffice shows
    a TOC field's result as it stands, without evaluating the PAGEREF fields inside it; with
    ``toc_field=False`` the entries stand alone, and LibreOffice computes their PAGEREF
    fields (the pages of the headings' bookmarks): the variant the PDF is rendered from.
    """
    def fld(par, kind: str) -> None:
        el = OxmlElement("w:fldChar")
        el.set(qn("w:fldCharType"), kind)
        par.add_run()._r.append(el)

    def instr(par, text: str) -> None:
        el = OxmlElement("w:instrText")
        el.set(qn("xml:space"), "preserve")
        el.text = f" {text} "
        par.add_run()._r.append(el)

    last = anchor
    entries = doc.headings
    for i, (level, text) in enumerate(entries, start=1):
        par = doc.doc.add_paragraph(style=f"TOC {level}")
        last._p.addnext(par._p)
        last = par
        par.paragraph_format.tab_stops.add_tab_stop(Mm(166), WD_TAB_ALIGNMENT.RIGHT, WD_TAB_LEADER.DOTS)
        if i == 1 and toc_field:
            fld(par, "begin")
            instr(par, 'TOC \\o "1-3" \\h \\z \\u')
            fld(par, "separate")
        par.add_run(f"{text}\t")
        fld(par, "begin")
        instr(par, f"PAGEREF _Toc{i:04d} \\h")
        fld(par, "separate")
        par.add_run("")
        fld(par, "end")
        if i == len(entries) and toc_field:
            fld(par, "end")
    anchor._p.getparent().remove(anchor._p)
    settings = doc.doc.settings.element
    update = OxmlElement("w:updateFields")
    update.set(qn("w:val"), "true")
    settings.append(update)


def summary_section(doc: ReportDocument, tables, config, L, level) -> None:
    """Section 1: the summary of findings (:func:`summary_sentences`), against the target, and the figure.

    Parameters
    ----------
    doc : ReportDocument
    tables : mapping of str to DataFrame
    config : dict
    L : Language
    level : str
        The headline level.
    """
    doc.heading(L.t("一、主要发现", "1. Summary of findings"), 1)
    for s in summary_sentences(tables, config, L.lang):
        doc.para(s)
    statement = comparability_statement(tables, config, L)
    if statement:
        doc.heading(L.t("两轮结果的可比性：引用哪个数字", "Comparing the rounds: which figure to cite"), 2)
        for s in statement:
            doc.para(s)
    for s in baseline_statement(tables, config, L):
        doc.heading(L.t("规划公布的基线与本评估的重估值", "The plan's published baseline and this re-estimate"), 2)
        doc.para(s)
    lines = []
    for name, zh, en in (("districts", "区", "districts"), ("key_groups", "重点人群", "key groups")):
        df = tables[name]
        df = df[(df["level"].astype(str) == level) & df.get("verdict", pd.Series(dtype=str)).notna()] \
            if "verdict" in df.columns else df.iloc[0:0]
        if not len(df):
            continue
        counts = {k: [L.col(r, "label") for _, r in df.iterrows() if str(r["verdict"]) == k]
                  for k in VERDICT_COUNTS}   # issue 23: the mid-term's codes too
        parts = []
        for k, (kzh, ken) in VERDICT_COUNTS.items():
            if counts[k]:
                parts.append(L.t(f"{kzh}：{'、'.join(counts[k])}", f"{ken}: {', '.join(counts[k])}"))
        lines.append(L.t(f"{len(df)}个{zh}中，" + "；".join(parts) + "。",
                         f"Of {len(df)} {en}, " + "; ".join(parts) + "."))
    if lines:
        doc.heading(L.t("进度情况", "Against the trajectory") if assessed_stage(config, L) == L.t("中期", "mid-term")
                    else L.t("目标达成情况", "Against the target"), 2)
        doc.bullets(lines)
    forest = forest_png(tables, level, config, L)
    if forest is not None:
        lz, le = level_names(config, level)
        doc.figure(forest, L.t(f"全市、各区及重点人群{lz}的公民比例（95%置信区间）",
                               f"Share with {le}: city, districts and key groups (95% CIs)"),
                   sources_line(L, "assessment/headline_levels.csv", "districts.csv", "key_groups.csv"))


def _levels_section(doc, tables, config, L, level) -> None:
    df = tables["headline_levels"]
    header = [L.t("素质水平", "Level"), L.t("基线比例（95%CI）", "Baseline (95% CI)"),
              L.t(f"{assessed_stage(config, L)}比例（95%CI）", f"{assessed_stage(config, L, True)} (95% CI)"), L.t("变化，百分点（95%CI）", "Change, points (95% CI)")]
    rows = [[L.col(r, "level") or as_text(r["level"]), _share_cell(r, "baseline"), _share_cell(r, "endline"),
             _change_cell(r, L)] for _, r in df.iterrows()]
    doc.heading(L.t("各素质水平", "Every literacy level"), 2)
    doc.table(L.t("全市各素质水平的公民比例", "City shares at every literacy level"), header, rows,
              sources_line(L, "assessment/headline_levels.csv"),
              _suppression_notes(df, L, lambda r: L.col(r, "level")) + _reliability_note(df, L)
              + [L.t("各水平为累计比例：每一比例均包含更高水平。", "Levels are cumulative: each share includes the higher "
                                                                   "levels.")])


def districts_section(doc, tables, config, L, level) -> None:
    """Section 2: the districts side by side (rounds, change, verdict), every literacy level and the
    population groups.

    Parameters
    ----------
    doc : ReportDocument
    tables : mapping of str to DataFrame
    config : dict
    L : Language
    level : str
        The headline level.
    """
    lz, le = level_names(config, level)
    doc.heading(L.t("二、各区", "2. Districts"), 1)
    df = tables["districts"]
    rows = df[df["level"].astype(str) == level]
    sentences = []
    for _, r in rows.iterrows():
        name = L.col(r, "label")
        if is_missing(r.get("endline")):
            sentences.append(L.t(f"{name}：{assessed_stage(config, L)}比例不予发布。",
                                 f"{name}: the {assessed_stage(config, L)} share is not published."))
            continue
        s = L.t(f"{name}：{pct_text(r['endline'])}（{ci_text(r.get('endline_ci_low'), r.get('endline_ci_high'))}）",
                f"{name}: {pct_text(r['endline'])} ({ci_text(r.get('endline_ci_low'), r.get('endline_ci_high'))})")
        if not is_missing(r.get("change")):
            s += L.t(f"，较基线变化{pp_text(r['change'])}个百分点", f", {pp_text(r['change'])} points since the baseline")
        v = _verdict_text(r, L)
        s += L.t(f"；{v}。" if v else "。", f"; {v}." if v else ".")
        sentences.append(s)
    doc.bullets(sentences)
    _comparison_table(doc, df, level, L.t(f"各区{lz}的公民比例", f"Share with {le} by district"),
                      sources_line(L, "assessment/districts.csv"), L, tables, config=config)
    _levels_section(doc, tables, config, L, level)
    if "demographics" in tables:
        doc.heading(L.t("人口特征分组", "Population groups"), 2)
        _comparison_table(doc, _in_config_order(tables["demographics"], config), level,
                          L.t(f"按性别、年龄、受教育程度和城乡分组的{lz}比例",
                              f"Share with {le} by sex, age, education and residence"),
                          sources_line(L, "assessment/demographics.csv"), L, tables, verdict=False, config=config)


def groups_section(doc, tables, config, L, level) -> None:
    """Section 3: the key groups, one by one with their lead departments, and their table.

    Parameters
    ----------
    doc : ReportDocument
    tables : mapping of str to DataFrame
    config : dict
    L : Language
    level : str
        The headline level.
    """
    lz, le = level_names(config, level)
    doc.heading(L.t("三、重点人群", "3. Key groups"), 1)
    doc.para(L.t("规划确定的重点人群及其牵头部门如下；人群按调查变量定义（见配置文件）。",
                 "The plan's key groups and their lead departments follow; membership is defined on survey "
                 "variables (see the config)."))
    df = tables["key_groups"]
    rows = df[df["level"].astype(str) == level].set_index(df[df["level"].astype(str) == level]["domain"].astype(str))
    doc.heading(L.t("各重点人群", "Group by group"), 2)
    for g in config["groups"]:
        name = g.get(L.lang) or g.get("zh") or g["code"]
        lead = g.get(f"lead_{L.lang}") or ""
        doc.heading(L.t(f"{name}（牵头部门：{lead}）", f"{name} (lead: {lead})"), 3)
        if g["code"] not in rows.index:
            doc.para(L.t("本次评估输出表中没有该人群的数据。", "The output tables hold no figures for this group."))
            continue
        r = rows.loc[g["code"]]
        if is_missing(r.get("endline")):
            reason = reason_text(r.get("suppression_reason"), L)
            doc.para(L.t(f"{assessed_stage(config, L)}比例不予发布（{reason or '样本量不足或估计不可靠'}）。",
                         f"The {assessed_stage(config, L)} share is not published ({reason or 'too few respondents or unreliable'})."))
            continue
        s = L.t(f"{assessed_stage(config, L)}{lz}的比例为{pct_text(r['endline'])}（95%置信区间 {ci_text(r.get('endline_ci_low'), r.get('endline_ci_high'))}，"
                f"样本量 {int_text(r.get('endline_n'))} 人）",
                f"{assessed_stage(config, L, True)} share {pct_text(r['endline'])} (95% CI {ci_text(r.get('endline_ci_low'), r.get('endline_ci_high'))}; "
                f"n = {int_text(r.get('endline_n'))})")
        if not is_missing(r.get("change")):
            s += L.t(f"，较基线变化{pp_text(r['change'])}个百分点（{pp_ci_text(r.get('change_ci_low'), r.get('change_ci_high'), L)}）",
                     f", a change of {pp_text(r['change'])} points since the baseline "
                     f"({pp_ci_text(r.get('change_ci_low'), r.get('change_ci_high'), L)})")
        v = _verdict_text(r, L)
        s += L.t(f"；{v}。" if v else "。", f"; {v}." if v else ".")
        doc.para(s)
    doc.heading(L.t("重点人群汇总表", "Key groups table"), 2)
    _comparison_table(doc, df, level, L.t(f"重点人群{lz}的公民比例", f"Share with {le} by key group"),
                      sources_line(L, "assessment/key_groups.csv"), L, tables, lead=True, config=config)


def scorecard_section(doc, tables, config, L) -> None:
    """Section 4: the plan's other indicators (the departments' scorecard).

    Parameters
    ----------
    doc : ReportDocument
    tables : mapping of str to DataFrame
    config : dict
    L : Language
    """
    doc.heading(L.t("四、规划其他指标", "4. The plan's other indicators"), 1)
    df = tables["scorecard"]
    doc.para(L.t("以下指标由相关部门报告，不由调查测得。", "These indicators are reported by departments, not measured by "
                                                     "the survey."))
    header = [L.t("指标", "Indicator"), L.t("牵头部门", "Lead department"), L.t("目标", "Target"), L.t("实际", "Actual"),
              L.t("单位", "Unit"), L.t("状态", "Status")]
    rows = []
    for _, r in df.iterrows():
        comparison = as_text(r.get("comparison")) or ">="
        rows.append([L.col(r, "indicator") or as_text(r.get("indicator")), L.col(r, "lead"),
                     f"{'≤' if comparison == '<=' else '≥'} {fixed_text(r.get('target'), 0) if as_number(r.get('target')).is_integer() else fixed_text(r.get('target'))}"
                     if not is_missing(r.get("target")) else "",
                     fixed_text(r.get("actual"), 0) if not math.isnan(as_number(r.get("actual"))) and as_number(r.get("actual")).is_integer()
                     else fixed_text(r.get("actual")),
                     L.col(r, "unit"), L.col(r, "status") or as_text(r.get("status"))])
    notes = []
    no_report = [L.col(r, "indicator") for _, r in df.iterrows() if str(r.get("status")) == "no_report"]
    if no_report:
        notes.append(L.t("未报告的指标实际值留空：" + "、".join(no_report) + "。",
                         "Indicators without a report have a blank actual: " + "; ".join(no_report) + "."))
    extra = sorted({_one_language(as_text(r.get("note")), L) for _, r in df.iterrows() if as_text(r.get("note"))})
    notes += extra
    doc.table(L.t("规划其他量化指标完成情况", "The plan's other quantified targets"), header, rows,
              sources_line(L, "assessment/scorecard.csv") + L.t("；目标值取自规划（配置文件），实际值取自各部门报送的指标完成情况。",
                                                          "; targets from the plan (config), actuals from the "
                                                          "departments' reports of their indicators."), notes)


def drivers_section(doc, tables, config, L, level) -> None:
    """Section 5: what drives literacy: the decomposition of the change, the determinants model, the
    association tests, the small-area figures and the change on the linked scale (where those tables exist).

    Parameters
    ----------
    doc : ReportDocument
    tables : mapping of str to DataFrame
    config : dict
    L : Language
    level : str
        The headline level.
    """
    doc.heading(L.t("五、影响因素与小区域估计", "5. What drives literacy, and small-area figures"), 1)
    # decomposition
    doc.heading(L.t("变化的构成（Kitagawa分解）", "What the change is made of (Kitagawa decomposition)"), 2)
    if "decomposition" in tables:
        d = tables["decomposition"]
        header = [L.t("素质水平", "Level"), L.t("变化（百分点）", "Change (points)"),
                  L.t("人口结构贡献", "Composition"), L.t("组内比例变化贡献", "Rates within cells"),
                  L.t("结构贡献占比", "Composition share")]
        rows = [[L.col(r, "label") or as_text(r["level"]), pp_text(r.get("change")), pp_text(r.get("composition")),
                 pp_text(r.get("rate")), pct_text(r.get("composition_share"), 0)] for _, r in d.iterrows()]
        doc.table(L.t("全市变化的分解（受教育程度×年龄组）", "Decomposition of the city's change (education × age band)"),
                  header, rows, sources_line(L, "assessment/decomposition.csv"),
                  [L.t("人口结构贡献＋组内比例变化贡献＝变化；点估计，无标准误。",
                       "Composition + rates = change; point estimates without standard errors.")])
    else:
        missing_section(doc, L, "变化分解表", "decomposition", "assessment/decomposition.csv")
    # determinants
    doc.heading(L.t("影响因素（logistic回归）", "Determinants (logistic regression)"), 2)
    if "determinants" in tables:
        d = tables["determinants"]
        rounds = sorted(d["round"].astype(str).unique()) if "round" in d.columns else [""]
        rid = rounds[-1]
        d = d[d["round"].astype(str) == rid] if "round" in d.columns else d
        d = d[d["variable"].astype(str) != "(Intercept)"]
        header = [L.header("variable"), L.t("类别", "Level"), L.header("odds_ratio"),
                  L.t("95%置信区间", "95% CI"), L.header("p_value")]
        rows = [[variable_name(as_text(r.get("variable")), L),
                 code_label(config, as_text(r.get("variable")), r.get("level"), L), fixed_text(r.get("odds_ratio")),
                 ci_text(r.get("or_ci_low"), r.get("or_ci_high"), fixed_text), p_text(r.get("p_value"))] for _, r in d.iterrows()]
        doc.table(L.t(f"{rid}年具备科学素质的影响因素（比值比）", f"Determinants of literacy in {rid} (odds ratios)"), header,
                  rows, sources_line(L, "assessment/determinants.csv"),
                  [L.t("设计加权logistic回归（准二项），各类别与参照类别比较；比值比>1表示更可能具备科学素质。",
                       "Design-weighted logistic regression (quasi-binomial); each level against the reference; an "
                       "odds ratio above 1 means more likely to be literate.")])
    else:
        missing_section(doc, L, "影响因素回归表", "determinants table", "assessment/determinants.csv")
    doc.heading(L.t("关联检验", "Tests of association"), 2)
    if "associations" in tables:
        a = tables["associations"]
        header = ([L.t("轮次", "Round")] if "round" in a.columns else []) + [
            L.header("breakdown"), L.t("F统计量", "F statistic"), L.t("分子自由度", "ndf"),
            L.t("分母自由度", "ddf"), L.header("p_value")]
        rows = [([round_label(config, as_text(r.get("round")), L)] if "round" in a.columns else []) +
                [variable_name(as_text(r.get("breakdown")), L), fixed_text(r.get("statistic")), fixed_text(r.get("ndf")), fixed_text(r.get("ddf"), 1),
                 p_text(r.get("p_value"))] for _, r in a.iterrows()]
        doc.table(L.t("科学素质与各分类变量的关联（Rao–Scott检验）", "Association of literacy with each breakdown "
                                                                   "(Rao–Scott test)"),
                  header, rows, sources_line(L, "assessment/associations.csv"),
                  [L.t("Rao–Scott二阶校正F检验，考虑复杂抽样设计。",
                       "Rao–Scott second-order corrected F test, accounting for the survey design.")])
    else:
        missing_section(doc, L, "关联检验表", "association tests", "assessment/associations.csv")
    # small area
    doc.heading(L.t("小区域估计", "Small-area figures"), 2)
    if "small_area" in tables:
        _small_area(doc, tables["small_area"], L, level)
    else:
        missing_section(doc, L, "小区域估计表", "small-area table", "assessment/small_area.csv")
    # IRT-linked scale
    doc.heading(L.t("等值量尺上的变化", "Change on the linked (IRT) scale"), 2)
    if "change_linked" in tables:
        _linked(doc, tables, L, level)
    else:
        missing_section(doc, L, "等值量尺变化表", "linked-scale change table", "assessment/change_linked.csv")


def _first(df: pd.DataFrame, *names: str) -> str | None:
    return next((n for n in names if n in df.columns), None)


def _small_area(doc, sa: pd.DataFrame, L: Language, level: str) -> None:
    """The latest round's small-area cells at the headline level: direct and model-based figures,
    the published one marked ᴹ when it is model-based (``source`` = model, 模型估计)."""
    rid = sorted(sa["round"].astype(str).unique())[-1] if "round" in sa.columns else ""
    rows_df = sa[sa["round"].astype(str) == rid] if "round" in sa.columns else sa
    if "level" in rows_df.columns:
        rows_df = rows_df[rows_df["level"].astype(str) == level]
    direct = _first(rows_df, "direct", "direct_estimate")
    model = _first(rows_df, "model_estimate", "model", "eblup")
    rmse = _first(rows_df, "model_rmse", "rmse")
    rel = _first(rows_df, "reliability", "direct_reliability")
    lo = _first(rows_df, "published_ci_low", "ci_low")
    hi = _first(rows_df, "published_ci_high", "ci_high")
    header = [L.t("单元", "Cell"), L.t("直接估计", "Direct"), L.t("直接估计可靠性", "Direct reliability"),
              L.t("模型估计", "Model-based"), L.t("RMSE", "RMSE"), L.t("发布值（95%CI）", "Published (95% CI)"),
              L.t("来源", "Source")]
    rows, marked = [], 0
    for _, r in rows_df.iterrows():
        src = as_text(r.get("source"))
        is_model = src.startswith("model")
        marked += is_model
        name = L.col(r, "label") or as_text(r.get("cell", r.get("domain")))
        pub = pct_text(r.get("published"))
        ci = ci_text(r.get(lo), r.get(hi)) if lo and hi else ""
        published = "" if not pub else pub + ("ᴹ" if is_model else "") + (f"\n({ci})" if ci else "")
        source = (L.col(r, "source") or as_text(r.get("source_label")) or
                  L.pair(SOURCE_LABELS["model" if is_model else "direct" if src == "direct" else "suppressed"]))
        rows.append([name, pct_text(r.get(direct)) if direct else "", reliability_text(r.get(rel), L) if rel else "",
                     pct_text(r.get(model)) if model else "", pct_text(r.get(rmse)) if rmse else "", published, source])
    notes = [L.t("标注“ᴹ”的发布值为模型估计（Fay–Herriot模型）：直接估计不可靠或不予发布时采用；"
                 "RMSE为模型估计的均方根误差；发布值空白表示两种估计均不予发布。",
                 "Published figures marked ᴹ are model-based (Fay–Herriot model), used where the direct "
                 "estimate is unreliable or suppressed; RMSE is the model-based estimate's root mean squared error; "
                 "a blank published figure means neither is published.")]
    if not marked:
        notes.append(L.t("本轮所有发布值均为直接估计。", "Every published figure of this round is a direct estimate."))
    notes.extend(_small_area_method_notes(rows_df, L))
    doc.table(L.t(f"{rid}年小区域估计", f"Small-area figures, {rid}"), header, rows,
              sources_line(L, "assessment/small_area.csv"), notes, [3.2, 1.9, 2.0, 1.9, 1.6, 3.2, 2.4])


def _linked(doc, tables, L: Language, level: str) -> None:
    ch = tables["change_linked"]
    if "level" in ch.columns:
        ch = ch[ch["level"].astype(str) == level]
    if "breakdown" in ch.columns:   # the city, the districts and the key groups
        ch = ch[ch["breakdown"].astype(str).isin(["city", "district", "group"])]
    header = [L.t("子总体", "Domain"), L.t("变化（百分点）", "Change (points)"), L.t("抽样标准误", "SE sampling"),
              L.t("插补标准误", "SE imputation"), L.t("等值标准误", "SE linking"), L.t("总标准误", "SE total"),
              L.t("95%CI", "95% CI"), L.t("可比", "Comparable")]
    rows = []
    for _, r in ch.iterrows():
        comparable = r.get("comparable")
        rows.append([L.col(r, "label") or as_text(r.get("domain")), pp_text(r.get("change")), fixed_text(100 * as_number(r.get("se_sampling"))),
                     fixed_text(100 * as_number(r.get("se_imputation"))), fixed_text(100 * as_number(r.get("se_linking"))),
                     fixed_text(100 * as_number(r.get("se_total"))), pp_ci_text(r.get("ci_low"), r.get("ci_high"), L),
                     yes_no(comparable, L)])
    notes = [L.t("项目反应理论等值量尺上的变化，基于合理值（plausible values）；总标准误合并抽样、插补和等值误差；"
                 "抽样误差含校准误差（项目参数、等值与合格线由同一样本估计）；标准误单位为百分点。",
                 "Change on the IRT-linked scale from plausible values; the total SE combines sampling, imputation "
                 "and linking error; the sampling error includes the calibration's (item parameters, link and cut "
                 "estimated from the same samples); SEs in percentage points.")]
    if "estimates_linked" in tables:
        el = tables["estimates_linked"]
        notes.append(L.t(f"各轮等值量尺估计见工作簿各轮的“等值估计”工作表（{len(el)}行，含合理值个数与缺失信息比例）。",
                         f"The per-round linked estimates are in the workbook's \"Linked\" sheets of each round "
                         f"({len(el)} rows, with the number of plausible values and the fraction of missing "
                         f"information)."))
    doc.table(L.t("等值量尺上的变化及其误差构成", "Change on the linked scale and its error components"), header, rows,
              sources_line(L, "assessment/change_linked.csv"), notes)


def methodology_section(doc, tables, config, L) -> None:
    """Section 6: methodology and data quality, and the cells not published.

    Parameters
    ----------
    doc : ReportDocument
    tables : mapping of str to DataFrame
    config : dict
    L : Language
    """
    doc.heading(L.t("六、方法与数据质量", "6. Methodology and data quality"), 1)
    m = tables["methodology"]
    rounds = [str(r["id"]) for r in config["rounds"]]
    sections = [("sample", "样本与应答率", "Sample and response rates"), ("design", "抽样设计", "Sampling design"),
                ("weighting", "加权", "Weighting"), ("estimation", "估计方法", "Estimation"),
                ("reliability", "可靠性规则", "Reliability rules"), ("scoring", "评分规则", "Scoring")]
    for code, zh, en in sections:
        part = m[m["section"].astype(str) == code]
        if not len(part):
            continue
        doc.heading(L.t(zh, en), 2)
        per_round = part[part["round"].notna() & (part["round"].astype(str) != "")]
        whole = part[~part.index.isin(per_round.index)]
        if len(per_round):
            items = list(dict.fromkeys(per_round["item"].astype(str)))
            header = [L.t("项目", "Item")] + [round_label(config, r, L) for r in rounds]
            rows = []
            for item in items:
                sub = per_round[per_round["item"].astype(str) == item]
                row = [L.col(sub.iloc[0], "label")]
                for rid in rounds:
                    hit = sub[sub["round"].astype(str) == rid]
                    if not len(hit):
                        row.append("")
                        continue
                    row.append(methodology_value(hit.iloc[0], config, L))
                rows.append(row)
            doc.table(L.t(zh, en), header, rows, sources_line(L, "assessment/methodology.csv"), [])
        for _, r in whole.iterrows():
            doc.para(f"{L.col(r, 'label')}{L.t('：', ': ')}{methodology_value(r, config, L)}")
        if code == "scoring":
            level_descriptors(doc, config, L, L.t("评估配置文件（素质水平定义）", "the config (scoring.levels)"))
        if code == "reliability" and whole["item"].astype(str).str.startswith("nchs:").any():
            doc.para(L.t(f"以上阈值依据{NCHS_SOURCE[0]}。", f"These thresholds follow the {NCHS_SOURCE[1]}."),
                     style="Table Note")
    # suppressed cells, and why
    doc.heading(L.t("不予发布的单元格", "Cells not published"), 2)
    listed = []
    for name in ("headline_levels", "districts", "key_groups", "demographics"):
        df = tables.get(name)
        if df is None:
            continue
        for _, r in df.iterrows():
            if as_flag(r.get("suppressed")):
                listed.append(f"{L.col(r, 'label')} · {L.col(r, 'level') or as_text(r.get('level'))}"
                              f"{L.t('：', ': ')}{reason_text(r.get('suppression_reason'), L)}")
    if listed:
        doc.para(L.t("以下单元格因样本量低于最小发布样本量或按NCHS标准不可靠而留空（不予发布）：",
                     "These cells are blank (not published): fewer respondents than the minimum, or unreliable by "
                     "the NCHS standards:"))
        doc.bullets(listed)
    else:
        doc.para(L.t("本报告各表中没有不予发布的单元格。", "No cell of the report's tables is suppressed."))
    doc.para(L.t("各区内重点人群（区×重点人群）的估计样本量较小，见工作簿的“区内重点人群”工作表及其可靠性标识。",
                 "Key groups within districts have small samples: see the workbook's \"District groups\" sheet "
                 "and its reliability flags."))


#: The estimators of sigma2_u, as the report names them (zh, en).
SIGMA2_METHODS = {
    "AMRL": ("Li–Lahiri调整残差似然（AMRL）", "Li and Lahiri's adjusted residual likelihood (AMRL)"),
    "AMPL": ("Li–Lahiri调整剖面似然（AMPL）", "Li and Lahiri's adjusted profile likelihood (AMPL)"),
    "AMRL_YL": ("Yoshimori–Lahiri调整残差似然（AMRL_YL）", "Yoshimori and Lahiri's adjusted residual likelihood (AMRL_YL)"),
    "AMPL_YL": ("Yoshimori–Lahiri调整剖面似然（AMPL_YL）", "Yoshimori and Lahiri's adjusted profile likelihood (AMPL_YL)"),
    "REML": ("限制极大似然（REML）", "restricted maximum likelihood (REML)"),
    "ML": ("极大似然（ML）", "maximum likelihood (ML)"),
    "FH": ("Fay–Herriot矩估计", "the Fay–Herriot moment estimator"),
}


def _small_area_method_notes(rows: pd.DataFrame, L: Language) -> list[str]:
    """What the statistician needs to know about the model: the estimator of sigma2_u, zero
    estimates, and how the model-based MSE was made (``sigma2_method``, ``mse_method``)."""
    notes = []
    methods = [m for m in dict.fromkeys(rows.get("sigma2_method", pd.Series(dtype=str)).astype(str)) if m]
    if methods:
        zh = "、".join(SIGMA2_METHODS.get(m, (m, m))[0] for m in methods)
        en = ", ".join(SIGMA2_METHODS.get(m, (m, m))[1] for m in methods)
        notes.append(L.t(f"模型的区域效应方差σ²用{zh}估计。", f"The model's area-effect variance σ² is estimated by {en}."))
    sigma2 = pd.to_numeric(rows.get("sigma2_u", pd.Series(dtype=float)), errors="coerce")
    if (sigma2 == 0).any():
        notes.append(L.t("部分模型的σ²估计为0：这些单元的模型估计完全是回归预测（合成估计），其误差不含区域效应部分；"
                         "调整似然（AMRL）不会估计为0。",
                         "σ² was estimated at 0 for some models: their cells' model-based figures are pure regression "
                         "predictions (synthetic), and their error has no area-effect part; an adjusted likelihood "
                         "(AMRL) never estimates 0."))
    mse = set(rows.get("mse_method", pd.Series(dtype=str)).astype(str))
    if mse & {"bootstrap", "bootstrap_benchmarked"}:
        notes.append(L.t("模型估计的RMSE与区间来自参数自助法"
                         + ("；可加总到区的单元在每次自助中都重新基准化到区的直接估计，因此包含基准本身的抽样误差" if
                            "bootstrap_benchmarked" in mse else "") + "。",
                         "The model-based RMSE and intervals come from the parametric bootstrap"
                         + ("; cells that add up to their district are re-benchmarked to the district's direct "
                            "estimate in every replicate, so the benchmark's own sampling error is included" if
                            "bootstrap_benchmarked" in mse else "") + "."))
    return notes


def problems_section(doc: ReportDocument, tables, config, L: Language, level: str) -> None:
    """Section 7: the drafted problems and recommendations (:func:`literacy_flows.report.findings.problems`),
    marked as a draft to edit.

    Parameters
    ----------
    doc : ReportDocument
    tables : mapping of str to DataFrame
    config : dict
    L : Language
    level : str
        The headline level.
    """
    doc.heading(L.t("七、存在问题与建议（草稿）", "7. Problems and recommendations (draft)"), 1)
    doc.para(L.t("以下内容由评估流程根据本报告的数字自动起草，供评估组审阅、修改和补充，定稿前请删除本说明。",
                 "Drafted by the pipeline from this report's figures, for the evaluation team to review, edit and "
                 "complete; delete this line before the report is issued."), style="Table Note")
    items = problems(tables, config, L, level)
    if not items:
        doc.para(L.t("本次评估的数字未显示需要特别说明的问题。", "The figures show no problem that needs a word here."))
        return
    doc.heading(L.t("存在问题", "Problems"), 2)
    doc.bullets([p for p, _ in items])
    doc.heading(L.t("下一步工作建议", "Recommendations"), 2)
    doc.bullets(list(dict.fromkeys(r for _, r in items)))
