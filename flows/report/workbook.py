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
    "p_value_bh": ("BH校正P值", "BH-adjusted p-value"),
    "odds_ratio": ("比值比", "Odds ratio"),
    "or_ci_low": ("比值比95%置信区间下限", "Odds ratio 95% CI lower"),
    "or_ci_high": ("比值比95%置信区间上限", "Odds ratio 95% CI upper"),
    "term": ("模型项", "Term"),
    "variable": ("变量", "Variable"),
    "reference": ("参照类别", "Reference level"),
    "statistic": ("统计量", "Statistic"),
    "ndf": ("分子自由度", "Numerator df"),
    "ddf": ("分母自由度", "Denominator df"),
    "outcome": ("因变量", "Outcome"),
    "median": ("总分中位数", "Median total score"),
    "median_ci_low": ("中位数置信区间下限", "Median CI lower"),
    "median_ci_high": ("中位数置信区间上限", "Median CI upper"),
    "p25": ("总分下四分位数", "Lower quartile of the total score"),
    "p25_ci_low": ("下四分位数置信区间下限", "Lower quartile CI lower"),
    "p25_ci_high": ("下四分位数置信区间上限", "Lower quartile CI upper"),
    "p75": ("总分上四分位数", "Upper quartile of the total score"),
    "p75_ci_low": ("上四分位数置信区间下限", "Upper quartile CI lower"),
    "p75_ci_high": ("上四分位数置信区间上限", "Upper quartile CI upper"),
    "significant_bh": ("BH校正后显著", "Significant after BH"),
    "baseline_model": ("基线模型估计", "Baseline model-based"),
    "baseline_model_ci_low": ("基线模型估计区间下限", "Baseline model CI lower"),
    "baseline_model_ci_high": ("基线模型估计区间上限", "Baseline model CI upper"),
    "baseline_published": ("基线发布值", "Baseline published"),
    "baseline_published_source": ("基线发布值来源", "Baseline published source"),
    "endline_model": ("末期模型估计", "End-of-period model-based"),
    "endline_model_ci_low": ("末期模型估计区间下限", "End-of-period model CI lower"),
    "endline_model_ci_high": ("末期模型估计区间上限", "End-of-period model CI upper"),
    "endline_published": ("末期发布值", "End-of-period published"),
    "endline_published_source": ("末期发布值来源", "End-of-period published source"),
    "direct": ("直接估计", "Direct estimate"),
    "direct_se": ("直接估计标准误", "Direct SE"),
    "direct_ci_low": ("直接估计区间下限", "Direct CI lower"),
    "direct_ci_high": ("直接估计区间上限", "Direct CI upper"),
    "deff_pooled": ("合并设计效应", "Pooled design effect"),
    "gamma": ("收缩系数γ", "Shrinkage gamma"),
    "model_estimate": ("模型估计", "Model-based estimate"),
    "model_rmse": ("模型估计均方根误差", "Model RMSE"),
    "model_cv": ("模型估计变异系数", "Model CV"),
    "model_ci_low": ("模型估计区间下限", "Model CI lower"),
    "model_ci_high": ("模型估计区间上限", "Model CI upper"),
    "is_synthetic": ("合成估计", "Synthetic"),
    "benchmark_factor": ("基准化系数", "Benchmark factor"),
    "published": ("发布值", "Published"),
    "published_ci_low": ("发布值区间下限", "Published CI lower"),
    "published_ci_high": ("发布值区间上限", "Published CI upper"),
    "source": ("发布值来源", "Source"),
    "source_zh": ("来源（中文）", "Source (zh)"),
    "source_en": ("来源（英文）", "Source (en)"),
    "population_share": ("区内人口占比", "Population share in district"),
    "psus_with_respondents": ("有应答的初级抽样单位数", "PSUs with respondents"),
    "respondents_per_psu": ("每个初级抽样单位应答人数", "Respondents per PSU"),
    "rho": ("群内相关系数", "Intra-PSU correlation"),
    "planned_per_psu": ("计划每单位应答人数", "Planned respondents per PSU"),
    "deff_planned": ("计划设计效应", "Planned design effect"),
    "response_rate": ("应答率", "Response rate"),
    "n_eff_required": ("所需有效样本量", "Effective sample size required"),
    "respondents": ("所需应答人数", "Respondents required"),
    "sampled_adults": ("所需抽样人数", "Adults to sample"),
    "psus": ("所需初级抽样单位数", "PSUs required"),
    "detectable_change": ("可检测最小变化", "Detectable change"),
    "stage": ("加权阶段", "Weighting stage"),
    "stage_zh": ("加权阶段（中文）", "Stage (zh)"),
    "stage_en": ("加权阶段（英文）", "Stage"),
    "sum_weights": ("权数之和", "Sum of weights"),
    "deff_weighting": ("加权设计效应", "Weighting design effect"),
    "n_effective": ("有效样本量", "Effective sample size"),
    "min": ("最小权数", "Minimum weight"),
    "max": ("最大权数", "Maximum weight"),
    "max_min_ratio": ("最大/最小权数比", "Max/min weight ratio"),
    "weights_to_population": ("权数之和/人口数", "Sum of weights / population"),
    "n_trimmed": ("修剪权数个数", "Weights trimmed"),
    "key": ("指标代码", "Key"),
    "value": ("数值", "Value"),
    "truth": ("模拟真值", "Simulated truth"),
    "covered": ("置信区间覆盖真值", "CI covers truth"),
    "error": ("估计误差", "Estimation error"),
    # reliability and suppression (literacy.reliability)
    "ci_width": ("Korn–Graubard置信区间宽度", "Korn–Graubard CI width"),
    "relative_ci_width": ("相对置信区间宽度", "Relative CI width"),
    "reliability": ("可靠性（NCHS标准）", "Reliability (NCHS standard)"),
    "reliability_reason": ("可靠性说明", "Reliability criteria not met"),
    "suppressed": ("是否抑制", "Suppressed"),
    "suppression_reason": ("抑制原因", "Suppression reason"),
    "verdict_en": ("目标判定（英文）", "Verdict (en)"),
    # evaluator tables (literacy.deliverables)
    "lead_zh": ("牵头部门", "Lead department (zh)"),
    "lead_en": ("牵头部门（英文）", "Lead department"),
    "level_zh": ("素质水平（中文）", "Level (zh)"),
    "level_en": ("素质水平（英文）", "Level"),
    "baseline_ci_low": ("基线95%置信区间下限", "Baseline 95% CI lower"),
    "baseline_ci_high": ("基线95%置信区间上限", "Baseline 95% CI upper"),
    "baseline_n": ("基线样本量", "Baseline respondents (n)"),
    "baseline_reliability": ("基线可靠性", "Baseline reliability"),
    "endline_ci_low": ("末期95%置信区间下限", "End-of-period 95% CI lower"),
    "endline_ci_high": ("末期95%置信区间上限", "End-of-period 95% CI upper"),
    "endline_n": ("末期样本量", "End-of-period respondents (n)"),
    "endline_reliability": ("末期可靠性", "End-of-period reliability"),
    "change_se": ("变化标准误", "Change SE"),
    # decomposition (literacy.decomposition)
    "composition": ("人口结构贡献", "Composition effect"),
    "rate": ("组内比例变化贡献", "Rate effect"),
    "composition_share": ("人口结构贡献占比", "Share explained by composition"),
    "rate_share": ("组内变化贡献占比", "Share explained by rates"),
    "cells": ("分解单元数", "Cells"),
    "factors": ("分解因素", "Factors"),
    "factor": ("因素", "Factor"),
    "category": ("类别代码", "Category code"),
    "baseline_population_share": ("基线人口占比", "Baseline population share"),
    "endline_population_share": ("末期人口占比", "End-of-period population share"),
    # part scores
    "part": ("问卷部分代码", "Part code"),
    "part_zh": ("问卷部分", "Questionnaire part (zh)"),
    "part_en": ("问卷部分（英文）", "Questionnaire part"),
    "max_points": ("满分", "Points"),
    "mean": ("平均分", "Mean score"),
    "mean_share": ("得分率", "Mean as share of points"),
    "difference_from_city": ("与全市平均分之差", "Difference from the city mean"),
    # scorecard
    "indicator": ("指标代码", "Indicator code"),
    "indicator_zh": ("指标", "Indicator (zh)"),
    "indicator_en": ("指标（英文）", "Indicator"),
    "reported_by_zh": ("报告部门", "Reported by (zh)"),
    "reported_by_en": ("报告部门（英文）", "Reported by"),
    "period": ("期间", "Period"),
    "comparison": ("比较方向", "Comparison"),
    "actual": ("实际值", "Actual"),
    "unit_zh": ("单位", "Unit (zh)"),
    "unit_en": ("单位（英文）", "Unit"),
    "gap": ("与目标之差", "Actual minus target"),
    "status": ("完成情况代码", "Status code"),
    "status_zh": ("完成情况", "Status (zh)"),
    "status_en": ("完成情况（英文）", "Status"),
    "note": ("备注", "Note"),
    # methodology
    "section": ("类别", "Section"),
    "item": ("项目代码", "Item"),
    "text": ("说明", "Text"),
}

_PCT = "0.00%"
_NUMBER_FORMATS = {
    "estimate": _PCT, "se": _PCT, "ci_low": _PCT, "ci_high": _PCT, "baseline": _PCT, "baseline_se": _PCT,
    "endline": _PCT, "endline_se": _PCT, "change": "+0.00%;-0.00%;0.00%", "change_ci_low": "+0.00%;-0.00%;0.00%",
    "change_ci_high": "+0.00%;-0.00%;0.00%", "target": "0.0%", "national_rate": _PCT,
    "gap_to_national": "+0.00%;-0.00%;0.00%", "truth": _PCT, "error": "+0.00%;-0.00%;0.00%",
    "cv": "0.0%", "deff": "0.00", "deff_weighting": "0.00", "df": "0", "n": "#,##0", "population": "#,##0",
    "sum_weights": "#,##0", "n_effective": "#,##0.0", "min": "#,##0.0", "max": "#,##0.0", "max_min_ratio": "0.0",
    "p_value": "0.0000", "change_p_value": "0.0000", "p_value_bh": "0.0000", "national_year": "0",
    "direct": _PCT, "direct_se": _PCT, "direct_ci_low": _PCT, "direct_ci_high": _PCT, "model_estimate": _PCT,
    "model_rmse": _PCT, "model_cv": "0.0%", "model_ci_low": _PCT, "model_ci_high": _PCT, "published": _PCT,
    "published_ci_low": _PCT, "published_ci_high": _PCT, "gamma": "0.000", "deff_pooled": "0.00",
    "baseline_model": _PCT, "baseline_model_ci_low": _PCT, "baseline_model_ci_high": _PCT,
    "baseline_published": _PCT, "endline_model": _PCT, "endline_model_ci_low": _PCT,
    "endline_model_ci_high": _PCT, "endline_published": _PCT, "detectable_change": _PCT, "p": _PCT,
    "response_rate": "0.0%", "rho": "0.000",
    "ci_width": _PCT, "relative_ci_width": "0%", "baseline_ci_low": _PCT, "baseline_ci_high": _PCT,
    "endline_ci_low": _PCT, "endline_ci_high": _PCT, "change_se": _PCT, "baseline_n": "#,##0", "endline_n": "#,##0",
    "composition": "+0.00%;-0.00%;0.00%", "rate": "+0.00%;-0.00%;0.00%", "composition_share": "0.0%",
    "rate_share": "0.0%", "baseline_population_share": "0.0%", "endline_population_share": "0.0%",
    "mean": "0.00", "max_points": "0", "mean_share": "0.0%", "difference_from_city": "+0.00;-0.00;0.00",
    "actual": "#,##0.##", "gap": "+#,##0.##;-#,##0.##;0", "cells": "0",
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
    "comparable": ("两轮可比", "Rounds comparable", "text"),
    "linked_comparable": ("等值量表可用", "Linked scale available", "text"),
    "linked_reason": ("不可比原因", "Why not comparable", "text"),
    "linked_baseline": ("等值量表基线比例", "Linked-scale baseline share", "pct"),
    "linked_endline": ("等值量表末期比例", "Linked-scale end-of-period share", "pct"),
    "linked_change": ("等值量表变化", "Linked-scale change", "pp"),
    "linked_change_ci_low": ("等值量表变化95%置信区间下限", "Linked-scale change 95% CI lower", "pp"),
    "linked_change_ci_high": ("等值量表变化95%置信区间上限", "Linked-scale change 95% CI upper", "pp"),
    "linked_se_linking": ("等值误差", "Linking error (SE)", "pp"),
    "truth": ("模拟真值（仅模拟数据）", "Simulated truth (simulation only)", "pct"),
    "truth_linked_change": ("等值量表变化模拟真值", "Simulated true linked-scale change", "pp"),
    "truth_linked_change_covered": ("置信区间覆盖等值变化真值", "CI covers the true linked change", "text"),
    "truth_covered": ("置信区间覆盖模拟真值", "CI covers the simulated truth", "text"),
    "summary_zh": ("结论（中文）", "Summary (zh)", "text"),
    "summary_en": ("结论（英文）", "Summary (en)", "text"),
}

_VERDICT_EN = {"met": "met with confidence (the whole 95% CI is at or above the target)",
               "not_met": "not met (the whole 95% CI is below the target)",
               "inconclusive": "inconclusive (the 95% CI contains the target)",
               "suppressed": "suppressed (too few respondents or unreliable)"}
_VERDICT_ZH = {"met": "有把握达到目标（95%置信区间整体不低于目标值）", "not_met": "未达到目标（95%置信区间整体低于目标值）",
               "inconclusive": "无法判定（95%置信区间包含目标值）", "suppressed": "不予发布（样本量不足或估计不可靠）"}


def fmt_pct(x: float, digits: int = 1) -> str:
    """12.3% (a share as a percentage)."""
    return "NA" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{100 * x:.{digits}f}%"


def fmt_pp(x: float, digits: int = 1) -> str:
    """+3.1 (a change of shares in percentage points)."""
    return "NA" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{100 * x:+.{digits}f}"


def _level_labels(config: dict, code: str) -> tuple[str, str]:
    for lv in config["scoring"]["levels"]:
        if lv["code"] == code:
            return str(lv["zh"]), str(lv["en"])
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


def headline_lines(head: dict, config: dict) -> list[str]:
    """The headline as ``literacy run`` prints it (and the README shows it, tested), one line a fact."""
    zh, en = _level_labels(config, head["level"])
    conf = int(round(100 * float(config["estimation"]["level"])))
    verdict = {"met": "met with confidence (the whole CI is at or above the target)", "not_met": "not met",
               "inconclusive": "inconclusive (the CI contains the target)"}
    lines = [
        f"{en} ({zh}), city {head['endline_round']}: {fmt_pct(head['endline'])} "
        f"({conf}% CI {fmt_pct(head['endline_ci_low'])}–{fmt_pct(head['endline_ci_high'])}), n = {head['endline_n']:,}",
        f"Change since {head['baseline_round']}: {fmt_pp(head['change'])} percentage points "
        f"({conf}% CI {fmt_pp(head['change_ci_low'])} to {fmt_pp(head['change_ci_high'])})",
        f"Target {fmt_pct(head['target'])}: {verdict.get(head['verdict'], head['verdict'])} ({head['verdict_zh']})",
    ]
    if head.get("linked_comparable") is True:
        lines.append(f"Linked scale (IRT, plausible values): {head['baseline_round']} {fmt_pct(head['linked_baseline'])}, "
                     f"{head['endline_round']} {fmt_pct(head['linked_endline'])}, change "
                     f"{fmt_pp(head['linked_change'])} points ({conf}% CI {fmt_pp(head['linked_change_ci_low'])} to "
                     f"{fmt_pp(head['linked_change_ci_high'])}, linking error included)")
    elif head.get("linked_comparable") is False:
        lines.append(f"Linked scale: the rounds are not comparable ({head.get('linked_reason', '')})")
    if "truth" in head:
        lines.append(f"Simulated truth {head['endline_round']}: {fmt_pct(head['truth'], 2)} "
                     f"({'inside' if head.get('truth_covered') else 'OUTSIDE'} the CI)")
    if "truth_linked_change" in head:
        lines.append(f"Simulated true change on the linked scale: {fmt_pp(head['truth_linked_change'], 2)} points "
                     f"({'inside' if head.get('truth_linked_change_covered') else 'OUTSIDE'} the CI)")
    return lines


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
    name_zh = config["assessment"]["name_zh"]
    name_en = config["assessment"]["name_en"]
    lines = [f"# {name_en}", f"**{name_zh}**", "", headline_text(head, config, "en"), "",
             headline_text(head, config, "zh"), ""]
    if "truth" in head:
        lines += [f"Simulated truth {head['endline_round']}: {fmt_pct(head['truth'])} "
                  f"({'inside' if head.get('truth_covered') else 'OUTSIDE'} the CI).", ""]
    lines += ["| Domain / 子总体 | Estimate / 估计 | 95% CI / 置信区间 | Verdict / 判定 | Change / 变化 (pp) |",
              "|---|---:|---|---|---:|"]
    for _, r in verdicts.iterrows():
        if r["verdict"] == "suppressed":   # a suppressed cell shows no value
            lines.append(f"| {r['label_en']} / {r['label_zh']} | — | — | suppressed / 不予发布 | — |")
            continue
        verdict_en = r["verdict_en"] if "verdict_en" in r.index else r["verdict"]
        lines.append(f"| {r['label_en']} / {r['label_zh']} | {fmt_pct(r['estimate'])} | "
                     f"{fmt_pct(r['ci_low'])} – {fmt_pct(r['ci_high'])} | {verdict_en} / {r['verdict_zh']} | "
                     f"{fmt_pp(r['change'])} |")
    if "suppressed" in verdicts.columns and verdicts["suppressed"].any():
        lines += ["", "— suppressed: fewer respondents than the configured minimum, or a share the NCHS standard "
                  "says not to present (不予发布：样本量不足或估计不可靠)."]
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
def _write_sheet(wb, title: str, df: pd.DataFrame, formats: dict[str, str] | None = None,
                 notes: tuple[str, str] | None = None) -> None:
    """A sheet with three header rows (zh, en, column code), frozen, and number formats.

    ``notes`` (zh, en): definitions and sources, written as two rows below the table
    (注 / Notes) after a blank row.
    """
    # openpyxl is imported by the workbook's builders only: the command line prints the headline
    # from this module without it
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
    if notes:
        first = 3 + len(df) + 2
        last_col = max(len(cols), 1)
        for k, text in enumerate(notes):
            row = first + k
            ws.cell(row=row, column=1, value=("注：" if k == 0 else "Notes: ") + str(text))
            ws.cell(row=row, column=1).alignment = Alignment(wrap_text=True, vertical="top")
            ws.cell(row=row, column=1).font = Font(size=9, color="404040")
            if last_col > 1:
                ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=min(last_col, 12))
            ws.row_dimensions[row].height = 15 * max(2, min(12, len(str(text)) // 120 + 1))


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
    from openpyxl.styles import Alignment, Font, PatternFill   # see _write_sheet

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
                   verdicts: pd.DataFrame, weighting: pd.DataFrame, extra: dict[str, pd.DataFrame] | None = None,
                   tables: dict[str, pd.DataFrame] | None = None, notes: dict[str, tuple[str, str]] | None = None):
    """The assessment workbook: headline, the evaluator tables, estimates per round, change, verdicts, weighting.

    ``tables`` (name -> table) are the evaluator tables, one sheet each after the headline;
    ``notes`` (name -> (zh, en)) the notes rows of the sheets (``estimates`` for every
    round's estimates sheet). Returns an openpyxl Workbook (write it with
    ``literacy_flows.ingest.io.write_excel`` for reproducible bytes).
    """
    from openpyxl import Workbook   # see _write_sheet

    notes = notes or {}
    wb = Workbook()
    wb.remove(wb.active)
    _headline_sheet(wb, headline)
    for name, df in (tables or {}).items():
        _write_sheet(wb, name, df, notes=notes.get(name))
    for rid, est in estimates.items():
        _write_sheet(wb, f"estimates_{rid}", est, notes=notes.get("estimates"))
    _write_sheet(wb, "change", change, notes=notes.get("change"))
    _write_sheet(wb, "verdicts", verdicts, notes=notes.get("verdicts"))
    _write_sheet(wb, "weighting", weighting)
    for name, df in (extra or {}).items():
        _write_sheet(wb, name, df)
    return wb
