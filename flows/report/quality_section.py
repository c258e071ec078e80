"""The evaluation report's fieldwork-quality section (issue 26), drafted from ``quality/*.csv``:
the response rates against the NCES threshold, the nonresponse bias verdicts and the
representativeness of the response, and the share of interviews flagged for review.

:func:`quality_section` returns a :class:`QualitySection` (heading, paragraphs, tables) that
:meth:`QualitySection.write` draws into the report's
:class:`~literacy_flows.report.docx_builder.ReportDocument` (``doc.heading``, ``doc.para``,
``doc.table``, as the other sections do); :func:`read_quality_tables` reads the four tables of an
outputs folder. Pure wording of numbers already computed.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from literacy.catalog.formats import coefficient_text, count_text, p_value_text, share_text
from literacy.catalog.quality_tables import QUALITY_TABLE_KEYS
from literacy.catalog.tables import output_table
from literacy.catalog.vocabulary import VARIABLE_NAMES
from literacy_flows.report.document_sections import sources_line
from literacy_flows.report.document_text import Language

__all__ = ["QualitySection", "SectionTable", "quality_section", "read_quality_tables", "RESPONSE_RATE_STANDARD"]

#: NCES Statistical Standard 4-4-1 (2012): a nonresponse bias analysis below this unit response rate,
#: unless the config's ``quality.response_rate_threshold`` says otherwise.
RESPONSE_RATE_STANDARD = 0.85


@dataclass
class SectionTable:
    """One table of a section: the arguments of ``ReportDocument.table``."""

    title: str
    header: list[str]
    rows: list[list[str]]
    source: str
    notes: list[str] = field(default_factory=list)
    widths: list[float] | None = None


@dataclass
class QualitySection:
    """The fieldwork-quality section: a level-1 heading, then paragraphs and tables in order."""

    heading: str
    blocks: list = field(default_factory=list)   # str (a paragraph) or SectionTable

    def write(self, doc, level: int = 1) -> None:
        """Draw the section into a ``ReportDocument``.

        Parameters
        ----------
        doc : ReportDocument
        level : int
            The heading's level (2: a subsection of the methodology and data quality section).
        """
        doc.heading(self.heading, level)
        for block in self.blocks:
            if isinstance(block, SectionTable):
                doc.table(block.title, block.header, block.rows, block.source, block.notes, block.widths)
            else:
                doc.para(block)

    def text(self) -> str:
        """The section as plain text (heading, paragraphs, table titles and cells), for tests and logs."""
        lines = [self.heading]
        for block in self.blocks:
            if isinstance(block, SectionTable):
                lines += [block.title, " | ".join(block.header), *(" | ".join(r) for r in block.rows), *block.notes]
            else:
                lines.append(block)
        return "\n".join(lines)


def read_quality_tables(processed_dir: str | os.PathLike) -> dict[str, pd.DataFrame]:
    """The fieldwork-quality tables an outputs folder holds (``quality/<name>.csv``), by name.

    Parameters
    ----------
    processed_dir : path
        An assessment's outputs folder.

    Returns
    -------
    dict of str to DataFrame
        The tables that exist (none for an assessment written before issue 26).
    """
    out = {}
    for name in QUALITY_TABLE_KEYS:
        path = Path(processed_dir) / f"{output_table(name).path}.csv"
        if path.is_file():
            out[name] = pd.read_csv(path, dtype={"round": str, "domain": str, "category": str, "respondent_id": str,
                                                 "interviewer": str, "interviewer_id": str}, keep_default_na=True)
    return out


def _t(lang: str, zh: str, en: str) -> str:
    return zh if lang == "zh" else en


def _num(v) -> float:
    try:
        x = float(v)
    except (TypeError, ValueError):
        return math.nan
    return x


def _label(config: dict, variable: str, code, lang: str) -> str:
    """A code's label in the document's language (``survey.labels``), the code itself when unlabelled."""
    pair = ((config.get("survey") or {}).get("labels") or {}).get(variable, {}).get(str(code))
    if isinstance(pair, (list, tuple)) and len(pair) == 2:
        return str(pair[0] if lang == "zh" else pair[1])
    return str(code)


def _rates_table(rates: pd.DataFrame, config: dict, lang: str) -> SectionTable:
    w = rates[(rates["weighting"] == "weighted") & rates["breakdown"].isin(["all", "district"])]
    rows = []
    for _, r in w.iterrows():
        name = _t(lang, "全市", "City") if r["breakdown"] == "all" else _label(config, "district", r["domain"], lang)
        rows.append([str(r["round"]), name, count_text(r["cases"]),
                     *(share_text(_num(r[c]), 1) for c in ("RR1", "RR3", "COOP1", "REF1", "CON1"))])
    header = [_t(lang, "轮次", "Round"), _t(lang, "范围", "Domain"), _t(lang, "抽样个案", "Sampled cases"),
              "RR1", "RR3", "COOP1", "REF1", "CON1"]
    notes = [_t(lang, "按AAPOR《标准定义》（2023）计算，以抽样权数加权；RR3只计入估计为合格的资格未知个案；"
                      "合作率、拒访率、接触率需要个案的最终访问结果，仅有是否应答时留空。",
                "AAPOR Standard Definitions (2023), weighted by the sampling weights; RR3 counts only the share e of "
                "the cases of unknown eligibility; the cooperation, refusal and contact rates need the dispositions "
                "and are blank when only responded was delivered.")]
    return SectionTable(_t(lang, "各轮应答率（加权）", "Response rates by round (weighted)"), header, rows,
                        sources_line(Language(lang), "quality/response_rates.csv"), notes, [1.4, 2.4, 1.8, 1.4, 1.4, 1.6, 1.4, 1.4])


def _bias_table(bias: pd.DataFrame, lang: str) -> SectionTable:
    vars_ = bias[bias["kind"].isin(["share", "mean"])]
    rows = []
    for (rid, var), g in vars_.groupby(["round", "variable"], sort=False):
        first = g.iloc[0]
        before = float(g["std_bias_base"].abs().max())
        after = float(g["std_bias_calibrated"].abs().max())
        verdict = first["bias_verdict_zh"] if lang == "zh" else first["bias_verdict"]
        name = VARIABLE_NAMES.get(str(var), (str(var), str(var)))[0 if lang == "zh" else 1]
        rows.append([str(rid), name, p_value_text(_num(first["p_adjusted"])), coefficient_text(before, 3),
                     coefficient_text(after, 3), str(verdict)])
    header = [_t(lang, "轮次", "Round"), _t(lang, "抽样框变量", "Frame variable"),
              _t(lang, "BH校正P值", "BH-adjusted p"),
              _t(lang, "加权前最大标准化偏差", "Largest std. bias, sampling weights"),
              _t(lang, "校准后最大标准化偏差", "Largest std. bias, calibrated"), _t(lang, "判定", "Verdict")]
    notes = [_t(lang, "应答者与全样本（含无应答者）比较：分类变量用Rao–Scott F检验，数值变量用设计t检验，"
                      "Benjamini–Hochberg校正；标准化偏差＝（应答者估计−全样本估计）/全样本标准差。",
                "Respondents against the full sample (nonrespondents included): Rao–Scott F for a categorical "
                "variable, the design-based t test for a numeric one, Benjamini–Hochberg adjusted; standardised bias "
                "= (respondent estimate - full-sample estimate) / the full sample's SD.")]
    return SectionTable(_t(lang, "无应答偏差分析", "Nonresponse bias analysis"), header, rows,
                        sources_line(Language(lang), "quality/nonresponse_bias.csv"), notes, [1.4, 2.4, 1.8, 2.6, 2.6, 4.0])


_NCES_EN = "; NCES Statistical Standard 4-4-1 asks for the nonresponse bias analysis below"


def _rate_sentences(rates: pd.DataFrame, threshold: float, lang: str) -> list[str]:
    out = []
    city = rates[(rates["weighting"] == "weighted") & (rates["breakdown"] == "all")]
    for _, r in city.iterrows():
        rr = _num(r["RR3"]) if not math.isnan(_num(r["RR3"])) else _num(r["RR1"])
        below = rr < threshold
        out.append(_t(lang,
                      f"{r['round']}年加权应答率（AAPOR RR3）为{share_text(rr, 1)}，"
                      f"{'低于' if below else '不低于'}{share_text(threshold, 0)}的阈值"
                      f"{'，按NCES统计标准4-4-1须开展无应答偏差分析（见下表）' if below else ''}。",
                      f"{r['round']}: the weighted response rate (AAPOR RR3) is {share_text(rr, 1)}, "
                      f"{'below' if below else 'not below'} the {share_text(threshold, 0)} threshold"
                      f"{_NCES_EN if below else ''}."))
        if r["dispositions"] != "delivered":
            out.append(_t(lang, "本轮未提供个案的最终访问结果，应答率仅由是否应答计算。",
                          "This round delivered no dispositions: the rate follows from responded alone."))
    return out


def _representativeness(bias: pd.DataFrame, lang: str) -> list[str]:
    p = bias[bias["kind"] == "propensity"]
    out = []
    for rid, g in p.groupby("round", sort=False):
        v = dict(zip(g["category"].astype(str), g["full_sample"]))
        out.append(_t(lang,
                      f"{rid}年应答倾向的R指标为{coefficient_text(v.get('r_indicator'), 3)}，变异系数为"
                      f"{coefficient_text(v.get('cv'), 3)}；任一应答者均值的绝对标准化偏差不超过"
                      f"{coefficient_text(v.get('max_bias'), 3)}（Schouten等，2009）。",
                      f"{rid}: R-indicator of the response propensities {coefficient_text(v.get('r_indicator'), 3)}, "
                      f"coefficient of variation {coefficient_text(v.get('cv'), 3)}; the absolute standardised bias "
                      f"of any respondent mean is at most {coefficient_text(v.get('max_bias'), 3)} (Schouten et al. "
                      f"2009)."))
    return out


def _flag_sentences(dq: pd.DataFrame | None, iv: pd.DataFrame | None, lang: str) -> list[str]:
    out = []
    if iv is None or not len(iv):
        return [_t(lang, "本次交付未提供访员编号，未评估访员效应。",
                   "The delivery names no interviewers: interviewer effects were not assessed.")]
    for rid, g in iv.groupby("round", sort=False):
        total = g[g["interviewer"] == "all"].iloc[0]
        n = _num(total["interviews"])
        rows = dq[dq["round"].astype(str) == str(rid)] if dq is not None else pd.DataFrame()
        counts = {c: int(rows[c].astype(str).str.lower().eq("true").sum()) if len(rows) else 0
                  for c in ("speeder", "straightliner", "near_duplicate")}
        exact = int(rows["exact_duplicate_of"].notna().sum()) if len(rows) else 0
        outliers = int(g["outlier"].astype(str).str.lower().eq("true").sum())
        out.append(_t(lang,
                      f"{rid}年共{count_text(n)}份访问中，{count_text(len(rows))}份（{share_text(len(rows) / n, 1)}）"
                      f"被标记待复核：过快{counts['speeder']}份、直线作答{counts['straightliner']}份、完全重复{exact}份、"
                      f"近似重复{counts['near_duplicate']}份；{outliers}名访员的受访者得分在调整构成后明显偏离同伴；"
                      f"访员内相关系数{coefficient_text(total['icc'], 3)}（含访员与社区的共同影响）。",
                      f"{rid}: of {count_text(n)} interviews, {count_text(len(rows))} "
                      f"({share_text(len(rows) / n, 1)}) are flagged for review: {counts['speeder']} speeders, "
                      f"{counts['straightliner']} straight-liners, {exact} exact and {counts['near_duplicate']} near "
                      f"duplicates; {outliers} interviewer(s) whose respondents score apart from their peers' after "
                      f"adjusting for composition; intra-interviewer correlation {coefficient_text(total['icc'], 3)} "
                      f"(interviewers and their communities together)."))
    return out


def quality_section(tables: Mapping[str, pd.DataFrame], config: dict, lang: str) -> QualitySection:
    """The report's fieldwork-quality section, drafted from the quality tables.

    Parameters
    ----------
    tables : mapping of str to DataFrame
        ``response_rates``, ``nonresponse_bias``, ``data_quality``, ``interviewers``
        (:func:`read_quality_tables`); a missing one leaves its part out with a sentence.
    config : dict
        The assessment config (``quality.response_rate_threshold``).
    lang : {"zh", "en"}

    Returns
    -------
    QualitySection
    """
    threshold = _num(((config.get("quality") or {}).get("response_rate_threshold")))
    threshold = RESPONSE_RATE_STANDARD if math.isnan(threshold) else threshold
    section = QualitySection(_t(lang, "调查执行质量", "Fieldwork quality"))
    rates, bias = tables.get("response_rates"), tables.get("nonresponse_bias")
    if rates is None and bias is None:
        section.blocks.append(_t(lang, "本次评估未生成调查执行质量表（quality/ 不存在），本节从略。",
                                 "This assessment wrote no fieldwork-quality tables (quality/ is absent), so this "
                                 "section is left out."))
        return section
    if rates is not None:
        section.blocks += _rate_sentences(rates, threshold, lang)
        section.blocks.append(_rates_table(rates, config, lang))
    if bias is not None:
        section.blocks.append(_bias_table(bias, lang))
        section.blocks += _representativeness(bias, lang)
    section.blocks += _flag_sentences(tables.get("data_quality"), tables.get("interviewers"), lang)
    section.blocks.append(_t(lang, "被标记的访问只列出供复核，未从估计中剔除（除非配置文件的剔除规则另有规定）；"
                                   "清单见工作簿的“访问质量”与“访问员”工作表。",
                             "Flagged interviews are listed for review, not removed from the estimates (unless "
                             "the config's exclusion rule says so); the lists are the workbook's Interview quality "
                             "and Interviewers sheets."))
    return section
