"""The workbook's sheets: a bilingual contents sheet, one sheet a table, the codebook sheet.

Every sheet of a table has three header rows (Chinese label, English label, column code),
its number formats by column kind (from :func:`literacy.catalog.codebook.table_column`),
column widths that fit Chinese text, its label columns and header rows frozen, and its notes
(注 / Notes) below the table. The contents sheet lists every sheet with its Chinese and
English name, description and rows, each name a link to its sheet. openpyxl is imported by
the functions that use it: the command line imports the workbook module without it.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass

import numpy as np
import pandas as pd

from literacy.catalog.codebook import table_column
from literacy.catalog.kinds import ROW_FORMATS
from literacy.catalog.sheets import CONTENTS, SheetTitle, frozen_columns, sheet_name, sheet_title
from literacy.catalog.tables import HEADLINE_FIGURES, OUTPUT_TABLES

__all__ = ["Sheet", "FALLBACK_FORMAT", "HEADER_ROWS", "text_width", "table_of_sheet", "cell_value", "write_book"]

#: The number format of a numeric column the catalog gives none (never a 16-digit float).
FALLBACK_FORMAT = "0.00##"
#: Header rows above a table's data: Chinese labels, English labels, column codes.
HEADER_ROWS = 3
_MAX_WIDTH = 50
#: The widest the frozen label columns may be (Excel column widths), so that the figures stay in view.
_MAX_FROZEN_WIDTH = 100
_FILL = "DDEBF7"


@dataclass
class Sheet:
    """One table sheet to write.

    Attributes
    ----------
    table : str
        The catalog key of its table (``estimates``, ``districts``, ``headline``, ...).
    round_id : str or None
        The round of a round table.
    data : DataFrame
    notes : (str, str) or None
        The notes rows (zh, en).
    """

    table: str
    round_id: str | None
    data: pd.DataFrame
    notes: tuple[str, str] | None = None


def text_width(text) -> int:
    """The display width of a text in Excel columns: a Chinese (wide) character counts two.

    Parameters
    ----------
    text : object

    Returns
    -------
    int
    """
    s = "" if text is None else str(text)
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in s)


def table_of_sheet(code: str) -> tuple[str, str | None]:
    """The table and round of a sheet's code ('estimates_2025' -> ('estimates', '2025')).

    Parameters
    ----------
    code : str
        The code the flow names a sheet by (a table's ``sheet`` in the catalog, with the round).

    Returns
    -------
    (str, str or None)
        The catalog key and the round (None for a table of the whole assessment); the code
        itself and None when no table has that sheet.
    """
    for t in OUTPUT_TABLES:
        if not t.sheet:
            continue
        if t.sheet == code:
            return t.key, None
        if t.sheet.endswith("{round}"):
            prefix = t.sheet[:-len("{round}")]
            if code.startswith(prefix) and len(code) > len(prefix):
                return t.key, code[len(prefix):]
    if code in {t.key for t in OUTPUT_TABLES}:
        return code, None
    return code, None


def cell_value(v):
    """A cell's value: None for a blank, Python numbers and booleans for numpy ones."""
    if v is None or v is pd.NA:
        return None
    if isinstance(v, (float, np.floating)):
        f = float(v)
        return None if math.isnan(f) or math.isinf(f) else f
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.bool_):
        return bool(v)
    return v


def _title(table: str) -> SheetTitle:
    """The table's sheet title; a table without one (add it to literacy.catalog.sheets) shows its code."""
    return sheet_title(table) or SheetTitle(table, "", table, table)


def _header_style(ws, rows: int, cols: int) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill

    bold = Font(bold=True)
    code_font = Font(italic=True, color="808080", size=9)
    fill = PatternFill("solid", fgColor=_FILL)
    for i in range(1, rows + 1):
        for j in range(1, cols + 1):
            cell = ws.cell(row=i, column=j)
            cell.font = code_font if i == HEADER_ROWS and rows == HEADER_ROWS else bold
            cell.fill = fill
            cell.alignment = Alignment(wrap_text=True, vertical="top")


def _column_formats(sheet: Sheet) -> dict[str, str | None]:
    """Column code -> Excel format: the catalog's for the table, a fallback for other numeric columns."""
    out = {}
    for c in sheet.data.columns:
        fmt = table_column(sheet.table, c).number_format
        dtype = sheet.data[c].dtype
        if fmt is not None:
            out[c] = fmt.excel
        elif pd.api.types.is_bool_dtype(dtype) or not pd.api.types.is_numeric_dtype(dtype):
            out[c] = None
        else:   # a whole number plainly (a code, a year), any other number with 2 to 4 decimals
            out[c] = "0" if pd.api.types.is_integer_dtype(dtype) else FALLBACK_FORMAT
    return out


def _row_formats(sheet: Sheet) -> list[str | None] | None:
    """Per-row formats of a table whose value column holds figures of several kinds (methodology)."""
    if sheet.table not in ROW_FORMATS or "value" not in sheet.data.columns:
        return None
    by, prefixes, other = ROW_FORMATS[sheet.table]
    names = sheet.data[by].astype(str).str.split(":").str[0] if by in sheet.data.columns else None
    out = []
    for i, v in enumerate(sheet.data["value"].tolist()):
        x = cell_value(v)
        if not isinstance(x, (int, float)) or isinstance(x, bool):
            out.append(None)
            continue
        fmt = prefixes.get(names.iloc[i]) if names is not None else None
        if fmt is None:
            fmt = other if float(x).is_integer() else None
        out.append(fmt.excel if fmt is not None else FALLBACK_FORMAT)
    return out


def _shown_format(fmt: str, value) -> str:
    """The format of one cell: a format with optional decimals only ('#,##0.##') shows a whole
    number without the decimal point Excel would leave ('200', not '200.')."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and float(value).is_integer():
        parts = fmt.split(";")
        if all("." in p and set(p.split(".", 1)[1]) <= {"#"} for p in parts):
            return ";".join(p.split(".", 1)[0] for p in parts)
    return fmt


def _write_table(wb, sheet: Sheet, name: str) -> None:
    """A table's sheet: three header rows, the data with its formats, widths, frozen panes, notes."""
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(title=name)
    df = sheet.data
    cols = list(df.columns)
    labels = [table_column(sheet.table, c) for c in cols]
    ws.append([c.label_zh for c in labels])
    ws.append([c.label_en for c in labels])
    ws.append(cols)
    _header_style(ws, HEADER_ROWS, len(cols))
    for rec in df.itertuples(index=False, name=None):
        ws.append([cell_value(v) for v in rec])
    formats = _column_formats(sheet)
    rows = _row_formats(sheet)
    widths: list[float] = []
    for j, c in enumerate(cols, start=1):
        letter = get_column_letter(j)
        fmt = formats[c]
        if len(df) and (fmt or (rows and c == "value")):
            for i, (cell,) in enumerate(ws.iter_rows(min_row=HEADER_ROWS + 1, max_row=HEADER_ROWS + len(df),
                                                     min_col=j, max_col=j)):
                chosen = rows[i] if rows is not None and c == "value" else fmt
                if chosen and cell.value is not None:
                    cell.number_format = _shown_format(chosen, cell.value)
        values = [v for v in df[c].head(200).tolist() if isinstance(v, str)]
        width = max([text_width(labels[j - 1].label_zh), text_width(labels[j - 1].label_en), len(c), 8]
                    + [text_width(v) for v in values])
        ws.column_dimensions[letter].width = min(width + 2, _MAX_WIDTH)
        widths.append(min(width + 2, _MAX_WIDTH))
    frozen = frozen_columns(cols, widths, _MAX_FROZEN_WIDTH)
    ws.freeze_panes = f"{get_column_letter(frozen + 1)}{HEADER_ROWS + 1}"
    if len(df):
        ws.auto_filter.ref = f"A{HEADER_ROWS}:{get_column_letter(len(cols))}{HEADER_ROWS + len(df)}"
    if sheet.notes:
        first = HEADER_ROWS + len(df) + 2
        last_col = max(len(cols), 1)
        for k, text in enumerate(sheet.notes):
            row = first + k
            cell = ws.cell(row=row, column=1, value=("注：" if k == 0 else "Notes: ") + str(text))
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            cell.font = Font(size=9, color="404040")
            if last_col > 1:
                ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=min(last_col, 12))
            ws.row_dimensions[row].height = 15 * max(2, min(12, len(str(text)) // 120 + 1))


def _write_headline(wb, table: pd.DataFrame, name: str) -> None:
    """The headline sheet: one figure a row, numbers as numbers with their formats."""
    from openpyxl.styles import Alignment

    ws = wb.create_sheet(title=name)
    ws.append(["指标", "指标（英文）", "数值", "代码"])
    ws.append(["Figure (zh)", "Figure", "Value", "Key"])
    _header_style(ws, 2, 4)
    for rec in table.itertuples(index=False):
        number_format = HEADLINE_FIGURES.get(rec.key, ("", "", None))[2]
        value = rec.value
        fmt = None
        if value is not None and value is not pd.NA and number_format is not None:
            value = float(value)
            fmt = number_format.excel
            if number_format.kind == "count":
                value = int(value)
        elif value is pd.NA:
            value = None
        ws.append([rec.label_zh, rec.label_en, value, rec.key])
        if fmt:
            ws.cell(row=ws.max_row, column=3).number_format = fmt
        if rec.key.startswith("summary"):
            ws.cell(row=ws.max_row, column=3).alignment = Alignment(wrap_text=True, vertical="top")
    for letter, width in zip("ABCD", (30, 34, 60, 18)):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "C3"


def _write_contents(ws, entries: list[tuple[str, SheetTitle, str | None, int, str]]) -> None:
    """The contents sheet: every sheet's name (a link), zh and en name, descriptions, rows, table."""
    from openpyxl.styles import Alignment, Font
    from openpyxl.worksheet.hyperlink import Hyperlink

    ws.append(["工作表", "名称", "Title", "说明", "Description", "行数", "数据表"])
    ws.append(["Sheet", "名称（中文）", "Title (en)", "说明（中文）", "Description (en)", "Rows", "Table"])
    _header_style(ws, 2, 7)
    link = Font(color="0563C1", underline="single")
    for name, title, rid, rows, table in entries:
        fill = {"round": "" if rid is None else rid}
        ws.append([name, title.zh.format(**fill), title.en.format(**fill), title.about_zh.format(**fill),
                   title.about_en.format(**fill), rows, table])
        cell = ws.cell(row=ws.max_row, column=1)
        cell.hyperlink = Hyperlink(ref=cell.coordinate, location=f"'{name}'!A1", display=name)
        cell.font = link
        ws.cell(row=ws.max_row, column=6).number_format = "#,##0"
        for j in (4, 5):
            ws.cell(row=ws.max_row, column=j).alignment = Alignment(wrap_text=True, vertical="top")
    for letter, width in zip("ABCDEFG", (32, 18, 24, 50, 60, 8, 28)):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "B3"


def write_book(headline: pd.DataFrame | None, sheets: list[Sheet], codebook: pd.DataFrame | None = None):
    """The workbook: contents, headline, the table sheets in order, the codebook.

    Parameters
    ----------
    headline : DataFrame or None
        ``headline.csv``'s table (its own sheet after the contents).
    sheets : list of Sheet
        The table sheets, in order.
    codebook : DataFrame, optional
        ``codebook.csv``'s table (the last sheet).

    Returns
    -------
    openpyxl.Workbook
    """
    from openpyxl import Workbook

    wb = Workbook()
    contents = wb.active
    taken: set[str] = set()
    contents.title = sheet_name(CONTENTS, taken=taken)
    taken.add(contents.title)
    entries = []
    if headline is not None:
        name = sheet_name(_title("headline"), taken=taken)
        taken.add(name)
        _write_headline(wb, headline, name)
        entries.append((name, _title("headline"), None, len(headline), "assessment/headline"))
    all_sheets = list(sheets)
    if codebook is not None:
        all_sheets.append(Sheet("codebook", None, codebook))
    paths = {t.key: t.path for t in OUTPUT_TABLES}
    for sheet in all_sheets:
        title = _title(sheet.table)
        name = sheet_name(title, sheet.round_id, taken)
        taken.add(name)
        _write_table(wb, sheet, name)
        path = paths.get(sheet.table, sheet.table).replace("{round}", sheet.round_id or "{round}")
        entries.append((name, title, sheet.round_id, len(sheet.data), path))
    _write_contents(contents, entries)
    return wb
