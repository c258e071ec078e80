"""The typed assessment config (docs/reference/config.md): one pydantic model per section, unknown keys
refused, each default written once; :func:`parse_config` reads a parsed YAML mapping into
:class:`AssessmentConfig`, :func:`resolved_config` gives the plain mapping the pipeline passes
between tasks, and :func:`json_schema` the JSON Schema editors check a config against.

Modules: ``base`` (strict section base, value types, one-line errors), ``survey`` (assessment,
paths, rounds, survey, design, scoring, groups), ``weighting``, ``estimation`` (estimation,
targets, reporting), ``delivery`` (ingest, scorecard), ``analysis`` (measurement, analysis,
small_area, planning), ``simulation``, ``province`` (the province config) and ``model`` (the whole).
"""

from literacy.settings.model import AssessmentConfig, json_schema, parse_config, resolved_config

__all__ = ["AssessmentConfig", "parse_config", "resolved_config", "json_schema"]
