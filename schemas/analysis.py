"""Schemas of what drives literacy: the determinants model and the tests of association."""

from __future__ import annotations

import pandera.pandas as pa

from literacy_schemas.outputs import _isin, _nonneg, _rounds, _text, _unique

__all__ = ["determinants_schema", "associations_schema"]


def determinants_schema(config: dict) -> pa.DataFrameSchema:
    """``assessment/determinants.csv``: the design-based logistic regression of the headline level
    per round (R's ``svyglm(family=quasibinomial)``), with odds ratios and their intervals."""
    return pa.DataFrameSchema(
        {
            "round": _text([_isin(_rounds(config))]),
            "term": _text(nullable=True), "variable": _text(nullable=True), "level": _text(nullable=True),
            "reference": _text(nullable=True),
            "estimate": pa.Column(float, nullable=True), "se": _nonneg(),
            "odds_ratio": _nonneg(), "or_ci_low": _nonneg(), "or_ci_high": _nonneg(),
            "p_value": pa.Column(float, pa.Check.in_range(0, 1), nullable=True),
            "df": pa.Column(float, pa.Check.ge(0), nullable=True),
            "note": _text(nullable=True),
        },
        checks=[_unique(["round", "term"]),
                pa.Check(lambda df: df["note"].notna() | df["term"].notna(), error="a row without a term says why")],
        strict=True, ordered=True, name="determinants",
    )


def associations_schema(config: dict) -> pa.DataFrameSchema:
    """``assessment/associations.csv``: Rao–Scott second-order F tests (R's ``svychisq``) of the
    literacy level against each breakdown, per round, with BH-adjusted p-values within the round."""
    return pa.DataFrameSchema(
        {
            "round": _text([_isin(_rounds(config))]), "breakdown": _text(), "outcome": _text(),
            "statistic": _nonneg(), "ndf": _nonneg(), "ddf": _nonneg(),
            "p_value": pa.Column(float, pa.Check.in_range(0, 1), nullable=True),
            "p_value_bh": pa.Column(float, pa.Check.in_range(0, 1), nullable=True),
            "significant_bh": pa.Column("boolean", nullable=True),
            "note": _text(nullable=True),
        },
        checks=[_unique(["round", "breakdown"])], strict=True, ordered=True, name="associations",
    )
