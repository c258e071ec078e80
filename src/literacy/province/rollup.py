"""The provincial roll-up: the province's share pooled from its cities' samples.

Each city's respondents are stacked as delivered by its own assessment (its final weights,
its strata and PSUs), and one :class:`literacy.design.SurveyDesign` is built over them with
the cities as strata: stratum = city x the city's stratum, PSU = city x the city's PSU
(nested). The cities are independent samples, so this is exactly the stratified design of
the province (Lohr 2022, 3.2; Lumley 2010, 2.2). The weights are used as the cities'
weighting made them and treated as fixed: the pooled SEs do not carry each city's raking
(a city's own published SE does), so they are those of R's
``svydesign(id=~psu, strata=~stratum, weights=~weight, nest=TRUE)`` on the stacked file.

Pure computation: no file I/O, no Prefect.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from literacy.survey import SurveyDesign
from literacy.errors import DataError
from literacy.multiplicity import adjust_by_family

__all__ = ["POOLED_COLUMNS", "stack_cities", "pooled_design", "province_estimates", "versus_province",
           "league_table", "province_change", "province_verdict", "LEAGUE_COLUMNS"]

#: The columns each city contributes to the stacked file (plus its level indicators).
POOLED_COLUMNS = ["city", "stratum", "psu", "weight"]
LEAGUE_COLUMNS = ["round", "level", "rank", "city", "label_zh", "label_en", "estimate", "se", "ci_low", "ci_high",
                  "df", "n", "population", "province", "difference", "difference_se", "t", "p_value", "p_adjusted",
                  "significant", "family_size", "versus_province", "versus_province_zh"]
_VERSUS_ZH = {"above": "高于全区", "below": "低于全区", "indistinguishable": "与全区无显著差异"}


def stack_cities(frames: dict[str, pd.DataFrame], levels: list[str]) -> pd.DataFrame:
    """Stack the cities' respondent files of one round with city-prefixed strata and PSUs.

    Parameters
    ----------
    frames : dict of str to DataFrame
        Per city (in the order the province lists them), its respondents with ``stratum``,
        ``psu``, ``weight`` and the 0/1 level columns.
    levels : list of str
        The level columns to keep.

    Returns
    -------
    DataFrame
        ``city, stratum, psu, weight`` and the levels; ``stratum`` is ``<city>|<stratum>``
        and ``psu`` ``<city>|<psu>``, so strata and PSUs of different cities never meet.
    """
    if not frames:
        raise DataError("roll-up: no city to pool")
    parts = []
    for city, df in frames.items():
        missing = [c for c in ("stratum", "psu", "weight", *levels) if c not in df.columns]
        if missing:
            raise DataError(f"roll-up: city {city!r} lacks column(s) {missing}")
        part = pd.DataFrame({
            "city": city,
            "stratum": city + "|" + df["stratum"].astype(str).to_numpy(dtype=object),
            "psu": city + "|" + df["psu"].astype(str).to_numpy(dtype=object),
            "weight": df["weight"].to_numpy(dtype=float),
        })
        for lv in levels:
            part[lv] = df[lv].to_numpy(dtype=float)
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def pooled_design(stacked: pd.DataFrame, variance: str = "taylor", seed: int = 0):
    """The province's design over the stacked cities: strata city x stratum, PSUs nested.

    Parameters
    ----------
    stacked : DataFrame
        From :func:`stack_cities`.
    variance : {"taylor", "jk1", "jkn", "bootstrap"}
        Taylor linearisation, or replicates of this design (``SurveyDesign.replicate``).
    seed : int
        The bootstrap's seed.
    """
    design = SurveyDesign(stacked, weights="weight", strata="stratum", psu="psu", nest=True)
    if variance == "taylor":
        return design
    return design.replicate(variance, seed=seed if variance == "bootstrap" else None)


def province_estimates(design, round_id: str, levels: list[str], labels: dict[str, tuple[str, str]],
                       province_label: tuple[str, str], conf: float = 0.95) -> pd.DataFrame:
    """The province's share and each city's share at every level, on the pooled design.

    Returns
    -------
    DataFrame
        ``round, breakdown (province | city), domain (all | city id), label_zh, label_en,
        level, estimate, se, ci_low, ci_high, df, n, deff, population``: the province
        first, then the cities in the stacked order, for each level in ``levels``' order.
    """
    rows = []
    cities = list(dict.fromkeys(design.data["city"]))
    weights = pd.Series(design.weights, index=design.data.index)
    pops = weights.groupby(design.data["city"].to_numpy(), sort=False).sum()
    for lv in levels:
        whole = design.proportion(lv, level=conf).iloc[0]
        rows.append({"round": round_id, "breakdown": "province", "domain": "all", "label_zh": province_label[0],
                     "label_en": province_label[1], "level": lv, **_stats(whole),
                     "population": float(weights.sum())})
        by = design.proportion(lv, by="city", level=conf).set_index("city")
        for c in cities:
            rows.append({"round": round_id, "breakdown": "city", "domain": c, "label_zh": labels[c][0],
                         "label_en": labels[c][1], "level": lv, **_stats(by.loc[c]),
                         "population": float(pops[c])})
    return pd.DataFrame(rows)


def _stats(r: pd.Series) -> dict:
    return {k: float(r[k]) for k in ("estimate", "se", "ci_low", "ci_high")} | {
        "df": int(r["df"]), "n": int(r["n"]), "deff": float(r["deff"])}


def versus_province(design, level: str) -> pd.DataFrame:
    """Each city's share minus the province's, with its design-based SE and t-test.

    The city is part of the province, so the two shares are correlated; the difference
    ``p_c - p`` is linearised as one variable, ``u_i = 1_c(i) (y_i - p_c)/N_c - (y_i - p)/N``
    (the difference of the two ratio estimators' influence values), whose weighted total has
    the variance of the difference (Wolter 2007, ch. 6). The test uses the design's degrees of
    freedom (PSUs minus strata).

    Returns
    -------
    DataFrame
        ``city, difference, difference_se, t, df, p_value``, cities in stacked order.
    """
    data = design.data
    y = data[level].to_numpy(dtype=float)
    w = np.asarray(design.weights, dtype=float)
    big_n = w.sum()
    p = float((w * y).sum() / big_n)
    df = int(design.degf())
    names, codes = np.unique(data["city"].to_numpy(), return_inverse=True)
    order = pd.unique(codes)                                   # cities in stacked order
    n_c = np.bincount(codes, weights=w, minlength=len(names))
    p_c = np.bincount(codes, weights=w * y, minlength=len(names)) / n_c
    rows, rest = np.arange(len(y)), ((y - p) / big_n)[:, None]
    se = np.empty(len(names))
    # the cities' u columns a block at a time (n x k, about 64 MB): one covariance of totals per block
    k = max(1, min(len(order), 8_000_000 // max(len(y), 1)))
    for start in range(0, len(order), k):
        block = order[start:start + k]
        u = np.where(codes[:, None] == block[None, :], (y[:, None] - p_c[block]) / n_c[block], 0.0) - rest
        se[block] = np.sqrt(np.clip(np.diag(design.totals_covariance(u, rows)[1]), 0.0, None))
    diff = p_c - p
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(se > 0, diff / se, np.nan)
    p_value = np.where(np.isfinite(t), 2 * stats.t.sf(np.abs(t), df), np.nan)
    return pd.DataFrame({"city": names[order], "difference": diff[order], "difference_se": se[order],
                         "t": t[order], "df": df, "p_value": p_value[order]})


def league_table(estimates: pd.DataFrame, tests: pd.DataFrame, fdr: float) -> pd.DataFrame:
    """The cities ranked by their share, each against the province with BH-adjusted p-values.

    Parameters
    ----------
    estimates : DataFrame
        :func:`province_estimates` rows of one or more rounds and levels.
    tests : DataFrame
        :func:`versus_province` rows with ``round`` and ``level`` columns added.
    fdr : float
        The false discovery rate: one Benjamini–Hochberg family per round and level
        (``literacy.multiplicity.adjust_by_family``).

    Returns
    -------
    DataFrame
        :data:`LEAGUE_COLUMNS`; rank 1 = the highest share; ``versus_province`` is
        ``above`` / ``below`` when the adjusted p-value is at most ``fdr``, else
        ``indistinguishable``.
    """
    prov = estimates[estimates["breakdown"] == "province"][["round", "level", "estimate"]].rename(
        columns={"estimate": "province"})
    cities = estimates[estimates["breakdown"] == "city"].rename(columns={"domain": "city"})
    table = cities.merge(prov, on=["round", "level"]).merge(tests.drop(columns="df"), on=["round", "level", "city"])
    table = adjust_by_family(table, "p_value", ["round", "level"], alpha=fdr)
    table["rank"] = table.groupby(["round", "level"])["estimate"].rank(ascending=False, method="min").astype(int)
    sig = table["significant"].to_numpy(dtype=bool)
    table["versus_province"] = np.where(sig & (table["difference"] > 0), "above",
                                        np.where(sig & (table["difference"] < 0), "below", "indistinguishable"))
    table["versus_province_zh"] = table["versus_province"].map(_VERSUS_ZH)
    table = table.sort_values(["round", "level", "rank", "city"], kind="mergesort")
    return table[LEAGUE_COLUMNS].reset_index(drop=True)


def province_change(estimates: pd.DataFrame, baseline: str, endline: str, conf: float = 0.95) -> pd.DataFrame:
    """Endline minus baseline for the province and every city, at every level.

    The rounds are independent samples: the variances add, and the t quantile uses
    Welch–Satterthwaite degrees of freedom (as ``literacy.assessment.compare_rounds``).

    Returns
    -------
    DataFrame
        ``breakdown, domain, label_zh, label_en, level, baseline_round, endline_round,
        baseline, baseline_se, endline, endline_se, change, se, ci_low, ci_high, df, p_value``.
    """
    keys = ["breakdown", "domain", "level"]
    base = estimates[estimates["round"] == baseline].set_index(keys)
    end = estimates[estimates["round"] == endline]
    j = end.merge(base[["estimate", "se", "df"]].add_suffix("_base").reset_index(), on=keys, how="inner")
    v1, v2 = j["se_base"] ** 2, j["se"] ** 2
    change = j["estimate"] - j["estimate_base"]
    se = np.sqrt(v1 + v2)
    with np.errstate(invalid="ignore", divide="ignore"):
        df = (v1 + v2) ** 2 / (v1 ** 2 / j["df_base"] + v2 ** 2 / j["df"])
        t = stats.t.ppf(1 - (1 - conf) / 2, df)
        p = 2 * stats.t.sf(np.abs(change / se), df)
    return pd.DataFrame({
        "breakdown": j["breakdown"], "domain": j["domain"], "label_zh": j["label_zh"], "label_en": j["label_en"],
        "level": j["level"], "baseline_round": baseline, "endline_round": endline,
        "baseline": j["estimate_base"], "baseline_se": j["se_base"], "endline": j["estimate"], "endline_se": j["se"],
        "change": change, "se": se, "ci_low": change - t * se, "ci_high": change + t * se, "df": df, "p_value": p,
    }).reset_index(drop=True)


def province_verdict(low: float, high: float, target: float) -> str:
    """``met`` (the whole CI at or above the target), ``not_met`` (wholly below) or ``inconclusive``."""
    if low >= target:
        return "met"
    if high < target:
        return "not_met"
    return "inconclusive"
