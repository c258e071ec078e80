"""The survey file of ``literacy estimate``, read by the delivery readers and typed as ``read_csv`` would.

SPSS / Stata value labels are applied by the readers to every column except those the
design or the statistic computes with (Y, weights, denominator, strata, PSUs, fpc,
replicate weights), which keep their codes; user-missing codes are read as missing.
"""

from __future__ import annotations

import os
import re

import numpy as np
import pandas as pd

from literacy_flows.ingest.readers import InputError, TableRead, read_table, shown

__all__ = ["NA_TOKENS", "typed_column", "read_estimate_file"]

#: Cells read as missing by ``literacy estimate`` besides blank ones: the default missing
#: markers of pandas' ``read_csv`` (R writes ``NA``), which the command used before it read
#: files through the delivery readers.
NA_TOKENS = frozenset({"", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
                       "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null"})
_TRUE, _FALSE = frozenset({"True", "TRUE", "true"}), frozenset({"False", "FALSE", "false"})


def typed_column(table: TableRead, name: str, numeric: bool) -> pd.Series:
    """One text column of a :class:`~literacy_flows.ingest.readers.TableRead` with the type ``read_csv`` would give.

    All non-missing cells numbers: int64 (whole numbers, nothing missing) or float64;
    all ``True``/``False``: bool; otherwise text, kept as it is. Whole numbers too long
    for a float (more than 15 digits, as long identifiers) stay text rather than lose digits.

    Parameters
    ----------
    table : TableRead
        The file as the readers give it (text cells, blank as missing).
    name : str
        The column.
    numeric : bool
        The estimate computes with the column (Y, weights, fpc, denominator, replicate weights).

    Returns
    -------
    Series

    Raises
    ------
    InputError
        ``numeric`` (a column the estimate computes with) and a cell is not a number: the
        message names the file, the column, the cell and its line / row / case.
    """
    text = table.data[name]
    text = text.mask(text.isin(NA_TOKENS))
    present = text.notna().to_numpy()
    if not present.any():
        return pd.Series(np.nan, index=text.index, dtype="float64")
    values = text[present].astype(str)
    if values.isin(_TRUE | _FALSE).all():
        flags = text.map(lambda v: v in _TRUE if isinstance(v, str) else pd.NA)
        return flags.astype(bool if present.all() else "boolean")
    number = pd.to_numeric(text.astype(object).where(text.notna(), None), errors="coerce")
    bad = present & number.isna().to_numpy()
    if bad.any():
        if numeric:
            i = int(np.flatnonzero(bad)[0])
            raise InputError(f"{shown(table.path)}: column '{name}' is not numeric: {text.iloc[i]!r} at "
                             f"{table.where(i)}")
        return text
    if number.dtype.kind == "f" and values.str.fullmatch(r"[+-]?\d{16,}").any() and not numeric:
        return text
    return number


def read_estimate_file(path: str | os.PathLike, numeric: set[str], codes: set[str],
                       replicate_weights: str | None) -> pd.DataFrame:
    """The survey file as a typed DataFrame, read by the delivery readers.

    Parameters
    ----------
    path : path
        The file (.csv, .xlsx, .sav, .zsav, .dta or .parquet).
    numeric : set of str
        The columns the estimate computes with (Y, weights, fpc, denominator): a cell that is
        not a number is an error.
    codes : set of str
        The columns whose SPSS / Stata codes are kept (``numeric``, PSUs, strata).
    replicate_weights : str or None
        The regular expression of the replicate weight columns (numeric, codes kept).

    Returns
    -------
    DataFrame
        One row per record of the file, columns typed as :func:`typed_column` says.

    Raises
    ------
    InputError
        The file cannot be read (missing, unknown extension, damaged, ...), or a cell of a
        column the estimate computes with is not a number.
    """
    numeric, codes = set(numeric), set(codes)
    table = read_table(path, keep_codes=codes, user_missing=False)
    if replicate_weights:
        try:
            pattern = re.compile(replicate_weights)
        except re.error:
            pattern = None  # the design reports the bad pattern
        replicates = {c for c in table.data.columns if pattern is not None and pattern.search(str(c))}
        numeric |= replicates
        if replicates & set(table.value_labels):
            # labels were applied to a replicate weight column: read again keeping its codes
            table = read_table(path, keep_codes=codes | replicates, user_missing=False)
    return pd.DataFrame({c: typed_column(table, c, c in numeric) for c in table.data.columns},
                        index=table.data.index)
