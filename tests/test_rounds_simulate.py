"""The simulated city with a mid-term round (issue 23): `literacy simulate` with config/wuhai-midterm.yaml
writes three rounds; the 2023 form shares 15 items with the 2020 form and 27 with the 2025 form."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml

from literacy_flows import cli

ROOT = Path(__file__).resolve().parents[1]


def test_the_midterm_example_simulates_three_rounds_with_linked_forms(tmp_path):
    cfg = yaml.safe_load((ROOT / "config" / "wuhai-midterm.yaml").read_text(encoding="utf-8"))
    assert [(r["id"], r["role"]) for r in cfg["rounds"]] == [("2020", "baseline"), ("2023", "midterm"),
                                                            ("2025", "endline")]
    cfg["paths"] = {"raw": "raw", "processed": "processed"}
    cfg["simulation"]["population_scale"] = 0.05
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(cfg, allow_unicode=True, sort_keys=False), encoding="utf-8")
    assert cli.main(["simulate", "--config", str(path)]) == 0
    raw = tmp_path / "raw"
    items = {rid: set(pd.read_csv(raw / rid / "instrument.csv", dtype=str)["item_id"]) for rid in ("2020", "2023", "2025")}
    assert len(items["2023"] & items["2020"]) == 15 and len(items["2023"] & items["2025"]) == 27
    for rid in ("2020", "2023", "2025"):
        assert {"responses.csv", "sample.csv", "margins.csv", "truth.csv"} <= {p.name for p in (raw / rid).iterdir()}
    # the default config stays two rounds (make run)
    default = yaml.safe_load((ROOT / "config" / "wuhai.yaml").read_text(encoding="utf-8"))
    assert [r["id"] for r in default["rounds"]] == ["2020", "2025"]
