"""Schemas of the small-area table and the next plan's sample (issue 12 outputs)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandera.pandas as pa

from literacy.assessment import MSE_METHODS, SAMPLE_PLAN_COLUMNS, SMALL_AREA_COLUMNS, small_area_config
from literacy_schemas.checks import (
    TOL,
    level_codes,
    nonnegative_column,
    one_of,
    round_ids,
    share_column,
    text_column,
    unique_rows,
)
from literacy_schemas.outputs import RELIABILITY

__all__ = ["small_area_schema", "sample_plan_schema"]


def small_area_schema(config: dict) -> pa.DataFrameSchema:
    """``assessment/small_area.csv``: direct and model-based figures per cell and round
    (``literacy.assessment.small_area.small_area_table``)."""
    breakdowns = ["+".join(m["breakdown"]) for m in small_area_config(config)["models"]]
    share = share_column(nullable=True)

    def published_is_direct_or_model(df: pd.DataFrame) -> pd.Series:
        src = df["source"].astype(str).to_numpy()
        pub = df["published"].to_numpy(dtype=float)
        direct = df["direct"].to_numpy(dtype=float)
        model = df["model_estimate"].to_numpy(dtype=float)
        ok = np.where(src == "direct", np.abs(pub - direct) <= TOL,
                      np.where(src == "model", np.abs(pub - model) <= TOL, np.isnan(pub)))
        return pd.Series(ok, index=df.index)

    def model_where_direct_unreliable(df: pd.DataFrame) -> pd.Series:
        # the rule: direct only where the NCHS standard says present and the cell is not suppressed
        direct_ok = (df["reliability"].astype(str) == "present").to_numpy() & ~df["suppressed"].to_numpy(dtype=bool)
        return pd.Series((df["source"].astype(str) == "direct").to_numpy() == direct_ok, index=df.index)

    cols = {
        "round": text_column([one_of(round_ids(config))]),
        "breakdown": text_column([one_of(breakdowns)]),
        "domain": text_column(),
        "label_zh": text_column(),
        "label_en": text_column(),
        "level": text_column([one_of(level_codes(config))]),
        "n": pa.Column(int, pa.Check.ge(0)),
        "population_share": share,
        "direct": share, "direct_se": nonnegative_column(), "direct_ci_low": share, "direct_ci_high": share,
        "deff": nonnegative_column(),
        "reliability": text_column([one_of(list(RELIABILITY))]),
        "suppressed": pa.Column(bool),
        "deff_pooled": nonnegative_column(),
        "n_effective": nonnegative_column(),
        "gamma": pa.Column(float, pa.Check.in_range(0, 1), nullable=True),
        "model_estimate": share, "model_rmse": nonnegative_column(), "model_cv": nonnegative_column(),
        "model_ci_low": share, "model_ci_high": share,
        "is_synthetic": pa.Column(bool),
        "benchmark_factor": nonnegative_column(),
        "published": share, "published_ci_low": share, "published_ci_high": share,
        "source": text_column([one_of(["direct", "model", "none"])]),
        "source_zh": text_column(), "source_en": text_column(),
        "model_converged": pa.Column(bool),
        "sigma2_u": nonnegative_column(),
        "sigma2_method": text_column([one_of(["", "REML", "ML", "FH", "AMRL", "AMRL_YL", "AMPL", "AMPL_YL"])]),
        "mse_method": text_column([one_of(list(MSE_METHODS))]),
        "std_residual": pa.Column(float, nullable=True),
        "note": text_column(nullable=True),
    }
    assert list(cols) == SMALL_AREA_COLUMNS
    return pa.DataFrameSchema(
        cols,
        checks=[pa.Check(published_is_direct_or_model, error="published is the direct or the model-based figure"),
                pa.Check(model_where_direct_unreliable, error="direct is published exactly where NCHS says present"),
                unique_rows(["round", "breakdown", "domain", "level"])],
        strict=True, ordered=True, name="small_area",
    )


def sample_plan_schema(config: dict) -> pa.DataFrameSchema:
    """``assessment/sample_plan.csv``: the next round's sample per reporting domain
    (``literacy.planning.sample_plan``), with its inputs and assumptions."""
    pos = pa.Column(float, pa.Check.gt(0), nullable=True)
    cols = {
        "round": text_column([one_of(round_ids(config))]),
        "breakdown": text_column([one_of(["city", "district", "group"])]),
        "domain": text_column(), "label_zh": text_column(), "label_en": text_column(),
        "level": text_column([one_of(level_codes(config))]),
        "n": pa.Column(int, pa.Check.ge(0)), "psus_with_respondents": pa.Column(int, pa.Check.ge(0)),
        "p": share_column(), "deff": pos, "respondents_per_psu": pos, "rho": nonnegative_column(), "planned_per_psu": pos,
        "deff_planned": pos, "response_rate": pa.Column(float, pa.Check.in_range(0, 1)), "target": text_column(),
        "n_eff_required": pos, "respondents": pa.Column(int, pa.Check.ge(1)),
        "sampled_adults": pa.Column(int, pa.Check.ge(1)), "psus": pa.Column(int, pa.Check.ge(1)),
        "detectable_change": pos, "alpha": share_column(), "power": share_column(),
    }
    assert list(cols) == SAMPLE_PLAN_COLUMNS
    return pa.DataFrameSchema(cols, checks=[unique_rows(["breakdown", "domain"])], strict=True, ordered=True,
                              name="sample_plan")
