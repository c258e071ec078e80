"""File side of the evaluator tables: the scorecard input, the table list, writing them.

The tables themselves are computed by :mod:`literacy.assessment.deliverables`,
:mod:`literacy.decomposition` and :mod:`literacy.reliability`; this module reads the
departments' ``scorecard.csv`` from the delivery and names the tables written to
``<processed>/assessment/`` (each as CSV and Parquet, and a sheet of the workbook), with
their schemas and the notes row of their sheet.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

import literacy_schemas as S
from literacy.assessment import SCORECARD_INPUT_COLUMNS, small_area_config
from literacy.catalog.notes import TABLE_NOTES
from literacy.catalog.tables import output_table
from literacy_flows.ingest import io as fio

__all__ = ["scorecard_path", "read_scorecard", "write_scorecard", "TABLE_SCHEMAS", "TABLE_NOTES", "table_schema"]

#: Evaluator table -> (schema function name in ``literacy_schemas``, extra keyword arguments), from the
#: output catalog (:mod:`literacy.catalog.tables`).
TABLE_SCHEMAS: dict[str, tuple[str, dict]] = {
    name: (output_table(name).schema, output_table(name).schema_options) for name in (
        "headline_levels", "districts", "key_groups", "demographics", "district_groups", "decomposition",
        "decomposition_detail", "part_scores", "scorecard", "methodology", "determinants", "associations",
        "small_area", "sample_plan", "change_linked", "irt_items", "irt_scale", "dif", "pv_distribution",
        "trend")}

_REQUIRED = ["indicator", "department_zh", "department_en", "target", "actual", "unit_zh", "unit_en", "period"]
_OPTIONAL = ["indicator_zh", "indicator_en", "note"]


def table_schema(name: str, config: dict):
    """The pandera schema of an output table of :data:`TABLE_SCHEMAS`."""
    func, kwargs = TABLE_SCHEMAS[name]
    if func == "evaluator_schema":
        with_model = name == "district_groups" and small_area_config(config)["enabled"]
        return S.evaluator_schema(config, name, **kwargs, with_model=with_model)
    return getattr(S, func)(config, **kwargs)


def scorecard_path(raw_dir: str | os.PathLike, config: dict) -> Path:
    """The delivery's scorecard file (``scorecard.file`` under the delivery folder)."""
    name = config["scorecard"]["file"]
    p = Path(name)
    return p if p.is_absolute() else Path(raw_dir) / p


def read_scorecard(path: str | os.PathLike) -> pd.DataFrame:
    """The departments' reported actuals (``scorecard.csv``), typed.

    Columns indicator, department_zh, department_en, target, actual (blank = not reported),
    unit_zh, unit_en, period, and optionally indicator_zh, indicator_en, note. Numbers are
    floats; a non-number is a one-line :class:`~literacy_flows.ingest.io.InputError` naming the
    line and the column. The schema (``literacy_schemas.scorecard_schema``) checks the
    codes and targets against the config.
    """
    path = Path(path)
    df = fio.read_text_table(path)
    fio.require_columns(df, _REQUIRED, path)
    for c in _OPTIONAL:
        if c not in df.columns:
            df[c] = pd.array([pd.NA] * len(df), dtype="string")
    df["target"] = fio.to_number(df, "target", path, integer=False, required=True)
    df["actual"] = fio.to_number(df, "actual", path, integer=False, required=False)
    extra = [c for c in df.columns if c not in SCORECARD_INPUT_COLUMNS]
    return df[SCORECARD_INPUT_COLUMNS + extra]


def write_scorecard(table: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Write a scorecard input file (UTF-8 CSV, blanks for missing; for ``literacy simulate``)."""
    data = table.to_csv(index=False, lineterminator="\n", na_rep="", float_format="%.12g").encode("utf-8")
    return fio.atomic_write_bytes(path, data)


