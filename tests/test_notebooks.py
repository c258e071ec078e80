"""The reviewer notebooks: executed by the flow on a small simulated programme, the item
table they read, and the CJK font their Chinese labels need.

The flow runs once (with the notebooks) on a small simulated delivery, as in test_flow.py;
every notebook must execute without an error output and be rendered to HTML, with no
absolute path in either, and a rerun must give the same bytes. A copy of the outputs with
one estimate marked suppressed checks that a suppressed cell is shown as such, not as a
value, and that the simulation notebook is skipped (and its stale copy removed) when there
is no simulated truth.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import warnings
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest
import yaml

from literacy.errors import DataError
from literacy_flows.report.notebooks import NOTEBOOKS, cjk_font_path, execute_notebooks, item_table, use_cjk_font

CONFIG = Path(__file__).resolve().parents[1] / "config" / "wuhai.yaml"
NAMES = [name for name, _ in NOTEBOOKS]


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _outputs(nb) -> list[dict]:
    return [out for cell in nb.cells if cell.cell_type == "code" for out in cell.get("outputs", [])]


def _text(nb) -> str:
    """Everything a reader sees as text in the outputs (streams, plain text and HTML reprs)."""
    parts = []
    for out in _outputs(nb):
        if out.get("output_type") == "stream":
            parts.append(out.get("text", ""))
        for kind in ("text/plain", "text/html", "text/markdown"):
            parts.append(out.get("data", {}).get(kind, ""))
    return "\n".join(parts)


# --------------------------------------------------------------------------- executed by the flow
@pytest.fixture(scope="module")
def executed(simulated_programme, prefect_harness):
    """A small simulated delivery (as in test_flow.py), assessed by the flow with the notebooks."""
    from literacy_flows.pipeline.assessment import assessment_flow

    path = simulated_programme("nb-programme")
    result = assessment_flow(path)
    return result, path.parent / "processed"


def test_every_notebook_executes_without_error_and_is_rendered(executed):
    result, out = executed
    folder = out / "notebooks"
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{n}{ext}" for n in NAMES
                                                              for ext in (".html", ".ipynb", "_report.html"))
    for name in NAMES:
        nb = nbformat.read(folder / f"{name}.ipynb", as_version=4)
        nbformat.validate(nb)
        errors = [o for o in _outputs(nb) if o.get("output_type") == "error"]
        assert errors == [], f"{name}: {errors[0].get('ename')}: {errors[0].get('evalue')}"
        stderr = [o["text"] for o in _outputs(nb) if o.get("output_type") == "stream" and o.get("name") == "stderr"]
        assert stderr == [], f"{name} wrote to stderr: {stderr[0][:300]}"
        assert all(c.get("execution_count") for c in nb.cells if c.cell_type == "code"), f"{name}: a cell did not run"
        figures = [o for o in _outputs(nb) if "image/png" in o.get("data", {})]
        assert figures, f"{name}: no figure"
        # the CJK font is selected by the shared setup: without it matplotlib would warn of missing glyphs on
        # stderr (checked above); its name is no longer printed in the report (issue 24: no debug lines)
        assert "notebook_style()" in "".join(c.source for c in nb.cells) and "font Noto" not in _text(nb), name
        assert nb.metadata["papermill"]["parameters"]["processed_dir"] == ".."
        html = (folder / f"{name}.html").read_text(encoding="utf-8")
        assert html.lstrip().lower().startswith("<!doctype html") and "data:image/png;base64" in html
        # no absolute path (nor the machine's folders) in what is published
        for text in (html, (folder / f"{name}.ipynb").read_text(encoding="utf-8")):
            assert str(out.parent) not in text and str(Path.cwd()) not in text
    assert {f"notebooks/{n}{ext}" for n in NAMES for ext in (".ipynb", ".html", "_report.html")} <= set(result["outputs"])


def test_the_manifest_lists_the_notebooks(executed):
    _, out = executed
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    listed = {o["file"]: o for o in manifest["outputs"]}
    for name in NAMES:
        for ext in (".ipynb", ".html", "_report.html"):
            entry = listed[f"notebooks/{name}{ext}"]
            assert entry["sha256"] == _sha(out / "notebooks" / f"{name}{ext}")
            assert entry["rows"] == len(nbformat.read(out / "notebooks" / f"{name}.ipynb", as_version=4).cells)
    assert "2025/item_responses.parquet" in listed


def test_notebooks_read_the_item_table_and_show_the_thresholds(executed):
    _, out = executed
    nb = nbformat.read(out / "notebooks" / "methods_diagnostics.ipynb", as_version=4)
    text = _text(nb)
    assert "item tables for 2020, 2025" in text
    assert "threshold rule: above" in text
    assert "Cronbach's alpha" in text and "2025 item_rest_r" in text and "2025 difficulty" in text
    # the simulated truth notebook reports coverage over every estimate with a truth
    truth = pd.read_csv(out / "assessment" / "truth_check.csv")
    sim = _text(nbformat.read(out / "notebooks" / "simulation_truth.ipynb", as_version=4))
    assert f"{len(truth)} estimates with a simulated truth" in sim


def test_rerun_is_byte_identical(executed):
    _, out = executed
    folder = out / "notebooks"
    before = {p.name: _sha(p) for p in folder.iterdir()}
    execute_notebooks(out, folder, seed=int(yaml.safe_load(CONFIG.read_text(encoding="utf-8"))["assessment"]["seed"]),
                      names=["methods_diagnostics", "measurement", "simulation_truth"])
    assert {p.name: _sha(p) for p in folder.iterdir()} == before


def test_suppressed_cells_show_as_suppressed_and_truth_notebook_needs_truth(executed, tmp_path):
    _, out = executed
    copy = tmp_path / "processed"
    shutil.copytree(out, copy)
    path = copy / "2025" / "estimates.parquet"
    est = pd.read_parquet(path)
    level = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))["scoring"]["headline"]
    hit = ((est["breakdown"] == "district") & (est["domain"] == "wuda")).to_numpy()
    value = f"{100 * float(est.loc[hit & (est['level'] == level).to_numpy(), 'estimate'].iloc[0]):.1f}%"
    est["suppressed"] = hit
    est.loc[hit, ["estimate", "se", "ci_low", "ci_high"]] = np.nan  # suppressed: the value is blank
    est.to_parquet(path)
    (copy / "assessment" / "truth_check.csv").unlink()
    stale = copy / "notebooks" / "simulation_truth.ipynb"
    assert stale.is_file()

    written = execute_notebooks(copy, copy / "notebooks", names=["assessment_overview", "simulation_truth"])
    assert [p.name for p in written] == ["assessment_overview.ipynb", "assessment_overview.html",
                                         "assessment_overview_report.html"]
    assert not stale.exists() and not (copy / "notebooks" / "simulation_truth.html").exists()
    assert not (copy / "notebooks" / "simulation_truth_report.html").exists()
    nb = nbformat.read(copy / "notebooks" / "assessment_overview.ipynb", as_version=4)
    assert not [o for o in _outputs(nb) if o.get("output_type") == "error"]
    text = _text(nb)
    assert "已抑制 suppressed" in text
    # the 2025 rate table: Wuda's row says suppressed and carries no interval
    # the rate tables follow a markdown line naming their round
    outputs = _outputs(nb)
    after = next(i for i, o in enumerate(outputs)
                 if o.get("data", {}).get("text/markdown", "").startswith("**2025年末期调查"))
    table_2025 = outputs[after + 1]["data"]["text/html"]
    row = table_2025.split("乌达区 Wuda")[1].split("</tr>")[0]
    assert "已抑制 suppressed" in row and value not in row and " – " not in row  # no value, no interval
    before = nbformat.read(out / "notebooks" / "assessment_overview.ipynb", as_version=4)
    assert value in _text(before)  # it was shown before suppression


# --------------------------------------------------------------------------- the measurement notebook
def _figures(nb) -> int:
    return sum("image/png" in o.get("data", {}) for o in _outputs(nb))


def _no_error_nor_stderr(nb, name: str) -> None:
    errors = [o for o in _outputs(nb) if o.get("output_type") == "error"]
    assert errors == [], f"{name}: {errors[0].get('ename')}: {errors[0].get('evalue')}"
    stderr = [o["text"] for o in _outputs(nb) if o.get("output_type") == "stream" and o.get("name") == "stderr"]
    assert stderr == [], f"{name} wrote to stderr: {stderr[0][:300]}"


def test_measurement_notebook_shows_the_linking(executed):
    _, out = executed
    nb = nbformat.read(out / "notebooks" / "measurement.ipynb", as_version=4)
    text = _text(nb)
    assert "comparable: yes" in text and "两轮可比" in text
    irt = pd.read_csv(out / "assessment" / "irt_items.csv", dtype={"group": str})
    anchors = sorted(set(irt.loc[irt["anchor"], "item"]))
    assert f"anchors ({len(anchors)}): {', '.join(anchors)}" in text
    freed = sorted(set(irt.loc[irt["freed_reason"].notna(), "item"]))
    assert ("Freed anchors" in text) == bool(freed) and all(f"`{i}`" in text for i in freed)
    dif = pd.read_csv(out / "assessment" / "dif.csv", dtype={"round": str})
    assert ("Class C items" in text) == bool((dif["ets_class"] == "C").any())
    # the cuts of irt_scale, and the baseline form's curve meets each threshold at its cut
    scale = pd.read_csv(out / "assessment" / "irt_scale.csv", dtype={"group": str})
    assert f"{float(scale['cut_literate'].iloc[0]):.3f}" in text
    assert "Standard errors in percentage points" in text and "se linking" in text
    truth = pd.read_csv(out / "assessment" / "truth_check_linked.csv")
    shown = truth["ci_low"].notna()
    assert (f"{len(truth)} linked figures with a simulated truth, {int(shown.sum())} with an interval" in text)
    # item review, DIF, drift, item-person map, TCC, PVs, linked shares, error budget, truth
    assert _figures(nb) == 9


def _not_comparable(copy: Path, reason: str) -> None:
    """Make an outputs folder look like a run whose rounds could not be linked (as the flow writes it)."""
    a = copy / "assessment"
    ch = pd.read_parquet(a / "change_linked.parquet")
    for col in ("baseline", "endline", "change", "se_sampling", "se_imputation", "se_linking", "se_total", "ci_low",
                "ci_high", "p_value", "p_value_bh"):
        ch[col] = np.nan
    ch["comparable"], ch["note"] = False, reason
    ch.to_parquet(a / "change_linked.parquet")
    ch.to_csv(a / "change_linked.csv", index=False)
    for name in ("irt_items", "irt_scale", "pv_distribution", "truth_check_linked"):
        for ext in ("csv", "parquet"):
            (a / f"{name}.{ext}").unlink(missing_ok=True)
    for rid in ("2020", "2025"):
        for ext in ("csv", "parquet"):
            (copy / rid / f"estimates_linked.{ext}").unlink(missing_ok=True)
    dif = pd.read_parquet(a / "dif.parquet")
    dif = dif[dif["grouping"] != "round"]
    dif.to_parquet(a / "dif.parquet")
    dif.to_csv(a / "dif.csv", index=False)


def test_measurement_notebook_without_comparable_rounds_or_tables(executed, tmp_path):
    _, out = executed
    copy = tmp_path / "processed"
    shutil.copytree(out, copy)
    reason = "8 anchors needed (8 items and 20% of the smaller form of 35 items); the forms share 3"
    _not_comparable(copy, reason)
    execute_notebooks(copy, copy / "notebooks", names=["measurement"])
    nb = nbformat.read(copy / "notebooks" / "measurement.ipynb", as_version=4)
    _no_error_nor_stderr(nb, "measurement")
    text = _text(nb)
    assert "The rounds are NOT comparable" in text and reason in text and "comparable: no" in text
    assert text.count("Skipped: the rounds are not on a common scale") == 5
    assert "no truth panel" in text and "the rounds were not linked" in text
    assert _figures(nb) == 2  # item review and DIF stay

    # no measurement table at all (the stage switched off): every section says so, none fails
    for path in list((copy / "assessment").glob("dif.*")) + list((copy / "assessment").glob("change_linked.*")):
        path.unlink()
    for rid in ("2020", "2025"):
        for name in ("items.csv", "reliability.csv"):
            (copy / rid / name).unlink()
    execute_notebooks(copy, copy / "notebooks", names=["measurement"])
    nb = nbformat.read(copy / "notebooks" / "measurement.ipynb", as_version=4)
    _no_error_nor_stderr(nb, "measurement")
    text = _text(nb)
    assert "no `assessment/change_linked.csv`" in text
    assert "No `<round>/items.csv` in this folder" in text and "No `assessment/dif.csv` in this folder" in text
    assert _figures(nb) == 0


# --------------------------------------------------------------------------- small areas and regressions
def test_small_area_and_regression_views(executed, tmp_path):
    _, out = executed
    nb = nbformat.read(out / "notebooks" / "methods_diagnostics.ipynb", as_version=4)
    sa = pd.read_csv(out / "assessment" / "small_area.csv", dtype={"round": str})
    text = _text(nb)
    assert f"Small-area cells: {len(sa)}" in text
    # the run writes the regression tables and the residuals: both views are shown
    assert "Rao–Scott tests" in text and "std_residual` is blank" not in text
    det = pd.read_csv(out / "assessment" / "determinants.csv")
    assert f"{det['odds_ratio'].dropna().iloc[1]:.2f}" in text
    base = _figures(nb)

    copy = tmp_path / "processed"
    shutil.copytree(out, copy)
    # without the regression tables (an earlier run's outputs): the views say so, one figure less
    (copy / "assessment" / "determinants.csv").unlink()
    (copy / "assessment" / "associations.csv").unlink()
    execute_notebooks(copy, copy / "notebooks", names=["methods_diagnostics"])
    nb = nbformat.read(copy / "notebooks" / "methods_diagnostics.ipynb", as_version=4)
    _no_error_nor_stderr(nb, "methods_diagnostics")
    assert "regression views are skipped" in _text(nb)
    assert _figures(nb) == base - 1  # the determinants' forest plot

    (copy / "assessment" / "small_area.csv").unlink()
    execute_notebooks(copy, copy / "notebooks", names=["methods_diagnostics"])
    nb = nbformat.read(copy / "notebooks" / "methods_diagnostics.ipynb", as_version=4)
    _no_error_nor_stderr(nb, "methods_diagnostics")
    assert "No `assessment/small_area.csv` in this folder" in _text(nb)
    assert _figures(nb) == base - 1 - (len(set(sa["breakdown"])) + 1)


# --------------------------------------------------------------------------- the item table
def test_item_table_scores_items_by_hand_and_aligns_by_respondent_id():
    config = {"design": {"respondent_id": "respondent_id", "selection_prob": "selection_prob"}}
    instrument = pd.DataFrame({"item_id": ["Q01", "Q02", "Q03"], "part": ["knowledge", "knowledge", "methods"],
                               "points": [2.0, 2.0, 4.0], "correct": [1, 2, 3]})
    # responses in another order than the weighted data; 8 = don't know, NaN = skipped
    responses = pd.DataFrame({"respondent_id": ["b", "a"], "Q01": [1, 2], "Q02": [8, 2], "Q03": [np.nan, 3]})
    data = pd.DataFrame({"respondent_id": ["a", "b"], "selection_prob": [0.01, 0.04],
                         "weight_nonresponse": [120.0, 30.0], "weight": [125.0, 28.0], "score": [6.0, 2.0]})
    out = item_table(data, responses, instrument, config)
    assert "respondent_id" not in out.columns
    assert list(out.columns) == ["case", "weight_base", "weight_nonresponse", "weight", "score", "part", "item_id",
                                 "points", "correct"]
    # respondent a (case 1): Q01 wrong (2 vs 1), Q02 right, Q03 right; b (case 2): Q01 right, Q02 don't know, Q03 skipped
    assert out["correct"].tolist() == [0, 1, 1, 1, 0, 0]
    assert out["case"].tolist() == [1, 1, 1, 2, 2, 2]
    assert out["weight_base"].tolist() == pytest.approx([100.0] * 3 + [25.0] * 3)
    assert out["weight"].tolist() == [125.0] * 3 + [28.0] * 3
    assert out["item_id"].tolist() == ["Q01", "Q02", "Q03"] * 2
    assert out["part"].tolist() == ["knowledge", "knowledge", "methods"] * 2
    # the points of the correct items add up to the score (a's 2 + 4 = 6, b's 2)
    got = (out["points"] * out["correct"]).groupby(out["case"]).sum()
    assert got.tolist() == [6.0, 2.0]


def test_item_table_rejects_a_respondent_without_responses():
    config = {"design": {"respondent_id": "respondent_id", "selection_prob": "selection_prob"}}
    instrument = pd.DataFrame({"item_id": ["Q01"], "part": ["knowledge"], "points": [2.0], "correct": [1]})
    responses = pd.DataFrame({"respondent_id": ["a"], "Q01": [1]})
    data = pd.DataFrame({"respondent_id": ["a", "zz"], "selection_prob": [0.1, 0.1], "weight_nonresponse": [1.0, 1.0],
                         "weight": [1.0, 1.0], "score": [2.0, 0.0]})
    with pytest.raises(DataError, match="'zz'"):
        item_table(data, responses, instrument, config)


# --------------------------------------------------------------------------- Chinese labels
def _glyph_warnings(family: list[str] | None) -> list[str]:
    """Render a figure with Chinese labels; return matplotlib's missing-glyph warnings."""
    import matplotlib as mpl
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    rc = {} if family is None else {"font.family": "sans-serif", "font.sans-serif": family}
    with mpl.rc_context(rc), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig = Figure(figsize=(4, 2))
        ax = fig.add_subplot()
        ax.set_title("具备科学素质的公民比例 · Share literate")
        ax.set_yticks([0, 1], ["海勃湾区 Haibowan", "领导干部和公务员"])
        ax.set_xlabel("变化（百分点）−1.5")
        FigureCanvasAgg(fig).draw()
    return [str(w.message) for w in caught if "Glyph" in str(w.message) and "missing" in str(w.message)]


def test_chinese_labels_render_with_the_cjk_font():
    import matplotlib as mpl
    from matplotlib import font_manager as fm

    assert cjk_font_path().is_file()
    with mpl.rc_context():
        name = use_cjk_font()
        assert Path(fm.findfont(fm.FontProperties(family=name), fallback_to_default=False)).name == cjk_font_path().name
        assert _glyph_warnings(None) == []


def test_missing_glyphs_are_detected_without_the_cjk_font():
    # the check above can fail: without a CJK font matplotlib does warn
    assert any("missing from font" in w for w in _glyph_warnings(["DejaVu Sans"]))



# --------------------------------------------------------------------------- the evaluators' web report
def test_web_report_has_the_outputs_without_the_code(executed):
    _, out = executed
    folder = out / "notebooks"
    for name in NAMES:
        nb = nbformat.read(folder / f"{name}.ipynb", as_version=4)
        full = (folder / f"{name}.html").read_text(encoding="utf-8")
        clean = (folder / f"{name}_report.html").read_text(encoding="utf-8")
        code = [c.source.splitlines()[-1] for c in nb.cells if c.cell_type == "code" and c.source.strip()]
        # code cells are the pygments-highlighted blocks; markdown cells stay (rendered text)
        assert 'class="highlight' in full and 'class="highlight' not in clean, name
        assert "read_outputs" in full and "read_outputs" not in clean, name
        assert clean.count('class="jp-Cell jp-MarkdownCell') == full.count('class="jp-Cell jp-MarkdownCell') > 0
        assert clean.count("data:image/png;base64") == full.count("data:image/png;base64") > 0, name
        assert code and all(line.strip() not in clean for line in code if len(line.strip()) > 25), name
        assert "white-space: nowrap" in clean and str(out.parent) not in clean


def _chromium() -> str:
    for tool in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(tool)
        if path:
            return path
    pytest.skip("Chromium (chromium) not installed")


def _chromium_run(args: list[str], tmp: Path) -> subprocess.CompletedProcess:
    profile = tmp / "chromium-profile"
    profile.mkdir(exist_ok=True)
    cmd = [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--no-first-run", "--no-default-browser-check",
           "--disable-extensions", "--hide-scrollbars", f"--user-data-dir={profile}", "--window-size=1280,1400",
           *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=180, env={**os.environ, "HOME": str(tmp)})


def test_web_report_in_chromium_fits_1280_px_and_renders(executed, tmp_path):
    _, out = executed
    page = out / "notebooks" / "assessment_overview_report.html"
    # the page's width as laid out by the browser: wide tables scroll inside their box, the page does not
    probe = tmp_path / "probe.html"
    html = page.read_text(encoding="utf-8")
    script = ("<script>window.addEventListener('load', function () {document.body.setAttribute('data-width', "
              "String(document.documentElement.scrollWidth)); document.body.setAttribute('data-tables', "
              "String(document.querySelectorAll('table').length));});</script>")
    probe.write_text(html.replace("</body>", script + "</body>"), encoding="utf-8")
    dom = _chromium_run(["--virtual-time-budget=5000", "--dump-dom", probe.as_uri()], tmp_path).stdout
    width = re.search(r'data-width="(\d+)"', dom)
    tables = re.search(r'data-tables="(\d+)"', dom)
    assert width and tables, dom[-500:]
    assert int(tables.group(1)) > 0
    assert int(width.group(1)) <= 1280, f"the page is {width.group(1)} px wide in a 1280 px window"
    shot = tmp_path / "web_report.png"
    done = _chromium_run([f"--screenshot={shot}", page.as_uri()], tmp_path)
    assert shot.is_file(), done.stderr[-500:]
    import matplotlib.image as mpimg

    pixels = mpimg.imread(shot)
    assert pixels.shape[1] == 1280
    ink = (pixels[..., :3].mean(axis=2) < 0.6).mean()
    assert 0.002 < ink < 0.5, f"{ink:.4f} of the screenshot inked"


# --------------------------------------------------------------------------- the flow's evaluation report
def test_flow_writes_the_evaluation_report_with_the_headline_numbers(executed):
    from literacy_flows.report.document import docx_text

    result, out = executed
    head = pd.read_csv(out / "assessment" / "headline.csv", dtype=str, keep_default_na=False).set_index("key")["value"]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    listed = {o["file"]: o for o in manifest["outputs"]}
    files = ["assessment/report_zh.docx", "assessment/report_en.docx"]
    if shutil.which("soffice") or shutil.which("libreoffice"):
        files += ["assessment/report_zh.pdf", "assessment/report_en.pdf"]
    for f in files:
        assert listed[f]["sha256"] == _sha(out / f) and f in result["outputs"], f
    text = docx_text(out / "assessment" / "report_zh.docx")
    summary = text.split("一、主要发现")[-1].split("目标达成情况")[0]   # the highlights and contents name it first
    for key in ("endline", "endline_ci_low", "endline_ci_high", "baseline", "target"):
        assert f"{100 * float(head[key]):.1f}%" in summary, key
    assert f"{100 * float(head['change']):+.1f}".replace("-", "−") in summary
    assert f"{int(head['endline_n']):,}" in summary


# --------------------------------------------------------------------------- the web reports read as an evaluation
#: Codes that must never be a table cell of a web report (the labels stand for them).
_CODES_IN_CELLS = {"literate", "advanced", "basic", "not_met", "met", "inconclusive", "present", "review", "suppress",
                   "haibowan", "hainan", "wuda", "male", "female", "urban", "rural", "district", "age_band",
                   "district+group", "group", "knowledge", "True", "False", "nan", "NaN", "None"}


def _cells(html: str) -> list[list[str]]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    return [[c.get_text(strip=True) for c in tr.find_all(["td", "th"])] for tr in soup.select("table tr")]


def test_web_reports_read_as_an_evaluation(executed):
    """Issue 24: no index column, no NaN, labels instead of codes, no debug lines, the linked scale explained,
    the simulation page's diagnostics read out in words."""
    from bs4 import BeautifulSoup

    _, out = executed
    folder = out / "notebooks"
    for name in NAMES:
        html = (folder / f"{name}_report.html").read_text(encoding="utf-8")
        soup = BeautifulSoup(html, "html.parser")
        text = soup.get_text(" ")
        assert not re.search(r"\bNaN\b|\bnan\b", text), name
        assert "font Noto" not in text and "manifest row counts" not in text, name
        assert not re.search(r"\d\.\d+e[-+]\d\d", text), f"{name}: a number in exponent notation"
        for table in soup.select("table.dataframe"):
            assert table.select("tbody th") == [], f"{name}: a table shows its index"
            head = [th.get_text(strip=True) for th in table.select("thead th")]
            assert "" not in head, f"{name}: an unnamed (index) column: {head}"
            for row in _cells(str(table))[1:]:
                assert not _CODES_IN_CELLS & set(row), f"{name}: a code in a table cell: {row}"
        if "—" in " ".join(" ".join(r) for r in _cells(html)):
            assert "no value" in text, f"{name}: a dash without its meaning"

    head = pd.read_csv(out / "assessment" / "headline.csv", dtype=str, keep_default_na=False).set_index("key")["value"]
    overview = BeautifulSoup((folder / "assessment_overview_report.html").read_text(encoding="utf-8"),
                             "html.parser").get_text(" ")
    # the default programme's rounds answer different forms: the overview says which figure answers what
    assert "linked scale" in overview and "等值量表" in overview
    assert "Was the target met?" in overview and "How much did literacy change?" in overview
    linked = f"{100 * float(head['linked_change']):+.1f}"
    assert f"linked change ({linked} points" in overview and f"{100 * float(head['change']):+.1f}" in overview

    sim = BeautifulSoup((folder / "simulation_truth_report.html").read_text(encoding="utf-8"),
                        "html.parser").get_text(" ")
    truth = pd.read_csv(out / "assessment" / "truth_check.csv")
    hidden = int(re.search(r"(\d+) suppressed \(not shown\)", sim).group(1))
    reading = re.search(r"Coverage is (\d+\.\d)% \((\d+) of (\d+)\), (within|below|above)", sim)
    assert "Reading the diagnostics" in sim and reading, sim[-2000:]
    assert int(reading.group(3)) == len(truth) - hidden          # every interval shown is counted
    assert abs(float(reading.group(1)) - 100 * int(reading.group(2)) / int(reading.group(3))) < 0.051
    assert re.search(r"The SD of the standardised errors(, \d\.\d\d, is close to 1| is \d\.\d\d)", sim)
