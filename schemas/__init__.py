"""pandera schemas of the assessment's inputs (a delivery) and outputs (the tables).

Input schemas are built from the config (and, for responses, the instrument); output
schemas fix the columns, types and consistency of the published tables. ``validate`` runs
a schema lazily and raises a one-line :class:`SchemaValidationError` naming the file, the
line and the column of the first failures.
"""

from literacy_schemas.outputs import BREAKDOWNS, change_schema, estimates_schema, headline_schema, verdicts_schema
from literacy_schemas.raw import instrument_schema, margins_schema, responses_schema, sample_schema, truth_schema
from literacy_schemas.validation import SchemaValidationError, describe_failures, validate

__all__ = [
    "instrument_schema", "responses_schema", "sample_schema", "margins_schema", "truth_schema",
    "estimates_schema", "change_schema", "verdicts_schema", "headline_schema", "BREAKDOWNS",
    "SchemaValidationError", "validate", "describe_failures",
]
