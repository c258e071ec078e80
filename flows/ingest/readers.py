"""Readers of delivery files in the formats fieldwork vendors use, to one shape: text cells.

Every reader returns a :class:`TableRead`: a DataFrame whose cells are strings (blank =
<NA>) with the delivered column names (after the config's column map), the file position
of every row (CSV file line, Excel sheet row, SPSS / Stata / Parquet case number) and what
was found about the file (format, text encoding, value labels applied). Typing the cells
(numbers, codes) happens afterwards, so that a bad cell can be reported, or quarantined, by
its line and column whatever the format.

Formats (by file extension):

=========== ============================================================================
``.csv``    comma- (or tab-) separated text; UTF-8, UTF-8 with a byte-order mark,
            GB18030 / GBK (what Chinese-language Excel saves as "CSV") or UTF-16 with a
            byte-order mark; the encoding is detected and reported
``.xlsx``   Excel workbook (openpyxl): the sheet named like the file (``responses``),
            else the first sheet; header in row 1, or the row ``ingest.header_row`` names (a
            title row above the header is detected and named)
``.sav``    SPSS (pyreadstat), also compressed ``.zsav``: value labels applied, except
            to the columns that hold codes (answer codes, ages, probabilities)
``.dta``    Stata (pyreadstat): value labels as for SPSS
``.parquet``Parquet (pyarrow)
=========== ============================================================================

Problems that make a file unusable as a whole raise :class:`ReadError` (an
:class:`~literacy.errors.LiteracyError`) with one line naming the file: missing, empty,
undecodable, truncated, damaged, duplicate or blank column names.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping

import numpy as np
import pandas as pd

from literacy.errors import LiteracyError

__all__ = ["InputError", "ReadError", "TableRead", "read_table", "find_delivery_file", "FORMATS", "UNSUPPORTED",
           "shown"]

#: Supported delivery formats, in the order a delivery file is looked for.
FORMATS = (".csv", ".xlsx", ".sav", ".zsav", ".dta", ".parquet")
#: Formats recognised only to say how to convert them.
UNSUPPORTED = {".xls": "an Excel 97-2003 workbook: save it as .xlsx", ".xlsm": "save the workbook as .xlsx",
               ".sas7bdat": "a SAS file: export it as .csv, .sav or .dta", ".txt": "rename it to .csv if it is CSV",
               ".tsv": "rename it to .csv (tab-separated text is read too)", ".json": "export it as .csv"}
_UNIT = {"csv": "line", "xlsx": "row", "sav": "case", "zsav": "case", "dta": "case", "parquet": "row"}


class InputError(LiteracyError):
    """A file that cannot be used as given; the one-line message starts with the file."""


#: The readers' name for :class:`InputError` (a file that cannot be read at all).
ReadError = InputError


def shown(path: str | os.PathLike) -> str:
    """A path as shown in messages: relative to the current folder when inside it."""
    p = Path(path)
    try:
        return p.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except (ValueError, OSError):
        return p.as_posix()


@dataclass
class TableRead:
    """One delivery file read as text.

    Attributes
    ----------
    path : Path
    data : DataFrame
        One row per data record (fully blank records are not rows), RangeIndex; every
        cell a string with surrounding blanks trimmed, blank as <NA>.
    lines : ndarray of int
        The position of each row in the file: the CSV line where the record starts
        (header = line 1), the Excel sheet row, or the case number (1-based) of SPSS,
        Stata and Parquet files.
    unit : str
        What ``lines`` counts: ``"line"``, ``"row"`` or ``"case"``.
    format : str
        ``csv``, ``xlsx``, ``sav``, ``zsav``, ``dta`` or ``parquet``.
    encoding : str or None
        Text encoding of a CSV file: ``utf-8``, ``utf-8-sig`` (with byte-order mark),
        ``gb18030`` (GB18030, a superset of GBK) or ``utf-16``.
    delimiter : str or None
        The CSV field separator found (``,`` or tab).
    ragged : dict
        Row position -> number of fields, for CSV records whose field count differs from
        the header's (empty trailing fields ignored).
    renamed : dict
        Delivered column name -> our name (the config's column map), for the columns renamed.
    value_labels : list of str
        Columns whose SPSS / Stata value labels were applied.
    sheet : str or None
        The Excel sheet read.
    """

    path: Path
    data: pd.DataFrame
    lines: np.ndarray
    unit: str
    format: str
    encoding: str | None = None
    delimiter: str | None = None
    ragged: dict = field(default_factory=dict)
    renamed: dict = field(default_factory=dict)
    value_labels: list = field(default_factory=list)
    sheet: str | None = None

    def where(self, position: int) -> str:
        """'line 12' / 'row 12' / 'case 12' for a 0-based row position."""
        return f"{self.unit} {int(self.lines[int(position)])}"


# --------------------------------------------------------------------------- finding files
def find_delivery_file(folder: str | os.PathLike, stem: str, formats: Iterable[str] = FORMATS) -> Path:
    """The delivery file ``<folder>/<stem>.<ext>`` in the first supported format present.

    Returns ``<folder>/<stem>.csv`` when none is present (so that "file not found" names the
    expected file). Two supported formats present at once is an error (which one is the
    delivery?), and so is a file in an unsupported format with no supported one beside it.

    Raises
    ------
    ReadError
    """
    folder = Path(folder)
    found = [folder / f"{stem}{ext}" for ext in formats if (folder / f"{stem}{ext}").is_file()]
    if len(found) > 1:
        names = " and ".join(p.name for p in found)
        raise ReadError(f"{shown(folder / stem)}: ambiguous delivery: both {names} are present; keep one")
    if found:
        return found[0]
    for ext, hint in UNSUPPORTED.items():
        other = folder / f"{stem}{ext}"
        if other.is_file():
            raise ReadError(f"{shown(other)}: unsupported format ({hint}); supported: "
                            f"{', '.join(FORMATS)}")
    return folder / f"{stem}.csv"


# --------------------------------------------------------------------------- text cells
def _text_cells(values: pd.Series) -> pd.Series:
    """Cells of any dtype as strings: whole floats without ``.0``, dates in ISO format."""
    s = values
    if isinstance(s.dtype, pd.StringDtype):
        return s.astype("string")  # pandas' "str" (NaN for missing) as "string" (<NA>)
    if pd.api.types.is_bool_dtype(s.dtype):
        return s.map({True: "1", False: "0"}).astype("string")
    if pd.api.types.is_integer_dtype(s.dtype):
        return s.astype("Int64").astype("string")
    if pd.api.types.is_float_dtype(s.dtype):
        v = s.to_numpy(dtype=float, na_value=np.nan)
        out = s.astype("string")
        whole = np.isfinite(v) & (np.abs(v) < 2 ** 53) & (np.floor(v) == v)
        if whole.any():
            out[whole] = pd.Series(v[whole].astype(np.int64), index=s.index[whole]).astype("string")
        out[~np.isfinite(v)] = pd.NA
        return out
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        return s.map(lambda t: t.isoformat() if not pd.isna(t) else pd.NA).astype("string")
    return s.map(_cell_text).astype("string")


def _cell_text(v):
    if v is None or v is pd.NA:
        return pd.NA
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        f = float(v)
        if not np.isfinite(f):
            return pd.NA
        return str(int(f)) if f.is_integer() and abs(f) < 2 ** 53 else repr(f)
    if isinstance(v, (_dt.datetime, _dt.date, _dt.time, pd.Timestamp)):
        return v.isoformat()
    return str(v)


def _finish(path: Path, header: list, cells: pd.DataFrame, lines: np.ndarray, fmt: str,
            column_map: Mapping[str, str] | None, stripped: bool = False) -> tuple[pd.DataFrame, np.ndarray, dict]:
    """Trim cells, drop blank rows and blank unnamed columns, check and map the column names.

    ``stripped``: the cells are already trimmed strings with blanks as missing (CSV)."""
    names = ["" if (h is None or (isinstance(h, float) and np.isnan(h))) else str(h).strip() for h in header]
    # a column without a name and without any value (a trailing separator) is not a column
    keep = []
    for j, name in enumerate(names):
        if name == "":
            col = cells.iloc[:, j]
            if col.notna().any() and (col.astype("string").str.strip() != "").any():
                raise ReadError(f"{shown(path)}: column {j + 1} has values but no name in the header")
            continue
        keep.append(j)
    cells = cells.iloc[:, keep]
    names = [names[j] for j in keep]
    cells.columns = range(len(names))
    dup = pd.Index(names)[pd.Index(names).duplicated()].tolist()
    if dup:
        raise ReadError(f"{shown(path)}: duplicate column name(s) {', '.join(map(repr, dup))} in the header")
    renamed = {}
    if column_map:
        targets = {}
        for k, v in column_map.items():
            targets[str(k)] = str(v)
        new = []
        for n in names:
            t = targets.get(n, n)
            if t != n:
                renamed[n] = t
            new.append(t)
        dup = pd.Index(new)[pd.Index(new).duplicated()].tolist()
        if dup:
            raise ReadError(f"{shown(path)}: after ingest.column_map, column name(s) {', '.join(map(repr, dup))} "
                            "appear twice (a mapped column collides with a delivered one)")
        names = new
    df = pd.DataFrame({n: _text_cells(cells.iloc[:, j]).reset_index(drop=True) for j, n in enumerate(names)})
    if not names:
        df = pd.DataFrame(index=range(len(cells)))
    if not stripped:
        for c in df.columns:
            t = df[c].str.strip()
            df[c] = t.mask(t == "")
    filled = df.notna().any(axis=1).to_numpy() if len(df.columns) else np.zeros(len(df), dtype=bool)
    df = df.loc[filled].reset_index(drop=True)
    return df, np.asarray(lines)[filled].astype(np.int64), renamed


# --------------------------------------------------------------------------- CSV
def _decode(path: Path, raw: bytes) -> tuple[str, str]:
    """Text of a CSV file and the encoding found (UTF-8, UTF-8 with BOM, GB18030, UTF-16)."""
    if raw.startswith(b"PK\x03\x04"):
        raise ReadError(f"{shown(path)}: this is a zip archive (an Excel .xlsx workbook?) named .csv; "
                        "rename it to .xlsx or save it as CSV")
    if raw.startswith(b"\xef\xbb\xbf"):
        encoding = "utf-8-sig"
    elif raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    else:
        encoding = "utf-8"
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        if encoding == "utf-8-sig":
            try:
                raw[3:].decode("gb18030")
            except UnicodeDecodeError:
                pass
            else:   # a UTF-8 byte-order mark, then GBK text: saved by two programs in turn
                raise ReadError(f"{shown(path)}: the file starts with a UTF-8 byte-order mark but its text is "
                                f"GBK/GB18030; open it and save it again as UTF-8 (or as GBK), then deliver it "
                                f"again") from None
        if encoding != "utf-8":
            line = raw[:exc.start].count(b"\n") + 1
            raise ReadError(f"{shown(path)}: undecodable text: not valid {encoding} at line {line}") from None
        try:
            text, encoding = raw.decode("gb18030"), "gb18030"
        except UnicodeDecodeError:
            line = raw[:exc.start].count(b"\n") + 1
            raise ReadError(f"{shown(path)}: undecodable text: neither UTF-8 nor GB18030/GBK (first bad byte "
                            f"0x{raw[exc.start]:02x} at line {line}); save the file as UTF-8 CSV") from None
    if "\x00" in text:
        line = text[:text.index("\x00")].count("\n") + 1
        raise ReadError(f"{shown(path)}: not a text file (a NUL byte at line {line}); is it a binary file named .csv?")
    return text, encoding


def _read_csv(path: Path, raw: bytes, column_map) -> TableRead:
    text, encoding = _decode(path, raw)
    if not text.strip():
        raise ReadError(f"{shown(path)}: the file is empty")
    first = text.split("\n", 1)[0]
    delimiter = "\t" if ("\t" in first and "," not in first) else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    records: list[list[str]] = []
    starts: list[int] = []
    prev = 0
    try:
        for rec in reader:
            start = prev + 1
            prev = reader.line_num
            if not rec or all(not f.strip() for f in rec):
                continue  # blank lines are not rows (the line count goes on)
            records.append([f.strip() for f in rec])
            starts.append(start)
    except csv.Error as exc:
        raise ReadError(f"{shown(path)}: truncated or malformed CSV: {exc} (a quoted field opened at or after "
                        f"line {prev + 1} is never closed)") from None
    if not records:
        raise ReadError(f"{shown(path)}: the file is empty")
    header, body, lines = records[0], records[1:], np.asarray(starts[1:], dtype=np.int64)
    width = len(header)
    while width > 0 and not header[width - 1].strip():
        width -= 1  # trailing separators in the header
    ragged = {}
    fixed = []
    for i, rec in enumerate(body):
        n = len(rec)
        while n > width and not rec[n - 1].strip():
            n -= 1  # trailing empty fields
        if n != width:
            ragged[i] = n
        rec = rec[:width] + [""] * (width - min(n, width))
        fixed.append(rec[:width])
    if body and (len(body) - 1) in ragged and ragged[len(body) - 1] < width and not text.endswith(("\n", "\r")):
        raise ReadError(f"{shown(path)}: truncated file: line {lines[-1]} (the last) has "
                        f"{ragged[len(body) - 1]} of {width} fields and no line end")
    cells = pd.DataFrame(fixed, columns=range(width), dtype=object) if fixed else \
        pd.DataFrame({j: pd.Series([], dtype=object) for j in range(width)})
    cells = cells.replace("", None).astype("string")
    df, kept_lines, renamed = _finish(path, header[:width], cells, lines, "csv", column_map, stripped=True)
    # rows dropped as blank shift positions: re-key the ragged rows to the kept positions
    if ragged:
        pos = {int(line): i for i, line in enumerate(kept_lines)}
        ragged = {pos[int(lines[i])]: n for i, n in ragged.items() if int(lines[i]) in pos}
    return TableRead(path=path, data=df, lines=kept_lines, unit="line", format="csv", encoding=encoding,
                     delimiter=delimiter, ragged=ragged, renamed=renamed)


# --------------------------------------------------------------------------- Excel
def _looks_like_header(row: list, width: int) -> bool:
    filled = [v for v in row if v is not None and str(v).strip() != ""]
    return (len(filled) >= max(2, int(0.8 * width)) and all(isinstance(v, str) for v in filled)
            and len({str(v).strip() for v in filled}) == len(filled))


def _title_rows(rows: list, width: int) -> int | None:
    """The 1-based row that looks like the header when row 1 does not (a title above it), else None."""
    if _looks_like_header(list(rows[0]) + [None] * (width - len(rows[0])), width):
        return None
    for i, r in enumerate(rows[1:10], start=2):
        if _looks_like_header(list(r) + [None] * (width - len(r)), width):
            return i
    return None


def _read_xlsx(path: Path, column_map, header_row: int | None = None) -> TableRead:
    from openpyxl import load_workbook   # only for .xlsx deliveries: CSV-only runs never import it

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, EOFError) as exc:
        msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ReadError(f"{shown(path)}: not a readable Excel workbook (damaged or truncated?): {msg}") from None
    try:
        names = wb.sheetnames
        if not names:
            raise ReadError(f"{shown(path)}: the workbook has no sheet")
        sheet = next((n for n in names if n.strip().lower() == path.stem.lower()), names[0])
        try:
            rows = list(wb[sheet].iter_rows(values_only=True))
        except (zipfile.BadZipFile, KeyError, OSError, ValueError, EOFError) as exc:
            msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ReadError(f"{shown(path)}: not a readable Excel workbook (damaged or truncated?): {msg}") from None
    finally:
        wb.close()
    if not rows or all(all(v is None or str(v).strip() == "" for v in r) for r in rows):
        raise ReadError(f"{shown(path)}: sheet '{sheet}' is empty")
    width = max(len(r) for r in rows)
    if header_row is None:
        found = _title_rows(rows, width)
        if found is not None:
            first = next((str(v).strip() for v in rows[0] if v is not None and str(v).strip()), "")
            title = f" ({first[:40]!r})" if first else ""
            names = ", ".join(str(v).strip() for v in rows[found - 1][:4] if v is not None)
            raise ReadError(f"{shown(path)}, sheet '{sheet}': row 1{title} is not a header; row {found} looks "
                            f"like it ({names}, ...): delete the rows above it, or set ingest.header_row: "
                            f"{{{path.stem}: {found}}}")
        header_row = 1
    if header_row > len(rows):
        raise ReadError(f"{shown(path)}, sheet '{sheet}': ingest.header_row {header_row} is below the last row "
                        f"({len(rows)})")
    header = list(rows[header_row - 1]) + [None] * (width - len(rows[header_row - 1]))
    body = [list(r) + [None] * (width - len(r)) for r in rows[header_row:]]
    cells = pd.DataFrame(body, columns=range(width), dtype=object) if body else \
        pd.DataFrame({j: pd.Series([], dtype=object) for j in range(width)})
    lines = np.arange(header_row + 1, header_row + 1 + len(body), dtype=np.int64)
    df, lines, renamed = _finish(path, header, cells, lines, "xlsx", column_map)
    return TableRead(path=path, data=df, lines=lines, unit="row", format="xlsx", renamed=renamed, sheet=sheet)


# --------------------------------------------------------------------------- SPSS / Stata
def _read_stat(path: Path, fmt: str, column_map, keep_codes: set[str], user_missing: bool = True) -> TableRead:
    try:   # only for SPSS / Stata deliveries
        import pyreadstat
    except ImportError:  # pragma: no cover - a dependency of the package
        raise ReadError(f"{shown(path)}: reading .{fmt} files needs the pyreadstat package") from None
    reader = pyreadstat.read_dta if fmt == "dta" else pyreadstat.read_sav
    try:
        # user-defined missing values (e.g. 8 = don't know declared missing) keep their codes,
        # unless the caller asks for them as missing (user_missing=False)
        df, meta = reader(str(path), user_missing=user_missing, apply_value_formats=False)
    except Exception as exc:  # pyreadstat raises its own ReadstatError / PyreadstatError
        msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        kind = "Stata" if fmt == "dta" else "SPSS"
        raise ReadError(f"{shown(path)}: not a readable {kind} file (damaged or truncated?): {msg}") from None
    header = list(df.columns)
    mapped = {str(k): str(v) for k, v in (column_map or {}).items()}
    applied = []
    labels = getattr(meta, "variable_value_labels", {}) or {}
    cells = {}
    for j, name in enumerate(header):
        col = df.iloc[:, j]
        ours = mapped.get(str(name), str(name))
        lab = labels.get(name)
        if lab and ours not in keep_codes:
            text = _text_cells(col)
            as_text = {_cell_text(k): str(v) for k, v in lab.items()}
            cells[j] = text.map(lambda v: as_text.get(v, v) if v is not pd.NA else pd.NA).astype("string")
            applied.append(ours)
        else:
            cells[j] = col
    frame = pd.DataFrame({j: cells[j] for j in range(len(header))})
    lines = np.arange(1, len(frame) + 1, dtype=np.int64)
    out, lines, renamed = _finish(path, header, frame, lines, fmt, column_map)
    return TableRead(path=path, data=out, lines=lines, unit="case", format=fmt, renamed=renamed,
                     value_labels=sorted(applied))


# --------------------------------------------------------------------------- Parquet
def _read_parquet(path: Path, column_map) -> TableRead:
    try:
        df = pd.read_parquet(path)
    except Exception as exc:  # pyarrow.ArrowInvalid and friends
        msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ReadError(f"{shown(path)}: not a readable Parquet file (damaged or truncated?): {msg}") from None
    header = list(df.columns)
    cells = pd.DataFrame({j: df.iloc[:, j].reset_index(drop=True) for j in range(len(header))})
    lines = np.arange(1, len(df) + 1, dtype=np.int64)
    out, lines, renamed = _finish(path, header, cells, lines, "parquet", column_map)
    return TableRead(path=path, data=out, lines=lines, unit="row", format="parquet", renamed=renamed)


# --------------------------------------------------------------------------- entry point
def read_table(path: str | os.PathLike, column_map: Mapping[str, str] | None = None,
               keep_codes: Iterable[str] = (), user_missing: bool = True, header_row: int | None = None) -> TableRead:
    """Read one delivery file, any supported format, as text cells.

    Parameters
    ----------
    path : path-like
        The file; its extension chooses the reader (see :data:`FORMATS`).
    column_map : mapping, optional
        Delivered column name -> our column name (``ingest.column_map``).
    keep_codes : iterable of str
        Columns (our names) whose SPSS / Stata value labels must not be applied: they hold
        codes the pipeline reads as numbers (answer codes, age, probabilities).
    user_missing : bool, default True
        SPSS user-missing codes and Stata extended missing values (``.a``-``.z``): kept as
        their codes, the letter for Stata (True, what a delivery needs: a declared "don't
        know" 8 scores zero), or read as missing (False, what an analysis of the file
        needs: ``literacy estimate``). Other formats have no such codes.
    header_row : int, optional
        Excel: the sheet row holding the column names (title rows above it are skipped). None:
        row 1, and a sheet whose row 1 is a title above a header row is an error naming that row.

    Raises
    ------
    ReadError
        Missing, empty, undecodable, truncated or damaged file; duplicate or blank column
        names.
    """
    path = Path(path)
    if not path.is_file():
        raise ReadError(f"{shown(path)}: file not found")
    ext = path.suffix.lower()
    if ext not in FORMATS:
        hint = UNSUPPORTED.get(ext, f"use one of {', '.join(FORMATS)}")
        raise ReadError(f"{shown(path)}: unsupported file type '{ext}' ({hint})")
    if path.stat().st_size == 0:
        raise ReadError(f"{shown(path)}: the file is empty (0 bytes)")
    if ext == ".csv":
        table = _read_csv(path, path.read_bytes(), column_map)
    elif ext == ".xlsx":
        table = _read_xlsx(path, column_map, header_row)
    elif ext in (".sav", ".zsav", ".dta"):
        table = _read_stat(path, ext[1:], column_map, set(keep_codes), user_missing=user_missing)
    else:
        table = _read_parquet(path, column_map)
    if not len(table.data.columns):
        raise ReadError(f"{shown(path)}: no columns")
    return table
