"""Reading a delivery with types, reproducible writing, and the pandera schemas' one-line errors.

Small hand-made tables: no simulation, no Prefect.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

import literacy_schemas as S
from literacy.errors import ConfigError, LiteracyError
from literacy_flows.ingest import io as fio

CONFIG = Path(__file__).resolve().parents[1] / "config" / "wuhai.yaml"

INSTRUMENT = """item_id,part,points,item_type,correct,valid_codes,dont_know_code,text_zh,text_en
Q01,knowledge,20,true_false,1,1;2,8,甲,A
Q02,knowledge,20,single_choice,3,1;2;3;4,8,乙,B
Q03,methods,20,single_choice,2,1;2;3;4,8,丙,C
Q04,spirit,20,true_false,2,1;2,8,丁,D
Q05,application,20,single_choice,4,1;2;3;4,8,戊,E
"""

HEAD = "respondent_id,district,residence,stratum,psu,selection_prob,sex,age,education,occupation,Q01,Q02,Q03,Q04,Q05\n"
RESPONSES = HEAD + (
    "0001,haibowan,urban,haibowan-urban,HBW-1,0.01,male,25,bachelor_plus,professional,1,3,2,2,4\n"
    "0002,haibowan,urban,haibowan-urban,HBW-1,0.01,female,61,junior_high,not_working,8,, 1 ,2,8\n"
    "0003,wuda,rural,wuda-rural,WD-7,0.02,female,44,primary_or_less,farmer_herder,2,1,8,1,3\n"
)


@pytest.fixture(scope="module")
def config():
    return fio.load_config(CONFIG).config


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- config
def test_config_paths_resolve_against_the_config_folder(tmp_path):
    cfg = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    cfg["paths"] = {"raw": "delivery", "processed": "../out"}
    path = _write(tmp_path / "cfg", "c.yaml", yaml.safe_dump(cfg, allow_unicode=True))
    loaded = fio.load_config(path)
    assert loaded.raw_dir == (tmp_path / "cfg" / "delivery").resolve()
    assert loaded.processed_dir == (tmp_path / "out").resolve()
    assert loaded.config["paths"]["raw"] == str(loaded.raw_dir)
    assert loaded.source["paths"]["raw"] == "delivery"  # the file's content, untouched
    over = fio.load_config(path, raw_dir=tmp_path / "r", out_dir=tmp_path / "o")
    assert (over.raw_dir, over.processed_dir) == ((tmp_path / "r").resolve(), (tmp_path / "o").resolve())


def test_config_error_names_the_file(tmp_path):
    cfg = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    cfg["scoring"]["parts"]["knowledge"][0] = 50  # parts no longer add up to 100
    path = _write(tmp_path, "bad.yaml", yaml.safe_dump(cfg, allow_unicode=True))
    with pytest.raises(ConfigError, match=r"bad\.yaml: scoring: the parts' points do not add up to max_score$"):
        fio.load_config(path)


# --------------------------------------------------------------------------- reading
def test_responses_are_typed(tmp_path):
    path = _write(tmp_path, "responses.csv", RESPONSES + "\n\n")  # trailing empty lines are not rows
    df = fio.read_responses(path, ["Q01", "Q02", "Q03", "Q04", "Q05"])
    assert len(df) == 3
    assert df["respondent_id"].tolist() == ["0001", "0002", "0003"]  # leading zeros kept
    assert isinstance(df["district"].dtype, pd.StringDtype)
    assert str(df["Q01"].dtype) == "Int64" and str(df["age"].dtype) == "Int64"
    assert df["selection_prob"].dtype == np.float64
    assert df["Q02"].isna().tolist() == [False, True, False]  # blank = skipped
    assert df.loc[1, "Q03"] == 1  # " 1 " trimmed


@pytest.mark.parametrize("cell, message", [
    ("x", r"responses\.csv: line 3, column 'Q04': 'x' is not a number"),
    ("1.5", r"responses\.csv: line 3, column 'Q04': '1\.5' is not an integer"),
])
def test_unreadable_code_names_file_line_and_column(tmp_path, cell, message):
    text = RESPONSES.replace("8,, 1 ,2,8", f"8,, 1 ,{cell},8")
    path = _write(tmp_path, "responses.csv", text)
    with pytest.raises(fio.InputError, match=message):
        fio.read_responses(path, ["Q01", "Q02", "Q03", "Q04", "Q05"])


def test_missing_column_and_missing_file(tmp_path):
    path = _write(tmp_path, "responses.csv", RESPONSES)
    with pytest.raises(fio.InputError, match=r"responses\.csv: missing column\(s\) 'Q06'"):
        fio.read_responses(path, ["Q01", "Q06"])
    with pytest.raises(fio.InputError, match=r"nope\.csv: file not found"):
        fio.read_sample(tmp_path / "nope.csv")
    assert issubclass(fio.InputError, LiteracyError)


def test_blank_age_is_an_error(tmp_path):
    path = _write(tmp_path, "responses.csv", RESPONSES.replace("female,61,", "female,,"))
    with pytest.raises(fio.InputError, match=r"line 3, column 'age': blank value"):
        fio.read_responses(path, ["Q01"])


# --------------------------------------------------------------------------- writing
def test_atomic_write_replaces_and_leaves_no_temporary_file(tmp_path):
    target = tmp_path / "sub" / "t.csv"
    fio.atomic_write_bytes(target, b"one")
    fio.atomic_write_bytes(target, b"two")
    assert target.read_bytes() == b"two"
    assert [p.name for p in target.parent.iterdir()] == ["t.csv"]


def test_csv_uses_a_fixed_float_format():
    df = pd.DataFrame({"a": [0.1 + 0.2, 1 / 3, np.nan], "n": [1, 2, 3], "s": ["x", "是", None]})
    assert fio.csv_bytes(df).decode("utf-8-sig") == "a,n,s\n0.3,1,x\n0.333333333333,2,是\n,3,\n"


def test_csv_starts_with_a_byte_order_mark_for_excel(tmp_path):
    """Excel on Chinese Windows reads a CSV as GBK unless it starts with the UTF-8 byte-order mark (issue 24)."""
    df = pd.DataFrame({"label_zh": ["海勃湾区"], "estimate": [0.1]})
    data = fio.csv_bytes(df)
    assert data.startswith(b"\xef\xbb\xbf") and data.count(b"\xef\xbb\xbf") == 1
    data[3:].decode("utf-8")                                   # the rest is plain UTF-8
    path = fio.write_csv(df, tmp_path / "t.csv")
    back = pd.read_csv(path)                                   # pandas drops the mark
    assert list(back.columns) == ["label_zh", "estimate"] and back["label_zh"][0] == "海勃湾区"
    assert fio.csv_bytes(df) == fio.csv_bytes(df.copy())       # deterministic


def test_parquet_is_reproducible_and_keeps_types():
    df = pd.DataFrame({"id": pd.array(["01", "02"], dtype="string"), "q": pd.array([1, None], dtype="Int64"),
                       "x": [0.5, 0.25]})
    data = fio.parquet_bytes(df)
    assert data == fio.parquet_bytes(df.copy())
    back = pd.read_parquet(io.BytesIO(data))
    assert back["id"].tolist() == ["01", "02"] and str(back["q"].dtype) == "Int64" and back["q"].isna().tolist() == [False, True]


def test_excel_has_fixed_dates():
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["a", 1])
    data = fio.excel_bytes(wb)
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert {i.date_time for i in archive.infolist()} == {fio.FIXED_DATETIME}
    core = archive.read("docProps/core.xml").decode("utf-8")
    assert "2000-01-01T00:00:00Z" in core and core.count("2000-01-01") == 2


# --------------------------------------------------------------------------- schemas
def _instrument(tmp_path, text=INSTRUMENT) -> pd.DataFrame:
    return fio.read_instrument(_write(tmp_path, "instrument.csv", text))


def test_valid_tables_pass(tmp_path, config):
    ins = S.validate(_instrument(tmp_path), S.instrument_schema(config), "instrument.csv")
    resp = fio.read_responses(_write(tmp_path, "r.csv", RESPONSES), ins["item_id"])
    S.validate(resp, S.responses_schema(config, ins), "r.csv")


def test_bad_answer_codes_name_line_and_column(tmp_path, config):
    ins = _instrument(tmp_path)
    text = RESPONSES.replace("1,3,2,2,4", "1,3,2,5,4").replace("male,25", "M,25")
    resp = fio.read_responses(_write(tmp_path, "r.csv", text), ins["item_id"])
    with pytest.raises(S.SchemaValidationError) as err:
        S.validate(resp, S.responses_schema(config, ins), "2025/responses.csv")
    msg = str(err.value)
    assert msg.startswith("2025/responses.csv: 2 problems: ")
    assert "line 2, column 'Q04': 5 fails 'answer codes 1;2;8'" in msg
    assert "line 2, column 'sex': 'M' fails" in msg
    assert "\n" not in msg


def test_instrument_points_must_add_up_to_the_config(tmp_path, config):
    ins = _instrument(tmp_path, INSTRUMENT.replace("Q03,methods,20", "Q03,methods,15"))
    with pytest.raises(S.SchemaValidationError, match="points of the part add up to scoring.parts"):
        S.validate(ins, S.instrument_schema(config), "instrument.csv")


def test_correct_answer_must_be_a_valid_code(tmp_path, config):
    ins = _instrument(tmp_path, INSTRUMENT.replace("Q04,spirit,20,true_false,2", "Q04,spirit,20,true_false,3"))
    with pytest.raises(S.SchemaValidationError, match=r"line 5: .*correct answer is one of valid_codes"):
        S.validate(ins, S.instrument_schema(config), "instrument.csv")


def test_psu_in_two_strata_is_reported(tmp_path, config):
    ins = _instrument(tmp_path)
    resp = fio.read_responses(_write(tmp_path, "r.csv", RESPONSES.replace("WD-7", "HBW-1")), ins["item_id"])
    with pytest.raises(S.SchemaValidationError, match="psu within one stratum"):
        S.validate(resp, S.responses_schema(config, ins), "r.csv")


def test_margins_columns_must_match_the_dimension(tmp_path, config):
    text = ("dimension,district,residence,sex,age_band,education,occupation,population,source\n"
            "district+sex+age_band,haibowan,,male,18-29,,,100,census\n"
            "district+education,hainan,,,,junior_high,,50,census\n"
            "district+education,hainan,urban,,,senior_high,,-5,census\n")
    margins = fio.read_margins(_write(tmp_path, "m.csv", text))
    with pytest.raises(S.SchemaValidationError) as err:
        S.validate(margins, S.margins_schema(config), "margins.csv")
    msg = str(err.value)
    assert "line 4, column 'population': -5 fails 'population >= 0'" in msg
    assert "the dimension's columns filled, the others blank" in msg


def test_sample_responded_is_zero_or_one(tmp_path, config):
    text = ("respondent_id,district,residence,stratum,psu,selection_prob,sex,age,responded\n"
            "1,haibowan,urban,haibowan-urban,HBW-1,0.01,male,25,1\n"
            "2,haibowan,urban,haibowan-urban,HBW-1,1.5,male,25,2\n")
    sample = fio.read_sample(_write(tmp_path, "s.csv", text))
    with pytest.raises(S.SchemaValidationError) as err:
        S.validate(sample, S.sample_schema(config), "sample.csv")
    assert "line 3, column 'responded': 2 fails '0 or 1'" in str(err.value)
    assert "column 'selection_prob': 1.5 fails 'in (0, 1]'" in str(err.value)


def test_failure_list_is_capped():
    cases = pd.DataFrame({"schema_context": "Column", "column": "Q01", "check": "codes",
                          "check_number": 0, "failure_case": range(10), "index": range(10)})
    text = S.describe_failures(cases)
    assert text.count("fails") == 3 and text.endswith("(and 7 more)")
