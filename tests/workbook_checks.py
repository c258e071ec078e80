"""What an evaluator needs of the workbook, checked on an openpyxl workbook (issue 24).

Shared by tests/test_workbook.py (a workbook of small tables) and tests/test_flow.py (the
workbook of a real run).
"""

from __future__ import annotations

from openpyxl.utils import column_index_from_string, coordinate_to_tuple

from literacy.catalog.codebook import table_column, table_key_of

#: Format kinds whose numbers are shown as percentages.
PERCENT_KINDS = {"share", "change"}


def table_of(wb, name: str) -> str:
    """The table code of a sheet, from the contents sheet's last column."""
    contents = wb.worksheets[0]
    for row in contents.iter_rows(min_row=3, values_only=True):
        if row[0] == name:
            return table_key_of(str(row[6]).replace("{round}", "2025") + ".csv")
    raise AssertionError(f"sheet {name!r} is not in the contents sheet")


def check_workbook(wb) -> dict[str, int]:
    """Assert the workbook reads well; return the number of numeric cells checked per sheet.

    - the first sheet is the contents: it lists every other sheet once, in order, each name a
      link to that sheet, with a Chinese and an English title, descriptions and the row count;
    - sheet names are at most 31 characters and none is a bare code name (each has Chinese);
    - every table sheet has a Chinese and an English header row, both different from the code
      in the third row, and freezes the header rows and at least the first column;
    - every numeric cell has a number format (no General: no 16-digit floats), a percentage
      exactly where its column is a share or a change.
    """
    sheets = wb.worksheets
    contents = sheets[0]
    assert contents.title == "目录 Contents"
    listed = [row for row in contents.iter_rows(min_row=3, values_only=True) if row[0] is not None]
    assert [r[0] for r in listed] == [ws.title for ws in sheets[1:]]
    for i, row in enumerate(listed, start=3):
        name, zh, en, about_zh, about_en, rows, _table = row
        assert zh and en and about_zh and about_en and zh != en, name
        assert contents.cell(row=i, column=1).hyperlink.location == f"'{name}'!A1"
        assert isinstance(rows, int) and rows >= 0
    checked = {}
    for ws in sheets[1:]:
        assert len(ws.title) <= 31 and any("\u4e00" <= ch <= "\u9fff" for ch in ws.title), ws.title
        row, col = coordinate_to_tuple(ws.freeze_panes)
        if ws.title.startswith("主要结果"):   # the headline: two header rows, a figure a row
            assert (row, col) == (3, 3)
            continue
        assert row == 4 and col >= 2, (ws.title, ws.freeze_panes)
        codes = [c.value for c in ws[3]]
        table = table_of(wb, ws.title)
        data_rows = int(next(r[5] for r in listed if r[0] == ws.title))
        assert ws.column_dimensions["A"].width >= 8
        n = 0
        for j, code in enumerate(codes, start=1):
            zh, en = ws.cell(row=1, column=j).value, ws.cell(row=2, column=j).value
            assert zh and en and zh != code and en != code, (ws.title, code, zh, en)
            fmt = table_column(table, code).number_format
            for i in range(4, 4 + data_rows):
                cell = ws.cell(row=i, column=j)
                if isinstance(cell.value, bool) or not isinstance(cell.value, (int, float)):
                    continue
                n += 1
                if isinstance(cell.value, float):
                    assert cell.number_format != "General", (ws.title, code, cell.value)
                percent = "%" in cell.number_format
                if fmt is not None:
                    assert percent == (fmt.kind in PERCENT_KINDS), (ws.title, code, cell.number_format)
        checked[ws.title] = n
    return checked


def frozen_codes(ws) -> list[str]:
    """The column codes the sheet keeps in view (left of its frozen pane)."""
    col = column_index_from_string("".join(ch for ch in ws.freeze_panes if ch.isalpha()))
    return [c.value for c in ws[3]][:col - 1]
