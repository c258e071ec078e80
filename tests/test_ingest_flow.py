"""The whole flow on a messy delivery: formats, quarantine, no identifier anywhere, caching, failure safety.

A small simulated programme is rewritten the way vendors deliver: the 2020 responses as an
Excel workbook, the 2020 sample as SPSS with value labels, the 2025 responses as GB18030
CSV, the 2025 sample as UTF-8 with a byte-order mark, plus names, phone numbers, resident ID
numbers and addresses in extra columns *and* inside answer cells, and a few bad rows. Three
runs of ``literacy run``:

1. the outputs exist, the quarantine lists the bad rows, the manifest reconciles every file
   and records formats, encodings and the dropped columns, and none of the planted
   identifiers appears in any output file, the Prefect result store, the artifacts or the
   logs;
2. a rerun on the same inputs reuses the cached ingest (the delivery is not read again)
   and writes byte-identical outputs;
3. a rerun on a changed input reads it again (the cache key changed) and is interrupted
   while writing its outputs: the previous outputs are left exactly as they were, and no
   staging folder remains.
"""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from literacy_flows import cli
from province_kit import tree_hashes

pytestmark = pytest.mark.flow

NAMES = ["张伟", "王秀英", "李娜", "刘洋"]
PHONES = ["13812345678", "15987654321", "18600001111", "13700002222"]
ID_NUMBERS = ["11010519491231002X", "440524188001010014"]
ADDRESS = "乌海市海勃湾区滨河街道幸福小区3号楼"
SECRETS = [*NAMES, *PHONES, *ID_NUMBERS, ADDRESS, "滨河街道"]



@pytest.fixture(scope="module")
def programme(simulated_programme) -> Path:
    """The small simulated delivery in clean/, rewritten the way vendors deliver into raw/."""
    path = simulated_programme("messy", raw="clean")
    _make_messy(path.parent / "clean", path.parent / "raw")
    return path


def _typed(df: pd.DataFrame, numeric) -> pd.DataFrame:
    out = df.copy()
    for c in numeric:
        out[c] = pd.to_numeric(out[c].replace("", np.nan))
    return out


def _make_messy(clean: Path, raw: Path) -> None:
    import pyreadstat

    shutil.copytree(clean, raw)
    # the answer columns of 2020's form (the default programme has a form per round)
    items = pd.read_csv(clean / "2020" / "instrument.csv", dtype=str)["item_id"].tolist()
    # 2020 responses: Excel, with an address column
    r20 = pd.read_csv(clean / "2020" / "responses.csv", dtype=str, keep_default_na=False)
    r20.insert(1, "address", ADDRESS)
    (raw / "2020" / "responses.csv").unlink()
    _typed(r20, ["selection_prob", "age", *items]).to_excel(raw / "2020" / "responses.xlsx", index=False)
    # 2020 sample: SPSS, sex coded 1/2 with value labels
    s20 = _typed(pd.read_csv(clean / "2020" / "sample.csv", dtype=str, keep_default_na=False),
                 ["selection_prob", "age", "responded"])
    s20["sex"] = s20["sex"].map({"male": 1.0, "female": 2.0})
    (raw / "2020" / "sample.csv").unlink()
    pyreadstat.write_sav(s20, str(raw / "2020" / "sample.sav"), variable_value_labels={"sex": {1: "male", 2: "female"}})
    # 2025 responses: GB18030 text with identifiers in extra columns and in answer cells, and bad rows
    r25 = pd.read_csv(clean / "2025" / "responses.csv", dtype=str, keep_default_na=False)
    n = len(r25)
    r25.insert(1, "姓名", [NAMES[i % len(NAMES)] for i in range(n)])
    r25["联系电话"] = [PHONES[i % len(PHONES)] for i in range(n)]
    r25["contact"] = [PHONES[(i + 1) % len(PHONES)] for i in range(n)]        # found by value, not by name
    r25["备注"] = ""
    r25.loc[3, "备注"] = f"身份证 {ID_NUMBERS[0]}，住{ADDRESS}"
    items25 = pd.read_csv(clean / "2025" / "instrument.csv", dtype=str)["item_id"].tolist()   # 2025's own form
    r25.loc[5, items25[4]] = PHONES[0]      # line 7: a phone number typed into an answer
    r25.loc[6, items25[2]] = NAMES[1]       # line 8: a name typed into an answer
    r25.loc[8, "respondent_id"] = r25.loc[7, "respondent_id"]   # line 10: a duplicated interview
    r25.loc[9, "age"] = "17"                # line 11: under the survey's age range
    r25.loc[10, "psu"] = ID_NUMBERS[1]      # line 12: an ID number as PSU
    (raw / "2025" / "responses.csv").write_bytes(r25.to_csv(index=False, lineterminator="\n").encode("gb18030"))
    s25 = pd.read_csv(clean / "2025" / "sample.csv", dtype=str, keep_default_na=False)
    (raw / "2025" / "sample.csv").write_bytes(s25.to_csv(index=False, lineterminator="\n").encode("utf-8-sig"))


class _Records:
    def __init__(self):
        self.lines: list[str] = []


def _record_logs(mp: pytest.MonkeyPatch) -> _Records:
    """Record every log record of the process, whatever handlers Prefect's logging setup installs."""
    records = _Records()
    real = logging.Logger.callHandlers

    def call_handlers(self, record):
        records.lines.append(record.getMessage())
        return real(self, record)

    mp.setattr(logging.Logger, "callHandlers", call_handlers)
    return records


@pytest.fixture
def logs(monkeypatch):
    """Every log record of the process during one test."""
    return _record_logs(monkeypatch)


def _text_of(path: Path) -> str:
    """Everything a file holds, as text (tables read through their format)."""
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        df = pd.read_parquet(path)
        return " ".join(map(str, df.columns)) + "\n" + df.astype(str).to_csv(index=False)
    if suffix == ".xlsx":
        from openpyxl import load_workbook
        wb = load_workbook(path, read_only=True)
        return "\n".join(str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row)
    return path.read_bytes().decode("utf-8", errors="replace")


def _leaks(folder: Path) -> list[tuple[str, str]]:
    found = []
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            text = _text_of(p)
            found += [(p.as_posix(), s) for s in SECRETS if s in text]
    return found


@pytest.fixture(scope="module")
def first_run(programme, prefect_harness):
    """The first run on the messy delivery: exit status, output tree, log lines and errors.

    Module-scoped so the tests that need a previous run (the rerun, the interrupted run) get it
    whichever of them runs first, instead of depending on test order.
    """
    out = programme.parent / "out"
    with pytest.MonkeyPatch.context() as mp:
        records = _record_logs(mp)
        seen = _record_errors(mp)
        code = _run(programme, out)
    return {"code": code, "out": out, "tree": tree_hashes(out) if code == 0 else {}, "logs": records.lines,
            "errors": seen}


def _record_errors(mp: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    real = cli._error

    def record(message: str) -> int:
        seen.append(str(message))
        return real(message)

    mp.setattr(cli, "_error", record)
    return seen


@pytest.fixture
def errors(monkeypatch) -> list[str]:
    """The one-line errors the command prints (recorded instead of captured from stderr: Prefect's
    console log handler keeps the stream it was set up with, so these tests leave stderr alone)."""
    return _record_errors(monkeypatch)


def _count_reads(monkeypatch) -> list:
    from literacy_flows.ingest import delivery

    calls = []
    original = delivery.load_delivery

    def counting(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(delivery, "load_delivery", counting)
    return calls


def _run(programme: Path, out: Path) -> int:
    return cli.main(["run", "--config", str(programme), "--raw", str(programme.parent / "raw"), "--out", str(out),
                     "--no-notebooks"])


def test_first_run(programme, first_run):
    out = first_run["out"]
    assert first_run["code"] == 0, first_run["errors"]
    runs = first_run
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    inputs = {e["file"]: e for e in manifest["inputs"]}
    # formats and encodings found and recorded
    assert inputs["2020/responses.xlsx"]["format"] == "xlsx"
    assert inputs["2020/sample.sav"]["format"] == "sav" and inputs["2020/sample.sav"]["value_labels_applied"] == ["sex"]
    assert inputs["2025/responses.csv"]["encoding"] == "gb18030"
    assert inputs["2025/sample.csv"]["encoding"] == "utf-8-sig"
    # the dropped columns, by name only
    dropped = {d["column"]: d["reason"] for d in manifest["privacy"]["dropped_columns"]["2025/responses.csv"]}
    assert set(dropped) == {"姓名", "联系电话", "contact", "备注"}
    assert dropped["contact"] == "identifier values (phone)"
    assert [d["column"] for d in manifest["privacy"]["dropped_columns"]["2020/responses.xlsx"]] == ["address"]
    # the quarantine: exactly the bad rows, with masked values
    q = pd.read_csv(out / "2025" / "quarantine.csv", dtype=str, keep_default_na=False)
    rows = {(int(r.line), r.rule) for r in q.itertuples() if r.file == "2025/responses.csv"}
    assert {(7, "invalid_answer"), (8, "unreadable_number"), (10, "duplicate_id"), (11, "age_out_of_range"),
            (12, "identifier_value")} <= rows
    assert {ln for ln, _ in rows} == {7, 8, 10, 11, 12}
    assert set(q.loc[q["line"].isin(["7", "12"]), "value"]) >= {"<masked phone number>", "<masked ID number>"}
    # reconciliation, per file: rows read = rows kept + rows quarantined
    for name, f in manifest["quarantine"]["files"].items():
        assert f["rows_read"] == f["rows_kept"] + f["rows_quarantined"], name
        assert inputs[name]["rows_read"] == f["rows_read"] and inputs[name]["rows"] == f["rows_kept"]
    assert manifest["quarantine"]["files"]["2025/responses.csv"]["rows_quarantined"] == 5
    # the quarantined respondents stay in the sample as nonrespondents (the duplicate's original is kept)
    s25 = manifest["quarantine"]["files"]["2025/sample.csv"]
    assert s25["rows_kept"] == s25["rows_read"] and s25["quarantined_respondents_as_nonrespondents"] == 5
    assert manifest["row_counts"]["weight"]["2025"]["respondents"] == inputs["2025/responses.csv"]["rows_read"] - 5
    listed = {o["file"]: o for o in manifest["outputs"]}
    assert listed["2025/quarantine.csv"]["rows"] == len(q) and listed["2020/quarantine.csv"]["rows"] == 0
    assert listed["2025/quarantine.csv"]["sha256"] == runs["tree"]["2025/quarantine.csv"]
    # no identifier anywhere: outputs, the Prefect result store, artifacts, logs, the console
    from literacy_flows.ingest.cache import store_root

    assert _leaks(out) == []
    assert _leaks(store_root().parent) == []
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts()
    assert artifacts and not any(s in str(a.data) + str(a.description) for a in artifacts for s in SECRETS)
    text = "\n".join(first_run["logs"])
    assert "quarantine" in text and not [s for s in SECRETS if s in text]


def test_rerun_reuses_the_cached_ingest_and_is_byte_identical(programme, first_run, monkeypatch, logs, errors):
    runs = first_run
    assert runs["code"] == 0, runs["errors"]
    reads = _count_reads(monkeypatch)
    out = programme.parent / "out"
    assert _run(programme, out) == 0, errors
    assert reads == []   # the delivery was not read again
    assert any("reusing the stored reading" in line for line in logs.lines)
    assert tree_hashes(out) == runs["tree"]


def test_interrupted_run_leaves_the_previous_outputs(programme, first_run, monkeypatch, errors):
    runs = first_run
    assert runs["code"] == 0, runs["errors"]
    from literacy_flows.ingest import io as fio

    raw = programme.parent / "raw"
    path = raw / "2025" / "margins.csv"
    original = path.read_bytes()
    reads = _count_reads(monkeypatch)
    real_write = fio.atomic_write_bytes
    written = []

    def failing_write(target, data):
        # the run's own output files (in its staging folder; not the work area nor the ingest store)
        if ".out.staging-" in str(target) and "_work" not in Path(target).parts:
            if len(written) == 6:   # two quarantine files and four of the report's tables are written
                raise OSError(28, "No space left on device (simulated)")
            written.append(Path(target).name)
        return real_write(target, data)

    monkeypatch.setattr(fio, "atomic_write_bytes", failing_write)
    try:
        path.write_bytes(original.replace(b"Illustrative", b"Simulated; illustrative", 1))   # a changed input
        status = _run(programme, programme.parent / "out")
    finally:
        path.write_bytes(original)
    assert status == 2 and len(errors) == 1 and "No space left on device" in errors[0]
    assert reads == [1]   # the changed file changed the cache key: read again
    assert len(written) == 6 and "quarantine.csv" in written
    out = programme.parent / "out"
    assert tree_hashes(out) == runs["tree"]   # the previous outputs, untouched
    assert sorted(p.name for p in out.parent.iterdir() if p.name.startswith(".out.")) == []
