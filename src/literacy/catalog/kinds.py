"""What the catalog's columns left open: the number formats of numeric columns, per-table meanings, units.

A column code means the same in every table, with a few exceptions this module names: in
``determinants`` the ``estimate`` is a logit coefficient, not a share; in ``part_scores`` the
``se`` and the CI are in points; in ``scorecard`` the ``target`` is an amount in the row's
unit (200 persons), not a share. :data:`TABLE_COLUMNS` holds those table-specific entries;
:data:`COLUMN_FORMATS` the formats of the numeric columns :mod:`literacy.catalog.columns`
declared without one (so that no cell of the workbook shows a 16-digit float);
:data:`UNITS` the unit of a column where its format does not say it. The entries are plain
tuples and dicts (this module imports only the formats): :mod:`literacy.catalog.columns`
applies :data:`COLUMN_FORMATS` and :mod:`literacy.catalog.codebook` the rest.
"""

from __future__ import annotations

from literacy.catalog.formats import (AMOUNT, CHANGE, COEFFICIENT, COEFFICIENT_1, COEFFICIENT_3, COUNT, COUNT_1,
                                      INTEGER, P_VALUE, SCORE, SHARE, SHARE_0, SHARE_1, NumberFormat)

__all__ = ["COLUMN_FORMATS", "NEW_COLUMNS", "PATTERN_FORMATS", "ROW_FORMATS", "TABLE_COLUMNS", "UNITS", "KIND_UNITS", "KIND_TYPES"]

#: Column code -> number format, for the numeric columns the catalog declares without one.
COLUMN_FORMATS: dict[str, NumberFormat] = {
    # models and tests
    "odds_ratio": COEFFICIENT, "or_ci_low": COEFFICIENT, "or_ci_high": COEFFICIENT,
    "statistic": COEFFICIENT, "ndf": COEFFICIENT_1, "ddf": COEFFICIENT_1,
    # quantiles of the total score (points)
    "median": SCORE, "median_ci_low": SCORE, "median_ci_high": SCORE,
    "p25": SCORE, "p25_ci_low": SCORE, "p25_ci_high": SCORE,
    "p75": SCORE, "p75_ci_low": SCORE, "p75_ci_high": SCORE,
    # small-area estimation
    "benchmark_factor": COEFFICIENT_3, "population_share": SHARE_1, "sigma2_u": P_VALUE,
    "std_residual": COEFFICIENT,
    # sample planning
    "psus_with_respondents": COUNT, "respondents_per_psu": COEFFICIENT_1, "planned_per_psu": COEFFICIENT_1,
    "deff_planned": COEFFICIENT, "n_eff_required": COUNT, "respondents": COUNT, "sampled_adults": COUNT,
    "psus": COUNT, "power": SHARE_0,
    # weighting
    "weights_to_population": COEFFICIENT_3, "n_trimmed": COUNT, "sampled": COUNT,
    "weighted_response_rate": SHARE_1, "class_respondents": COUNT, "achieved": COUNT_1, "abs_error": COUNT_1,
    "rel_error": SHARE,
    # measurement: linked estimates, items, reliability, IRT, DIF, plausible values
    "se_sampling": SHARE, "se_calibration": SHARE, "se_imputation": SHARE, "se_linking": SHARE,
    "se_total": SHARE, "raw_change": CHANGE, "fmi": SHARE_1, "pv_count": INTEGER,
    "p_correct": SHARE_1, "item_rest_r": COEFFICIENT_3, "dont_know_share": SHARE_1, "skipped_share": SHARE_1,
    "items": INTEGER, "alpha": COEFFICIENT_3, "alpha_std": COEFFICIENT_3, "omega": COEFFICIENT_3,
    "alpha_mh": COEFFICIENT_3, "delta_mh": COEFFICIENT, "se_delta": COEFFICIENT, "chi2": COEFFICIENT,
    "n_reference": COUNT, "n_focal": COUNT, "n_bands": INTEGER, "points": INTEGER,
    "a": COEFFICIENT_3, "d": COEFFICIENT_3, "b": COEFFICIENT_3, "se_a": COEFFICIENT_3, "se_d": COEFFICIENT_3,
    "se_b": COEFFICIENT_3, "rmsd_2020": COEFFICIENT_3, "rmsd_2025": COEFFICIENT_3,
    "sd": COEFFICIENT_3, "se_mean": COEFFICIENT_3, "se_sd": COEFFICIENT_3, "cut_advanced": COEFFICIENT_3,
    "cut_literate": COEFFICIENT_3, "cut_basic": COEFFICIENT_3, "loglik": COEFFICIENT_1,
    "theta_low": COEFFICIENT, "theta_high": COEFFICIENT, "theta_mid": COEFFICIENT, "share": SHARE,
    # quarantine
    "line": INTEGER,
}

#: Table -> (the column naming each row, {row-name prefix before ':' -> format}, the format of the
#: other numeric rows): the tables whose ``value`` column holds figures of several kinds.
ROW_FORMATS: dict[str, tuple[str, dict[str, NumberFormat], NumberFormat]] = {
    "methodology": ("item", {
        "response_rate": SHARE_1, "response_rate_weighted": SHARE_1, "cv": SHARE_1, "level": SHARE_0,
        "sum_weights": COUNT, "n_effective": COUNT_1, "min": COUNT_1, "max": COUNT_1,
        "max_min_ratio": COEFFICIENT_1, "deff_weighting": COEFFICIENT, "deff_city": COEFFICIENT,
        "deff_median": COEFFICIENT, "deff_max": COEFFICIENT, "nchs": COEFFICIENT}, COUNT),
}

#: Column-code prefix -> number format, for columns named after a round (``rmsd_<round>``).
PATTERN_FORMATS: dict[str, NumberFormat] = {"rmsd_": COEFFICIENT_3}

#: (table, column) -> what differs there from the column's catalog entry: any of ``label_zh``,
#: ``label_en``, ``number_format``, ``description``, ``unit``.
TABLE_COLUMNS: dict[tuple[str, str], dict] = {
    ("province_league_table", "difference"): {
        "label_zh": "与全区之差", "label_en": "Difference from province", "number_format": CHANGE,
        "description": "the city's share minus the province's"},
    ("interviewers", "difference"): {
        "label_zh": "调整后差异", "label_en": "Adjusted difference", "number_format": SCORE,
        "description": "the interviewer's mean score minus the score expected from the respondents' composition"},
    ("determinants", "estimate"): {
        "label_zh": "回归系数（对数比值）", "label_en": "Coefficient (log-odds)", "number_format": COEFFICIENT_3,
        "description": "the logistic regression's coefficient: the log of the odds ratio against the reference",
        "unit": "log-odds"},
    ("determinants", "se"): {
        "label_zh": "系数标准误", "label_en": "SE of the coefficient", "number_format": COEFFICIENT_3,
        "description": "design-based (linearisation) standard error of the coefficient", "unit": "log-odds"},
    ("determinants", "level"): {
        "label_zh": "类别", "label_en": "Category",
        "description": "the variable's category the term stands for (blank for the intercept)"},
    ("part_scores", "se"): {
        "label_zh": "平均分标准误", "label_en": "SE of the mean score", "number_format": SCORE,
        "description": "design-based standard error of the mean score", "unit": "points"},
    ("part_scores", "ci_low"): {
        "label_zh": "平均分95%置信区间下限", "label_en": "Mean score 95% CI lower", "number_format": SCORE,
        "description": "95% t interval of the mean score", "unit": "points"},
    ("part_scores", "ci_high"): {
        "label_zh": "平均分95%置信区间上限", "label_en": "Mean score 95% CI upper", "number_format": SCORE,
        "description": "95% t interval of the mean score", "unit": "points"},
    ("scorecard", "target"): {
        "label_zh": "目标值", "label_en": "Target", "number_format": AMOUNT,
        "description": "the plan's target for the indicator, in the row's unit (`unit_zh` / `unit_en`)",
        "unit": "the row's unit (unit_zh / unit_en)"},
    ("scorecard", "actual"): {"unit": "the row's unit (unit_zh / unit_en)"},
    ("scorecard", "gap"): {"unit": "the row's unit (unit_zh / unit_en)"},
    ("sample_plan", "target"): {
        "label_zh": "精度目标", "label_en": "Precision target",
        "description": "the precision the sizes are planned for, as text (an effective sample size, or the "
                       "half-width of the 95% CI)"},
    ("sample_plan", "alpha"): {
        "label_zh": "显著性水平α", "label_en": "Significance level", "number_format": COEFFICIENT,
        "description": "the significance level of the test of a change between two rounds", "unit": "probability"},
    ("sample_plan", "n"): {"description": "respondents in the domain in the end-of-period round (unweighted)"},
    ("reliability", "alpha"): {"label_zh": "克龙巴赫α系数", "label_en": "Cronbach's alpha"},
    ("irt_scale", "mean"): {
        "label_zh": "潜在能力均值", "label_en": "Latent mean", "number_format": COEFFICIENT_3,
        "description": "the round's mean ability on the latent scale (the baseline fixed at 0)",
        "unit": "latent scale (baseline SD = 1)"},
    ("irt_scale", "n"): {"description": "respondents of the round"},
    ("nonresponse_classes", "factor"): {
        "label_zh": "无回答调整系数", "label_en": "Nonresponse adjustment factor", "number_format": COEFFICIENT_3,
        "description": "the weight adjustment of the class: sampled over responding (weighted)", "unit": "ratio"},
    ("nonresponse_classes", "respondents"): {
        "label_zh": "应答人数", "label_en": "Respondents", "description": "respondents in the class"},
    ("weights_margins", "target"): {
        "label_zh": "普查控制数", "label_en": "Census total", "number_format": COUNT_1,
        "description": "the margin level's census count the weights are raked to", "unit": "persons"},
    ("weights_margins", "level"): {
        "label_zh": "校准维度类别", "label_en": "Margin level", "description": "the category of the raking margin"},
    ("decomposition_detail", "factor"): {"description": "the factor summed over: `education` or `age_band`"},
    ("methodology", "value"): {"description": "the fact's value (a number or a code; its wording in `text`)"},
    ("headline", "value"): {"description": "the figure, as text (a share as a proportion: 0.121 = 12.1%)"},
    ("headline", "label_zh"): {"label_zh": "指标", "label_en": "Figure (zh)", "description": "the figure's label"},
    ("headline", "label_en"): {"label_zh": "指标（英文）", "label_en": "Figure", "description": "the figure's label"},
    ("methodology", "label_zh"): {"label_zh": "项目", "label_en": "Item (zh)", "description": "the fact's label"},
    ("methodology", "label_en"): {"label_zh": "项目（英文）", "label_en": "Item", "description": "the fact's label"},
    ("quarantine", "value"): {"label_zh": "原值（已脱敏）", "label_en": "Value (masked)",
                              "description": "the offending value, personal data masked"},
    ("codebook", "column"): {"label_zh": "列名", "label_en": "Column", "description": "the column's name in the "
                             "CSV and Parquet files (the workbook's third header row)"},
    ("codebook", "label_zh"): {"label_zh": "中文标签", "label_en": "Label (zh)",
                               "description": "the column's Chinese label (the workbook's first header row)"},
    ("codebook", "label_en"): {"label_zh": "英文标签", "label_en": "Label (en)",
                               "description": "the column's English label (the workbook's second header row)"},
    ("province_cities", "status"): {"label_zh": "运行状态", "label_en": "Run status",
                                    "description": "`finished` or `failed`"},
    ("province_cities", "error"): {"label_zh": "原因", "label_en": "Reason", "number_format": None, "unit": "",
                                   "description": "why the city's run failed (blank when it finished)"},
    ("province_cities", "label_zh"): {"label_zh": "城市名称", "label_en": "City (zh)", "description": "the city's name"},
    ("province_cities", "label_en"): {"label_zh": "城市名称（英文）", "label_en": "City", "description": "the city's name"},
    ("province_league_table", "label_zh"): {"label_zh": "城市名称", "label_en": "City (zh)",
                                            "description": "the city's name"},
    ("province_league_table", "label_en"): {"label_zh": "城市名称（英文）", "label_en": "City",
                                            "description": "the city's name"},
    ("province_summary", "key"): {"label_zh": "指标代码", "label_en": "Key", "description": "the figure's code"},
    ("province_summary", "value"): {"description": "the figure as text (a share as a proportion; lists as JSON)"},
    ("truth_check_linked", "kind"): {"description": "`estimate` (a linked share) or `change` (a linked change)"},
}

#: Column code -> unit, where the format's kind does not say it.
UNITS: dict[str, str] = {
    "n": "persons", "baseline_n": "persons", "endline_n": "persons", "population": "persons (weighted)",
    "sum_weights": "persons (weighted)", "min": "persons per respondent", "max": "persons per respondent",
    "n_effective": "persons", "respondents": "persons", "sampled_adults": "persons", "sampled": "persons",
    "class_respondents": "persons", "n_reference": "persons", "n_focal": "persons", "psus": "PSUs",
    "psus_with_respondents": "PSUs", "respondents_per_psu": "persons per PSU", "planned_per_psu": "persons per PSU",
    "n_eff_required": "persons", "df": "degrees of freedom", "ndf": "degrees of freedom",
    "ddf": "degrees of freedom", "national_year": "year", "max_points": "points", "points": "points",
    "mean": "points", "difference_from_city": "points", "cells": "cells", "n_trimmed": "weights",
    "items": "items", "pv_count": "plausible values", "weight_base": "persons per respondent",
    "weight_nonresponse": "persons per respondent", "weight": "persons per respondent", "score": "points",
    "case": "", "correct": "", "rank": "", "family_size": "cities", "t": "", "line": "line of the delivered file",
    "theta_low": "latent scale (baseline SD = 1)", "theta_high": "latent scale (baseline SD = 1)",
    "theta_mid": "latent scale (baseline SD = 1)", "sd": "latent scale (baseline SD = 1)",
    "cut_advanced": "latent scale (baseline SD = 1)", "cut_literate": "latent scale (baseline SD = 1)",
    "cut_basic": "latent scale (baseline SD = 1)", "a": "logit per latent SD", "d": "logit", "b": "latent scale",
    "delta_mh": "ETS delta", "achieved": "persons (weighted)", "abs_error": "persons (weighted)",
}

#: Format kind -> the unit it implies (a column's :data:`UNITS` entry wins).
KIND_UNITS: dict[str, str] = {
    "share": "proportion (0-1; 0.121 = 12.1%)",
    "change": "difference of proportions (0.01 = 1 percentage point)",
    "count": "count",
    "score": "points",
    "coefficient": "ratio",
    "p_value": "probability",
}

#: Format kind -> the column's type when no table says it.
KIND_TYPES: dict[str, str] = {"share": "number", "change": "number", "count": "number", "score": "number",
                              "coefficient": "number", "p_value": "number"}

#: Columns new to the catalog, as ``Column`` arguments (code, label_zh, label_en, format, description):
#: the codebook's own.
NEW_COLUMNS: tuple[tuple, ...] = (
    ("table", "表", "Table", None, "the output table's name (its file's name without suffix; `{round}/` tables "
     "are one per round)"),
    ("meaning", "含义", "Meaning", None, "what the column holds"),
    ("unit", "单位", "Unit", None, "the unit of its numbers (blank for text and codes)"),
    ("type", "类型", "Type", None, "`number`, `integer`, `boolean` or `text`"),
    ("codes", "取值代码", "Codes", None, "the codes it takes with their labels, `code = 中文 / English; ...` "
     "(blank for free text and numbers)"),
    ("format", "数字格式", "Number format", None, "the catalog's number format and its Excel pattern "
     "(`share: 0.00%`: a proportion shown as a percentage)"),
    # <round>/item_responses.parquet (the reviewer notebooks' item analysis)
    ("case", "受访者序号", "Respondent number", INTEGER, "1..n, an anonymous number grouping a respondent's rows "
     "(not the respondent id, which is left out)"),
    ("weight_base", "基础权数", "Base weight", COUNT_1, "1 / the selection probability"),
    ("weight_nonresponse", "无回答调整后权数", "Weight after nonresponse adjustment", COUNT_1,
     "the base weight adjusted for nonresponse"),
    ("weight", "最终权数", "Final weight", COUNT_1, "the final (raked, trimmed) weight"),
    ("score", "总分", "Total score", SCORE, "the respondent's total score"),
    ("item_id", "题目代码", "Item", None, "the item's id in the form"),
    ("correct", "是否答对", "Correct", INTEGER, "1 when the answer is the correct code, else 0 (wrong, don't know "
     "and skipped all score zero)"),
    # the province's roll-up (province/)
    ("city", "城市（盟市）", "City / league", None, "the member city's id in the province config"),
    ("rank", "排名", "Rank", INTEGER, "1 = the highest share of the round and level"),
    ("province", "全区比例", "Province share", SHARE, "the province's share of the round and level (pooled design)"),
    ("difference_se", "差值标准误", "SE of the difference", SHARE, "linearised as one variable on the pooled "
     "design (the city is part of the province)"),
    ("t", "t值", "t statistic", COEFFICIENT, "difference / its SE"),
    ("significant", "显著", "Significant", None, "whether the BH-adjusted p-value is below the FDR level"),
    ("family_size", "检验族大小", "Tests in family", INTEGER, "the cities compared in the round and level"),
    ("versus_province", "与全区比较", "Versus province", None, "`above`, `below` or `indistinguishable`"),
    ("versus_province_zh", "与全区比较（中文）", "Versus province (zh)", None, "the same in Chinese"),
)
