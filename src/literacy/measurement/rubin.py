"""Rubin's rules for M completed-data (or plausible-value) analyses.

For each of K quantities estimated on each of M imputations (Rubin 1987, ch. 3):

* point estimate  ``qbar = mean_m q_m``
* within variance ``ubar = mean_m u_m``
* between variance ``b = sum_m (q_m - qbar)^2 / (M - 1)``
* total variance  ``t = ubar + (1 + 1/M) b``

and the small-sample degrees of freedom of Barnard & Rubin (1999, Biometrika 86, 948-955),
which take the complete-data degrees of freedom (for a survey estimate: the design df)
into account. The relative increase in variance ``riv``, ``lambda`` and the fraction of
missing information ``fmi`` follow ``mice::pool`` (van Buuren & Groothuis-Oudshoorn 2011;
van Buuren 2018, *Flexible Imputation of Missing Data*, 2nd ed., sec. 2.3.6 and 5.2),
including its floor of 1e-4 on ``lambda`` inside the df formula, so the results match
``pool`` to rounding.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["RubinResult", "rubin_combine", "barnard_rubin_df"]


@dataclass(frozen=True)
class RubinResult:
    """Pooled estimates of K quantities (each attribute is a length-K array).

    Attributes
    ----------
    m : int
        Number of imputations (plausible values).
    estimate : ndarray
        Mean of the M estimates.
    within : ndarray
        Mean of the M variances (sampling variance, ``ubar``).
    between : ndarray
        Sample variance of the M estimates (divisor M - 1, ``b``).
    total : ndarray
        ``within + (1 + 1/M) between``.
    df : ndarray
        Barnard-Rubin degrees of freedom (the classical Rubin df ``(M - 1) / lambda^2``
        when ``df_complete`` is infinite).
    riv : ndarray
        Relative increase in variance due to nonresponse, ``(1 + 1/M) b / ubar``.
    lambda_ : ndarray
        Proportion of the total variance due to missingness, ``(1 + 1/M) b / t``.
    fmi : ndarray
        Fraction of missing information, ``(riv + 2 / (df + 3)) / (riv + 1)``.
    """

    m: int
    estimate: np.ndarray
    within: np.ndarray
    between: np.ndarray
    total: np.ndarray
    df: np.ndarray
    riv: np.ndarray
    lambda_: np.ndarray
    fmi: np.ndarray

    @property
    def se(self) -> np.ndarray:
        """Standard error from the total variance."""
        return np.sqrt(self.total)

    @property
    def se_sampling(self) -> np.ndarray:
        """``sqrt(within)``: the part of the standard error due to sampling."""
        return np.sqrt(self.within)

    @property
    def se_imputation(self) -> np.ndarray:
        """``sqrt((1 + 1/M) between)``: the part due to the imputation (measurement) error."""
        return np.sqrt((1.0 + 1.0 / self.m) * self.between)


def barnard_rubin_df(m: int, between: np.ndarray, total: np.ndarray, df_complete=np.inf) -> np.ndarray:
    """Barnard & Rubin (1999) degrees of freedom, as ``mice:::barnard.rubin``.

    ``lambda = (1 + 1/m) b / t`` (floored at 1e-4 as mice does, so that b = 0 gives a
    finite df), ``nu_old = (m - 1) / lambda^2``, ``nu_obs = (nu_com + 1) / (nu_com + 3)
    nu_com (1 - lambda)`` and ``nu = nu_old nu_obs / (nu_old + nu_obs)``; with an infinite
    ``nu_com`` it is ``nu_old`` (Rubin 1987, eq. 3.1.6).

    Parameters
    ----------
    m : int
        Number of imputations.
    between, total : array
        Between and total variances.
    df_complete : float or array
        Complete-data degrees of freedom (``np.inf`` for large samples).

    Returns
    -------
    ndarray of degrees of freedom (NaN where the total variance is zero or missing).
    """
    b = np.asarray(between, dtype=float)
    t = np.asarray(total, dtype=float)
    dfcom = np.broadcast_to(np.asarray(df_complete, dtype=float), np.broadcast(b, t).shape)
    with np.errstate(invalid="ignore", divide="ignore"):
        lam = (1.0 + 1.0 / m) * b / t
        lam = np.where(lam < 1e-4, 1e-4, lam)        # mice's floor (NaN stays NaN)
        df_old = (m - 1) / lam ** 2
        df_obs = (dfcom + 1.0) / (dfcom + 3.0) * dfcom * (1.0 - lam)
        df = np.where(np.isinf(dfcom), df_old, df_old * df_obs / (df_old + df_obs))
    return df


def rubin_combine(estimates, variances, df_complete=None) -> RubinResult:
    """Combine M estimates of K quantities and their variances by Rubin's rules.

    Parameters
    ----------
    estimates : array, shape (M,) or (M, K)
        The estimate of each quantity on each imputation (plausible value).
    variances : array, same shape
        Their complete-data (sampling) variances, e.g. squared design-based standard errors.
    df_complete : float or array of length K, optional
        Complete-data degrees of freedom of each quantity (for a survey estimate the
        design df of its domain). None or ``np.inf``: large-sample (Rubin 1987) df.

    Returns
    -------
    RubinResult
        Length-K arrays (length 1 for a 1-D input) of the pooled estimate, within,
        between and total variance, Barnard-Rubin df, riv, lambda and fmi.

    Raises
    ------
    ValueError
        Fewer than two imputations, or shapes that do not match.

    Notes
    -----
    Rubin (1987), *Multiple Imputation for Nonresponse in Surveys*, eqs. 3.1.2-3.1.6;
    Barnard & Rubin (1999); the ``rubin1987`` rule of ``mice::pool`` (mice 3.x). With
    ``between == 0`` (identical imputations) the total is the within variance and the df
    are ``nu_obs`` with lambda = 1e-4, slightly below ``df_complete`` as in mice.
    """
    q = np.asarray(estimates, dtype=float)
    u = np.asarray(variances, dtype=float)
    if q.ndim == 1:
        q = q[:, None]
    if u.ndim == 1:
        u = u[:, None]
    if q.shape != u.shape or q.ndim != 2:
        raise ValueError(f"rubin_combine: estimates {q.shape} and variances {u.shape} must both be M x K")
    m = q.shape[0]
    if m < 2:
        raise ValueError("rubin_combine: need at least two imputations (the between variance needs M >= 2)")
    # means as the first value plus the mean deviation from it: identical imputations give
    # that value exactly (a plain mean can be one ulp off), and the sums lose less precision
    dev = q - q[0]
    qbar = q[0] + dev.mean(axis=0)
    ubar = u[0] + (u - u[0]).mean(axis=0)
    b = dev.var(axis=0, ddof=1)                              # shift-invariant; exactly 0 when identical
    t = ubar + (1.0 + 1.0 / m) * b
    dfcom = np.inf if df_complete is None else np.asarray(df_complete, dtype=float)
    df = barnard_rubin_df(m, b, t, dfcom)
    with np.errstate(invalid="ignore", divide="ignore"):
        riv = (1.0 + 1.0 / m) * b / ubar
        lam = (1.0 + 1.0 / m) * b / t
        fmi = (riv + 2.0 / (df + 3.0)) / (riv + 1.0)
    return RubinResult(m=m, estimate=qbar, within=ubar, between=b, total=t, df=np.asarray(df, dtype=float),
                       riv=riv, lambda_=lam, fmi=fmi)
