"""The model sections: ``measurement`` (item review, IRT linking, plausible values), ``analysis``
(what drives literacy), ``small_area`` (Fay–Herriot cells) and ``planning`` (the next sample)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from literacy.settings.base import Columns, Flag, Names, Number, Real, Section, Whole

__all__ = ["Measurement", "Analysis", "Determinants", "Associations", "SmallArea", "SmallAreaModel", "Bootstrap",
           "Planning", "STANDARD_VARIABLES", "DEFAULT_SMALL_AREA_MODELS"]

#: The survey's standard background variables: the latent regression's conditioning, the
#: determinants model and the association tests use those of them the data has.
STANDARD_VARIABLES = ("district", "residence", "sex", "age_band", "education", "occupation")


class Measurement(Section):
    """``measurement``: linking rounds answered on different forms (docs/methods/comparable-rounds.md).

    ``conditioning`` and ``dif_groupings`` left out (null) use the standard variables the data
    has; written out, every column named must exist in the data.
    """

    min_anchor_items: Whole = Field(8, ge=1)       # at least this many anchor items ...
    min_anchor_share: Real = Field(0.20, ge=0, le=1)   # ... and this share of the smaller form's items
    enabled: Flag = True
    model: Literal["2pl", "1pl"] = "2pl"
    rmsd_limit: Real = Field(0.12, gt=0)
    free_drift_class: Literal["B", "C", "none"] = "C"
    plausible_values: Whole = Field(20, ge=2)
    conditioning: Names | None = None             # None: STANDARD_VARIABLES the data has
    seed: Whole | None = Field(None, ge=0)        # None: the assessment seed
    linking_error: Literal["jackknife", "none"] = "jackknife"
    dif_groupings: Names | None = None            # None: sex, residence, district (those the data has)

    @field_validator("model", mode="before")
    @classmethod
    def _lower(cls, v):
        return v.lower() if isinstance(v, str) else v


class Determinants(Section):
    """``analysis.determinants``: the logistic model of the headline level."""

    covariates: Names | None = Field(None, min_length=1)   # None: STANDARD_VARIABLES the data has


class Associations(Section):
    """``analysis.associations``: Rao–Scott tests of the literacy level against each variable."""

    breakdowns: Names | None = None                        # None: STANDARD_VARIABLES the data has


class Analysis(Section):
    """``analysis``: what drives literacy."""

    enabled: Flag = True
    determinants: Determinants = Determinants()
    associations: Associations = Associations()


class Bootstrap(Section):
    """``small_area.bootstrap``: the parametric bootstrap of the MSE and intervals."""

    replicates: Whole = Field(200, ge=0)
    seed: Whole | None = Field(None, ge=0)        # None: the assessment seed


class SmallAreaModel(Section):
    """``small_area.models[]``: one modelled breakdown (``group`` stands for the key groups)."""

    breakdown: Columns
    formula: str
    benchmark: Literal["auto", True, False] = "auto"

    @field_validator("formula")
    @classmethod
    def _rhs(cls, v: str) -> str:
        return v.split("~")[-1].strip()

    @model_validator(mode="after")
    def _district(self):
        if "district" not in self.breakdown:
            raise ValueError("breakdown must include district (the covariates and benchmarking are the district's)")
        return self


#: The models fitted when ``small_area.models`` is left out.
DEFAULT_SMALL_AREA_MODELS = (
    {"breakdown": ["district", "group"], "formula": "C(group) + share_higher_education"},
    {"breakdown": ["district", "sex", "age_band"], "formula": "C(sex) + C(age_band) + share_higher_education"},
)


class SmallArea(Section):
    """``small_area``: area-level Fay–Herriot models on the arcsine scale (docs/methods/small-areas.md)."""

    enabled: Flag = True
    levels: Names | None = None                    # None: the headline level
    # AMRL by default: never 0, the best coverage by cell class (benchmarks/results/sae_methods_study.md)
    method: Literal["REML", "ML", "FH", "AMRL", "AMRL_YL", "AMPL", "AMPL_YL"] = "AMRL"
    deff_pooling: Literal["mean", "loglinear"] = "mean"
    alpha: Number | None = Field(None, gt=0, lt=1)  # None: 1 - estimation.level
    bootstrap: Bootstrap = Bootstrap()
    models: list[SmallAreaModel] = [SmallAreaModel(**m) for m in DEFAULT_SMALL_AREA_MODELS]

    @field_validator("method", mode="before")
    @classmethod
    def _upper(cls, v):
        return v.upper() if isinstance(v, str) else v


class Planning(Section):
    """``planning``: the next plan's survey (docs/methods/small-areas.md)."""

    target_neff: Real = Field(400, gt=0)
    half_width: Real | None = Field(None, gt=0, lt=1)   # e.g. 0.02 for +-2 points (replaces target_neff)
    alpha: Real = Field(0.05, gt=0, lt=1)
    power: Real = Field(0.8, gt=0, lt=1)
    planned_per_psu: Real | None = Field(None, ge=1)    # None: as in the last round
