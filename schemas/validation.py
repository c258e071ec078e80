"""Running a pandera schema and turning its failures into one line a person can act on."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from literacy.errors import DataError
from literacy.privacy import display_value

__all__ = ["SchemaValidationError", "validate", "describe_failures", "collapse_row_checks"]

#: How many failure cases the one-line message lists.
SHOWN = 3


class SchemaValidationError(DataError):
    """A table that breaks its schema; the message names the file, line (or row) and column."""

    def __init__(self, message: str, failure_cases: pd.DataFrame | None = None):
        super().__init__(message)
        self.failure_cases = failure_cases


def _where(index, line_offset: int | None, lines=None, unit: str = "line") -> str:
    if index is None or (not isinstance(index, str) and pd.isna(index)):
        return ""
    try:
        pos = int(index)
    except (TypeError, ValueError):
        return f"row {index}"
    if lines is not None and 0 <= pos < len(lines):
        return f"{unit} {int(lines[pos])}"
    return f"line {pos + line_offset}" if line_offset is not None else f"row {pos}"


_TABLE_CHECKS = ("column_in_dataframe", "column_in_schema")


def collapse_row_checks(cases: pd.DataFrame) -> pd.DataFrame:
    """One failure per row for checks on the whole table row (pandera lists every column)."""
    cases = cases.copy()
    row_check = ((cases["schema_context"] == "DataFrameSchema") & cases["index"].notna()
                 & ~cases["check"].astype(str).isin(_TABLE_CHECKS)
                 & ~cases["check"].astype(str).str.startswith("dtype("))
    if row_check.any():
        rows = cases[row_check].drop_duplicates(subset=["index", "check"], keep="first").copy()
        rows["column"] = None
        rows["failure_case"] = None
        cases = pd.concat([cases[~row_check], rows], ignore_index=True)
    return cases


def _value(v) -> str:
    if isinstance(v, float) and v.is_integer():
        return repr(int(v))
    if isinstance(v, str):
        return repr(display_value(v))  # text that could be personal data is masked
    return repr(v)


def describe_failures(cases: pd.DataFrame, line_offset: int | None = 2, shown: int = SHOWN, lines=None,
                      unit: str = "line") -> str:
    """'line 5, column 'Q03': 7 fails <check>; ...' for the first ``shown`` failure cases.

    Missing columns and wrong dtypes come first, then row failures in file order. ``lines``
    (optional) maps row positions to file lines (``unit`` "line", "row" or "case").
    """
    cases = collapse_row_checks(cases)
    table_level = cases["index"].isna()
    order = pd.to_numeric(cases["index"], errors="coerce").fillna(-1)
    cases = cases.assign(_table=~table_level, _order=order).sort_values(["_table", "_order", "column"],
                                                                         kind="stable", na_position="first")
    parts = []
    for _, c in cases.head(shown).iterrows():
        check = str(c["check"])
        column = c["column"]
        if check == "column_in_dataframe":
            parts.append(f"missing column '{c['failure_case']}'")
            continue
        if check.startswith("dtype("):
            parts.append(f"column '{column}' has type {c['failure_case']}, expected {check[6:-1]}")
            continue
        if check == "column_in_schema":
            parts.append(f"unexpected column '{c['failure_case']}'")
            continue
        where = _where(c["index"], line_offset, lines, unit)
        col = f"column '{column}'" if column is not None and not pd.isna(column) else ""
        loc = ", ".join(p for p in (where, col) if p)
        value = c["failure_case"]
        if check == "not_nullable":
            parts.append(f"{loc}: blank value")
        elif check == "field_uniqueness":
            parts.append(f"{loc}: duplicate value {_value(value)}")
        elif value is None:
            parts.append(f"{loc}: fails '{check}'")
        else:
            parts.append(f"{loc}: {_value(value)} fails '{check}'")
    more = len(cases) - min(len(cases), shown)
    return "; ".join(parts) + (f" (and {more} more)" if more > 0 else "")


def validate(df: pd.DataFrame, schema: pa.DataFrameSchema, where: str, line_offset: int | None = 2,
             lines=None, unit: str = "line") -> pd.DataFrame:
    """Validate ``df`` lazily and raise one line naming ``where`` on failure.

    Parameters
    ----------
    df : DataFrame
        The table (with the RangeIndex it was read with, so row positions map to lines).
    schema : pandera.DataFrameSchema
    where : str
        The file (or table) named in the message.
    line_offset : int or None
        Added to a 0-based row position to give the file line (2: header on line 1);
        None reports row positions instead (for computed tables).
    lines : sequence of int, optional
        The file line of each row (when rows were left out, or blank lines skipped);
        overrides ``line_offset``.
    unit : str
        What ``lines`` counts: "line" (CSV), "row" (Excel) or "case" (SPSS, Stata, Parquet).

    Returns
    -------
    DataFrame
        ``df`` as validated.

    Raises
    ------
    SchemaValidationError
        "<where>: N problem(s): line 5, column 'Q03': 7 fails 'codes 1;2;8'; ...".
    """
    try:
        return schema.validate(df, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = collapse_row_checks(exc.failure_cases)
        n = len(cases)
        text = describe_failures(cases, line_offset, lines=lines, unit=unit)
        msg = f"{where}: {n} problem{'s' if n != 1 else ''}: {text}"
        raise SchemaValidationError(msg, cases) from None
