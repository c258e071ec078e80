"""The output catalog (literacy.catalog) is the one source of the outputs' names, labels, formats and words."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import literacy_schemas as S
from literacy import catalog
from literacy.catalog import formats as F
from literacy.catalog import vocabulary as V
from literacy.catalog.notes import TABLE_NOTES
from literacy.catalog.reference import output_reference_markdown, with_reference
from literacy.assessment import NCHS_DEFAULTS
from literacy.assessment.deliverables import STATUS_LABELS, VERDICT_LABELS
from literacy.reliability import RELIABILITY, RELIABILITY_LABELS
from literacy_flows.pipeline import deliverables as fdl
from literacy_flows.report import document_text as dt
from literacy_flows.report import notebook_support as nbs
from literacy_flows.report import workbook as rep

ROOT = Path(__file__).resolve().parents[1]


def _schema(table, config):
    if table.key in fdl.TABLE_SCHEMAS:
        return fdl.table_schema(table.key, config)
    return getattr(S, table.schema)(config, **table.schema_options)


@pytest.mark.parametrize("table", [t for t in catalog.OUTPUT_TABLES if t.schema], ids=lambda t: t.key)
def test_every_schema_has_the_catalogs_columns(table, config):
    schema = _schema(table, config)
    columns = list(schema.columns)
    if schema.strict:
        assert columns == table.columns, f"{table.key}: the schema's columns are not the catalog's"
    else:   # a table whose further columns depend on the config: the schema checks the fixed ones
        assert [c for c in table.columns if c in columns] == columns and set(columns) <= set(table.columns)


def test_every_table_and_column_is_in_the_catalog_once():
    keys = [t.key for t in catalog.OUTPUT_TABLES]
    assert len(keys) == len(set(keys))
    codes = [c.code for c in catalog.COLUMNS]
    assert len(codes) == len(set(codes))
    for t in catalog.OUTPUT_TABLES:
        assert len(t.columns) == len(set(t.columns)), t.key
        assert set(t.columns) <= set(codes), (t.key, set(t.columns) - set(codes))
        assert t.schema is None or callable(getattr(S, t.schema)), t.key
        assert set(t.files) <= {"csv", "parquet"}
    for c in catalog.COLUMNS:
        assert c.number_format is None or c.number_format is F.FORMATS[c.number_format.name]
    # every evaluator table has a schema and a notes row, all from the catalog
    for name, (schema, options) in fdl.TABLE_SCHEMAS.items():
        assert catalog.output_table(name).schema == schema and name in TABLE_NOTES


def test_the_workbook_reads_the_catalog():
    assert rep.COLUMN_LABELS == catalog.column_labels()
    every = {c for t in catalog.OUTPUT_TABLES for c in t.columns}
    labelled = set(catalog.column_labels())
    # the evaluator tables, estimates, change and verdicts are labelled in full
    for key in ["estimates", "change", "verdicts", *fdl.TABLE_SCHEMAS]:
        if key in ("determinants", "associations", "small_area", "sample_plan", "change_linked", "irt_items",
                   "irt_scale", "dif", "pv_distribution", "scorecard", "methodology"):
            continue
        missing = set(catalog.output_table(key).columns) - labelled
        assert not missing, (key, missing)
    assert labelled <= every | {"key", "value"}


def test_one_wording_of_the_verdicts():
    assert VERDICT_LABELS is V.VERDICT_LABELS and STATUS_LABELS is V.STATUS_LABELS
    assert RELIABILITY_LABELS is V.RELIABILITY_LABELS and tuple(RELIABILITY_LABELS) == RELIABILITY
    assert dt.VERDICTS is V.VERDICT_SENTENCES and dt.VERSUS is V.VERSUS_NATIONAL
    assert set(V.VERDICT_SENTENCES) == set(V.VERDICT_LABELS) == set(V.VERDICT_COUNTS)
    for code, (zh, en) in V.VERDICT_SENTENCES.items():   # the sentence starts with the label
        assert zh.startswith(V.VERDICT_LABELS[code][0]) and en.startswith(V.VERDICT_LABELS[code][1])
    assert set(S.outputs.VERDICTS) | {"suppressed"} == set(V.VERDICT_LABELS)
    assert tuple(V.STATUS_LABELS) == S.outputs.SCORECARD_STATUS
    zh, en = V.VERDICT_NOTE
    for code in S.outputs.VERDICTS:
        assert V.VERDICT_LABELS[code][0] in zh
    assert catalog.verdict_label("inconclusive", "en") == "inconclusive"
    assert catalog.verdict_sentence("met", "zh").startswith("有把握达到目标")
    assert NCHS_DEFAULTS  # the reliability rule the notes describe exists


@pytest.mark.parametrize("blank", [None, float("nan"), np.nan, pd.NA])
def test_one_formatter_per_kind(blank):
    assert F.share_text(0.1234) == "12.3%" and F.share_text(0.1234, 2) == "12.34%"
    assert F.points_text(-0.0104) == "-1.0" and F.points_text(0.026, minus="−") == "+2.6"
    assert F.points_text(-0.0104, minus="−") == "−1.0"
    assert F.count_text(1234.4) == "1,234" and F.score_text(61.266) == "61.27"
    assert F.coefficient_text(1.8449, 3) == "1.845"
    assert F.p_value_text(0.0004) == "<0.001" and F.p_value_text(0.0234) == "0.023"
    for fn in (F.share_text, F.points_text, F.count_text, F.score_text, F.coefficient_text, F.p_value_text):
        assert fn(blank) == ""
    assert math.isnan(F.as_number(blank)) and math.isnan(F.as_number("x"))
    # the workbook's, the report's and the notebooks' formatters are these
    assert rep.fmt_pct(0.1234) == dt.pct_text(0.1234) == nbs.pct(0.1234) == "12.3%"
    assert rep.fmt_pct(blank) == "NA" and dt.pct_text(blank) == "" and nbs.pct(blank) == ""
    assert rep.fmt_pp(-0.0104) == nbs.pp(-0.0104) == "-1.0" and dt.pp_text(-0.0104) == "−1.0"
    assert dt.p_text(0.0234) == "0.023" and dt.int_text(1234.4) == "1,234"


def test_headline_figures_have_formats_the_workbook_uses():
    for key, (zh, en, fmt) in catalog.HEADLINE_FIGURES.items():
        assert zh and en
        assert fmt is None or fmt.name in F.FORMATS
    assert catalog.HEADLINE_FIGURES["national_year"][2] is F.INTEGER
    assert catalog.HEADLINE_FIGURES["endline_n"][2] is F.COUNT


def test_the_output_reference_page_is_fresh():
    page = (ROOT / "docs" / "reference" / "outputs.md").read_text(encoding="utf-8")
    assert output_reference_markdown() in page and with_reference(page) == page, \
        "docs/reference/outputs.md is stale: .venv/bin/python scripts/outputs_reference.py"
    for t in catalog.OUTPUT_TABLES:
        assert f"### `{t.key}`" in page
