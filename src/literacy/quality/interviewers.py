"""Interviewer effects: the intra-interviewer correlation of the literacy score, the design effect
it adds, and interviewers whose respondents score apart from what their composition predicts.

The score is first adjusted for the respondents' characteristics (an ordinary least-squares fit
on the covariates, as interviewers are assigned to areas and areas differ): ``r_i = y_i - ŷ_i``.

* **Intra-interviewer correlation** ρ_int: the one-way random-effects ANOVA estimator on the
  adjusted scores, ``(MSB - MSW) / (MSB + (m0 - 1) MSW)`` with
  ``m0 = (N - Σ n_j² / N) / (J - 1)`` for unequal workloads (Searle, Casella & McCulloch 1992,
  sec. 3.6; Kish 1962), truncated at 0. Its design effect on a mean is ``1 + (m̄ - 1) ρ_int``,
  m̄ the mean workload (Kish 1962; Groves 2004, ch. 8).
* **Outlying interviewers**: the mean adjusted score of interviewer j, ``d_j``, against its
  standard error under no interviewer effect, ``s / sqrt(n_j)`` (s² = the residual variance of
  the fit): ``z_j = d_j / (s / sqrt(n_j))``, two-sided normal p-values, Benjamini–Hochberg across
  interviewers; flagged when the adjusted p-value is below ``alpha``.
* **Robust reference** (``robust=True``, the assessment's choice): interviewers work in areas, and
  areas differ beyond what the covariates capture, so under no interviewer effect the ``d_j``
  still vary by more than ``s / sqrt(n_j)``; and a few outlying interviewers pull the fit toward
  themselves and push the others the other way. The robust test centres on the median ``d_j``
  and adds a between-interviewer variance ``τ² = max(0, (1.4826 MAD(d))² - median(s² / n_j))``
  (MAD: median absolute deviation from that median; Hampel's outlier rule):
  ``z_j = (d_j - median d) / sqrt(s² / n_j + τ²)``. Only interviewers far outside the spread
  of their peers are flagged.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from literacy.errors import DataError
from literacy.multiplicity import benjamini_hochberg

__all__ = ["interviewer_icc", "interviewer_effects", "INTERVIEWER_COLUMNS"]

#: Columns of :func:`interviewer_effects`' table.
INTERVIEWER_COLUMNS = ["interviewer", "interviews", "mean_score", "expected_score", "difference", "se", "z",
                       "p_value", "p_adjusted", "outlier"]


def interviewer_icc(values: np.ndarray, interviewer: np.ndarray) -> dict[str, float]:
    """One-way ANOVA estimate of the intra-interviewer correlation and its design effect.

    Parameters
    ----------
    values : ndarray
        The (adjusted) score of each interview.
    interviewer : ndarray
        Interviewer codes 0..J-1.

    Returns
    -------
    dict
        ``icc`` (truncated at 0), ``icc_raw``, ``deff`` (1 + (m̄ - 1) icc), ``mean_workload``,
        ``interviewers``, ``msb``, ``msw``.
    """
    y = np.asarray(values, dtype=float)
    g = np.asarray(interviewer, dtype=np.int64)
    J = int(g.max()) + 1
    N = y.size
    n_j = np.bincount(g, minlength=J).astype(float)
    if J < 2 or N <= J:
        raise DataError("interviewer effects need at least two interviewers and more interviews than interviewers")
    mean_j = np.bincount(g, weights=y, minlength=J) / n_j
    grand = y.mean()
    ssb = float(n_j @ (mean_j - grand) ** 2)
    ssw = float(((y - mean_j[g]) ** 2).sum())
    msb, msw = ssb / (J - 1), ssw / (N - J)
    m0 = (N - (n_j**2).sum() / N) / (J - 1)
    raw = (msb - msw) / (msb + (m0 - 1) * msw)
    icc = max(raw, 0.0)
    m_bar = N / J
    return {"icc": icc, "icc_raw": raw, "deff": 1 + (m_bar - 1) * icc, "mean_workload": m_bar,
            "interviewers": J, "msb": msb, "msw": msw}


def _covariate_matrix(covariates: pd.DataFrame) -> np.ndarray:
    cols = [np.ones(len(covariates))]
    for c in covariates.columns:
        s = covariates[c]
        if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
            cols.append(s.to_numpy(dtype=float))
        else:
            codes, levels = pd.factorize(s.astype(str), sort=True)
            cols.extend((codes == k).astype(float) for k in range(1, len(levels)))
    return np.column_stack(cols)


def interviewer_effects(score: np.ndarray, interviewer: pd.Series, covariates: pd.DataFrame | None = None,
                        alpha: float = 0.05, robust: bool = False) -> tuple[pd.DataFrame, dict[str, float]]:
    """Interviewers whose respondents score apart, and the intra-interviewer correlation.

    Parameters
    ----------
    score : ndarray
        The literacy score (or 0/1 literate) of each interview.
    interviewer : Series
        Interviewer id of each interview (no missing value).
    covariates : DataFrame, optional
        Respondent characteristics to adjust for (categorical or numeric).
    alpha : float
        FDR level for the flag.
    robust : bool
        Test against the median interviewer and the peers' spread (module notes); ``difference``
        is then ``d_j`` minus the median.

    Returns
    -------
    (DataFrame, dict)
        One row per interviewer, :data:`INTERVIEWER_COLUMNS` (``expected_score``: the mean of the
        fitted scores of their respondents); and :func:`interviewer_icc` of the adjusted scores
        plus ``residual_sd``.
    """
    y = np.asarray(score, dtype=float)
    if interviewer.isna().any():
        row = int(np.flatnonzero(interviewer.isna().to_numpy())[0])
        raise DataError(f"responses: line {row + 2}, column 'interviewer_id': the interviewer is missing")
    codes, names = pd.factorize(interviewer.astype(str), sort=True)
    X = _covariate_matrix(covariates) if covariates is not None and covariates.shape[1] else np.ones((len(y), 1))
    beta, *_ = np.linalg.lstsq(X, y, rcond=None)
    fitted = X @ beta
    resid = y - fitted
    rank = np.linalg.matrix_rank(X)
    s = float(np.sqrt(resid @ resid / (len(y) - rank)))
    J = len(names)
    n_j = np.bincount(codes, minlength=J).astype(float)
    d = np.bincount(codes, weights=resid, minlength=J) / n_j
    se = s / np.sqrt(n_j)
    if robust:
        centre = float(np.median(d))
        mad = 1.4826 * float(np.median(np.abs(d - centre)))
        tau2 = max(0.0, mad**2 - float(np.median(se**2)))
        d = d - centre
        se = np.sqrt(se**2 + tau2)
    z = d / se
    p = 2 * stats.norm.sf(np.abs(z))
    adj = benjamini_hochberg(p, alpha)["p_adjusted"].to_numpy()
    table = pd.DataFrame({
        "interviewer": np.asarray(names, dtype=str), "interviews": n_j.astype(np.int64),
        "mean_score": np.bincount(codes, weights=y, minlength=J) / n_j,
        "expected_score": np.bincount(codes, weights=fitted, minlength=J) / n_j,
        "difference": d, "se": se, "z": z, "p_value": p, "p_adjusted": adj, "outlier": adj < alpha})
    summary = interviewer_icc(resid, codes)
    summary["residual_sd"] = s
    summary["tau"] = float(np.sqrt(tau2)) if robust else 0.0
    return table, summary
