"""The national config of the benchmark (issue 28) and the roll-up over a sample of its cities
against R's survey package.

``tests/golden/national_sample_rollup.csv`` (``make_national_sample.R``): four members of the
national config, simulated at 1,000 interviews a round and weighted by the single-city flow (their
round-2025 extracts as the province run writes them); the pooled share, SE, df and logit CI, each
city's share and each city minus the pooled share, by R.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from literacy.province import pooled_design, province_estimates, stack_cities, validate_province, versus_province
from reference import reference as golden

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from national_config import PROVINCES, national_config  # the benchmark's config generator


@pytest.fixture(scope="module")
def sample():
    data = golden("national_sample_stacked.csv", dtype={"stratum": str, "psu": str})
    frames = {c: g.drop(columns="city").reset_index(drop=True) for c, g in data.groupby("city", sort=False)}
    return frames, stack_cities(frames, ["literate"])


def test_pooled_estimate_over_national_cities_equals_r(sample):
    frames, stacked = sample
    r = golden("national_sample_rollup.csv").set_index("domain")
    assert len(frames) == 4 and len(stacked) > 3000
    design = pooled_design(stacked)
    est = province_estimates(design, "2025", ["literate"], {c: (c, c) for c in frames},
                             ("全国", "national")).set_index("domain")
    for dom in ("all", *frames):
        assert est.loc[dom, "estimate"] == pytest.approx(r.loc[dom, "estimate"], rel=1e-10), dom
        assert est.loc[dom, "se"] == pytest.approx(r.loc[dom, "se"], rel=1e-9), dom
    assert est.loc["all", "df"] == r.loc["all", "df"]
    assert est.loc["all", "ci_low"] == pytest.approx(r.loc["all", "ci_low"], rel=1e-8)
    assert est.loc["all", "ci_high"] == pytest.approx(r.loc["all", "ci_high"], rel=1e-8)
    diff = versus_province(design, "literate").set_index("city")
    for c in frames:
        assert diff.loc[c, "difference"] == pytest.approx(r.loc[c, "difference"], rel=1e-9, abs=1e-15)
        assert diff.loc[c, "difference_se"] == pytest.approx(r.loc[c, "difference_se"], rel=1e-9)


def test_the_national_config_has_every_prefecture_level_member():
    # 27 provinces and autonomous regions with 333 prefecture-level divisions (end of 2023), and the
    # 4 municipalities as one member each; the 2020 census total, about 1.41 billion
    assert len(PROVINCES) == 31
    assert sum(n for *_, n, _ in PROVINCES if n > 1) == 333
    assert [p[0] for p in PROVINCES if p[3] == 1] == ["beijing", "tianjin", "shanghai", "chongqing"]
    cfg = validate_province(national_config())
    assert len(cfg["members"]) == 337 and len({m["id"] for m in cfg["members"]}) == 337
    assert sum(m["residents"] for m in cfg["members"]) == pytest.approx(1.41e9, rel=5e-3)
    # a subset takes the members round-robin: the first 31 are one per province
    first = validate_province(national_config(31))["members"]
    assert len({m["id"].split("-")[0] for m in first}) == 31
