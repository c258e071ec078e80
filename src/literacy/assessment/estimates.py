"""The assessment's estimates of one round: literacy shares by domain, and the true shares of a
simulated population.

Every share comes from :class:`literacy.survey.SurveyDesign` on the full design (domains
by indicator, never by subsetting). The breakdowns, key groups, levels and the variance
method all come from the config.
"""

from __future__ import annotations

import zlib

import numpy as np
import pandas as pd

from literacy.domains import (
    ESTIMATE_COLUMNS,
    add_derived,
    domain_labels,
    domain_population,
    domain_specs,
    group_column,
    level_codes,
)
from literacy.survey import SurveyDesign

__all__ = ["round_design", "variance_design", "estimate_round", "population_rates"]


def round_design(data: pd.DataFrame, config: dict, weights: str | np.ndarray) -> SurveyDesign:
    """The survey design of one round from the config's design variables.

    Parameters
    ----------
    data : DataFrame
        The round's analysis data.
    config : dict
        The validated config (``design``: strata, psu, fpc, lonely_psu, nest).
    weights : str or ndarray
        The weight column or the weights.

    Returns
    -------
    SurveyDesign
    """
    d = config["design"]
    return SurveyDesign(data, weights=weights, strata=d["strata"], psu=d["psu"], fpc=d["fpc"],
                        lonely_psu=d["lonely_psu"], nest=d["nest"])


def variance_design(design: SurveyDesign, config: dict, round_id: str):
    """The design whose estimators give the configured variance (``estimation.method``).

    ``taylor`` returns ``design`` itself (linearisation; calibration steps replayed on it
    are residualised as R's ``svyrecvar``). A replicate method returns its replicate
    design (``design.replicate``): JK1, JKn, BRR, Fay (``rho``) or the rescaled bootstrap
    (``replicates``, ``seed``); calibration steps replayed on it are repeated on every
    replicate (Wolter 2007, 4.6; Valliant, Dever & Kreuter 2018, 15.4). The bootstrap seed
    is ``estimation.seed`` combined with the round id, so rounds draw different replicates
    and the same inputs always give the same replicates.

    Parameters
    ----------
    design : SurveyDesign
        The round's Taylor design, before calibration.
    config : dict
        The validated config.
    round_id : str
        The round (for the bootstrap seed).

    Returns
    -------
    SurveyDesign or ReplicateDesign
    """
    est = config["estimation"]
    method = est["method"]
    if method == "taylor":
        return design
    seed = None
    if method == "bootstrap":
        seed = int(np.random.SeedSequence([int(est["seed"]), zlib.crc32(str(round_id).encode())])
                   .generate_state(1)[0])
    return design.replicate(method, replicates=est["replicates"], rho=est["rho"], seed=seed,
                            mse=est["mse"])


def estimate_round(design: SurveyDesign, config: dict, round_id: str) -> pd.DataFrame:
    """Shares at every literacy level for the city, each breakdown and each key group.

    Parameters
    ----------
    design : SurveyDesign
        The round's (calibrated) design; its data holds the level 0/1 columns, the
        breakdown columns and the ``group_<code>`` indicators.
    config : dict
        The validated assessment config.
    round_id : str
        Written into the ``round`` column.

    Returns
    -------
    DataFrame
        ``ESTIMATE_COLUMNS``: proportion, Taylor standard error, CI with the configured method
        and the domain's design degrees of freedom, unweighted n, design effect, coefficient of
        variation, and the estimated domain population (sum of weights).
    """
    levels = level_codes(config)
    method = config["estimation"]["ci"]
    conf = float(config["estimation"]["level"])
    frames = []
    for spec in domain_specs(config):
        by = list(spec.by) or None
        res = design.proportion(levels, by=by, ci=method, level=conf)
        keys = res[list(spec.by)] if spec.by else pd.DataFrame(index=res.index)
        if spec.group is not None:
            member = keys[group_column(spec)].astype(int) == 1
            res, keys = res[member], keys[member]
        labels = domain_labels(config, spec, keys if spec.by else res)
        pop = domain_population(design, spec)
        out = pd.concat([labels.reset_index(drop=True), res[["variable"] + [c for c in res.columns
                         if c in ("estimate", "se", "ci_low", "ci_high", "df", "n", "deff", "cv")]].reset_index(drop=True)],
                        axis=1)
        out = out.rename(columns={"variable": "level"})
        out["population"] = out["domain"].map(pop).astype(float)
        out.insert(0, "breakdown", spec.breakdown)
        frames.append(out)
    est = pd.concat(frames, ignore_index=True)
    est.insert(0, "round", str(round_id))
    # order: breakdowns as configured, levels as configured, domains sorted within
    est["level"] = pd.Categorical(est["level"], categories=levels, ordered=True)
    est = est.sort_values(["level"], kind="stable").reset_index(drop=True)
    est["level"] = est["level"].astype(str)
    return est[ESTIMATE_COLUMNS]


def population_rates(population: pd.DataFrame, config: dict, round_id: str) -> pd.DataFrame:
    """True population shares (a census of the population frame): the simulation's truth.

    Parameters
    ----------
    population : DataFrame
        One row per person with the breakdown columns (district, residence, sex, age,
        education, occupation) and the level 0/1 columns.
    config : dict
        The validated config (breakdowns, key groups, levels).
    round_id : str
        Written into the ``round`` column.

    Returns
    -------
    DataFrame
        ``round, breakdown, domain, level, population, rate``.
    """

    data = add_derived(population, config)
    levels = level_codes(config)
    frames = []
    for spec in domain_specs(config):
        if not spec.by:
            grouped = data[levels].mean().to_frame().T
            grouped["domain"] = "all"
            grouped["population"] = len(data)
        elif spec.group is not None and len(spec.by) == 1:
            sub = data[data[spec.by[0]] == 1]
            grouped = sub[levels].mean().to_frame().T
            grouped["domain"] = spec.group["code"]
            grouped["population"] = len(sub)
        else:
            sub = data
            if spec.group is not None:   # crossing with a key group: members only
                gcol = group_column(spec)
                sub = data[data[gcol] == 1]
            keys = sub[list(spec.by)].astype(str)
            if spec.group is not None:
                keys[gcol] = str(spec.group["code"])
            g = sub[levels].groupby([keys[c] for c in spec.by], sort=True)
            grouped = g.mean()
            grouped["population"] = g.size()
            grouped = grouped.reset_index()
            if grouped.empty:   # e.g. a key group absent from a district
                continue
            grouped["domain"] = grouped[list(spec.by)].astype(str).agg("+".join, axis=1)
            grouped = grouped.drop(columns=list(spec.by))
        long = grouped.melt(id_vars=["domain", "population"], value_vars=levels, var_name="level",
                            value_name="rate")
        long.insert(0, "breakdown", spec.breakdown)
        frames.append(long)
    out = pd.concat(frames, ignore_index=True)
    out.insert(0, "round", str(round_id))
    out["population"] = out["population"].astype(np.int64)
    return out[["round", "breakdown", "domain", "level", "population", "rate"]]
