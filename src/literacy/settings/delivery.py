"""``ingest`` (reading a delivery) and ``scorecard`` (the plan's department-reported targets)."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from literacy.settings.base import Code, Labelled, Names, Real, Section, Whole

__all__ = ["Ingest", "ConsistencyRule", "Scorecard", "Indicator"]


class ConsistencyRule(Section):
    """``ingest.consistency[]``: ``{name}`` in the pattern stands for the row's value of column ``name``;
    the whole value must match."""

    column: Code
    pattern: str
    description: str = ""

    @field_validator("pattern")
    @classmethod
    def _regex(cls, v: str) -> str:
        try:
            re.compile(re.sub(r"\{([A-Za-z_][A-Za-z0-9_]*)\}", "x", v))
        except re.error as exc:
            raise ValueError(f"not a regular expression: {exc}") from None
        return v


class Ingest(Section):
    """``ingest``: docs/reference/delivery-formats.md."""

    max_quarantine_share: Real = Field(0.05, ge=0, le=1)
    column_map: dict[Code, Code] = {}             # vendor column names -> ours
    value_map: dict[Code, dict[Code, Code | None]] = {}   # per column, vendor values -> our codes (null: missing)
    identifiers: Names = []                       # extra columns always dropped
    keep_columns: Names = []                      # extra text columns kept
    consistency: list[ConsistencyRule] = []
    match_sample: Names | None = None             # None: the design's strata, PSU and selection probability
    header_row: dict[Code, Annotated[Whole, Field(ge=1)]] = {}   # Excel, per file: {responses: 3} (title rows above)

    @model_validator(mode="after")
    def _check(self):
        targets = list(self.column_map.values())
        dup = sorted({v for v in targets if targets.count(v) > 1})
        if dup:
            raise ValueError(f"column_map maps several columns to '{dup[0]}'")
        both = sorted(set(self.identifiers) & set(self.keep_columns))
        if both:
            raise ValueError(f"identifiers and keep_columns both list '{both[0]}'")
        return self


class Indicator(Labelled):
    """``scorecard.indicators[]``: one quantified target reported by a department."""

    target: Real
    comparison: Literal[">=", "<="] = ">="
    unit_zh: str = ""
    unit_en: str = ""
    lead_zh: str = ""
    lead_en: str = ""


class Scorecard(Section):
    """``scorecard``: actuals are read from ``<paths.raw>/<file>``; an indicator without a report reads "no report"."""

    file: str = "scorecard.csv"
    period: Code = ""
    indicators: list[Indicator] = []

    @model_validator(mode="after")
    def _unique(self):
        codes = [i.code for i in self.indicators]
        dup = next((c for c in codes if codes.count(c) > 1), None)
        if dup is not None:
            raise ValueError(f"indicator code '{dup}' is used twice")
        return self
