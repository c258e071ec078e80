"""Schemas of what drives literacy: the determinants model and the tests of association."""

from __future__ import annotations

import pandera.pandas as pa

from literacy_schemas.checks import nonnegative_column, one_of, round_ids, text_column, unique_rows

__all__ = ["determinants_schema", "associations_schema"]


def determinants_schema(config: dict) -> pa.DataFrameSchema:
    """``assessment/determinants.csv``: the design-based logistic regression of the headline level
    per round (R's ``svyglm(family=quasibinomial)``), with odds ratios and their intervals."""
    return pa.DataFrameSchema(
        {
            "round": text_column([one_of(round_ids(config))]),
            "term": text_column(nullable=True), "variable": text_column(nullable=True), "level": text_column(nullable=True),
            "reference": text_column(nullable=True),
            "estimate": pa.Column(float, nullable=True), "se": nonnegative_column(),
            "odds_ratio": nonnegative_column(), "or_ci_low": nonnegative_column(), "or_ci_high": nonnegative_column(),
            "p_value": pa.Column(float, pa.Check.in_range(0, 1), nullable=True),
            "df": pa.Column(float, pa.Check.ge(0), nullable=True),
            "note": text_column(nullable=True),
        },
        checks=[unique_rows(["round", "term"]),
                pa.Check(lambda df: df["note"].notna() | df["term"].notna(), error="a row without a term says why")],
        strict=True, ordered=True, name="determinants",
    )


def associations_schema(config: dict) -> pa.DataFrameSchema:
    """``assessment/associations.csv``: Rao–Scott second-order F tests (R's ``svychisq``) of the
    literacy level against each breakdown, per round, with BH-adjusted p-values within the round."""
    return pa.DataFrameSchema(
        {
            "round": text_column([one_of(round_ids(config))]), "breakdown": text_column(), "outcome": text_column(),
            "statistic": nonnegative_column(), "ndf": nonnegative_column(), "ddf": nonnegative_column(),
            "p_value": pa.Column(float, pa.Check.in_range(0, 1), nullable=True),
            "p_value_bh": pa.Column(float, pa.Check.in_range(0, 1), nullable=True),
            "significant_bh": pa.Column("boolean", nullable=True),
            "note": text_column(nullable=True),
        },
        checks=[unique_rows(["round", "breakdown"])], strict=True, ordered=True, name="associations",
    )
