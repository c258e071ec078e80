"""pandera schemas of the output tables: estimates, change between rounds, target verdicts, weights.

They are the contract of the files evaluators take into the assessment (column names,
types, value ranges) and guard the internal consistency of each row (the estimate inside
its interval, change = endline - baseline, a verdict that reads the interval).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandera.pandas as pa

from literacy.assessment.schedule import other_rounds
from literacy.catalog.vocabulary import RELIABILITY_LABELS, STATUS_LABELS, VERDICT_LABELS
from literacy_schemas.checks import (
    TOL,
    inside_interval,
    level_codes,
    nonnegative_column,
    one_of,
    round_ids,
    share_column,
    text_column,
    unique_rows,
)

__all__ = ["estimates_schema", "change_schema", "verdicts_schema", "headline_schema", "weights_diagnostics_schema",
           "weights_margins_schema", "WEIGHT_STAGES", "BREAKDOWNS",
           "VERDICTS", "RELIABILITY", "SCORECARD_STATUS", "evaluator_schema", "decomposition_schema",
           "decomposition_detail_schema", "part_scores_schema", "scorecard_table_schema", "methodology_schema",
           "trend_schema"]

#: Verdict codes of a published (not suppressed) verdict (``literacy.catalog.vocabulary.VERDICT_LABELS``).
VERDICTS = tuple(code for code in VERDICT_LABELS if code != "suppressed")


def BREAKDOWNS(config: dict) -> list[str]:
    """The breakdown codes a config produces: city, each configured breakdown, group."""
    out = ["city"]
    for b in config["breakdowns"]:
        out.append(b if isinstance(b, str) else "+".join(b))
    out.append("group")
    return out


#: NCHS reliability outcomes (``literacy.catalog.vocabulary.RELIABILITY_LABELS``).
RELIABILITY = tuple(RELIABILITY_LABELS)


def _reliability_columns() -> dict:
    """The NCHS flags and the suppression columns appended to an estimates table."""
    return {
        "n_effective": nonnegative_column(),
        "ci_width": nonnegative_column(),
        "relative_ci_width": nonnegative_column(),
        "reliability": text_column([one_of(list(RELIABILITY))]),
        "reliability_reason": text_column(nullable=True),
        "suppressed": pa.Column(bool),
        "suppression_reason": text_column(nullable=True),
    }


def _blanked(columns: list[str], flag: str = "suppressed") -> pa.Check:
    """A suppressed row has every one of ``columns`` blank, and gives a reason."""
    def check(df: pd.DataFrame) -> pd.Series:
        s = df[flag].to_numpy(dtype=bool)
        blank = np.ones(len(df), dtype=bool)
        for c in columns:
            if c in df.columns:
                blank &= df[c].isna().to_numpy()
        reason = df["suppression_reason"].notna().to_numpy() if "suppression_reason" in df.columns else s
        return pd.Series(~s | (reason & (blank if columns else True)), index=df.index)
    return pa.Check(check, error=f"a suppressed row has {', '.join(columns)} blank and a reason")


def estimates_schema(config: dict) -> pa.DataFrameSchema:
    """``<round>/estimates.csv``: one row per round, breakdown, domain and level."""
    return pa.DataFrameSchema(
        {
            "round": text_column([one_of(round_ids(config))]),
            "breakdown": text_column([one_of(BREAKDOWNS(config))]),
            "domain": text_column(),
            "label_zh": text_column(),
            "label_en": text_column(),
            "level": text_column([one_of(level_codes(config))]),
            "estimate": share_column(nullable=True),
            "se": nonnegative_column(),
            "ci_low": share_column(nullable=True),
            "ci_high": share_column(nullable=True),
            "df": pa.Column(None, pa.Check.ge(0, error="df >= 0"), nullable=True),
            "n": pa.Column(None, pa.Check.ge(1, error="n >= 1")),
            "deff": nonnegative_column(),
            "cv": nonnegative_column(),
            "population": nonnegative_column(),
            **_reliability_columns(),
        },
        checks=[inside_interval("ci_low", "estimate", "ci_high"), unique_rows(["round", "breakdown", "domain", "level"]),
                _blanked(["estimate", "se", "ci_low", "ci_high", "deff", "cv", "n_effective", "ci_width",
                          "relative_ci_width"]),
                pa.Check(lambda df: df["suppressed"].astype(bool) | df["estimate"].notna(),
                         error="an estimate is blank only when suppressed")],
        strict=True, ordered=True, name="estimates",
    )


def _bh_not_below(p_column: str) -> pa.Check:
    """A Benjamini–Hochberg adjusted p-value is never below the raw one, and is blank with it."""
    def check(df: pd.DataFrame) -> pd.Series:
        p, q = df[p_column].to_numpy(dtype=float), df["p_value_bh"].to_numpy(dtype=float)
        return pd.Series((np.isnan(p) & np.isnan(q)) | (q >= p - TOL), index=df.index)
    return pa.Check(check, error=f"p_value_bh >= {p_column}, blank together")


def change_schema(config: dict) -> pa.DataFrameSchema:
    """``assessment/change.csv``: the later round minus the earlier, for every pair of rounds the
    schedule names (``comparison``, ``from_round``, ``to_round``), every domain and level."""
    def difference(df: pd.DataFrame) -> pd.Series:
        d = df["endline"].to_numpy(dtype=float) - df["baseline"].to_numpy(dtype=float)
        c = df["change"].to_numpy(dtype=float)
        blank = np.isnan(d) & np.isnan(c)   # a suppressed round blanks the change
        return pd.Series(blank | (np.abs(d - c) <= TOL), index=df.index)

    rounds = round_ids(config)
    return pa.DataFrameSchema(
        {
            "breakdown": text_column([one_of(BREAKDOWNS(config))]),
            "domain": text_column(),
            "label_zh": text_column(),
            "label_en": text_column(),
            "level": text_column([one_of(level_codes(config))]),
            "comparison": text_column([one_of(["consecutive", "since_baseline"])]),
            "from_round": text_column([one_of(rounds)]),
            "to_round": text_column([one_of(rounds)]),
            "baseline_round": text_column([one_of(rounds)]),
            "endline_round": text_column([one_of(rounds)]),
            "baseline": share_column(nullable=True),
            "baseline_se": nonnegative_column(),
            "endline": share_column(nullable=True),
            "endline_se": nonnegative_column(),
            "change": pa.Column(float, pa.Check.in_range(-1, 1, error="a difference of shares"), nullable=True),
            "se": nonnegative_column(),
            "ci_low": pa.Column(float, nullable=True),
            "ci_high": pa.Column(float, nullable=True),
            "df": pa.Column(float, pa.Check.ge(0), nullable=True),
            "p_value": pa.Column(float, pa.Check.in_range(0, 1), nullable=True),
            "p_value_bh": pa.Column(float, pa.Check.in_range(0, 1), nullable=True),
            "significant_bh": pa.Column("boolean", nullable=True),
            "suppressed": pa.Column(bool),
            "suppression_reason": text_column(nullable=True),
        },
        checks=[pa.Check(difference, error="change = endline - baseline"), _bh_not_below("p_value"), inside_interval("ci_low", "change", "ci_high"),
                unique_rows(["from_round", "to_round", "breakdown", "domain", "level"]),
                _blanked(["change", "se", "ci_low", "ci_high", "p_value"]),
                pa.Check(lambda df: df["suppressed"].astype(bool) | df["change"].notna(),
                         error="a change is blank only when suppressed")],
        strict=True, ordered=True, name="change",
    )


def verdicts_schema(config: dict) -> pa.DataFrameSchema:
    """``assessment/verdicts.csv``: the endline headline share against target and national rate."""
    midterm = not any(r.get("role") == "endline" for r in config["rounds"])   # against the trajectory

    def reads_interval(df: pd.DataFrame) -> pd.Series:
        lo, hi, t = (df[c].to_numpy(dtype=float) for c in ("ci_low", "ci_high", "target"))
        blank = np.isnan(lo) & np.isnan(hi) & df["suppressed"].to_numpy(dtype=bool)
        if midterm:
            expect = np.select([blank, lo > t, hi < t], ["suppressed", "ahead", "behind"], default="on_track")
        else:
            expect = np.select([blank, lo >= t, hi < t], ["suppressed", "met", "not_met"], default="inconclusive")
        return pd.Series(expect == df["verdict"].astype(str).to_numpy(), index=df.index)

    return pa.DataFrameSchema(
        {
            "round": text_column([one_of(round_ids(config))]),
            "breakdown": text_column([one_of(BREAKDOWNS(config))]),
            "domain": text_column(),
            "label_zh": text_column(),
            "label_en": text_column(),
            "level": text_column([one_of(level_codes(config))]),
            "estimate": share_column(nullable=True),
            "ci_low": share_column(nullable=True),
            "ci_high": share_column(nullable=True),
            "target": share_column(),
            "verdict": text_column([one_of(list(VERDICTS) + ["suppressed"])]),
            "verdict_zh": text_column(),
            "verdict_en": text_column(),
            "national_rate": share_column(nullable=True),
            "national_year": pa.Column(None, nullable=True),
            "gap_to_national": pa.Column(float, nullable=True),
            "versus_national": text_column(nullable=True),
            "change": pa.Column(float, nullable=True),
            "change_ci_low": pa.Column(float, nullable=True),
            "change_ci_high": pa.Column(float, nullable=True),
            "change_p_value": pa.Column(float, pa.Check.in_range(0, 1), nullable=True),
            "p_value_bh": pa.Column(float, pa.Check.in_range(0, 1), nullable=True),
            "significant_bh": pa.Column("boolean", nullable=True),
            "comparable": pa.Column(bool),
            "suppressed": pa.Column(bool),
            "suppression_reason": text_column(nullable=True),
        },
        checks=[pa.Check(reads_interval, error="verdict reads the CI against the target"),
                _bh_not_below("change_p_value"),
                inside_interval("ci_low", "estimate", "ci_high"), unique_rows(["round", "breakdown", "domain", "level"])],
        strict=True, ordered=True, name="verdicts",
    )


def headline_schema(config: dict) -> pa.DataFrameSchema:
    """``assessment/headline.csv``: one row per headline figure (key, value, labels)."""
    return pa.DataFrameSchema(
        {
            "key": text_column(),
            "label_zh": text_column(),
            "label_en": text_column(),
            "value": text_column(nullable=True),
        },
        checks=[unique_rows(["key"])],
        strict=True, ordered=True, name="headline",
    )


#: Stage codes of the weighting chain (later trimming cycles add "_2", "_3", ...).
WEIGHT_STAGES = ("base", "nonresponse", "raked", "trimmed", "reraked")
_STAGE_PATTERN = rf"^({'|'.join(WEIGHT_STAGES)})(_[0-9]+)?$"


def _stage() -> pa.Column:
    return pa.Column(None, pa.Check.str_matches(_STAGE_PATTERN, error=f"one of {'|'.join(WEIGHT_STAGES)}[_k]"))


def weights_diagnostics_schema(config: dict) -> pa.DataFrameSchema:
    """``<round>/weights_diagnostics.csv``: the weights at each stage, by district and for the city."""
    def kish(df: pd.DataFrame) -> pd.Series:
        # deff = n sum w^2 / (sum w)^2 >= 1 and n_effective = n / deff <= n (Kish 1992)
        deff, n, neff = (df[c].to_numpy(dtype=float) for c in ("deff_weighting", "n", "n_effective"))
        return pd.Series((deff >= 1 - 1e-9) & (neff <= n * (1 + 1e-9)), index=df.index)

    def ordered(df: pd.DataFrame) -> pd.Series:
        lo, hi = df["min"].to_numpy(dtype=float), df["max"].to_numpy(dtype=float)
        return pd.Series((0 < lo) & (lo <= hi), index=df.index)

    return pa.DataFrameSchema(
        {
            "round": text_column([one_of(round_ids(config))]),
            "stage": _stage(),
            "stage_zh": text_column(),
            "stage_en": text_column(),
            "domain": text_column(),
            "label_zh": text_column(),
            "label_en": text_column(),
            "n": pa.Column(None, pa.Check.ge(1, error="n >= 1")),
            "sum_weights": pa.Column(float, pa.Check.gt(0, error="> 0")),
            "population": nonnegative_column(),
            "weights_to_population": nonnegative_column(),
            "deff_weighting": nonnegative_column(nullable=False),
            "n_effective": nonnegative_column(nullable=False),
            "cv": nonnegative_column(nullable=False),
            "min": nonnegative_column(nullable=False),
            "max": nonnegative_column(nullable=False),
            "max_min_ratio": pa.Column(float, pa.Check.ge(1, error=">= 1")),
            "n_trimmed": pa.Column(None, pa.Check.ge(0, error=">= 0")),
        },
        checks=[pa.Check(kish, error="deff_weighting >= 1 and n_effective <= n"),
                pa.Check(ordered, error="0 < min <= max"), unique_rows(["round", "stage", "domain"])],
        strict=True, ordered=True, name="weights_diagnostics",
    )


def weights_margins_schema(config: dict) -> pa.DataFrameSchema:
    """``<round>/weights_margins.csv``: every raking margin level's weighted total against its target,
    at every stage of the weighting chain."""
    def error(df: pd.DataFrame) -> pd.Series:
        t, a, e = (df[c].to_numpy(dtype=float) for c in ("target", "achieved", "abs_error"))
        return pd.Series(np.abs(np.abs(a - t) - e) <= TOL * np.maximum(1.0, np.abs(t)), index=df.index)

    return pa.DataFrameSchema(
        {
            "round": text_column([one_of(round_ids(config))]),
            "stage": _stage(),
            "stage_zh": text_column(),
            "stage_en": text_column(),
            "margin": text_column(),
            "level": text_column(),
            "n": pa.Column(None, pa.Check.ge(0, error=">= 0")),
            "target": nonnegative_column(nullable=False),
            "achieved": nonnegative_column(nullable=False),
            "abs_error": nonnegative_column(nullable=False),
            "rel_error": nonnegative_column(),
        },
        checks=[pa.Check(error, error="abs_error = |achieved - target|"),
                unique_rows(["round", "stage", "margin", "level"])],
        strict=True, ordered=True, name="weights_margins",
    )


# --------------------------------------------------------------------------- evaluator tables
def nonresponse_classes_schema(config: dict) -> pa.DataFrameSchema:
    """``<round>/nonresponse_classes.csv``: the nonresponse adjustment's classes (weighting cells,
    with the cell each was collapsed into, or response-propensity classes), each with its sample,
    respondents, weighted response rate and adjustment factor. Further columns depend on the method."""
    return pa.DataFrameSchema(
        {
            "round": text_column([one_of(round_ids(config))]),
            "method": text_column([one_of(["classes", "propensity"])]),
            "sampled": pa.Column(None, pa.Check.ge(0, error=">= 0")),
            "respondents": pa.Column(None, pa.Check.ge(0, error=">= 0")),
            "weighted_response_rate": share_column(nullable=True),
            "factor": pa.Column(float, pa.Check.ge(1 - TOL, error="an adjustment factor >= 1"), nullable=True),
        },
        checks=[pa.Check(lambda df: df["respondents"] <= df["sampled"], error="respondents <= sampled")],
        strict=False, name="nonresponse_classes",
    )


def propensity_model_schema(config: dict) -> pa.DataFrameSchema:
    """``<round>/propensity_model.csv``: the design-weighted logistic model of responding (one row a
    term: coefficient, SE, t, df, p-value, odds ratio)."""
    return pa.DataFrameSchema(
        {
            "round": text_column([one_of(round_ids(config))]),
            "term": text_column(),
            "estimate": pa.Column(float),
            "se": nonnegative_column(),
            "t": pa.Column(float, nullable=True),
            "df": pa.Column(None, pa.Check.ge(0, error=">= 0")),
            "p_value": share_column(nullable=True),
            "odds_ratio": nonnegative_column(),
        },
        checks=[unique_rows(["round", "term"])], strict=True, ordered=True, name="propensity_model",
    )


def _share_or_blank() -> pa.Column:
    return share_column(nullable=True)


def evaluator_schema(config: dict, name: str, with_lead: bool = False,
                     with_verdict: bool = False, with_model: bool = False) -> pa.DataFrameSchema:
    """``assessment/<name>.csv`` (headline_levels, districts, key_groups, demographics, district_groups):
    the two rounds side by side with the change (``literacy.assessment.deliverables.evaluator_table``)."""
    rounds = round_ids(config)
    cols: dict = {
        "breakdown": text_column([one_of(BREAKDOWNS(config))]),
        "domain": text_column(),
        "label_zh": text_column(),
        "label_en": text_column(),
    }
    if with_lead:
        cols.update({"lead_zh": text_column(), "lead_en": text_column()})
    cols.update({"level": text_column([one_of(level_codes(config))]), "level_zh": text_column(), "level_en": text_column()})
    for role in ("baseline", "endline"):
        cols.update({
            f"{role}_round": text_column([one_of(rounds)]),
            role: _share_or_blank(),
            f"{role}_se": nonnegative_column(),
            f"{role}_ci_low": _share_or_blank(),
            f"{role}_ci_high": _share_or_blank(),
            f"{role}_n": pa.Column(None, pa.Check.ge(0), nullable=True),
            f"{role}_reliability": text_column([one_of(list(RELIABILITY))], nullable=True),
        })
        for rid in (other_rounds(config) if role == "baseline" else ()):   # a column group per other round
            p = f"round_{rid.id}"
            cols.update({p: _share_or_blank(), f"{p}_se": nonnegative_column(), f"{p}_ci_low": _share_or_blank(),
                         f"{p}_ci_high": _share_or_blank(), f"{p}_n": pa.Column(None, pa.Check.ge(0), nullable=True),
                         f"{p}_reliability": text_column([one_of(list(RELIABILITY))], nullable=True)})
    cols.update({
        "change": pa.Column(float, pa.Check.in_range(-1, 1), nullable=True),
        "change_se": nonnegative_column(),
        "change_ci_low": pa.Column(float, nullable=True),
        "change_ci_high": pa.Column(float, nullable=True),
        "change_p_value": pa.Column(float, pa.Check.in_range(0, 1), nullable=True),
        "p_value_bh": pa.Column(float, pa.Check.in_range(0, 1), nullable=True),
        "significant_bh": pa.Column("boolean", nullable=True),
        "comparable": pa.Column(bool),
    })
    if with_model:   # the small-area model's figure beside the direct one (literacy.sae), every round
        for role in ("baseline", *(f"round_{r.id}" for r in other_rounds(config)), "endline"):
            cols.update({
                f"{role}_model": _share_or_blank(),
                f"{role}_model_ci_low": _share_or_blank(),
                f"{role}_model_ci_high": _share_or_blank(),
                f"{role}_published": _share_or_blank(),
                f"{role}_published_source": text_column([one_of(["direct", "model", "none"])], nullable=True),
            })
    if with_verdict:
        cols.update({
            "target": _share_or_blank(),
            "verdict": text_column([one_of(list(VERDICT_LABELS))], nullable=True),
            "verdict_zh": text_column(nullable=True),
            "verdict_en": text_column(nullable=True),
            "national_rate": _share_or_blank(),
            "national_year": pa.Column(None, nullable=True),
            "gap_to_national": pa.Column(float, nullable=True),
            "versus_national": text_column(nullable=True),
        })
    cols.update({
        "reliability_reason": text_column(nullable=True),
        "suppressed": pa.Column(bool),
        "suppression_reason": text_column(nullable=True),
    })

    def change_reads(df: pd.DataFrame) -> pd.Series:
        d = df["endline"].to_numpy(dtype=float) - df["baseline"].to_numpy(dtype=float)
        c = df["change"].to_numpy(dtype=float)
        return pd.Series(np.isnan(c) | (np.abs(d - c) <= TOL), index=df.index)

    def blank_when_suppressed(df: pd.DataFrame) -> pd.Series:
        # a round flagged suppressed shows no value; any suppression blanks the change
        ok = np.ones(len(df), dtype=bool)
        s = df["suppressed"].to_numpy(dtype=bool)
        ok &= ~s | df["change"].isna().to_numpy()
        for role in ("baseline", "endline"):
            rel = df[f"{role}_reliability"].astype(object).to_numpy()
            shown = df[role].notna().to_numpy()
            ok &= ~(shown & (df[f"{role}_n"].astype(float).to_numpy() < int(config["reporting"]["min_n"])))
            ok &= ~(shown & (rel == "suppress") & bool(config["reporting"]["suppress_unreliable"]))
        return pd.Series(ok, index=df.index)

    return pa.DataFrameSchema(
        cols,
        checks=[pa.Check(change_reads, error="change = endline - baseline"),
                pa.Check(blank_when_suppressed, error="suppressed values are blank"),
                inside_interval("baseline_ci_low", "baseline", "baseline_ci_high"),
                inside_interval("endline_ci_low", "endline", "endline_ci_high"),
                inside_interval("change_ci_low", "change", "change_ci_high"),
                unique_rows(["breakdown", "domain", "level"])],
        strict=True, ordered=True, name=name,
    )


def decomposition_schema(config: dict) -> pa.DataFrameSchema:
    """``assessment/decomposition.csv``: Kitagawa split of the city's change, one row per level."""
    def adds_up(df: pd.DataFrame) -> pd.Series:
        c, comp, rate = (df[k].to_numpy(dtype=float) for k in ("change", "composition", "rate"))
        d = df["endline"].to_numpy(dtype=float) - df["baseline"].to_numpy(dtype=float)
        return pd.Series((np.abs(comp + rate - c) <= 1e-12) & (np.abs(d - c) <= TOL), index=df.index)

    rounds = round_ids(config)
    return pa.DataFrameSchema(
        {
            "level": text_column([one_of(level_codes(config))]),
            "label_zh": text_column(),
            "label_en": text_column(),
            "baseline_round": text_column([one_of(rounds)]),
            "endline_round": text_column([one_of(rounds)]),
            "baseline": share_column(),
            "endline": share_column(),
            "change": pa.Column(float, pa.Check.in_range(-1, 1)),
            "composition": pa.Column(float, pa.Check.in_range(-1, 1)),
            "rate": pa.Column(float, pa.Check.in_range(-1, 1)),
            "composition_share": pa.Column(float, nullable=True),
            "rate_share": pa.Column(float, nullable=True),
            "cells": pa.Column(None, pa.Check.ge(1)),
            "factors": text_column(),
        },
        checks=[pa.Check(adds_up, error="composition + rate = change = endline - baseline"), unique_rows(["level"])],
        strict=True, ordered=True, name="decomposition",
    )


def decomposition_detail_schema(config: dict) -> pa.DataFrameSchema:
    """``assessment/decomposition_detail.csv``: the Kitagawa components by education and by age band."""
    return pa.DataFrameSchema(
        {
            "level": text_column([one_of(level_codes(config))]),
            "factor": text_column(),
            "category": text_column(),
            "label_zh": text_column(),
            "label_en": text_column(),
            "baseline_population_share": share_column(),
            "endline_population_share": share_column(),
            "baseline_n": pa.Column(None, pa.Check.ge(0)),
            "endline_n": pa.Column(None, pa.Check.ge(0)),
            "composition": pa.Column(float, pa.Check.in_range(-1, 1), nullable=True),
            "rate": pa.Column(float, pa.Check.in_range(-1, 1), nullable=True),
            "suppressed": pa.Column(bool),
            "suppression_reason": text_column(nullable=True),
        },
        checks=[_blanked(["composition", "rate"]), unique_rows(["level", "factor", "category"])],
        strict=True, ordered=True, name="decomposition_detail",
    )


def part_scores_schema(config: dict) -> pa.DataFrameSchema:
    """``assessment/part_scores.csv``: mean score per questionnaire part by round and domain."""
    parts = [str(p) for p in config["scoring"]["parts"]] + ["total"]

    def within_points(df: pd.DataFrame) -> pd.Series:
        m, mx = df["mean"].to_numpy(dtype=float), df["max_points"].to_numpy(dtype=float)
        return pd.Series(np.isnan(m) | ((m >= -TOL) & (m <= mx + TOL)), index=df.index)

    return pa.DataFrameSchema(
        {
            "round": text_column([one_of(round_ids(config))]),
            "breakdown": text_column([one_of(BREAKDOWNS(config))]),
            "domain": text_column(),
            "label_zh": text_column(),
            "label_en": text_column(),
            "lead_zh": text_column(),
            "lead_en": text_column(),
            "part": text_column([one_of(parts)]),
            "part_zh": text_column(),
            "part_en": text_column(),
            "max_points": pa.Column(float, pa.Check.gt(0)),
            "mean": pa.Column(float, nullable=True),
            "se": nonnegative_column(),
            "ci_low": pa.Column(float, nullable=True),
            "ci_high": pa.Column(float, nullable=True),
            "df": pa.Column(None, pa.Check.ge(0), nullable=True),
            "n": pa.Column(None, pa.Check.ge(1)),
            "deff": nonnegative_column(),
            "mean_share": share_column(nullable=True),
            "difference_from_city": pa.Column(float, nullable=True),
            **{f"{q}{s}": pa.Column(float, pa.Check.in_range(0, float(config["scoring"]["max_score"])), nullable=True)
               for q in ("p25", "median", "p75") for s in ("", "_ci_low", "_ci_high")},
            "suppressed": pa.Column(bool),
            "suppression_reason": text_column(nullable=True),
        },
        checks=[pa.Check(within_points, error="0 <= mean <= max_points"), inside_interval("ci_low", "mean", "ci_high"),
                inside_interval("median_ci_low", "median", "median_ci_high"),
                pa.Check(lambda df: pd.Series(~((df["part"] != "total") & df["median"].notna()), index=df.index),
                         error="quantiles are given for the total score only"),
                _blanked(["mean", "se", "ci_low", "ci_high", "deff", "mean_share", "difference_from_city"]),
                unique_rows(["round", "breakdown", "domain", "part"])],
        strict=True, ordered=True, name="part_scores",
    )


#: Scorecard status codes (``literacy.catalog.vocabulary.STATUS_LABELS``).
SCORECARD_STATUS = tuple(STATUS_LABELS)


def scorecard_table_schema(config: dict) -> pa.DataFrameSchema:
    """``assessment/scorecard.csv``: each configured department target against the reported actual."""
    codes = [str(i["code"]) for i in config["scorecard"]["indicators"]]

    def status_reads(df: pd.DataFrame) -> pd.Series:
        a, t = df["actual"].to_numpy(dtype=float), df["target"].to_numpy(dtype=float)
        up = df["comparison"].astype(str).to_numpy() == ">="
        met = np.where(up, a >= t, a <= t)
        expect = np.where(np.isnan(a), "no_report", np.where(met, "met", "not_met"))
        return pd.Series(expect == df["status"].astype(str).to_numpy(), index=df.index)

    return pa.DataFrameSchema(
        {
            "indicator": text_column([one_of(codes)] if codes else None),
            "indicator_zh": text_column(),
            "indicator_en": text_column(),
            "lead_zh": text_column(),
            "lead_en": text_column(),
            "reported_by_zh": text_column(),
            "reported_by_en": text_column(),
            "period": text_column(),
            "comparison": text_column([one_of([">=", "<="])]),
            "target": pa.Column(float),
            "actual": pa.Column(float, nullable=True),
            "unit_zh": text_column(),
            "unit_en": text_column(),
            "gap": pa.Column(float, nullable=True),
            "status": text_column([one_of(list(SCORECARD_STATUS))]),
            "status_zh": text_column(),
            "status_en": text_column(),
            "note": text_column(),
        },
        checks=[pa.Check(status_reads, error="status reads the actual against the target"), unique_rows(["indicator"])],
        strict=True, ordered=True, name="scorecard",
    )


def methodology_schema(config: dict) -> pa.DataFrameSchema:
    """``assessment/methodology.csv``: how the figures were made, one fact a row."""
    return pa.DataFrameSchema(
        {
            "section": text_column([one_of(["sample", "design", "weighting", "reliability", "scoring", "estimation"])]),
            "item": text_column(),
            "label_zh": text_column(),
            "label_en": text_column(),
            "round": text_column(nullable=True),
            "value": pa.Column(float, nullable=True),
            "text": text_column(nullable=True),
        },
        checks=[pa.Check(lambda df: df["value"].notna() | df["text"].notna(), error="a value or a text"),
                unique_rows(["section", "item", "round"])],
        strict=True, ordered=True, name="methodology",
    )


def trend_schema(config: dict) -> pa.DataFrameSchema:
    """``assessment/trend.csv``: the linear trend of every domain and level over all rounds."""
    rounds = round_ids(config)
    number = pa.Column(float, nullable=True)
    return pa.DataFrameSchema(
        {
            "breakdown": text_column([one_of(BREAKDOWNS(config))]),
            "domain": text_column(),
            "label_zh": text_column(),
            "label_en": text_column(),
            "level": text_column([one_of(level_codes(config))]),
            "n_rounds": pa.Column(int, pa.Check.ge(0)),
            "first_round": text_column([one_of(rounds)], nullable=True),
            "last_round": text_column([one_of(rounds)], nullable=True),
            "first_year": pa.Column("Int64", nullable=True),
            "last_year": pa.Column("Int64", nullable=True),
            "first_estimate": share_column(nullable=True),
            "last_estimate": share_column(nullable=True),
            "slope": number,
            "slope_se": nonnegative_column(),
            "slope_ci_low": number,
            "slope_ci_high": number,
            "z": number,
            "p_value": pa.Column(float, pa.Check.in_range(0, 1), nullable=True),
            "nonlinearity_chi2": pa.Column(float, pa.Check.ge(0), nullable=True),
            "nonlinearity_df": pa.Column("Int64", nullable=True),
            "nonlinearity_p": pa.Column(float, pa.Check.in_range(0, 1), nullable=True),
        },
        checks=[inside_interval("slope_ci_low", "slope", "slope_ci_high"),
                unique_rows(["breakdown", "domain", "level"]),
                pa.Check(lambda df: (df["n_rounds"] >= 2) | df["slope"].isna(), error="a trend needs two rounds")],
        strict=True, ordered=True, name="trend",
    )
