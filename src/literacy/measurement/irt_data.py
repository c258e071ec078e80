"""Checks and preparation of the data an IRT calibration (:func:`literacy.measurement.irt.fit_irt`)
reads: the 0/1 responses, the person weights and group labels aligned on them, and identical
response patterns collapsed into one weighted row.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from literacy.errors import DataError

__all__ = ["check_responses", "response_matrix", "aligned_vector", "person_weights", "collapse_patterns",
           "sorted_labels"]


def check_responses(responses) -> pd.DataFrame:
    """The responses table, checked for shape.

    Parameters
    ----------
    responses : DataFrame
        One column per item.

    Returns
    -------
    DataFrame
        ``responses`` itself.

    Raises
    ------
    DataError
        Not a DataFrame, no columns, no rows, or a duplicated item column.
    """
    if not isinstance(responses, pd.DataFrame):
        raise DataError("responses must be a pandas DataFrame with one column per item")
    if responses.shape[1] == 0:
        raise DataError("responses has no items (no columns)")
    if responses.shape[0] == 0:
        raise DataError("responses has no rows")
    if responses.columns.has_duplicates:
        dup = responses.columns[responses.columns.duplicated()][0]
        raise DataError(f"item {dup!r} appears twice in responses")
    return responses


def response_matrix(responses: pd.DataFrame) -> np.ndarray:
    """The responses as a float matrix of 0, 1 and NaN.

    Parameters
    ----------
    responses : DataFrame
        One column per item, values 0/1 (booleans accepted), NaN = not administered.

    Returns
    -------
    ndarray
        n x J float matrix.

    Raises
    ------
    DataError
        An item with a non-numeric value or a value other than 0/1/missing.
    """
    out = np.empty(responses.shape, dtype=float)
    for k, col in enumerate(responses.columns):
        s = responses[col]
        try:
            v = pd.to_numeric(s, errors="raise").to_numpy(dtype=float, na_value=np.nan)
        except (TypeError, ValueError):
            bad = s.dropna().iloc[0] if s.notna().any() else None
            raise DataError(f"item {col!r} is not numeric 0/1 (e.g. {bad!r})") from None
        ok = np.isnan(v) | (v == 0) | (v == 1)
        if not ok.all():
            raise DataError(f"item {col!r} has values other than 0/1/missing (e.g. {v[~ok][0]!r})")
        out[:, k] = v
    return out


def aligned_vector(x, responses: pd.DataFrame, what: str) -> np.ndarray:
    """One value per response row, aligned on the responses.

    Parameters
    ----------
    x : array-like or Series
        The values; a Series is aligned on the responses' index (same labels in any order).
    responses : DataFrame
        The responses table.
    what : str
        What the values are called in an error.

    Returns
    -------
    ndarray
        The values in the responses' row order.

    Raises
    ------
    DataError
        A Series whose index is not the responses', or a wrong length.
    """
    if isinstance(x, pd.Series):
        if not x.index.equals(responses.index):
            if len(x) == len(responses) and x.index.sort_values().equals(responses.index.sort_values()):
                x = x.reindex(responses.index)
            else:
                raise DataError(f"{what} index does not match the responses' rows")
        return x.to_numpy()
    arr = np.asarray(x)
    if arr.ndim != 1 or len(arr) != len(responses):
        raise DataError(f"{what} must have one value per response row ({len(responses)}), got shape {arr.shape}")
    return arr


def person_weights(weights, responses) -> np.ndarray:
    """Person weights for the calibration, checked.

    Parameters
    ----------
    weights : array-like, Series or None
        Non-negative weights (a Series is aligned on the responses' index); None for ones.
    responses : DataFrame
        The responses table.

    Returns
    -------
    ndarray
        One float weight per response row.

    Raises
    ------
    DataError
        Non-numeric, missing, infinite or negative weights, or all zero.
    """
    if weights is None:
        return np.ones(len(responses))
    w = aligned_vector(weights, responses, "weights")
    try:
        w = w.astype(float)
    except (TypeError, ValueError):
        raise DataError("weights are not numeric") from None
    if not np.isfinite(w).all():
        raise DataError(f"weights have a missing or infinite value (row {int(np.flatnonzero(~np.isfinite(w))[0])})")
    if (w < 0).any():
        raise DataError(f"weights have a negative value (row {int(np.flatnonzero(w < 0)[0])})")
    if not (w > 0).any():
        raise DataError("weights are all zero")
    return w


def collapse_patterns(X: np.ndarray, O: np.ndarray | None, w: np.ndarray):
    """Identical response patterns as one row with the summed weight (exact for the likelihood).

    Parameters
    ----------
    X : ndarray
        n x J matrix of 0/1 scores (0 where not answered).
    O : ndarray or None
        n x J matrix, 1.0 where answered; None when every row answered every item.
    w : ndarray
        Row weights.

    Returns
    -------
    (X, O, w) : tuple
        The distinct patterns (first occurrence of each), their answered-masks and summed
        weights; the inputs unchanged when more than 70% of the rows are distinct.
    """
    code = X.astype(np.int8)
    if O is not None:
        code[O == 0] = 2
    code = np.ascontiguousarray(code)
    view = code.view(np.dtype((np.void, code.shape[1])))[:, 0]
    uniq, inv = np.unique(view, return_inverse=True)
    if len(uniq) > 0.7 * len(view):
        return X, O, w
    w2 = np.bincount(inv.ravel(), weights=w, minlength=len(uniq))
    first = np.zeros(len(uniq), dtype=np.int64)
    first[inv.ravel()[::-1]] = np.arange(len(inv))[::-1]
    X2 = X[first]
    O2 = None if O is None else O[first]
    return X2, O2, w2


def sorted_labels(labels) -> list:
    """Group labels in sorted order (by their text when they cannot be compared).

    Parameters
    ----------
    labels : iterable
        The distinct group labels.

    Returns
    -------
    list
    """
    try:
        return sorted(labels)
    except TypeError:
        return sorted(labels, key=str)
