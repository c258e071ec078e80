"""Integer codes of survey columns: factorising, relabelling and cell sums.

Every design quantity (strata, PSUs, domains, factor levels) is held as integer codes 0..k-1 in
sorted order of the values, and sums over groups are ``np.bincount`` over those codes (a dense
count when the key space is not much larger than the data, ``np.unique`` otherwise).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

__all__ = ["as_list", "factorize", "level_codes", "recode", "dense", "cell_sums", "distinct", "safe_inverse"]


def as_list(x: str | Sequence[str] | None) -> list[str]:
    """A column name, a sequence of them or None as a list.

    Parameters
    ----------
    x : str, sequence of str or None
        Column name(s).

    Returns
    -------
    list of str
        Empty for None.
    """
    if x is None:
        return []
    if isinstance(x, str):
        return [x]
    return list(x)


def factorize(values: pd.Series | np.ndarray) -> tuple[np.ndarray, np.ndarray | pd.Index]:
    """Integer codes 0..k-1 of the distinct values in sorted order (-1 for missing), and the values.

    Non-negative integer columns with a dense range (PSU and stratum numbers, coded domains)
    take an O(n) path through ``np.bincount``; everything else goes to ``pd.factorize``.

    Parameters
    ----------
    values : Series or ndarray
        A column.

    Returns
    -------
    (ndarray, ndarray or Index)
        Per value its code (int64, -1 for missing), and the distinct values in sorted order.
    """
    if isinstance(values, pd.Series):
        # only plain numpy integers take the bincount path; strings (pyarrow-backed or object)
        # go straight to pd.factorize without a conversion to a numpy object array
        is_int = isinstance(values.dtype, np.dtype) and values.dtype.kind in "iu"
        arr = values.to_numpy() if is_int else None
    else:
        arr = np.asarray(values)
        is_int = arr.dtype.kind in "iu"
    if is_int and arr.size:
        lo, hi = int(arr.min()), int(arr.max())
        if lo >= 0 and dense(hi + 1, arr.size):
            present = np.bincount(arr, minlength=hi + 1) > 0
            mapping = np.cumsum(present) - 1
            return mapping[arr], np.flatnonzero(present).astype(arr.dtype)
    if isinstance(values, pd.Series) and hasattr(values.array, "__arrow_array__") \
            and not isinstance(values.dtype, pd.CategoricalDtype):
        arrow = _factorize_arrow(values)
        if arrow is not None:
            return arrow
    codes, uniques = pd.factorize(pd.Series(values) if not isinstance(values, pd.Series) else values, sort=True)
    return codes.astype(np.int64, copy=False), uniques


def _factorize_arrow(values: pd.Series) -> tuple[np.ndarray, pd.Index] | None:
    """Sorted codes of an Arrow-backed column (pandas 3 strings, ``ArrowDtype``) from pyarrow's
    dictionary encoding: one hash pass in C over the Arrow buffers, then the few distinct values
    sorted (about twice as fast as ``pd.factorize`` on the same array). None for types pyarrow
    cannot sort (the caller falls back to ``pd.factorize``)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        arr = values.array.__arrow_array__()
        enc = pc.dictionary_encode(arr)
        if isinstance(enc, pa.ChunkedArray):
            enc = enc.combine_chunks() if enc.num_chunks != 1 else enc.chunk(0)
        order = np.asarray(pc.array_sort_indices(enc.dictionary), dtype=np.int64)
    except (pa.ArrowNotImplementedError, pa.ArrowInvalid, TypeError):
        return None
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    idx = enc.indices
    raw = idx.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64, copy=False) if idx.null_count \
        else idx.to_numpy(zero_copy_only=False).astype(np.int64, copy=False)
    if not len(rank):                                   # every value missing
        codes = np.full(len(raw), -1, dtype=np.int64)
    else:
        codes = np.where(raw >= 0, rank[np.maximum(raw, 0)], -1) if idx.null_count else rank[raw]
    uniques = pd.Index(pd.array(enc.dictionary.take(pa.array(order)).to_pylist(), dtype=values.dtype))
    return codes, uniques


def level_codes(values: pd.Series | np.ndarray) -> tuple[np.ndarray, int]:
    """Integer codes 0..k-1 of the distinct values (sorted), and k.

    Parameters
    ----------
    values : Series or ndarray
        A column.

    Returns
    -------
    (ndarray, int)
        The codes (:func:`factorize`) and the number of distinct values.
    """
    codes, uniques = factorize(values)
    return codes, len(uniques)


def recode(key: np.ndarray, n_keys: int) -> tuple[np.ndarray, int]:
    """Integer keys in [0, n_keys) relabelled 0..k-1 in sorted order, and k (O(n) when dense).

    Parameters
    ----------
    key : ndarray
        Non-negative integer keys.
    n_keys : int
        An upper bound of the keys.

    Returns
    -------
    (ndarray, int)
        The relabelled keys and the number of distinct keys.
    """
    if dense(n_keys, len(key)):
        present = np.bincount(key, minlength=n_keys) > 0
        mapping = np.cumsum(present) - 1
        return mapping[key], int(present.sum())
    uniq, inv = np.unique(key, return_inverse=True)
    return inv.astype(np.int64), len(uniq)


def dense(n_keys: int, n_rows: int) -> bool:
    """Whether to count keys with a dense bincount (O(n)): the key space is not much larger than the data.

    Parameters
    ----------
    n_keys : int
        Size of the key space.
    n_rows : int
        Number of keys to count.

    Returns
    -------
    bool
    """
    return n_keys <= max(4 * n_rows, 1 << 16)


def cell_sums(key: np.ndarray, n_keys: int, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(keys with a nonzero sum, their sums) of ``values`` grouped by integer ``key``.

    Cells with a zero sum are left out: they add nothing to the sums and sums of squares
    the variance is made of.

    Parameters
    ----------
    key : ndarray
        Non-negative integer cell keys, one per value.
    n_keys : int
        An upper bound of the keys.
    values : ndarray
        The values to sum.

    Returns
    -------
    (ndarray, ndarray)
        The keys of the cells and their sums.
    """
    if dense(n_keys, len(key)):
        t = np.bincount(key, weights=values, minlength=n_keys)
        nz = np.flatnonzero(t)
        return nz, t[nz]
    uniq, inv = np.unique(key, return_inverse=True)
    return uniq, np.bincount(inv, weights=values)


def distinct(key: np.ndarray, n_keys: int) -> np.ndarray:
    """The distinct integer keys present, sorted.

    Parameters
    ----------
    key : ndarray
        Non-negative integer keys.
    n_keys : int
        An upper bound of the keys.

    Returns
    -------
    ndarray
    """
    if dense(n_keys, len(key)):
        return np.flatnonzero(np.bincount(key, minlength=n_keys))
    return np.unique(key)


def safe_inverse(x: np.ndarray) -> np.ndarray:
    """1/x where x is nonzero, 0 elsewhere.

    Parameters
    ----------
    x : ndarray

    Returns
    -------
    ndarray
    """
    nz = x != 0
    return np.where(nz, 1.0 / np.where(nz, x, 1.0), 0.0)
