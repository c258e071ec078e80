"""Column and table checks the output schemas are built from.

Each builder returns a pandera :class:`~pandera.api.pandas.components.Column` or
:class:`~pandera.api.checks.Check` with a one-line error message, so that every schema module
(:mod:`literacy_schemas.outputs`, :mod:`literacy_schemas.measurement`,
:mod:`literacy_schemas.small_area`, :mod:`literacy_schemas.analysis`) states its columns the same way.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandera.pandas as pa

__all__ = ["TOL", "level_codes", "round_ids", "one_of", "text_column", "share_column", "nonnegative_column",
           "inside_interval", "unique_rows"]

#: Tolerance of the consistency checks (floating point).
TOL = 1e-9


def level_codes(config: dict) -> list[str]:
    """The configured literacy level codes, as text.

    Parameters
    ----------
    config : dict
        The resolved assessment config.

    Returns
    -------
    list of str
        ``scoring.levels[*].code`` in the config's order.
    """
    return [str(lv["code"]) for lv in config["scoring"]["levels"]]


def round_ids(config: dict) -> list[str]:
    """The configured round ids, as text.

    Parameters
    ----------
    config : dict
        The resolved assessment config.

    Returns
    -------
    list of str
        ``rounds[*].id`` in the config's order.
    """
    return [str(r["id"]) for r in config["rounds"]]


def one_of(values: list[str]) -> pa.Check:
    """A check that every value is one of ``values``.

    Parameters
    ----------
    values : list of str
        The allowed values.

    Returns
    -------
    pandera.Check
        ``isin(values)`` with the error ``one of a|b|c``.
    """
    return pa.Check.isin(values, error=f"one of {'|'.join(values)}")


def text_column(checks=None, nullable: bool = False) -> pa.Column:
    """A text column, checked by value and not by dtype.

    Computed tables may carry ``object`` (pandas' default) or ``string`` dtype, so the column's
    dtype is left open and only its values are checked.

    Parameters
    ----------
    checks : list of pandera.Check, optional
        The value checks (none by default).
    nullable : bool, default False
        Whether blanks are allowed.

    Returns
    -------
    pandera.Column
    """
    return pa.Column(None, checks or [], nullable=nullable)


def share_column(nullable: bool = False) -> pa.Column:
    """A float column of shares in [0, 1].

    Parameters
    ----------
    nullable : bool, default False
        Whether blanks are allowed.

    Returns
    -------
    pandera.Column
    """
    return pa.Column(float, pa.Check.in_range(0, 1, error="a share in [0, 1]"), nullable=nullable)


def nonnegative_column(nullable: bool = True) -> pa.Column:
    """A float column of values >= 0 (standard errors, deffs, populations...).

    Parameters
    ----------
    nullable : bool, default True
        Whether blanks are allowed.

    Returns
    -------
    pandera.Column
    """
    return pa.Column(float, pa.Check.ge(0, error=">= 0"), nullable=nullable)


def inside_interval(low: str, mid: str, high: str) -> pa.Check:
    """A table check that ``low <= mid <= high`` on every row (within :data:`TOL`).

    A row with a blank bound passes.

    Parameters
    ----------
    low, mid, high : str
        The column names of the lower bound, the value and the upper bound.

    Returns
    -------
    pandera.Check
        A DataFrame-level check with the error ``low <= mid <= high``.
    """
    def check(df: pd.DataFrame) -> pd.Series:
        lo, m, hi = (df[c].to_numpy(dtype=float, na_value=np.nan) for c in (low, mid, high))
        ok = np.isnan(lo) | np.isnan(hi) | ((lo <= m + TOL) & (m <= hi + TOL))
        return pd.Series(ok, index=df.index)
    return pa.Check(check, error=f"{low} <= {mid} <= {high}")


def unique_rows(cols: list[str]) -> pa.Check:
    """A table check that no two rows share the values of ``cols``.

    Parameters
    ----------
    cols : list of str
        The columns that key a row.

    Returns
    -------
    pandera.Check
        A DataFrame-level check with the error ``one row per a/b/c``.
    """
    return pa.Check(lambda df: ~df.duplicated(subset=cols, keep="first"), error=f"one row per {'/'.join(cols)}")
