"""pandera schemas of the assessment's inputs (a delivery) and outputs (the tables).

Input schemas are built from the config (and, for responses, the instrument); output
schemas fix the columns, types and consistency of the published tables. ``validate`` runs
a schema lazily and raises a one-line :class:`SchemaValidationError` naming the file, the
line and the column of the first failures.
"""

from literacy_schemas.outputs import (
    BREAKDOWNS,
    WEIGHT_STAGES,
    change_schema,
    decomposition_detail_schema,
    decomposition_schema,
    estimates_schema,
    evaluator_schema,
    headline_schema,
    methodology_schema,
    nonresponse_classes_schema,
    part_scores_schema,
    propensity_model_schema,
    scorecard_table_schema,
    verdicts_schema,
    trend_schema,
    weights_diagnostics_schema,
    weights_margins_schema,
)
from literacy_schemas.raw import (
    instrument_schema,
    margins_schema,
    responses_schema,
    sample_schema,
    scorecard_schema,
    truth_schema,
)
from literacy_schemas.analysis import associations_schema, determinants_schema
from literacy_schemas.measurement import (
    change_linked_schema,
    dif_schema,
    estimates_linked_schema,
    irt_items_schema,
    irt_scale_schema,
    items_schema,
    pv_distribution_schema,
    reliability_schema,
)
from literacy_schemas.small_area import sample_plan_schema, small_area_schema
from literacy_schemas.quality import (data_quality_schema, interviewers_schema, nonresponse_bias_schema,  # issue 26
                                     response_rates_schema)
from literacy_schemas.validation import SchemaValidationError, describe_failures, validate

__all__ = [
    "instrument_schema", "responses_schema", "sample_schema", "margins_schema", "truth_schema",
    "estimates_schema", "change_schema", "trend_schema", "verdicts_schema", "headline_schema", "weights_diagnostics_schema",
    "weights_margins_schema", "WEIGHT_STAGES", "BREAKDOWNS", "scorecard_schema", "evaluator_schema",
    "decomposition_schema", "decomposition_detail_schema", "part_scores_schema", "scorecard_table_schema",
    "methodology_schema", "nonresponse_classes_schema", "propensity_model_schema", "small_area_schema",
    "sample_plan_schema", "items_schema", "reliability_schema", "dif_schema", "irt_items_schema", "irt_scale_schema",
    "estimates_linked_schema", "change_linked_schema", "pv_distribution_schema", "determinants_schema",
    "associations_schema", "response_rates_schema", "nonresponse_bias_schema", "data_quality_schema",
    "interviewers_schema",
    "SchemaValidationError", "validate", "describe_failures",
]
