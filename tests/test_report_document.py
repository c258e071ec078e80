"""The evaluation report (终期评估报告): drafted from small fixture tables, rendered as a reader sees it.

Most tests build the document from fixture tables with the output tables' columns (no flow
run): the summary's numbers are those of the headline table, a changed headline number
changes the document, the same tables give the same bytes, a missing optional table leaves its
section out with a sentence, present ones are rendered, a suppressed headline or cell is not
published. The rendering tests convert the document with LibreOffice and read the PDF with
poppler (fonts embedded and CJK, no missing glyphs, the summary's text and the contents' page
numbers, pages rendered to PNG); they skip, naming the tool, where it is not installed
(``.ci/run`` installs them).
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from literacy.assessment import validate_config
from literacy_flows.report import document as rd
from literacy_flows.report import pdf as rpdf

CONFIG = Path(__file__).resolve().parents[1] / "config" / "wuhai.yaml"
LEVELS = ["literate", "advanced", "basic"]


@pytest.fixture(scope="module")
def config() -> dict:
    return validate_config(yaml.safe_load(CONFIG.read_text(encoding="utf-8")))


# --------------------------------------------------------------------------- fixture tables
HEADLINE = {"level": "literate", "baseline_round": "2020", "baseline": "0.0931", "baseline_ci_low": "0.0842",
            "baseline_ci_high": "0.1029", "endline_round": "2025", "endline": "0.11962",
            "endline_se": "0.0058", "endline_ci_low": "0.10871", "endline_ci_high": "0.13147",
            "endline_n": "4562", "change": "0.02652", "change_ci_low": "0.01127", "change_ci_high": "0.04177",
            "change_p_value": "0.00068", "target": "0.12", "verdict": "inconclusive", "verdict_zh": "无法判定",
            "national_rate": "0.1537", "national_year": "2024", "versus_national": "below",
            "summary_zh": "…", "summary_en": "…"}


def _headline(**changes) -> pd.DataFrame:
    values = {**HEADLINE, **changes}
    return pd.DataFrame({"key": list(values), "label_zh": list(values), "label_en": list(values),
                         "value": [None if v is None else str(v) for v in values.values()]})


def _evaluator(breakdown: str, domains: list[tuple[str, str, str]], base: float, verdict: bool = True,
               lead: dict | None = None, suppress: str | None = None) -> pd.DataFrame:
    """Rows with the evaluator tables' columns; ``suppress`` blanks that domain's 2025 values."""
    rows = []
    for k, (code, zh, en) in enumerate(domains):
        for j, level in enumerate(LEVELS):
            b = base * (1 + 0.15 * k) * (0.5 if level == "advanced" else 2.0 if level == "basic" else 1)
            e = b + 0.021 + 0.003 * k
            row = {"breakdown": breakdown, "domain": code, "label_zh": zh, "label_en": en, "level": level,
                   "level_zh": {"literate": "具备科学素质", "advanced": "具备高阶科学素质", "basic": "基本具备科学素质"}[level],
                   "level_en": level, "baseline_round": "2020", "baseline": b, "baseline_se": 0.006,
                   "baseline_ci_low": b - 0.012, "baseline_ci_high": b + 0.013, "baseline_n": 1500 + 10 * k,
                   "baseline_reliability": "present", "endline_round": "2025", "endline": e, "endline_se": 0.006,
                   "endline_ci_low": e - 0.012, "endline_ci_high": e + 0.013, "endline_n": 1400 + 10 * k,
                   "endline_reliability": "review" if k == 1 else "present", "change": e - b, "change_se": 0.008,
                   "change_ci_low": e - b - 0.016, "change_ci_high": e - b + 0.016, "change_p_value": 0.01,
                   "reliability_reason": "", "suppressed": False, "suppression_reason": None}
            if lead is not None:
                row["lead_zh"], row["lead_en"] = lead[code]
            if verdict:
                v = ("met", "inconclusive", "not_met")[k % 3] if level == "literate" else None
                row.update({"target": 0.12 if v else np.nan, "verdict": v,
                            "verdict_zh": {"met": "有把握达到目标", "inconclusive": "无法判定", "not_met": "未达到目标"}.get(v),
                            "verdict_en": {"met": "met with confidence", "inconclusive": "inconclusive",
                                           "not_met": "not met"}.get(v),
                            "national_rate": 0.1537 if v else np.nan, "national_year": "2024" if v else None,
                            "gap_to_national": e - 0.1537 if v else np.nan, "versus_national": "below" if v else None})
            if code == suppress:
                for c in ("endline", "endline_se", "endline_ci_low", "endline_ci_high", "change", "change_se",
                          "change_ci_low", "change_ci_high", "change_p_value"):
                    row[c] = np.nan
                row.update({"suppressed": True, "endline_reliability": "suppress",
                            "suppression_reason": "2025: fewer than 30 respondents (n = 21)"})
                if verdict and row.get("verdict"):
                    row.update({"verdict": "suppressed", "verdict_zh": "不予发布", "verdict_en": "suppressed"})
            rows.append(row)
    return pd.DataFrame(rows)


def _tables(config: dict, optional: bool = False, **headline) -> dict[str, pd.DataFrame]:
    districts = [(c, *config["survey"]["labels"]["district"][c]) for c in ("haibowan", "hainan", "wuda")]
    groups = [(g["code"], g["zh"], g["en"]) for g in config["groups"]]
    leads = {g["code"]: (g["lead_zh"], g["lead_en"]) for g in config["groups"]}
    city = _evaluator("city", [("all", "全市", "City")], 0.0931)
    city.loc[city["level"] == "literate", ["baseline", "endline"]] = [0.0931, 0.11962]
    tables = {
        "headline": _headline(**headline),
        "headline_levels": city,
        "districts": _evaluator("district", districts, 0.08, suppress="wuda"),
        "key_groups": _evaluator("group", groups, 0.05, lead=leads),
        "scorecard": pd.DataFrame({
            "indicator": ["popsci_bases", "volunteers"], "indicator_zh": ["科普基地", "科技志愿者"],
            "indicator_en": ["Popular-science bases", "Science volunteers"], "lead_zh": ["科协", "科协"],
            "lead_en": ["Association for Science and Technology"] * 2, "reported_by_zh": ["科协", None],
            "reported_by_en": ["CAST", None], "period": ["2021-2025"] * 2, "comparison": [">=", ">="],
            "target": [10.0, 1000.0], "actual": [12.0, np.nan], "unit_zh": ["个", "人"], "unit_en": ["bases", "people"],
            "gap": [2.0, np.nan], "status": ["met", "no_report"], "status_zh": ["达标", "未报告"],
            "status_en": ["met", "no report"], "note": ["illustrative figures (simulated)", None]}),
        "methodology": pd.DataFrame({
            "section": ["sample", "sample", "sample", "sample", "weighting", "reliability"],
            "item": ["respondents:all", "respondents:all", "response_rate:all", "response_rate:all", "deff", "min_n"],
            "label_zh": ["有效受访者数（全市）", "有效受访者数（全市）", "应答率（全市）", "应答率（全市）", "加权设计效应", "最小发布样本量"],
            "label_en": ["Respondents (city)", "Respondents (city)", "Response rate (city)", "Response rate (city)",
                         "Weighting design effect", "Minimum n"],
            "round": ["2020", "2025", "2020", "2025", "2025", None],
            "value": [4426.0, 4562.0, 0.7316, 0.7461, 1.32, 30.0], "text": [None] * 6}),
    }
    if optional:
        tables.update(_optional_tables(config))
    return tables


def _optional_tables(config: dict) -> dict[str, pd.DataFrame]:
    change = pd.DataFrame({"breakdown": ["district"] * 3, "domain": ["haibowan", "hainan", "wuda"],
                           "level": ["literate"] * 3, "p_value": [0.01, 0.2, np.nan],
                           "p_value_bh": [0.0213, 0.3, np.nan], "significant_bh": [True, False, None]})
    return {
        "change": change,
        "determinants": pd.DataFrame({
            "round": ["2025"] * 3, "term": ["(Intercept)", "C(sex)[T.male]", "C(education)[T.bachelor_plus]"],
            "variable": ["(Intercept)", "sex", "education"], "level": ["", "male", "bachelor_plus"],
            "estimate": [-2.1, 0.12, 1.4], "se": [0.1, 0.05, 0.2], "odds_ratio": [0.122, 1.1275, 4.0552],
            "or_ci_low": [0.1, 1.02, 2.74], "or_ci_high": [0.15, 1.24, 6.01], "p_value": [0.0, 0.0173, 0.00001]}),
        "associations": pd.DataFrame({"breakdown": ["district", "education"], "statistic": [7.4321, 88.1],
                                      "ndf": [1.93, 3.7], "ddf": [1776.4, 3402.1], "p_value": [0.00071, 0.0]}),
        "small_area": pd.DataFrame({   # the columns of literacy_schemas.small_area_schema (a subset)
            "round": ["2025"] * 3, "breakdown": ["district+group"] * 3,
            "domain": ["wuda+elderly", "haibowan+youth", "hainan+cadres"], "level": ["literate"] * 3,
            "label_zh": ["乌达区·老年人", "海勃湾区·青少年", "海南区·领导干部"],
            "label_en": ["Wuda, elderly", "Haibowan, youth", "Hainan, cadres"],
            "direct": [np.nan, 0.2311, np.nan], "reliability": ["suppress", "present", "suppress"],
            "suppressed": [True, False, True], "model_estimate": [0.0347, 0.2254, np.nan],
            "model_rmse": [0.0112, 0.0189, np.nan], "model_cv": [0.32, 0.084, np.nan], "gamma": [0.21, 0.78, np.nan],
            "published": [0.0347, 0.2311, np.nan], "published_ci_low": [0.016, 0.19, np.nan],
            "published_ci_high": [0.061, 0.265, np.nan], "source": ["model", "direct", "none"],
            "source_zh": ["模型估计", "直接估计", "不予发布"], "source_en": ["model-based", "direct", "not published"]}),
        "change_linked": pd.DataFrame({
            "breakdown": ["city"], "domain": ["all"], "label_zh": ["全市"], "label_en": ["City"], "level": ["literate"],
            "change": [0.0241], "se_sampling": [0.0074], "se_imputation": [0.0021], "se_linking": [0.0043],
            "se_total": [0.0088], "ci_low": [0.0069], "ci_high": [0.0413], "p_value": [0.006], "comparable": [True]}),
        "estimates_linked": pd.DataFrame({"round": ["2025"], "breakdown": ["city"], "domain": ["all"],
                                          "level": ["literate"], "estimate": [0.118], "pv_count": [10],
                                          "fmi": [0.12]}),
    }


# --------------------------------------------------------------------------- reading the document
def _docx(data: bytes):
    import docx

    return docx.Document(io.BytesIO(data))


def _section(d, first: str) -> list[str]:
    """The paragraphs' texts under the Heading 1 starting with ``first``, up to the next Heading 1."""
    out, inside = [], False
    for p in d.paragraphs:
        if p.style.name == "Heading 1":
            inside = p.text.startswith(first)
            continue
        if inside and p.text:
            out.append(p.text)
    return out


def _expected_numbers(head: dict) -> set[str]:
    pct = {f"{100 * float(head[k]):.1f}%" for k in ("endline", "endline_ci_low", "endline_ci_high", "baseline",
                                                   "target", "national_rate")}
    pp = {f"{100 * float(head[k]):+.1f}".replace("-", "−") for k in ("change", "change_ci_low", "change_ci_high")}
    return pct | pp


def _summary_sentences(d, language: str) -> list[str]:
    """The generated headline sentences: the summary's paragraphs before its first subsection."""
    first = "一、主要发现" if language == "zh" else "1. Summary"
    out, inside = [], False
    for p in d.paragraphs:
        if p.style.name == "Heading 1":
            inside = p.text.startswith(first)
        elif inside and p.style.name.startswith("Heading"):
            break
        elif inside and p.text:
            out.append(p.text)
    return out[:4]


@pytest.mark.parametrize("language", ["zh", "en"])
def test_summary_numbers_equal_the_headline_table(config, language):
    tables = _tables(config)
    d = _docx(rd.report_bytes(tables, config, language))
    text = " ".join(_summary_sentences(d, language))
    expected = _expected_numbers(HEADLINE)
    for number in expected:
        assert number in text, f"{number} (headline.csv) is not in the summary: {text}"
    found = set(re.findall(r"\d+\.\d%", text)) | set(re.findall(r"[+−]\d+\.\d(?!\d*%)", text))
    assert found <= expected, f"numbers in the summary that headline.csv does not hold: {found - expected}"
    assert "4,562" in text and ("P<0.001" in text or "p < 0.001" in text)
    assert ("无法判定" in text) if language == "zh" else ("inconclusive" in text)


def test_a_changed_headline_number_changes_the_document(config):
    before = rd.report_bytes(_tables(config), config, "zh")
    after_tables = _tables(config, endline="0.14321", endline_ci_low="0.1302", endline_ci_high="0.1571",
                           verdict="met")
    after = rd.report_bytes(after_tables, config, "zh")
    assert before != after
    text = " ".join(_summary_sentences(_docx(after), "zh"))
    assert "14.3%" in text and "13.0%–15.7%" in text and "有把握达到目标" in text
    assert "12.0%（" not in text and "10.9%" not in text


def test_same_tables_give_the_same_bytes_with_fixed_properties(config):
    tables = _tables(config, optional=True)
    a, b = rd.report_bytes(tables, config, "zh"), rd.report_bytes(tables, config, "zh")
    assert a == b
    d = _docx(a)
    assert d.core_properties.created.year == 2000 and d.core_properties.modified.year == 2000
    with zipfile.ZipFile(io.BytesIO(a)) as z:
        assert {i.date_time for i in z.infolist()} == {(2000, 1, 1, 0, 0, 0)}


def test_structure_headings_contents_field_page_numbers_and_fonts(config):
    data = rd.report_bytes(_tables(config), config, "zh")
    d = _docx(data)
    styles = {p.style.name for p in d.paragraphs}
    assert {"Title", "Heading 1", "Heading 2", "Heading 3", "Caption", "TOC 1", "TOC 2", "TOC 3"} <= styles
    h1 = [p.text for p in d.paragraphs if p.style.name == "Heading 1"]
    assert [t[:2] for t in h1] == ["一、", "二、", "三、", "四、", "五、", "六、", "七、"]
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        body = z.read("word/document.xml").decode("utf-8")
        footers = "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("word/footer"))
        settings = z.read("word/settings.xml").decode("utf-8")
        style_xml = z.read("word/styles.xml").decode("utf-8")
    assert 'TOC \\o "1-3"' in body and body.count("PAGEREF _Toc") == sum(
        p.style.name.startswith("Heading") for p in d.paragraphs)
    assert " PAGE " in footers and "updateFields" in settings
    assert 'w:eastAsia="Noto Sans CJK SC"' in style_xml and 'w:eastAsia="zh-CN"' in style_xml
    # every key group has its lead department in its heading
    h3 = [p.text for p in d.paragraphs if p.style.name == "Heading 3"]
    for g in config["groups"]:
        assert any(g["zh"] in t and g["lead_zh"] in t for t in h3), g["code"]
    # a figure, and every table has a numbered caption and a source note after it
    assert len(d.inline_shapes) >= 1
    captions = [p.text for p in d.paragraphs if p.style.name == "Caption" and p.text.startswith("表")]
    assert len(captions) == len(d.tables) and len(d.tables) >= 5
    notes = [p.text for p in d.paragraphs if p.style.name == "Table Note" and p.text.startswith("资料来源")]
    assert len(notes) >= len(d.tables) + len(d.inline_shapes)


def test_missing_optional_tables_leave_their_sections_out_with_a_sentence(config):
    zh = rd.docx_text(rd.report_bytes(_tables(config), config, "zh"))
    for f in ("assessment/determinants.csv", "assessment/associations.csv", "assessment/small_area.csv",
              "assessment/change_linked.csv", "assessment/decomposition.csv"):
        assert f"{f} 不存在），本节从略" in zh, f
    en = rd.docx_text(rd.report_bytes(_tables(config), config, "en"))
    assert "(assessment/small_area.csv is absent), so this section is left out" in en
    assert "BH-adjusted" not in en and "BH校正" not in zh


def test_optional_tables_are_rendered_where_they_exist(config):
    zh = rd.docx_text(rd.report_bytes(_tables(config, optional=True), config, "zh"))
    assert "本节从略" not in zh.replace("（assessment/decomposition.csv 不存在），本节从略", "")
    assert "4.06 | 2.74 – 6.01" in zh                       # determinants: odds ratio and CI, intercept left out
    assert "(Intercept)" not in zh
    assert "区 | 7.43 | 1.93 | 1776.4 | <0.001" in zh   # Rao–Scott test, the variable's name not its code
    assert "乌达区·老年人 |  | 不予发布 | 3.5% | 1.1% | 3.5%ᴹ\n(1.6% – 6.1%) | 模型估计" in zh   # small area, reliability in words
    assert "23.1%\n(19.0% – 26.5%) | 直接估计" in zh and "海南区·领导干部 |  | 不予发布 |  |  |  | 不予发布" in zh
    assert "+2.4 | 0.74 | 0.21 | 0.43 | 0.88" in zh           # linked change and its SE components (points)
    assert "BH校正P值" in zh and "0.021*" in zh and "0.300" in zh  # BH-adjusted change tests


def test_suppressed_headline_says_the_figure_is_not_published(config):
    tables = _tables(config, endline=None, endline_ci_low=None, endline_ci_high=None, change=None,
                     change_ci_low=None, change_ci_high=None, verdict="suppressed")
    tables["headline_levels"].loc[tables["headline_levels"]["level"] == "literate", ["suppressed", "suppression_reason"]] = \
        [True, "2025: fewer than 30 respondents (n = 12)"]
    for language, phrase, reason in (("zh", "不予发布", "受访者少于30人（n=12）"), ("en", "is not published", "n = 12")):
        d = _docx(rd.report_bytes(tables, config, language))
        text = " ".join(_summary_sentences(d, language))
        assert phrase in text and reason in text
        assert "12.0%" not in text.replace("12.0%的规划", "")   # no estimate, no verdict sentence
        assert not re.search(r"\d+\.\d%", text)


def test_suppressed_cells_are_blank_with_the_reason_in_a_note(config):
    d = _docx(rd.report_bytes(_tables(config), config, "zh"))
    table = next(t for t in d.tables if t.rows[1].cells[0].text == "海勃湾区")
    wuda = next(r for r in table.rows if r.cells[0].text == "乌达区")
    assert wuda.cells[2].text == "" and wuda.cells[4].text == ""   # 2025 share and change blank
    assert wuda.cells[1].text.startswith("10.4%")                   # the baseline stays
    notes = [p.text for p in d.paragraphs if p.style.name == "Table Note"]
    assert any("乌达区（2025年：受访者少于30人（n=21））" in n for n in notes)        # the reason in Chinese
    assert any("†" in n for n in notes) and "†" in table.rows[2].cells[2].text   # review flag


def test_read_report_tables_and_write_reports(config, tmp_path):
    tables = _tables(config, optional=True)
    (tmp_path / "assessment").mkdir()
    (tmp_path / "2025").mkdir()
    for name, df in tables.items():
        target = tmp_path / "2025" / "estimates_linked.csv" if name == "estimates_linked" else \
            tmp_path / "assessment" / f"{name}.csv"
        df.to_csv(target, index=False)
    read = rd.read_report_tables(tmp_path, config)
    assert set(read) == set(tables)
    assert read["headline"].set_index("key").loc["endline", "value"] == HEADLINE["endline"]
    written, skipped = rd.write_reports(tmp_path, config, pdf=False)
    assert [p.name for p in written] == ["report_zh.docx", "report_en.docx"] and skipped is None
    assert written[0].read_bytes() == rd.report_bytes(read, config, "zh")
    (tmp_path / "assessment" / "methodology.csv").unlink()
    with pytest.raises(FileNotFoundError, match="assessment/methodology.csv"):
        rd.read_report_tables(tmp_path, config)


def test_pdf_dates_and_ids_are_fixed_in_place():
    pdf = (b"%PDF-1.7\n<</CreationDate(D:20261130103512+01'00')/ModDate(D:20261130103512Z)>>\n"
           b"<xmp:CreateDate>2026-11-30T10:35:12+01:00</xmp:CreateDate>\n"
           b"/ID [ <A1B2C3D4E5F6> <0F0F0F0F0F0F> ] /DocChecksum /8BE4EFAC44\n")
    fixed = rpdf.fix_pdf_dates(pdf)
    assert len(fixed) == len(pdf)
    assert b"2026" not in fixed and b"A1B2" not in fixed and b"8BE4" not in fixed
    assert b"/CreationDate(D:00000000000000+00'00')" in fixed


# --------------------------------------------------------------------------- rendered, as a reader sees it
def _need(tool: str, what: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.skip(f"{what} ({tool}) not installed")
    return path


@pytest.fixture(scope="module")
def rendered(config, tmp_path_factory):
    """The fixture tables' report written and rendered to PDF as the flow does it."""
    if rpdf.soffice() is None:
        pytest.skip("LibreOffice (soffice) not installed")
    folder = tmp_path_factory.mktemp("report")
    (folder / "assessment").mkdir()
    tables = _tables(config, optional=True)
    for name, df in tables.items():
        if name != "estimates_linked":
            df.to_csv(folder / "assessment" / f"{name}.csv", index=False)
    written, skipped = rd.write_reports(folder, config, languages=("zh",))
    assert skipped is None, skipped
    return folder / "assessment" / "report_zh.pdf", written[0]


def test_pdf_embeds_a_cjk_font_and_every_font(rendered):
    pdf, _ = rendered
    out = subprocess.run([_need("pdffonts", "poppler-utils"), str(pdf)], capture_output=True, text=True,
                         check=True).stdout.splitlines()[2:]
    assert out, "no font in the PDF"
    fonts = [(line.split()[0], line.split()[-5]) for line in out]   # name, emb
    assert all(emb == "yes" for _, emb in fonts), f"fonts not embedded: {fonts}"
    assert any(re.search(r"CJK|SC|Han|WenQuanYi", name) for name, _ in fonts), f"no CJK font: {fonts}"


def test_pdf_text_has_no_missing_glyphs_and_the_summary(rendered, config):
    pdf, docx_path = rendered
    text = subprocess.run([_need("pdftotext", "poppler-utils"), "-enc", "UTF-8", str(pdf), "-"],
                          capture_output=True, text=True, check=True).stdout
    assert "\ufffd" not in text and "\u25a1" not in text          # replacement character, white square
    flat = re.sub(r"\s+", "", text)
    for sentence in _summary_sentences(_docx(docx_path.read_bytes()), "zh"):
        assert re.sub(r"\s+", "", sentence) in flat, f"summary sentence not in the PDF's text: {sentence}"
    # every Chinese character of the document is in the PDF's text (none lost to a missing glyph)
    chars = set(re.findall(r"[\u4e00-\u9fff]", rd.docx_text(docx_path)))
    assert chars and chars <= set(flat), sorted(chars - set(flat))[:20]
    # the contents carry page numbers (PAGEREF computed by LibreOffice)
    contents = text.split("\f")[2]          # the cover, the highlights, then the contents
    assert re.search(r"一、主要发现\.{3,}\s*5", contents), contents[:300]


def test_pdf_pages_render_to_png(rendered, tmp_path):
    pdf, _ = rendered
    tool = _need("pdftoppm", "poppler-utils")
    subprocess.run([tool, "-r", "40", "-png", "-f", "1", "-l", "3", str(pdf), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) == 3
    import matplotlib.image as mpimg

    for page in pages:
        pixels = mpimg.imread(page)
        ink = (pixels[..., :3].mean(axis=2) < 0.6).mean()
        assert 0.002 < ink < 0.5, f"{page.name}: {ink:.4f} of the page inked"


def test_without_libreoffice_the_pdf_is_skipped_in_one_line(config, tmp_path, monkeypatch):
    (tmp_path / "assessment").mkdir()
    for name, df in _tables(config).items():
        df.to_csv(tmp_path / "assessment" / f"{name}.csv", index=False)
    monkeypatch.setattr(rpdf, "soffice", lambda: None)
    written, skipped = rd.write_reports(tmp_path, config)
    assert [p.name for p in written] == ["report_zh.docx", "report_en.docx"]
    assert skipped == ("report PDFs skipped: LibreOffice is not installed "
                       "(apt-get install -y libreoffice-writer-nogui fonts-noto-cjk)")
    assert "\n" not in skipped and not (tmp_path / "assessment" / "report_zh.pdf").exists()
    # a LibreOffice that fails: the documents stand, the PDF is not written, the message says why
    false = shutil.which("false")
    monkeypatch.setattr(rpdf, "soffice", lambda: false)
    (tmp_path / "assessment" / "report_zh.pdf").write_bytes(b"stale")
    written, skipped = rd.write_reports(tmp_path, config)
    assert len(written) == 2 and skipped.startswith("report_zh.pdf not written: ") and "exit 1" in skipped
    assert not (tmp_path / "assessment" / "report_zh.pdf").exists()
