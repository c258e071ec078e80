"""Sample sizes for the next round and the change it can detect.

For each reporting domain, from the last round's estimate p and design effect:

* intra-PSU correlation (Kish 1965, sec. 5.4): ``ρ = (deff - 1) / (m̄ - 1)`` with m̄ the
  respondents per PSU, unless ρ is given; truncated at 0;
* the planned design effect for a take of m respondents per PSU:
  ``deff_plan = 1 + (m - 1) ρ`` (m = m̄ unless ``planned_per_psu`` is given);
* the effective sample size needed: ``target_neff`` (default 400), or, for a CI half-width
  h at level 1 - α_CI, ``z² p (1 - p) / h²`` (normal interval);
* respondents ``n = ⌈n_eff deff_plan⌉``, sampled adults ``⌈n / response rate⌉``, PSUs
  ``⌈n / m⌉``;
* the minimum detectable change between two independent rounds of n respondents each
  (two-sided test at level α with power 1 - β; p around the current estimate):
  ``MDC = (z_{1-α/2} + z_{1-β}) sqrt(2 p (1 - p) deff_plan / n)``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from literacy.errors import DataError

__all__ = ["intra_psu_correlation", "detectable_change", "required_sample", "PLAN_COLUMNS"]

#: Columns added by :func:`required_sample`, in order.
PLAN_COLUMNS = ["p", "deff", "respondents_per_psu", "rho", "planned_per_psu", "deff_planned",
                "response_rate", "target", "n_eff_required", "respondents", "sampled_adults", "psus",
                "detectable_change", "alpha", "power"]


def intra_psu_correlation(deff, respondents_per_psu) -> np.ndarray:
    """``ρ = (deff - 1) / (m̄ - 1)``, truncated at 0; NaN where m̄ <= 1."""
    d = np.asarray(deff, dtype=float)
    m = np.asarray(respondents_per_psu, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        rho = np.where(m > 1, (d - 1) / (m - 1), np.nan)
    return np.maximum(rho, 0.0)


def detectable_change(p, n, deff=1.0, *, alpha: float = 0.05, power: float = 0.8) -> np.ndarray:
    """Smallest difference of two independent proportions detectable with the given power.

    ``(z_{1-α/2} + z_power) sqrt(2 p (1 - p) deff / n)``, each round with n respondents.
    """
    p, n, deff = (np.asarray(v, dtype=float) for v in (p, n, deff))
    z = stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power)
    with np.errstate(divide="ignore", invalid="ignore"):
        return z * np.sqrt(2 * p * (1 - p) * deff / n)


def _col(df, value, name):
    if isinstance(value, str):
        if value not in df.columns:
            raise DataError(f"{name} column {value!r} is not in the table")
        return pd.to_numeric(df[value], errors="coerce").to_numpy(dtype=float)
    return np.full(len(df), np.nan if value is None else float(value))


def required_sample(domains: pd.DataFrame, *, estimate: str = "estimate", deff: str = "deff",
                    respondents_per_psu: str | float = "respondents_per_psu",
                    response_rate: str | float = "response_rate", rho: str | float | None = None,
                    planned_per_psu: str | float | None = None, target_neff: float = 400,
                    half_width: float | None = None, conf_level: float = 0.95, alpha: float = 0.05,
                    power: float = 0.8) -> pd.DataFrame:
    """The next round's sample for each reporting domain (see the module notes).

    Parameters
    ----------
    domains : DataFrame
        One row per domain (city, districts, key groups) from the last round.
    estimate, deff : str
        Columns of the current proportion and its design effect.
    respondents_per_psu, response_rate : str or float
        Columns (or one value) of m̄ and the response rate (0, 1].
    rho : str or float, optional
        Intra-PSU correlation; derived from deff and m̄ when not given.
    planned_per_psu : str or float, optional
        Respondents per PSU in the next round (default m̄).
    target_neff : float
        Effective sample size to reach (ignored when ``half_width`` is given).
    half_width : float, optional
        Target CI half-width on the proportion scale, at ``conf_level``.
    alpha, power : float
        Test level (two-sided) and power of the detectable change.

    Returns
    -------
    DataFrame
        ``domains`` with :data:`PLAN_COLUMNS` added: the inputs and assumptions, the sizes
        and the detectable change at the planned respondents.
    """
    p = _col(domains, estimate, "estimate")
    d = _col(domains, deff, "design-effect")
    m_bar = _col(domains, respondents_per_psu, "respondents-per-PSU")
    rr = _col(domains, response_rate, "response-rate")
    if np.any(~np.isfinite(p) | (p < 0) | (p > 1)):
        raise DataError("estimates must be proportions in [0, 1] for every domain")
    if np.any(~np.isfinite(rr) | (rr <= 0) | (rr > 1)):
        raise DataError("response rates must be in (0, 1] for every domain")
    if rho is None:
        if np.any(~np.isfinite(d) | (d <= 0)):
            raise DataError("design effects must be positive for every domain")
        r = intra_psu_correlation(d, m_bar)
        if np.any(np.isnan(r)):
            raise DataError("ρ cannot be derived where respondents per PSU <= 1: give rho")
    else:
        r = np.maximum(_col(domains, rho, "rho"), 0.0)
    m_new = m_bar if planned_per_psu is None else _col(domains, planned_per_psu, "planned-per-PSU")
    if np.any(~np.isfinite(m_new) | (m_new < 1)):
        raise DataError("respondents per PSU must be at least 1 for every domain")
    deff_plan = 1 + (m_new - 1) * r
    if half_width is not None:
        if not 0 < half_width < 1:
            raise DataError(f"half_width must be in (0, 1), not {half_width!r}")
        z = stats.norm.ppf(1 - (1 - conf_level) / 2)
        neff = z**2 * p * (1 - p) / half_width**2
        target = f"CI half-width {half_width:g} at {conf_level:.0%}"
    else:
        neff = np.full(len(domains), float(target_neff))
        target = f"effective sample size {target_neff:g}"
    n_resp = np.ceil(neff * deff_plan - 1e-9)
    out = domains.copy()
    cols = {"p": p, "deff": d, "respondents_per_psu": m_bar, "rho": r, "planned_per_psu": m_new,
            "deff_planned": deff_plan, "response_rate": rr, "target": target, "n_eff_required": neff,
            "respondents": n_resp.astype(int), "sampled_adults": np.ceil(n_resp / rr - 1e-9).astype(int),
            "psus": np.ceil(n_resp / m_new - 1e-9).astype(int),
            "detectable_change": detectable_change(p, n_resp, deff_plan, alpha=alpha, power=power),
            "alpha": alpha, "power": power}
    for k, v in cols.items():
        out[k] = v
    return out
