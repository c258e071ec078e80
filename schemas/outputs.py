"""pandera schemas of the output tables: estimates, change between rounds, target verdicts.

They are the contract of the files evaluators take into the assessment (column names,
types, value ranges) and guard the internal consistency of each row (the estimate inside
its interval, change = endline - baseline, a verdict that reads the interval).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandera.pandas as pa

__all__ = ["estimates_schema", "change_schema", "verdicts_schema", "headline_schema", "BREAKDOWNS",
           "VERDICTS"]

VERDICTS = ("met", "not_met", "inconclusive")
#: Tolerance of the consistency checks (floating point).
TOL = 1e-9


def BREAKDOWNS(config: dict) -> list[str]:
    """The breakdown codes a config produces: city, each configured breakdown, group."""
    out = ["city"]
    for b in config["breakdowns"]:
        out.append(b if isinstance(b, str) else "+".join(b))
    out.append("group")
    return out


def _levels(config: dict) -> list[str]:
    return [str(lv["code"]) for lv in config["scoring"]["levels"]]


def _rounds(config: dict) -> list[str]:
    return [str(r["id"]) for r in config["rounds"]]


def _isin(values: list[str]) -> pa.Check:
    return pa.Check.isin(values, error=f"one of {'|'.join(values)}")


def _text(checks=None, nullable: bool = False) -> pa.Column:
    # computed tables may carry str (pandas default) or string dtype: check values, not dtype
    return pa.Column(None, checks or [], nullable=nullable)


def _share(nullable: bool = False) -> pa.Column:
    return pa.Column(float, pa.Check.in_range(0, 1, error="a share in [0, 1]"), nullable=nullable)


def _nonneg(nullable: bool = True) -> pa.Column:
    return pa.Column(float, pa.Check.ge(0, error=">= 0"), nullable=nullable)


def _inside(low: str, mid: str, high: str):
    def check(df: pd.DataFrame) -> pd.Series:
        lo, m, hi = (df[c].to_numpy(dtype=float, na_value=np.nan) for c in (low, mid, high))
        ok = np.isnan(lo) | np.isnan(hi) | ((lo <= m + TOL) & (m <= hi + TOL))
        return pd.Series(ok, index=df.index)
    return pa.Check(check, error=f"{low} <= {mid} <= {high}")


def _unique(cols: list[str]) -> pa.Check:
    return pa.Check(lambda df: ~df.duplicated(subset=cols, keep="first"), error=f"one row per {'/'.join(cols)}")


def estimates_schema(config: dict) -> pa.DataFrameSchema:
    """``<round>/estimates.csv``: one row per round, breakdown, domain and level."""
    return pa.DataFrameSchema(
        {
            "round": _text([_isin(_rounds(config))]),
            "breakdown": _text([_isin(BREAKDOWNS(config))]),
            "domain": _text(),
            "label_zh": _text(),
            "label_en": _text(),
            "level": _text([_isin(_levels(config))]),
            "estimate": _share(),
            "se": _nonneg(),
            "ci_low": _share(nullable=True),
            "ci_high": _share(nullable=True),
            "df": pa.Column(None, pa.Check.ge(0, error="df >= 0"), nullable=True),
            "n": pa.Column(None, pa.Check.ge(1, error="n >= 1")),
            "deff": _nonneg(),
            "cv": _nonneg(),
            "population": _nonneg(),
        },
        checks=[_inside("ci_low", "estimate", "ci_high"), _unique(["round", "breakdown", "domain", "level"])],
        strict=True, ordered=True, name="estimates",
    )


def change_schema(config: dict) -> pa.DataFrameSchema:
    """``assessment/change.csv``: endline minus baseline for every domain and level."""
    def difference(df: pd.DataFrame) -> pd.Series:
        d = df["endline"].to_numpy(dtype=float) - df["baseline"].to_numpy(dtype=float)
        return pd.Series(np.abs(d - df["change"].to_numpy(dtype=float)) <= TOL, index=df.index)

    rounds = _rounds(config)
    return pa.DataFrameSchema(
        {
            "breakdown": _text([_isin(BREAKDOWNS(config))]),
            "domain": _text(),
            "label_zh": _text(),
            "label_en": _text(),
            "level": _text([_isin(_levels(config))]),
            "baseline_round": _text([_isin(rounds)]),
            "endline_round": _text([_isin(rounds)]),
            "baseline": _share(),
            "baseline_se": _nonneg(),
            "endline": _share(),
            "endline_se": _nonneg(),
            "change": pa.Column(float, pa.Check.in_range(-1, 1, error="a difference of shares")),
            "se": _nonneg(),
            "ci_low": pa.Column(float, nullable=True),
            "ci_high": pa.Column(float, nullable=True),
            "df": pa.Column(float, pa.Check.ge(0), nullable=True),
            "p_value": pa.Column(float, pa.Check.in_range(0, 1), nullable=True),
        },
        checks=[pa.Check(difference, error="change = endline - baseline"), _inside("ci_low", "change", "ci_high"),
                _unique(["breakdown", "domain", "level"])],
        strict=True, ordered=True, name="change",
    )


def verdicts_schema(config: dict) -> pa.DataFrameSchema:
    """``assessment/verdicts.csv``: the endline headline share against target and national rate."""
    def reads_interval(df: pd.DataFrame) -> pd.Series:
        lo, hi, t = (df[c].to_numpy(dtype=float) for c in ("ci_low", "ci_high", "target"))
        expect = np.select([lo >= t, hi < t], ["met", "not_met"], default="inconclusive")
        return pd.Series(expect == df["verdict"].astype(str).to_numpy(), index=df.index)

    return pa.DataFrameSchema(
        {
            "round": _text([_isin(_rounds(config))]),
            "breakdown": _text([_isin(BREAKDOWNS(config))]),
            "domain": _text(),
            "label_zh": _text(),
            "label_en": _text(),
            "level": _text([_isin(_levels(config))]),
            "estimate": _share(),
            "ci_low": _share(),
            "ci_high": _share(),
            "target": _share(),
            "verdict": _text([_isin(list(VERDICTS))]),
            "verdict_zh": _text(),
            "national_rate": _share(nullable=True),
            "national_year": pa.Column(None, nullable=True),
            "gap_to_national": pa.Column(float, nullable=True),
            "versus_national": _text(nullable=True),
            "change": pa.Column(float, nullable=True),
            "change_ci_low": pa.Column(float, nullable=True),
            "change_ci_high": pa.Column(float, nullable=True),
            "change_p_value": pa.Column(float, pa.Check.in_range(0, 1), nullable=True),
        },
        checks=[pa.Check(reads_interval, error="verdict reads the CI against the target"),
                _inside("ci_low", "estimate", "ci_high"), _unique(["round", "breakdown", "domain", "level"])],
        strict=True, ordered=True, name="verdicts",
    )


def headline_schema(config: dict) -> pa.DataFrameSchema:
    """``assessment/headline.csv``: one row per headline figure (key, value, labels)."""
    return pa.DataFrameSchema(
        {
            "key": _text(),
            "label_zh": _text(),
            "label_en": _text(),
            "value": _text(nullable=True),
        },
        checks=[_unique(["key"])],
        strict=True, ordered=True, name="headline",
    )
