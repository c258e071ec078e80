"""`literacy run-province` simulates the example's deliveries when the province folder holds none
(as `make run` does for a city), and leaves a folder that holds deliveries alone."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from literacy_flows import cli

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def province(tmp_path) -> Path:
    cfg = yaml.safe_load((ROOT / "config" / "inner-mongolia.yaml").read_text(encoding="utf-8"))
    cfg["template"] = str(ROOT / "config" / "wuhai.yaml")
    cfg["members"] = [m for m in cfg["members"] if m["id"] in ("alxa", "wuhai")]
    cfg["simulation"].update({"population_scale": 0.005, "respondents_per_round": 150, "psus_per_round": 12})
    cfg["paths"] = {"raw": "raw", "processed": "out"}
    path = tmp_path / "province.yaml"
    path.write_text(yaml.safe_dump(cfg, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _stub(calls):
    def run_province(path, raw_dir=None, out_dir=None, **kwargs):
        calls.append(Path(path))
        return {"summary": {}, "cities": [], "out_dir": str(out_dir or Path(path).parent / "out")}
    return run_province


def test_an_empty_province_folder_is_simulated_first(province, monkeypatch, capsys):
    import literacy_flows.pipeline.province as prov

    calls: list = []
    monkeypatch.setattr(prov, "run_province", _stub(calls))
    assert cli.main(["run-province", "--config", str(province)]) == 0
    assert "simulating the province's deliveries first" in capsys.readouterr().out
    raw = province.parent / "raw"
    assert sorted(p.name for p in raw.iterdir()) == ["alxa", "wuhai"]
    assert (raw / "wuhai" / "2025" / "responses.csv").is_file() and calls == [province]
    # a second run finds the deliveries and does not simulate again
    before = (raw / "alxa" / "2020" / "responses.csv").stat().st_mtime_ns
    assert cli.main(["run-province", "--config", str(province)]) == 0
    assert "simulating" not in capsys.readouterr().out
    assert (raw / "alxa" / "2020" / "responses.csv").stat().st_mtime_ns == before
