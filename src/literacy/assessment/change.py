"""The change between two rounds (by default the baseline and the assessed round), and the
multiple comparisons over its table.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from literacy.assessment.config import round_roles
from literacy.multiplicity import adjust_by_family

__all__ = ["compare_rounds", "adjust_multiple_comparisons", "CHANGE_COLUMNS"]

#: The change table's columns, in order.
CHANGE_COLUMNS = ["breakdown", "domain", "label_zh", "label_en", "level", "baseline_round", "endline_round",
                  "baseline", "baseline_se", "endline", "endline_se", "change", "se", "ci_low", "ci_high",
                  "df", "p_value"]


def compare_rounds(estimates: pd.DataFrame, config: dict, pair: tuple[str, str] | None = None) -> pd.DataFrame:
    """The later round minus the earlier for every domain and level (by default: the assessed
    round minus the baseline).

    The rounds are independent samples, so the variance of the difference is the sum of
    the two variances; the t quantile uses Welch–Satterthwaite degrees of freedom
    ``(v1 + v2)^2 / (v1^2/df1 + v2^2/df2)`` (Korn & Graubard 1999, 5.2).

    Parameters
    ----------
    estimates : DataFrame
        The rounds' estimates (:func:`literacy.assessment.estimates.estimate_round`).
    config : dict
        The validated config (the rounds' roles, ``estimation.level``).
    pair : tuple of str, optional
        ``(from_round, to_round)``; None: the baseline and the assessed round
        (:func:`literacy.assessment.config.round_roles`). ``baseline_round`` / ``baseline`` hold
        the earlier round of the pair, ``endline_round`` / ``endline`` the later.

    Returns
    -------
    DataFrame
        ``CHANGE_COLUMNS``, one row per domain and level both rounds have, in the later
        round's order.
    """
    base_id, end_id = pair if pair is not None else round_roles(config)
    keys = ["breakdown", "domain", "level"]
    base = estimates[estimates["round"] == base_id].set_index(keys)
    end = estimates[estimates["round"] == end_id].set_index(keys)
    joined = end[["label_zh", "label_en", "estimate", "se", "df"]].merge(
        base[["estimate", "se", "df"]], how="inner", left_index=True, right_index=True,
        suffixes=("_end", "_base"))
    v1, v2 = joined["se_base"] ** 2, joined["se_end"] ** 2
    change = joined["estimate_end"] - joined["estimate_base"]
    se = np.sqrt(v1 + v2)
    with np.errstate(invalid="ignore", divide="ignore"):
        df = (v1 + v2) ** 2 / (v1 ** 2 / joined["df_base"] + v2 ** 2 / joined["df_end"])
        conf = float(config["estimation"]["level"])
        t = stats.t.ppf(1 - (1 - conf) / 2, df)
        p = 2 * stats.t.sf(np.abs(change / se), df)
    out = pd.DataFrame({
        "label_zh": joined["label_zh"], "label_en": joined["label_en"],
        "baseline_round": base_id, "endline_round": end_id,
        "baseline": joined["estimate_base"], "baseline_se": joined["se_base"],
        "endline": joined["estimate_end"], "endline_se": joined["se_end"],
        "change": change, "se": se, "ci_low": change - t * se, "ci_high": change + t * se,
        "df": df, "p_value": p,
    }).reset_index()
    order = estimates[estimates["round"] == end_id][keys].reset_index(drop=True).reset_index()
    out = order.merge(out, on=keys, how="inner").sort_values("index").drop(columns="index")
    return out[CHANGE_COLUMNS].reset_index(drop=True)


def adjust_multiple_comparisons(change: pd.DataFrame, config: dict, p_column: str = "p_value",
                                family: tuple[str, ...] = ("breakdown", "level")) -> pd.DataFrame:
    """Benjamini–Hochberg adjusted p-values of the changes, one family per breakdown and level.

    NAEP controls the false discovery rate within each family of comparisons (NCES 2001,
    Benjamini & Hochberg 1995). Here a family is one breakdown at one literacy level (the three
    districts' changes in the share literate; the 15 district × key group changes at one level):
    the comparisons a reader scans together in one table. The FDR level is 1 − the estimation
    level (5%). A blank p-value (a suppressed change) is not counted in its family and stays
    blank.

    Parameters
    ----------
    change : DataFrame
        The change table (or any table of tests).
    config : dict
        The validated config (``estimation.level``).
    p_column : str
        The column of p-values.
    family : tuple of str
        The columns whose combination is one family (another table: e.g. the tests of one round).

    Returns
    -------
    DataFrame
        A copy with ``p_value_bh`` (the adjusted p-value, R's ``p.adjust(method="BH")``) and
        ``significant_bh`` (nullable boolean) inserted after ``p_column``.
    """

    alpha = 1 - float(config["estimation"]["level"])
    out = change.reset_index(drop=True).copy()
    adj = adjust_by_family(out, p_column, list(family), alpha=alpha)
    blank = out[p_column].isna().to_numpy()
    pos = out.columns.get_loc(p_column) + 1
    out.insert(pos, "p_value_bh", adj["p_adjusted"].to_numpy(dtype=float))
    sig = pd.array(adj["significant"].to_numpy(dtype=bool), dtype="boolean")
    sig[blank] = pd.NA
    out.insert(pos + 1, "significant_bh", sig)
    return out
