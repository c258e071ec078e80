"""The flow's 'what drives literacy' step on a design too small for the model: a note, not a crash."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from literacy.design import SurveyDesign


def test_a_model_with_more_coefficients_than_design_df_is_a_note(tmp_path, config):
    from literacy_flows.pipeline.rounds import analysis_tables

    rng = np.random.default_rng(4)
    n = 400
    data = pd.DataFrame({
        "stratum": np.repeat(["s1", "s2"], n // 2), "psu": np.repeat(np.arange(8), n // 8),
        "district": rng.choice(["haibowan", "hainan", "wuda"], n), "residence": rng.choice(["urban", "rural"], n),
        "sex": rng.choice(["male", "female"], n), "age_band": rng.choice(["18-29", "30-39", "40-49"], n),
        "education": rng.choice(["junior_high", "senior_high", "bachelor_plus"], n),
        "occupation": rng.choice(["student", "other", "professional"], n),
        "literate": (rng.random(n) < 0.3).astype(int),
        "level_class": rng.choice(["low", "basic", "literate"], n), "w": rng.uniform(1, 3, n)})
    design = SurveyDesign(data, weights="w", strata="stratum", psu="psu")    # 8 PSUs - 2 strata = 6 df
    out = analysis_tables(design, config, "2025", tmp_path, logging.getLogger("test"))
    import literacy_schemas as S
    from literacy_flows.pipeline.deliverables import table_schema

    det = pd.read_parquet(out["determinants"])
    S.validate(det, table_schema("determinants", config), "determinants", line_offset=None)
    assert len(det) == 1 and det["term"].isna().all()
    assert "6 degrees of freedom, too few" in det["note"].iloc[0]
    assoc = pd.read_parquet(out["associations"])
    assert set(assoc["breakdown"]) == {"district", "residence", "sex", "age_band", "education", "occupation"}
