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
    a = dict(config.get("analysis") or {})
    det = dict(a.get("determinants") or {})
    assoc = dict(a.get("associations") or {})
    out = {"enabled": bool(a.get("enabled", True)),
           "covariates": [str(c) for c in det.get("covariates", _COVARIATES)],
           "breakdowns": [str(c) for c in assoc.get("breakdowns", _COVARIATES)]}
    if not out["covariates"]:
        raise ConfigError("config: analysis.determinants.covariates must name at least one variable")
    return out
