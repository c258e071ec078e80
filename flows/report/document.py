"""The evaluation report (终期评估报告) as a Word document, drafted from the output tables.

:func:`build_report` turns the assessment's output tables (DataFrames, as written to
``<processed>/assessment/``) into a ``.docx`` for the evaluators: a title page, a table of
contents field, the summary of findings in sentences generated from the numbers, the
districts, the key groups with their lead departments, the plan's other indicators, what
drives literacy and the small-area figures (where those tables exist), the methodology and
data quality, and every table with its source note. It formats numbers; it estimates
nothing. :func:`read_report_tables` is the file side (what the flow's task reads), and
:func:`report_bytes` / :func:`write_reports` make the documents byte-identical for the same
tables (fixed document properties, fixed zip entry times, figures without metadata).

Tables that other parts of the pipeline may or may not write (:data:`OPTIONAL_TABLES`) are
optional: a missing one leaves its section out with a sentence saying so. A suppressed value
is never shown: its cell is blank and a note under the table gives the reason; a suppressed
headline says that the figure is not published.
"""

from __future__ import annotations

import datetime as _dt
import io
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

import docx
import pandas as pd

from literacy_flows.ingest import io as fio
from literacy_flows.report import pdf as rpdf
from literacy.catalog.quality_tables import QUALITY_TABLE_KEYS
from literacy_flows.report.quality_section import quality_section, read_quality_tables
from literacy_flows.report.rounds_section import rounds_section
from literacy_flows.report.document_sections import (contents, districts_section, drivers_section, fill_contents,
                                                     groups_section, methodology_section, problems_section,
                                                     scorecard_section, summary_section)
from literacy_flows.report.front_matter import cover_page, highlights_page, report_kind
from literacy_flows.report.document_text import Language, headline_values, summary_sentences
from literacy_flows.report.docx_builder import ReportDocument

__all__ = ["REQUIRED_TABLES", "OPTIONAL_TABLES", "read_report_tables", "build_report", "report_bytes",
           "summary_sentences", "write_reports"]

#: Tables every run writes under ``assessment/`` (the report cannot be drafted without them).
REQUIRED_TABLES = ("headline", "headline_levels", "districts", "key_groups", "scorecard", "methodology")
#: Tables that may be absent: ``assessment/<name>.csv``, or for ``estimates_linked`` every round's
#: ``<round>/estimates_linked.csv``.
OPTIONAL_TABLES = ("demographics", "decomposition", "change", "verdicts", "change_linked", "estimates_linked",
                   "small_area", "determinants", "associations", "trend")

FIXED_DATE = _dt.datetime(2000, 1, 1, 0, 0, 0)   # the documents' created / modified dates (no timestamps)


# --------------------------------------------------------------------------- reading
def _read_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype={"round": str, "baseline_round": str, "endline_round": str, "domain": str,
                                    "national_year": str}, keep_default_na=True, na_values=[""])


def read_report_tables(processed_dir: str | os.PathLike, config: dict) -> dict[str, pd.DataFrame]:
    """The tables the report is drafted from, as written under ``processed_dir``.

    Parameters
    ----------
    processed_dir : path
        An assessment's outputs folder (``data/processed``, or the run's staging folder).
    config : dict
        The assessment config (its ``rounds`` name the per-round tables).

    Returns
    -------
    dict of str to DataFrame
        Every table of :data:`REQUIRED_TABLES` and those of :data:`OPTIONAL_TABLES` that exist
        (``estimates_linked`` concatenated over the rounds that have one).
    """
    folder = Path(processed_dir)
    tables: dict[str, pd.DataFrame] = {}
    for name in REQUIRED_TABLES:
        path = folder / "assessment" / f"{name}.csv"
        if not path.is_file():
            raise FileNotFoundError(f"assessment/{name}.csv: needed for the evaluation report, not found")
        tables[name] = _read_csv(path)
    for name in OPTIONAL_TABLES:
        if name == "estimates_linked":
            frames = [_read_csv(folder / str(r["id"]) / "estimates_linked.csv") for r in config["rounds"]
                      if (folder / str(r["id"]) / "estimates_linked.csv").is_file()]
            if frames:
                tables[name] = pd.concat(frames, ignore_index=True)
        elif (folder / "assessment" / f"{name}.csv").is_file():
            tables[name] = _read_csv(folder / "assessment" / f"{name}.csv")
    tables.update(read_quality_tables(folder))     # quality/*.csv: the fieldwork-quality subsection
    return tables


# --------------------------------------------------------------------------- the document
def build_report(tables: Mapping[str, pd.DataFrame], config: dict, language: str = "zh", toc_field: bool = True):
    """Draft the evaluation report from the output tables.

    Parameters
    ----------
    tables : mapping of str to DataFrame
        The tables of :data:`REQUIRED_TABLES` (as written under ``assessment/``) and any of
        :data:`OPTIONAL_TABLES`; a missing optional table leaves its section out with a
        sentence saying so.
    config : dict
        The assessment config (names, rounds, levels, groups with their lead departments,
        target).
    language : {"zh", "en"}
        The document's language (labels of both languages come from the tables).
    toc_field : bool
        Wrap the contents in a TOC field (the ``.docx``); False keeps the entries with their
        PAGEREF page numbers only, which LibreOffice computes (the PDF's rendering).

    Returns
    -------
    docx.document.Document
        The document (not yet saved; :func:`report_bytes` saves it reproducibly).
    """
    missing = [n for n in REQUIRED_TABLES if n not in tables]
    if missing:
        raise KeyError(f"the evaluation report needs the table {missing[0]!r}")
    L = Language(language)
    level = headline_values(tables["headline"]).get("level") or config["scoring"]["headline"]
    doc = ReportDocument(L)
    a = config["assessment"]
    props = doc.doc.core_properties
    props.title = f"{a.get('name_' + language) or a.get('name_zh', '')} {report_kind(config, L)}"
    props.author = props.last_modified_by = "literacy"
    props.created = props.modified = props.last_printed = FIXED_DATE
    props.revision = 1
    props.language = "zh-CN" if language == "zh" else "en-GB"
    cover_page(doc, config, tables, L)
    highlights_page(doc, tables, config, L, level)
    anchor = contents(doc, L)
    summary_section(doc, tables, config, L, level)
    rounds_section(doc, tables, config, L, level)          # more than two rounds: every pair, the trend
    districts_section(doc, tables, config, L, level)
    groups_section(doc, tables, config, L, level)
    scorecard_section(doc, tables, config, L)
    drivers_section(doc, tables, config, L, level)
    methodology_section(doc, tables, config, L)
    if any(name in tables for name in QUALITY_TABLE_KEYS):   # a subsection of 六、方法与数据质量
        quality_section(tables, config, L.lang).write(doc, level=2)
    problems_section(doc, tables, config, L, level)
    fill_contents(doc, anchor, toc_field)
    return doc.doc


def report_bytes(tables: Mapping[str, pd.DataFrame], config: dict, language: str = "zh",
                 toc_field: bool = True) -> bytes:
    """:func:`build_report` saved as ``.docx`` bytes, the same bytes for the same tables.

    The document properties carry a fixed date and the zip entries fixed times
    (``literacy_flows.ingest.io``'s normalisation, as for the Excel workbook).
    """
    buf = io.BytesIO()
    build_report(tables, config, language, toc_field).save(buf)
    return fio.normalise_zip(buf.getvalue())


def write_reports(processed_dir: str | os.PathLike, config: dict, languages=("zh", "en"),
                  pdf: bool = True) -> tuple[list[Path], str | None]:
    """Draft the reports from the tables under ``processed_dir`` and write them atomically.

    Parameters
    ----------
    processed_dir : path
        The outputs folder (the flow's staging folder).
    config : dict
        The assessment config.
    languages : sequence of {"zh", "en"}
        ``assessment/report_<lang>.docx`` for each.
    pdf : bool
        Also render ``assessment/report_<lang>.pdf`` with LibreOffice where it is installed
        (from the same document, its contents with computed page numbers: ``toc_field=False``).

    Returns
    -------
    (list of Path, str or None)
        The files written, and a one-line message when the PDF was skipped (None otherwise).
    """
    folder = Path(processed_dir) / "assessment"
    tables = read_report_tables(processed_dir, config)
    written = [fio.atomic_write_bytes(folder / f"report_{lang}.docx", report_bytes(tables, config, lang))
               for lang in languages]
    if not pdf:
        return written, None
    if rpdf.soffice() is None:
        return written, f"report PDFs skipped: LibreOffice is not installed ({rpdf.INSTALL_HINT})"
    problems = []
    with tempfile.TemporaryDirectory(prefix="literacy-report-") as tmp:
        for lang in languages:
            src = Path(tmp) / f"report_{lang}.docx"
            src.write_bytes(report_bytes(tables, config, lang, toc_field=False))
            try:
                written.append(rpdf.docx_to_pdf(src, folder / f"report_{lang}.pdf"))
            except rpdf.PdfError as exc:   # the documents stand; the run does not fail over the PDF
                (folder / f"report_{lang}.pdf").unlink(missing_ok=True)
                problems.append(f"report_{lang}.pdf not written: {exc}")
    return written, ("; ".join(problems) or None)


def docx_text(data: bytes | os.PathLike) -> str:
    """Every paragraph's text of a ``.docx`` (body and tables), one a line (for checks and tests)."""
    d = docx.Document(io.BytesIO(data) if isinstance(data, bytes) else str(data))
    lines = [p.text for p in d.paragraphs]
    for t in d.tables:
        for row in t.rows:
            lines.append(" | ".join(c.text for c in row.cells))
    return "\n".join(lines)



