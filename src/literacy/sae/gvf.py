"""Generalised variance function: smoothed sampling variances of cell proportions.

A tiny cell's direct variance is itself very noisy (and 0 when every respondent gives the
same answer), which the Fay–Herriot model takes as known. The design effect, by contrast,
is roughly stable across cells of one survey, so it is pooled over cells and the
variance rebuilt from it (a generalised variance function; Wolter 2007, ch. 7; Rao &
Molina 2015, sec. 6.4.1 on smoothing the sampling variances):

``ψ_i = p_i (1 - p_i) deff_pooled,i / n_i``, ``n_eff,i = n_i / deff_pooled,i``.

Two poolings (cells with n_i >= 2 and a finite positive raw deff take part):

* ``"mean"``: the respondent-weighted mean ``Σ n_i deff_i / Σ n_i`` (one value, or one per
  ``by`` group);
* ``"loglinear"``: the weighted (by n_i) least-squares line ``log deff = a + b log n`` and its
  fitted value ``exp(a + b log n_i)`` for every cell (deff growing with the cluster take).

``p`` in ψ is the cell's direct proportion; a 0 or 1 share gives ψ = 0, so that model on
the raw scale needs a smoothed p; the arcsine model (:mod:`literacy.sae.proportions`)
uses ``1 / (4 n_eff)`` and only needs the pooled deff.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from literacy.errors import DataError

__all__ = ["pooled_deff", "gvf_variances", "GVF_METHODS"]

GVF_METHODS = ("mean", "loglinear")


def _pool(deff: np.ndarray, n: np.ndarray, method: str) -> np.ndarray:
    use = (n >= 2) & np.isfinite(deff) & (deff > 0)
    if not use.any():
        raise DataError("no cell with at least 2 respondents and a positive design effect to pool")
    if method == "mean":
        return np.full(n.shape, np.sum(n[use] * deff[use]) / np.sum(n[use]))
    x, yv, wt = np.log(n[use]), np.log(deff[use]), n[use]
    if np.ptp(x) == 0:  # one cell size: the line is the weighted mean of log deff
        return np.full(n.shape, np.exp(np.sum(wt * yv) / np.sum(wt)))
    A = np.column_stack([np.ones_like(x), x]) * np.sqrt(wt)[:, None]
    coef, *_ = np.linalg.lstsq(A, yv * np.sqrt(wt), rcond=None)
    with np.errstate(divide="ignore"):
        return np.exp(coef[0] + coef[1] * np.log(np.where(n > 0, n, np.nan)))


def pooled_deff(data: pd.DataFrame, deff: str, n: str, *, by: str | list[str] | None = None,
                method: str = "mean") -> pd.Series:
    """Pool the cells' design effects (see the module notes).

    Parameters
    ----------
    data : DataFrame
        One row per cell.
    deff, n : str
        Columns of the raw design effects and respondents.
    by : str or list of str, optional
        Pool separately within these groups (e.g. district).
    method : {"mean", "loglinear"}

    Returns
    -------
    Series
        The pooled design effect of each row (NaN for a cell without respondents under
        ``"loglinear"``).
    """
    if method not in GVF_METHODS:
        raise DataError(f"GVF method must be one of {GVF_METHODS}, not {method!r}")
    for c in [deff, n]:
        if c not in data.columns:
            raise DataError(f"column {c!r} is not in the data")
    d = pd.to_numeric(data[deff], errors="coerce").to_numpy(dtype=float)
    nn = pd.to_numeric(data[n], errors="coerce").to_numpy(dtype=float)
    out = np.full(len(data), np.nan)
    if by is None:
        out[:] = _pool(d, nn, method)
    else:
        groups = data.groupby(by, sort=False, dropna=False).indices
        for key, idx in groups.items():  # one pooling per group
            try:
                out[idx] = _pool(d[idx], nn[idx], method)
            except DataError:
                raise DataError(f"group {key!r} has no cell with at least 2 respondents and a positive "
                                "design effect to pool") from None
    return pd.Series(out, index=data.index, name="deff_pooled")


def gvf_variances(data: pd.DataFrame, estimate: str, n: str, deff: str, *,
                  by: str | list[str] | None = None, method: str = "mean") -> pd.DataFrame:
    """Smoothed sampling variances ``p (1 - p) deff_pooled / n`` of cell proportions.

    Parameters
    ----------
    data : DataFrame
        One row per cell.
    estimate, n, deff : str
        Columns of the direct proportion, respondents and raw design effect.
    by, method
        As :func:`pooled_deff`.

    Returns
    -------
    DataFrame
        In the rows of ``data``: ``p, n, deff_raw, deff_pooled, n_eff, variance_raw``
        (``p(1-p) deff_raw / n``), ``variance`` (the smoothed ψ) and ``flag`` (why a cell
        has no variance: no respondents).
    """
    pooled = pooled_deff(data, deff, n, by=by, method=method).to_numpy()
    p = pd.to_numeric(data[estimate], errors="coerce").to_numpy(dtype=float)
    nn = pd.to_numeric(data[n], errors="coerce").to_numpy(dtype=float)
    d = pd.to_numeric(data[deff], errors="coerce").to_numpy(dtype=float)
    ok = nn > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        var = np.where(ok, p * (1 - p) * pooled / nn, np.nan)
        raw = np.where(ok, p * (1 - p) * d / nn, np.nan)
        neff = np.where(ok, nn / pooled, np.nan)
    return pd.DataFrame({"p": p, "n": nn, "deff_raw": d, "deff_pooled": pooled, "n_eff": neff,
                         "variance_raw": raw, "variance": var,
                         "flag": np.where(ok, "", "no respondents")}, index=data.index)
