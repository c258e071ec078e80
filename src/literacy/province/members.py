"""A province config: its members (city assessments), targets and roll-up settings.

Pure computation on parsed YAML (plain dicts): :func:`validate_province` checks a province
config, :func:`member_config` builds one member's city config from the template and the
member's entry. Reading the files is the flows' job (``literacy_flows.province``).

A member is either ``{id, config: FILE}`` (a complete city config of its own) or the
template with the member's own values::

    {id, name_zh, name_en, residents, rates: {round: share}, districts: {code: {zh, en,
     share, rural_share}}, seed (optional), overrides (optional mapping merged last)}

The template's district labels, scorecard indicators (city-specific) and simulated
population are replaced by the member's; everything else (rounds, scoring, groups,
weighting, estimation, reporting) is the template's.
"""

from __future__ import annotations

import copy
import zlib
from typing import Any

from literacy.errors import ConfigError

__all__ = ["validate_province", "member_config", "member_seed", "deep_merge", "ID_PATTERN"]

from literacy.settings.province import ID_PATTERN


def deep_merge(base: dict, extra: dict) -> dict:
    """``base`` with ``extra`` merged in: mappings recursively, anything else replaced."""
    out = copy.deepcopy(base)
    for k, v in extra.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = deep_merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


def validate_province(raw: Any) -> dict:
    """Check a parsed province config and fill its defaults.

    Parameters
    ----------
    raw : dict
        The parsed YAML.

    Returns
    -------
    dict
        A copy with ``rollup`` and ``simulation`` defaults filled.

    Raises
    ------
    ConfigError
        One line naming the offending key (``members[3].id``, ...).
    """
    from literacy.settings.province import parse_province

    typed = parse_province(raw)
    cfg = typed.model_dump(mode="python", exclude={"members"})
    # a member keeps only the keys it gives ("config" in a member marks a complete city config)
    cfg["members"] = [m.model_dump(mode="python", exclude_none=True) for m in typed.members]
    return cfg


def member_seed(province: dict, member_id: str) -> int:
    """The member's seed: its own ``seed``, else the province seed combined with its id."""
    for m in province["members"]:
        if m["id"] == member_id and m.get("seed") is not None:
            return int(m["seed"])
    return int(province["province"]["seed"]) * 1000 + zlib.crc32(member_id.encode()) % 1000


def _sampled_psus(member: dict, sim: dict, adult_share: float) -> dict:
    """Sampled PSUs per stratum (district x residence), proportional to adults, at least 2.

    The simulation multiplies these by ``population_scale``, so they are given unscaled.
    """
    scale = float(sim["population_scale"])
    total = float(member["residents"]) * adult_share
    out = {}
    for code, d in member["districts"].items():
        for res in ("urban", "rural"):
            share = float(d["rural_share"]) if res == "rural" else 1.0 - float(d["rural_share"])
            adults = total * float(d["share"]) * share
            psus = max(2.0, float(sim["psus_per_round"]) * adults / total)
            out[f"{code}-{res}"] = int(round(psus / scale))
    return out


def member_config(province: dict, member_id: str, template: dict | None) -> dict:
    """The city config (parsed-YAML form) of one template member.

    Parameters
    ----------
    province : dict
        The validated province config (:func:`validate_province`).
    member_id : str
        The member.
    template : dict
        The parsed template city config.

    Returns
    -------
    dict
        A city config: the template with the member's id, names, seed, district labels,
        targets (the template's national figures), no scorecard indicators, paths
        ``raw: raw/<id>`` / ``processed: processed/<id>`` (the province flow always passes
        the folders), and a simulation section built from the province's ``simulation``;
        then the member's ``overrides``.
    """
    member = next(m for m in province["members"] if m["id"] == member_id)
    if "config" in member:
        raise ConfigError(f"province config: member {member_id!r} has its own config file")
    cfg = copy.deepcopy(template)
    cfg["assessment"] = {"id": f"{member_id}-{province['province']['id']}", "name_zh": str(member["name_zh"]),
                         "name_en": str(member["name_en"]), "seed": member_seed(province, member_id)}
    cfg["paths"] = {"raw": f"raw/{member_id}", "processed": f"processed/{member_id}"}
    cfg["survey"]["labels"]["district"] = {code: [str(d["zh"]), str(d["en"])]
                                           for code, d in member["districts"].items()}
    rates = {str(k): float(v) for k, v in member["rates"].items()}
    base = next((str(r["id"]) for r in cfg["rounds"] if r.get("role") == "baseline"), None)
    target = member.get("target")
    cfg["targets"] = {**cfg["targets"],
                      "headline": float(province["targets"]["headline"] if target is None else target)}
    if base is not None and base in rates:
        cfg["targets"]["baseline_published"] = rates[base]
    if "scorecard" in cfg:  # the template's indicators, less those of the template's own districts
        own = [str(c) for c in template.get("survey", {}).get("labels", {}).get("district", {})]
        kept = [ind for ind in cfg["scorecard"].get("indicators") or []
                if not any(str(ind.get("code", "")).endswith(f"_{d}") for d in own)]
        cfg["scorecard"] = {**cfg["scorecard"], "indicators": kept}
    sim = province["simulation"]
    pop = copy.deepcopy(cfg.get("simulation", {}).get("population", {}))
    adult_share = float(pop.get("adult_share", 0.72))
    pop["adults_per_psu"] = dict(sim["adults_per_psu"])
    pop["districts"] = {}
    for code, d in member["districts"].items():
        pop["districts"][code] = {
            "residents": int(round(float(member["residents"]) * float(d["share"]))),
            "rural_share": float(d["rural_share"]),
            "psu_code": str(d["psu_code"]), "education": float(d["education"]), "literacy": float(d["literacy"])}
    scale = float(sim["population_scale"])
    cfg["simulation"] = {**cfg.get("simulation", {}), "population_scale": scale, "target_rates": rates,
                         "respondents_per_round": int(round(float(sim["respondents_per_round"]) / scale)),
                         "sampled_psus": _sampled_psus(member, sim, adult_share), "population": pop}
    if member.get("overrides"):
        cfg = deep_merge(cfg, member["overrides"])
    return cfg
