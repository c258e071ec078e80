"""``estimation`` (the variance method and intervals), ``targets`` and ``reporting`` (what is published)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from literacy.survey import REPLICATE_METHODS
from literacy.settings.base import Code, Flag, Number, Real, Section, Share, Whole

__all__ = ["Estimation", "Targets", "National", "Reporting", "Cover", "Nchs", "VARIANCE_METHODS", "PUBLISHED_CI_METHODS"]

#: Taylor linearisation or a replicate method built from the design (delivered weights, "other", are
#: not a config choice).
VARIANCE_METHODS = ("taylor", *(m for m in REPLICATE_METHODS if m != "other"))
#: The intervals the assessment may publish for its shares (a subset of the design's ``CI_METHODS``:
#: those every design type gives).
PUBLISHED_CI_METHODS = ("logit", "beta", "wilson", "wald")


class Estimation(Section):
    """``estimation``: Taylor linearisation (raking-aware) or a replicate method, and the intervals."""

    method: Literal[VARIANCE_METHODS] = "taylor"
    ci: Literal[PUBLISHED_CI_METHODS] = "logit"
    level: Number = Field(0.95, gt=0, lt=1)
    replicates: Whole | None = Field(None, ge=2)   # bootstrap: required; jk1/jkn/brr: the design's own
    seed: Whole | None = Field(None, ge=0)         # bootstrap: required
    rho: Number | None = Field(None, gt=0, lt=1)   # fay: required
    mse: Flag = False                              # replicate variance around the full-sample estimate

    @model_validator(mode="before")
    @classmethod
    def _lower(cls, data):
        if isinstance(data, dict) and isinstance(data.get("method"), str):
            data = {**data, "method": data["method"].lower()}
        return data

    @model_validator(mode="after")
    def _needs(self):
        if self.method == "bootstrap":
            for key in ("replicates", "seed"):
                if getattr(self, key) is None:
                    raise ValueError(f"{key} is needed for the bootstrap")
        if self.method == "fay" and self.rho is None:
            raise ValueError("rho (between 0 and 1) is needed for Fay's method")
        return self


class National(Section):
    """``targets.national.<round>``: the national headline to compare with."""

    rate: Share
    year: Whole | None = None
    note: str = ""


class Targets(Section):
    """``targets``: the plan's target share and the published baseline."""

    headline: Share
    year: Whole | None = Field(None, ge=1900, le=2200,
                               description="the year the target is due (None: the endline round's year)")
    baseline_published: Share | None = None
    national: dict[Code, National] = {}
    # the plan's own targets for some districts or key groups (breakdown -> domain code -> share);
    # a domain not listed is judged against `headline`, the city's target
    domains: dict[Literal["district", "group"], dict[Code, Share]] = {}


class Nchs(Section):
    """``reporting.nchs``: NCHS Data Presentation Standards for Proportions (Parker et al. 2017), its defaults."""

    min_effective_n: Real = Field(30.0, ge=0)
    max_ci_width: Real = Field(0.30, ge=0)
    small_ci_width: Real = Field(0.05, ge=0)
    max_relative_ci_width: Real = Field(1.30, ge=0)
    min_df: Real = Field(8.0, ge=0)

    @model_validator(mode="after")
    def _widths(self):
        if not self.small_ci_width <= self.max_ci_width:
            raise ValueError("small_ci_width must not exceed max_ci_width")
        return self


class Cover(Section):
    """``reporting.cover``: what the evaluation report's cover says (who issues it, when, which version)."""

    issuer_zh: str = ""              # e.g. 乌海市全民科学素质工作领导小组办公室
    issuer_en: str = ""
    date: str = ""                   # as printed, e.g. "2025年12月" / "December 2025" (no clock: reproducible)
    date_en: str = ""
    version: str = "draft"           # e.g. "v1.0"; "draft" prints 征求意见稿 / Draft for comment


class Reporting(Section):
    """``reporting``: the minimum cell size and the reliability standard, and the report's cover."""

    min_n: Whole = Field(30, ge=1)                 # unweighted respondents; smaller cells are suppressed
    suppress_unreliable: Flag = True
    nchs: Nchs = Nchs()
    cover: Cover = Cover()
