"""The data dictionary of an output folder: every column of every table with its meaning, unit, type and codes.

:func:`table_column` is a column as one table means it (the catalog's entry with the
table-specific label, format and description of :mod:`literacy.catalog.kinds`);
:func:`codebook_table` is ``codebook.csv`` (and the workbook's codebook sheet): one row per
column of every table written, with its labels, meaning, unit, type (from the table's data
where given), allowed codes with their labels (from the vocabulary, the config's levels and
the tables' own label columns) and number format.
"""

from __future__ import annotations

import re

from collections.abc import Mapping, Sequence
from dataclasses import replace

import pandas as pd

from literacy.catalog.columns import Column, column
from literacy.catalog.formats import NumberFormat
from literacy.catalog.kinds import (COLUMN_FORMATS, KIND_TYPES, KIND_UNITS, PATTERN_FORMATS, TABLE_COLUMNS,
                                    UNITS)
from literacy.catalog.tables import OUTPUT_TABLES
from literacy.catalog.vocabulary import (RELIABILITY_LABELS, SOURCE_LABELS, STATUS_LABELS, VERDICT_LABELS,
                                         VERSUS_NATIONAL)

__all__ = ["CODEBOOK_COLUMNS", "table_column", "column_unit", "number_format_text", "vocabulary_codes",
           "codebook_table", "table_key_of"]

#: The columns of ``codebook.csv``.
CODEBOOK_COLUMNS = ["table", "column", "label_zh", "label_en", "meaning", "unit", "type", "codes", "format"]

#: Code column -> (zh, en) labels of its codes, from the vocabulary.
_VOCABULARY: dict[str, dict[str, tuple[str, str]]] = {
    "verdict": VERDICT_LABELS, "reliability": RELIABILITY_LABELS, "baseline_reliability": RELIABILITY_LABELS,
    "endline_reliability": RELIABILITY_LABELS, "status": STATUS_LABELS, "versus_national": VERSUS_NATIONAL,
    "source": SOURCE_LABELS,
}
#: Code column -> its label columns (zh, en) in the same table.
_LABELLED_BY: dict[str, tuple[str, str]] = {
    "domain": ("label_zh", "label_en"), "level": ("level_zh", "level_en"), "stage": ("stage_zh", "stage_en"),
    "part": ("part_zh", "part_en"), "indicator": ("indicator_zh", "indicator_en"),
}
#: Text columns whose values are codes (listed in the codebook without labels when none are known).
_CODE_COLUMNS = frozenset({
    "breakdown", "round", "baseline_round", "endline_round", "section", "comparison", "kind", "ets_class",
    "favours", "grouping", "factor", "category", "method", "sigma2_method", "mse_method", "scale", "margin",
    "rule", "action", "variable", "reference", "outcome", "period", "group", "focal", "unit_en", "factors"})
#: The most codes listed for a column (domains of every breakdown fit; item ids do not).
MAX_CODES = 60


def table_key_of(path: str) -> str:
    """The catalog key of an output file's table ('2025/estimates.csv' -> 'estimates').

    Parameters
    ----------
    path : str
        The file's path relative to the output folder.

    Returns
    -------
    str
        The key of the catalog table whose path matches (``{round}`` matching a round's
        folder), else the file's name without its suffix.
    """
    stem = path.replace("\\", "/").rsplit(".", 1)[0]
    parts = stem.split("/")
    for t in OUTPUT_TABLES:          # a table's own path first ('province/estimates' is not a round's)
        if t.path == stem:
            return t.key
    for t in OUTPUT_TABLES:
        pattern = t.path.split("/")
        if len(pattern) == len(parts) and all(p == q or p == "{round}" for p, q in zip(pattern, parts)):
            return t.key
    return parts[-1]


def _pattern_format(code: str) -> NumberFormat | None:
    for prefix, fmt in PATTERN_FORMATS.items():
        if code.startswith(prefix):
            return fmt
    return None


#: ``round_<id>`` and its ``_se``, ``_ci_low``, ``_ci_high``, ``_n``, ``_reliability``: the column
#: group the evaluator tables give each round other than the baseline and the assessed one, and its
#: small-area columns (``_model``, ``_published`` ...).
_ROUND_GROUP = re.compile(r"round_(\w+?)(_se|_ci_low|_ci_high|_n|_reliability|_model|_model_ci_low|_model_ci_high|"
                          r"_published|_published_source)?")


def table_column(table: str, code: str) -> Column:
    """A column as ``table`` means it: labels, number format and description.

    The catalog's entry, with the table-specific entry of
    :data:`literacy.catalog.kinds.TABLE_COLUMNS` over it and the format of
    :data:`literacy.catalog.kinds.COLUMN_FORMATS` where the catalog gives none. A code the
    catalog does not know gets its code as labels.

    Parameters
    ----------
    table : str
        The output table's catalog key.
    code : str
        The column's name.

    Returns
    -------
    Column
    """
    c = column(code)
    other = _ROUND_GROUP.fullmatch(code)
    if other and not c.label_zh:   # an evaluator table's column group of a round between the two (issue 23)
        rid, suffix = other.group(1), other.group(2) or ""
        t = column(f"endline{suffix}")
        c = replace(t, code=code, label_zh=t.label_zh.replace("末期", f"{rid}年"),
                    label_en=t.label_en.replace("End-of-period", rid),
                    description=f"round {rid}: {t.description or t.label_en.lower()}")
    override = {k: v for k, v in TABLE_COLUMNS.get((table, code), {}).items() if k != "unit"}
    if override:
        c = replace(c, **override)
    if c.number_format is None:
        fmt = COLUMN_FORMATS.get(code) or _pattern_format(code)
        if fmt is not None:
            c = replace(c, number_format=fmt)
    if not c.label_zh or not c.label_en:
        c = replace(c, label_zh=c.label_zh or code, label_en=c.label_en or code)
    return c


def column_unit(table: str, code: str) -> str:
    """The unit of a column in a table ('' for text and codes).

    Parameters
    ----------
    table, code : str

    Returns
    -------
    str
    """
    specific = TABLE_COLUMNS.get((table, code), {})
    if "unit" in specific:
        return specific["unit"]
    if code in UNITS:
        return UNITS[code]
    fmt = table_column(table, code).number_format
    return KIND_UNITS.get(fmt.kind, "") if fmt is not None else ""


def number_format_text(fmt: NumberFormat | None) -> str:
    """A number format as the codebook says it ('share: 0.00%'; '' for none).

    Parameters
    ----------
    fmt : NumberFormat or None

    Returns
    -------
    str
    """
    return "" if fmt is None else f"{fmt.name}: {fmt.excel}"


def vocabulary_codes(code: str, table: str | None = None) -> str:
    """The codes of a column the vocabulary words, with their labels ('' for other columns).

    Parameters
    ----------
    code : str
        The column (``verdict``, ``reliability``, ``status``, ``versus_national``, ``source``, ...).
    table : str, optional
        The table: '' where the column means something else there (a table-specific
        description in :data:`literacy.catalog.kinds.TABLE_COLUMNS`).

    Returns
    -------
    str
        ``code = 中文 / English; ...``.
    """
    if "description" in TABLE_COLUMNS.get((table or "", code), {}):
        return ""
    pairs = _VOCABULARY.get(code, {})
    return "; ".join(f"{k} = {zh} / {en}" for k, (zh, en) in pairs.items())


def _type(frames: Sequence[pd.DataFrame], code: str, fmt: NumberFormat | None) -> str:
    dtypes = [f[code].dtype for f in frames if code in f.columns]
    if not dtypes:
        return KIND_TYPES.get(fmt.kind, "text") if fmt is not None else "text"
    if all(pd.api.types.is_bool_dtype(d) for d in dtypes):
        return "boolean"
    if all(pd.api.types.is_integer_dtype(d) for d in dtypes):
        return "integer"
    if all(pd.api.types.is_numeric_dtype(d) for d in dtypes):
        return "number"
    return "text"


def _values(frames: Sequence[pd.DataFrame], cols: list[str]) -> list[tuple]:
    """Distinct non-blank rows of ``cols`` across the frames, in order of first appearance."""
    seen: dict[tuple, None] = {}
    for f in frames:
        if all(c in f.columns for c in cols):
            part = f[cols].dropna(subset=[cols[0]]).astype(str).drop_duplicates()
            for row in part.itertuples(index=False, name=None):
                seen.setdefault(row, None)
    return list(seen)


def _codes(frames: Sequence[pd.DataFrame], code: str, kind: str, levels: dict[str, tuple[str, str]]) -> str:
    if kind == "boolean":
        return "true; false"
    present = {v for (v,) in _values(frames, [code])}
    if code in _VOCABULARY and (not frames or present & set(_VOCABULARY[code])):
        pairs = _VOCABULARY[code]
        return "; ".join(f"{k} = {zh} / {en}" for k, (zh, en) in pairs.items() if k in present or not frames)
    if code in _LABELLED_BY:
        zh_col, en_col = _LABELLED_BY[code]
        rows = _values(frames, [code, zh_col, en_col])
        if not rows and code == "level" and levels:
            present = {v for (v,) in _values(frames, [code])}
            rows = [(k, zh, en) for k, (zh, en) in levels.items() if k in present or not frames]
        if not rows and code == "level":
            rows = [(v, "", "") for (v,) in _values(frames, [code])]
        if rows and len(rows) <= MAX_CODES:
            return "; ".join(f"{k} = {zh} / {en}" if zh or en else str(k) for k, zh, en in rows)
        return ""
    if (code in _CODE_COLUMNS or code in _VOCABULARY) and kind == "text":
        values = [v for (v,) in _values(frames, [code])]
        if values and len(values) <= MAX_CODES:
            return "; ".join(values)
    return ""


def codebook_table(tables: Mapping[str, Sequence[pd.DataFrame]], config: dict | None = None) -> pd.DataFrame:
    """``codebook.csv``: one row per column of every table given, in the order given.

    Parameters
    ----------
    tables : mapping of str to sequence of DataFrame
        Catalog table key -> the frames written under it (one per round for a round table;
        their columns are united in order). A key the catalog does not know is described by
        the column entries alone.
    config : dict, optional
        The validated config: its ``scoring.levels`` label the level codes of tables without
        level labels.

    Returns
    -------
    DataFrame
        Columns :data:`CODEBOOK_COLUMNS`, all text.
    """
    levels = {str(lv["code"]): (str(lv.get("zh", "")), str(lv.get("en", "")))
              for lv in ((config or {}).get("scoring") or {}).get("levels", [])}
    rows = []
    for key, frames in tables.items():
        frames = list(frames)
        codes_in_order = list(dict.fromkeys(c for f in frames for c in f.columns))
        for code in codes_in_order:
            c = table_column(key, code)
            kind = _type(frames, code, c.number_format)
            rows.append({"table": key, "column": code, "label_zh": c.label_zh, "label_en": c.label_en,
                         "meaning": c.description or c.label_en, "unit": column_unit(key, code), "type": kind,
                         "codes": _codes(frames, code, kind, levels), "format": number_format_text(c.number_format)})
    return pd.DataFrame(rows, columns=CODEBOOK_COLUMNS).astype("string")
