"""The delivery mistakes a new user makes (issue 20), each one clear line or read as meant:
labels instead of codes, an Excel title row, a UTF-8 byte-order mark before GBK text, a column
name that is not there, PSU ids repeated across strata, a delivery folder that does not exist,
and ``literacy validate`` never telling the user to run ``literacy validate``."""

from __future__ import annotations

import copy
from pathlib import Path

import pandas as pd
import pytest
import yaml

import ingest_kit as kit
from literacy.errors import DesignError, not_in_data
from literacy_flows import cli

CONFIG = yaml.safe_load(kit.CONFIG.read_text(encoding="utf-8"))


def _config(tmp_path: Path, **ingest) -> Path:
    cfg = copy.deepcopy(CONFIG)
    cfg["ingest"].update(ingest)
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    return path


def _validate(capsys, *args) -> tuple[int, str, str]:
    status = cli.main(["validate", *map(str, args)])
    out = capsys.readouterr()
    return status, out.out, out.err


def test_labels_delivered_instead_of_codes_are_read_as_the_codes(tmp_path, capsys):
    raw = kit.make_delivery(tmp_path / "raw")
    resp = kit.read(raw, "2025", "responses")
    resp["district"] = resp["district"].map({"haibowan": "海勃湾区", "hainan": "海南区", "wuda": "Wuda"})
    resp["sex"] = resp["sex"].map({"male": "男", "female": "women"})      # English label, any case
    resp.loc[4, "education"] = "大专"                                         # not a label: quarantined
    kit.write_csv(resp, raw / "2025" / "responses.csv")
    status, out, err = _validate(capsys, "--config", kit.CONFIG, "--raw", raw, "--write", tmp_path / "q")
    assert status == 0, err
    assert "2025/responses.csv: district (labels to codes) 100, sex (labels to codes) 100" in out
    q = pd.read_csv(tmp_path / "q" / "2025" / "quarantine.csv", dtype=str)
    row = q[q["column"] == "education"].iloc[0]
    assert row["value"] == "大专"            # a category's value is shown, not masked
    assert row["line"] == str(kit.line_of(4))
    assert (q["column"] != "district").all() and (q["column"] != "sex").all()


def test_an_excel_title_row_is_named_and_header_row_reads_it(tmp_path, capsys):
    from openpyxl import Workbook

    raw = kit.make_delivery(tmp_path / "raw")
    resp = kit.read(raw, "2025", "responses")
    (raw / "2025" / "responses.csv").unlink()
    wb = Workbook()
    ws = wb.active
    ws.title = "responses"
    ws.append(["2025年乌海市公民科学素质调查"])
    ws.append([])
    ws.append(list(resp.columns))
    for r in resp.itertuples(index=False):
        ws.append(list(r))
    wb.save(raw / "2025" / "responses.xlsx")
    status, _, err = _validate(capsys, "--config", kit.CONFIG, "--raw", raw)
    assert status == 2
    assert err.strip().splitlines() == [
        f"literacy: error: {raw / '2025' / 'responses.xlsx'}, sheet 'responses': row 1 ('2025年乌海市公民科学素质调查') "
        f"is not a header; row 3 looks like it (respondent_id, district, residence, stratum, ...): delete the rows "
        f"above it, or set ingest.header_row: {{responses: 3}}"]
    # with the documented option, read as meant; quarantine lines are the sheet's rows
    resp2 = resp.copy()
    resp2.loc[0, "Q01"] = "7"
    ws.delete_rows(4, 1)
    ws.insert_rows(4)
    for j, v in enumerate(resp2.iloc[0].tolist(), start=1):
        ws.cell(row=4, column=j, value=v)
    wb.save(raw / "2025" / "responses.xlsx")
    status, out, err = _validate(capsys, "--config", _config(tmp_path, header_row={"responses": 3}), "--raw", raw,
                                 "--write", tmp_path / "q")
    assert status == 0, err
    q = pd.read_csv(tmp_path / "q" / "2025" / "quarantine.csv", dtype=str)
    assert q.loc[q["column"] == "Q01", "line"].tolist() == ["4"]


def test_a_byte_order_mark_before_gbk_text_says_to_save_again(tmp_path, capsys):
    raw = kit.make_delivery(tmp_path / "raw")
    resp = kit.read(raw, "2025", "responses")
    resp.loc[0, "district"] = "海勃湾区"
    (raw / "2025" / "responses.csv").write_bytes(b"\xef\xbb\xbf" + resp.to_csv(index=False).encode("gbk"))
    status, _, err = _validate(capsys, "--config", kit.CONFIG, "--raw", raw)
    assert status == 2
    assert err.strip() == (f"literacy: error: {raw / '2025' / 'responses.csv'}: the file starts with a UTF-8 "
                           "byte-order mark but its text is GBK/GB18030; open it and save it again as UTF-8 (or as "
                           "GBK), then deliver it again")


def test_a_column_that_is_not_there_names_the_nearest(tmp_path, capsys):
    assert not_in_data("literat", ["literate", "basic", "weight"]) == (
        "column 'literat' is not in the data; did you mean 'literate'? (the header row lists the data's 3 columns)")
    assert "did you mean 'Sex'?" in not_in_data("sex", ["Sex", "age"])       # another case
    assert "did you mean" not in not_in_data("zzz", ["Sex", "age"])
    data = pd.DataFrame({"literate": [1, 0], "w": [1.0, 2.0]})
    path = tmp_path / "d.csv"
    data.to_csv(path, index=False)
    assert cli.main(["estimate", str(path), "--y", "literat", "--weights", "w"]) == 2
    assert "column 'literat' is not in the data; did you mean 'literate'?" in capsys.readouterr().err


def test_psu_ids_repeated_across_strata_name_nest(tmp_path, capsys):
    from literacy import SurveyDesign

    data = pd.DataFrame({"s": ["a", "a", "b", "b"], "p": ["1", "2", "1", "2"], "y": [1.0, 0.0, 1.0, 1.0], "w": 1.0})
    with pytest.raises(DesignError, match=r"nest=True; 'literacy estimate --nest'; design.nest: true"):
        SurveyDesign(data, weights="w", strata="s", psu="p")
    # in a delivery: the quarantine reason names the config key, and design.nest reads it as meant
    raw = kit.make_delivery(tmp_path / "raw")
    for name in ("responses", "sample"):
        t = kit.read(raw, "2025", name)
        t["psu"] = t["psu"].str.replace(r"^[a-z]+-[a-z]+-", "", regex=True)       # P1, P2 in every stratum
        kit.write_csv(t, raw / "2025" / f"{name}.csv")
    status, out, err = _validate(capsys, "--config", kit.CONFIG, "--raw", raw, "--write", tmp_path / "q")
    q = pd.read_csv(tmp_path / "q" / "2025" / "quarantine.csv", dtype=str)
    assert (q["rule"] == "psu_in_two_strata").any()
    assert q.loc[q["rule"] == "psu_in_two_strata", "reason"].str.contains("set design.nest: true").all()
    cfg = copy.deepcopy(CONFIG)
    cfg["design"]["nest"] = True
    path = tmp_path / "nest.yaml"
    path.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    status, out, err = _validate(capsys, "--config", path, "--raw", raw, "--write", tmp_path / "q2")
    assert status == 0, err
    q2 = pd.read_csv(tmp_path / "q2" / "2025" / "quarantine.csv", dtype=str)
    assert not (q2["rule"] == "psu_in_two_strata").any()


def test_a_missing_delivery_folder_says_where_it_came_from(tmp_path, capsys):
    cfg = copy.deepcopy(CONFIG)
    cfg["paths"]["raw"] = "nowhere"
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    status, _, err = _validate(capsys, "--config", path)
    assert status == 2
    assert err.strip() == (f"literacy: error: {tmp_path / 'nowhere'}: the delivery folder does not exist (paths.raw "
                           f"of {path}, relative to that file's folder; pass --raw DIR for another)")
    status, _, err = _validate(capsys, "--config", path, "--raw", tmp_path / "gone")
    assert err.strip() == f"literacy: error: {tmp_path / 'gone'}: the delivery folder given with --raw does not exist"


def test_validate_does_not_tell_the_user_to_run_validate(tmp_path, capsys):
    raw = kit.make_delivery(tmp_path / "raw")
    resp = kit.read(raw, "2025", "responses")
    resp["Q01"] = "9"           # every row quarantined
    kit.write_csv(resp, raw / "2025" / "responses.csv")
    status, out, err = _validate(capsys, "--config", kit.CONFIG, "--raw", raw)
    assert status == 2
    assert "literacy validate" not in err and "the summary above counts them by rule" in err
    assert "--write DIR" in err


def test_rounds_without_a_baseline_role_are_one_line_before_any_work(tmp_path, capsys):
    # (a config with a baseline and no endline is a mid-term assessment and runs:
    # tests/test_rounds_flow.py; without a baseline nothing can be compared)
    cfg = copy.deepcopy(CONFIG)
    cfg["rounds"][0]["role"] = "midterm"
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    raw = kit.make_delivery(tmp_path / "raw")
    message = (f"{path}: no round has role 'baseline' (rounds: 2020 (midterm), 2025 (endline)); every change is "
               f"measured from the baseline: give one round role 'baseline' in 'rounds'")
    # validate checks the delivery (a one-round delivery is fine) and says what run will need
    status, out, _ = _validate(capsys, "--config", path, "--raw", raw)
    assert status == 0 and f"Note: 'literacy run' will stop here: {message}" in out
    # run stops before any work, in one line
    assert cli.main(["run", "--config", str(path), "--raw", str(raw), "--out", str(tmp_path / "out")]) == 2
    assert capsys.readouterr().err.strip().splitlines() == [f"literacy: error: {message}"]
    assert not (tmp_path / "out").exists()


def test_a_midterm_config_with_the_targets_year_validates_without_a_stop_note(tmp_path, capsys):
    # it runs (tests/test_rounds_flow.py runs one to its outputs)
    cfg = copy.deepcopy(CONFIG)
    cfg["rounds"][1]["role"] = "midterm"
    cfg["targets"]["year"] = 2025
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    raw = kit.make_delivery(tmp_path / "raw")
    status, out, err = _validate(capsys, "--config", path, "--raw", raw)
    assert status == 0, err
    assert "will stop here" not in out and "OK: every file" in out


def test_an_unknown_role_and_rounds_in_one_year_are_one_line(tmp_path, capsys):
    raw = kit.make_delivery(tmp_path / "raw")
    for change, expected in (({"role": "mid-term"}, "rounds[1].role must be 'baseline', 'endline', 'midterm', 'annual' or 'round', not 'mid-term'"),
                             ({"year": 2020}, "rounds ['2020', '2025'] have the same year 2020")):
        cfg = copy.deepcopy(CONFIG)
        cfg["rounds"][1].update(change)
        path = tmp_path / "c.yaml"
        path.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
        status, _, err = _validate(capsys, "--config", path, "--raw", raw)
        lines = err.strip().splitlines()
        assert status == 2 and len(lines) == 1 and expected in lines[0], lines


def test_rounds_listed_out_of_year_order_are_sorted_and_said_once(tmp_path, capsys):
    cfg = copy.deepcopy(CONFIG)
    cfg["rounds"] = cfg["rounds"][::-1]
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    raw = kit.make_delivery(tmp_path / "raw")
    status, out, err = _validate(capsys, "--config", path, "--raw", raw)
    assert status == 0, err
    assert out.count("rounds are listed out of year order; taken as 2020, 2025") == 1


def test_a_midterm_config_without_the_targets_year_is_one_line(tmp_path, capsys):
    cfg = copy.deepcopy(CONFIG)
    cfg["rounds"][1]["role"] = "midterm"
    cfg["targets"].pop("year", None)
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    raw = kit.make_delivery(tmp_path / "raw")
    status, _, err = _validate(capsys, "--config", path, "--raw", raw)
    assert status == 2
    assert err.strip().splitlines() == [
        f"literacy: error: {path}: targets.year is needed when no round has role 'endline' "
        "(a mid-term assessment measures progress toward the target due that year)"]


def test_a_round_folder_the_config_does_not_list_is_named(tmp_path, capsys):
    raw = kit.make_delivery(tmp_path / "raw", rounds=("2020", "2023", "2025"))
    status, out, err = _validate(capsys, "--config", kit.CONFIG, "--raw", raw)
    assert status == 0, err
    assert "Round folders not in the config's rounds, not read: 2023/ (add them to 'rounds' to assess them)" in out
