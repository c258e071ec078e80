"""``weighting``: nonresponse adjustment, raking to the census margins, trimming."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_serializer, model_validator

from literacy.settings.base import Code, Columns, Crossings, Flag, Names, Number, Section, Whole
from literacy.weighting.nonresponse import PROPENSITY_FACTORS   # how a class's factor is formed

__all__ = ["Weighting", "Nonresponse", "Propensity", "Raking", "Trimming", "Cap", "PROPENSITY_FACTORS"]



class Propensity(Section):
    """``weighting.nonresponse.propensity``: the logistic model of responding (``method: propensity``;
    allowed, and unused, with ``method: classes``)."""

    covariates: Crossings | None = None     # None: the weighting classes; a list is a crossing
    numeric: Names = []
    n_classes: Whole = Field(5, ge=1)
    factor: Literal[PROPENSITY_FACTORS] = "weighted_rate"


class Nonresponse(Section):
    """``weighting.nonresponse``."""

    method: Literal["classes", "propensity"] = "classes"
    classes: Names = []
    min_class_size: Whole = Field(20, ge=1)
    propensity: Propensity = Propensity()

    @model_validator(mode="after")
    def _covariates(self):
        if self.propensity.covariates is None:
            self.propensity.covariates = list(self.classes)
        if self.method == "propensity" and not self.propensity.covariates:
            raise ValueError("propensity.covariates is empty")
        return self


class Cap(Section):
    """A trimming cap as a mapping: exactly one of ``value``, ``median``, ``mean``, ``percentile``
    (a number) or ``groups`` ({group: cap})."""

    value: Number | None = Field(None, ge=0)
    median: Number | None = Field(None, ge=0)
    mean: Number | None = Field(None, ge=0)
    percentile: Number | None = Field(None, ge=0, le=100)
    groups: dict[Code, Number] | None = None

    @model_validator(mode="after")
    def _one(self):
        given = [k for k in ("value", "median", "mean", "percentile", "groups") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("a cap is a number or a mapping with exactly one of value, median, mean, percentile, groups")
        return self

    @model_serializer(mode="wrap")
    def _given_only(self, handler):
        return {k: v for k, v in handler(self).items() if v is not None}


class Trimming(Section):
    """``weighting.trimming``: present and ``enabled`` (the default once the section is written): trim."""

    enabled: Flag = True
    upper: Number | Cap | None = None
    lower: Number | Cap | None = None
    by: Code | None = None
    redistribute: Literal["proportional", "equal"] = "proportional"
    max_iter: Whole = Field(100, ge=1)
    rerake: Flag = True
    cycles: Whole = Field(1, ge=1)

    @model_validator(mode="after")
    def _caps(self):
        if self.enabled and self.upper is None and self.lower is None:
            raise ValueError("needs 'upper' and/or 'lower' caps")
        return self


class Raking(Section):
    """``weighting.raking``: the margins (each a column or a crossing, matched in margins.csv)."""

    margins: list[Columns] = Field(min_length=1)
    tolerance: Number = Field(1e-8, gt=0)
    max_iter: Whole = Field(100, ge=1)


class Weighting(Section):
    """``weighting``."""

    nonresponse: Nonresponse = Nonresponse()
    raking: Raking
    trimming: Trimming | None = None   # absent: no trimming
