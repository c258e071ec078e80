"""The province config (``config/inner-mongolia.yaml``): its members, the roll-up and the simulated example.

A member is either a complete city config (``config: path``) or built from the ``template`` city
config with its own names, residents, districts and rates (:func:`literacy.province.member_config`);
its ``overrides`` are merged into the built city config, which is then read by the assessment
config's own model (so a typo there is caught too).
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from literacy.settings.base import Code, Number, Real, Section, Share, Whole, parse
from literacy.settings.estimation import National

__all__ = ["ProvinceConfig", "Member", "MemberDistrict", "Rollup", "ProvinceSimulation", "parse_province",
           "ID_PATTERN"]

#: A member id is a folder name: lower-case letters, digits, '-' and '_'.
ID_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]*")


class Province(Section):
    """``province``: its id, names and seed."""

    id: Code
    name_zh: str | None = None       # None: the id
    name_en: str | None = None       # None: the id
    seed: Whole = Field(0, ge=0)     # each member's seed derives from this and its id unless given

    @model_validator(mode="after")
    def _names(self):
        self.name_zh = self.name_zh or self.id
        self.name_en = self.name_en or self.id
        return self


class ProvincePaths(Section):
    """``paths``: one delivery folder per member (named by its id); outputs per member and ``province/``."""

    raw: str | None = None
    processed: str | None = None


class ProvinceTargets(Section):
    """``targets``: the province's target share (also each template member's unless it sets ``target``).
    ``baseline_published`` and ``national`` are for the reader; members keep the template's national figures."""

    headline: Share
    baseline_published: Share | None = None
    national: dict[Code, National] = {}


class Rollup(Section):
    """``rollup``: the pooled design over the finished cities."""

    variance: Literal["taylor", "jk1", "jkn", "bootstrap"] = "taylor"
    fdr: Real = Field(0.05, gt=0, lt=1)      # Benjamini–Hochberg level of the city-vs-province tests
    min_cities: Whole = Field(1, ge=1)       # fewer finished members than this: no roll-up


class AdultsPerPsu(Section):
    urban: Number = Field(300, gt=0)
    rural: Number = Field(80, gt=0)


class ProvinceSimulation(Section):
    """``simulation``: the simulated example (``literacy simulate --province``)."""

    population_scale: Real = Field(0.02, gt=0)
    respondents_per_round: Number = Field(500, gt=0)    # per member and round (approximate)
    psus_per_round: Number = Field(24, gt=0)            # per member and round
    adults_per_psu: AdultsPerPsu = AdultsPerPsu()


class MemberDistrict(Section):
    """``members[].districts.<code>``."""

    zh: str
    en: str
    share: Share
    rural_share: Share
    psu_code: Code | None = None     # None: the code's first four letters, upper case
    education: Real = 0.0
    literacy: Real = 0.0


class Member(Section):
    """``members[]``: a complete city config (``config``), or a template member."""

    id: Code
    config: str | None = None
    name_zh: str | None = None
    name_en: str | None = None
    residents: Number | None = Field(None, gt=0)
    rates: dict[Code, Share] | None = None
    districts: dict[Code, MemberDistrict] | None = None
    target: Share | None = None      # None: the province's targets.headline
    seed: Whole | None = Field(None, ge=0)
    overrides: dict[str, Any] | None = None

    @field_validator("id")
    @classmethod
    def _folder_name(cls, v: str) -> str:
        if not ID_PATTERN.fullmatch(v) or v == "province":
            raise ValueError(f"{v!r} must be lower-case letters, digits, '-' or '_' (a folder name), and not "
                             f"'province'")
        return v

    @model_validator(mode="after")
    def _template_member(self):
        if self.config is not None:
            return self
        for k in ("name_zh", "name_en", "residents", "rates", "districts"):
            if getattr(self, k) is None:
                raise ValueError(f"missing '{k}' (a member without 'config' is built from the template)")
        if not self.districts:
            raise ValueError("districts must be a mapping of district codes")
        total = sum(float(d.share) for d in self.districts.values())
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"districts: the shares add up to {total:g}, not 1")
        for code, d in self.districts.items():
            if d.psu_code is None:
                d.psu_code = code[:4].upper()
        return self


class ProvinceConfig(Section):
    """A province config: many city assessments at once and their roll-up."""

    province: Province
    paths: ProvincePaths = ProvincePaths()
    template: str | None = None
    targets: ProvinceTargets
    rollup: Rollup = Rollup()
    simulation: ProvinceSimulation = ProvinceSimulation()
    members: list[Member] = Field(min_length=1)

    @model_validator(mode="after")
    def _members(self):
        seen = set()
        for i, m in enumerate(self.members):
            if m.id in seen:
                raise ValueError(f"members[{i}].id {m.id!r} is used twice")
            seen.add(m.id)
            if m.config is None and not self.template:
                raise ValueError(f"members[{i}] has no 'config' and there is no 'template'")
        return self


def parse_province(raw: Any) -> ProvinceConfig:
    """The typed province config; one-line :class:`ConfigError` naming the key's path."""
    return parse(ProvinceConfig, raw, "province config: ")
