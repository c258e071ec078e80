"""The assessment config: parsed once into the typed model (:mod:`literacy.settings`), checked
against what the assessment needs, and handed on resolved (every default filled); then the
readers of its sections and the check of the columns it names against the data.

Everything city-specific (districts, groups, thresholds, targets, margins, paths) lives in the
config. A mistake is one line naming the key's full path (an unknown key with the nearest known
one), never a KeyError deep in a flow, and never silently ignored: every section refuses keys it
does not know. A column the user named in the config and the data lacks is a one-line
:class:`~literacy.errors.ConfigError` too (:func:`check_columns`).

The typed model itself stays in :mod:`literacy.settings`: the methods packages read it
(``literacy.measurement.forms``, ``literacy.province``) and must not import the assessment.
"""

from __future__ import annotations

import math
from typing import Any

from literacy.assessment.schedule import assessed_round, baseline_round
from literacy.errors import ConfigError, DataError, nearest_columns
from literacy.settings import parse_config, resolved_config
from literacy.settings.analysis import STANDARD_VARIABLES
from literacy.settings.estimation import Nchs, Reporting

__all__ = ["validate_config", "round_ids", "round_roles", "REPORTING_DEFAULTS", "NCHS_DEFAULTS", "check_columns",
           "analysis_config", "measurement_config", "small_area_config", "planning_config", "check_planning"]

#: Defaults of ``reporting`` and of its NCHS thresholds (Parker et al. 2017), as the model writes them.
NCHS_DEFAULTS = Nchs().model_dump()
REPORTING_DEFAULTS = {k: v for k, v in Reporting().model_dump().items() if k not in ("nchs", "cover")}


def validate_config(raw: Any) -> dict:
    """Check an assessment config and return it resolved.

    Parameters
    ----------
    raw : dict
        The parsed YAML.

    Returns
    -------
    dict
        The typed config (:class:`literacy.settings.AssessmentConfig`) as a plain mapping: every
        section and key present with its default filled, crossings in ``breakdowns`` as lists.

    Raises
    ------
    ConfigError
        One line naming the offending key (``config: reporting.minn is not a known setting; did
        you mean reporting.min_n?``).
    """
    return resolved_config(parse_config(raw))


def round_ids(cfg: dict) -> list[str]:
    """The configured round ids in order.

    Parameters
    ----------
    cfg : dict
        The validated config.

    Returns
    -------
    list of str
    """
    return [r["id"] for r in cfg["rounds"]]


def round_roles(config: dict) -> tuple[str, str]:
    """(baseline round id, assessed round id): the pair the headline, the verdicts and the
    evaluator tables' "change" compare.

    The assessed round is the endline, or, in a mid-term assessment (no round has role
    ``endline``), the latest round after the baseline
    (:func:`literacy.assessment.schedule.assessed_round`). Every other pair of rounds is in
    :func:`literacy.assessment.schedule.comparisons`.

    Parameters
    ----------
    config : dict
        The validated config (``rounds``).

    Returns
    -------
    tuple of str

    Raises
    ------
    ConfigError
        One line when no round has role ``baseline`` or no round follows it (``literacy
        validate`` and ``literacy run`` check this before any work starts).
    """
    return baseline_round(config).id, assessed_round(config).id


def check_columns(wanted: list[str], present, key: str, configured: bool) -> list[str]:
    """The wanted columns the data has.

    A column the user *configured* and the data lacks is a one-line error (a typo must not
    silently change a model); the defaults a delivery lacks are left out.

    Parameters
    ----------
    wanted : list of str
        The columns named (by the user, or the defaults).
    present : iterable of str
        The data's columns.
    key : str
        The config key that named them (for the message).
    configured : bool
        Whether the user wrote the list out.

    Returns
    -------
    list of str
        The wanted columns the data has, in the order wanted.

    Raises
    ------
    ConfigError
        A configured column the data does not have (with the nearest column names).
    """
    have = set(present)
    missing = [c for c in wanted if c not in have]
    if missing and configured:
        near = nearest_columns(missing[0], have)
        hint = ("; did you mean " + " or ".join(repr(c) for c in near) + "?") if near else ""
        raise ConfigError(f"config: {key} names column(s) the data does not have: {', '.join(missing)}{hint}")
    return [c for c in wanted if c in have]


def analysis_config(config: dict) -> dict:
    """The resolved ``analysis`` section: what drives literacy.

    Parameters
    ----------
    config : dict
        The validated config (:class:`literacy.settings.analysis.Analysis`).

    Returns
    -------
    dict
        ``enabled``, ``covariates`` (the logistic model of the headline level) and
        ``breakdowns`` (Rao–Scott tests of the literacy level); a left-out list is the standard
        variables (district, residence, sex, age band, education, occupation) that the data has,
        and ``configured`` names the lists written out.
    """
    a = config["analysis"]
    covariates, breakdowns = a["determinants"]["covariates"], a["associations"]["breakdowns"]
    return {"enabled": a["enabled"],
            "covariates": list(STANDARD_VARIABLES) if covariates is None else list(covariates),
            "breakdowns": list(STANDARD_VARIABLES) if breakdowns is None else list(breakdowns),
            "configured": {k for k, v in (("covariates", covariates), ("breakdowns", breakdowns)) if v is not None}}


def measurement_config(config: dict) -> dict:
    """The resolved ``measurement`` section, with the standard variables in place of a left-out list.

    Parameters
    ----------
    config : dict
        The validated config (:class:`literacy.settings.analysis.Measurement`, every default
        filled when the config was read).

    Returns
    -------
    dict
        The section, ``conditioning`` / ``dif_groupings`` the standard variables when left out;
        ``configured`` names those the user wrote out (every column named there must exist in
        the data).
    """
    m = dict(config["measurement"])
    m["configured"] = {k for k in ("conditioning", "dif_groupings") if m[k] is not None}
    if m["conditioning"] is None:
        m["conditioning"] = list(STANDARD_VARIABLES)
    if m["dif_groupings"] is None:
        m["dif_groupings"] = ["sex", "residence", "district"]
    return m


def small_area_config(config: dict) -> dict:
    """The resolved ``small_area`` section.

    Parameters
    ----------
    config : dict
        The validated config (:class:`literacy.settings.analysis.SmallArea`, every default filled
        when the config was read).

    Returns
    -------
    dict
        ``enabled``, ``levels``, ``method`` (REML | ML | FH | AMRL | AMRL_YL | AMPL | AMPL_YL),
        ``deff_pooling``, ``alpha``, ``replicates`` and ``seed`` (of ``bootstrap``) and ``models``
        (each ``{breakdown, formula: "<right-hand side>", benchmark: auto|true|false}``; the token
        ``group`` stands for the key groups).
    """
    sa = config["small_area"]
    return {"enabled": sa["enabled"], "levels": list(sa["levels"]), "method": sa["method"],
            "deff_pooling": sa["deff_pooling"], "alpha": float(sa["alpha"]),
            "replicates": sa["bootstrap"]["replicates"], "seed": sa["bootstrap"]["seed"],
            "models": [dict(m) for m in sa["models"]]}


def planning_config(config: dict) -> dict:
    """The resolved ``planning`` section.

    Parameters
    ----------
    config : dict
        The validated config (:class:`literacy.settings.analysis.Planning`).

    Returns
    -------
    dict
        ``target_neff``, ``half_width``, ``alpha``, ``power``, ``planned_per_psu`` (None: as in
        the last round).
    """
    return dict(config["planning"])


def check_planning(p: dict, where: str = "planning") -> dict:
    """Check the targets of a sample plan.

    Parameters
    ----------
    p : dict
        The planning settings (:func:`planning_config`, possibly overridden).
    where : str
        The key the settings came from (for the message).

    Returns
    -------
    dict
        ``p`` itself.

    Raises
    ------
    DataError
        One line naming the key, for a target the plan cannot use: an effective size not above
        0, a half-width, level or power outside (0, 1), fewer than one respondent per PSU.
    """
    if not (p["target_neff"] > 0 and math.isfinite(p["target_neff"])):
        raise DataError(f"{where}.target_neff must be positive and finite, not {p['target_neff']!r}")
    if p["half_width"] is not None and not 0 < p["half_width"] < 1:
        raise DataError(f"{where}.half_width must be between 0 and 1 (0.02 = 2 points), not {p['half_width']!r}")
    for k in ("alpha", "power"):
        if not 0 < p[k] < 1:
            raise DataError(f"{where}.{k} must be between 0 and 1, not {p[k]!r}")
    if p["planned_per_psu"] is not None and not float(p["planned_per_psu"]) >= 1:
        raise DataError(f"{where}.planned_per_psu must be at least 1, not {p['planned_per_psu']!r}")
    return p
