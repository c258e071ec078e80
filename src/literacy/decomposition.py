"""Kitagawa decomposition of the change in the city's rate: population composition and rates.

The city's share at a level is the population-weighted mean of the shares in cells of the
adult population (here education x age band): ``R = sum_i c_i r_i`` with ``c_i`` the
cell's share of the population (its sum of weights over the total) and ``r_i`` its rate.
Between two rounds the change splits exactly into (Kitagawa 1955, the symmetric two-factor
form; Das Gupta 1993, ch. 2)::

    R2 - R1 = sum_i (c2_i - c1_i) (r1_i + r2_i) / 2     composition (the population mix)
            + sum_i (r2_i - r1_i) (c1_i + c2_i) / 2     rate (change within the cells)

Kitagawa EM (1955). Components of a difference between two rates. JASA 50(272): 1168–1194.

The rates are design-based domain estimates of each round (``SurveyDesign.proportion`` by
the cell columns); the composition is the weighted population of each cell, which the raking
ties to the census margins. A cell present in one round only (no respondents in the other)
takes the same rate in both rounds: its whole contribution is composition.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from literacy.domains import label
from literacy.errors import DataError

__all__ = ["DEFAULT_FACTORS", "cell_rates", "kitagawa", "decompose_change", "SUMMARY_COLUMNS", "DETAIL_COLUMNS"]

#: The cells of the composition: education x age band.
DEFAULT_FACTORS = ("education", "age_band")

SUMMARY_COLUMNS = ["level", "label_zh", "label_en", "baseline_round", "endline_round", "baseline", "endline",
                   "change", "composition", "rate", "composition_share", "rate_share", "cells", "factors"]
DETAIL_COLUMNS = ["level", "factor", "category", "label_zh", "label_en", "baseline_population_share",
                  "endline_population_share", "baseline_n", "endline_n", "composition", "rate", "suppressed",
                  "suppression_reason"]


def cell_rates(design, config: dict, round_id: str, factors: tuple[str, ...] = DEFAULT_FACTORS) -> pd.DataFrame:
    """Each cell's population share and rate at every level, for one round.

    Parameters
    ----------
    design : SurveyDesign
        The round's (calibrated) design; its data holds the factor columns and the level
        0/1 columns.
    config : dict
        The validated config (levels).
    round_id : str
        Written into the ``round`` column.
    factors : tuple of str
        The columns whose combinations are the cells.

    Returns
    -------
    DataFrame with round, the factor columns, cell (codes joined by "+"), level, n
    (respondents), population (sum of weights), population_share (of the cells' total)
    and rate (the design-based share at the level).
    """
    levels = [lv["code"] for lv in config["scoring"]["levels"]]
    cols = list(factors)
    with warnings.catch_warnings():
        # only the point estimates are used: a single-respondent cell's missing SE does not matter
        warnings.filterwarnings("ignore", message="a domain has a single observation", category=RuntimeWarning)
        res = design.proportion(levels, by=cols, ci="wald")
    keys = design.data[cols]
    inside = keys.notna().all(axis=1).to_numpy()
    w = pd.Series(design.weights[inside], index=keys.index[inside])
    pop = w.groupby([keys[c][inside].astype(str) for c in cols], sort=True).sum()
    total = float(pop.sum())
    res = res.copy()
    for c in cols:
        res[c] = res[c].astype(str)
    idx = pd.MultiIndex.from_frame(res[cols]) if len(cols) > 1 else pd.Index(res[cols[0]])
    res["population"] = pop.reindex(idx).to_numpy(dtype=float)
    res["population_share"] = res["population"] / total
    res["cell"] = res[cols].agg("+".join, axis=1)
    res = res.rename(columns={"variable": "level", "estimate": "rate"})
    res.insert(0, "round", str(round_id))
    return res[["round", *cols, "cell", "level", "n", "population", "population_share", "rate"]].reset_index(drop=True)


def kitagawa(c1, r1, c2, r2) -> tuple[np.ndarray, np.ndarray]:
    """Per-cell composition and rate components of ``sum c2 r2 - sum c1 r1`` (Kitagawa 1955).

    Parameters
    ----------
    c1, r1, c2, r2 : array-like
        Population shares and rates of each cell in the first and second round (aligned).
        A rate may be NaN where the cell's share is 0 in that round: it then takes the
        other round's rate.

    Returns
    -------
    (composition, rate) : arrays, per cell; their sums add up to the change in the total.
    """
    c1, r1, c2, r2 = (np.asarray(x, dtype=float) for x in (c1, r1, c2, r2))
    r1 = np.where(np.isnan(r1) & (c1 == 0), r2, r1)
    r2 = np.where(np.isnan(r2) & (c2 == 0), r1, r2)
    if np.isnan(r1).any() or np.isnan(r2).any() or np.isnan(c1).any() or np.isnan(c2).any():
        raise DataError("kitagawa: a cell has no rate in either round")
    composition = (c2 - c1) * (r1 + r2) / 2
    rate = (r2 - r1) * (c1 + c2) / 2
    return composition, rate


def decompose_change(baseline: pd.DataFrame, endline: pd.DataFrame, config: dict,
                     factors: tuple[str, ...] = DEFAULT_FACTORS) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The city's change at every level split into composition and within-cell rate change.

    Parameters
    ----------
    baseline, endline : DataFrame
        :func:`cell_rates` of the two rounds.
    config : dict
        The validated config (levels and their labels, ``reporting.min_n``).

    Returns
    -------
    (summary, detail)
        summary: one row per level (``SUMMARY_COLUMNS``): the two rounds' rates
        (``sum c r``, the city's share), the change, the composition and rate components and
        the share of the change each explains (component / change; NaN when the change is 0).
        detail: the components summed over each category of each factor (e.g. every
        education level, over its age bands), with the category's population shares and
        respondents (``DETAIL_COLUMNS``); the components of a category with fewer than
        ``reporting.min_n`` respondents in either round are blanked. The components of a
        level add up, over one factor's categories, to the summary's.
    """
    cols = list(factors)
    base_id, end_id = str(baseline["round"].iloc[0]), str(endline["round"].iloc[0])
    keys = [*cols, "cell", "level"]
    b = baseline.set_index(keys)
    e = endline.set_index(keys)
    idx = b.index.union(e.index).sort_values()
    c1 = b["population_share"].reindex(idx).fillna(0.0).to_numpy()
    c2 = e["population_share"].reindex(idx).fillna(0.0).to_numpy()
    r1 = b["rate"].reindex(idx).to_numpy(dtype=float)
    r2 = e["rate"].reindex(idx).to_numpy(dtype=float)
    comp, rate = kitagawa(c1, r1, c2, r2)
    cells = idx.to_frame(index=False)
    cells["baseline_population_share"] = c1
    cells["endline_population_share"] = c2
    cells["baseline_n"] = b["n"].reindex(idx).fillna(0).to_numpy(dtype=np.int64)
    cells["endline_n"] = e["n"].reindex(idx).fillna(0).to_numpy(dtype=np.int64)
    cells["baseline_rate"] = r1
    cells["endline_rate"] = r2
    cells["composition"] = comp
    cells["rate"] = rate
    r1f = np.where(np.isnan(r1), r2, r1)
    r2f = np.where(np.isnan(r2), r1, r2)
    cells["_b"] = c1 * r1f
    cells["_e"] = c2 * r2f

    levels = [lv["code"] for lv in config["scoring"]["levels"]]
    by_level = cells.groupby("level", sort=False)[["_b", "_e", "composition", "rate"]].sum()
    rows = []
    for lv in config["scoring"]["levels"]:
        code = lv["code"]
        if code not in by_level.index:
            continue
        s = by_level.loc[code]
        change = float(s["_e"] - s["_b"])
        with np.errstate(invalid="ignore", divide="ignore"):
            cs = float(s["composition"]) / change if change != 0 else np.nan
            rs = float(s["rate"]) / change if change != 0 else np.nan
        rows.append({"level": code, "label_zh": str(lv["zh"]), "label_en": str(lv["en"]),
                     "baseline_round": base_id, "endline_round": end_id, "baseline": float(s["_b"]),
                     "endline": float(s["_e"]), "change": change, "composition": float(s["composition"]),
                     "rate": float(s["rate"]), "composition_share": cs, "rate_share": rs,
                     "cells": int((cells["level"] == code).sum()), "factors": "×".join(cols)})
    summary = pd.DataFrame(rows, columns=SUMMARY_COLUMNS)

    # the components summed over each factor's categories (over the other factors' cells):
    # which groups the composition and rate effects come from. Single cells are not shown
    # (many are small); a category with fewer than reporting.min_n respondents in a round is
    # blanked.
    min_n = int(config["reporting"]["min_n"])
    frames = []
    for f in cols:
        g = cells.groupby(["level", f], sort=False)[["baseline_population_share", "endline_population_share",
                                                      "baseline_n", "endline_n", "composition", "rate"]].sum()
        g = g.reset_index().rename(columns={f: "category"})
        g.insert(1, "factor", f)
        g["label_zh"] = [label(config, f, v)[0] for v in g["category"]]
        g["label_en"] = [label(config, f, v)[1] for v in g["category"]]
        frames.append(g)
    detail = pd.concat(frames, ignore_index=True)
    small = ((detail["baseline_n"] < min_n) | (detail["endline_n"] < min_n)).to_numpy()
    for c in ("composition", "rate"):
        detail[c] = detail[c].where(~small, np.nan)
    detail["suppressed"] = small
    detail["suppression_reason"] = np.where(small, f"fewer than {min_n} respondents in a round (reporting.min_n)",
                                            None)
    order = {f: [str(k) for k in config["survey"]["labels"].get(f, {})] for f in cols}
    if "age_band" in order:
        order["age_band"] = [str(b["code"]) for b in config["survey"]["age_bands"]]
    detail["_l"] = detail["level"].map({c: i for i, c in enumerate(levels)})
    detail["_f"] = detail["factor"].map({c: i for i, c in enumerate(cols)})
    detail["_c"] = [order.get(f, []).index(c) if c in order.get(f, []) else len(order.get(f, []))
                    for f, c in zip(detail["factor"], detail["category"])]
    detail = detail.sort_values(["_l", "_f", "_c", "category"], kind="stable").reset_index(drop=True)
    return summary, detail[DETAIL_COLUMNS]
