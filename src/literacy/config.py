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
VARIANCE_METHODS = ("taylor", "jk1", "jkn", "brr", "fay", "bootstrap")


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
    for i, cols in enumerate(cfg["breakdowns"]):
        # "group" in a crossing stands for each key group in turn (e.g. [district, group])
        if cols.count("group") > 1 or cols == ["group"]:
            raise ConfigError(f"config: breakdowns[{i}] may hold 'group' once, crossed with other columns")
        if "group" in cols and not cfg["groups"]:
            raise ConfigError(f"config: breakdowns[{i}] crosses with 'group' but no groups are configured")

    est = cfg["estimation"]
    est.setdefault("ci", "logit")
    est.setdefault("level", 0.95)
    if est["ci"] not in _CI:
        raise ConfigError(f"config: estimation.ci must be one of {_CI}")
    if not 0 < float(est["level"]) < 1:
        raise ConfigError("config: estimation.level must be between 0 and 1")
    _validate_variance(est)

    targets = cfg["targets"]
    _need(targets, "headline", "targets.")
    targets.setdefault("national", {})
    targets["national"] = {str(k): v for k, v in targets["national"].items()}
    _validate_reporting(cfg)
    _validate_scorecard(cfg)
    _validate_ingest(cfg)
    _validate_measurement(cfg)
    _validate_small_area(cfg)
    return cfg


def _validate_small_area(cfg: dict) -> None:
    """``small_area`` (literacy.sae.assessment) and ``planning`` (literacy.planning): checked here so a
    mistake is one line before any work starts."""
    from literacy.errors import DataError
    from literacy.planning.assessment import check_planning, planning_config
    from literacy.sae.assessment import small_area_config

    for key in ("small_area", "planning"):
        if cfg.get(key) is not None and not isinstance(cfg[key], dict):
            raise ConfigError(f"config: '{key}' must be a mapping")
    small_area_config(cfg)
    try:
        check_planning(planning_config(cfg))
    except ConfigError:
        raise                   # already one line naming the key
    except (TypeError, ValueError, DataError) as exc:
        raise ConfigError(f"config: {exc}") from None


def _validate_measurement(cfg: dict) -> None:
    """``measurement``: the anchor minimums for linking rounds on different forms (defaults filled).

    ``min_anchor_items`` (default 8) and ``min_anchor_share`` (default 0.20, of the smaller
    form); see :func:`literacy.measurement.forms.linking_feasible`. Other keys are left as
    they are (the measurement models read their own settings).
    """
    from literacy.measurement.forms import MEASUREMENT_DEFAULTS

    m = cfg.get("measurement")
    if m is None:
        m = cfg["measurement"] = {}
    if not isinstance(m, dict):
        raise ConfigError("config: 'measurement' must be a mapping")
    for key, value in MEASUREMENT_DEFAULTS.items():
        if m.get(key) is None:
            m[key] = value
    n = m["min_anchor_items"]
    if isinstance(n, bool) or not isinstance(n, (int, float)) or float(n) != int(n) or int(n) < 1:
        raise ConfigError("config: measurement.min_anchor_items must be a whole number of items, at least 1")
    m["min_anchor_items"] = int(n)
    s = m["min_anchor_share"]
    if isinstance(s, bool) or not isinstance(s, (int, float)) or not 0 <= float(s) <= 1:
        raise ConfigError("config: measurement.min_anchor_share must be a share between 0 and 1 (e.g. 0.20)")
    m["min_anchor_share"] = float(s)
    from literacy.measurement.assessment import measurement_config

    measurement_config(cfg)   # the measurement models' own keys (one-line errors)
    from literacy.models.config import analysis_config

    analysis_config(cfg)      # and the analysis section's, before any work starts


#: Defaults of ``reporting`` (NCHS Data Presentation Standards for Proportions, Parker et al. 2017).
REPORTING_DEFAULTS = {"min_n": 30, "suppress_unreliable": True}
NCHS_DEFAULTS = {"min_effective_n": 30.0, "max_ci_width": 0.30, "small_ci_width": 0.05,
                 "max_relative_ci_width": 1.30, "min_df": 8.0}


def _validate_reporting(cfg: dict) -> None:
    """``reporting``: the unweighted minimum cell size and the NCHS thresholds (defaults filled)."""
    rep = cfg.get("reporting")
    if rep is None:
        rep = {}
    if not isinstance(rep, dict):
        raise ConfigError("config: 'reporting' must be a mapping")
    for key, default in REPORTING_DEFAULTS.items():
        rep.setdefault(key, default)
    min_n = rep["min_n"]
    if isinstance(min_n, bool) or not isinstance(min_n, int) or min_n < 1:
        raise ConfigError("config: reporting.min_n must be a whole number of respondents, at least 1")
    if not isinstance(rep["suppress_unreliable"], bool):
        raise ConfigError("config: reporting.suppress_unreliable must be true or false")
    nchs = rep.get("nchs") or {}
    if not isinstance(nchs, dict):
        raise ConfigError("config: reporting.nchs must be a mapping")
    unknown = sorted(set(nchs) - set(NCHS_DEFAULTS))
    if unknown:
        raise ConfigError(f"config: reporting.nchs.{unknown[0]} is not a known threshold "
                          f"({', '.join(NCHS_DEFAULTS)})")
    for key, default in NCHS_DEFAULTS.items():
        value = nchs.get(key, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise ConfigError(f"config: reporting.nchs.{key} must be a non-negative number")
        nchs[key] = float(value)
    if not nchs["small_ci_width"] <= nchs["max_ci_width"]:
        raise ConfigError("config: reporting.nchs.small_ci_width must not exceed max_ci_width")
    rep["nchs"] = nchs
    cfg["reporting"] = rep


def _validate_scorecard(cfg: dict) -> None:
    """``scorecard``: the plan's department-reported targets (codes unique, numeric targets)."""
    sc = cfg.get("scorecard")
    if sc is None:
        sc = {}
    if not isinstance(sc, dict):
        raise ConfigError("config: 'scorecard' must be a mapping")
    sc.setdefault("file", "scorecard.csv")
    sc["period"] = str(sc.get("period") or "")
    indicators = sc.setdefault("indicators", [])
    if not isinstance(indicators, list):
        raise ConfigError("config: scorecard.indicators must be a list")
    seen = set()
    for i, ind in enumerate(indicators):
        code = str(_need(ind, "code", f"scorecard.indicators[{i}]."))
        if code in seen:
            raise ConfigError(f"config: scorecard.indicators[{i}].code '{code}' is used twice")
        seen.add(code)
        ind["code"] = code
        target = _need(ind, "target", f"scorecard.indicators[{i}].")
        if isinstance(target, bool) or not isinstance(target, (int, float)):
            raise ConfigError(f"config: scorecard.indicators[{i}].target must be a number")
        ind["target"] = float(target)
        ind.setdefault("comparison", ">=")
        if ind["comparison"] not in (">=", "<="):
            raise ConfigError(f"config: scorecard.indicators[{i}].comparison must be '>=' or '<='")
        for k in ("zh", "en"):
            ind.setdefault(k, code)
        for k in ("unit_zh", "unit_en", "lead_zh", "lead_en"):
            ind[k] = str(ind.get(k) or "")
    cfg["scorecard"] = sc


#: Defaults of ``ingest`` (reading a delivery; see the README's "Delivery formats" and "Quarantine").
INGEST_DEFAULTS = {"max_quarantine_share": 0.05}


def _validate_ingest(cfg: dict) -> None:
    """``ingest``: quarantine limit, vendor column and value maps, identifiers, consistency rules.

    Keys (all optional): ``max_quarantine_share`` (0.05), ``column_map`` ({delivered: ours}),
    ``value_map`` ({column: {delivered: code or null}}), ``identifiers`` (column names always
    dropped), ``keep_columns`` (extra columns kept as they are), ``consistency`` ([{column,
    pattern, description}], ``{name}`` in a pattern stands for the row's value of column
    ``name``), ``match_sample`` (columns that must agree between responses and sample;
    default the design's strata, PSU and selection probability).
    """
    import re

    ing = cfg.get("ingest")
    if ing is None:
        ing = {}
    if not isinstance(ing, dict):
        raise ConfigError("config: 'ingest' must be a mapping")
    known = {"max_quarantine_share", "column_map", "value_map", "identifiers", "keep_columns", "consistency",
             "match_sample"}
    unknown = sorted(set(ing) - known)
    if unknown:
        raise ConfigError(f"config: ingest.{unknown[0]} is not a known setting ({', '.join(sorted(known))})")
    share = ing.get("max_quarantine_share", INGEST_DEFAULTS["max_quarantine_share"])
    if isinstance(share, bool) or not isinstance(share, (int, float)) or not 0 <= share <= 1:
        raise ConfigError("config: ingest.max_quarantine_share must be a share between 0 and 1 (e.g. 0.05)")
    ing["max_quarantine_share"] = float(share)

    cmap = ing.get("column_map") or {}
    if not isinstance(cmap, dict):
        raise ConfigError("config: ingest.column_map must be a mapping {delivered name: our name}")
    cmap = {str(k).strip(): str(v).strip() for k, v in cmap.items()}
    for k, v in cmap.items():
        if not k or not v or v == "None":
            raise ConfigError(f"config: ingest.column_map.{k or '?'} must map a column name to a column name")
    targets = [v for v in cmap.values()]
    dup = sorted({v for v in targets if targets.count(v) > 1})
    if dup:
        raise ConfigError(f"config: ingest.column_map maps several columns to '{dup[0]}'")
    ing["column_map"] = cmap

    vmap = ing.get("value_map") or {}
    if not isinstance(vmap, dict):
        raise ConfigError("config: ingest.value_map must be a mapping {column: {delivered value: code}}")
    clean = {}
    for col, mapping in vmap.items():
        if not isinstance(mapping, dict):
            raise ConfigError(f"config: ingest.value_map.{col} must be a mapping {{delivered value: code}}")
        clean[str(col)] = {str(k).strip(): (None if v is None else str(v).strip()) for k, v in mapping.items()}
    ing["value_map"] = clean

    for key in ("identifiers", "keep_columns"):
        value = ing.get(key) or []
        if not isinstance(value, list) or not all(isinstance(v, (str, int)) for v in value):
            raise ConfigError(f"config: ingest.{key} must be a list of column names")
        ing[key] = [str(v) for v in value]
    both = sorted(set(ing["identifiers"]) & set(ing["keep_columns"]))
    if both:
        raise ConfigError(f"config: ingest.identifiers and ingest.keep_columns both list '{both[0]}'")

    rules = ing.get("consistency") or []
    if not isinstance(rules, list):
        raise ConfigError("config: ingest.consistency must be a list of {column, pattern}")
    for i, rule in enumerate(rules):
        if not isinstance(rule, dict) or not rule.get("column") or not rule.get("pattern"):
            raise ConfigError(f"config: ingest.consistency[{i}] needs 'column' and 'pattern'")
        pattern = str(rule["pattern"])
        try:
            re.compile(re.sub(r"\{([A-Za-z_][A-Za-z0-9_]*)\}", "x", pattern))
        except re.error as exc:
            raise ConfigError(f"config: ingest.consistency[{i}].pattern is not a regular expression: {exc}") from None
        rule["column"], rule["pattern"] = str(rule["column"]), pattern
        rule["description"] = str(rule.get("description") or "")
    ing["consistency"] = rules

    design = cfg["design"]
    match = ing.get("match_sample")
    if match is None:
        match = [design["strata"], design["psu"], design["selection_prob"]]
    if not isinstance(match, list) or not all(isinstance(v, str) for v in match):
        raise ConfigError("config: ingest.match_sample must be a list of column names")
    ing["match_sample"] = list(match)
    listed = {c.lower() for c in ing["identifiers"]}
    contract = {str(design[k]).lower() for k in ("respondent_id", "strata", "psu", "selection_prob")}
    contract |= {"district", "residence", "sex", "age", "education", "occupation", "responded"}
    clash = sorted(listed & contract)
    if clash:
        raise ConfigError(f"config: ingest.identifiers lists '{clash[0]}', a column the assessment needs")
    cfg["ingest"] = ing


def round_ids(cfg: dict) -> list[str]:
    """The configured round ids in order."""
    return [r["id"] for r in cfg["rounds"]]


def label(cfg: dict, variable: str, code: object) -> tuple[str, str]:
    """(zh, en) label of a survey variable's code, falling back to the code itself."""
    pair = cfg["survey"].get("labels", {}).get(variable, {}).get(str(code))
    if pair is None:
        return str(code), str(code)
    return str(pair[0]), str(pair[1])


def _validate_variance(est: dict) -> None:
    """``estimation.method``: Taylor linearisation or a replicate method (with its options)."""
    est.setdefault("method", "taylor")
    method = str(est["method"]).lower()
    if method not in VARIANCE_METHODS:
        raise ConfigError(f"config: estimation.method must be one of {', '.join(VARIANCE_METHODS)}, "
                          f"not {est['method']!r}")
    est["method"] = method
    if method == "bootstrap":
        for key in ("replicates", "seed"):
            v = est.get(key)
            if isinstance(v, bool) or not isinstance(v, int) or v < (2 if key == "replicates" else 0):
                need = "a whole number >= 2" if key == "replicates" else "a non-negative whole number"
                raise ConfigError(f"config: estimation.{key} must be {need} for the bootstrap, got {v!r}")
    if method == "fay":
        rho = est.get("rho")
        if isinstance(rho, bool) or not isinstance(rho, (int, float)) or not 0 < float(rho) < 1:
            raise ConfigError(f"config: estimation.rho must be between 0 and 1 for Fay's method, got {rho!r}")
    if not isinstance(est.setdefault("mse", False), bool):
        raise ConfigError("config: estimation.mse must be true or false")
