"""The fieldwork-quality tables (issue 26) in the output catalog: one file per table under
``quality/`` with every round's rows (``round`` first), a workbook sheet each. The entries are
the keyword arguments of :class:`literacy.catalog.tables.OutputTable` (this module imports
nothing of the catalog's lists: no import circle), added to
:data:`literacy.catalog.tables.OUTPUT_TABLES` in one line; their notes rows are
:data:`QUALITY_NOTES`.
"""

from __future__ import annotations

__all__ = ["QUALITY_TABLES", "QUALITY_NOTES", "QUALITY_TABLE_KEYS"]

_STAGE_COLUMNS = [f"{p}_{s}" for s in ("base", "nonresponse", "calibrated") for p in ("estimate", "bias", "std_bias")]
_RATES = ("RR1 RR2 RR3 RR4 RR5 RR6 COOP1 COOP2 COOP3 COOP4 REF1 REF2 REF3 CON1 CON2 CON3").split()


def _table(key: str, schema: str, about: str, columns: list[str]) -> dict:
    return dict(key=key, path=f"quality/{key}", files=("csv",), sheet=key, schema=schema, about=about,
                columns=columns)


def _tables() -> tuple[dict, ...]:
    return (
        _table("response_rates", "response_rates_schema",
               "AAPOR's outcome rates (RR1-RR6, COOP1-4, REF1-3, CON1-3) of every round for the city, each "
               "district and stratum, unweighted and weighted",
               ["round", "dispositions", "weighting", "breakdown", "domain", "cases", "I", "P", "R", "NC", "O", "U",
                "NE", "e", *_RATES]),
        _table("nonresponse_bias", "nonresponse_bias_schema",
               "respondents against the full sample on every frame variable at each weighting stage, with a "
               "verdict per variable; the R-indicator and CV of the response propensities; the weighted shares "
               "against the census margins",
               ["round", "kind", "variable", "category", "full_sample", "sd", "test", "statistic", "p_value",
                "p_adjusted", *_STAGE_COLUMNS, "bias_verdict", "bias_verdict_zh"]),
        _table("data_quality", "data_quality_schema",
               "the interviews flagged for review: speeders, straight-liners, exact and near duplicates",
               ["round", "respondent_id", "interviewer_id", "mode", "duration_seconds", "duration_ratio", "speeder",
                "modal_share", "straightliner", "exact_duplicate_of", "max_match", "match_with", "near_duplicate",
                "checks"]),
        _table("interviewers", "interviewers_schema",
               "each interviewer's composition-adjusted score difference (outliers flagged), item nonresponse "
               "and flagged interviews; the intra-interviewer correlation and its design effect",
               ["round", "interviewer", "interviews", "mean_score", "expected_score", "difference", "se", "z",
                "p_value", "p_adjusted", "outlier", "skipped_share", "dont_know_share", "speeders",
                "straightliners", "duplicates", "icc", "deff_interviewer"]),
    )


#: The four fieldwork-quality tables, in the order the quality stage writes them.
QUALITY_TABLE_KEYS = ("response_rates", "nonresponse_bias", "data_quality", "interviewers")

#: Output table -> (zh, en) notes row of its workbook sheet.
QUALITY_NOTES: dict[str, tuple[str, str]] = {
    "response_rates": (
        "按AAPOR《标准定义》（第10版，2023）计算的应答率、合作率、拒访率和接触率；加权行使用抽样权数。"
        "未提供个案结果（disposition）时只能由是否应答计算应答率。",
        "AAPOR Standard Definitions (10th edition, 2023) response, cooperation, refusal and contact rates; weighted "
        "rows use the sampling weights. Without a disposition column only the response rates follow from responded."),
    "nonresponse_bias": (
        "无应答偏差分析（NCES统计标准4-4-1：单位应答率低于阈值时应开展）：应答者与全样本在抽样框变量上的比较"
        "（Rao–Scott F或t检验，BH校正），各加权阶段的偏差及标准化偏差；应答倾向的R指标与变异系数"
        "（Schouten、Cobben和Bethlehem，2009）。",
        "Nonresponse bias analysis (NCES Statistical Standard 4-4-1, due when the unit response rate is below the "
        "threshold): respondents against the full sample on the frame variables (Rao–Scott F or t test, BH-adjusted), "
        "the bias and standardised bias at each weighting stage; the R-indicator and CV of the response "
        "propensities (Schouten, Cobben and Bethlehem 2009)."),
    "data_quality": (
        "供复核的访问：过快（低于同方式中位时长的一定比例）、直线作答、完全重复与近似重复记录。默认只列出不剔除。",
        "Interviews listed for review: speeders (below a share of the mode's median duration), straight-liners, "
        "exact and near duplicates. Listed, not deleted, unless quality.exclude says so."),
    "interviewers": (
        "访员效应：按受访者构成调整后的平均得分差异（z检验，BH校正），访员内相关系数及其设计效应（Kish，1962）。",
        "Interviewer effects: the composition-adjusted mean score difference (z test, BH-adjusted), the "
        "intra-interviewer correlation and its design effect (Kish 1962)."),
}

#: The catalog's entries of the four tables.
QUALITY_TABLES = _tables()
