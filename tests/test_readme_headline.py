"""The README's sample headline is what `make run` prints on the default simulated data.

`make run` simulates the default delivery (config/wuhai.yaml, full scale, its seed) and runs the
assessment. This test does the same into a temporary folder (without the notebooks, which do not
change the headline) and compares the printed headline with the block in the README, so the
README cannot go stale when the simulation or the estimation changes.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.flow

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "config" / "wuhai.yaml"


def _readme_sample() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    m = re.search(r"prints the headline, for example\n\n\s*```\n(.*?)\n\s*```", text, re.S)
    assert m, "README: the sample headline block after 'prints the headline, for example' is missing"
    return [line.strip() for line in m.group(1).splitlines() if line.strip()]


def test_readme_shows_the_headline_of_the_default_run(tmp_path, prefect_harness):
    from literacy_flows import cli
    from literacy_flows.pipeline.assessment import assessment_flow
    from literacy_flows.report.workbook import headline_lines

    cfg = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    cfg["paths"] = {"raw": "raw", "processed": "processed"}      # everything else as make run
    path = tmp_path / "wuhai.yaml"
    path.write_text(yaml.safe_dump(cfg, allow_unicode=True, sort_keys=False), encoding="utf-8")
    assert cli.main(["simulate", "--config", str(path)]) == 0
    result = assessment_flow(path, with_notebooks=False)
    printed = headline_lines(result["headline"], cfg)
    assert _readme_sample() == printed, (
        "README.md's sample headline is stale; the default run prints:\n" + "\n".join(printed))
