"""The measurement stage in the flow: linked outputs on the default two-form programme, and a
delivery whose forms share too few anchors runs to the end with the change marked not comparable."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

import literacy_schemas as S
from literacy_flows.pipeline.deliverables import table_schema

pytestmark = pytest.mark.flow


@pytest.fixture(scope="module")
def refused(simulated_programme, prefect_harness):
    """The small simulated programme with a linking minimum its forms cannot meet (15 anchors, 20 needed)."""
    from literacy_flows.pipeline.assessment import assessment_flow

    path = simulated_programme("refused")
    cfg = yaml.safe_load(path.read_text(encoding="utf-8"))
    cfg["measurement"] = {**cfg.get("measurement", {}), "min_anchor_items": 20}
    path.write_text(yaml.safe_dump(cfg, allow_unicode=True, sort_keys=False), encoding="utf-8")
    result = assessment_flow(path, with_notebooks=False)
    return result, path.parent / "processed", cfg


def test_too_few_anchors_runs_to_the_end_and_marks_the_change_not_comparable(refused):
    result, out, cfg = refused
    head = result["headline"]
    assert head["comparable"] is False and head["linked_comparable"] is False
    assert "20 anchors needed" in head["linked_reason"], head["linked_reason"]
    cl = pd.read_parquet(out / "assessment" / "change_linked.parquet")
    assert len(cl) and not cl["comparable"].any() and cl["change"].isna().all()
    assert cl["note"].str.contains("needed").all()
    S.validate(cl, table_schema("change_linked", _validated(cfg)), "change_linked", line_offset=None)
    verdicts = pd.read_parquet(out / "assessment" / "verdicts.parquet")
    assert not verdicts["comparable"].any()
    for name in ("districts", "key_groups", "district_groups"):
        assert not pd.read_parquet(out / "assessment" / f"{name}.parquet")["comparable"].any(), name
    # no linked estimates without a link; the item review and DIF are still there
    assert not (out / "2025" / "estimates_linked.csv").exists()
    assert (out / "2025" / "items.csv").is_file() and (out / "assessment" / "dif.csv").is_file()
    from literacy_flows.report.workbook import headline_lines

    assert any("not comparable" in line for line in headline_lines(head, _validated(cfg)))


def _validated(cfg):
    from literacy.assessment import validate_config

    return validate_config(cfg)
