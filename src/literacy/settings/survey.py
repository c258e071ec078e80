"""The survey's own sections: ``assessment``, ``paths``, ``rounds``, ``survey``, ``design``, ``scoring``,
``groups`` and ``breakdowns``."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, model_serializer, model_validator

from literacy.survey import LONELY_PSU   # what a stratum with one PSU does (R's survey.lonely.psu)
from literacy.settings.base import Code, Columns, Flag, Labelled, Number, Section, Whole, ZhEn

__all__ = ["Assessment", "Paths", "Round", "AgeBand", "Survey", "Design", "Scoring", "Level", "Condition",
           "Group", "ROLES", "LONELY_PSU"]

#: A round's role in the plan: the baseline and end-of-period rounds the change is measured
#: between, a mid-term evaluation (中期评估), an annual monitoring round, or any other round.
ROLES = ("baseline", "endline", "midterm", "annual", "round")


def _part(value):
    if isinstance(value, (list, tuple)) and len(value) != 3:
        raise ValueError(f"must be [points, zh, en], not {list(value)!r}")
    return value


class Assessment(Section):
    """``assessment``: who and what."""

    id: Code
    name_en: str = ""
    name_zh: str = ""
    seed: Whole = Field(0, ge=0, description="every random step in simulate / run derives from this")


class Paths(Section):
    """``paths``: the delivery and the output folder (relative to the config's folder)."""

    raw: str | None = None
    processed: str | None = None


class Round(Section):
    """``rounds[]``: one survey round."""

    id: Code
    role: Literal[ROLES] = "round"
    year: Whole | None = Field(None, ge=1900, le=2200,
                               description="the fieldwork year; rounds are ordered by it (None: the id, when it is a year)")
    label_zh: str | None = None      # None: the id
    label_en: str | None = None      # None: the id

    @model_validator(mode="after")
    def _labels(self):
        self.label_zh = self.label_zh or self.id
        self.label_en = self.label_en or self.id
        if self.year is None:
            if not re.fullmatch(r"(19|20|21)\d\d", self.id):
                raise ValueError(f"round {self.id!r} needs a 'year' (its id is not a year): rounds are ordered by year")
            self.year = int(self.id)
        return self


class AgeBand(Labelled):
    """``survey.age_bands[]``: ``[low, high]`` inclusive."""

    low: Whole
    high: Whole

    @model_validator(mode="after")
    def _check(self):
        if self.low > self.high:
            raise ValueError("low is above high")
        return self


class Survey(Section):
    """``survey``: the surveyed ages and the value labels (code: [zh, en]) of the categorical variables."""

    age_min: Whole
    age_max: Whole
    age_bands: list[AgeBand]
    labels: dict[Code, dict[Code, ZhEn]] = {}

    @model_validator(mode="after")
    def _age_band_labels(self):
        if "age_band" not in self.labels:
            self.labels = {**self.labels, "age_band": {b.code: (b.zh, b.en) for b in self.age_bands}}
        return self


class Design(Section):
    """``design``: the design variables of the responses and sample files."""

    respondent_id: Code = "respondent_id"
    strata: Code
    psu: Code
    selection_prob: Code
    fpc: Code | None = None
    nest: Flag = False               # PSU ids repeat across strata (a PSU is its stratum and id)
    lonely_psu: Literal[LONELY_PSU] = "fail"


class Level(Labelled):
    """``scoring.levels[]``: a cumulative literacy level, with what a resident at this level can do."""

    threshold: Number
    description_zh: str = ""
    description_en: str = ""


class Scoring(Section):
    """``scoring``: the questionnaire and the graded rule."""

    instrument: str = "instrument.csv"
    rule: Literal["graded"] = "graded"
    max_score: Number
    parts: dict[Code, Annotated[tuple[Number, str, str], BeforeValidator(_part)]]   # part: [points, zh, en]
    inclusive: Flag = False          # "at least" (及以上) when true, "above" (超过) when false
    levels: list[Level] = Field(min_length=1)
    headline: Code

    @model_validator(mode="after")
    def _check(self):
        if abs(sum(float(p[0]) for p in self.parts.values()) - float(self.max_score)) > 1e-9:
            raise ValueError("the parts' points do not add up to max_score")
        codes = [lv.code for lv in self.levels]
        if self.headline not in codes:
            raise ValueError(f"headline {self.headline!r} is not one of the level codes {codes}")
        return self


class Condition(Section):
    """``groups[].rule[]``: a condition on a survey variable (``in`` a list, or ``between`` two values)."""

    column: Code
    in_: list[Code] | None = Field(None, alias="in")
    between: tuple[Number, Number] | None = None

    @model_validator(mode="after")
    def _one(self):
        if (self.in_ is None) == (self.between is None):
            raise ValueError("needs exactly one of 'in' or 'between'")
        return self

    @model_serializer(mode="wrap")
    def _given_only(self, handler):
        return {k: v for k, v in handler(self).items() if v is not None}


class Group(Labelled):
    """``groups[]``: one of the plan's key groups, a rule on survey variables."""

    lead_zh: str = ""
    lead_en: str = ""
    rule: list[Condition] = Field(min_length=1)


BreakdownList = list[Columns]
