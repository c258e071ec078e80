"""Every output table once: its path, its files, its workbook sheet, its schema and its columns.

``path`` is relative to the output folder, without the file suffix; ``{round}`` stands for
each round's id. ``schema`` names the pandera schema factory in ``literacy_schemas`` that
validates the table (called with the config and ``schema_options``); ``columns`` are the
table's columns for the default assessment (``config/wuhai.yaml``), in file order (a test
checks that the schema's columns are these). A few tables have further columns that depend on
the config (``nonresponse_classes``: the class variables; ``district_groups``: the small-area
model's columns); the catalog lists the default's.

:data:`HEADLINE_FIGURES` are the rows of ``assessment/headline.csv``, with their labels and
number formats.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from literacy.catalog.columns import Column, column
from literacy.catalog.rounds_columns import ROUNDS_HEADLINE_FIGURES, ROUNDS_TABLE_SPECS
from literacy.catalog.formats import CHANGE, COUNT, INTEGER, P_VALUE, SHARE, NumberFormat
from literacy.catalog.quality_tables import QUALITY_TABLES

__all__ = ["OutputTable", "OUTPUT_TABLES", "HEADLINE_FIGURES", "output_table", "table_columns"]


@dataclass(frozen=True)
class OutputTable:
    """One output table.

    Attributes
    ----------
    key : str
        The table's name (``estimates``, ``verdicts``, ``districts``, ...).
    path : str
        Its path under the output folder without suffix (``{round}/estimates``).
    files : tuple of str
        The file suffixes written (``csv``, ``parquet``).
    sheet : str or None
        Its sheet in ``assessment/assessment.xlsx`` (``{round}``: one per round), None if none.
    schema : str or None
        The name of the schema factory in ``literacy_schemas`` that validates it.
    about : str
        What it holds, in one line.
    columns : list of str
        Its columns for the default assessment, in file order.
    schema_options : dict
        Keyword arguments of the schema factory besides the config.
    """

    key: str
    path: str
    files: tuple[str, ...]
    sheet: str | None
    schema: str | None
    about: str
    columns: list[str]
    schema_options: dict = field(default_factory=dict)


#: Every output table, round tables first, in the order the pipeline writes them.
OUTPUT_TABLES: tuple[OutputTable, ...] = (
    OutputTable('estimates', '{round}/estimates', ('csv', 'parquet'), 'estimates_{round}', 'estimates_schema',
                'one row per breakdown, domain and literacy level: share, SE, CI, df, n, deff, reliability',
                columns=('round breakdown domain label_zh label_en level estimate se ci_low ci_high df n deff cv '
                         'population n_effective ci_width relative_ci_width reliability reliability_reason suppressed '
                         'suppression_reason').split()),
    OutputTable('weights_diagnostics', '{round}/weights_diagnostics', ('csv',), 'weighting', 'weights_diagnostics_schema',
                'the weights at each stage of the weighting chain, by district and for the city',
                columns=('round stage stage_zh stage_en domain label_zh label_en n sum_weights population '
                         'weights_to_population deff_weighting n_effective cv min max max_min_ratio n_trimmed').split()),
    OutputTable('weights_margins', '{round}/weights_margins', ('csv',), None, 'weights_margins_schema',
                "every raking margin level's weighted total against its census target at every stage",
                columns=('round stage stage_zh stage_en margin level n target achieved abs_error rel_error').split()),
    OutputTable('nonresponse_classes', '{round}/nonresponse_classes', ('csv',), None, 'nonresponse_classes_schema',
                "the nonresponse adjustment's classes (further columns depend on the method)",
                columns=('round method district residence sex age_band class sampled respondents '
                         'weighted_response_rate adjustment_class class_respondents factor collapsed_into').split()),
    OutputTable('items', '{round}/items', ('csv',), 'items_{round}', 'items_schema',
                "classical item analysis of the round's form",
                columns=('round item part n p_correct item_rest_r dont_know_share skipped_share '
                         'flag_low_discrimination flag_extreme flags').split()),
    OutputTable('reliability', '{round}/reliability', ('csv',), 'reliability_{round}', 'reliability_schema',
                "the form's reliability (Cronbach's alpha and its parts)",
                columns=('round scale items alpha alpha_std omega n').split()),
    OutputTable('estimates_linked', '{round}/estimates_linked', ('csv', 'parquet'), 'linked_{round}', 'estimates_linked_schema',
                'the shares on the linked (IRT) scale from plausible values',
                columns=('round breakdown domain label_zh label_en level estimate se ci_low ci_high df n deff cv '
                         'population n_effective ci_width relative_ci_width reliability reliability_reason suppressed '
                         'suppression_reason se_sampling se_calibration se_imputation se_linking fmi pv_count').split()),
    OutputTable('quarantine', '{round}/quarantine', ('csv',), None, None,
                'the rows left out, with line, column, masked value and rule',
                columns=('file line respondent_id column value rule reason action').split()),
    OutputTable('change', 'assessment/change', ('csv', 'parquet'), 'change', 'change_schema',
                'the later round minus the earlier for every pair of rounds (consecutive, since the baseline), domain and level',
                columns=('breakdown domain label_zh label_en level comparison from_round to_round baseline_round endline_round baseline baseline_se '
                         'endline endline_se change se ci_low ci_high df p_value p_value_bh significant_bh suppressed '
                         'suppression_reason').split()),
    OutputTable('verdicts', 'assessment/verdicts', ('csv', 'parquet'), 'verdicts', 'verdicts_schema',
                'the headline share of the city, each district and key group against the target',
                columns=('round breakdown domain label_zh label_en level estimate ci_low ci_high target verdict '
                         'verdict_zh verdict_en national_rate national_year gap_to_national versus_national change '
                         'change_ci_low change_ci_high change_p_value p_value_bh significant_bh comparable suppressed '
                         'suppression_reason').split()),
    OutputTable('headline', 'assessment/headline', ('csv',), 'headline', 'headline_schema',
                "the city's headline, one figure a row",
                columns=('key label_zh label_en value').split()),
    OutputTable('headline_levels', 'assessment/headline_levels', ('csv', 'parquet'), 'headline_levels', 'evaluator_schema',
                'the city at every level, both rounds side by side',
                columns=('breakdown domain label_zh label_en level level_zh level_en baseline_round baseline '
                         'baseline_se baseline_ci_low baseline_ci_high baseline_n baseline_reliability endline_round '
                         'endline endline_se endline_ci_low endline_ci_high endline_n endline_reliability change '
                         'change_se change_ci_low change_ci_high change_p_value p_value_bh significant_bh comparable '
                         'target verdict verdict_zh verdict_en national_rate national_year gap_to_national '
                         'versus_national reliability_reason suppressed suppression_reason').split(),
                schema_options={'with_lead': False, 'with_verdict': True}),
    OutputTable('districts', 'assessment/districts', ('csv', 'parquet'), 'districts', 'evaluator_schema',
                'the districts, both rounds side by side, with verdicts',
                columns=('breakdown domain label_zh label_en level level_zh level_en baseline_round baseline '
                         'baseline_se baseline_ci_low baseline_ci_high baseline_n baseline_reliability endline_round '
                         'endline endline_se endline_ci_low endline_ci_high endline_n endline_reliability change '
                         'change_se change_ci_low change_ci_high change_p_value p_value_bh significant_bh comparable '
                         'target verdict verdict_zh verdict_en national_rate national_year gap_to_national '
                         'versus_national reliability_reason suppressed suppression_reason').split(),
                schema_options={'with_lead': False, 'with_verdict': True}),
    OutputTable('key_groups', 'assessment/key_groups', ('csv', 'parquet'), 'key_groups', 'evaluator_schema',
                "the plan's key groups with their lead departments, both rounds, with verdicts",
                columns=('breakdown domain label_zh label_en lead_zh lead_en level level_zh level_en baseline_round '
                         'baseline baseline_se baseline_ci_low baseline_ci_high baseline_n baseline_reliability '
                         'endline_round endline endline_se endline_ci_low endline_ci_high endline_n '
                         'endline_reliability change change_se change_ci_low change_ci_high change_p_value p_value_bh '
                         'significant_bh comparable target verdict verdict_zh verdict_en national_rate national_year '
                         'gap_to_national versus_national reliability_reason suppressed suppression_reason').split(),
                schema_options={'with_lead': True, 'with_verdict': True}),
    OutputTable('demographics', 'assessment/demographics', ('csv', 'parquet'), 'demographics', 'evaluator_schema',
                'sex, age band, education and residence, both rounds side by side',
                columns=('breakdown domain label_zh label_en level level_zh level_en baseline_round baseline '
                         'baseline_se baseline_ci_low baseline_ci_high baseline_n baseline_reliability endline_round '
                         'endline endline_se endline_ci_low endline_ci_high endline_n endline_reliability change '
                         'change_se change_ci_low change_ci_high change_p_value p_value_bh significant_bh comparable '
                         'reliability_reason suppressed suppression_reason').split(),
                schema_options={'with_lead': False, 'with_verdict': False}),
    OutputTable('district_groups', 'assessment/district_groups', ('csv', 'parquet'), 'district_groups', 'evaluator_schema',
                'each key group within each district (small cells; model-based figures)',
                columns=('breakdown domain label_zh label_en lead_zh lead_en level level_zh level_en baseline_round '
                         'baseline baseline_se baseline_ci_low baseline_ci_high baseline_n baseline_reliability '
                         'endline_round endline endline_se endline_ci_low endline_ci_high endline_n '
                         'endline_reliability change change_se change_ci_low change_ci_high change_p_value p_value_bh '
                         'significant_bh comparable baseline_model baseline_model_ci_low baseline_model_ci_high '
                         'baseline_published baseline_published_source endline_model endline_model_ci_low '
                         'endline_model_ci_high endline_published endline_published_source reliability_reason '
                         'suppressed suppression_reason').split(),
                schema_options={'with_lead': True, 'with_verdict': False}),
    OutputTable('decomposition', 'assessment/decomposition', ('csv', 'parquet'), 'decomposition', 'decomposition_schema',
                "Kitagawa decomposition of the city's change into composition and rates",
                columns=('level label_zh label_en baseline_round endline_round baseline endline change composition '
                         'rate composition_share rate_share cells factors').split()),
    OutputTable('decomposition_detail', 'assessment/decomposition_detail', ('csv', 'parquet'), 'decomposition_detail', 'decomposition_detail_schema',
                "the decomposition's parts by education level and age band",
                columns=('level factor category label_zh label_en baseline_population_share endline_population_share '
                         'baseline_n endline_n composition rate suppressed suppression_reason').split()),
    OutputTable('part_scores', 'assessment/part_scores', ('csv', 'parquet'), 'part_scores', 'part_scores_schema',
                'design-based mean score of each questionnaire part by domain',
                columns=('round breakdown domain label_zh label_en lead_zh lead_en part part_zh part_en max_points '
                         'mean se ci_low ci_high df n deff mean_share difference_from_city p25 p25_ci_low p25_ci_high '
                         'median median_ci_low median_ci_high p75 p75_ci_low p75_ci_high suppressed suppression_reason').split()),
    OutputTable('scorecard', 'assessment/scorecard', ('csv', 'parquet'), 'scorecard', 'scorecard_table_schema',
                "the plan's department-reported targets against reported actuals",
                columns=('indicator indicator_zh indicator_en lead_zh lead_en reported_by_zh reported_by_en period '
                         'comparison target actual unit_zh unit_en gap status status_zh status_en note').split()),
    OutputTable('methodology', 'assessment/methodology', ('csv', 'parquet'), 'methodology', 'methodology_schema',
                'how the figures were made, one fact a row',
                columns=('section item label_zh label_en round value text').split()),
    OutputTable('determinants', 'assessment/determinants', ('csv', 'parquet'), 'determinants', 'determinants_schema',
                'survey-weighted logistic regression of literacy on its determinants',
                columns=('round term variable level reference estimate se odds_ratio or_ci_low or_ci_high p_value df '
                         'note').split()),
    OutputTable('associations', 'assessment/associations', ('csv', 'parquet'), 'associations', 'associations_schema',
                'Rao-Scott tests of association of literacy with each variable',
                columns=('round breakdown outcome statistic ndf ddf p_value p_value_bh significant_bh note').split()),
    OutputTable('small_area', 'assessment/small_area', ('csv', 'parquet'), 'small_area', 'small_area_schema',
                'small-area (Fay-Herriot) estimates beside the direct ones, with the figure to publish',
                columns=('round breakdown domain label_zh label_en level n population_share direct direct_se '
                         'direct_ci_low direct_ci_high deff reliability suppressed deff_pooled n_effective gamma '
                         'model_estimate model_rmse model_cv model_ci_low model_ci_high is_synthetic benchmark_factor '
                         'published published_ci_low published_ci_high source source_zh source_en model_converged '
                         'sigma2_u sigma2_method mse_method std_residual note').split()),
    OutputTable('sample_plan', 'assessment/sample_plan', ('csv', 'parquet'), 'sample_plan', 'sample_plan_schema',
                "the next survey's sample sizes for the target precision",
                columns=('round breakdown domain label_zh label_en level n psus_with_respondents p deff '
                         'respondents_per_psu rho planned_per_psu deff_planned response_rate target n_eff_required '
                         'respondents sampled_adults psus detectable_change alpha power').split()),
    OutputTable('change_linked', 'assessment/change_linked', ('csv', 'parquet'), 'change_linked', 'change_linked_schema',
                'the change on the linked scale with its sampling, imputation and linking errors',
                columns=('breakdown domain label_zh label_en level from_round to_round comparison baseline_round '
                         'endline_round from_estimate to_estimate baseline endline change se_sampling se_imputation '
                         'se_linking se_total ci_low ci_high p_value p_value_bh significant_bh raw_change comparable '
                         'note suppressed suppression_reason se_linking_from se_linking_to').split()),
    OutputTable('irt_items', 'assessment/irt_items', ('csv', 'parquet'), 'irt_items', 'irt_items_schema',
                'the IRT item parameters',
                columns=('item group part points forms a d b se_a se_d se_b n rmsd_2020 rmsd_2025 anchor freed_reason').split()),
    OutputTable('irt_scale', 'assessment/irt_scale', ('csv', 'parquet'), 'irt_scale', 'irt_scale_schema',
                "the IRT scale's linking constants",
                columns=('group mean sd se_mean se_sd n cut_advanced cut_literate cut_basic loglik converged').split()),
    OutputTable('dif', 'assessment/dif', ('csv', 'parquet'), 'dif', 'dif_schema',
                'Mantel-Haenszel differential item functioning',
                columns=('round grouping comparison item reference focal alpha_mh delta_mh se_delta chi2 p_value '
                         'ets_class favours n_reference n_focal n_bands reason').split()),
    OutputTable('pv_distribution', 'assessment/pv_distribution', ('csv', 'parquet'), 'pv_distribution', 'pv_distribution_schema',
                'the distribution of the plausible values by round',
                columns=('round theta_low theta_high theta_mid share').split()),
    OutputTable('truth_check', 'assessment/truth_check', ('csv',), 'truth_check', None,
                'simulation only: each estimate beside the simulated truth',
                columns=('round breakdown domain level label_zh label_en estimate ci_low ci_high n truth error covered').split()),
    OutputTable('truth_check_linked', 'assessment/truth_check_linked', ('csv',), 'truth_check_linked', None,
                'simulation only: the linked estimates beside the simulated truth',
                columns=('kind round breakdown domain level estimate ci_low ci_high truth error covered').split()),
    *(OutputTable(**entry) for entry in QUALITY_TABLES),   # the fieldwork-quality tables (issue 26)
    OutputTable('item_responses', '{round}/item_responses', ('parquet',), None, None, "per respondent and item: correct or not, with the weights and total score (the reviewer notebooks' item analysis; no identifiers)", columns=('case weight_base weight_nonresponse weight score part item_id points correct').split()),
    OutputTable('province_estimates', 'province/estimates', ('csv', 'parquet'), None, None, "the province's roll-up: the province's and each city's share on the pooled design", columns=('round breakdown domain label_zh label_en level estimate se ci_low ci_high df n deff population').split()),
    OutputTable('province_league_table', 'province/league_table', ('csv', 'parquet'), None, None, "the province's roll-up: the cities ranked, each against the province", columns=('round level rank city label_zh label_en estimate se ci_low ci_high df n population province difference difference_se t p_value p_adjusted significant family_size versus_province versus_province_zh').split()),
    OutputTable('province_change', 'province/change', ('csv', 'parquet'), None, None, "the province's roll-up: end-of-period minus baseline for the province and each city", columns=('breakdown domain label_zh label_en level baseline_round endline_round baseline baseline_se endline endline_se change se ci_low ci_high df p_value').split()),
    OutputTable('province_summary', 'province/summary', ('csv', 'parquet'), None, None, "the province's roll-up: its headline, one figure a row", columns=('key value').split()),
    OutputTable('province_cities', 'province/cities', ('csv', 'parquet'), None, None, "the province's roll-up: every member city and whether its run finished", columns=('city label_zh label_en status error').split()),
    OutputTable('codebook', 'codebook', ('csv',), 'codebook', None, 'the data dictionary: every column of every table written, with its meaning, unit, type, codes and format', columns=('table column label_zh label_en meaning unit type codes format').split()),
)

OUTPUT_TABLES += tuple(OutputTable(**spec) for spec in ROUNDS_TABLE_SPECS)   # issue 23: the trend

_BY_KEY = {t.key: t for t in OUTPUT_TABLES}

#: The rows of ``assessment/headline.csv``: key -> (zh, en, number format or None for text).
HEADLINE_FIGURES: dict[str, tuple[str, str, NumberFormat | None]] = {
    "level": ("指标", "Indicator", None),
    "baseline_round": ("基线轮次", "Baseline round", None),
    "baseline": ("基线比例", "Baseline share", SHARE),
    "baseline_ci_low": ("基线95%置信区间下限", "Baseline 95% CI lower", SHARE),
    "baseline_ci_high": ("基线95%置信区间上限", "Baseline 95% CI upper", SHARE),
    "endline_round": ("末期轮次", "End-of-period round", None),
    "endline": ("末期比例", "End-of-period share", SHARE),
    "endline_se": ("末期标准误", "End-of-period standard error", SHARE),
    "endline_ci_low": ("末期95%置信区间下限", "End-of-period 95% CI lower", SHARE),
    "endline_ci_high": ("末期95%置信区间上限", "End-of-period 95% CI upper", SHARE),
    "endline_n": ("末期样本量", "End-of-period respondents", COUNT),
    "change": ("变化", "Change since baseline", CHANGE),
    "change_ci_low": ("变化95%置信区间下限", "Change 95% CI lower", CHANGE),
    "change_ci_high": ("变化95%置信区间上限", "Change 95% CI upper", CHANGE),
    "change_p_value": ("变化P值", "Change p-value", P_VALUE),
    "target": ("规划目标", "Plan target", SHARE),
    "verdict": ("目标判定", "Verdict", None),
    "verdict_zh": ("目标判定（中文）", "Verdict (zh)", None),
    "national_rate": ("全国水平", "National rate", SHARE),
    "national_year": ("全国数据年份", "National figure year", INTEGER),
    "versus_national": ("与全国比较", "Versus national", None),
    "comparable": ("两轮可比", "Rounds comparable", None),
    "linked_comparable": ("等值量表可用", "Linked scale available", None),
    "linked_reason": ("不可比原因", "Why not comparable", None),
    "linked_baseline": ("等值量表基线比例", "Linked-scale baseline share", SHARE),
    "linked_endline": ("等值量表末期比例", "Linked-scale end-of-period share", SHARE),
    "linked_change": ("等值量表变化", "Linked-scale change", CHANGE),
    "linked_change_ci_low": ("等值量表变化95%置信区间下限", "Linked-scale change 95% CI lower", CHANGE),
    "linked_change_ci_high": ("等值量表变化95%置信区间上限", "Linked-scale change 95% CI upper", CHANGE),
    "linked_se_linking": ("等值误差", "Linking error (SE)", CHANGE),
    "truth": ("模拟真值（仅模拟数据）", "Simulated truth (simulation only)", SHARE),
    "truth_linked_change": ("等值量表变化模拟真值", "Simulated true linked-scale change", CHANGE),
    "truth_linked_change_covered": ("置信区间覆盖等值变化真值", "CI covers the true linked change", None),
    "truth_covered": ("置信区间覆盖模拟真值", "CI covers the simulated truth", None),
    "summary_zh": ("结论（中文）", "Summary (zh)", None),
    "summary_en": ("结论（英文）", "Summary (en)", None),
}
HEADLINE_FIGURES.update(ROUNDS_HEADLINE_FIGURES)   # issue 23: the mid-term's figures


def output_table(key: str) -> OutputTable:
    """The catalog's entry of an output table.

    Parameters
    ----------
    key : str
        The table's name (``estimates``, ``verdicts``, ...).

    Returns
    -------
    OutputTable

    Raises
    ------
    KeyError
        If the catalog has no such table.
    """
    return _BY_KEY[key]


def table_columns(key: str) -> list[Column]:
    """The catalog's entries of a table's columns, in file order.

    Parameters
    ----------
    key : str

    Returns
    -------
    list of Column
    """
    return [column(c) for c in output_table(key).columns]
