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
import math
import os
import re

from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["REQUIRED_TABLES", "OPTIONAL_TABLES", "read_report_tables", "build_report", "report_bytes",
           "summary_sentences", "write_reports"]

#: Tables every run writes under ``assessment/`` (the report cannot be drafted without them).
REQUIRED_TABLES = ("headline", "headline_levels", "districts", "key_groups", "scorecard", "methodology")
#: Tables that may be absent: ``assessment/<name>.csv``, or for ``estimates_linked`` every round's
#: ``<round>/estimates_linked.csv``.
OPTIONAL_TABLES = ("demographics", "decomposition", "change", "verdicts", "change_linked", "estimates_linked",
                   "small_area", "determinants", "associations")

_FIXED_DATE = _dt.datetime(2000, 1, 1, 0, 0, 0)   # the documents' created / modified dates (no timestamps)
_FONT = "Noto Sans CJK SC"                         # Debian's fonts-noto-cjk; LibreOffice falls back otherwise
_CONF = 95
_TEXT_WIDTH_CM = 16.6                              # A4 less 22 mm margins


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
    return tables


# --------------------------------------------------------------------------- numbers as text
def _num(v) -> float:
    """A float, NaN for blank / None / text that is not a number."""
    if v is None:
        return math.nan
    try:
        x = float(v)
    except (TypeError, ValueError):
        return math.nan
    return x


def _missing(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or (not isinstance(v, str) and pd.isna(v))


def _pct(v, digits: int = 1) -> str:
    x = _num(v)
    return "" if math.isnan(x) else f"{100 * x:.{digits}f}%"


def _pp(v, digits: int = 1) -> str:
    x = _num(v)
    return "" if math.isnan(x) else f"{100 * x:+.{digits}f}".replace("-", "−")


def _p(v) -> str:
    x = _num(v)
    if math.isnan(x):
        return ""
    return "<0.001" if x < 0.001 else f"{x:.3f}"


def _p_eq(v) -> str:
    """'<0.001' or '=0.023' (a p-value after 'P')."""
    text = _p(v)
    return text if text.startswith("<") or not text else f"={text}"


def _fixed(v, digits: int = 2) -> str:
    x = _num(v)
    return "" if math.isnan(x) else f"{x:.{digits}f}"


def _int(v) -> str:
    x = _num(v)
    return "" if math.isnan(x) else f"{int(round(x)):,}"


def _ci(lo, hi, fmt: Callable = _pct, sep: str = " – ") -> str:
    a, b = fmt(lo), fmt(hi)
    return "" if not a or not b else f"{a}{sep}{b}"


def _pp_ci(lo, hi, L: "_L") -> str:
    """A change's interval: '+1.1至+4.1' / '+1.1 to +4.1' (a dash would read as a minus)."""
    return _ci(lo, hi, _pp, L.t("至", " to "))


def _flag(v) -> bool:
    if isinstance(v, str):
        return v.strip().lower() in ("true", "1", "yes")
    return False if _missing(v) else bool(v)


def _text(v) -> str:
    return "" if _missing(v) else str(v)


class _L:
    """The document's language: ``t(zh, en)`` picks the text, ``col(row, 'label')`` the label column."""

    def __init__(self, language: str):
        if language not in ("zh", "en"):
            raise ValueError(f"language must be 'zh' or 'en', not {language!r}")
        self.lang = language

    def t(self, zh: str, en: str) -> str:
        return zh if self.lang == "zh" else en

    def col(self, row: Mapping, stem: str) -> str:
        value = row.get(f"{stem}_{self.lang}")
        if _missing(value):
            value = row.get(f"{stem}_en" if self.lang == "zh" else f"{stem}_zh")
        return _text(value)


# --------------------------------------------------------------------------- the headline
def _headline(table: pd.DataFrame) -> dict[str, str | None]:
    """headline.csv (key, label_zh, label_en, value) as a dict of texts (None for blank)."""
    return {str(k): (None if _missing(v) else str(v)) for k, v in zip(table["key"], table["value"])}


def _level_names(config: dict, code: str) -> tuple[str, str]:
    """The level's Chinese label and its English name as a noun ('Has scientific literacy' ->
    'scientific literacy', 'Advanced literacy' -> 'advanced literacy')."""
    for lv in config["scoring"]["levels"]:
        if lv["code"] == code:
            en = str(lv["en"])
            en = re.sub(r"^has\s+", "", en[:1].lower() + en[1:])
            return str(lv["zh"]), en
    return code, code


def _round_label(config: dict, rid: str | None, L: _L) -> str:
    for r in config["rounds"]:
        if str(r["id"]) == str(rid):
            return str(r.get(f"label_{L.lang}") or rid)
    return str(rid)


_VERDICTS = {"met": ("有把握达到目标（95%置信区间整体不低于目标值）", "met with confidence (the whole 95% CI is at or above "
                     "the target)"),
             "not_met": ("未达到目标（95%置信区间整体低于目标值）", "not met (the whole 95% CI is below the target)"),
             "inconclusive": ("无法判定是否达到目标（95%置信区间包含目标值）", "inconclusive (the 95% CI contains the target)"),
             "suppressed": ("不予发布（样本量不足或估计不可靠）", "not published (too few respondents or unreliable)")}
_VERSUS = {"above": ("高于全国水平", "above the national rate"), "below": ("低于全国水平", "below the national rate"),
           "indistinguishable": ("与全国水平无显著差异", "not distinguishable from the national rate")}
_SOURCE = {"zh": "资料来源", "en": "Source"}


def _city_reason(tables: Mapping[str, pd.DataFrame], level: str, which: str) -> str:
    """The suppression reason of the city's headline share (``headline_levels``), or ''."""
    hl = tables.get("headline_levels")
    if hl is None or not len(hl):
        return ""
    row = hl[hl["level"].astype(str) == level]
    if not len(row):
        return ""
    reason = _text(row.iloc[0].get("suppression_reason"))
    if which == "endline" and "|" in reason:   # "2020: ... | 2025: ..." -> the end-of-period part
        reason = reason.split("|")[-1].strip()
    return reason


def summary_sentences(tables: Mapping[str, pd.DataFrame], config: dict, language: str = "zh") -> list[str]:
    """The summary of findings, one sentence a fact, generated from ``headline.csv``.

    Shares are printed as percentages with one decimal and changes in percentage points with
    one decimal, exactly as :mod:`literacy_flows.report` prints the headline. A blank
    (suppressed) end-of-period figure gives a sentence saying it is not published.

    Parameters
    ----------
    tables : mapping of str to DataFrame
        At least ``headline`` (``assessment/headline.csv``); ``headline_levels`` gives the
        reason of a suppressed headline.
    config : dict
        The assessment config (level names, round labels, target).
    language : {"zh", "en"}

    Returns
    -------
    list of str
    """
    L = _L(language)
    h = _headline(tables["headline"])
    level = h.get("level") or config["scoring"]["headline"]
    lzh, len_ = _level_names(config, level)
    lname = L.t(lzh, len_)
    base_r, end_r = h.get("baseline_round") or "", h.get("endline_round") or ""
    out: list[str] = []
    if h.get("endline") is None:
        reason = _city_reason(tables, level, "endline")
        out.append(L.t(f"{end_r}年全市{lzh}的公民比例不予发布：样本不足以得出可靠估计"
                       + (f"（{reason}）" if reason else "") + "。因此无法对照规划目标作出判定。",
                       f"The city's {end_r} share of adults with {lname} is not published: the sample does not "
                       f"support a reliable estimate" + (f" ({reason})" if reason else "") + ". No verdict against "
                       "the plan's target can therefore be given."))
        return out
    n = _int(h.get("endline_n"))
    out.append(L.t(f"{end_r}年全市{lzh}的公民比例为{_pct(h['endline'])}（{_CONF}%置信区间 "
                   f"{_pct(h.get('endline_ci_low'))}–{_pct(h.get('endline_ci_high'))}，样本量 {n} 人）。",
                   f"In {end_r}, {_pct(h['endline'])} of the city's adults had {lname} ({_CONF}% CI "
                   f"{_pct(h.get('endline_ci_low'))} to {_pct(h.get('endline_ci_high'))}; n = {n})."))
    if h.get("change") is not None:
        p = _num(h.get("change_p_value"))
        sig = (not math.isnan(p)) and p < 0.05
        out.append(L.t(f"与{base_r}年基线（{_pct(h.get('baseline'))}）相比变化{_pp(h['change'])}个百分点"
                       f"（{_CONF}%置信区间 {_pp(h.get('change_ci_low'))}至{_pp(h.get('change_ci_high'))}，"
                       f"P{_p_eq(p)}），" + ("变化具有统计学意义。" if sig else "变化在统计上不显著。"),
                       f"Compared with the {base_r} baseline ({_pct(h.get('baseline'))}) the share changed by "
                       f"{_pp(h['change'])} percentage points ({_CONF}% CI {_pp(h.get('change_ci_low'))} to "
                       f"{_pp(h.get('change_ci_high'))}; p {_p_eq(p)[:1]} {_p_eq(p)[1:]}), "
                       + ("a statistically significant change." if sig else "not a statistically significant "
                                                                           "change.")))
    elif h.get("baseline") is None:
        out.append(L.t(f"{base_r}年基线比例不予发布，无法计算变化。",
                       f"The {base_r} baseline share is not published, so no change is given."))
    verdict = h.get("verdict") or ""
    vzh, ven = _VERDICTS.get(verdict, (verdict, verdict))
    out.append(L.t(f"对照规划目标{_pct(h.get('target'))}：{vzh}。",
                   f"Against the plan's target of {_pct(h.get('target'))}: {ven}."))
    if h.get("national_rate") is not None:
        szh, sen = _VERSUS.get(h.get("versus_national") or "", ("", ""))
        year = h.get("national_year") or ""
        out.append(L.t(f"全国水平为{_pct(h['national_rate'])}（{year}年）" + (f"，全市{szh}。" if szh else "。"),
                       f"The national rate is {_pct(h['national_rate'])} ({year})"
                       + (f"; the city is {sen}." if sen else ".")))
    return out


# --------------------------------------------------------------------------- docx primitives
def _docx():
    import docx  # noqa: F401  (python-docx; imported here: the flow imports this module lazily)
    from docx.enum.section import WD_ORIENT  # noqa: F401
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    return OxmlElement, qn


def _set_font(style_or_run, size=None, bold=None, color=None) -> None:
    """Set the Latin and East Asian font (theme fonts removed) of a style or a run."""
    OxmlElement, qn = _docx()
    font = style_or_run.font
    font.name = _FONT
    if size is not None:
        from docx.shared import Pt

        font.size = Pt(size)
    if bold is not None:
        font.bold = bold
    if color is not None:
        from docx.shared import RGBColor

        font.color.rgb = RGBColor.from_string(color)
    rpr = style_or_run.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), _FONT)


def _field(paragraph, instruction: str, placeholder: str = "") -> None:
    """A complex field (PAGE, NUMPAGES, ...) in a paragraph, with a cached result."""
    OxmlElement, qn = _docx()

    def fld(kind: str):
        run = paragraph.add_run()
        el = OxmlElement("w:fldChar")
        el.set(qn("w:fldCharType"), kind)
        run._r.append(el)
        return run

    fld("begin")
    run = paragraph.add_run()
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    run._r.append(instr)
    fld("separate")
    paragraph.add_run(placeholder)
    fld("end")


def _styles(doc, chinese: bool) -> None:
    """Fonts and sizes of the styles the report uses (a real heading hierarchy)."""
    from docx.enum.style import WD_STYLE_TYPE
    from docx.shared import Pt

    OxmlElement, qn = _docx()
    styles = doc.styles
    _set_font(styles["Normal"], size=10.5)
    lang = OxmlElement("w:lang")   # East Asian text is Simplified Chinese: the font's SC glyph forms
    lang.set(qn("w:val"), "zh-CN" if chinese else "en-GB")
    lang.set(qn("w:eastAsia"), "zh-CN")
    styles["Normal"].element.get_or_add_rPr().append(lang)
    styles["Normal"].paragraph_format.space_after = Pt(6)
    styles["Normal"].paragraph_format.line_spacing = 1.25
    for name, size in (("Title", 24), ("Subtitle", 14), ("Heading 1", 16), ("Heading 2", 13), ("Heading 3", 11.5),
                       ("Caption", 9.5)):
        _set_font(styles[name], size=size, bold=name.startswith("Heading") or name == "Title", color="1F3864")
    styles["Caption"].font.italic = False
    for i, indent in ((1, 0), (2, 0.6), (3, 1.2)):
        name = f"TOC {i}"
        try:
            st = styles[name]
        except KeyError:
            st = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
            st.base_style = styles["Normal"]
        from docx.shared import Cm

        st.paragraph_format.left_indent = Cm(indent)
        st.paragraph_format.space_after = Pt(2)
    note = styles.add_style("Table Note", WD_STYLE_TYPE.PARAGRAPH)
    note.base_style = styles["Normal"]
    _set_font(note, size=8.5, color="404040")
    note.paragraph_format.space_after = Pt(10)
    cell = styles.add_style("Table Text", WD_STYLE_TYPE.PARAGRAPH)
    cell.base_style = styles["Normal"]
    _set_font(cell, size=8.5)
    cell.paragraph_format.space_after = Pt(0)
    cell.paragraph_format.line_spacing = 1.0


def _page_setup(doc) -> None:
    """A4 portrait, page numbers in the footer (none on the title page)."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm

    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(22)
    section.top_margin = section.bottom_margin = Mm(22)
    section.different_first_page_header_footer = True
    par = section.footer.paragraphs[0]
    par.alignment = WD_ALIGN_PARAGRAPH.CENTER
    par.style = doc.styles["Table Note"]
    par.paragraph_format.space_after = 0
    _field(par, "PAGE", "1")


class _Doc:
    """The document being drafted: headings, paragraphs, numbered tables and figures with notes."""

    def __init__(self, L: _L):
        import docx

        self.L = L
        self.doc = docx.Document()
        _styles(self.doc, L.lang == "zh")
        _page_setup(self.doc)
        self.tables = 0
        self.figures = 0
        self.headings: list[tuple[int, str]] = []

    def heading(self, text: str, level: int) -> None:
        """A heading (style Heading 1/2/3) with a bookmark the table of contents points to."""
        OxmlElement, qn = _docx()
        par = self.doc.add_heading(text, level=level)
        self.headings.append((level, text))
        name, ident = f"_Toc{len(self.headings):04d}", str(len(self.headings))
        start, end = OxmlElement("w:bookmarkStart"), OxmlElement("w:bookmarkEnd")
        start.set(qn("w:id"), ident)
        start.set(qn("w:name"), name)
        end.set(qn("w:id"), ident)
        par._p.insert(1 if par._p.pPr is not None else 0, start)
        par._p.append(end)

    def para(self, text: str, style: str | None = None, bold: bool = False):
        p = self.doc.add_paragraph(style=style)
        run = p.add_run(text)
        if bold:
            run.bold = True
        return p

    def bullets(self, lines: list[str]) -> None:
        for line in lines:
            self.para(line, style="List Bullet")

    def table(self, title: str, header: list[str], rows: list[list[str]], source: str, notes: list[str],
              widths: list[float] | None = None) -> None:
        """A numbered table: caption above, header row repeated on every page, notes and source below."""
        from docx.enum.table import WD_TABLE_ALIGNMENT
        from docx.shared import Cm

        OxmlElement, qn = _docx()
        self.tables += 1
        L = self.L
        caption = self.para(L.t(f"表{self.tables}　{title}", f"Table {self.tables}. {title}"), style="Caption",
                            bold=True)
        caption.paragraph_format.keep_with_next = True   # the caption stays with its table
        t = self.doc.add_table(rows=1 + len(rows), cols=len(header))
        t.style = self.doc.styles["Table Grid"]
        t.alignment = WD_TABLE_ALIGNMENT.CENTER
        for i, text in enumerate(header):
            cell = t.rows[0].cells[i]
            cell.text = ""
            run = cell.paragraphs[0].add_run(text)
            run.bold = True
            cell.paragraphs[0].style = self.doc.styles["Table Text"]
            shade = OxmlElement("w:shd")
            shade.set(qn("w:val"), "clear")
            shade.set(qn("w:color"), "auto")
            shade.set(qn("w:fill"), "D9E2F3")
            cell._tc.get_or_add_tcPr().append(shade)
        trpr = t.rows[0]._tr.get_or_add_trPr()
        head = OxmlElement("w:tblHeader")
        head.set(qn("w:val"), "true")
        trpr.append(head)
        for r, values in enumerate(rows, start=1):
            for c, text in enumerate(values):
                cell = t.rows[r].cells[c]
                cell.text = ""
                cell.paragraphs[0].style = self.doc.styles["Table Text"]
                cell.paragraphs[0].add_run(text)
        for row in t.rows:   # a row never breaks across pages
            cant = OxmlElement("w:cantSplit")
            cant.set(qn("w:val"), "true")
            row._tr.get_or_add_trPr().insert(0, cant)
        if widths:
            scale = min(1.0, _TEXT_WIDTH_CM / sum(widths))
            t.autofit = False
            for c, w in enumerate(widths):
                t.columns[c].width = Cm(w * scale)
                for row in t.rows:
                    row.cells[c].width = Cm(w * scale)
        for note in notes:
            self.para(note, style="Table Note")
        self.para(f"{_SOURCE[L.lang]}{'：' if L.lang == 'zh' else ': '}{source}", style="Table Note")

    def figure(self, png: bytes, title: str, source: str, width_cm: float = 16.0) -> None:
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.shared import Cm

        self.figures += 1
        L = self.L
        self.doc.add_picture(io.BytesIO(png), width=Cm(width_cm))
        self.doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
        self.para(L.t(f"图{self.figures}　{title}", f"Figure {self.figures}. {title}"), style="Caption", bold=True)
        self.para(f"{_SOURCE[L.lang]}{'：' if L.lang == 'zh' else ': '}{source}", style="Table Note")

    def page_break(self) -> None:
        from docx.enum.text import WD_BREAK

        self.doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


# --------------------------------------------------------------------------- table helpers
def _suppression_notes(rows: pd.DataFrame, L: _L, name_of: Callable[[Mapping], str]) -> list[str]:
    """One note listing the blank (suppressed) cells of a table and why."""
    items = []
    for _, r in rows.iterrows():
        if _flag(r.get("suppressed")):
            reason = _text(r.get("suppression_reason")) or L.t("样本量不足或估计不可靠", "too few respondents or unreliable")
            items.append(f"{name_of(r)}（{reason}）" if L.lang == "zh" else f"{name_of(r)} ({reason})")
    if not items:
        return []
    return [L.t("空白单元格为不予发布的数据（样本量不足或按NCHS比例数据发布标准不可靠）：" + "；".join(items) + "。",
                "Blank cells are not published (too few respondents, or unreliable by the NCHS standards for "
                "proportions): " + "; ".join(items) + ".")]


def _reliability_note(rows: pd.DataFrame, L: _L) -> list[str]:
    flagged = any(str(r.get(c)) == "review" for _, r in rows.iterrows()
                  for c in ("baseline_reliability", "endline_reliability"))
    if not flagged:
        return []
    return [L.t("标注“†”的数值按NCHS标准需统计审查（可发布，但精度有限，解读时请谨慎）。",
                "Values marked † are flagged for statistical review by the NCHS standards (published, but read "
                "them with care).")]


def _share_cell(row: Mapping, prefix: str) -> str:
    """'12.3% (10.1% – 14.6%)' of a round, blank when suppressed, † when flagged for review."""
    v = row.get(prefix)
    if _missing(v):
        return ""
    mark = "†" if str(row.get(f"{prefix}_reliability")) == "review" else ""
    return f"{_pct(v)}{mark}\n({_ci(row.get(f'{prefix}_ci_low'), row.get(f'{prefix}_ci_high'))})"


def _change_cell(row: Mapping, L: _L) -> str:
    v = row.get("change")
    if _missing(v):
        return ""
    return f"{_pp(v)}\n({_pp_ci(row.get('change_ci_low'), row.get('change_ci_high'), L)})"


def _bh_lookup(tables: Mapping[str, pd.DataFrame]) -> dict[tuple[str, str, str], tuple[float, bool]]:
    """(breakdown, domain, level) -> (BH-adjusted p, significant) from change.csv, when it has them."""
    ch = tables.get("change")
    if ch is None or "p_value_bh" not in ch.columns:
        return {}
    out = {}
    for _, r in ch.iterrows():
        out[(str(r["breakdown"]), str(r["domain"]), str(r["level"]))] = (
            _num(r.get("p_value_bh")), _flag(r.get("significant_bh")))
    return out


def _verdict_text(row: Mapping, L: _L) -> str:
    v = row.get("verdict")
    if _missing(v):
        return ""
    label = row.get(f"verdict_{L.lang}")
    return _text(label) if not _missing(label) else _VERDICTS.get(str(v), (str(v), str(v)))[0 if L.lang == "zh" else 1]


def _comparison_table(doc: _Doc, df: pd.DataFrame, level: str, title: str, source: str, L: _L,
                      tables: Mapping[str, pd.DataFrame], lead: bool = False, verdict: bool = True) -> pd.DataFrame:
    """An evaluator table (two rounds side by side) at one level: share (CI), n, change (CI), verdict."""
    rows_df = df[df["level"].astype(str) == level].reset_index(drop=True)
    if not len(rows_df):
        doc.para(L.t("该表没有数据。", "The table has no rows."))
        return rows_df
    first = rows_df.iloc[0]
    base_r, end_r = _text(first.get("baseline_round")), _text(first.get("endline_round"))
    bh = _bh_lookup(tables)
    header, widths = [L.t("子总体", "Domain")], [2.6]
    if lead:
        header.append(L.t("牵头部门", "Lead department"))
        widths.append(2.8)
    header += [L.t(f"{base_r}年比例\n（95%CI）", f"{base_r} share\n(95% CI)"),
               L.t(f"{end_r}年比例\n（95%CI）", f"{end_r} share\n(95% CI)"),
               L.t(f"{end_r}年\n样本量", f"{end_r}\nn"),
               L.t("变化，百分点\n（95%CI）", "Change, points\n(95% CI)")]
    widths += [2.8, 2.8, 1.4, 2.8]
    if bh:
        header.append(L.t("BH校正P值", "BH-adjusted p"))
        widths.append(1.5)
    if verdict and "verdict" in rows_df.columns:
        header.append(L.t("目标判定", "Verdict"))
        widths.append(2.0)
    rows = []
    for _, r in rows_df.iterrows():
        values = [L.col(r, "label")]
        if lead:
            values.append(L.col(r, "lead"))
        values += [_share_cell(r, "baseline"), _share_cell(r, "endline"), _int(r.get("endline_n")), _change_cell(r, L)]
        if bh:
            p, sig = bh.get((str(r["breakdown"]), str(r["domain"]), level), (math.nan, False))
            values.append(_p(p) + ("*" if sig and not math.isnan(p) else ""))
        if verdict and "verdict" in rows_df.columns:
            values.append(_verdict_text(r, L).split("（")[0].split(" (")[0])
        rows.append(values)
    notes = _suppression_notes(rows_df, L, lambda r: L.col(r, "label")) + _reliability_note(rows_df, L)
    notes.append(L.t("比例为加权估计；95%置信区间与标准误按复杂抽样设计（分层、整群、事后加权）计算；变化＝末期减基线。",
                     "Weighted shares; 95% CIs and SEs are design-based (strata, clusters, raking accounted for); "
                     "change = end-of-period minus baseline."))
    if bh:
        notes.append(L.t("BH校正P值：变化检验按Benjamini–Hochberg方法控制错误发现率；“*”表示校正后显著。",
                         "BH-adjusted p: the change tests adjusted by Benjamini–Hochberg (false discovery rate); "
                         "* significant after adjustment."))
    doc.table(title, header, rows, source, notes, widths)
    return rows_df


# --------------------------------------------------------------------------- figures
def _forest_png(tables: Mapping[str, pd.DataFrame], level: str, config: dict, L: _L) -> bytes | None:
    """The end-of-period and baseline shares of the city, districts and key groups with their CIs."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    from literacy_flows.notebooks import use_cjk_font

    use_cjk_font()
    frames = [tables[n] for n in ("headline_levels", "districts", "key_groups") if n in tables]
    rows = pd.concat(frames, ignore_index=True)
    rows = rows[rows["level"].astype(str) == level].reset_index(drop=True)
    if not len(rows):
        return None
    labels = [L.col(r, "label") for _, r in rows.iterrows()]
    y = np.arange(len(rows))[::-1].astype(float)
    fig, ax = plt.subplots(figsize=(7.5, 0.42 * len(rows) + 1.4), dpi=150)
    colours = {"baseline": "#8FA9D6", "endline": "#1F3864"}
    first = rows.iloc[0]
    for k, (prefix, dy) in enumerate((("baseline", 0.17), ("endline", -0.17))):
        est = rows[prefix].map(_num).to_numpy(dtype=float)
        lo = rows[f"{prefix}_ci_low"].map(_num).to_numpy(dtype=float)
        hi = rows[f"{prefix}_ci_high"].map(_num).to_numpy(dtype=float)
        ok = ~np.isnan(est)
        rid = _text(first.get(f"{prefix}_round"))
        ax.errorbar(100 * est[ok], y[ok] + dy, xerr=[100 * (est[ok] - lo[ok]), 100 * (hi[ok] - est[ok])], fmt="o",
                    color=colours[prefix], ms=4, capsize=2, lw=1, label=L.t(f"{rid}年", rid))
        for yy in y[~ok]:
            ax.text(0.5, yy + dy, L.t("不予发布", "not published"), va="center", fontsize=7, color="#777777")
    target = _num(config["targets"]["headline"])
    if not math.isnan(target):
        ax.axvline(100 * target, ls="--", color="#C00000", lw=1, label=L.t(f"规划目标 {_pct(target)}",
                                                                          f"target {_pct(target)}"))
    nat = _num(first.get("national_rate")) if "national_rate" in rows.columns else math.nan
    if not math.isnan(nat):
        ax.axvline(100 * nat, ls=":", color="#555555", lw=1, label=L.t(f"全国水平 {_pct(nat)}",
                                                                       f"national {_pct(nat)}"))
    ax.set_yticks(y)
    ax.set_yticklabels(labels, fontsize=8)
    ax.set_xlabel(L.t("比例（%）", "Share (%)"), fontsize=8)
    ax.tick_params(axis="x", labelsize=8)
    ax.set_xlim(left=0)
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.05 - 0.5 / (0.42 * len(rows) + 1.4)),
              ncol=4, frameon=False)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()


# --------------------------------------------------------------------------- sections
def _sources(L: _L, *files: str) -> str:
    return L.t("、", ", ").join(files) + L.t("（本评估输出表）", " (this assessment's output tables)")


def _missing_section(doc: _Doc, L: _L, zh: str, en: str, files: str) -> None:
    doc.para(L.t(f"本次评估未生成{zh}（{files} 不存在），本节从略。",
                 f"This assessment produced no {en} ({files} is absent), so this section is left out."))


def _title_page(doc: _Doc, config: dict, tables: Mapping[str, pd.DataFrame], L: _L) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    a = config["assessment"]
    for _ in range(5):
        doc.para("")
    for text, style in ((a.get(f"name_{L.lang}") or a.get("name_zh") or "", "Title"),
                        (L.t("终期评估报告", "End-of-period evaluation report"), "Subtitle")):
        p = doc.para(text, style=style)
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    h = _headline(tables["headline"])
    p = doc.para(L.t(f"{_round_label(config, h.get('baseline_round'), L)}　—　{_round_label(config, h.get('endline_round'), L)}",
                     f"{_round_label(config, h.get('baseline_round'), L)} — {_round_label(config, h.get('endline_round'), L)}"))
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.space_before = Pt(36)
    p = doc.para(L.t("本报告由评估流程根据输出表自动起草，所有数字均取自 data/processed/ 下的表格。",
                     "Drafted by the assessment pipeline from its output tables; every figure comes from the "
                     "tables in data/processed/."), style="Table Note")
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.page_break()


def _toc(doc: _Doc, L: _L):
    """The table of contents' title and the paragraph its entries follow (:func:`_fill_toc`)."""
    from docx.shared import Pt

    p = doc.para(L.t("目录", "Contents"), style="Title")
    p.runs[0].font.size = Pt(16)
    anchor = doc.doc.add_paragraph()
    doc.page_break()
    return anchor


def _fill_toc(doc: _Doc, anchor, toc_field: bool = True) -> None:
    """A TOC field (headings 1–3) whose shown result lists every heading with a PAGEREF field.

    Word recomputes the field when the document opens (``w:updateFields``). LibreOffice shows
    a TOC field's result as it stands, without evaluating the PAGEREF fields inside it; with
    ``toc_field=False`` the entries stand alone, and LibreOffice computes their PAGEREF
    fields (the pages of the headings' bookmarks): the variant the PDF is rendered from.
    """
    from docx.enum.text import WD_TAB_ALIGNMENT, WD_TAB_LEADER
    from docx.shared import Mm

    OxmlElement, qn = _docx()

    def fld(par, kind: str) -> None:
        el = OxmlElement("w:fldChar")
        el.set(qn("w:fldCharType"), kind)
        par.add_run()._r.append(el)

    def instr(par, text: str) -> None:
        el = OxmlElement("w:instrText")
        el.set(qn("xml:space"), "preserve")
        el.text = f" {text} "
        par.add_run()._r.append(el)

    last = anchor
    entries = doc.headings
    for i, (level, text) in enumerate(entries, start=1):
        par = doc.doc.add_paragraph(style=f"TOC {level}")
        last._p.addnext(par._p)
        last = par
        par.paragraph_format.tab_stops.add_tab_stop(Mm(166), WD_TAB_ALIGNMENT.RIGHT, WD_TAB_LEADER.DOTS)
        if i == 1 and toc_field:
            fld(par, "begin")
            instr(par, 'TOC \\o "1-3" \\h \\z \\u')
            fld(par, "separate")
        par.add_run(f"{text}\t")
        fld(par, "begin")
        instr(par, f"PAGEREF _Toc{i:04d} \\h")
        fld(par, "separate")
        par.add_run("")
        fld(par, "end")
        if i == len(entries) and toc_field:
            fld(par, "end")
    anchor._p.getparent().remove(anchor._p)
    settings = doc.doc.settings.element
    update = OxmlElement("w:updateFields")
    update.set(qn("w:val"), "true")
    settings.append(update)


def _summary(doc: _Doc, tables, config, L, level) -> None:
    doc.heading(L.t("一、主要发现", "1. Summary of findings"), 1)
    for s in summary_sentences(tables, config, L.lang):
        doc.para(s)
    lines = []
    for name, zh, en in (("districts", "区", "districts"), ("key_groups", "重点人群", "key groups")):
        df = tables[name]
        df = df[(df["level"].astype(str) == level) & df.get("verdict", pd.Series(dtype=str)).notna()] \
            if "verdict" in df.columns else df.iloc[0:0]
        if not len(df):
            continue
        counts = {k: [L.col(r, "label") for _, r in df.iterrows() if str(r["verdict"]) == k]
                  for k in ("met", "inconclusive", "not_met", "suppressed")}
        parts = []
        for k, (kzh, ken) in (("met", ("有把握达标", "met the target")),
                              ("inconclusive", ("无法判定", "inconclusive")),
                              ("not_met", ("未达标", "did not meet it")),
                              ("suppressed", ("不予发布", "not published"))):
            if counts[k]:
                parts.append(L.t(f"{kzh}：{'、'.join(counts[k])}", f"{ken}: {', '.join(counts[k])}"))
        lines.append(L.t(f"{len(df)}个{zh}中，" + "；".join(parts) + "。",
                         f"Of {len(df)} {en}, " + "; ".join(parts) + "."))
    if lines:
        doc.heading(L.t("目标达成情况", "Against the target"), 2)
        doc.bullets(lines)
    forest = _forest_png(tables, level, config, L)
    if forest is not None:
        lz, le = _level_names(config, level)
        doc.figure(forest, L.t(f"全市、各区及重点人群{lz}的公民比例（95%置信区间）",
                               f"Share with {le}: city, districts and key groups (95% CIs)"),
                   _sources(L, "assessment/headline_levels.csv", "districts.csv", "key_groups.csv"))


def _levels_section(doc, tables, config, L, level) -> None:
    df = tables["headline_levels"]
    header = [L.t("素质水平", "Level"), L.t("基线比例（95%CI）", "Baseline (95% CI)"),
              L.t("末期比例（95%CI）", "End of period (95% CI)"), L.t("变化，百分点（95%CI）", "Change, points (95% CI)")]
    rows = [[L.col(r, "level") or _text(r["level"]), _share_cell(r, "baseline"), _share_cell(r, "endline"),
             _change_cell(r, L)] for _, r in df.iterrows()]
    doc.heading(L.t("各素质水平", "Every literacy level"), 2)
    doc.table(L.t("全市各素质水平的公民比例", "City shares at every literacy level"), header, rows,
              _sources(L, "assessment/headline_levels.csv"),
              _suppression_notes(df, L, lambda r: L.col(r, "level")) + _reliability_note(df, L)
              + [L.t("各水平为累计比例：每一比例均包含更高水平。", "Levels are cumulative: each share includes the higher "
                                                                   "levels.")])


def _districts(doc, tables, config, L, level) -> None:
    lz, le = _level_names(config, level)
    doc.heading(L.t("二、各区", "2. Districts"), 1)
    df = tables["districts"]
    rows = df[df["level"].astype(str) == level]
    sentences = []
    for _, r in rows.iterrows():
        name = L.col(r, "label")
        if _missing(r.get("endline")):
            sentences.append(L.t(f"{name}：末期比例不予发布。", f"{name}: the end-of-period share is not published."))
            continue
        s = L.t(f"{name}：{_pct(r['endline'])}（{_ci(r.get('endline_ci_low'), r.get('endline_ci_high'))}）",
                f"{name}: {_pct(r['endline'])} ({_ci(r.get('endline_ci_low'), r.get('endline_ci_high'))})")
        if not _missing(r.get("change")):
            s += L.t(f"，较基线变化{_pp(r['change'])}个百分点", f", {_pp(r['change'])} points since the baseline")
        v = _verdict_text(r, L)
        s += L.t(f"；{v}。" if v else "。", f"; {v}." if v else ".")
        sentences.append(s)
    doc.bullets(sentences)
    _comparison_table(doc, df, level, L.t(f"各区{lz}的公民比例", f"Share with {le} by district"),
                      _sources(L, "assessment/districts.csv"), L, tables)
    _levels_section(doc, tables, config, L, level)
    if "demographics" in tables:
        doc.heading(L.t("人口特征分组", "Population groups"), 2)
        _comparison_table(doc, tables["demographics"], level,
                          L.t(f"按性别、年龄、受教育程度和城乡分组的{lz}比例",
                              f"Share with {le} by sex, age, education and residence"),
                          _sources(L, "assessment/demographics.csv"), L, tables, verdict=False)


def _groups(doc, tables, config, L, level) -> None:
    lz, le = _level_names(config, level)
    doc.heading(L.t("三、重点人群", "3. Key groups"), 1)
    doc.para(L.t("规划确定的重点人群及其牵头部门如下；人群按调查变量定义（见配置文件）。",
                 "The plan's key groups and their lead departments follow; membership is defined on survey "
                 "variables (see the config)."))
    df = tables["key_groups"]
    rows = df[df["level"].astype(str) == level].set_index(df[df["level"].astype(str) == level]["domain"].astype(str))
    doc.heading(L.t("各重点人群", "Group by group"), 2)
    for g in config["groups"]:
        name = g.get(L.lang) or g.get("zh") or g["code"]
        lead = g.get(f"lead_{L.lang}") or ""
        doc.heading(L.t(f"{name}（牵头部门：{lead}）", f"{name} (lead: {lead})"), 3)
        if g["code"] not in rows.index:
            doc.para(L.t("本次评估输出表中没有该人群的数据。", "The output tables hold no figures for this group."))
            continue
        r = rows.loc[g["code"]]
        if _missing(r.get("endline")):
            reason = _text(r.get("suppression_reason"))
            doc.para(L.t(f"末期比例不予发布（{reason or '样本量不足或估计不可靠'}）。",
                         f"The end-of-period share is not published ({reason or 'too few respondents or unreliable'})."))
            continue
        s = L.t(f"末期{lz}的比例为{_pct(r['endline'])}（95%置信区间 {_ci(r.get('endline_ci_low'), r.get('endline_ci_high'))}，"
                f"样本量 {_int(r.get('endline_n'))} 人）",
                f"End-of-period share {_pct(r['endline'])} (95% CI {_ci(r.get('endline_ci_low'), r.get('endline_ci_high'))}; "
                f"n = {_int(r.get('endline_n'))})")
        if not _missing(r.get("change")):
            s += L.t(f"，较基线变化{_pp(r['change'])}个百分点（{_pp_ci(r.get('change_ci_low'), r.get('change_ci_high'), L)}）",
                     f", a change of {_pp(r['change'])} points since the baseline "
                     f"({_pp_ci(r.get('change_ci_low'), r.get('change_ci_high'), L)})")
        v = _verdict_text(r, L)
        s += L.t(f"；{v}。" if v else "。", f"; {v}." if v else ".")
        doc.para(s)
    doc.heading(L.t("重点人群汇总表", "Key groups table"), 2)
    _comparison_table(doc, df, level, L.t(f"重点人群{lz}的公民比例", f"Share with {le} by key group"),
                      _sources(L, "assessment/key_groups.csv"), L, tables, lead=True)


def _scorecard(doc, tables, config, L) -> None:
    doc.heading(L.t("四、规划其他指标", "4. The plan's other indicators"), 1)
    df = tables["scorecard"]
    doc.para(L.t("以下指标由相关部门报告，不由调查测得。", "These indicators are reported by departments, not measured by "
                                                     "the survey."))
    header = [L.t("指标", "Indicator"), L.t("牵头部门", "Lead department"), L.t("目标", "Target"), L.t("实际", "Actual"),
              L.t("单位", "Unit"), L.t("状态", "Status")]
    rows = []
    for _, r in df.iterrows():
        comparison = _text(r.get("comparison")) or ">="
        rows.append([L.col(r, "indicator") or _text(r.get("indicator")), L.col(r, "lead"),
                     f"{'≤' if comparison == '<=' else '≥'} {_fixed(r.get('target'), 0) if _num(r.get('target')).is_integer() else _fixed(r.get('target'))}"
                     if not _missing(r.get("target")) else "",
                     _fixed(r.get("actual"), 0) if not math.isnan(_num(r.get("actual"))) and _num(r.get("actual")).is_integer()
                     else _fixed(r.get("actual")),
                     L.col(r, "unit"), L.col(r, "status") or _text(r.get("status"))])
    notes = []
    no_report = [L.col(r, "indicator") for _, r in df.iterrows() if str(r.get("status")) == "no_report"]
    if no_report:
        notes.append(L.t("未报告的指标实际值留空：" + "、".join(no_report) + "。",
                         "Indicators without a report have a blank actual: " + "; ".join(no_report) + "."))
    extra = sorted({_text(r.get("note")) for _, r in df.iterrows() if _text(r.get("note"))})
    notes += extra
    doc.table(L.t("规划其他量化指标完成情况", "The plan's other quantified targets"), header, rows,
              _sources(L, "assessment/scorecard.csv") + L.t("；目标值取自规划（配置文件），实际值取自各部门报送的 scorecard.csv。",
                                                          "; targets from the plan (config), actuals from the "
                                                          "departments' scorecard.csv."), notes)


def _drivers(doc, tables, config, L, level) -> None:
    doc.heading(L.t("五、影响因素与小区域估计", "5. What drives literacy, and small-area figures"), 1)
    # decomposition
    doc.heading(L.t("变化的构成（Kitagawa分解）", "What the change is made of (Kitagawa decomposition)"), 2)
    if "decomposition" in tables:
        d = tables["decomposition"]
        header = [L.t("素质水平", "Level"), L.t("变化（百分点）", "Change (points)"),
                  L.t("人口结构贡献", "Composition"), L.t("组内比例变化贡献", "Rates within cells"),
                  L.t("结构贡献占比", "Composition share")]
        rows = [[L.col(r, "label") or _text(r["level"]), _pp(r.get("change")), _pp(r.get("composition")),
                 _pp(r.get("rate")), _pct(r.get("composition_share"), 0)] for _, r in d.iterrows()]
        doc.table(L.t("全市变化的分解（受教育程度×年龄组）", "Decomposition of the city's change (education × age band)"),
                  header, rows, _sources(L, "assessment/decomposition.csv"),
                  [L.t("人口结构贡献＋组内比例变化贡献＝变化；点估计，无标准误。",
                       "Composition + rates = change; point estimates without standard errors.")])
    else:
        _missing_section(doc, L, "变化分解表", "decomposition", "assessment/decomposition.csv")
    # determinants
    doc.heading(L.t("影响因素（logistic回归）", "Determinants (logistic regression)"), 2)
    if "determinants" in tables:
        d = tables["determinants"]
        rounds = sorted(d["round"].astype(str).unique()) if "round" in d.columns else [""]
        rid = rounds[-1]
        d = d[d["round"].astype(str) == rid] if "round" in d.columns else d
        d = d[d["variable"].astype(str) != "(Intercept)"]
        header = [L.t("变量", "Variable"), L.t("类别", "Level"), L.t("比值比", "Odds ratio"),
                  L.t("95%置信区间", "95% CI"), L.t("P值", "p-value")]
        rows = [[_text(r.get("variable")), _text(r.get("level")), _fixed(r.get("odds_ratio")),
                 _ci(r.get("or_ci_low"), r.get("or_ci_high"), _fixed), _p(r.get("p_value"))] for _, r in d.iterrows()]
        doc.table(L.t(f"{rid}年具备科学素质的影响因素（比值比）", f"Determinants of literacy in {rid} (odds ratios)"), header,
                  rows, _sources(L, "assessment/determinants.csv"),
                  [L.t("设计加权logistic回归（准二项），各类别与参照类别比较；比值比>1表示更可能具备科学素质。",
                       "Design-weighted logistic regression (quasi-binomial); each level against the reference; an "
                       "odds ratio above 1 means more likely to be literate.")])
    else:
        _missing_section(doc, L, "影响因素回归表", "determinants table", "assessment/determinants.csv")
    doc.heading(L.t("关联检验", "Tests of association"), 2)
    if "associations" in tables:
        a = tables["associations"]
        header = ([L.t("轮次", "Round")] if "round" in a.columns else []) + [
            L.t("分类", "Breakdown"), L.t("F统计量", "F statistic"), L.t("分子自由度", "ndf"),
            L.t("分母自由度", "ddf"), L.t("P值", "p-value")]
        rows = [([_text(r.get("round"))] if "round" in a.columns else []) +
                [_text(r.get("breakdown")), _fixed(r.get("statistic")), _fixed(r.get("ndf")), _fixed(r.get("ddf"), 1),
                 _p(r.get("p_value"))] for _, r in a.iterrows()]
        doc.table(L.t("科学素质与各分类变量的关联（Rao–Scott检验）", "Association of literacy with each breakdown "
                                                                   "(Rao–Scott test)"),
                  header, rows, _sources(L, "assessment/associations.csv"),
                  [L.t("Rao–Scott二阶校正F检验，考虑复杂抽样设计。",
                       "Rao–Scott second-order corrected F test, accounting for the survey design.")])
    else:
        _missing_section(doc, L, "关联检验表", "association tests", "assessment/associations.csv")
    # small area
    doc.heading(L.t("小区域估计", "Small-area figures"), 2)
    if "small_area" in tables:
        _small_area(doc, tables["small_area"], L, level)
    else:
        _missing_section(doc, L, "小区域估计表", "small-area table", "assessment/small_area.csv")
    # IRT-linked scale
    doc.heading(L.t("等值量尺上的变化", "Change on the linked (IRT) scale"), 2)
    if "change_linked" in tables:
        _linked(doc, tables, L, level)
    else:
        _missing_section(doc, L, "等值量尺变化表", "linked-scale change table", "assessment/change_linked.csv")


def _first(df: pd.DataFrame, *names: str) -> str | None:
    return next((n for n in names if n in df.columns), None)


def _small_area(doc, sa: pd.DataFrame, L: _L, level: str) -> None:
    """The latest round's small-area cells at the headline level: direct and model-based figures,
    the published one marked ᴹ when it is model-based (``source`` = model, 模型估计)."""
    rid = sorted(sa["round"].astype(str).unique())[-1] if "round" in sa.columns else ""
    rows_df = sa[sa["round"].astype(str) == rid] if "round" in sa.columns else sa
    if "level" in rows_df.columns:
        rows_df = rows_df[rows_df["level"].astype(str) == level]
    direct = _first(rows_df, "direct", "direct_estimate")
    model = _first(rows_df, "model_estimate", "model", "eblup")
    rmse = _first(rows_df, "model_rmse", "rmse")
    rel = _first(rows_df, "reliability", "direct_reliability")
    lo = _first(rows_df, "published_ci_low", "ci_low")
    hi = _first(rows_df, "published_ci_high", "ci_high")
    header = [L.t("单元", "Cell"), L.t("直接估计", "Direct"), L.t("直接估计可靠性", "Direct reliability"),
              L.t("模型估计", "Model-based"), L.t("RMSE", "RMSE"), L.t("发布值（95%CI）", "Published (95% CI)"),
              L.t("来源", "Source")]
    rows, marked = [], 0
    for _, r in rows_df.iterrows():
        src = _text(r.get("source"))
        is_model = src.startswith("model")
        marked += is_model
        name = L.col(r, "label") or _text(r.get("cell", r.get("domain")))
        pub = _pct(r.get("published"))
        ci = _ci(r.get(lo), r.get(hi)) if lo and hi else ""
        published = "" if not pub else pub + ("ᴹ" if is_model else "") + (f"\n({ci})" if ci else "")
        source = (L.col(r, "source") or _text(r.get("source_label")) or
                  (L.t("模型估计", "model-based (模型估计)") if is_model else
                   L.t("直接估计", "direct") if src == "direct" else L.t("不予发布", "not published")))
        rows.append([name, _pct(r.get(direct)) if direct else "", _text(r.get(rel)) if rel else "",
                     _pct(r.get(model)) if model else "", _pct(r.get(rmse)) if rmse else "", published, source])
    notes = [L.t("标注“ᴹ”的发布值为模型估计（模型估计，Fay–Herriot模型）：直接估计不可靠或不予发布时采用；"
                 "RMSE为模型估计的均方根误差；发布值空白表示两种估计均不予发布。",
                 "Published figures marked ᴹ are model-based (模型估计, Fay–Herriot model), used where the direct "
                 "estimate is unreliable or suppressed; RMSE is the model-based estimate's root mean squared error; "
                 "a blank published figure means neither is published.")]
    if not marked:
        notes.append(L.t("本轮所有发布值均为直接估计。", "Every published figure of this round is a direct estimate."))
    doc.table(L.t(f"{rid}年小区域估计", f"Small-area figures, {rid}"), header, rows,
              _sources(L, "assessment/small_area.csv"), notes, [3.2, 1.9, 2.0, 1.9, 1.6, 3.2, 2.4])


def _linked(doc, tables, L: _L, level: str) -> None:
    ch = tables["change_linked"]
    if "level" in ch.columns:
        ch = ch[ch["level"].astype(str) == level]
    if "breakdown" in ch.columns:   # the city, the districts and the key groups
        ch = ch[ch["breakdown"].astype(str).isin(["city", "district", "group"])]
    header = [L.t("子总体", "Domain"), L.t("变化（百分点）", "Change (points)"), L.t("抽样标准误", "SE sampling"),
              L.t("插补标准误", "SE imputation"), L.t("等值标准误", "SE linking"), L.t("总标准误", "SE total"),
              L.t("95%CI", "95% CI"), L.t("可比", "Comparable")]
    rows = []
    for _, r in ch.iterrows():
        comparable = r.get("comparable")
        rows.append([L.col(r, "label") or _text(r.get("domain")), _pp(r.get("change")), _fixed(100 * _num(r.get("se_sampling"))),
                     _fixed(100 * _num(r.get("se_imputation"))), _fixed(100 * _num(r.get("se_linking"))),
                     _fixed(100 * _num(r.get("se_total"))), _pp_ci(r.get("ci_low"), r.get("ci_high"), L),
                     "" if _missing(comparable) else (L.t("是", "yes") if _flag(comparable) else L.t("否", "no"))])
    notes = [L.t("项目反应理论等值量尺上的变化，基于合理值（plausible values）；总标准误合并抽样、插补和等值误差；"
                 "抽样误差含校准误差（项目参数、等值与合格线由同一样本估计）；标准误单位为百分点。",
                 "Change on the IRT-linked scale from plausible values; the total SE combines sampling, imputation "
                 "and linking error; the sampling error includes the calibration's (item parameters, link and cut "
                 "estimated from the same samples); SEs in percentage points.")]
    if "estimates_linked" in tables:
        el = tables["estimates_linked"]
        notes.append(L.t(f"各轮等值量尺估计见 <round>/estimates_linked.csv（{len(el)}行，含合理值个数与缺失信息比例fmi）。",
                         f"The per-round linked estimates are in <round>/estimates_linked.csv ({len(el)} rows, with "
                         f"the number of plausible values and the fraction of missing information)."))
    doc.table(L.t("等值量尺上的变化及其误差构成", "Change on the linked scale and its error components"), header, rows,
              _sources(L, "assessment/change_linked.csv"), notes)


def _methodology(doc, tables, config, L) -> None:
    doc.heading(L.t("六、方法与数据质量", "6. Methodology and data quality"), 1)
    m = tables["methodology"]
    rounds = [str(r["id"]) for r in config["rounds"]]
    sections = [("sample", "样本与应答率", "Sample and response rates"), ("design", "抽样设计", "Sampling design"),
                ("weighting", "加权", "Weighting"), ("estimation", "估计方法", "Estimation"),
                ("reliability", "可靠性规则", "Reliability rules"), ("scoring", "评分规则", "Scoring")]
    for code, zh, en in sections:
        part = m[m["section"].astype(str) == code]
        if not len(part):
            continue
        doc.heading(L.t(zh, en), 2)
        per_round = part[part["round"].notna() & (part["round"].astype(str) != "")]
        whole = part[~part.index.isin(per_round.index)]
        if len(per_round):
            items = list(dict.fromkeys(per_round["item"].astype(str)))
            header = [L.t("项目", "Item")] + [L.t(f"{r}年", r) for r in rounds]
            rows = []
            for item in items:
                sub = per_round[per_round["item"].astype(str) == item]
                row = [L.col(sub.iloc[0], "label")]
                for rid in rounds:
                    hit = sub[sub["round"].astype(str) == rid]
                    if not len(hit):
                        row.append("")
                        continue
                    v = _num(hit.iloc[0].get("value"))
                    if math.isnan(v):
                        row.append(_text(hit.iloc[0].get("text")))
                    elif "rate" in item or item.startswith("share"):
                        row.append(_pct(v))
                    elif float(v).is_integer():
                        row.append(f"{int(v):,}")
                    else:
                        row.append(f"{v:.3g}")
                rows.append(row)
            doc.table(L.t(zh, en), header, rows, _sources(L, "assessment/methodology.csv"), [])
        for _, r in whole.iterrows():
            v, t = _num(r.get("value")), _text(r.get("text"))
            value = t or ("" if math.isnan(v) else f"{v:g}")
            doc.para(f"{L.col(r, 'label')}{L.t('：', ': ')}{value}")
    # suppressed cells, and why
    doc.heading(L.t("不予发布的单元格", "Cells not published"), 2)
    listed = []
    for name in ("headline_levels", "districts", "key_groups", "demographics"):
        df = tables.get(name)
        if df is None:
            continue
        for _, r in df.iterrows():
            if _flag(r.get("suppressed")):
                listed.append(f"{L.col(r, 'label')} · {L.col(r, 'level') or _text(r.get('level'))}"
                              f"{L.t('：', ': ')}{_text(r.get('suppression_reason'))}")
    if listed:
        doc.para(L.t("以下单元格因样本量低于最小发布样本量或按NCHS标准不可靠而留空（不予发布）：",
                     "These cells are blank (not published): fewer respondents than the minimum, or unreliable by "
                     "the NCHS standards:"))
        doc.bullets(listed)
    else:
        doc.para(L.t("本报告各表中没有不予发布的单元格。", "No cell of the report's tables is suppressed."))
    doc.para(L.t("各区内重点人群（区×重点人群）的估计样本量较小，见 assessment/district_groups.csv 及其可靠性标识。",
                 "Key groups within districts have small samples: see assessment/district_groups.csv and its "
                 "reliability flags."))


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
    L = _L(language)
    level = _headline(tables["headline"]).get("level") or config["scoring"]["headline"]
    doc = _Doc(L)
    a = config["assessment"]
    props = doc.doc.core_properties
    props.title = f"{a.get('name_' + language) or a.get('name_zh', '')} {L.t('终期评估报告', 'evaluation report')}"
    props.author = props.last_modified_by = "literacy"
    props.created = props.modified = props.last_printed = _FIXED_DATE
    props.revision = 1
    props.language = "zh-CN" if language == "zh" else "en-GB"
    _title_page(doc, config, tables, L)
    anchor = _toc(doc, L)
    _summary(doc, tables, config, L, level)
    _districts(doc, tables, config, L, level)
    _groups(doc, tables, config, L, level)
    _scorecard(doc, tables, config, L)
    _drivers(doc, tables, config, L, level)
    _methodology(doc, tables, config, L)
    _fill_toc(doc, anchor, toc_field)
    return doc.doc


def report_bytes(tables: Mapping[str, pd.DataFrame], config: dict, language: str = "zh",
                 toc_field: bool = True) -> bytes:
    """:func:`build_report` saved as ``.docx`` bytes, the same bytes for the same tables.

    The document properties carry a fixed date and the zip entries fixed times
    (``literacy_flows.io``'s normalisation, as for the Excel workbook).
    """
    from literacy_flows import io as fio

    buf = io.BytesIO()
    build_report(tables, config, language, toc_field).save(buf)
    return fio._normalise_zip(buf.getvalue())


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
        Also render ``assessment/report_zh.pdf`` with LibreOffice where it is installed
        (from the same document, its contents with computed page numbers: ``toc_field=False``).

    Returns
    -------
    (list of Path, str or None)
        The files written, and a one-line message when the PDF was skipped (None otherwise).
    """
    import tempfile

    from literacy_flows import io as fio
    from literacy_flows import report_pdf as rpdf

    folder = Path(processed_dir) / "assessment"
    tables = read_report_tables(processed_dir, config)
    written = [fio.atomic_write_bytes(folder / f"report_{lang}.docx", report_bytes(tables, config, lang))
               for lang in languages]
    if not pdf:
        return written, None
    if rpdf.soffice() is None:
        return written, f"report_zh.pdf skipped: LibreOffice is not installed ({rpdf.INSTALL_HINT})"
    with tempfile.TemporaryDirectory(prefix="literacy-report-") as tmp:
        src = Path(tmp) / "report_zh.docx"
        src.write_bytes(report_bytes(tables, config, "zh", toc_field=False))
        try:
            written.append(rpdf.docx_to_pdf(src, folder / "report_zh.pdf"))
        except rpdf.PdfError as exc:   # the documents stand; the run does not fail over the PDF
            (folder / "report_zh.pdf").unlink(missing_ok=True)
            return written, f"report_zh.pdf not written: {exc}"
    return written, None


def docx_text(data: bytes | os.PathLike) -> str:
    """Every paragraph's text of a ``.docx`` (body and tables), one a line (for checks and tests)."""
    import docx

    d = docx.Document(io.BytesIO(data) if isinstance(data, bytes) else str(data))
    lines = [p.text for p in d.paragraphs]
    for t in d.tables:
        for row in t.rows:
            lines.append(" | ".join(c.text for c in row.cells))
    return "\n".join(lines)



