"""Helpers the province and flow tests share (a helper beside the tests, not a package).

- :func:`tree_hashes`: every file under a folder with its SHA-256, to compare two runs byte for byte;
- :func:`simulated_province`: a few small members of the Inner Mongolia example (about 300
  respondents a round each), simulated with ``literacy simulate --province``.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import yaml

from literacy_flows import cli

ROOT = Path(__file__).resolve().parents[1]


def tree_hashes(folder: Path) -> dict[str, str]:
    """Relative path (posix) -> SHA-256 of every file under ``folder``, sorted by path."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def simulated_province(root: Path, members: tuple[str, ...]) -> Path:
    """Write a province config of ``members`` of ``config/inner-mongolia.yaml`` under ``root`` and simulate it.

    The cities are small (1% of the population, 300 respondents and 16 PSUs a round) so a flow
    test runs each in seconds. Returns the config's path; the deliveries are in ``root / "raw"``.
    """
    cfg = yaml.safe_load((ROOT / "config" / "inner-mongolia.yaml").read_text(encoding="utf-8"))
    cfg["template"] = str(ROOT / "config" / "wuhai.yaml")
    cfg["members"] = [m for m in cfg["members"] if m["id"] in members]
    cfg["simulation"].update({"population_scale": 0.01, "respondents_per_round": 300, "psus_per_round": 16})
    cfg["paths"] = {"raw": "raw", "processed": "processed"}
    path = root / "province.yaml"
    path.write_text(yaml.safe_dump(cfg, allow_unicode=True, sort_keys=False), encoding="utf-8")
    assert cli.main(["simulate", "--province", str(path)]) == 0
    assert sorted(p.name for p in (root / "raw").iterdir()) == sorted(members)
    return path
