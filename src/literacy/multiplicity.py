"""Multiple-comparison control: Benjamini–Hochberg false discovery rate, per family.

Benjamini & Hochberg (1995, JRSS B 57, 289-300): with the m non-missing p-values sorted,
``p_(1) <= ... <= p_(m)``, the adjusted value of ``p_(i)`` is
``min(1, min_{j >= i} m p_(j) / j)``; a hypothesis is rejected at FDR level α when its
adjusted p-value is at most α. This is R's ``p.adjust(p, method = "BH")``: missing
p-values stay missing and do not count in m.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from literacy.errors import DataError

__all__ = ["benjamini_hochberg", "adjust_by_family"]


def benjamini_hochberg(p_values, alpha: float = 0.05) -> pd.DataFrame:
    """BH-adjusted p-values and significance at FDR level ``alpha``.

    Parameters
    ----------
    p_values : array-like or Series
        Raw p-values in [0, 1]; NaN allowed (kept NaN, not counted).
    alpha : float
        False discovery rate.

    Returns
    -------
    DataFrame
        ``p_value, p_adjusted, significant`` in the input order (the Series' index if one
        was given); ``significant`` is false where the p-value is missing.

    Raises
    ------
    DataError
        A p-value outside [0, 1], or ``alpha`` outside (0, 1).
    """
    if not 0 < alpha < 1:
        raise DataError(f"alpha must be in (0, 1), not {alpha!r}")
    index = p_values.index if isinstance(p_values, pd.Series) else None
    p = np.asarray(p_values, dtype=float).ravel()
    ok = ~np.isnan(p)
    if np.any((p[ok] < 0) | (p[ok] > 1)):
        raise DataError("p-values must lie in [0, 1]")
    adj = np.full(p.shape, np.nan)
    q = p[ok]
    m = q.size
    if m:
        order = np.argsort(q, kind="mergesort")
        scaled = q[order] * m / np.arange(1, m + 1)
        # cumulative minimum from the largest p-value down (the step-up rule)
        stepped = np.minimum.accumulate(scaled[::-1])[::-1]
        out = np.empty(m)
        out[order] = np.minimum(stepped, 1.0)
        adj[ok] = out
    return pd.DataFrame({"p_value": p, "p_adjusted": adj, "significant": ok & (adj <= alpha)}, index=index)


def adjust_by_family(df: pd.DataFrame, p_column: str, family_columns: str | Sequence[str],
                     alpha: float = 0.05) -> pd.DataFrame:
    """Apply :func:`benjamini_hochberg` separately within each family of tests.

    Parameters
    ----------
    df : DataFrame
        One test per row.
    p_column : str
        Column of raw p-values.
    family_columns : str or list of str
        Columns whose combination defines a family (e.g. the comparison type and round);
        a row with a missing family value forms its own family "missing".
    alpha : float
        FDR level within each family.

    Returns
    -------
    DataFrame
        A copy of ``df`` with ``p_adjusted``, ``significant`` and ``family_size`` (the number
        of non-missing p-values in the row's family) added.
    """
    cols = [family_columns] if isinstance(family_columns, str) else list(family_columns)
    for c in [p_column, *cols]:
        if c not in df.columns:
            raise DataError(f"column {c!r} is not in the table")
    p = df[p_column].to_numpy(dtype=float)
    adj, sig, size = np.full(len(df), np.nan), np.zeros(len(df), dtype=bool), np.zeros(len(df), dtype=int)
    keys = df[cols].astype(object).where(df[cols].notna(), "missing")
    for idx in keys.groupby(cols, sort=False).indices.values():  # one pass per family
        res = benjamini_hochberg(p[idx], alpha)
        adj[idx], sig[idx] = res["p_adjusted"].to_numpy(), res["significant"].to_numpy()
        size[idx] = int(np.isfinite(p[idx]).sum())
    out = df.copy()
    out["p_adjusted"], out["significant"], out["family_size"] = adj, sig, size
    return out
