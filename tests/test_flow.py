"""The assessment flow end to end on a small simulated programme.

A copy of the default config with a small population (and paths relative to a temporary
folder) is simulated through the CLI, then the flow runs twice: every output must exist,
pass its schema, reconcile with the manifest, and be byte-identical on the rerun.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import literacy_schemas as S
from literacy_flows import cli
from literacy_flows.ingest.io import load_config

pytestmark = pytest.mark.flow

#: The evaluator tables written to assessment/ (CSV, Parquet, a workbook sheet each), in workbook order.
EVALUATOR_TABLES = ("headline_levels", "districts", "key_groups", "demographics", "district_groups", "decomposition",
                    "decomposition_detail", "part_scores", "scorecard", "methodology", "determinants", "associations", "small_area", "sample_plan", "change_linked", "irt_items", "irt_scale", "dif",
                    "pv_distribution", "trend")


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _tree(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): _sha(p) for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def programme(simulated_programme) -> Path:
    """A small simulated delivery and its config (paths relative to the config's folder)."""
    return simulated_programme("programme")


@pytest.fixture(scope="module")
def first_run(programme, prefect_harness):
    from literacy_flows.pipeline.assessment import assessment_flow

    result = assessment_flow(programme, with_notebooks=False)  # the notebooks: tests/test_notebooks.py
    out = programme.parent / "processed"
    return result, out, _tree(out)


def test_simulate_writes_the_delivery_layout_deterministically(programme, tmp_path):
    raw = programme.parent / "raw"
    cfg = load_config(programme).config
    expected = {"simulation_items.csv", "scorecard.csv"} | {
        f"{r['id']}/{f}.csv" for r in cfg["rounds"]
        for f in ("instrument", "responses", "sample", "margins", "truth", "fieldwork_truth")}
    assert set(_tree(raw)) == expected
    # same config and seed -> the same bytes; another seed -> other data
    assert cli.main(["simulate", "--config", str(programme), "--out", str(tmp_path / "again")]) == 0
    assert _tree(tmp_path / "again") == _tree(raw)
    assert cli.main(["simulate", "--config", str(programme), "--out", str(tmp_path / "other"), "--seed", "7"]) == 0
    assert _tree(tmp_path / "other")["2025/responses.csv"] != _tree(raw)["2025/responses.csv"]


def test_every_output_exists_and_is_listed_in_the_manifest(first_run, programme):
    result, out, tree = first_run
    rounds = [r["id"] for r in load_config(programme).config["rounds"]]
    expected = {f"{rid}/{name}" for rid in rounds
                for name in ("estimates.csv", "estimates.parquet", "weights_diagnostics.csv", "weights_margins.csv",
                             "nonresponse_classes.csv", "item_responses.parquet", "quarantine.csv",
                             # the measurement stage (comparable rounds)
                             "items.csv", "reliability.csv", "estimates_linked.csv", "estimates_linked.parquet")}
    expected |= {f"assessment/{name}" for name in ("change.csv", "change.parquet", "verdicts.csv", "verdicts.parquet",
                                                    "headline.csv", "assessment.xlsx", "truth_check.csv",
                                                    "truth_check_linked.csv")}
    expected |= {f"assessment/{name}.{ext}" for name in EVALUATOR_TABLES for ext in ("csv", "parquet")}
    # the evaluation report; its PDF where LibreOffice is installed (test_report_document.py renders it)
    expected |= {"assessment/report_zh.docx", "assessment/report_en.docx"}
    expected.add("explorer.html")                      # the offline data explorer (tests/test_explorer.py)
    # fieldwork quality (issue 26; tests/test_quality_stage.py)
    expected |= {f"quality/{name}.csv" for name in ("response_rates", "nonresponse_bias", "data_quality",
                                                     "interviewers")}
    expected.add("codebook.csv")                       # the data dictionary (issue 24)
    if shutil.which("soffice") or shutil.which("libreoffice"):
        expected |= {"assessment/report_zh.pdf", "assessment/report_en.pdf"}
    assert set(tree) == expected | {"manifest.json"}  # and nothing else (the work area is removed)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    listed = {o["file"]: o for o in manifest["outputs"]}
    assert set(listed) == expected
    for name, entry in listed.items():
        assert entry["sha256"] == tree[name], name
        assert entry["bytes"] == (out / name).stat().st_size
    assert set(result["outputs"]) == set(tree)


def test_outputs_pass_their_schemas_and_csv_matches_parquet(first_run, programme):
    _, out, _ = first_run
    cfg = load_config(programme).config
    for r in cfg["rounds"]:
        est = pd.read_parquet(out / r["id"] / "estimates.parquet")
        S.validate(est, S.estimates_schema(cfg), "estimates", line_offset=None)
        csv = pd.read_csv(out / r["id"] / "estimates.csv", dtype={"round": str, "domain": str})
        assert list(csv.columns) == list(est.columns)
        np.testing.assert_allclose(csv["estimate"], est["estimate"], rtol=1e-11)
        assert (csv["domain"] == est["domain"].astype(str)).all()
        assert set(est["breakdown"]) == set(S.BREAKDOWNS(cfg))
    change = pd.read_parquet(out / "assessment" / "change.parquet")
    S.validate(change, S.change_schema(cfg), "change", line_offset=None)
    verdicts = pd.read_parquet(out / "assessment" / "verdicts.parquet")
    S.validate(verdicts, S.verdicts_schema(cfg), "verdicts", line_offset=None)
    head = pd.read_csv(out / "assessment" / "headline.csv", dtype=str, keep_default_na=False)
    assert {"endline", "endline_ci_low", "endline_ci_high", "change", "verdict"} <= set(head["key"])


def test_manifest_row_counts_reconcile(first_run, programme):
    result, out, _ = first_run
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    counts = manifest["row_counts"]
    raw = programme.parent / "raw"
    inputs = {e["file"]: e for e in manifest["inputs"]}
    for name, entry in inputs.items():  # input hashes and row counts are those of the files
        assert entry["sha256"] == _sha(raw / name)
        assert entry["rows"] == len(pd.read_csv(raw / name, dtype=str))
    assert counts["validate"] == counts["ingest"]  # every input file validated, every row
    cfg = load_config(programme).config
    level = cfg["scoring"]["headline"]
    outputs = {o["file"]: o for o in manifest["outputs"]}
    for r in cfg["rounds"]:
        rid = r["id"]
        n_resp = inputs[f"{rid}/responses.csv"]["rows"]
        n_sample = inputs[f"{rid}/sample.csv"]["rows"]
        assert counts["score"][rid] == n_resp
        assert counts["weight"][rid]["respondents"] == n_resp
        assert counts["weight"][rid]["sample"] == n_sample
        assert counts["weight"][rid]["respondents"] + counts["weight"][rid]["nonrespondents"] == n_sample
        est = pd.read_csv(out / rid / "estimates.csv", dtype={"round": str})
        assert counts["estimate"][rid] == len(est) == outputs[f"{rid}/estimates.csv"]["rows"]
        city = est[(est["breakdown"] == "city")]
        assert (city["n"] == n_resp).all()  # every respondent is in the city estimate
        # the districts partition the respondents
        assert est[(est["breakdown"] == "district") & (est["level"] == level)]["n"].sum() == n_resp
    change = pd.read_csv(out / "assessment" / "change.csv")
    assert counts["compare"]["change"] == len(change) == outputs["assessment/change.csv"]["rows"]
    assert counts["compare"]["verdicts"] == outputs["assessment/verdicts.csv"]["rows"]
    assert manifest["config"]["sha256"] == _sha(programme)
    # no absolute paths (nor times): the manifest does not depend on where the run happened
    text = (out / "manifest.json").read_text(encoding="utf-8")
    assert str(programme.parent) not in text and str(Path.cwd()) not in text
    assert manifest["headline"] == json.loads(json.dumps(result["headline"]))


def test_workbook_has_bilingual_frozen_sheets(first_run, programme):
    from openpyxl import load_workbook

    from literacy.catalog.sheets import SHEET_TITLES, sheet_name
    from workbook_checks import check_workbook, frozen_codes

    _, out, _ = first_run
    wb = load_workbook(out / "assessment" / "assessment.xlsx")
    codes = [("headline", None), *((t, None) for t in EVALUATOR_TABLES), ("estimates", "2020"), ("estimates", "2025"),
             ("change", None), ("verdicts", None), ("weights_diagnostics", None), ("estimates_linked", "2020"),
             ("estimates_linked", "2025"), ("items", "2020"), ("items", "2025"), ("reliability", "2020"),
             ("reliability", "2025"), ("truth_check", None), ("truth_check_linked", None),
             ("response_rates", None), ("nonresponse_bias", None), ("data_quality", None), ("interviewers", None),   # issue 26
             ("codebook", None)]
    assert wb.sheetnames == ["目录 Contents", *(sheet_name(SHEET_TITLES[t], rid) for t, rid in codes)]
    checked = check_workbook(wb)   # contents, names, every header translated, formats by kind, frozen panes
    assert all(checked[name] > 0 for name in wb.sheetnames[2:-1]), checked
    ws = wb["估计2025 Estimates 2025"]
    assert ws.freeze_panes.endswith("4") and "label_zh" in frozen_codes(ws)
    assert [c.value for c in ws[3]][:3] == ["round", "breakdown", "domain"]  # column codes
    assert ws.cell(row=1, column=7).value == "比例估计" and ws.cell(row=2, column=7).value == "Estimated share"
    assert ws.cell(row=4, column=7).number_format == "0.00%"
    est = pd.read_parquet(out / "2025" / "estimates.parquet")
    assert ws.max_row == 3 + len(est) + 3  # a blank row, then the notes row in Chinese and in English
    assert str(ws.cell(row=3 + len(est) + 2, column=1).value).startswith("注：")
    assert str(ws.cell(row=3 + len(est) + 3, column=1).value).startswith("Notes: ")
    assert ws.cell(row=4, column=7).value == pytest.approx(float(est["estimate"].iloc[0]), rel=1e-15)
    # the scorecard's targets are amounts in their unit (200 persons), never percentages
    ws = wb[sheet_name(SHEET_TITLES["scorecard"])]
    j = [c.value for c in ws[3]].index("target") + 1
    assert {ws.cell(row=r, column=j).number_format for r in range(4, ws.max_row + 1)
            if isinstance(ws.cell(row=r, column=j).value, (int, float))} <= {"#,##0", "#,##0.##"}
    assert wb.properties.created.year == 2000  # fixed document date


def test_codebook_describes_every_column_of_every_csv_table(first_run):
    """codebook.csv has a row for each column of each CSV the run wrote, labelled, and the workbook shows it."""
    from openpyxl import load_workbook

    from literacy.catalog.codebook import table_key_of

    _, out, _ = first_run
    codebook = pd.read_csv(out / "codebook.csv", dtype=str, keep_default_na=False)
    rows = set(zip(codebook["table"], codebook["column"]))
    assert len(rows) == len(codebook)                                   # one row a column
    written = set()
    for path in sorted(out.rglob("*.csv")):
        rel = path.relative_to(out).as_posix()
        raw = path.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf"), f"{rel}: no byte-order mark (Excel on Chinese Windows)"
        columns = pd.read_csv(path, nrows=0).columns
        assert not any(c.startswith("\ufeff") for c in columns)
        written |= {(table_key_of(rel), c) for c in columns}
    for path in sorted(out.rglob("*.parquet")):                         # item_responses: Parquet only
        written |= {(table_key_of(path.relative_to(out).as_posix()), c) for c in pd.read_parquet(path).columns}
    assert written == rows, (written - rows, rows - written)
    assert (codebook["label_zh"] != "").all() and (codebook["label_en"] != "").all()
    assert (codebook["label_zh"] != codebook["column"]).all() and (codebook["meaning"] != "").all()
    assert set(codebook["type"]) <= {"number", "integer", "boolean", "text"}
    verdict = codebook.set_index(["table", "column"]).loc[("verdicts", "verdict")]
    assert "有把握达到目标" in verdict["codes"] or "无法判定" in verdict["codes"]
    wb = load_workbook(out / "assessment" / "assessment.xlsx", read_only=True)
    sheet = list(wb["数据字典 Codebook"].iter_rows(min_row=4, values_only=True))
    assert len(sheet) == len(codebook) and [r[1] for r in sheet] == codebook["column"].tolist()


def test_suppressed_cells_are_blank_in_every_output_and_artifact(first_run, programme):
    from openpyxl import load_workbook
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    from literacy.catalog.sheets import SHEET_TITLES, sheet_name
    from literacy_flows.pipeline.deliverables import table_schema

    _, out, _ = first_run
    cfg = load_config(programme).config
    min_n = cfg["reporting"]["min_n"]
    wb = load_workbook(out / "assessment" / "assessment.xlsx")
    suppressed = 0
    for r in cfg["rounds"]:
        rid = r["id"]
        pq = pd.read_parquet(out / rid / "estimates.parquet")
        csv = pd.read_csv(out / rid / "estimates.csv", dtype=str, keep_default_na=False)
        sup = pq["suppressed"].to_numpy(dtype=bool)
        suppressed += int(sup.sum())
        small = pq["n"].to_numpy() < min_n
        assert sup[small].all()                                   # every small cell is suppressed
        for col in ("estimate", "se", "ci_low", "ci_high", "cv", "deff"):
            assert pq.loc[sup, col].isna().all(), col
            assert (csv.loc[sup, col] == "").all(), col
        ws = wb[f"估计{rid} Estimates {rid}"]
        header = [c.value for c in ws[3]]
        for col in ("estimate", "se", "ci_low", "ci_high"):
            j = header.index(col) + 1
            cells = [ws.cell(row=4 + i, column=j).value for i in np.flatnonzero(sup)]
            assert all(v is None for v in cells), col
    assert suppressed > 0   # the small programme has small cells: the check above is not vacuous
    for name in EVALUATOR_TABLES:
        table = pd.read_parquet(out / "assessment" / f"{name}.parquet")
        S.validate(table, table_schema(name, cfg), name, line_offset=None)   # includes "suppressed values are blank"
        csv = pd.read_csv(out / "assessment" / f"{name}.csv", dtype=str, keep_default_na=False)
        assert list(csv.columns) == list(table.columns) and len(csv) == len(table)
        ws = wb[sheet_name(SHEET_TITLES[name])]
        assert ws.max_row == 3 + len(table) + 3 and ws.freeze_panes.endswith("4") and ws.freeze_panes != "A4"
        if "suppressed" in table.columns and "endline" in table.columns:
            rows = np.flatnonzero(table["endline"].isna().to_numpy())
            j = [c.value for c in ws[3]].index("endline") + 1
            assert all(ws.cell(row=4 + i, column=j).value is None for i in rows)
            assert (csv.loc[rows, "endline"] == "").all()
    assert pd.read_parquet(out / "assessment" / "district_groups.parquet")["suppressed"].any()
    # the Prefect artifacts show no value for a suppressed cell
    slug = cfg["assessment"]["id"]
    with get_client(sync_client=True) as client:
        arts = client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(
            any_=[f"{slug}-estimates", f"{slug}-verdicts"])))
    assert {a.key for a in arts} == {f"{slug}-estimates", f"{slug}-verdicts"}
    # another test's run of a config with the same id may have written these keys too: this run's are the latest
    latest = {}
    for art in sorted(arts, key=lambda a: a.created):
        latest[art.key] = art
    for art in latest.values():
        rows = json.loads(art.data) if isinstance(art.data, str) else art.data
        if art.key.endswith("verdicts"):   # (a suppressed baseline blanks the change only)
            assert {row["verdict_en"] for row in rows} <= {"met with confidence", "not met", "inconclusive",
                                                           "suppressed"}
            flagged = [row for row in rows if row["verdict_en"] == "suppressed"]
        else:
            flagged = [row for row in rows if row["suppressed"]]
            assert flagged   # small key groups at this sample size
        assert all(row["estimate"] is None and row["ci_low"] is None for row in flagged)


def test_simulated_truth_is_covered_by_the_city_interval(first_run):
    result, out, _ = first_run
    head = result["headline"]
    assert head["endline_ci_low"] <= head["truth"] <= head["endline_ci_high"]
    check = pd.read_csv(out / "assessment" / "truth_check.csv")
    # 95% intervals: with ~170 of them the coverage is far above one half unless something is broken
    assert check["covered"].mean() > 0.8


def test_rerun_is_byte_identical(first_run, programme):
    from literacy_flows.pipeline.assessment import assessment_flow

    _, out, tree = first_run
    assessment_flow(programme, with_notebooks=False)
    assert _tree(out) == tree


def test_the_run_pins_every_loaded_blas_library_to_one_thread_and_restores_it():
    from threadpoolctl import threadpool_info, threadpool_limits

    from literacy_flows.pipeline.numerics import single_blas_thread

    with threadpool_limits(limits=2):
        with single_blas_thread():
            libraries = threadpool_info()
            prefixes = {i["prefix"] for i in libraries}
            assert any("openblas" in p for p in prefixes)
            assert len({i["filepath"] for i in libraries}) >= 2       # numpy's and scipy's own copy
            assert {i["num_threads"] for i in libraries} == {1}
            assert os.environ["OPENBLAS_NUM_THREADS"] == "1"     # processes the run starts inherit it
            with single_blas_thread():                            # re-entrant: the inner exit keeps the pin
                pass
            assert {i["num_threads"] for i in threadpool_info()} == {1}
        assert {i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"} == {2}


def test_bad_delivery_is_one_line_naming_file_line_and_column(programme, prefect_harness, tmp_path, capsys):
    # a bad cell in the margins is a file-level problem (row-level problems of the responses
    # and the sample are quarantined instead: tests/test_ingest_*.py)
    raw = tmp_path / "raw"
    shutil.copytree(programme.parent / "raw", raw)
    lines = (raw / "2025" / "margins.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    header = lines[0].rstrip("\n").split(",")
    row = lines[6].rstrip("\n").split(",")  # line 7 of the file
    row[header.index("population")] = "M"
    lines[6] = ",".join(row) + "\n"
    (raw / "2025" / "margins.csv").write_text("".join(lines), encoding="utf-8")

    status = cli.main(["run", "--config", str(programme), "--raw", str(raw), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert status == 2
    ours = [line for line in err.splitlines() if line.startswith("literacy: error:")]
    assert len(ours) == 1
    assert "2025/margins.csv" in ours[0] and "line 7" in ours[0] and "'population'" in ours[0] and "'M'" in ours[0]
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists()  # nothing written: the run's staging folder is removed
    assert not list(tmp_path.glob(".out.*"))


def test_no_district_group_cell_is_blank_without_a_labelled_model_based_figure(first_run, programme):
    _, out, _ = first_run
    cfg = load_config(programme).config
    dg = pd.read_csv(out / "assessment" / "district_groups.csv")
    dg = dg[dg["level"] == cfg["scoring"]["headline"]]
    assert dg["baseline"].isna().any()              # the small programme blanks some baseline cells
    for role in ("baseline", "endline"):
        blank = dg[role].isna()
        assert dg.loc[blank, f"{role}_published"].notna().all()
        assert (dg.loc[blank, f"{role}_published_source"] == "model").all()
    sa = pd.read_csv(out / "assessment" / "small_area.csv")
    model = sa[sa["source"] == "model"]
    assert (model["source_zh"] == "模型估计").all()
    assert ((model["published_ci_low"] <= model["published"]) & (model["published"] <= model["published_ci_high"])).all()


def test_the_explorer_holds_every_published_estimate(first_run, programme):
    _, out, _ = first_run
    cfg = load_config(programme).config
    html = (out / "explorer.html").read_text(encoding="utf-8")
    data = json.loads(html.split('id="explorer-data">', 1)[1].split("</script>", 1)[0])
    direct = sum(len(pd.read_csv(out / r["id"] / "estimates.csv")) for r in cfg["rounds"])
    assert sum(1 for e in data["estimates"] if e["k"] == "direct") == direct
    assert data["title"]["zh"].startswith(cfg["assessment"]["name_zh"])
    assert "http" not in html.replace("http://www.w3.org/2000/svg", "")


def test_the_explorer_table_and_chart_show_estimates_csv_in_chromium(first_run, programme, tmp_path):
    # the default run's page in a real browser, on another breakdown than the default: the table's and the
    # chart's figures are estimates.csv's (skips, naming the tool, where Chromium is absent)
    import re
    import subprocess

    browser = next((shutil.which(t) for t in ("chromium", "chromium-browser", "google-chrome") if shutil.which(t)), None)
    if browser is None:
        pytest.skip("Chromium (chromium) not installed")
    _, out, _ = first_run
    cfg = load_config(programme).config
    end = str(cfg["rounds"][-1]["id"])
    est = pd.read_csv(out / end / "estimates.csv", dtype={"round": str, "domain": str})
    est = est[(est["breakdown"] == "sex") & (est["level"] == cfg["scoring"]["headline"])]
    url = (out / "explorer.html").as_uri() + f"#view=table&lang=en&kind=direct&breakdown=sex&round={end}"
    dump = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={tmp_path / 'p'}",
                           "--virtual-time-budget=5000", "--dump-dom", url], capture_output=True, text=True,
                          timeout=120, env={**os.environ, "HOME": str(tmp_path)}).stdout
    view = dump.split('id="view"', 1)[1].split("</main>", 1)[0]
    rows = re.findall(r'<tr [^>]*data-domain="([^"]+)"[^>]*><th[^>]*>([^<]*)</th><td>([^<]*)</td><td>([^<]*)</td>', view)
    shown = {dom: (label, value, ci) for dom, label, value, ci in rows}
    assert set(shown) == set(est["domain"])
    for r in est.itertuples():
        label, value, ci = shown[r.domain]
        assert label.startswith(r.label_en)
        assert value == f"{100 * r.estimate:.1f}%"
        assert ci == f"{100 * r.ci_low:.1f}% – {100 * r.ci_high:.1f}%"
    chart_url = url.replace("view=table", "view=chart")
    dump = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={tmp_path / 'p'}",
                           "--virtual-time-budget=5000", "--dump-dom", chart_url], capture_output=True, text=True,
                          timeout=120, env={**os.environ, "HOME": str(tmp_path)}).stdout
    labels = re.findall(r'<g class="row[^"]*"[^>]*aria-label="([^"]+)"', dump)
    assert sorted(labels) == sorted(f"{r.label_en}: {100 * r.estimate:.1f}% ({100 * r.ci_low:.1f}% – "
                                    f"{100 * r.ci_high:.1f}%)" for r in est.itertuples())



# --------------------------------------------------------------------------- the report as an evaluator reads it (issue 24)
def _pdf_text(pdf: Path, layout: bool = False) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdftotext) not installed")
    args = ["pdftotext", "-enc", "UTF-8"] + (["-layout"] if layout else []) + [str(pdf), "-"]
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


def _reports(first_run) -> tuple[str, str]:
    _, out, _ = first_run
    pdfs = [out / "assessment" / f"report_{lang}.pdf" for lang in ("zh", "en")]
    if not all(p.is_file() for p in pdfs):
        pytest.skip("LibreOffice (soffice) not installed: no PDF")
    return _pdf_text(pdfs[0]), _pdf_text(pdfs[1])


def test_the_chinese_report_prints_no_code_and_the_thresholds_as_numbers(first_run, programme):
    zh, _ = _reports(first_run)
    cfg = load_config(programme).config
    codes = {c for labels in cfg["survey"]["labels"].values() for c in labels} | {
        "present", "suppress", "review", "true", "false", "graded", "literate", "advanced", "basic", "city",
        "district", "education", "age_band", "residence", "occupation", "sex", "Taylor", "linearisation"}
    words = set(re.findall(r"[A-Za-z_]+", zh))
    assert not (codes & words), sorted(codes & words)
    assert "`" not in zh and "计0分" in re.sub(r"\s+", "", zh)
    assert "NCHS Data Presentation Standards" not in zh.replace("\n", "")   # a citation, not a threshold
    flat = re.sub(r"\s+", "", zh)
    for label, value in (("最小发布样本量", "30"), ("最小有效样本量", "30"), ("最小自由度（否则需审查）", "8")):
        assert f"{label}：{value}" in flat, label
    assert not re.search(r"\d\.\d+e[+-]\d", zh)                      # no exponent notation



def test_the_english_report_prints_no_chinese(first_run):
    _, en = _reports(first_run)
    assert not re.findall(r"[\u4e00-\u9fff]+", en.split("Contents")[1])     # the cover's title may be bilingual
    assert "scored 0" in en


@pytest.mark.parametrize("language", ["zh", "en"])
def test_no_number_is_broken_across_lines(first_run, language):
    text = dict(zip(("zh", "en"), _reports(first_run)))[language]
    lines = [line.strip() for line in text.split("\n")]
    broken = [(a, b) for a, b in zip(lines, lines[1:])
              if re.search(r"\d\.?$", a) and re.match(r"^(\.\d|\d|%)", b) and "..." not in a
              and not re.fullmatch(r"\d+", b) and not re.fullmatch(r"[\d.,%+−–-]+", a)]   # a cell of its own
    assert not broken, broken[:5]


def test_the_report_reconciles_the_two_changes_and_the_published_baseline(first_run, programme):
    zh, en = _reports(first_run)
    _, out, _ = first_run
    head = dict(pd.read_csv(out / "assessment" / "headline.csv", dtype=str)[["key", "value"]].values)
    cfg = load_config(programme).config
    flat = re.sub(r"\s+", "", zh)
    change = f"{100 * float(head['change']):+.1f}"
    linked = f"{100 * float(head['linked_change']):+.1f}"
    # forms differ in the simulated delivery: the statement gives both changes and which to cite
    assert float(head["linked_se_linking"]) > 0
    assert "“是否达到规划目标”请引用" in flat and linked in flat and change in flat
    assert "How much did" in en and "Was the target met?" in en
    published = f"{100 * float(cfg['targets']['baseline_published']):.1f}%"
    assert f"规划公布的{head['baseline_round']}年基线为{published}" in flat
    assert "七、存在问题与建议（草稿）" in flat and "评估要点" in flat
    assert flat.index("评估要点") < flat.index("目录")                     # the highlights come first
    cover = zh.split("\f")[0]
    assert cfg["reporting"]["cover"]["issuer_zh"] in re.sub(r"\s+", "", cover) and "data/processed" not in zh


def test_the_english_pdf_has_a_contents_page_with_page_numbers(first_run):
    _, en = _reports(first_run)
    contents = en.split("\fContents", 1)[1].split("Symbols")[0]     # the contents may take two pages
    assert re.search(r"1\. Summary of findings\.{3,}\s*\d+", contents), contents[:300]
    assert re.search(r"7\. Problems and recommendations \(draft\)\.{3,}\s*\d+", contents), contents[:600]
