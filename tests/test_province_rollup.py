"""The provincial roll-up (pure computation) against R's survey package and by hand.

``tests/golden/province_rollup.csv`` (``make_province.R``): the province's share and SE on the
design with the cities as strata (stratum = city x stratum, PSUs nested), each city's share,
and each city minus the province with its design-based SE.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from literacy.design import SurveyDesign
from literacy.province import league_table, pooled_design, province_estimates, stack_cities, versus_province
from literacy.province.members import member_config, validate_province
from reference import reference as golden

LABELS = {c: (c, c) for c in ("alpha", "beta", "gamma")}


@pytest.fixture(scope="module")
def stacked() -> pd.DataFrame:
    data = golden("province_stacked.csv", dtype={"stratum": str, "psu": str})
    frames = {c: g.drop(columns="city").reset_index(drop=True) for c, g in data.groupby("city", sort=False)}
    return stack_cities(frames, ["literate"])


def test_pooled_share_and_se_equal_r(stacked):
    r = golden("province_rollup.csv").set_index("domain")
    design = pooled_design(stacked)
    est = province_estimates(design, "2025", ["literate"], LABELS, ("省", "province")).set_index("domain")
    for dom in ("all", "alpha", "beta", "gamma"):
        assert est.loc[dom, "estimate"] == pytest.approx(r.loc[dom, "estimate"], rel=1e-10)
        assert est.loc[dom, "se"] == pytest.approx(r.loc[dom, "se"], rel=1e-9)
    assert est.loc["all", "df"] == r.loc["all", "df"]
    assert est.loc["all", "ci_low"] == pytest.approx(r.loc["all", "ci_low"], rel=1e-8)
    assert est.loc["all", "ci_high"] == pytest.approx(r.loc["all", "ci_high"], rel=1e-8)


def test_city_minus_province_equals_r(stacked):
    r = golden("province_rollup.csv").set_index("domain")
    diff = versus_province(pooled_design(stacked), "literate").set_index("city")
    for c in ("alpha", "beta", "gamma"):
        assert diff.loc[c, "difference"] == pytest.approx(r.loc[c, "difference"], rel=1e-10)
        assert diff.loc[c, "difference_se"] == pytest.approx(r.loc[c, "difference_se"], rel=1e-9)


def test_strata_of_different_cities_never_meet(stacked):
    # the same stratum and PSU codes in two cities: pooling without the city prefix would merge them
    design = pooled_design(stacked)
    assert design.degf() == len(stacked[["stratum", "psu"]].drop_duplicates()) - stacked["stratum"].nunique()
    raw = golden("province_stacked.csv", dtype={"stratum": str, "psu": str})
    merged = SurveyDesign(raw, weights="weight", strata="stratum", psu="psu", nest=True)
    assert merged.degf() != design.degf()


def test_league_table_ranks_and_adjusts_by_hand(stacked):
    design = pooled_design(stacked)
    est = province_estimates(design, "2025", ["literate"], LABELS, ("省", "province"))
    tests = versus_province(design, "literate").assign(round="2025", level="literate")
    table = league_table(est, tests, fdr=0.05)
    assert table["city"].tolist() == est[est["breakdown"] == "city"].sort_values(
        "estimate", ascending=False)["domain"].tolist()
    assert table["rank"].tolist() == [1, 2, 3]
    p = table["p_value"].to_numpy()
    order = np.argsort(p)
    m = len(p)
    expect = np.minimum(1, np.minimum.accumulate((p[order] * m / np.arange(1, m + 1))[::-1])[::-1])
    got = table["p_adjusted"].to_numpy()[order]
    np.testing.assert_allclose(got, expect, rtol=1e-12)
    assert (table["versus_province"] == np.where(table["p_adjusted"] <= 0.05,
                                                 np.where(table["difference"] > 0, "above", "below"),
                                                 "indistinguishable")).all()


def test_member_config_takes_the_members_districts_and_rates():
    import yaml
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "config"
    prov = validate_province(yaml.safe_load((root / "inner-mongolia.yaml").read_text(encoding="utf-8")))
    template = yaml.safe_load((root / "wuhai.yaml").read_text(encoding="utf-8"))
    cfg = member_config(prov, "hohhot", template)
    assert list(cfg["survey"]["labels"]["district"]) == ["xincheng", "huimin", "yuquan", "saihan", "tumd_left"]
    assert cfg["simulation"]["target_rates"] == {"2020": 0.125, "2025": 0.160}
    assert not any(i["code"].startswith("science_venue_haibowan") for i in cfg["scorecard"]["indicators"])
    residents = sum(d["residents"] for d in cfg["simulation"]["population"]["districts"].values())
    assert residents == pytest.approx(3446100, rel=1e-4)
    # the province's 2020 census residents and the published 2020 rate (8.73%) the member rates spread around
    total = sum(m["residents"] for m in prov["members"])
    assert total == pytest.approx(24_049_155, rel=1e-3)
    mean = sum(m["residents"] * m["rates"]["2020"] for m in prov["members"]) / total
    assert mean == pytest.approx(0.0873, abs=5e-4)
    assert len(prov["members"]) == 12


def test_bad_province_config_names_the_key():
    from literacy.errors import ConfigError

    with pytest.raises(ConfigError, match=r"^province config: members\[0\]: districts: the shares add up to 0.5, not 1$"):
        validate_province({"province": {"id": "p"}, "targets": {"headline": 0.1}, "template": "t.yaml",
                           "members": [{"id": "a", "name_zh": "a", "name_en": "a", "residents": 1, "rates": {},
                                        "districts": {"x": {"zh": "x", "en": "x", "share": 0.5,
                                                            "rural_share": 0}}}]})
