"""A battery of malformed deliveries, each with its expected outcome, through ``literacy validate``.

Every case starts from the small valid delivery of ``ingest_kit`` (one round, 100
respondents and 120 sampled adults), breaks it in one way, and checks the outcome without
Prefect:

- **file-level** problems go through ``literacy validate``: exit status 2, exactly one line
  on stderr naming the file and the problem (and the line / column where there is one), no
  traceback;
- **row-level** problems go through the function behind it (``load_delivery``; three of them
  also through the command, exit status 0): the round's quarantine listing holds the
  expected (file, line, column, rule) rows and no others, the share stays under the
  maximum, every file reconciles exactly (rows read = rows kept + rows quarantined) and the
  sample keeps the rows of quarantined respondents, as nonrespondents.

The expected lines and rules are written by hand from the mutation, not from the code.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Callable

import pandas as pd
import pytest
import yaml

import ingest_kit as kit
from literacy_flows import cli

R = "2025"
RESP, SAMP, MARG = f"{R}/responses.csv", f"{R}/sample.csv", f"{R}/margins.csv"


# --------------------------------------------------------------------------- mutations
def _edit(name: str, fn: Callable[[pd.DataFrame], pd.DataFrame | None], encoding: str = "utf-8"):
    def mutate(raw: Path, cfg: dict) -> None:
        rid, table = name.split("/")
        df = kit.read(raw, rid, table.removesuffix(".csv"))
        out = fn(df)
        kit.write_csv(df if out is None else out, raw / name, encoding=encoding)
    return mutate


def _cell(name: str, row: int, column: str, value: str):
    def fn(df):
        df.loc[row, column] = value
    return _edit(name, fn)


def _bytes(name: str, fn: Callable[[bytes], bytes]):
    def mutate(raw: Path, cfg: dict) -> None:
        p = raw / name
        p.write_bytes(fn(p.read_bytes()))
    return mutate


def _config(fn: Callable[[dict], None]):
    def mutate(raw: Path, cfg: dict) -> None:
        fn(cfg)
    return mutate


def _both(*mutations):
    def mutate(raw: Path, cfg: dict) -> None:
        for m in mutations:
            m(raw, cfg)
    return mutate


def _as_format(name: str, ext: str, truncate: bool = False):
    """Replace <round>/<table>.csv by the same table in another format (optionally cut short)."""
    def mutate(raw: Path, cfg: dict) -> None:
        rid, table = name.split("/")
        stem = table.removesuffix(".csv")
        df = kit.read(raw, rid, stem)
        (raw / name).unlink()
        target = raw / rid / f"{stem}.{ext}"
        if ext == "xlsx":
            df.to_excel(target, index=False)
        elif ext == "parquet":
            df.to_parquet(target, index=False)
        elif ext == "sav":
            import pyreadstat
            pyreadstat.write_sav(df, str(target))
        if truncate:
            data = target.read_bytes()
            target.write_bytes(data[: len(data) // 2])
    return mutate


def _drop_column(name: str, column: str):
    return _edit(name, lambda df: df.drop(columns=column))


def _many_bad_answers(df):
    df.loc[:9, "Q02"] = "7"   # 10 of 100 rows (10%) above the 5% maximum


def _phone_ids(raw: Path, cfg: dict) -> None:
    for table in ("responses", "sample"):
        df = kit.read(raw, R, table)
        df["respondent_id"] = [f"138{i:08d}" for i in range(len(df))]
        kit.write_csv(df, raw / R / f"{table}.csv")


def _blank_header(df):
    df.insert(3, "", "x")   # a column with values but no name
    return df


def _duplicate_header(raw: Path, cfg: dict) -> None:
    p = raw / RESP
    lines = p.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[0] = lines[0].replace("education", "age", 1)
    p.write_text("".join(lines), encoding="utf-8")


def _short_row(raw: Path, cfg: dict) -> None:
    p = raw / RESP
    lines = p.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[20] = ",".join(lines[20].rstrip("\n").split(",")[:8]) + "\n"   # line 21: 8 of 15 fields
    p.write_text("".join(lines), encoding="utf-8")


def _unterminated_quote(raw: Path, cfg: dict) -> None:
    p = raw / RESP
    lines = p.read_text(encoding="utf-8").splitlines(keepends=True)
    fields = lines[-1].rstrip("\n").split(",")
    fields[3] = '"' + fields[3]   # a quoted field opened on the last line and never closed
    lines[-1] = ",".join(fields) + "\n"
    p.write_text("".join(lines), encoding="utf-8")


def _ambiguous(raw: Path, cfg: dict) -> None:
    kit.read(raw, R, "responses").to_parquet(raw / R / "responses.parquet", index=False)


def _xls_only(raw: Path, cfg: dict) -> None:
    (raw / RESP).rename(raw / R / "responses.xls")


def _xlsx_as_csv(raw: Path, cfg: dict) -> None:
    df = kit.read(raw, R, "responses")
    tmp = raw / "tmp.xlsx"
    df.to_excel(tmp, index=False)
    (raw / RESP).write_bytes(tmp.read_bytes())
    tmp.unlink()


def _psu_in_two_strata(df):
    # row 4 (line 6) of the sample is in stratum haibowan-urban, PSU haibowan-urban-P2; giving it a
    # certainty-style stratum keeps the stratum consistent with district and residence
    assert df.loc[3, "psu"] == "haibowan-urban-P2"
    df.loc[3, "stratum"] = "haibowan-urban-P9"


def _map_gender(cfg: dict) -> None:
    cfg.setdefault("ingest", {})["column_map"] = {"gender": "sex"}


def _add_gender(df):
    df["gender"] = df["sex"]


# --------------------------------------------------------------------------- the cases
def _line(pos: int) -> int:
    return kit.line_of(pos)


#: (case id, mutation, expected exit status, stderr fragments | quarantine rows (file, line, column, rule))
CASES = [
    # ---- file-level problems: exit 2, one line naming the file (and line / column)
    ("missing-file", lambda raw, cfg: (raw / RESP).unlink(), 2, [RESP, "file not found"]),
    ("empty-file", _bytes(RESP, lambda b: b""), 2, [RESP, "the file is empty"]),
    ("header-only", _bytes(RESP, lambda b: b.split(b"\n")[0] + b"\n"), 2, [RESP, "no data rows"]),
    ("undecodable-text", _bytes(RESP, lambda b: b.replace(b"haibowan", b"hai\xff\xfewan", 1)), 2,
     [RESP, "undecodable text", "line 2"]),
    ("truncated-csv", _bytes(RESP, lambda b: b[: b.rstrip(b"\n").rfind(b",") - 3]), 2,
     [RESP, "truncated file", "line 101"]),
    ("unterminated-quote", _unterminated_quote, 2, [RESP, "truncated or malformed CSV"]),
    ("truncated-xlsx", _as_format(RESP, "xlsx", truncate=True), 2, [f"{R}/responses.xlsx", "not a readable Excel"]),
    ("truncated-sav", _as_format(SAMP, "sav", truncate=True), 2, [f"{R}/sample.sav", "not a readable SPSS"]),
    ("truncated-parquet", _as_format(RESP, "parquet", truncate=True), 2,
     [f"{R}/responses.parquet", "not a readable Parquet"]),
    ("missing-column", _drop_column(SAMP, "psu"), 2, [SAMP, "missing column(s) 'psu'"]),
    ("missing-item-column", _drop_column(RESP, "Q03"), 2, [RESP, "missing column(s) 'Q03'"]),
    ("wrong-type-column", _edit(RESP, lambda df: df.assign(age="unknown")), 2,
     [RESP, "column 'age' has the wrong type", "100 of 100", "line 2"]),
    ("instrument-unparsable", _bytes("instrument.csv", lambda b: b.replace(b"Q03,methods,20", b"Q03,methods,twenty")),
     2,
     ["instrument.csv", "line 4", "'points'", "not a number"]),
    ("instrument-schema", _bytes("instrument.csv", lambda b: b.replace(b"Q04,spirit,20,true_false,2",
                                                                       b"Q04,spirit,20,true_false,3")), 2,
     ["instrument.csv", "line 5", "correct answer is one of valid_codes"]),
    ("config-not-yaml", None, 2, ["config.yaml", "not a valid YAML file"]),
    ("config-bad-ingest", _config(lambda c: c.setdefault("ingest", {}).update(max_quarantine_share=2)), 2,
     ["config.yaml", "ingest.max_quarantine_share"]),
    ("ambiguous-formats", _ambiguous, 2, [f"{R}/responses", "ambiguous", "responses.csv and responses.parquet"]),
    ("unsupported-format", _xls_only, 2, [f"{R}/responses.xls", "unsupported format", ".xlsx"]),
    ("xlsx-named-csv", _xlsx_as_csv, 2, [RESP, "zip archive", "rename it to .xlsx"]),
    ("binary-nul", _bytes(RESP, lambda b: b.replace(b"urban", b"ur\x00an", 1)), 2, [RESP, "NUL byte", "line 2"]),
    ("duplicate-header", _duplicate_header, 2, [RESP, "duplicate column name(s) 'age'"]),
    ("value-without-column-name", _edit(RESP, _blank_header), 2, [RESP, "column 4 has values but no name"]),
    ("margins-negative", _cell(MARG, 2, "population", "-5"), 2, [MARG, "line 4", "'population'", ">= 0"]),
    ("too-many-quarantined", _edit(RESP, _many_bad_answers), 2,
     [RESP, "10 of 100 rows quarantined", "ingest.max_quarantine_share", "invalid_answer 10"]),
    ("ids-are-phone-numbers", _phone_ids, 2, [RESP, "column 'respondent_id' holds personal identifiers"]),
    ("column-map-collision", _both(_config(_map_gender), _edit(RESP, _add_gender)), 2,
     [RESP, "after ingest.column_map", "'sex'", "appear twice"]),
    # ---- row-level problems: exit 0, quarantined with line, column and rule
    ("duplicate-id", _cell(RESP, 5, "respondent_id", "R0005"), 0,
     [(RESP, _line(5), "respondent_id", "duplicate_id"), (SAMP, _line(5), "responded", "no_responses")]),
    ("answer-code-out-of-range", _cell(RESP, 10, "Q01", "5"), 0, [(RESP, _line(10), "Q01", "invalid_answer")]),
    ("wrong-dont-know-code", _cell(RESP, 11, "Q02", "9"), 0, [(RESP, _line(11), "Q02", "invalid_answer")]),
    ("age-below-range", _cell(RESP, 12, "age", "17"), 0, [(RESP, _line(12), "age", "age_out_of_range")]),
    ("age-above-range", _both(_cell(RESP, 13, "age", "70"), _cell(SAMP, 13, "age", "70")), 0,
     [(RESP, _line(13), "age", "age_out_of_range"), (SAMP, _line(13), "age", "age_out_of_range")]),
    ("unknown-district", _cell(RESP, 14, "district", "baotou"), 0,
     [(RESP, _line(14), "district", "unknown_code"), (RESP, _line(14), "stratum", "inconsistent")]),
    ("unknown-sex-code", _cell(RESP, 15, "sex", "M"), 0, [(RESP, _line(15), "sex", "unknown_code")]),
    ("unknown-education", _cell(RESP, 16, "education", "phd"), 0, [(RESP, _line(16), "education", "unknown_code")]),
    ("blank-stratum", _cell(RESP, 17, "stratum", ""), 0, [(RESP, _line(17), "stratum", "missing_design")]),
    ("blank-psu-in-sample", _cell(SAMP, 18, "psu", ""), 0,
     [(SAMP, _line(18), "psu", "missing_design"), (RESP, _line(18), "respondent_id", "not_in_sample")]),
    ("selection-prob-above-one", _both(_cell(RESP, 19, "selection_prob", "1.5"), _cell(SAMP, 19, "selection_prob",
                                                                                       "1.5")), 0,
     [(RESP, _line(19), "selection_prob", "selection_prob_out_of_range"),
      (SAMP, _line(19), "selection_prob", "selection_prob_out_of_range")]),
    ("selection-prob-zero", _cell(SAMP, 110, "selection_prob", "0"), 0,
     [(SAMP, _line(110), "selection_prob", "selection_prob_out_of_range")]),
    ("psu-in-two-strata", _edit(SAMP, _psu_in_two_strata), 0,
     [(SAMP, _line(3), "stratum", "psu_in_two_strata"), (RESP, _line(3), "respondent_id", "not_in_sample")]),
    ("residence-contradicts-stratum", _cell(RESP, 20, "residence", "rural"), 0,
     [(RESP, _line(20), "stratum", "inconsistent")]),
    ("respondent-not-in-sample", _cell(RESP, 21, "respondent_id", "X9999"), 0,
     [(RESP, _line(21), "respondent_id", "not_in_sample"), (SAMP, _line(21), "responded", "no_responses")]),
    ("sample-says-nonrespondent", _cell(SAMP, 22, "responded", "0"), 0,
     [(RESP, _line(22), "responded", "sample_nonrespondent")]),
    ("respondent-missing-from-responses", _edit(RESP, lambda df: df.drop(index=23).reset_index(drop=True)), 0,
     [(SAMP, _line(23), "responded", "no_responses")]),
    ("unreadable-answer", _cell(RESP, 24, "Q04", "x"), 0, [(RESP, _line(24), "Q04", "unreadable_number")]),
    ("fractional-age", _cell(RESP, 25, "age", "30.5"), 0, [(RESP, _line(25), "age", "not_integer")]),
    ("short-record", _short_row, 0, [(RESP, 21, None, "malformed_row")]),
    ("phone-in-answer", _cell(RESP, 26, "Q05", "13812345678"), 0, [(RESP, _line(26), "Q05", "invalid_answer")]),
    ("id-number-in-psu", _cell(RESP, 27, "psu", "11010519491231002X"), 0,
     [(RESP, _line(27), "psu", "identifier_value")]),
    ("design-differs-from-sample", _cell(RESP, 28, "selection_prob", "0.009"), 0,
     [(RESP, _line(28), "selection_prob", "differs_from_sample")]),
    ("responded-not-binary", _cell(SAMP, 29, "responded", "2"), 0,
     [(SAMP, _line(29), "responded", "invalid_value"), (RESP, _line(29), "respondent_id", "not_in_sample")]),
    ("blank-respondent-id", _cell(RESP, 30, "respondent_id", ""), 0,
     [(RESP, _line(30), "respondent_id", "missing_value"), (SAMP, _line(30), "responded", "no_responses")]),
]


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    return kit.make_delivery(tmp_path_factory.mktemp("delivery") / "raw", rounds=(R,))


@pytest.fixture(scope="module")
def config_text() -> str:
    """The repository config with the one round of the small delivery."""
    cfg = yaml.safe_load(kit.CONFIG.read_text(encoding="utf-8"))
    cfg["rounds"] = [r for r in cfg["rounds"] if str(r["id"]) == R]
    return yaml.safe_dump(cfg, allow_unicode=True, sort_keys=False)


def _prepare(base: Path, tmp_path: Path, config_text: str, mutate, case: str) -> tuple[Path, Path]:
    raw = tmp_path / "raw"
    shutil.copytree(base, raw)
    cfg = yaml.load(config_text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    cfg_path = tmp_path / "config.yaml"
    if mutate is not None:
        mutate(raw, cfg)
    if case == "config-not-yaml":
        cfg_path.write_text("assessment: [unclosed\n", encoding="utf-8")
    else:
        cfg_path.write_text(yaml.safe_dump(cfg, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return cfg_path, raw


def _run(base: Path, tmp_path: Path, config_text: str, mutate, capsys, case: str):
    """``literacy validate --write`` on the mutated delivery."""
    cfg_path, raw = _prepare(base, tmp_path, config_text, mutate, case)
    status = cli.main(["validate", "--config", str(cfg_path), "--raw", str(raw), "--write", str(tmp_path / "q")])
    return status, capsys.readouterr(), cfg_path, raw


def _load(cfg_path: Path, raw: Path):
    from literacy_flows.ingest.delivery import load_delivery
    from literacy_flows.ingest.io import load_config

    return load_delivery(load_config(cfg_path, raw, raw).config, raw)


FILE_CASES = [c for c in CASES if c[2] == 2]
ROW_CASES = [c for c in CASES if c[2] == 0]


def test_the_battery_is_large_enough():
    assert len(CASES) >= 25
    assert len({c[0] for c in CASES}) == len(CASES)
    assert len(FILE_CASES) >= 20 and len(ROW_CASES) >= 20


def test_the_clean_delivery_passes(base, tmp_path, config_text, capsys):
    status, captured, _, _ = _run(base, tmp_path, config_text, None, capsys, "clean")
    assert status == 0, captured.err
    assert "No row quarantined." in captured.out and captured.err == ""
    q = pd.read_csv(tmp_path / "q" / R / "quarantine.csv", dtype=str)
    assert list(q.columns) == ["file", "line", "respondent_id", "column", "value", "rule", "reason", "action"]
    assert q.empty


@pytest.mark.parametrize("case, mutate, status, expected", FILE_CASES, ids=[c[0] for c in FILE_CASES])
def test_file_level_problem(base, tmp_path, config_text, capsys, case, mutate, status, expected):
    got, captured, _, _ = _run(base, tmp_path, config_text, mutate, capsys, case)
    assert got == 2, (captured.out, captured.err)
    assert "Traceback" not in captured.err
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("literacy: error: ")
    for fragment in expected:
        assert fragment in lines[0], (fragment, lines[0])


@pytest.mark.parametrize("case, mutate, status, expected", ROW_CASES, ids=[c[0] for c in ROW_CASES])
def test_row_level_problem(base, tmp_path, config_text, case, mutate, status, expected):
    from literacy_flows.ingest.delivery import check_quarantine_share

    cfg_path, raw = _prepare(base, tmp_path, config_text, mutate, case)
    d = _load(cfg_path, raw)
    check_quarantine_share(d)   # within the maximum: literacy validate exits 0
    _check_quarantine(d.quarantine[R], expected)
    _reconciles(d, d.quarantine[R])


@pytest.mark.parametrize("case", ["duplicate-id", "psu-in-two-strata", "phone-in-answer"])
def test_row_level_problem_through_the_command(base, tmp_path, config_text, capsys, case):
    _, mutate, _, expected = next(c for c in CASES if c[0] == case)
    status, captured, _, _ = _run(base, tmp_path, config_text, mutate, capsys, case)
    assert status == 0 and captured.err == "", captured.err
    assert "Rows by rule" in captured.out and "OK: every file within ingest.max_quarantine_share" in captured.out
    q = pd.read_csv(tmp_path / "q" / R / "quarantine.csv", dtype=str, keep_default_na=False)
    _check_quarantine(q, expected)


def _check_quarantine(q: pd.DataFrame, expected) -> None:
    found = {(r.file, int(r.line), (r.column if isinstance(r.column, str) and r.column else None), r.rule)
             for r in q.itertuples()}
    for row in expected:
        assert row in found, (row, found)
    # nothing else was quarantined: only the expected lines of the expected files
    assert {(f, ln) for f, ln, _, _ in found} == {(f, ln) for f, ln, _, _ in expected}


def _reconciles(d, q: pd.DataFrame) -> None:
    """rows read = rows kept + rows quarantined, per file; quarantined respondents stay as nonrespondents."""
    for info in d.files:
        assert info.rows_read == info.rows_kept + info.rows_quarantined, info.rel
        listed = q[(q["file"] == info.rel) & (q["action"] == "quarantined")]["line"].nunique()
        assert info.rows_quarantined == listed, info.rel
    sample, responses = d.rounds[R]["sample"], d.rounds[R]["responses"]
    responded = sample["responded"].to_numpy() == 1
    assert set(sample.loc[responded, "respondent_id"]) == set(responses["respondent_id"])
    # the sample keeps every row that was not itself quarantined
    assert len(sample) == d.info(SAMP).rows_read - d.info(SAMP).rows_quarantined


def test_quarantine_values_are_masked(base, tmp_path, config_text, capsys):
    mutate = _both(_cell(RESP, 26, "Q05", "13812345678"), _cell(RESP, 40, "Q03", "张伟"),
                   _cell(RESP, 41, "psu", "11010519491231002X"))
    status, captured, _, _ = _run(base, tmp_path, config_text, mutate, capsys, "masked")
    assert status == 0, captured.err
    text = (tmp_path / "q" / R / "quarantine.csv").read_text(encoding="utf-8")
    for secret in ("13812345678", "张伟", "11010519491231002X"):
        assert secret not in text and secret not in captured.out
    assert "<masked phone number>" in text and "<masked: 2 characters>" in text and "<masked ID number>" in text


def test_duplicate_rows_keep_the_first(base, tmp_path, config_text):
    cfg_path, raw = _prepare(base, tmp_path, config_text, _cell(RESP, 5, "respondent_id", "R0005"), "dup")
    d = _load(cfg_path, raw)
    kept = d.rounds[R]["responses"]
    first = kit.read(raw, R, "responses").iloc[4]
    row = kept[kept["respondent_id"] == "R0005"]
    assert len(row) == 1 and row["age"].iloc[0] == int(first["age"])   # the first row (line 6) is kept
    sample = d.rounds[R]["sample"]
    assert int(sample.loc[sample["respondent_id"] == "R0006", "responded"].iloc[0]) == 0   # now a nonrespondent
    assert len(sample) == kit.N_SAMPLE
