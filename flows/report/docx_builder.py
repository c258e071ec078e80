"""The report's python-docx primitives: fonts and styles, page setup, fields, and
:class:`ReportDocument` (headings with bookmarks, paragraphs, tables with their source and
notes, figures, page breaks).
"""

from __future__ import annotations

import io

import docx
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt, RGBColor

from literacy_flows.report.document_text import Language, SOURCE

__all__ = ["FONT", "TEXT_WIDTH_CM", "set_font", "add_field", "set_styles", "page_setup", "ReportDocument"]

FONT = "Noto Sans CJK SC"                         # Debian's fonts-noto-cjk; LibreOffice falls back otherwise
TEXT_WIDTH_CM = 16.6                              # A4 less 22 mm margins


def set_font(style_or_run, size=None, bold=None, color=None) -> None:
    """Set the Latin and East Asian font (theme fonts removed) of a style or a run."""
    font = style_or_run.font
    font.name = FONT
    if size is not None:
        font.size = Pt(size)
    if bold is not None:
        font.bold = bold
    if color is not None:
        font.color.rgb = RGBColor.from_string(color)
    rpr = style_or_run.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), FONT)


def add_field(paragraph, instruction: str, placeholder: str = "") -> None:
    """A complex field (PAGE, NUMPAGES, ...) in a paragraph, with a cached result."""
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


def set_styles(doc, chinese: bool) -> None:
    """Fonts and sizes of the styles the report uses (a real heading hierarchy)."""
    styles = doc.styles
    set_font(styles["Normal"], size=10.5)
    # East Asian text is Simplified Chinese (the font's SC glyph forms); numbers and Latin text are
    # English in both documents: LibreOffice breaks a line inside a number ("+2.⏎9", "22.6⏎%") when
    # the Western language is Chinese, and never with English rules (ICU: NU × IS, NU × PO).
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), "en-GB")
    lang.set(qn("w:eastAsia"), "zh-CN")
    styles["Normal"].element.get_or_add_rPr().append(lang)
    styles["Normal"].paragraph_format.space_after = Pt(6)
    styles["Normal"].paragraph_format.line_spacing = 1.25
    for name, size in (("Title", 24), ("Subtitle", 14), ("Heading 1", 16), ("Heading 2", 13), ("Heading 3", 11.5),
                       ("Caption", 9.5)):
        set_font(styles[name], size=size, bold=name.startswith("Heading") or name == "Title", color="1F3864")
    styles["Caption"].font.italic = False
    for i, indent in ((1, 0), (2, 0.6), (3, 1.2)):
        name = f"TOC {i}"
        try:
            st = styles[name]
        except KeyError:
            st = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
            st.base_style = styles["Normal"]

        st.paragraph_format.left_indent = Cm(indent)
        st.paragraph_format.space_after = Pt(2)
    note = styles.add_style("Table Note", WD_STYLE_TYPE.PARAGRAPH)
    note.base_style = styles["Normal"]
    set_font(note, size=8.5, color="404040")
    note.paragraph_format.space_after = Pt(10)
    cell = styles.add_style("Table Text", WD_STYLE_TYPE.PARAGRAPH)
    cell.base_style = styles["Normal"]
    set_font(cell, size=8.5)
    cell.paragraph_format.space_after = Pt(0)
    cell.paragraph_format.line_spacing = 1.0


def page_setup(doc) -> None:
    """A4 portrait, page numbers in the footer (none on the title page)."""
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(22)
    section.top_margin = section.bottom_margin = Mm(22)
    section.different_first_page_header_footer = True
    par = section.footer.paragraphs[0]
    par.alignment = WD_ALIGN_PARAGRAPH.CENTER
    par.style = doc.styles["Table Note"]
    par.paragraph_format.space_after = 0
    add_field(par, "PAGE", "1")


class ReportDocument:
    """The document being drafted: headings, paragraphs, numbered tables and figures with notes."""

    def __init__(self, L: Language):
        self.L = L
        self.doc = docx.Document()
        set_styles(self.doc, L.lang == "zh")
        page_setup(self.doc)
        self.tables = 0
        self.figures = 0
        self.headings: list[tuple[int, str]] = []

    def heading(self, text: str, level: int) -> None:
        """A heading (style Heading 1/2/3) with a bookmark the table of contents points to."""
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
        """A paragraph (optionally in a named style, bold).

        Parameters
        ----------
        text : str
        style : str, optional
        bold : bool

        Returns
        -------
        docx.text.paragraph.Paragraph
        """
        p = self.doc.add_paragraph(style=style)
        run = p.add_run(text)
        if bold:
            run.bold = True
        return p

    def bullets(self, lines: list[str]) -> None:
        """A bulleted list, one line an item.

        Parameters
        ----------
        lines : list of str
        """
        for line in lines:
            self.para(line, style="List Bullet")

    def table(self, title: str, header: list[str], rows: list[list[str]], source: str, notes: list[str],
              widths: list[float] | None = None) -> None:
        """A numbered table: caption above, header row repeated on every page, notes and source below."""
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
            scale = min(1.0, TEXT_WIDTH_CM / sum(widths))
            t.autofit = False
            for c, w in enumerate(widths):
                t.columns[c].width = Cm(w * scale)
                for row in t.rows:
                    row.cells[c].width = Cm(w * scale)
        for note in notes:
            self.para(note, style="Table Note")
        self.para(f"{SOURCE[L.lang]}{'：' if L.lang == 'zh' else ': '}{source}", style="Table Note")

    def figure(self, png: bytes, title: str, source: str, width_cm: float = 16.0) -> None:
        """A figure (PNG) with its numbered title above and source below.

        Parameters
        ----------
        png : bytes
        title : str
        source : str
        width_cm : float
        """
        self.figures += 1
        L = self.L
        self.doc.add_picture(io.BytesIO(png), width=Cm(width_cm))
        self.doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
        self.para(L.t(f"图{self.figures}　{title}", f"Figure {self.figures}. {title}"), style="Caption", bold=True)
        self.para(f"{SOURCE[L.lang]}{'：' if L.lang == 'zh' else ': '}{source}", style="Table Note")

    def page_break(self) -> None:
        """A page break."""
        self.doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


