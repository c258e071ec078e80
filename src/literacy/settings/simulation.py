"""``simulation``: the embedded default data (``literacy simulate``; docs/methods/core.md, "Simulation").

Optional for ``validate`` and ``run`` (a real delivery needs none); ``literacy simulate`` needs
``target_rates``, ``respondents_per_round``, ``sampled_psus`` and ``population``.
"""

from __future__ import annotations

from pydantic import Field, model_validator

from literacy.settings.base import Code, Flag, Number, Real, Section, Share, Whole

__all__ = ["Simulation", "Form", "Population", "SimulatedDistrict", "AdultsPerPsu"]


class Form(Section):
    """``simulation.forms.<round>``: the round answers its own form (``anchors`` items of the baseline
    form, new harder items for the others; ``drifting`` anchors change difficulty by ``drift``)."""

    anchors: Whole = Field(ge=1)
    seed: Whole = Field(ge=0)
    drifting: Whole = Field(0, ge=0)
    drift: Real = 0.0

    @model_validator(mode="after")
    def _drifting(self):
        if self.drifting > self.anchors:
            raise ValueError("drifting must not exceed anchors")
        return self


class SimulatedDistrict(Section):
    """``simulation.population.districts.<code>``."""

    residents: Number = Field(ge=0)
    rural_share: Share
    psu_code: Code | None = None      # None: the code's first three letters, upper case
    education: Real = 0.0             # offset of the education model
    literacy: Real = 0.0              # offset of the latent-literacy model


class AdultsPerPsu(Section):
    """``simulation.population.adults_per_psu``: mean adults per community / village."""

    urban: Number | None = Field(None, gt=0)
    rural: Number | None = Field(None, gt=0)


class Population(Section):
    """``simulation.population``: the synthetic population of adults."""

    census_year: Whole | None = None   # None: the first round's id
    adult_share: Share
    sex_ratio: Number = Field(gt=0)    # men per 100 women
    adults_per_psu: AdultsPerPsu
    districts: dict[Code, SimulatedDistrict] = Field(min_length=1)


class Simulation(Section):
    """``simulation``: only for ``literacy simulate``."""

    population_scale: Real = Field(1.0, gt=0)
    target_rates: dict[Code, Share] | None = None
    respondents_per_round: Number | None = Field(None, gt=0)   # at scale 1.0
    sampled_psus: dict[Code, Number] | None = None            # per stratum <district>-<urban|rural>, at scale 1.0
    forms: dict[Code, Form] = {}
    population: Population | None = None
    # plant fieldwork errors (speeders, straight-liners, duplicates, interviewers whose respondents
    # score too high: <round>/fieldwork_truth.csv); false measures the estimator alone
    fieldwork_errors: Flag = True
