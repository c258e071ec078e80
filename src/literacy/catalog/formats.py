"""Number formats of the outputs: one formatter per kind of figure, and the workbook's formats.

A figure is one of a few kinds: a share (0.121 = 12.1%), a change of shares in percentage
points, a count, a score, a coefficient (design effect, odds ratio, shrinkage factor) or a
p-value. Each kind has one text formatter here, used by the report documents, the headline
sentences, the command line and the reviewer notebooks, and one or more Excel number formats
(:class:`NumberFormat`), used by the workbook. The text formatters are language-neutral: the
zh and en reports print numbers alike.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

__all__ = ["NumberFormat", "FORMATS", "SHARE", "SHARE_1", "SHARE_0", "CHANGE", "COUNT", "COUNT_1", "INTEGER",
           "SCORE", "SCORE_CHANGE", "COEFFICIENT", "COEFFICIENT_1", "COEFFICIENT_3", "P_VALUE", "AMOUNT",
           "AMOUNT_CHANGE", "as_number", "share_text", "points_text", "count_text", "score_text",
           "coefficient_text", "p_value_text"]


@dataclass(frozen=True)
class NumberFormat:
    """How a column's numbers are shown.

    Attributes
    ----------
    name : str
        The format's name in the catalog (``share``, ``change``, ``count``, ...).
    kind : str
        The kind of figure: ``share``, ``change``, ``count``, ``score``, ``coefficient`` or
        ``p_value``.
    excel : str
        The Excel number format of the workbook's cells.
    """

    name: str
    kind: str
    excel: str


SHARE = NumberFormat("share", "share", "0.00%")
SHARE_1 = NumberFormat("share_1", "share", "0.0%")
SHARE_0 = NumberFormat("share_0", "share", "0%")
CHANGE = NumberFormat("change", "change", "+0.00%;-0.00%;0.00%")
COUNT = NumberFormat("count", "count", "#,##0")
COUNT_1 = NumberFormat("count_1", "count", "#,##0.0")
INTEGER = NumberFormat("integer", "count", "0")
SCORE = NumberFormat("score", "score", "0.00")
SCORE_CHANGE = NumberFormat("score_change", "score", "+0.00;-0.00;0.00")
COEFFICIENT = NumberFormat("coefficient", "coefficient", "0.00")
COEFFICIENT_1 = NumberFormat("coefficient_1", "coefficient", "0.0")
COEFFICIENT_3 = NumberFormat("coefficient_3", "coefficient", "0.000")
P_VALUE = NumberFormat("p_value", "p_value", "0.0000")
AMOUNT = NumberFormat("amount", "count", "#,##0.##")
AMOUNT_CHANGE = NumberFormat("amount_change", "count", "+#,##0.##;-#,##0.##;0")

#: Every format by name.
FORMATS: dict[str, NumberFormat] = {f.name: f for f in (
    SHARE, SHARE_1, SHARE_0, CHANGE, COUNT, COUNT_1, INTEGER, SCORE, SCORE_CHANGE, COEFFICIENT, COEFFICIENT_1,
    COEFFICIENT_3, P_VALUE, AMOUNT, AMOUNT_CHANGE)}


def as_number(v) -> float:
    """A float, NaN for a blank (None, NaN, a pandas missing value) or text that is not a number.

    Parameters
    ----------
    v : object

    Returns
    -------
    float
    """
    if v is None or v is pd.NA:
        return math.nan
    try:
        return float(v)
    except (TypeError, ValueError):
        return math.nan


def share_text(v, digits: int = 1, blank: str = "") -> str:
    """A share as a percentage ('12.1%').

    Parameters
    ----------
    v : object
        The share (0.121 = 12.1%).
    digits : int
        Decimals.
    blank : str
        The text of a blank value.

    Returns
    -------
    str
    """
    x = as_number(v)
    return blank if math.isnan(x) else f"{100 * x:.{digits}f}%"


def points_text(v, digits: int = 1, blank: str = "", minus: str = "-") -> str:
    """A change of shares in percentage points with its sign ('+2.6', '-1.0').

    Parameters
    ----------
    v : object
        The change on the share scale (0.026 = 2.6 points).
    digits : int
        Decimals.
    blank : str
        The text of a blank value.
    minus : str
        The minus sign: '-' (plain text), or '−' (U+2212, typeset documents).

    Returns
    -------
    str
    """
    x = as_number(v)
    return blank if math.isnan(x) else f"{100 * x:+.{digits}f}".replace("-", minus)


def count_text(v, blank: str = "") -> str:
    """A count, rounded, with thousands separators ('1,234').

    Parameters
    ----------
    v : object
    blank : str
        The text of a blank value.

    Returns
    -------
    str
    """
    x = as_number(v)
    return blank if math.isnan(x) else f"{int(round(x)):,}"


def score_text(v, digits: int = 2, blank: str = "") -> str:
    """A score (a mean of points) with ``digits`` decimals ('61.27').

    Parameters
    ----------
    v : object
    digits : int
    blank : str
        The text of a blank value.

    Returns
    -------
    str
    """
    x = as_number(v)
    return blank if math.isnan(x) else f"{x:.{digits}f}"


def coefficient_text(v, digits: int = 2, blank: str = "") -> str:
    """A coefficient (design effect, odds ratio, factor) with ``digits`` decimals ('1.84').

    Parameters
    ----------
    v : object
    digits : int
    blank : str
        The text of a blank value.

    Returns
    -------
    str
    """
    return score_text(v, digits, blank)


def p_value_text(v, blank: str = "") -> str:
    """A p-value with three decimals, '<0.001' below that.

    Parameters
    ----------
    v : object
    blank : str
        The text of a blank value.

    Returns
    -------
    str
    """
    x = as_number(v)
    if math.isnan(x):
        return blank
    return "<0.001" if x < 0.001 else f"{x:.3f}"
