"""pandera schemas of the fieldwork-quality tables (issue 26): ``quality/response_rates.csv``,
``nonresponse_bias.csv``, ``data_quality.csv`` and ``interviewers.csv``
(:mod:`literacy.quality.round_quality`)."""

from __future__ import annotations

import pandera.pandas as pa

from literacy.quality.rates import RATE_COLUMNS
from literacy.quality.round_quality import STAGES
from literacy_schemas.checks import nonnegative_column, one_of, round_ids, share_column, text_column, unique_rows

__all__ = ["response_rates_schema", "nonresponse_bias_schema", "data_quality_schema", "interviewers_schema"]


def _flag(nullable: bool = False) -> pa.Column:
    return pa.Column("boolean" if nullable else bool, nullable=nullable, coerce=True)


def response_rates_schema(config: dict) -> pa.DataFrameSchema:
    """AAPOR's outcome rates: counts non-negative, every rate a share (blank where undefined)."""
    columns = {
        "round": text_column([one_of(round_ids(config))]),
        "dispositions": text_column([one_of(["delivered", "from responded"])]),
        "weighting": text_column([one_of(["unweighted", "weighted"])]),
        "breakdown": text_column(),
        "domain": text_column(),
        "cases": pa.Column(int, pa.Check.ge(0)),
        **{c: nonnegative_column(nullable=False) for c in ("I", "P", "R", "NC", "O", "U", "NE")},
        "e": share_column(),
        **{r: share_column(nullable=True) for r in RATE_COLUMNS},
    }
    return pa.DataFrameSchema(columns, checks=[unique_rows(["round", "weighting", "breakdown", "domain"])],
                              strict=True, ordered=True, name="response_rates")


def nonresponse_bias_schema(config: dict) -> pa.DataFrameSchema:
    """The nonresponse bias analysis: one row per frame variable's level, then the propensity rows."""
    stage_cols = {f"{p}_{s}": pa.Column(float, nullable=True) for s in STAGES for p in ("estimate", "bias", "std_bias")}
    columns = {
        "round": text_column([one_of(round_ids(config))]),
        "kind": text_column([one_of(["share", "mean", "propensity", "census"])]),
        "variable": text_column(),
        "category": text_column(),
        "full_sample": pa.Column(float),
        "sd": nonnegative_column(),
        "test": text_column(nullable=True),
        "statistic": pa.Column(float, nullable=True),
        "p_value": share_column(nullable=True),
        "p_adjusted": share_column(nullable=True),
        **stage_cols,
        "bias_verdict": text_column(nullable=True),
        "bias_verdict_zh": text_column(nullable=True),
    }
    return pa.DataFrameSchema(columns, checks=[unique_rows(["round", "kind", "variable", "category"])], strict=True,
                              ordered=True, name="nonresponse_bias")


def data_quality_schema(config: dict) -> pa.DataFrameSchema:
    """The flagged interviews: one row per interview, at least one check named."""
    columns = {
        "round": text_column([one_of(round_ids(config))]),
        "respondent_id": text_column(),
        "interviewer_id": text_column(nullable=True),
        "mode": text_column(nullable=True),
        "duration_seconds": nonnegative_column(),
        "duration_ratio": nonnegative_column(),
        "speeder": _flag(),
        "modal_share": share_column(),
        "straightliner": _flag(),
        "exact_duplicate_of": text_column(nullable=True),
        "max_match": share_column(),
        "match_with": text_column(nullable=True),
        "near_duplicate": _flag(),
        "checks": text_column([pa.Check.str_length(min_value=1, error="at least one check")]),
    }
    return pa.DataFrameSchema(columns, checks=[unique_rows(["round", "respondent_id"])], strict=True, ordered=True,
                              name="data_quality")


def interviewers_schema(config: dict) -> pa.DataFrameSchema:
    """Interviewer effects: one row per interviewer and round, then ``all``."""
    num = {c: pa.Column(float, nullable=True) for c in ("mean_score", "expected_score", "difference", "z")}
    columns = {
        "round": text_column([one_of(round_ids(config))]),
        "interviewer": text_column(),
        "interviews": pa.Column(int, pa.Check.ge(1)),
        **{k: num[k] for k in ("mean_score", "expected_score", "difference")},
        "se": nonnegative_column(),
        "z": num["z"],
        "p_value": share_column(nullable=True),
        "p_adjusted": share_column(nullable=True),
        "outlier": _flag(nullable=True),
        "skipped_share": share_column(),
        "dont_know_share": share_column(),
        **{c: pa.Column(int, pa.Check.ge(0)) for c in ("speeders", "straightliners", "duplicates")},
        "icc": share_column(nullable=True),
        "deff_interviewer": nonnegative_column(),
    }
    return pa.DataFrameSchema(columns, checks=[unique_rows(["round", "interviewer"])], strict=True, ordered=True,
                              name="interviewers")
