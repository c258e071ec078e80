"""The end-of-period headline share against the plan's target and the national rate, and the
city's headline figures.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from literacy.assessment.config import round_roles
from literacy.assessment.schedule import assessed_round, is_midterm_assessment, target_trajectory
from literacy.catalog.vocabulary import VERDICT_LABELS

__all__ = ["domain_targets", "target_verdicts", "headline", "midterm_verdict", "verdict_target", "VERDICT_COLUMNS",
           "VERDICTS", "VERSUS_NATIONAL"]

#: The verdict table's columns, in order.
VERDICT_COLUMNS = ["round", "breakdown", "domain", "label_zh", "label_en", "level", "estimate", "ci_low",
                   "ci_high", "target", "verdict", "verdict_zh", "national_rate", "national_year",
                   "gap_to_national", "versus_national", "change", "change_ci_low", "change_ci_high",
                   "change_p_value"]

#: Verdict code -> its Chinese wording in the verdict table.
VERDICTS = {code: zh for code, (zh, _en) in VERDICT_LABELS.items() if code != "suppressed"}
VERSUS_NATIONAL = {"above": "above", "below": "below", "indistinguishable": "indistinguishable"}


def _verdict(low: np.ndarray, high: np.ndarray, target: float) -> np.ndarray:
    """met: the whole CI is at or above the target; not_met: wholly below; else inconclusive."""
    return np.select([low >= target, high < target], ["met", "not_met"], default="inconclusive")


def domain_targets(domains: pd.DataFrame, config: dict) -> pd.Series:
    """The target each domain is judged against: the plan's own, else the city's.

    Parameters
    ----------
    domains : DataFrame
        Rows with ``breakdown`` and ``domain``.
    config : dict
        The validated config: ``targets.headline`` (the city's target) and ``targets.domains``
        (``{breakdown: {domain: share}}``, the targets the plan sets for some districts or groups).

    Returns
    -------
    Series
        One target share per row, aligned with ``domains``.
    """
    city = float(config["targets"]["headline"])
    own = pd.Series({(str(b), str(d)): float(t) for b, shares in (config["targets"].get("domains") or {}).items()
                     for d, t in shares.items()}, dtype=float)
    keys = pd.MultiIndex.from_arrays([domains["breakdown"].astype(str), domains["domain"].astype(str)])
    found = own.reindex(keys).to_numpy(dtype=float) if len(own) else np.full(len(domains), np.nan)
    return pd.Series(np.where(np.isnan(found), city, found), index=domains.index, dtype=float)


def midterm_verdict(low: np.ndarray, high: np.ndarray, due: float) -> np.ndarray:
    """The mid-term verdict: the CI against the share due by then on the target's trajectory.

    ``ahead`` when the whole interval is above the share due, ``behind`` when it is wholly
    below, ``on_track`` when it contains it.

    Parameters
    ----------
    low, high : array of float
        The confidence intervals.
    due : float
        :func:`literacy.assessment.schedule.target_trajectory` in the assessed round's year.

    Returns
    -------
    array of str
    """
    low, high = np.asarray(low, dtype=float), np.asarray(high, dtype=float)
    return np.select([low > due, high < due], ["ahead", "behind"], default="on_track")


def verdict_target(estimates: pd.DataFrame, config: dict) -> float:
    """The share a verdict reads the CI against: the plan's target, or (mid-term) the share due by
    the assessed round's year on the straight line from the baseline to the target.

    Parameters
    ----------
    estimates : DataFrame
        The rounds' estimates (the city's baseline share, when the config publishes none).
    config : dict
        The validated config.

    Returns
    -------
    float
    """
    if not is_midterm_assessment(config):
        return float(config["targets"]["headline"])
    base_id = round_roles(config)[0]
    city = estimates[(estimates["round"] == base_id) & (estimates["breakdown"] == "city")
                     & (estimates["level"] == config["scoring"]["headline"])]["estimate"]
    base = float(city.iloc[0]) if len(city) and pd.notna(city.iloc[0]) else None
    return target_trajectory(config, assessed_round(config).year, baseline_value=base)


def target_verdicts(estimates: pd.DataFrame, change: pd.DataFrame, config: dict,
                    breakdowns: tuple[str, ...] = ("city", "district", "group")) -> pd.DataFrame:
    """The assessed round's headline share against the plan's target and the national rate.

    A verdict reads the confidence interval: "met" when the interval lies at or above the
    target, "not_met" when it lies below, "inconclusive" when it contains the target. In a
    mid-term assessment (no endline round) the assessed round is the latest and its interval is
    read against the share due by then on the target's trajectory (:func:`verdict_target`):
    "ahead", "behind" or "on_track" (:func:`midterm_verdict`). The
    national comparison treats the published national rate as a fixed number (it is
    published without a standard error).

    Parameters
    ----------
    estimates : DataFrame
        Both rounds' estimates.
    change : DataFrame
        The change table (with ``p_value_bh`` and ``significant_bh`` when adjusted).
    config : dict
        The validated config (``scoring.headline``, ``targets``, the rounds' roles).
    breakdowns : tuple of str
        The breakdowns given a verdict.

    Returns
    -------
    DataFrame
        ``VERDICT_COLUMNS`` (and ``p_value_bh``, ``significant_bh`` when the change has them).
    """
    end_id = round_roles(config)[1]
    headline_level = config["scoring"]["headline"]
    target = verdict_target(estimates, config)
    national = config["targets"]["national"].get(end_id) or {}
    sel = estimates[(estimates["round"] == end_id) & (estimates["level"] == headline_level)
                    & estimates["breakdown"].isin(breakdowns)].copy()
    low, high = sel["ci_low"].to_numpy(), sel["ci_high"].to_numpy()
    midterm = is_midterm_assessment(config)
    # a mid-term reads every domain against the city's trajectory; an end-of-period assessment
    # reads a domain against the plan's own target for it where the config gives one
    sel["target"] = target if midterm else domain_targets(sel, config)
    sel["verdict"] = (midterm_verdict(low, high, target) if midterm
                      else _verdict(low, high, sel["target"].to_numpy()))
    sel["verdict_zh"] = sel["verdict"].map(VERDICTS)
    rate = national.get("rate")
    sel["national_rate"] = np.nan if rate is None else float(rate)
    sel["national_year"] = national.get("year", np.nan)
    sel["gap_to_national"] = sel["estimate"] - sel["national_rate"]
    sel["versus_national"] = np.select(
        [low > sel["national_rate"], high < sel["national_rate"]], ["above", "below"],
        default="indistinguishable") if rate is not None else ""
    ch = change[change["level"] == headline_level].set_index(["breakdown", "domain"])
    idx = pd.MultiIndex.from_frame(sel[["breakdown", "domain"]])
    sel["change"] = ch["change"].reindex(idx).to_numpy()
    sel["change_ci_low"] = ch["ci_low"].reindex(idx).to_numpy()
    sel["change_ci_high"] = ch["ci_high"].reindex(idx).to_numpy()
    sel["change_p_value"] = ch["p_value"].reindex(idx).to_numpy()
    extra = []
    if "p_value_bh" in ch:   # adjust_multiple_comparisons ran on the change
        sel["p_value_bh"] = ch["p_value_bh"].reindex(idx).to_numpy(dtype=float)
        sel["significant_bh"] = pd.array(ch["significant_bh"].reindex(idx).to_numpy(dtype=object), dtype="boolean")
        extra = ["p_value_bh", "significant_bh"]
    return sel[VERDICT_COLUMNS + extra].reset_index(drop=True)


def headline(estimates: pd.DataFrame, change: pd.DataFrame, verdicts: pd.DataFrame, config: dict) -> dict:
    """The city's headline figures as a flat dict (for the CLI, the markdown artifact, headline.csv).

    Parameters
    ----------
    estimates : DataFrame
        Both rounds' estimates.
    change : DataFrame
        The change table.
    verdicts : DataFrame
        :func:`target_verdicts`.
    config : dict
        The validated config.

    Returns
    -------
    dict
        The headline level, both rounds' city share with its interval, the change with its
        interval and p-value, the target's verdict and the national comparison.
    """
    level = config["scoring"]["headline"]
    end_id = round_roles(config)[1]
    base_id = round_roles(config)[0]
    city = estimates[(estimates["breakdown"] == "city") & (estimates["level"] == level)].set_index("round")
    ch = change[(change["breakdown"] == "city") & (change["level"] == level)].iloc[0]
    v = verdicts[verdicts["breakdown"] == "city"].iloc[0]
    return {
        "level": level,
        "baseline_round": base_id, "endline_round": end_id,
        "baseline": float(city.loc[base_id, "estimate"]),
        "baseline_ci_low": float(city.loc[base_id, "ci_low"]),
        "baseline_ci_high": float(city.loc[base_id, "ci_high"]),
        "endline": float(city.loc[end_id, "estimate"]),
        "endline_se": float(city.loc[end_id, "se"]),
        "endline_ci_low": float(city.loc[end_id, "ci_low"]),
        "endline_ci_high": float(city.loc[end_id, "ci_high"]),
        "endline_n": int(city.loc[end_id, "n"]),
        "change": float(ch["change"]), "change_ci_low": float(ch["ci_low"]),
        "change_ci_high": float(ch["ci_high"]), "change_p_value": float(ch["p_value"]),
        "target": float(v["target"]), "verdict": str(v["verdict"]), "verdict_zh": str(v["verdict_zh"]),
        "national_rate": float(v["national_rate"]),
        "national_year": None if pd.isna(v["national_year"]) else int(v["national_year"]),
        "versus_national": str(v["versus_national"]),
        "assessment": "midterm" if is_midterm_assessment(config) else "endline",
        "target_year": int(config["targets"]["year"]),
        "target_headline": float(config["targets"]["headline"]),
    }
