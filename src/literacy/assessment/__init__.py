"""The assessment's pure stages, from the config to the tables.

The Prefect tasks of ``literacy_flows.pipeline`` read their inputs, call the functions here,
check the results against their schemas and write them. Modules:

* ``config``: the config read and resolved (:func:`validate_config`), its sections' readers
  (``analysis``, ``measurement``, ``small_area``, ``planning``), the rounds' roles, the columns it
  names checked against the data (the typed model is :mod:`literacy.settings`);
* the domains (breakdowns, key groups, labels, derived columns) are :mod:`literacy.domains`,
  exported here too;
* ``schedule``: the rounds as data, ordered by year, the comparisons their roles name, the
  target's trajectory (a mid-term assessment when no round is the endline);
* ``estimates``: a round's design, its variance design and its shares by domain; the true
  shares of a simulated population;
* ``published``: a round's estimates flagged and suppressed as published;
* ``rounds``: the estimate stage of one round, every table its design gives (:func:`round_tables`);
* ``change``: the later round minus the earlier of a pair, and the multiple comparisons over the
  change table;
* ``round_changes``: the change for every pair the schedule names (``change.csv``);
* ``trend``: the linear trend of every domain over all rounds (``trend.csv``);
* ``verdicts``: the target verdicts and the headline;
* ``compare``: the compare stage, change, verdicts and headline as published
  (:func:`change_and_verdicts`);
* ``deliverables``: the evaluator tables, part scores, scorecard and methodology;
* ``models`` and ``drivers``: the determinants model and the association tests of a round;
* ``measurement``: item review, the link of the forms, the cuts, plausible values;
* ``linked``: the linked figures, the calibration's error, the anchor jackknife, the linked change;
* ``comparability``: whether the rounds compare, and the linked change table when they do not;
* ``small_area``: the Fay–Herriot figures of the small cells;
* ``planning``: the next round's sample plan;
* ``truth``: the estimates against a simulation's true values;
* ``estimate_command``: one estimate table from any survey data (``literacy estimate``);
* ``design_summary``: a design's header facts (strata, PSUs, observations, population, df).

Pure computation: DataFrames, dicts and designs in and out; no file I/O.
"""

from literacy.domains import (
    ESTIMATE_COLUMNS,
    GROUP_TOKEN,
    DomainSpec,
    add_derived,
    age_band,
    domain_labels,
    domain_population,
    domain_specs,
    group_column,
    group_indicator,
    label,
    level_codes,
)
from literacy.assessment.config import (
    NCHS_DEFAULTS,
    REPORTING_DEFAULTS,
    analysis_config,
    check_columns,
    check_planning,
    measurement_config,
    planning_config,
    round_ids,
    round_roles,
    small_area_config,
    validate_config,
)
from literacy.assessment.schedule import (
    CONSECUTIVE,
    SINCE_BASELINE,
    Comparison,
    SurveyRound,
    assessed_round,
    baseline_round,
    comparisons,
    endline_round,
    is_midterm_assessment,
    other_rounds,
    listed_out_of_order,
    survey_rounds,
    target_trajectory,
)
from literacy.assessment.estimates import (
    estimate_round,
    population_rates,
    round_design,
    variance_design,
)
from literacy.assessment.change import (
    CHANGE_COLUMNS,
    adjust_multiple_comparisons,
    compare_rounds,
)
from literacy.assessment.verdicts import (
    VERDICTS,
    VERDICT_COLUMNS,
    VERSUS_NATIONAL,
    headline,
    target_verdicts,
)
from literacy.assessment.published import (
    flagged_round_estimates,
    korn_graubard_config,
)
from literacy.assessment.rounds import (
    RoundTables,
    round_tables,
)
from literacy.assessment.compare import (
    change_and_verdicts,
)
from literacy.assessment.deliverables import (
    METHODOLOGY_COLUMNS,
    PART_COLUMNS,
    SCORECARD_COLUMNS,
    SCORECARD_INPUT_COLUMNS,
    STATUS_LABELS,
    VERDICT_LABELS,
    add_model_columns,
    design_facts,
    evaluator_columns,
    round_group_columns,
    evaluator_specs,
    evaluator_table,
    evaluator_tables,
    finish_verdicts,
    illustrative_scorecard,
    methodology_table,
    part_means,
    response_rates,
    scorecard_table,
)
from literacy.assessment.drivers import (
    DETERMINANTS_COLUMNS,
    associations_or_notes,
    determinants_or_note,
    round_drivers,
)
from literacy.assessment.models import (
    associations_table,
    determinants_table,
    score_quantiles,
)
from literacy.assessment.measurement import (
    LinkedScale,
    cut_scores,
    dif_review,
    irt_item_table,
    item_review,
    item_scores,
    link_forms,
    plausible_values,
    round_drift,
    pv_distribution,
    round_parameters,
    stack_rounds,
)
from literacy.assessment.linked import (
    CHANGE_LINKED_COLUMNS,
    add_linking_error,
    anchor_jackknife,
    calibration_error,
    change_calibration,
    change_linked_table,
    linked_round,
)
from literacy.assessment.comparability import (
    linked_headline,
    linking_note,
    refused_change_linked,
    rounds_comparable,
)
from literacy.assessment.small_area import (
    AREA_KEYS,
    DIRECT_LABEL_EN,
    DIRECT_LABEL_ZH,
    MODEL_LABEL_EN,
    MODEL_LABEL_ZH,
    MSE_METHODS,
    SMALL_AREA_COLUMNS,
    area_covariates,
    cell_frame,
    direct_cells,
    small_area_table,
)
from literacy.assessment.planning import (
    SAMPLE_PLAN_COLUMNS,
    domain_takes,
    plan_inputs,
    sample_plan,
)
from literacy.assessment.truth import (
    headline_truth,
    headline_truth_linked,
    truth_check,
    truth_check_linked,
)
from literacy.assessment.estimate_command import (
    STATISTICS,
    EstimateSpec,
    estimate_design,
    estimate_table,
)
from literacy.assessment.design_summary import DesignSummary, design_summary

from literacy.assessment.round_changes import ALL_CHANGE_COLUMNS, PAIR_COLUMNS, change_table, headline_change
from literacy.assessment.trend import TREND_COLUMNS, linear_trend, trend_table
from literacy.assessment.verdicts import midterm_verdict, verdict_target

__all__ = [
    "age_band",
    "group_indicator",
    "add_derived",
    "label",
    "GROUP_TOKEN",
    "DomainSpec",
    "domain_specs",
    "group_column",
    "domain_labels",
    "level_codes",
    "domain_population",
    "ESTIMATE_COLUMNS",
    "validate_config",
    "round_ids",
    "round_roles",
    "CONSECUTIVE",
    "SINCE_BASELINE",
    "Comparison",
    "SurveyRound",
    "assessed_round",
    "baseline_round",
    "comparisons",
    "endline_round",
    "is_midterm_assessment",
    "other_rounds",
    "listed_out_of_order",
    "survey_rounds",
    "target_trajectory",
    "REPORTING_DEFAULTS",
    "NCHS_DEFAULTS",
    "check_columns",
    "analysis_config",
    "measurement_config",
    "small_area_config",
    "planning_config",
    "check_planning",
    "round_design",
    "variance_design",
    "estimate_round",
    "population_rates",
    "compare_rounds",
    "adjust_multiple_comparisons",
    "CHANGE_COLUMNS",
    "target_verdicts",
    "headline",
    "VERDICT_COLUMNS",
    "VERDICTS",
    "VERSUS_NATIONAL",
    "korn_graubard_config",
    "flagged_round_estimates",
    "RoundTables",
    "round_tables",
    "change_and_verdicts",
    "VERDICT_LABELS",
    "STATUS_LABELS",
    "SCORECARD_COLUMNS",
    "SCORECARD_INPUT_COLUMNS",
    "PART_COLUMNS",
    "METHODOLOGY_COLUMNS",
    "finish_verdicts",
    "evaluator_table",
    "evaluator_columns",
    "round_group_columns",
    "part_means",
    "scorecard_table",
    "illustrative_scorecard",
    "response_rates",
    "design_facts",
    "methodology_table",
    "evaluator_specs",
    "evaluator_tables",
    "add_model_columns",
    "DETERMINANTS_COLUMNS",
    "determinants_or_note",
    "associations_or_notes",
    "round_drivers",
    "determinants_table",
    "associations_table",
    "score_quantiles",
    "item_scores",
    "item_review",
    "dif_review",
    "LinkedScale",
    "stack_rounds",
    "link_forms",
    "round_drift",
    "round_parameters",
    "cut_scores",
    "plausible_values",
    "irt_item_table",
    "pv_distribution",
    "calibration_error",
    "change_calibration",
    "linked_round",
    "anchor_jackknife",
    "add_linking_error",
    "change_linked_table",
    "CHANGE_LINKED_COLUMNS",
    "rounds_comparable",
    "linking_note",
    "refused_change_linked",
    "linked_headline",
    "area_covariates",
    "cell_frame",
    "direct_cells",
    "small_area_table",
    "SMALL_AREA_COLUMNS",
    "MSE_METHODS",
    "MODEL_LABEL_ZH",
    "MODEL_LABEL_EN",
    "AREA_KEYS",
    "DIRECT_LABEL_ZH",
    "DIRECT_LABEL_EN",
    "domain_takes",
    "plan_inputs",
    "sample_plan",
    "SAMPLE_PLAN_COLUMNS",
    "truth_check",
    "truth_check_linked",
    "headline_truth",
    "headline_truth_linked",
    "EstimateSpec",
    "estimate_table",
    "STATISTICS",
    "ALL_CHANGE_COLUMNS",
    "PAIR_COLUMNS",
    "change_table",
    "headline_change",
    "TREND_COLUMNS",
    "linear_trend",
    "trend_table",
    "midterm_verdict",
    "verdict_target",
    "estimate_design",
    "DesignSummary",
    "design_summary",
]
