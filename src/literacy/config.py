"""The assessment config: parsed once into the typed model (:mod:`literacy.settings`), checked
against what the assessment needs, and handed on resolved (every default filled).

Everything city-specific (districts, groups, thresholds, targets, margins, paths) lives in the
config. A mistake is one line naming the key's full path (an unknown key with the nearest known
one), never a KeyError deep in a flow, and never silently ignored: every section refuses keys it
does not know.
"""

from __future__ import annotations

from typing import Any

from literacy.settings import AssessmentConfig, parse_config, resolved_config
from literacy.settings.estimation import VARIANCE_METHODS, Nchs, Reporting

__all__ = ["validate_config", "parse_config", "AssessmentConfig", "round_ids", "label", "VARIANCE_METHODS",
           "REPORTING_DEFAULTS", "NCHS_DEFAULTS"]

#: Defaults of ``reporting`` and of its NCHS thresholds (Parker et al. 2017), as the model writes them.
NCHS_DEFAULTS = Nchs().model_dump()
REPORTING_DEFAULTS = {k: v for k, v in Reporting().model_dump().items() if k != "nchs"}


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
    """The configured round ids in order."""
    return [r["id"] for r in cfg["rounds"]]


def label(cfg: dict, variable: str, code: object) -> tuple[str, str]:
    """(zh, en) label of a survey variable's code, falling back to the code itself."""
    pair = cfg["survey"]["labels"].get(variable, {}).get(str(code))
    if pair is None:
        return str(code), str(code)
    return str(pair[0]), str(pair[1])


