"""Confidence intervals of design-based estimates: Wald, R's ``svyciprop`` methods and Wilson."""

from __future__ import annotations

import numpy as np
from scipy import stats

__all__ = ["CI_METHODS", "confidence_interval"]

#: Proportion and mean intervals: R's svyciprop methods ("logit", "likelihood", "asin", "beta", "mean",
#: "xlogit"), "wald" (= "mean") and the Wilson score interval.
CI_METHODS = ("logit", "likelihood", "asin", "beta", "mean", "xlogit", "wald", "wilson")


def confidence_interval(method: str, est: np.ndarray, se: np.ndarray, df: np.ndarray, n: np.ndarray,
                        rows: np.ndarray, level: float, logit_se: np.ndarray | None = None
                        ) -> tuple[np.ndarray, np.ndarray]:
    """Confidence bounds per domain (R's ``svyciprop`` methods, and Wald and Wilson intervals).

    Parameters
    ----------
    method : str
        One of :data:`CI_METHODS`.
    est, se : ndarray
        Estimates and standard errors per domain.
    df : ndarray
        Degrees of freedom of the t quantiles per domain (NaN where not positive).
    n : ndarray
        Unweighted rows per domain (the effective sample size where the variance is zero).
    rows : ndarray
        Rows of each domain's subset (the Korn-Graubard df ratio).
    level : float
        Confidence level.
    logit_se : ndarray, optional
        Standard error of the logit (method "logit"); default the delta method.

    Returns
    -------
    (ndarray, ndarray)
        Lower and upper bounds.

    Notes
    -----
    logit: expit(logit(p) -+ t se_logit), the Wald interval of an intercept-only quasibinomial
      svyglm (R's svyciprop method="logit"); ``logit_se`` is its standard error (the delta
      method se / (p (1 - p)) on a Taylor design, the replicate logits' on a replicate design).
    xlogit: expit(logit(p) -+ t se / (p (1 - p))) on every design (R's method="xlogit").
    asin: sin(asin(sqrt(p)) -+ t se / (2 sqrt(p (1 - p))))^2 (R's method="asin", squared sine of
      the bounds as R computes it).
    beta: Korn & Graubard (1998): Clopper-Pearson with the effective sample size
      p (1 - p) / var, scaled by (t_{rows-1} / t_df)^2 (R's svyciprop method="beta").
    wilson: the Wilson score interval on the effective sample size with t_df quantiles
      (Kish-style; R's svyciprop has no Wilson method).
    wald: est -+ t_df se (R's svyciprop method="mean" for proportions).
    Where the variance is zero (a share of 0 or 1) the effective sample size is the
    domain's unweighted n (NCHS Data Presentation Standards for Proportions, 2017).
    """
    alpha = 1.0 - level
    with np.errstate(invalid="ignore", divide="ignore"):
        dfc = np.where(df > 0, df, np.nan)
        t = stats.t.ppf(1 - alpha / 2, dfc)
        if method in ("wald", "mean"):
            return est - t * se, est + t * se
        p = est
        var = se * se
        if method == "asin":
            centre = np.arcsin(np.sqrt(p))
            half = t * se / (2 * np.sqrt(p * (1 - p)))
            return np.sin(centre - half) ** 2, np.sin(centre + half) ** 2
        if method in ("logit", "xlogit"):
            logit = np.log(p / (1 - p))
            half = t * (logit_se if (method == "logit" and logit_se is not None) else se / (p * (1 - p)))
            low = 1 / (1 + np.exp(-(logit - half)))
            high = 1 / (1 + np.exp(-(logit + half)))
            degenerate = (p <= 0) | (p >= 1)
            if degenerate.any():
                bl, bh = confidence_interval("beta", est, se, df, n, rows, level)
                low = np.where(degenerate, bl, low)
                high = np.where(degenerate, bh, high)
            return low, high
        n_eff = np.where(var > 0, p * (1 - p) / var, n)
        if method == "beta":
            ratio = stats.t.ppf(alpha / 2, rows - 1) / stats.t.ppf(alpha / 2, dfc)
            n_eff = np.where(var > 0, n_eff * ratio ** 2, n_eff)
            x = n_eff * p
            low = np.where(p > 0, stats.beta.ppf(alpha / 2, x, n_eff - x + 1), 0.0)
            high = np.where(p < 1, stats.beta.ppf(1 - alpha / 2, x + 1, n_eff - x), 1.0)
            return low, high
        # wilson
        z2 = t * t
        centre = (p + z2 / (2 * n_eff)) / (1 + z2 / n_eff)
        half = t * np.sqrt(p * (1 - p) / n_eff + z2 / (4 * n_eff ** 2)) / (1 + z2 / n_eff)
        return centre - half, centre + half
