"""Schemas of the measurement stage's outputs (comparable rounds: items, DIF, IRT, linked figures)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandera.pandas as pa

from literacy.assessment.schedule import CONSECUTIVE, SINCE_BASELINE
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
from literacy_schemas.outputs import BREAKDOWNS, estimates_schema

__all__ = ["items_schema", "reliability_schema", "dif_schema", "irt_items_schema", "irt_scale_schema",
           "estimates_linked_schema", "change_linked_schema", "pv_distribution_schema"]

_R = pa.Column(float, pa.Check.in_range(-1, 1), nullable=True)


def items_schema(config: dict) -> pa.DataFrameSchema:
    """``<round>/items.csv``: weighted classical statistics of each item of the round's form."""
    return pa.DataFrameSchema(
        {
            "round": text_column([one_of(round_ids(config))]),
            "item": text_column(),
            "part": text_column([one_of(list(config["scoring"]["parts"]))]),
            "n": pa.Column(int, pa.Check.ge(0)),
            "p_correct": share_column(nullable=True),
            "item_rest_r": _R,
            "dont_know_share": share_column(nullable=True),
            "skipped_share": share_column(nullable=True),
            "flag_low_discrimination": pa.Column(bool),
            "flag_extreme": pa.Column(bool),
            "flags": text_column(nullable=True),
        },
        checks=[unique_rows(["round", "item"])], strict=True, ordered=True, name="items",
    )


def reliability_schema(config: dict) -> pa.DataFrameSchema:
    """``<round>/reliability.csv``: Cronbach's alpha and McDonald's omega per part and for the test."""
    return pa.DataFrameSchema(
        {
            "round": text_column([one_of(round_ids(config))]),
            "scale": text_column([one_of(list(config["scoring"]["parts"]) + ["total"])]),
            "items": pa.Column(int, pa.Check.ge(1)),
            "alpha": pa.Column(float, pa.Check.le(1), nullable=True),
            "alpha_std": pa.Column(float, pa.Check.le(1), nullable=True),
            "omega": pa.Column(float, pa.Check.in_range(0, 1), nullable=True),
            "n": pa.Column(int, pa.Check.ge(0)),
        },
        checks=[unique_rows(["round", "scale"])], strict=True, ordered=True, name="reliability",
    )


def dif_schema(config: dict) -> pa.DataFrameSchema:
    """``assessment/dif.csv``: Mantel–Haenszel DIF per round and grouping, and the anchors' drift
    (grouping ``round``)."""
    return pa.DataFrameSchema(
        {
            "round": text_column([one_of(round_ids(config))]),
            "grouping": text_column(),
            "comparison": text_column(),
            "item": text_column(),
            "reference": text_column(),
            "focal": text_column(),
            "alpha_mh": nonnegative_column(),
            "delta_mh": pa.Column(float, nullable=True),
            "se_delta": nonnegative_column(),
            "chi2": nonnegative_column(),
            "p_value": pa.Column(float, pa.Check.in_range(0, 1), nullable=True),
            "ets_class": text_column([one_of(["A", "B", "C"])], nullable=True),
            "favours": text_column(nullable=True),
            "n_reference": pa.Column(None, pa.Check.ge(0), nullable=True),
            "n_focal": pa.Column(None, pa.Check.ge(0), nullable=True),
            "n_bands": pa.Column(None, pa.Check.ge(0), nullable=True),
            "reason": text_column(nullable=True),
        },
        checks=[unique_rows(["round", "grouping", "comparison", "item"]),
                pa.Check(lambda df: pd.Series(np.isnan(df["delta_mh"].to_numpy(dtype=float))
                                              | (np.abs(df["delta_mh"].to_numpy(dtype=float)
                                                        + 2.35 * np.log(df["alpha_mh"].to_numpy(dtype=float)))
                                                 <= 1e-9), index=df.index),
                         error="delta_mh = -2.35 ln(alpha_mh)")],
        strict=True, ordered=True, name="dif",
    )


def irt_items_schema(config: dict) -> pa.DataFrameSchema:
    """``assessment/irt_items.csv``: the linked calibration's item parameters and fit.

    The columns ``rmsd_<round>`` follow the rounds (RMSD of the item in the round; blank where
    the row's parameters were not used in it).
    """
    cols = {
        "item": text_column(), "group": text_column([one_of(round_ids(config))], nullable=True),
        "part": text_column([one_of(list(config["scoring"]["parts"]))]), "points": pa.Column(float, pa.Check.gt(0)),
        "forms": text_column(),
        "a": pa.Column(float), "d": pa.Column(float), "b": pa.Column(float, nullable=True),
        "se_a": nonnegative_column(), "se_d": nonnegative_column(), "se_b": nonnegative_column(), "n": pa.Column(None, pa.Check.ge(0)),
    }
    for rid in round_ids(config):
        cols[f"rmsd_{rid}"] = pa.Column(float, pa.Check.ge(0), nullable=True, required=False)
    cols.update({"anchor": pa.Column(bool), "freed_reason": text_column(nullable=True)})
    return pa.DataFrameSchema(cols, checks=[unique_rows(["item", "group"])], strict=True, name="irt_items")


def irt_scale_schema(config: dict) -> pa.DataFrameSchema:
    """``assessment/irt_scale.csv``: each round's latent mean and SD (the baseline fixed at 0 and 1)
    and the cuts θ* of every level on the baseline form."""
    cols = {"group": text_column([one_of(round_ids(config))]), "mean": pa.Column(float), "sd": pa.Column(float, pa.Check.gt(0)),
            "se_mean": nonnegative_column(), "se_sd": nonnegative_column(), "n": pa.Column(None, pa.Check.ge(0))}
    for lv in level_codes(config):
        cols[f"cut_{lv}"] = pa.Column(float)
    cols.update({"loglik": pa.Column(float), "converged": pa.Column(bool)})
    return pa.DataFrameSchema(cols, checks=[unique_rows(["group"])], strict=True, ordered=True, name="irt_scale")


def estimates_linked_schema(config: dict) -> pa.DataFrameSchema:
    """``<round>/estimates_linked.csv``: the columns of ``estimates.csv`` on the linked scale, plus
    the error budget (``se_sampling``, of which ``se_calibration`` (signed), ``se_imputation``;
    ``se_linking`` beside, not in ``se``), ``fmi`` and ``pv_count``."""
    base = estimates_schema(config)
    cols = dict(base.columns)
    cols.update({"se_sampling": nonnegative_column(), "se_calibration": pa.Column(float, nullable=True),
                 "se_imputation": nonnegative_column(), "se_linking": nonnegative_column(),
                 "fmi": pa.Column(float, pa.Check.in_range(0, 1), nullable=True),
                 "pv_count": pa.Column(int, pa.Check.ge(2))})

    def budget(df: pd.DataFrame) -> pd.Series:
        se, w, b = (df[c].to_numpy(dtype=float) for c in ("se", "se_sampling", "se_imputation"))
        ok = np.isnan(se) | (np.abs(se ** 2 - w ** 2 - b ** 2) <= 1e-12 + 1e-9 * se ** 2)
        return pd.Series(ok, index=df.index)

    def calibration_part(df: pd.DataFrame) -> pd.Series:
        w, c = (df[c].to_numpy(dtype=float) for c in ("se_sampling", "se_calibration"))
        ok = np.isnan(w) | np.isnan(c) | (w ** 2 - np.sign(c) * c ** 2 >= -1e-12 - 1e-9 * w ** 2)
        return pd.Series(ok, index=df.index)

    return pa.DataFrameSchema(cols, checks=list(base.checks) + [
        pa.Check(budget, error="se² = se_sampling² + se_imputation²"),
        pa.Check(calibration_part, error="the calibration's part of se_sampling² is at most se_sampling²")],
        strict=True, ordered=True, name="estimates_linked")


def change_linked_schema(config: dict) -> pa.DataFrameSchema:
    """``assessment/change_linked.csv``: the change on the linked scale with its error budget."""
    rounds = round_ids(config)

    def budget(df: pd.DataFrame) -> pd.Series:
        parts = [df[c].to_numpy(dtype=float) for c in ("se_sampling", "se_imputation", "se_linking")]
        tot = df["se_total"].to_numpy(dtype=float)
        ok = np.isnan(tot) | (np.abs(tot ** 2 - sum(p ** 2 for p in parts)) <= 1e-12 + 1e-9 * tot ** 2)
        return pd.Series(ok, index=df.index)

    def difference(df: pd.DataFrame) -> pd.Series:
        d = df["endline"].to_numpy(dtype=float) - df["baseline"].to_numpy(dtype=float)
        c = df["change"].to_numpy(dtype=float)
        return pd.Series(np.isnan(c) | (np.abs(d - c) <= TOL), index=df.index)

    return pa.DataFrameSchema(
        {
            "breakdown": text_column([one_of(BREAKDOWNS(config))]),
            "domain": text_column(), "label_zh": text_column(), "label_en": text_column(),
            "level": text_column([one_of(level_codes(config))]),
            "from_round": text_column([one_of(rounds)]), "to_round": text_column([one_of(rounds)]),
            "comparison": text_column([one_of([CONSECUTIVE, SINCE_BASELINE])]),
            "baseline_round": text_column([one_of(rounds)]), "endline_round": text_column([one_of(rounds)]),
            "from_estimate": share_column(nullable=True), "to_estimate": share_column(nullable=True),
            "baseline": share_column(nullable=True), "endline": share_column(nullable=True),
            "change": pa.Column(float, pa.Check.in_range(-1, 1), nullable=True),
            "se_sampling": nonnegative_column(), "se_imputation": nonnegative_column(), "se_linking": nonnegative_column(), "se_total": nonnegative_column(),
            "ci_low": pa.Column(float, nullable=True), "ci_high": pa.Column(float, nullable=True),
            "p_value": pa.Column(float, pa.Check.in_range(0, 1), nullable=True),
            "p_value_bh": pa.Column(float, pa.Check.in_range(0, 1), nullable=True),
            "significant_bh": pa.Column("boolean", nullable=True),
            "raw_change": pa.Column(float, nullable=True),
            "comparable": pa.Column(bool),
            "note": text_column(nullable=True),
            "suppressed": pa.Column(bool),
            "suppression_reason": text_column(nullable=True),
            "se_linking_from": nonnegative_column(), "se_linking_to": nonnegative_column(),
        },
        checks=[pa.Check(budget, error="se_total² = se_sampling² + se_imputation² + se_linking²"),
                pa.Check(difference, error="change = endline - baseline"), inside_interval("ci_low", "change", "ci_high"),
                unique_rows(["from_round", "to_round", "breakdown", "domain", "level"]),
                pa.Check(lambda df: (df["comparable"].astype(bool) | df["change"].isna()),
                         error="a change is given only when the rounds are comparable")],
        strict=True, ordered=True, name="change_linked",
    )


def pv_distribution_schema(config: dict) -> pa.DataFrameSchema:
    """``assessment/pv_distribution.csv``: each round's weighted distribution of plausible values."""
    return pa.DataFrameSchema(
        {"round": text_column([one_of(round_ids(config))]), "theta_low": pa.Column(float), "theta_high": pa.Column(float),
         "theta_mid": pa.Column(float), "share": pa.Column(float, pa.Check.in_range(0, 1))},
        checks=[unique_rows(["round", "theta_low"]),
                pa.Check(lambda df: (df.groupby("round")["share"].transform("sum") - 1).abs() <= 1e-9,
                         error="the shares of a round add to 1")],
        strict=True, ordered=True, name="pv_distribution",
    )

