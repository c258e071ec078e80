"""The measurement stage over every round, end to end (issue 23 item 3): a four-round delivery
(2020 baseline, 2023 mid-term, 2024 annual, 2025 end of period) simulated by the programme's own
form functions (each later form shares anchors with the baseline form and, through the shared
new items, with the other later forms), with the 2024 form's items renamed after the simulation
so that its form shares no item with any other: 2024 is reviewed but not linkable, and the run
goes on to the end."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

import literacy_schemas as S
from literacy_flows.pipeline.deliverables import table_schema

pytestmark = pytest.mark.flow

CONFIG = Path(__file__).resolve().parents[1] / "config" / "wuhai.yaml"
PROGRAMME_SCALE = 0.2   # as the suite's simulated programmes (conftest)

CONFIG_ROUNDS = [
    {"id": "2020", "role": "baseline", "label_zh": "2020年基线调查", "label_en": "2020 baseline"},
    {"id": "2023", "role": "midterm", "label_zh": "2023年中期评估", "label_en": "2023 mid-term"},
    {"id": "2024", "role": "annual", "label_zh": "2024年年度监测", "label_en": "2024 annual"},
    {"id": "2025", "role": "endline", "label_zh": "2025年末期调查", "label_en": "2025 end-of-period"},
]


@pytest.fixture(scope="module")
def four_rounds(tmp_path_factory, prefect_harness):
    from literacy.assessment import validate_config
    from literacy_flows import cli
    from literacy_flows.pipeline.assessment import assessment_flow

    root = tmp_path_factory.mktemp("four_rounds")
    cfg = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    cfg["paths"] = {"raw": "raw", "processed": "processed"}
    cfg["rounds"] = CONFIG_ROUNDS
    sim = cfg["simulation"]
    sim["population_scale"] = PROGRAMME_SCALE
    sim["target_rates"].update({"2023": 0.105, "2024": 0.11})
    sim["forms"].update({"2023": {"anchors": 20, "drifting": 0, "drift": 0.0, "seed": 2023},
                         "2024": {"anchors": 20, "drifting": 0, "drift": 0.0, "seed": 2024}})
    path = root / "config.yaml"
    path.write_text(yaml.safe_dump(cfg, allow_unicode=True, sort_keys=False), encoding="utf-8")
    assert cli.main(["simulate", "--config", str(path)]) == 0
    # 2024's form cut off from every other: its items renamed on the form and in the answers
    raw = root / "raw" / "2024"
    form = pd.read_csv(raw / "instrument.csv", dtype=str, keep_default_na=False)
    rename = {i: f"Z{i}" for i in form["item_id"]}
    form["item_id"] = form["item_id"].map(rename)
    form.to_csv(raw / "instrument.csv", index=False)
    answers = pd.read_csv(raw / "responses.csv", dtype=str, keep_default_na=False)
    answers.rename(columns=rename).to_csv(raw / "responses.csv", index=False)
    result = assessment_flow(path, with_notebooks=False)
    return result, root / "processed", validate_config(cfg)


def test_every_linked_round_has_linked_estimates_and_the_unlinkable_one_its_review(four_rounds):
    result, out, cfg = four_rounds
    for rid in ("2020", "2023", "2025"):
        est = pd.read_csv(out / rid / "estimates_linked.csv")
        assert len(est) and est["round"].astype(str).eq(rid).all()
    assert not (out / "2024" / "estimates_linked.csv").exists()
    for rid in ("2020", "2023", "2024", "2025"):
        assert (out / rid / "items.csv").is_file() and (out / rid / "reliability.csv").is_file()
    scale = pd.read_csv(out / "assessment" / "irt_scale.csv", dtype={"group": str})
    assert scale["group"].tolist() == ["2020", "2023", "2025"]          # one group per linked round
    assert scale.loc[0, ["mean", "sd"]].tolist() == [0.0, 1.0]
    dif = pd.read_csv(out / "assessment" / "dif.csv", dtype={"round": str})
    assert set(dif["round"]) == {"2020", "2023", "2024", "2025"}     # DIF in every round
    drift = dif[dif["grouping"] == "round"]
    assert set(drift["round"]) == {"2023", "2025"} and set(drift["reference"].astype(str)) == {"2020"}


def test_change_linked_has_every_comparison_and_names_the_round_off_the_scale(four_rounds):
    result, out, cfg = four_rounds
    cl = pd.read_parquet(out / "assessment" / "change_linked.parquet")
    S.validate(cl, table_schema("change_linked", cfg), "change_linked", line_offset=None)
    pairs = cl[["from_round", "to_round", "comparison"]].drop_duplicates().values.tolist()
    assert pairs == [["2020", "2023", "since_baseline"], ["2023", "2024", "consecutive"],
                     ["2024", "2025", "consecutive"], ["2020", "2024", "since_baseline"],
                     ["2020", "2025", "since_baseline"]]
    off = cl[(cl["from_round"] == "2024") | (cl["to_round"] == "2024")]
    assert not off["comparable"].any() and off["change"].isna().all()
    assert off["note"].str.startswith("round 2024 is not linked to the baseline 2020's scale").all()
    on = cl[(cl["from_round"] != "2024") & (cl["to_round"] != "2024")]
    city = on[(on["breakdown"] == "city") & (on["level"] == cfg["scoring"]["headline"])].set_index("to_round")
    assert city["comparable"].all() and city["change"].notna().all() and (city["se_linking"] > 0).all()
    # the change's own linking error, from the shares the linked estimates give
    for rid in ("2023", "2025"):
        est = pd.read_csv(out / rid / "estimates_linked.csv")
        row = est[(est["breakdown"] == "city") & (est["level"] == cfg["scoring"]["headline"])].iloc[0]
        assert city.loc[rid, "to_estimate"] == pytest.approx(row["estimate"])
        assert city.loc[rid, "se_linking_to"] == pytest.approx(row["se_linking"])
    # the headline's linked change is the baseline against the endline
    head = result["headline"]
    assert head["linked_comparable"] is True
    assert head["linked_change"] == pytest.approx(city.loc["2025", "change"])
