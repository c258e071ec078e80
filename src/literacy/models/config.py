"""The ``analysis`` section of the config: what drives literacy (the determinants model and the
tests of association written by the assessment)."""

from __future__ import annotations

from literacy.errors import ConfigError

__all__ = ["analysis_config"]

_COVARIATES = ["district", "residence", "sex", "age_band", "education", "occupation"]


def analysis_config(config: dict) -> dict:
    """``analysis`` with defaults: ``enabled`` (true), ``determinants.covariates`` (district,
    residence, sex, age band, education, occupation: the logistic model of the headline level),
    ``associations.breakdowns`` (the same variables: Rao–Scott tests of the literacy level)."""
    from literacy.config_values import flag, mapping, names

    a = mapping(config.get("analysis"), "analysis")
    det = mapping(a.get("determinants"), "analysis.determinants")
    assoc = mapping(a.get("associations"), "analysis.associations")
    out = {"enabled": flag(a.get("enabled", True), "analysis.enabled"),
           "covariates": names(det.get("covariates", _COVARIATES), "analysis.determinants.covariates"),
           "breakdowns": names(assoc.get("breakdowns", _COVARIATES), "analysis.associations.breakdowns"),
           "configured": {k for k, sec in (("covariates", det), ("breakdowns", assoc)) if sec.get(k) is not None}}
    if not out["covariates"]:
        raise ConfigError("config: analysis.determinants.covariates must name at least one variable")
    return out
