"""Round detection for ``make run`` / ``literacy simulate --if-missing``.

A round is present when the ingest would find ``<raw>/<round>/responses`` in any format it
reads (:func:`literacy_flows.ingest.readers.find_delivery_file`), not only as ``responses.csv``:
simulating beside a delivery in another format would leave two formats of one table.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

from literacy_flows import cli
from literacy_flows.pipeline.simulate import has_round_data

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "config" / "wuhai.yaml"
FRAME = pd.DataFrame({"respondent_id": [1, 2], "sex": ["男", "女"], "age": [30, 41]})


def _write_responses(folder: Path, fmt: str) -> Path:
    """A small responses table in one delivery format (the name the ingest looks for)."""
    folder.mkdir(parents=True, exist_ok=True)
    if fmt in ("csv", "csv-gbk", "csv-bom"):
        encoding = {"csv": "utf-8", "csv-gbk": "gbk", "csv-bom": "utf-8-sig"}[fmt]
        path = folder / "responses.csv"
        path.write_bytes(FRAME.to_csv(index=False).encode(encoding))
    elif fmt == "xlsx":
        path = folder / "responses.xlsx"
        FRAME.to_excel(path, index=False)
    elif fmt in ("sav", "zsav", "dta"):
        import pyreadstat

        path = folder / f"responses.{fmt}"
        df = FRAME.assign(sex=FRAME["sex"].map({"男": 1, "女": 2}))
        if fmt == "dta":
            pyreadstat.write_dta(df, str(path))
        else:
            pyreadstat.write_sav(df, str(path), compress=(fmt == "zsav"))
    else:
        path = folder / "responses.parquet"
        FRAME.to_parquet(path, index=False)
    return path


@pytest.mark.parametrize("fmt", ["csv", "csv-gbk", "csv-bom", "xlsx", "sav", "zsav", "dta", "parquet"])
def test_a_round_in_any_ingest_format_is_detected(tmp_path, fmt):
    raw = tmp_path / "raw"
    _write_responses(raw / "2025", fmt)
    assert has_round_data(raw)


def test_no_round_when_the_folder_is_missing_empty_or_without_responses(tmp_path):
    raw = tmp_path / "raw"
    assert not has_round_data(raw)                       # missing
    raw.mkdir()
    assert not has_round_data(raw)                       # empty
    (raw / "instrument.csv").write_text("item_id\nQ01\n", encoding="utf-8")
    (raw / "2025").mkdir()
    (raw / "2025" / "sample.csv").write_text("respondent_id\n1\n", encoding="utf-8")
    (raw / "2025" / "responses_old.csv").write_text("respondent_id\n1\n", encoding="utf-8")  # another name
    (raw / "responses.csv").write_text("respondent_id\n1\n", encoding="utf-8")   # not inside a round folder
    # a simulation's hidden staging folder is not a round (nor is a file named like a round)
    _write_responses(raw / ".simulate-abc123" / "2020", "csv")
    (raw / "2020").write_text("", encoding="utf-8")
    assert not has_round_data(raw)


@pytest.mark.parametrize("names", [("responses.csv", "responses.parquet"), ("responses.xls",), ("responses.txt",)])
def test_a_responses_file_the_ingest_refuses_still_counts_as_a_round(tmp_path, names):
    """Two formats at once, or only an unsupported one: a delivery is there, so do not simulate
    beside it (``literacy run`` then names the problem)."""
    for name in names:
        (tmp_path / "2025").mkdir(exist_ok=True)
        (tmp_path / "2025" / name).write_bytes(b"respondent_id\n1\n")
    assert has_round_data(tmp_path)


def _small_config(tmp_path: Path) -> Path:
    cfg = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    cfg["simulation"]["population_scale"] = 0.05
    cfg["paths"] = {**cfg["paths"], "raw": str(tmp_path / "unused-raw"), "processed": str(tmp_path / "processed")}
    path = tmp_path / "small.yaml"
    path.write_text(yaml.safe_dump(cfg, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.mark.parametrize("fmt", ["xlsx", "parquet"])
def test_simulate_if_missing_leaves_a_non_csv_delivery_alone(tmp_path, capsys, fmt):
    raw = tmp_path / "raw"
    delivered = _write_responses(raw / "2025", fmt)
    before = sorted(p.relative_to(raw) for p in raw.rglob("*"))
    assert cli.main(["simulate", "--config", str(_small_config(tmp_path)), "--out", str(raw), "--if-missing"]) == 0
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""
    assert sorted(p.relative_to(raw) for p in raw.rglob("*")) == before
    assert not (raw / "2025" / "responses.csv").exists() and delivered.is_file()
    # without --if-missing it is still refused as before
    assert cli.main(["simulate", "--config", str(_small_config(tmp_path)), "--out", str(raw)]) == 2
    assert "already holds round data" in capsys.readouterr().err


def test_simulate_if_missing_simulates_into_an_empty_folder_once(tmp_path, capsys):
    raw = tmp_path / "raw"
    raw.mkdir()
    config = _small_config(tmp_path)
    assert cli.main(["simulate", "--config", str(config), "--out", str(raw), "--if-missing"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == f"no round data in {cli._shown(raw)}/: simulating the default programme"
    rounds = [str(r["id"]) for r in yaml.safe_load(config.read_text(encoding="utf-8"))["rounds"]]
    for rid in rounds:
        assert (raw / rid / "responses.csv").is_file()
    assert has_round_data(raw)
    stamps = {p: p.stat().st_mtime_ns for p in raw.rglob("*") if p.is_file()}
    assert cli.main(["simulate", "--config", str(config), "--out", str(raw), "--if-missing"]) == 0
    assert capsys.readouterr().out == ""
    assert {p: p.stat().st_mtime_ns for p in raw.rglob("*") if p.is_file()} == stamps


def test_force_and_if_missing_exclude_each_other(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["simulate", "--out", str(tmp_path), "--force", "--if-missing"])
    assert exit_info.value.code == 2
    assert "not allowed with" in capsys.readouterr().err


def test_make_run_detects_rounds_through_the_cli_not_a_csv_glob():
    """``make run`` asks ``literacy simulate --if-missing`` (the ingest's file finder), then runs."""
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = re.search(r"^run:.*\n((?:\t.*\n)+)", text, flags=re.M).group(1)
    commands = [line.strip().lstrip("@") for line in recipe.splitlines()]
    assert "responses.csv" not in recipe and " ls " not in recipe
    simulate = next(i for i, c in enumerate(commands) if "/literacy simulate" in c)
    run = next(i for i, c in enumerate(commands) if c.endswith("/literacy run"))
    assert commands[simulate].endswith("/literacy simulate --if-missing") and simulate < run
