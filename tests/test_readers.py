"""Delivery readers: every format and encoding reads back to the same typed tables as UTF-8 CSV.

The small delivery of ``ingest_kit`` is rewritten with its responses and sample in another
format (GBK / GB18030 text, UTF-8 with a byte-order mark, UTF-16 tab-separated text,
Excel, SPSS .sav and compressed .zsav with value labels and user-missing codes, Stata .dta,
Parquet) or with vendor column names and codes; ``load_delivery`` must give tables equal to
those of the plain CSV delivery, and report the format and encoding it found.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

import ingest_kit as kit
from literacy_flows.ingest.delivery import load_delivery
from literacy_flows.ingest.io import load_config
from literacy_flows.ingest.readers import InputError, find_delivery_file, read_table

R = "2025"


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    return kit.make_delivery(tmp_path_factory.mktemp("readers") / "raw", rounds=(R,))


@pytest.fixture(scope="module")
def config_path(tmp_path_factory) -> Path:
    cfg = yaml.safe_load(kit.CONFIG.read_text(encoding="utf-8"))
    cfg["rounds"] = [r for r in cfg["rounds"] if str(r["id"]) == R]
    path = tmp_path_factory.mktemp("cfg") / "config.yaml"
    path.write_text(yaml.safe_dump(cfg, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def reference(base, config_path):
    """The typed tables of the plain UTF-8 CSV delivery."""
    return load_delivery(load_config(config_path, base, base).config, base)


def _copy(base: Path, tmp_path: Path) -> Path:
    raw = tmp_path / "raw"
    shutil.copytree(base, raw)
    return raw


def _typed(df: pd.DataFrame) -> pd.DataFrame:
    """The text table with the contract's numbers as numbers (as a vendor's typed file holds them)."""
    out = df.copy()
    for c in out.columns:
        if c in ("age", "responded", *kit.ITEMS):
            out[c] = pd.to_numeric(out[c].replace("", np.nan)).astype("float64")
        elif c == "selection_prob":
            out[c] = out[c].astype(float)
    return out


def _same(reference, got, config_path, raw) -> None:
    for name in ("responses", "sample", "margins"):
        pd.testing.assert_frame_equal(got.rounds[R][name], reference.rounds[R][name], check_dtype=True)
    assert got.quarantine[R].empty


def _load(config_path, raw, **ingest):
    cfg = load_config(config_path, raw, raw).config
    cfg["ingest"].update(ingest)
    return load_delivery(cfg, raw)


@pytest.mark.parametrize("encoding, reported", [("gb18030", "gb18030"), ("gbk", "gb18030"),
                                                 ("utf-8-sig", "utf-8-sig")])
def test_chinese_text_encodings(base, tmp_path, config_path, reference, encoding, reported):
    raw = _copy(base, tmp_path)
    for name in ("responses", "sample"):
        df = kit.read(raw, R, name)
        df["sex"] = df["sex"].map({"male": "男", "female": "女"})   # Chinese codes, recoded by the value map
        kit.write_csv(df, raw / R / f"{name}.csv", encoding=encoding)
    got = _load(config_path, raw, value_map={"sex": {"男": "male", "女": "female"}})
    _same(reference, got, config_path, raw)
    assert got.info(f"{R}/responses.csv").encoding == reported


def test_gbk_chinese_values_are_decoded(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes("编号,区\n1,海勃湾区\n2,乌达区\n".encode("gbk"))
    table = read_table(path)
    assert table.encoding == "gb18030"
    assert list(table.data.columns) == ["编号", "区"] and table.data["区"].tolist() == ["海勃湾区", "乌达区"]


def test_bom_is_not_part_of_the_first_column(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes("\ufeffrespondent_id,sex\n0012,male\n".encode("utf-8"))
    table = read_table(path)
    assert table.encoding == "utf-8-sig" and list(table.data.columns) == ["respondent_id", "sex"]
    assert table.data["respondent_id"].tolist() == ["0012"]   # leading zeros kept


def test_utf16_tab_separated_text(base, tmp_path, config_path, reference):
    raw = _copy(base, tmp_path)
    df = kit.read(raw, R, "responses")
    (raw / R / "responses.csv").write_bytes(df.to_csv(index=False, sep="\t", lineterminator="\n").encode("utf-16"))
    got = _load(config_path, raw)
    _same(reference, got, config_path, raw)
    info = got.info(f"{R}/responses.csv")
    assert info.encoding == "utf-16"


def test_excel(base, tmp_path, config_path, reference):
    raw = _copy(base, tmp_path)
    for name in ("responses", "sample"):
        df = _typed(kit.read(raw, R, name))
        (raw / R / f"{name}.csv").unlink()
        with pd.ExcelWriter(raw / R / f"{name}.xlsx") as xw:
            pd.DataFrame({"note": ["cover sheet"]}).to_excel(xw, sheet_name="cover", index=False)
            df.to_excel(xw, sheet_name=name, index=False)   # the sheet named like the file is read
    got = _load(config_path, raw)
    _same(reference, got, config_path, raw)
    info = got.info(f"{R}/responses.xlsx")
    assert (info.format, info.unit, info.sheet) == ("xlsx", "row", "responses")


@pytest.mark.parametrize("ext", ["sav", "zsav", "dta"])
def test_spss_and_stata_with_value_labels(base, tmp_path, config_path, reference, ext):
    import pyreadstat

    raw = _copy(base, tmp_path)
    for name in ("responses", "sample"):
        df = _typed(kit.read(raw, R, name))
        # the vendor codes sex 1/2 with value labels; answers carry labels that must NOT be applied
        df["sex"] = df["sex"].map({"male": 1.0, "female": 2.0})
        labels = {"sex": {1: "male", 2: "female"}}
        if name == "responses":
            labels.update({q: {1: "对", 2: "错", 8: "不知道"} for q in kit.ITEMS})
        (raw / R / f"{name}.csv").unlink()
        target = raw / R / f"{name}.{ext}"
        if ext == "dta":
            pyreadstat.write_dta(df, str(target), variable_value_labels=labels)
        else:
            missing = {q: [8] for q in kit.ITEMS} if name == "responses" else None   # 8 declared user-missing
            pyreadstat.write_sav(df, str(target), compress=(ext == "zsav"), variable_value_labels=labels,
                                 missing_ranges=missing)
    got = _load(config_path, raw)
    _same(reference, got, config_path, raw)
    info = got.info(f"{R}/responses.{ext}")
    assert info.format == ext and info.unit == "case"
    assert info.value_labels == ["sex"]   # applied to sex only, not to the answer codes


def test_parquet(base, tmp_path, config_path, reference):
    raw = _copy(base, tmp_path)
    for name in ("responses", "sample"):
        df = _typed(kit.read(raw, R, name))
        df["age"] = df["age"].astype("int64")
        (raw / R / f"{name}.csv").unlink()
        df.to_parquet(raw / R / f"{name}.parquet", index=False)
    got = _load(config_path, raw)
    _same(reference, got, config_path, raw)
    assert got.info(f"{R}/responses.parquet").format == "parquet"


def test_vendor_column_names_and_codes(base, tmp_path, config_path, reference):
    raw = _copy(base, tmp_path)
    rename = {"respondent_id": "ID", "sex": "gender", **{q: q.replace("Q0", "q") for q in kit.ITEMS}}
    for name in ("responses", "sample"):
        df = kit.read(raw, R, name)
        df["sex"] = df["sex"].map({"male": "男", "female": "女"})
        kit.write_csv(df.rename(columns=rename), raw / R / f"{name}.csv")
    got = _load(config_path, raw, column_map={v: k for k, v in rename.items()},
                value_map={"sex": {"男": "male", "女": "female"}})
    _same(reference, got, config_path, raw)
    info = got.info(f"{R}/responses.csv")
    assert info.renamed["gender"] == "sex" and info.recoded == {"sex": kit.N_RESPONDENTS}


def test_file_lines_count_blank_lines_and_quoted_line_breaks(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text('id,note\n1,a\n\n2,"two\nlines"\n3,c\n\n\n', encoding="utf-8")
    table = read_table(path)
    assert table.data["id"].tolist() == ["1", "2", "3"]
    assert table.lines.tolist() == [2, 4, 6]        # the blank line 3 is not a row; row 3 starts on line 6
    assert table.data["note"].tolist()[1] == "two\nlines"


def test_excel_rows_are_sheet_rows(tmp_path):
    path = tmp_path / "t.xlsx"
    pd.DataFrame({"id": ["a", None, "c"], "x": [1, None, 3.5]}).to_excel(path, index=False)
    table = read_table(path)
    assert table.data["id"].tolist() == ["a", "c"] and table.data["x"].tolist() == ["1", "3.5"]
    assert table.lines.tolist() == [2, 4] and table.where(1) == "row 4"


def test_the_first_supported_format_is_the_delivery(tmp_path):
    assert find_delivery_file(tmp_path, "responses") == tmp_path / "responses.csv"   # none: the .csv is named
    (tmp_path / "responses.dta").write_bytes(b"x")
    assert find_delivery_file(tmp_path, "responses") == tmp_path / "responses.dta"
    (tmp_path / "responses.xlsx").write_bytes(b"x")
    with pytest.raises(InputError, match="ambiguous delivery: both responses.xlsx and responses.dta"):
        find_delivery_file(tmp_path, "responses")
