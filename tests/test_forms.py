"""Questionnaire forms per round: comparing forms, anchors, linking feasibility, and the delivery
contract (a top-level instrument, a form per round, or both).

The deliveries are the small hand-made one of ``ingest_kit`` (two rounds); the expected anchors,
messages and quarantine rows are written by hand from the forms built here.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

import ingest_kit as kit
from literacy.assessment import validate_config
from literacy.errors import ConfigError, DataError
from literacy.measurement.forms import anchor_items, compare_forms, linking_feasible
from literacy_flows import cli

ROUNDS = ("2020", "2025")


def _form(ids, parts=None, points=None, correct=None) -> pd.DataFrame:
    n = len(ids)
    return pd.DataFrame({"item_id": ids, "part": parts or ["knowledge"] * n, "points": points or [2.0] * n,
                         "correct": correct or [1] * n})


def _config(**measurement) -> dict:
    cfg = yaml.safe_load(kit.CONFIG.read_text(encoding="utf-8"))
    if measurement:
        cfg["measurement"] = measurement
    return validate_config(cfg)


# --------------------------------------------------------------------------- compare_forms
def test_compare_forms_matches_items_by_id_and_counts_anchors():
    a = _form(["Q01", "Q02", "Q03", "Q04"], parts=["knowledge", "knowledge", "methods", "spirit"],
              points=[2.0, 2.0, 4.0, 4.0])
    b = _form(["Q02", "N01", "Q04", "Q01"], parts=["knowledge", "knowledge", "spirit", "knowledge"],
              points=[2.0, 2.0, 4.0, 2.0])
    table = compare_forms({"2020": a, "2025": b})
    assert list(table.columns) == ["item_id", "part", "points", "rounds", "anchor"]
    assert table["item_id"].tolist() == ["Q01", "Q02", "Q03", "Q04", "N01"]      # first appearance
    assert table["rounds"].tolist() == ["2020;2025", "2020;2025", "2020", "2020;2025", "2025"]
    assert table["anchor"].tolist() == [True, True, False, True, False]
    assert table["points"].tolist() == [2.0, 2.0, 4.0, 4.0, 2.0]
    assert anchor_items(table) == ["Q01", "Q02", "Q04"]
    assert anchor_items({"2020": a, "2025": b}) == ["Q01", "Q02", "Q04"]
    assert anchor_items(table, rounds=["2025"]) == ["Q01", "Q02", "Q04", "N01"]


@pytest.mark.parametrize("column, value, shown", [("points", 4.0, "points 4 but 2"), ("correct", 2, "correct 2 but 1"),
                                                 ("part", "methods", "part methods but knowledge")])
def test_a_conflicting_anchor_is_a_one_line_error_naming_the_item_and_both_files(column, value, shown):
    a = _form(["Q01", "Q02", "Q03"])
    b = _form(["Q01", "Q02", "N01"])
    b.loc[1, column] = value
    with pytest.raises(DataError) as err:
        compare_forms({"2020": a, "2025": b}, {"2020": "2020/instrument.csv", "2025": "2025/instrument.csv"})
    msg = str(err.value)
    assert "\n" not in msg
    assert msg.startswith("2025/instrument.csv: anchor item 'Q02' has ")
    assert shown in msg and "in 2020/instrument.csv" in msg
    # an item on one form only may differ from anything: N01 is not compared
    b2 = _form(["Q01", "Q02", "N01"], points=[2.0, 2.0, 40.0])
    assert compare_forms({"2020": a, "2025": b2})["anchor"].sum() == 2


def test_same_values_written_differently_are_the_same():
    a = _form(["Q01"], points=[2.0], correct=[1])
    b = pd.DataFrame({"item_id": [" Q01"], "part": ["knowledge"], "points": ["2"], "correct": ["1"]})
    assert compare_forms({"2020": a, "2025": b})["anchor"].tolist() == [True]


def test_an_item_twice_on_one_form_is_an_error():
    with pytest.raises(DataError, match="round 2025: item 'Q01' is listed twice"):
        compare_forms({"2020": _form(["Q01"]), "2025": _form(["Q01", "Q01"])})


# --------------------------------------------------------------------------- linking_feasible
def test_too_few_anchors_make_linking_infeasible_with_the_reason():
    # 60-item forms: 20% of 60 = 12 > 8 anchors needed; 5 shared
    a = _form([f"Q{i:02d}" for i in range(60)])
    b = _form([f"Q{i:02d}" for i in range(5)] + [f"N{i:02d}" for i in range(55)])
    ok, reason = linking_feasible(compare_forms({"2020": a, "2025": b}), _config())
    assert not ok
    assert reason == "12 anchors needed (8 items and 20% of the smaller form of 60), 5 found"
    # a 35-item form needs 8 (8 items; 20% of 35 is 7): 7 anchors are too few, 8 enough
    a = _form([f"Q{i:02d}" for i in range(35)])
    for shared, expected in ((7, False), (8, True)):
        b = _form([f"Q{i:02d}" for i in range(shared)] + [f"N{i:02d}" for i in range(35 - shared)])
        ok, reason = linking_feasible({"2020": a, "2025": b}, _config())
        assert ok is expected
        assert reason == ("" if expected else "8 anchors needed (8 items and 20% of the smaller form of 35), 7 found")
    # the smaller form decides the share; the config's minimums are read
    small = _form([f"Q{i:02d}" for i in range(10)])
    ok, reason = linking_feasible({"2020": a, "2025": small}, _config(min_anchor_items=3, min_anchor_share=0.5))
    assert ok and reason == ""
    ok, reason = linking_feasible({"2020": a, "2025": small}, _config(min_anchor_items=11, min_anchor_share=0.5))
    assert not ok and reason == "11 anchors needed (11 items and 50% of the smaller form of 10), 10 found"


def test_one_form_for_every_round_needs_no_linking():
    a = _form(["Q01", "Q02"])
    table = compare_forms({"2020": a, "2025": a})
    assert table["anchor"].all()                       # every item is on both rounds' form
    assert linking_feasible(table, _config()) == (True, "")


def test_measurement_config_defaults_and_checks():
    m = _config()["measurement"]
    assert (m["min_anchor_items"], m["min_anchor_share"]) == (8, 0.2)
    cfg = yaml.safe_load(kit.CONFIG.read_text(encoding="utf-8"))
    del cfg["measurement"]
    m = validate_config(cfg)["measurement"]
    assert (m["min_anchor_items"], m["min_anchor_share"]) == (8, 0.2)
    for bad, key in (({"min_anchor_items": 0}, "min_anchor_items"), ({"min_anchor_items": 2.5}, "min_anchor_items"),
                     ({"min_anchor_share": 1.5}, "min_anchor_share"), ({"min_anchor_share": "x"}, "min_anchor_share")):
        cfg["measurement"] = bad
        with pytest.raises(ConfigError, match=f"measurement.{key}"):
            validate_config(cfg)


# --------------------------------------------------------------------------- deliveries
#: The 2025 form: Q05 (application, 20 points) replaced by the new item N05; Q01-Q04 are anchors.
FORM_2025 = kit.INSTRUMENT.copy()
FORM_2025.loc[4, ["item_id", "correct", "text_zh", "text_en"]] = ["N05", 1, "己", "F"]


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    return kit.make_delivery(tmp_path_factory.mktemp("forms") / "raw", rounds=ROUNDS)


def _prepare(base: Path, tmp_path: Path, layout: str) -> tuple[Path, Path]:
    """The two-round delivery with ``layout``: ``top`` (one instrument.csv), ``per_round`` (a form per
    round, 2025 with N05), ``mixed`` (top-level for 2020, its own form for 2025), ``both`` (a form per
    round and a top-level one)."""
    raw = tmp_path / "raw"
    shutil.copytree(base, raw)
    if layout != "top":
        r = kit.read(raw, "2025", "responses").rename(columns={"Q05": "N05"})
        kit.write_csv(r, raw / "2025" / "responses.csv")
        kit.write_csv(FORM_2025, raw / "2025" / "instrument.csv")
    if layout in ("per_round", "both"):
        kit.write_csv(kit.INSTRUMENT, raw / "2020" / "instrument.csv")
    if layout == "per_round":
        (raw / "instrument.csv").unlink()
    cfg_path = tmp_path / "config.yaml"
    cfg_path.write_text(kit.CONFIG.read_text(encoding="utf-8"), encoding="utf-8")
    return cfg_path, raw


def _load(cfg_path: Path, raw: Path):
    from literacy_flows.ingest.delivery import load_delivery
    from literacy_flows.ingest.io import load_config

    return load_delivery(load_config(cfg_path, raw, raw).config, raw)


def _validate(cfg_path: Path, raw: Path, capsys) -> tuple[int, str, str]:
    status = cli.main(["validate", "--config", str(cfg_path), "--raw", str(raw)])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_a_top_level_instrument_serves_every_round(base, tmp_path, capsys):
    cfg_path, raw = _prepare(base, tmp_path, "top")
    status, out, err = _validate(cfg_path, raw, capsys)
    assert status == 0, err
    assert "Questionnaire: one form for every round (instrument.csv, 5 items)." in out
    d = _load(cfg_path, raw)
    assert d.form_files == {"2020": "instrument.csv", "2025": "instrument.csv"}
    for rid in ROUNDS:
        assert d.instruments[rid]["item_id"].tolist() == kit.ITEMS
    assert [f.rel for f in d.files if f.role == "instrument"] == ["instrument.csv"]


@pytest.mark.parametrize("layout", ["per_round", "mixed"])
def test_a_round_with_its_own_form_is_read_and_screened_with_it(base, tmp_path, capsys, layout):
    cfg_path, raw = _prepare(base, tmp_path, layout)
    # an answer code valid for Q05 is checked against N05's codes: 5 is neither, so it is quarantined
    r = kit.read(raw, "2025", "responses")
    r.loc[6, "N05"] = "5"
    kit.write_csv(r, raw / "2025" / "responses.csv")
    status, out, err = _validate(cfg_path, raw, capsys)
    assert status == 0, err
    first = "2020/instrument.csv" if layout == "per_round" else "instrument.csv"
    assert (f"Questionnaire forms: 2020 {first} (5 items), 2025 2025/instrument.csv (5 items); 4 anchor items; "
            f"linking NOT feasible: 8 anchors needed (8 items and 20% of the smaller form of 5), 4 found.") in out
    d = _load(cfg_path, raw)
    assert d.form_files == {"2020": first, "2025": "2025/instrument.csv"}
    assert d.instruments["2020"]["item_id"].tolist() == kit.ITEMS
    assert d.instruments["2025"]["item_id"].tolist() == ["Q01", "Q02", "Q03", "Q04", "N05"]
    assert d.forms["anchor"].sum() == 4
    assert "N05" in d.rounds["2025"]["responses"].columns and "Q05" not in d.rounds["2025"]["responses"].columns
    q = d.quarantine["2025"]
    assert q[["file", "line", "column", "rule"]].values.tolist() == [["2025/responses.csv", 8, "N05",
                                                                      "invalid_answer"]]
    assert d.quarantine["2020"].empty
    rels = [f.rel for f in d.files]
    assert ("instrument.csv" in rels) == (layout == "mixed")
    assert rels.index("2025/instrument.csv") < rels.index("2025/responses.csv")


def test_linking_minimums_come_from_the_config(base, tmp_path, capsys):
    cfg_path, raw = _prepare(base, tmp_path, "per_round")
    cfg = yaml.safe_load(cfg_path.read_text(encoding="utf-8"))
    cfg["measurement"] = {"min_anchor_items": 4, "min_anchor_share": 0.8}
    cfg_path.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    status, out, err = _validate(cfg_path, raw, capsys)
    assert status == 0, err
    assert "; 4 anchor items; linking feasible." in out


def test_a_conflicting_anchor_stops_the_delivery_with_one_line(base, tmp_path, capsys):
    cfg_path, raw = _prepare(base, tmp_path, "per_round")
    form = FORM_2025.copy()
    form.loc[2, "correct"] = 3                     # Q03: correct code 2 on the 2020 form
    kit.write_csv(form, raw / "2025" / "instrument.csv")
    status, out, err = _validate(cfg_path, raw, capsys)
    assert status == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err
    assert "2025/instrument.csv: anchor item 'Q03' has correct 3 but 2 in " in lines[0]
    assert lines[0].split(" in ")[1].split(";")[0].endswith("raw/2020/instrument.csv")


def test_a_top_level_instrument_beside_a_form_for_every_round_is_an_error(base, tmp_path, capsys):
    cfg_path, raw = _prepare(base, tmp_path, "both")
    status, out, err = _validate(cfg_path, raw, capsys)
    assert status == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1
    assert "instrument.csv: every round has its own form" in lines[0] and "remove it" in lines[0]


def test_a_round_without_a_form_needs_the_top_level_instrument(base, tmp_path, capsys):
    cfg_path, raw = _prepare(base, tmp_path, "mixed")
    (raw / "instrument.csv").unlink()
    status, out, err = _validate(cfg_path, raw, capsys)
    assert status == 2
    assert "instrument.csv: file not found" in err and len(err.strip().splitlines()) == 1


def test_a_per_round_form_in_another_format_is_read(base, tmp_path, capsys):
    cfg_path, raw = _prepare(base, tmp_path, "per_round")
    form = pd.read_csv(raw / "2025" / "instrument.csv", dtype=str)
    (raw / "2025" / "instrument.csv").unlink()
    form.to_excel(raw / "2025" / "instrument.xlsx", index=False)
    d = _load(cfg_path, raw)
    assert d.form_files["2025"] == "2025/instrument.xlsx"
    assert d.instruments["2025"]["item_id"].tolist() == ["Q01", "Q02", "Q03", "Q04", "N05"]


def test_the_cache_key_covers_every_form(base, tmp_path):
    from literacy_flows.ingest.cache import cache_key
    from literacy_flows.ingest.io import load_config

    cfg_path, raw = _prepare(base, tmp_path, "per_round")
    config = load_config(cfg_path, raw, raw).config
    before = cache_key(config, raw)
    form = pd.read_csv(raw / "2025" / "instrument.csv", dtype=str)
    form.loc[4, "text_en"] = "F, reworded"
    kit.write_csv(form, raw / "2025" / "instrument.csv")
    after = cache_key(config, raw)
    assert before != after
    assert cache_key(config, raw) == after
