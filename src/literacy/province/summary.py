"""The province's figures over the cities that finished: estimates, league table, change and summary.

Composes :mod:`literacy.province.rollup` for the roll-up task: each round's pooled design
(cities as strata), the province's and the cities' shares, every city against the province
(Benjamini–Hochberg within each round and level), the change between the baseline and the
end-of-period round, and the summary figures of the headline level.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from literacy.province.rollup import (league_table, pooled_design, province_change, province_estimates,
                                      province_verdict, stack_cities, versus_province)

__all__ = ["rollup_estimates", "round_roles_of", "endline_summary", "change_summary"]


def rollup_estimates(frames: dict[str, dict[str, pd.DataFrame]], levels: list[str],
                     labels: dict[str, tuple[str, str]], cfg: dict, conf: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The province's and the cities' shares per round, and the league table.

    Parameters
    ----------
    frames : dict
        ``{round: {city: pooled extract}}`` (stratum, psu, weight and the 0/1 level columns).
    levels : list of str
        The level codes.
    labels : dict
        ``{city: (name_zh, name_en)}``.
    cfg : dict
        The validated province config (``province`` names and seed, ``rollup`` variance and fdr).
    conf : float
        The confidence level.

    Returns
    -------
    estimates, league : DataFrame
    """
    prov = cfg["province"]
    estimates, tests = [], []
    for rid, by_city in frames.items():
        design = pooled_design(stack_cities(by_city, levels), cfg["rollup"]["variance"], int(prov["seed"]))
        estimates.append(province_estimates(design, rid, levels, labels,
                                            (str(prov["name_zh"]), str(prov["name_en"])), conf))
        for lv in levels:
            tests.append(versus_province(design, lv).assign(round=rid, level=lv))
    est = pd.concat(estimates, ignore_index=True)
    league = league_table(est, pd.concat(tests, ignore_index=True), float(cfg["rollup"]["fdr"]))
    return est, league


def round_roles_of(rounds: list[dict]) -> dict:
    """``{role: round id}`` of a city config's rounds (``baseline``, ``endline``, ...)."""
    return {r.get("role"): str(r["id"]) for r in rounds}


def endline_summary(est: pd.DataFrame, headline: str, end: str, target: float) -> tuple[dict[str, Any], pd.Series]:
    """The province's end-of-period share of the headline level and its verdict against the target.

    Parameters
    ----------
    est : DataFrame
        :func:`rollup_estimates`' estimates.
    headline : str
        The headline level.
    end : str
        The end-of-period round.
    target : float
        The province's target share.

    Returns
    -------
    summary : dict
        ``level, endline_round, endline, endline_se, endline_ci_low, endline_ci_high,
        endline_n, target, verdict``.
    row : Series
        The province's row of ``est``.
    """
    p_end = est[(est["breakdown"] == "province") & (est["level"] == headline) & (est["round"] == end)].iloc[0]
    return {"level": headline, "endline_round": end, "endline": float(p_end["estimate"]),
            "endline_se": float(p_end["se"]), "endline_ci_low": float(p_end["ci_low"]),
            "endline_ci_high": float(p_end["ci_high"]), "endline_n": int(p_end["n"]),
            "target": target,
            "verdict": province_verdict(float(p_end["ci_low"]), float(p_end["ci_high"]), target)}, p_end


def change_summary(est: pd.DataFrame, roles: dict, headline: str, conf: float) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The change table between the baseline and end-of-period rounds and its headline figures.

    Parameters
    ----------
    est : DataFrame
        :func:`rollup_estimates`' estimates.
    roles : dict
        ``{role: round id}`` with ``baseline`` and ``endline``.
    headline : str
        The headline level.
    conf : float
        The confidence level.

    Returns
    -------
    change : DataFrame
    summary : dict
        ``baseline_round, baseline, change, change_ci_low, change_ci_high, change_p_value``.
    """
    change = province_change(est, roles["baseline"], roles["endline"], conf)
    c = change[(change["breakdown"] == "province") & (change["level"] == headline)].iloc[0]
    return change, {"baseline_round": roles["baseline"], "baseline": float(c["baseline"]),
                    "change": float(c["change"]), "change_ci_low": float(c["ci_low"]),
                    "change_ci_high": float(c["ci_high"]), "change_p_value": float(c["p_value"])}
