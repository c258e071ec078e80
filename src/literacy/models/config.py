"""The ``analysis`` section of the config: what drives literacy (the determinants model and the
tests of association written by the assessment)."""

from __future__ import annotations

from literacy.settings.analysis import STANDARD_VARIABLES

__all__ = ["analysis_config"]


def analysis_config(config: dict) -> dict:
    """The resolved ``analysis`` section (:class:`literacy.settings.analysis.Analysis`): ``enabled``,
    ``covariates`` (the logistic model of the headline level) and ``breakdowns`` (Rao–Scott tests of
    the literacy level); a left-out list is the standard variables (district, residence, sex, age
    band, education, occupation) that the data has, and ``configured`` names the lists written out."""
    a = config["analysis"]
    covariates, breakdowns = a["determinants"]["covariates"], a["associations"]["breakdowns"]
    return {"enabled": a["enabled"],
            "covariates": list(STANDARD_VARIABLES) if covariates is None else list(covariates),
            "breakdowns": list(STANDARD_VARIABLES) if breakdowns is None else list(breakdowns),
            "configured": {k for k, v in (("covariates", covariates), ("breakdowns", breakdowns)) if v is not None}}
