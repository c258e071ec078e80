"""The trend over every round: a design-based test of linear trend across independent rounds.

Each round is an independent sample, so the round estimates ``y_r`` (one domain, one level) are
independent with known design variances ``v_r = se_r^2``. The linear trend is the weighted least
squares line of ``y_r`` on the fieldwork year ``x_r`` with weights ``1 / v_r`` (generalised least
squares with the diagonal covariance of the estimates: the NCHS approach to trends across
independent survey years; Korn & Graubard 1999, ch. 5; Ingram et al. 2018, NCHS guidelines for
analysis of trends):

    slope = Σ w (x − x̄)(y − ȳ) / Σ w (x − x̄)²,   Var(slope) = 1 / Σ w (x − x̄)²,

with ``x̄`` and ``ȳ`` the ``w``-weighted means. The test of no trend is ``z = slope / SE`` against
the normal distribution (the variances are taken as known). With three rounds or more, the
departure from linearity is ``Q = Σ w (y − fitted)²`` on ``k − 2`` degrees of freedom (chi-square).
With two rounds the slope is the change divided by the years between them and its SE is the
change's SE divided by the same (a check by hand).

A suppressed (blank) estimate is left out of its domain's line; a domain with fewer than two
rounds left has no trend.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from literacy.assessment.schedule import survey_rounds

__all__ = ["linear_trend", "trend_table", "TREND_COLUMNS"]

#: The trend table's columns, in order.
TREND_COLUMNS = ["breakdown", "domain", "label_zh", "label_en", "level", "n_rounds", "first_round", "last_round",
                 "first_year", "last_year", "first_estimate", "last_estimate", "slope", "slope_se", "slope_ci_low",
                 "slope_ci_high", "z", "p_value", "nonlinearity_chi2", "nonlinearity_df", "nonlinearity_p"]


def linear_trend(group: np.ndarray, x: np.ndarray, y: np.ndarray, se: np.ndarray, level: float = 0.95) -> pd.DataFrame:
    """The weighted least squares trend of independent estimates, for every group at once.

    Parameters
    ----------
    group : array of int
        The group code (0 .. G-1) of each estimate.
    x : array of float
        The year of each estimate.
    y : array of float
        The estimates.
    se : array of float
        Their design standard errors; a blank estimate or a non-positive SE is left out.
    level : float
        The confidence level of the slope's interval.

    Returns
    -------
    DataFrame
        One row per group code: ``n_rounds``, ``slope``, ``slope_se``, ``slope_ci_low``,
        ``slope_ci_high``, ``z``, ``p_value``, ``nonlinearity_chi2``, ``nonlinearity_df``,
        ``nonlinearity_p`` (blank where undefined).
    """
    group = np.asarray(group, dtype=int)
    x, y, se = (np.asarray(a, dtype=float) for a in (x, y, se))
    n_groups = int(group.max()) + 1 if len(group) else 0
    ok = np.isfinite(y) & np.isfinite(se) & (se > 0) & np.isfinite(x)
    g, xs, ys = group[ok], x[ok], y[ok]
    w = 1.0 / se[ok] ** 2
    xc = xs - (xs.min() if len(xs) else 0.0)   # centred for precision; the slope is unchanged

    def total(v):
        return np.bincount(g, weights=v, minlength=n_groups)

    k = np.bincount(g, minlength=n_groups)
    W, Sx, Sy = total(w), total(w * xc), total(w * ys)
    Sxx, Sxy, Syy = total(w * xc * xc), total(w * xc * ys), total(w * ys * ys)
    with np.errstate(invalid="ignore", divide="ignore"):
        sxx = Sxx - Sx * Sx / W
        sxy = Sxy - Sx * Sy / W
        defined = (k >= 2) & (sxx > 0)
        slope = np.where(defined, sxy / sxx, np.nan)
        slope_se = np.where(defined, 1.0 / np.sqrt(sxx), np.nan)
        z = slope / slope_se
        p = 2 * stats.norm.sf(np.abs(z))
        q = np.where(k >= 3, np.maximum(Syy - Sy * Sy / W - slope * slope * sxx, 0.0), np.nan)
        dfq = np.where(k >= 3, k - 2, np.nan)
        pq = np.where(k >= 3, stats.chi2.sf(q, np.where(k >= 3, k - 2, 1)), np.nan)
    crit = stats.norm.ppf(1 - (1 - level) / 2)
    return pd.DataFrame({"n_rounds": k, "slope": slope, "slope_se": slope_se, "slope_ci_low": slope - crit * slope_se,
                         "slope_ci_high": slope + crit * slope_se, "z": z, "p_value": p, "nonlinearity_chi2": q,
                         "nonlinearity_df": dfq, "nonlinearity_p": pq})


def trend_table(estimates: pd.DataFrame, config: dict) -> pd.DataFrame:
    """``assessment/trend.csv``: the linear trend of every domain and level over all rounds.

    Parameters
    ----------
    estimates : DataFrame
        Every round's flagged estimates (``round, breakdown, domain, label_zh, label_en, level,
        estimate, se``; a suppressed estimate is blank).
    config : dict
        The validated config (the rounds' years, ``estimation.level``).

    Returns
    -------
    DataFrame
        ``TREND_COLUMNS``: one row per domain and level, in the latest round's order; the slope
        is the change in the share per year.
    """
    years = {r.id: r.year for r in survey_rounds(config)}
    est = estimates[estimates["round"].astype(str).isin(years)].copy()
    est["year"] = est["round"].astype(str).map(years).astype(float)
    est = est.sort_values("year", kind="stable")
    keys = ["breakdown", "domain", "level"]
    latest = est.drop_duplicates(keys, keep="last")          # the labels and the order of the latest round
    order = latest[keys + ["label_zh", "label_en"]].reset_index(drop=True)
    codes = pd.MultiIndex.from_frame(order[keys]).get_indexer(pd.MultiIndex.from_frame(est[keys]))
    fit = linear_trend(codes, est["year"].to_numpy(), est["estimate"].to_numpy(dtype=float),
                       est["se"].to_numpy(dtype=float), float(config["estimation"]["level"]))
    ok = (est["estimate"].notna() & (est["se"].astype(float) > 0)).to_numpy()   # the estimates in the line
    shown = est[ok].assign(_code=codes[ok])
    first = shown.drop_duplicates("_code", keep="first").set_index("_code")
    last = shown.drop_duplicates("_code", keep="last").set_index("_code")
    idx = np.arange(len(order))
    out = order.assign(
        first_round=first["round"].reindex(idx).to_numpy(), last_round=last["round"].reindex(idx).to_numpy(),
        first_year=first["year"].reindex(idx).to_numpy(), last_year=last["year"].reindex(idx).to_numpy(),
        first_estimate=first["estimate"].reindex(idx).to_numpy(dtype=float),
        last_estimate=last["estimate"].reindex(idx).to_numpy(dtype=float))
    out = pd.concat([out, fit], axis=1)
    out[["first_year", "last_year"]] = out[["first_year", "last_year"]].astype("Int64")
    out["nonlinearity_df"] = out["nonlinearity_df"].astype("Int64")
    return out[TREND_COLUMNS].reset_index(drop=True)
