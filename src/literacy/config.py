"""Validation of the assessment config (the parsed YAML, a plain dict).

Everything city-specific (districts, groups, thresholds, targets, margins, paths) lives in
the config; this module checks that it is complete and consistent and fills defaults, so a
mistake is reported as one line naming the config key, not as a KeyError deep in a flow.
"""

from __future__ import annotations

import copy
from typing import Any

from literacy.errors import ConfigError

__all__ = ["validate_config", "round_ids", "label"]

_REQUIRED = ("assessment", "paths", "rounds", "survey", "design", "scoring", "groups", "breakdowns",
             "weighting", "estimation", "targets")
_LONELY = ("fail", "remove", "adjust", "average", "certainty")
_CI = ("logit", "beta", "wilson", "wald")


def _need(d: dict, key: str, where: str) -> Any:
    if not isinstance(d, dict) or key not in d or d[key] is None:
        raise ConfigError(f"config: missing '{where}{key}'")
    return d[key]


def validate_config(raw: dict) -> dict:
    """Check an assessment config and return a normalised copy.

    Parameters
    ----------
    raw : dict
        The parsed YAML.

    Returns
    -------
    dict
        A deep copy with defaults filled (``scoring.inclusive`` False, ``estimation.level``
        0.95, ``design.lonely_psu`` "fail") and crossings in ``breakdowns`` as lists.

    Raises
    ------
    ConfigError
        With a one-line message naming the offending key.
    """
    if not isinstance(raw, dict):
        raise ConfigError("config: the file does not hold a mapping of sections")
    cfg = copy.deepcopy(raw)
    for key in _REQUIRED:
        _need(cfg, key, "")

    rounds = cfg["rounds"]
    if not isinstance(rounds, list) or len(rounds) < 1:
        raise ConfigError("config: 'rounds' must be a list of rounds")
    ids = []
    for i, r in enumerate(rounds):
        rid = str(_need(r, "id", f"rounds[{i}]."))
        r["id"] = rid
        r.setdefault("role", "round")
        r.setdefault("label_en", rid)
        r.setdefault("label_zh", rid)
        ids.append(rid)
    if len(set(ids)) != len(ids):
        raise ConfigError(f"config: duplicate round ids in 'rounds': {ids}")
    roles = [r["role"] for r in rounds]
    if roles.count("baseline") > 1 or roles.count("endline") > 1:
        raise ConfigError("config: at most one round may have role 'baseline' and one 'endline'")

    survey = cfg["survey"]
    _need(survey, "age_min", "survey.")
    _need(survey, "age_max", "survey.")
    bands = _need(survey, "age_bands", "survey.")
    for i, b in enumerate(bands):
        for k in ("code", "low", "high"):
            _need(b, k, f"survey.age_bands[{i}].")
        if b["low"] > b["high"]:
            raise ConfigError(f"config: survey.age_bands[{i}] has low > high")
    labels = survey.setdefault("labels", {})
    labels.setdefault("age_band", {str(b["code"]): [str(b.get("zh", b["code"])), str(b.get("en", b["code"]))]
                                   for b in bands})
    for var, levels in labels.items():
        for code, pair in levels.items():
            if not (isinstance(pair, (list, tuple)) and len(pair) == 2):
                raise ConfigError(f"config: survey.labels.{var}.{code} must be [zh, en]")

    design = cfg["design"]
    for k in ("respondent_id", "strata", "psu", "selection_prob"):
        _need(design, k, "design.")
    design.setdefault("fpc", None)
    design.setdefault("lonely_psu", "fail")
    if design["lonely_psu"] not in _LONELY:
        raise ConfigError(f"config: design.lonely_psu must be one of {_LONELY}")

    scoring = cfg["scoring"]
    parts = _need(scoring, "parts", "scoring.")
    for part, spec in parts.items():
        if not (isinstance(spec, (list, tuple)) and len(spec) == 3):
            raise ConfigError(f"config: scoring.parts.{part} must be [points, zh, en]")
    max_score = float(_need(scoring, "max_score", "scoring."))
    if abs(sum(float(p[0]) for p in parts.values()) - max_score) > 1e-9:
        raise ConfigError("config: scoring.parts points do not add up to scoring.max_score")
    scoring.setdefault("inclusive", False)
    if not isinstance(scoring["inclusive"], bool):
        raise ConfigError("config: scoring.inclusive must be true or false")
    levels = _need(scoring, "levels", "scoring.")
    for i, lv in enumerate(levels):
        for k in ("code", "threshold"):
            _need(lv, k, f"scoring.levels[{i}].")
        lv.setdefault("zh", lv["code"])
        lv.setdefault("en", lv["code"])
    codes = [lv["code"] for lv in levels]
    if _need(scoring, "headline", "scoring.") not in codes:
        raise ConfigError(f"config: scoring.headline '{scoring['headline']}' is not one of the level codes {codes}")

    for i, g in enumerate(cfg["groups"]):
        for k in ("code", "rule"):
            _need(g, k, f"groups[{i}].")
        g.setdefault("zh", g["code"])
        g.setdefault("en", g["code"])
        g.setdefault("lead_zh", "")
        g.setdefault("lead_en", "")
        for j, cond in enumerate(g["rule"]):
            if "column" not in cond or not (("in" in cond) ^ ("between" in cond)):
                raise ConfigError(f"config: groups[{i}].rule[{j}] needs 'column' and exactly one of 'in' or 'between'")
            if "between" in cond and len(cond["between"]) != 2:
                raise ConfigError(f"config: groups[{i}].rule[{j}].between must be [low, high]")

    cfg["breakdowns"] = [[b] if isinstance(b, str) else list(b) for b in cfg["breakdowns"]]

    est = cfg["estimation"]
    est.setdefault("ci", "logit")
    est.setdefault("level", 0.95)
    if est["ci"] not in _CI:
        raise ConfigError(f"config: estimation.ci must be one of {_CI}")
    if not 0 < float(est["level"]) < 1:
        raise ConfigError("config: estimation.level must be between 0 and 1")

    targets = cfg["targets"]
    _need(targets, "headline", "targets.")
    targets.setdefault("national", {})
    targets["national"] = {str(k): v for k, v in targets["national"].items()}
    return cfg


def round_ids(cfg: dict) -> list[str]:
    """The configured round ids in order."""
    return [r["id"] for r in cfg["rounds"]]


def label(cfg: dict, variable: str, code: object) -> tuple[str, str]:
    """(zh, en) label of a survey variable's code, falling back to the code itself."""
    pair = cfg["survey"].get("labels", {}).get(variable, {}).get(str(code))
    if pair is None:
        return str(code), str(code)
    return str(pair[0]), str(pair[1])
