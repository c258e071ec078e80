"""pandera schemas of a delivery: instrument, responses, sample, population margins, truth.

The schemas are built from the assessment config (allowed codes of every categorical
variable, the age range, the instrument's parts) and, for the responses, from the
instrument (one column per item; the item's valid answer codes plus its don't-know code).
They check the tables as typed by :mod:`literacy_flows.io` (strings, Int64, float64).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandera.pandas as pa

from literacy.quality.dispositions import DISPOSITIONS

__all__ = ["instrument_schema", "responses_schema", "sample_schema", "margins_schema", "truth_schema",
           "scorecard_schema", "CATEGORICAL", "ITEM_TYPES"]

#: Categorical survey variables whose codes come from ``survey.labels`` in the config.
CATEGORICAL = ("district", "residence", "sex", "education", "occupation")
ITEM_TYPES = ("true_false", "single_choice")
_STR = pd.StringDtype()
_INT = "Int64"


def _codes(config: dict, variable: str) -> list[str]:
    if variable == "age_band":
        return [str(b["code"]) for b in config["survey"]["age_bands"]]
    return [str(k) for k in config["survey"]["labels"].get(variable, {})]


def _category(config: dict, variable: str, nullable: bool = False) -> pa.Column:
    allowed = _codes(config, variable)
    checks = [pa.Check.isin(allowed, error=f"one of {'|'.join(allowed)}")] if allowed else []
    return pa.Column(_STR, checks, nullable=nullable)


def _text(nullable: bool = False, unique: bool = False) -> pa.Column:
    return pa.Column(_STR, nullable=nullable, unique=unique)


def _parse_codes(value) -> list[int]:
    try:
        return [int(v) for v in str(value).replace(",", ";").split(";") if v.strip()]
    except ValueError:
        return []


def _psu_in_one_stratum(df: pd.DataFrame) -> pd.Series:
    """True for rows whose PSU appears in a single stratum (PSUs must nest in strata)."""
    n_strata = df.groupby("psu", sort=False, dropna=False)["stratum"].transform("nunique")
    return (n_strata <= 1) | df["psu"].isna()


def _design_columns(config: dict) -> dict:
    age_min, age_max = int(config["survey"]["age_min"]), int(config["survey"]["age_max"])
    return {
        "respondent_id": _text(unique=True),
        "district": _category(config, "district"),
        "residence": _category(config, "residence"),
        "stratum": _text(),
        "psu": _text(),
        "selection_prob": pa.Column(float, pa.Check.in_range(0, 1, include_min=False, error="in (0, 1]")),
        "sex": _category(config, "sex"),
        "age": pa.Column(_INT, pa.Check.in_range(age_min, age_max, error=f"age {age_min}-{age_max}")),
    }


def instrument_schema(config: dict) -> pa.DataFrameSchema:
    """The questionnaire: one row per item.

    Checks: unique item ids; part one of ``scoring.parts``; positive points; item type;
    ``valid_codes`` a ";"-separated list of integers holding the correct answer and not the
    don't-know code; the points of each part add up to the config's points of the part.
    """
    parts = {str(k): float(v[0]) for k, v in config["scoring"]["parts"].items()}

    def correct_is_valid(df: pd.DataFrame) -> pd.Series:
        codes = df["valid_codes"].map(_parse_codes)
        ok = [c is not pd.NA and int(c) in v for c, v in zip(df["correct"], codes)]
        return pd.Series(ok, index=df.index)

    def dont_know_not_valid(df: pd.DataFrame) -> pd.Series:
        codes = df["valid_codes"].map(_parse_codes)
        ok = [d is pd.NA or int(d) not in v for d, v in zip(df["dont_know_code"], codes)]
        return pd.Series(ok, index=df.index)

    def part_points(df: pd.DataFrame) -> pd.Series:
        # every row of a part whose points do not add up to the config's points fails
        sums = df.groupby("part", sort=False)["points"].transform("sum")
        target = df["part"].map(parts).astype(float)
        return pd.Series(np.isclose(sums.to_numpy(dtype=float), target.to_numpy(dtype=float, na_value=np.nan),
                                    rtol=0, atol=1e-9), index=df.index)

    def every_part_present(df: pd.DataFrame) -> bool:
        return set(parts) <= set(df["part"].dropna())

    return pa.DataFrameSchema(
        {
            "item_id": pa.Column(_STR, pa.Check.str_matches(r"^[A-Za-z][A-Za-z0-9_]*$",
                                                            error="an identifier (letters, digits, _)"),
                                 unique=True),
            "part": pa.Column(_STR, pa.Check.isin(list(parts), error=f"one of {'|'.join(parts)}")),
            "points": pa.Column(float, pa.Check.gt(0, error="points > 0")),
            "item_type": pa.Column(_STR, pa.Check.isin(list(ITEM_TYPES), error=f"one of {'|'.join(ITEM_TYPES)}")),
            "correct": pa.Column(_INT),
            "valid_codes": pa.Column(_STR, pa.Check.str_matches(r"^\d+(;\d+)+$", error="codes like 1;2;3;4")),
            "dont_know_code": pa.Column(_INT),
            "text_zh": _text(),
            "text_en": _text(),
        },
        checks=[
            pa.Check(correct_is_valid, error="correct answer is one of valid_codes"),
            pa.Check(dont_know_not_valid, error="dont_know_code is not one of valid_codes"),
            pa.Check(part_points, error="points of the part add up to scoring.parts"),
            pa.Check(every_part_present, error="every part of scoring.parts has items"),
        ],
        name="instrument",
    )


def responses_schema(config: dict, instrument: pd.DataFrame) -> pa.DataFrameSchema:
    """One round's respondents: design variables, demographics and one column per item.

    Item columns are nullable Int64 (blank = skipped) holding one of the item's
    ``valid_codes`` or its ``dont_know_code``.
    """
    columns = _design_columns(config)
    columns["education"] = _category(config, "education")
    columns["occupation"] = _category(config, "occupation")
    for item, valid, dk in zip(instrument["item_id"].astype(str), instrument["valid_codes"],
                               instrument["dont_know_code"]):
        allowed = sorted(set(_parse_codes(valid)) | ({int(dk)} if dk is not pd.NA else set()))
        columns[item] = pa.Column(_INT, pa.Check.isin(allowed, error=f"answer codes {';'.join(map(str, allowed))}"),
                                  nullable=True)
    columns.update(_paradata_columns())
    return pa.DataFrameSchema(columns, checks=_nesting(config), name="responses")


def _paradata_columns() -> dict:
    """The responses' optional paradata (docs/methods/quality.md): interviewer, duration, mode."""
    return {
        "interviewer_id": pa.Column(_STR, nullable=True, required=False),
        "duration_seconds": pa.Column(float, pa.Check.ge(0, error="duration_seconds >= 0"), nullable=True,
                                      required=False),
        "mode": pa.Column(_STR, nullable=True, required=False),
    }


def _nesting(config: dict) -> list:
    """A PSU lies in one stratum, unless the config says PSU ids repeat across strata (design.nest)."""
    if config["design"]["nest"]:
        return []
    return [pa.Check(_psu_in_one_stratum, error="psu within one stratum")]


def sample_schema(config: dict) -> pa.DataFrameSchema:
    """Every sampled adult of a round (respondents and unit nonrespondents)."""
    columns = _design_columns(config)
    columns["responded"] = pa.Column(_INT, pa.Check.isin([0, 1], error="0 or 1"))
    # optional: AAPOR's final disposition, as read (literacy.quality.disposition_name)
    columns["disposition"] = pa.Column(_STR, pa.Check.isin(list(DISPOSITIONS),
                                                           error=f"one of {'|'.join(DISPOSITIONS)}"), required=False)
    return pa.DataFrameSchema(columns, checks=_nesting(config),
                              name="sample")


def margins_schema(config: dict) -> pa.DataFrameSchema:
    """Population margins (long format): the columns of the dimension filled, the others blank."""
    variables = ["district", "residence", "sex", "age_band", "education", "occupation"]

    def filled_as_dimension(df: pd.DataFrame) -> pd.Series:
        dims = df["dimension"].fillna("").astype(str).str.split("+")
        ok = np.ones(len(df), dtype=bool)
        for var in variables:
            in_dim = dims.map(lambda d, v=var: v in d).to_numpy(dtype=bool)
            filled = df[var].notna().to_numpy(dtype=bool)
            ok &= in_dim == filled
        return pd.Series(ok, index=df.index)

    def known_variables(df: pd.DataFrame) -> pd.Series:
        dims = df["dimension"].fillna("").astype(str).str.split("+")
        return dims.map(lambda d: all(v in variables for v in d))

    columns = {"dimension": pa.Column(_STR, pa.Check.str_matches(r"^[a-z_]+(\+[a-z_]+)*$",
                                                                 error="columns joined by +"))}
    for var in variables:
        columns[var] = _category(config, var, nullable=True)
    columns["population"] = pa.Column(_INT, pa.Check.ge(0, error="population >= 0"))
    columns["source"] = pa.Column(_STR, nullable=True)
    unique_cells = pa.Check(lambda df: ~df.duplicated(subset=["dimension", *variables], keep="first"),
                            error="one row per dimension cell")
    return pa.DataFrameSchema(
        columns,
        checks=[pa.Check(known_variables, error=f"dimension built from {'|'.join(variables)}"),
                pa.Check(filled_as_dimension, error="the dimension's columns filled, the others blank"),
                unique_cells],
        name="margins",
    )


def truth_schema(config: dict) -> pa.DataFrameSchema:
    """A simulated round's true population values."""
    levels = [str(lv["code"]) for lv in config["scoring"]["levels"]]
    return pa.DataFrameSchema(
        {
            "breakdown": _text(),
            "domain": _text(),
            "level": pa.Column(_STR, pa.Check.isin(levels, error=f"one of {'|'.join(levels)}")),
            "population": pa.Column(_INT, pa.Check.ge(0)),
            "rate": pa.Column(float, pa.Check.in_range(0, 1)),
            # optional: the share above the level's true cut on the linked latent scale
            "rate_linked": pa.Column(float, pa.Check.in_range(0, 1), required=False),
        },
        name="truth",
    )


def scorecard_schema(config: dict) -> pa.DataFrameSchema:
    """``scorecard.csv`` (optional, in the delivery): the departments' reported actuals.

    One row per indicator code of the config's ``scorecard.indicators``; the reported
    ``target`` must be the config's (the plan's) target, ``actual`` may be blank (not yet
    reported), numbers are non-negative.
    """
    indicators = {str(i["code"]): float(i["target"]) for i in config["scorecard"]["indicators"]}
    codes = list(indicators)

    def target_is_the_plans(df: pd.DataFrame) -> pd.Series:
        expected = df["indicator"].astype(str).map(indicators).to_numpy(dtype=float)
        got = df["target"].to_numpy(dtype=float)
        return pd.Series(np.isnan(expected) | np.isclose(got, expected, rtol=1e-12, atol=1e-9), index=df.index)

    return pa.DataFrameSchema(
        {
            "indicator": pa.Column(_STR, pa.Check.isin(codes, error=f"one of {'|'.join(codes)}") if codes else [],
                                   unique=True),
            "department_zh": _text(),
            "department_en": _text(),
            "indicator_zh": _text(nullable=True),
            "indicator_en": _text(nullable=True),
            "target": pa.Column(float, pa.Check.ge(0, error=">= 0")),
            "actual": pa.Column(float, pa.Check.ge(0, error=">= 0"), nullable=True),
            "unit_zh": _text(nullable=True),
            "unit_en": _text(nullable=True),
            "period": _text(nullable=True),
            "note": _text(nullable=True),
        },
        checks=[pa.Check(target_is_the_plans, error="target differs from the config's scorecard target")],
        strict=True, ordered=True, name="scorecard",
    )
