"""The human-facing pieces of the report: headline table and text, Excel workbook, artifacts' tables.

Pure formatting of tables already computed (no estimation here). Every label is bilingual:
column headers carry a Chinese and an English row, headline figures a zh and an en label.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["COLUMN_LABELS", "headline_table", "headline_text", "markdown_headline", "build_workbook",
           "table_records", "fmt_pct"]

#: Column code -> (zh, en) header labels of every output table.
COLUMN_LABELS: dict[str, tuple[str, str]] = {
    "round": ("调查轮次", "Round"),
    "breakdown": ("分类", "Breakdown"),
    "domain": ("子总体代码", "Domain code"),
    "label_zh": ("子总体", "Domain (zh)"),
    "label_en": ("子总体（英文）", "Domain"),
    "level": ("素质水平", "Literacy level"),
    "estimate": ("比例估计", "Estimated share"),
    "se": ("标准误", "Standard error"),
    "ci_low": ("95%置信区间下限", "95% CI lower"),
    "ci_high": ("95%置信区间上限", "95% CI upper"),
    "df": ("自由度", "Degrees of freedom"),
    "n": ("样本量", "Respondents (n)"),
    "deff": ("设计效应", "Design effect"),
    "cv": ("变异系数", "Coefficient of variation"),
    "population": ("推断人口数", "Estimated population"),
    "baseline_round": ("基线轮次", "Baseline round"),
    "endline_round": ("末期轮次", "End-of-period round"),
    "baseline": ("基线比例", "Baseline share"),
    "baseline_se": ("基线标准误", "Baseline SE"),
    "endline": ("末期比例", "End-of-period share"),
    "endline_se": ("末期标准误", "End-of-period SE"),
    "change": ("变化（百分点）", "Change"),
    "p_value": ("P值", "p-value"),
    "target": ("目标值", "Target"),
    "verdict": ("目标判定", "Verdict"),
    "verdict_zh": ("目标判定（中文）", "Verdict (zh)"),
    "national_rate": ("全国水平", "National rate"),
    "national_year": ("全国数据年份", "National figure year"),
    "gap_to_national": ("与全国差距", "Gap to national"),
    "versus_national": ("与全国比较", "Versus national"),
    "change_ci_low": ("变化置信区间下限", "Change CI lower"),
    "change_ci_high": ("变化置信区间上限", "Change CI upper"),
    "change_p_value": ("变化P值", "Change p-value"),
    "stage": ("加权阶段", "Weighting stage"),
    "stage_zh": ("加权阶段（中文）", "Stage (zh)"),
    "stage_en": ("加权阶段（英文）", "Stage"),
    "sum_weights": ("权数之和", "Sum of weights"),
    "deff_weighting": ("加权设计效应", "Weighting design effect"),
    "n_effective": ("有效样本量", "Effective sample size"),
    "min": ("最小权数", "Minimum weight"),
    "max": ("最大权数", "Maximum weight"),
    "max_min_ratio": ("最大/最小权数比", "Max/min weight ratio"),
    "key": ("指标代码", "Key"),
    "value": ("数值", "Value"),
    "truth": ("模拟真值", "Simulated truth"),
    "covered": ("置信区间覆盖真值", "CI covers truth"),
    "error": ("估计误差", "Estimation error"),
}

_PCT = "0.00%"
_NUMBER_FORMATS = {
    "estimate": _PCT, "se": _PCT, "ci_low": _PCT, "ci_high": _PCT, "baseline": _PCT, "baseline_se": _PCT,
    "endline": _PCT, "endline_se": _PCT, "change": "+0.00%;-0.00%;0.00%", "change_ci_low": "+0.00%;-0.00%;0.00%",
    "change_ci_high": "+0.00%;-0.00%;0.00%", "target": "0.0%", "national_rate": _PCT,
    "gap_to_national": "+0.00%;-0.00%;0.00%", "truth": _PCT, "error": "+0.00%;-0.00%;0.00%",
    "cv": "0.0%", "deff": "0.00", "deff_weighting": "0.00", "df": "0", "n": "#,##0", "population": "#,##0",
    "sum_weights": "#,##0", "n_effective": "#,##0.0", "min": "#,##0.0", "max": "#,##0.0", "max_min_ratio": "0.0",
    "p_value": "0.0000", "change_p_value": "0.0000", "national_year": "0",
}

#: The headline figures: key -> (zh, en, kind); kind "pct", "pp" (a change in points), "int", "text".
HEADLINE_KEYS: dict[str, tuple[str, str, str]] = {
    "level": ("指标", "Indicator", "text"),
    "baseline_round": ("基线轮次", "Baseline round", "text"),
    "baseline": ("基线比例", "Baseline share", "pct"),
    "baseline_ci_low": ("基线95%置信区间下限", "Baseline 95% CI lower", "pct"),
    "baseline_ci_high": ("基线95%置信区间上限", "Baseline 95% CI upper", "pct"),
    "endline_round": ("末期轮次", "End-of-period round", "text"),
    "endline": ("末期比例", "End-of-period share", "pct"),
    "endline_se": ("末期标准误", "End-of-period standard error", "pct"),
    "endline_ci_low": ("末期95%置信区间下限", "End-of-period 95% CI lower", "pct"),
    "endline_ci_high": ("末期95%置信区间上限", "End-of-period 95% CI upper", "pct"),
    "endline_n": ("末期样本量", "End-of-period respondents", "int"),
    "change": ("变化", "Change since baseline", "pp"),
    "change_ci_low": ("变化95%置信区间下限", "Change 95% CI lower", "pp"),
    "change_ci_high": ("变化95%置信区间上限", "Change 95% CI upper", "pp"),
    "change_p_value": ("变化P值", "Change p-value", "p"),
    "target": ("规划目标", "Plan target", "pct"),
    "verdict": ("目标判定", "Verdict", "text"),
    "verdict_zh": ("目标判定（中文）", "Verdict (zh)", "text"),
    "national_rate": ("全国水平", "National rate", "pct"),
    "national_year": ("全国数据年份", "National figure year", "int"),
    "versus_national": ("与全国比较", "Versus national", "text"),
    "truth": ("模拟真值（仅模拟数据）", "Simulated truth (simulation only)", "pct"),
    "truth_covered": ("置信区间覆盖模拟真值", "CI covers the simulated truth", "text"),
    "summary_zh": ("结论（中文）", "Summary (zh)", "text"),
    "summary_en": ("结论（英文）", "Summary (en)", "text"),
}

_VERDICT_EN = {"met": "target met", "not_met": "target not met",
               "inconclusive": "inconclusive (the 95% CI contains the target)"}
_VERDICT_ZH = {"met": "已达到目标", "not_met": "未达到目标", "inconclusive": "无法判定（95%置信区间包含目标值）"}


def fmt_pct(x: float, digits: int = 1) -> str:
    """12.3% (a share as a percentage)."""
    return "NA" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{100 * x:.{digits}f}%"


def fmt_pp(x: float, digits: int = 1) -> str:
    """+3.1 (a change of shares in percentage points)."""
    return "NA" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{100 * x:+.{digits}f}"


def _level_labels(config: dict, code: str) -> tuple[str, str]:
    for lv in config["scoring"]["levels"]:
        if lv["code"] == code:
            return str(lv.get("zh", code)), str(lv.get("en", code))
    return code, code


def headline_text(head: dict, config: dict, language: str = "en") -> str:
    """One or two sentences stating the headline (city rate, change, verdict)."""
    zh, en = _level_labels(config, head["level"])
    conf = int(round(100 * float(config["estimation"]["level"])))
    if language == "zh":
        return (f"{head['endline_round']}年全市{zh}的公民比例为{fmt_pct(head['endline'])}"
                f"（{conf}%置信区间 {fmt_pct(head['endline_ci_low'])}–{fmt_pct(head['endline_ci_high'])}），"
                f"较{head['baseline_round']}年变化{fmt_pp(head['change'])}个百分点"
                f"（{fmt_pp(head['change_ci_low'])}至{fmt_pp(head['change_ci_high'])}）；"
                f"对照{fmt_pct(head['target'])}的规划目标：{_VERDICT_ZH.get(head['verdict'], head['verdict'])}。")
    return (f"{en}, city {head['endline_round']}: {fmt_pct(head['endline'])} "
            f"({conf}% CI {fmt_pct(head['endline_ci_low'])} to {fmt_pct(head['endline_ci_high'])}); "
            f"change since {head['baseline_round']}: {fmt_pp(head['change'])} points "
            f"({fmt_pp(head['change_ci_low'])} to {fmt_pp(head['change_ci_high'])}); "
            f"against the {fmt_pct(head['target'])} target: {_VERDICT_EN.get(head['verdict'], head['verdict'])}.")


def headline_table(head: dict, config: dict) -> pd.DataFrame:
    """headline.csv: key, label_zh, label_en, value (as text; floats at 12 significant digits)."""
    head = dict(head)
    head["summary_zh"] = headline_text(head, config, "zh")
    head["summary_en"] = headline_text(head, config, "en")
    rows = []
    for key, (zh, en, kind) in HEADLINE_KEYS.items():
        if key not in head:
            continue
        v = head[key]
        if v is None or (isinstance(v, float) and math.isnan(v)):
            text = None
        elif isinstance(v, (bool, np.bool_)):
            text = "true" if v else "false"
        elif isinstance(v, (float, np.floating)):
            text = f"{float(v):.12g}"
        else:
            text = str(v)
        rows.append({"key": key, "label_zh": zh, "label_en": en, "value": text})
    return pd.DataFrame(rows, columns=["key", "label_zh", "label_en", "value"]).astype("string")


def markdown_headline(head: dict, config: dict, verdicts: pd.DataFrame) -> str:
    """The markdown artifact: headline sentences and the verdict table by district and group."""
    name_zh = config["assessment"].get("name_zh", "")
    name_en = config["assessment"].get("name_en", "")
    lines = [f"# {name_en}", f"**{name_zh}**", "", headline_text(head, config, "en"), "",
             headline_text(head, config, "zh"), ""]
    if "truth" in head:
        lines += [f"Simulated truth {head['endline_round']}: {fmt_pct(head['truth'])} "
                  f"({'inside' if head.get('truth_covered') else 'OUTSIDE'} the CI).", ""]
    lines += ["| Domain / 子总体 | Estimate / 估计 | 95% CI / 置信区间 | Verdict / 判定 | Change / 变化 (pp) |",
              "|---|---:|---|---|---:|"]
    for _, r in verdicts.iterrows():
        lines.append(f"| {r['label_en']} / {r['label_zh']} | {fmt_pct(r['estimate'])} | "
                     f"{fmt_pct(r['ci_low'])} – {fmt_pct(r['ci_high'])} | {r['verdict']} / {r['verdict_zh']} | "
                     f"{fmt_pp(r['change'])} |")
    return "\n".join(lines) + "\n"


def table_records(df: pd.DataFrame, columns: list[str] | None = None, digits: int = 6) -> list[dict[str, Any]]:
    """Rows as JSON-safe dicts for a Prefect table artifact (floats rounded, NaN as None)."""
    df = df if columns is None else df[columns]
    out = []
    for rec in df.to_dict(orient="records"):
        row = {}
        for k, v in rec.items():
            if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
                row[k] = None
            elif isinstance(v, (float, np.floating)):
                row[k] = round(float(v), digits)
            elif isinstance(v, (np.integer,)):
                row[k] = int(v)
            else:
                row[k] = v if isinstance(v, (int, str, bool)) else str(v)
        out.append(row)
    return out


# --------------------------------------------------------------------------- Excel
def _write_sheet(wb, title: str, df: pd.DataFrame, formats: dict[str, str] | None = None) -> None:
    """A sheet with three header rows (zh, en, column code), frozen, and number formats."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(title=title[:31])
    formats = {**_NUMBER_FORMATS, **(formats or {})}
    cols = list(df.columns)
    zh = [COLUMN_LABELS.get(c, (c, c))[0] for c in cols]
    en = [COLUMN_LABELS.get(c, (c, c))[1] for c in cols]
    ws.append(zh)
    ws.append(en)
    ws.append(cols)
    bold = Font(bold=True)
    code_font = Font(italic=True, color="808080", size=9)
    fill = PatternFill("solid", fgColor="DDEBF7")
    for j in range(1, len(cols) + 1):
        for i, font in ((1, bold), (2, bold), (3, code_font)):
            cell = ws.cell(row=i, column=j)
            cell.font = font
            cell.fill = fill
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for rec in df.itertuples(index=False, name=None):
        ws.append([_cell(v) for v in rec])
    for j, c in enumerate(cols, start=1):
        fmt = formats.get(c)
        letter = get_column_letter(j)
        if fmt and len(df):
            for (cell,) in ws.iter_rows(min_row=4, max_row=3 + len(df), min_col=j, max_col=j):
                cell.number_format = fmt
        width = max([len(str(zh[j - 1])) * 2, len(str(en[j - 1])), 8]
                    + [len(str(v)) for v in df[c].head(200).tolist() if isinstance(v, str)])
        ws.column_dimensions[letter].width = min(max(10, width + 2), 48)
    ws.freeze_panes = "A4"
    if len(df):
        ws.auto_filter.ref = f"A3:{get_column_letter(len(cols))}{3 + len(df)}"


def _cell(v):
    if v is None or v is pd.NA:
        return None
    if isinstance(v, (float, np.floating)):
        f = float(v)
        return None if math.isnan(f) or math.isinf(f) else f
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.bool_,)):
        return bool(v)
    return v


def _headline_sheet(wb, table: pd.DataFrame) -> None:
    """Headline sheet: one figure a row, numbers as numbers with percent formats."""
    from openpyxl.styles import Alignment, Font, PatternFill

    ws = wb.create_sheet(title="headline")
    ws.append(["指标", "指标（英文）", "数值", "代码"])
    ws.append(["Figure (zh)", "Figure", "Value", "Key"])
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    for i in (1, 2):
        for j in range(1, 5):
            ws.cell(row=i, column=j).font = bold
            ws.cell(row=i, column=j).fill = fill
    for rec in table.itertuples(index=False):
        kind = HEADLINE_KEYS.get(rec.key, ("", "", "text"))[2]
        value = rec.value
        fmt = None
        if value is not None and value is not pd.NA and kind in ("pct", "pp", "int", "p"):
            value = float(value)
            fmt = {"pct": "0.00%", "pp": "+0.00%;-0.00%;0.00%", "int": "#,##0", "p": "0.0000"}[kind]
            if kind == "int":
                value = int(value)
                fmt = "0" if rec.key.endswith("year") else fmt
        elif value is pd.NA:
            value = None
        ws.append([rec.label_zh, rec.label_en, value, rec.key])
        if fmt:
            ws.cell(row=ws.max_row, column=3).number_format = fmt
        if rec.key.startswith("summary"):
            ws.cell(row=ws.max_row, column=3).alignment = Alignment(wrap_text=True, vertical="top")
    ws.column_dimensions["A"].width = 30
    ws.column_dimensions["B"].width = 34
    ws.column_dimensions["C"].width = 60
    ws.column_dimensions["D"].width = 18
    ws.freeze_panes = "A3"


def build_workbook(headline: pd.DataFrame, estimates: dict[str, pd.DataFrame], change: pd.DataFrame,
                   verdicts: pd.DataFrame, weighting: pd.DataFrame, extra: dict[str, pd.DataFrame] | None = None):
    """The assessment workbook: headline, estimates per round, change, verdicts, weighting.

    Returns an openpyxl Workbook (write it with ``literacy_flows.io.write_excel`` for
    reproducible bytes).
    """
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    _headline_sheet(wb, headline)
    for rid, est in estimates.items():
        _write_sheet(wb, f"estimates_{rid}", est)
    _write_sheet(wb, "change", change)
    _write_sheet(wb, "verdicts", verdicts)
    _write_sheet(wb, "weighting", weighting)
    for name, df in (extra or {}).items():
        _write_sheet(wb, name, df)
    return wb
