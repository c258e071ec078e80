"""The assessment's estimates: literacy shares by domain, change between rounds, target verdicts.

Every share comes from :class:`literacy.design.SurveyDesign` on the full design (domains
by indicator, never by subsetting). The breakdowns, key groups, levels, targets and
national figures all come from the config.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Iterator

import numpy as np
import pandas as pd
from scipy import stats

from literacy.catalog.vocabulary import VERDICT_LABELS
from literacy.config import label
from literacy.survey import SurveyDesign
from literacy.domains import add_derived
from literacy.errors import ConfigError
from literacy.multiplicity import adjust_by_family

__all__ = [
    "DomainSpec", "domain_specs", "round_roles", "GROUP_TOKEN", "round_design", "estimate_round", "population_rates",
    "compare_rounds", "adjust_multiple_comparisons", "target_verdicts", "headline", "ESTIMATE_COLUMNS",
    "group_column", "domain_labels", "domain_population",
    "CHANGE_COLUMNS",
    "VERDICT_COLUMNS",
]

ESTIMATE_COLUMNS = ["round", "breakdown", "domain", "label_zh", "label_en", "level", "estimate", "se",
                    "ci_low", "ci_high", "df", "n", "deff", "cv", "population"]
CHANGE_COLUMNS = ["breakdown", "domain", "label_zh", "label_en", "level", "baseline_round", "endline_round",
                  "baseline", "baseline_se", "endline", "endline_se", "change", "se", "ci_low", "ci_high",
                  "df", "p_value"]
VERDICT_COLUMNS = ["round", "breakdown", "domain", "label_zh", "label_en", "level", "estimate", "ci_low",
                   "ci_high", "target", "verdict", "verdict_zh", "national_rate", "national_year",
                   "gap_to_national", "versus_national", "change", "change_ci_low", "change_ci_high",
                   "change_p_value"]

VERDICTS = {code: zh for code, (zh, _en) in VERDICT_LABELS.items() if code != "suppressed"}
VERSUS_NATIONAL = {"above": "above", "below": "below", "indistinguishable": "indistinguishable"}


#: In a configured breakdown, the token standing for "each key group" (a crossing such as
#: ``[district, group]``).
GROUP_TOKEN = "group"


@dataclass(frozen=True)
class DomainSpec:
    """One breakdown: estimated by ``by`` columns, or, for a key group, on its 0/1 indicator."""

    breakdown: str              # "city", "district", "group", "district+sex", ...
    by: tuple[str, ...]         # domain columns ((), for the city)
    group: dict | None = None   # the config's group entry, for key groups


def domain_specs(config: dict) -> Iterator[DomainSpec]:
    """The city, each configured breakdown, then each key group.

    A breakdown holding the token ``group`` (e.g. ``[district, group]``) crosses the other
    columns with each key group in turn: ``by`` is ``(district, group_<code>)`` and only the
    group's members (indicator 1) are kept, so the domains are the groups within districts,
    estimated on the full design.
    """
    yield DomainSpec("city", ())
    for cols in config["breakdowns"]:
        if GROUP_TOKEN in cols:
            for g in config["groups"]:
                yield DomainSpec("+".join(cols), tuple(f"group_{g['code']}" if c == GROUP_TOKEN else c
                                                       for c in cols), g)
            continue
        yield DomainSpec("+".join(cols), tuple(cols))
    for g in config["groups"]:
        yield DomainSpec("group", (f"group_{g['code']}",), g)


def group_column(spec: DomainSpec) -> str:
    """The indicator column of a key-group domain spec.

    Parameters
    ----------
    spec : DomainSpec
        A spec whose ``group`` is set (a key group, alone or crossed).

    Returns
    -------
    str
        ``group_<code>``: the 0/1 column marking the group's members.
    """
    return f"group_{spec.group['code']}"


def domain_labels(config: dict, spec: DomainSpec, keys: pd.DataFrame) -> pd.DataFrame:
    """The domain code and its bilingual labels for each row of ``keys``.

    Parameters
    ----------
    config : dict
        The resolved assessment config (its ``survey.labels`` name the codes).
    spec : DomainSpec
        The breakdown the rows belong to.
    keys : DataFrame
        The ``spec.by`` values of each domain (any frame for the city).

    Returns
    -------
    DataFrame
        ``domain`` (the codes joined by ``+``; a key group's own code; ``all`` for the city),
        ``label_zh`` and ``label_en``, on the index of ``keys``.
    """
    if spec.breakdown == "city":
        k = len(keys)
        return pd.DataFrame({"domain": ["all"] * k, "label_zh": ["全市"] * k, "label_en": ["City"] * k},
                            index=keys.index)
    if spec.group is not None and len(spec.by) == 1:
        g = spec.group
        return pd.DataFrame({"domain": [g["code"]] * len(keys), "label_zh": [g["zh"]] * len(keys),
                             "label_en": [g["en"]] * len(keys)}, index=keys.index)
    if spec.group is not None:   # a crossing with a key group: the group's code and labels
        gcol, g = group_column(spec), spec.group
        codes = keys[list(spec.by)].astype(str)
        codes[gcol] = str(g["code"])
        zh_cols = [[label(config, c, v)[0] for v in codes[c]] if c != gcol else [str(g["zh"])] * len(keys)
                   for c in spec.by]
        en_cols = [[label(config, c, v)[1] for v in codes[c]] if c != gcol else [str(g["en"])] * len(keys)
                   for c in spec.by]
    else:
        codes = keys[list(spec.by)].astype(str)
        zh_cols = [[label(config, c, v)[0] for v in codes[c]] for c in spec.by]
        en_cols = [[label(config, c, v)[1] for v in codes[c]] for c in spec.by]
    return pd.DataFrame({
        "domain": ["+".join(parts) for parts in zip(*[codes[c] for c in spec.by])],
        "label_zh": ["·".join(parts) for parts in zip(*zh_cols)],
        "label_en": [" · ".join(parts) for parts in zip(*en_cols)],
    }, index=keys.index)


def level_codes(config: dict) -> list[str]:
    """The configured level codes, highest threshold first as in the config."""
    return [lv["code"] for lv in config["scoring"]["levels"]]


def round_design(data: pd.DataFrame, config: dict, weights: str | np.ndarray) -> SurveyDesign:
    """The survey design of one round from the config's design variables."""
    d = config["design"]
    return SurveyDesign(data, weights=weights, strata=d["strata"], psu=d["psu"], fpc=d["fpc"],
                        lonely_psu=d["lonely_psu"], nest=d["nest"])


def variance_design(design: SurveyDesign, config: dict, round_id: str):
    """The design whose estimators give the configured variance (``estimation.method``).

    ``taylor`` returns ``design`` itself (linearisation; calibration steps replayed on it
    are residualised as R's ``svyrecvar``). A replicate method returns its replicate
    design (``design.replicate``): JK1, JKn, BRR, Fay (``rho``) or the rescaled bootstrap
    (``replicates``, ``seed``); calibration steps replayed on it are repeated on every
    replicate (Wolter 2007, 4.6; Valliant, Dever & Kreuter 2018, 15.4). The bootstrap seed
    is ``estimation.seed`` combined with the round id, so rounds draw different replicates
    and the same inputs always give the same replicates.

    Parameters
    ----------
    design : SurveyDesign
        The round's Taylor design, before calibration.
    config : dict
        The validated config.
    round_id : str
        The round (for the bootstrap seed).
    """
    est = config["estimation"]
    method = est["method"]
    if method == "taylor":
        return design
    seed = None
    if method == "bootstrap":
        seed = int(np.random.SeedSequence([int(est["seed"]), zlib.crc32(str(round_id).encode())])
                   .generate_state(1)[0])
    return design.replicate(method, replicates=est["replicates"], rho=est["rho"], seed=seed,
                            mse=est["mse"])


def estimate_round(design: SurveyDesign, config: dict, round_id: str) -> pd.DataFrame:
    """Shares at every literacy level for the city, each breakdown and each key group.

    Parameters
    ----------
    design : SurveyDesign
        The round's (calibrated) design; its data holds the level 0/1 columns, the
        breakdown columns and the ``group_<code>`` indicators.
    config : dict
        The validated assessment config.
    round_id : str
        Written into the ``round`` column.

    Returns
    -------
    DataFrame with ``ESTIMATE_COLUMNS``: proportion, Taylor standard error, CI with the
    configured method and the domain's design degrees of freedom, unweighted n, design
    effect, coefficient of variation, and the estimated domain population (sum of weights).
    """
    levels = level_codes(config)
    method = config["estimation"]["ci"]
    conf = float(config["estimation"]["level"])
    frames = []
    for spec in domain_specs(config):
        by = list(spec.by) or None
        res = design.proportion(levels, by=by, ci=method, level=conf)
        keys = res[list(spec.by)] if spec.by else pd.DataFrame(index=res.index)
        if spec.group is not None:
            member = keys[group_column(spec)].astype(int) == 1
            res, keys = res[member], keys[member]
        labels = domain_labels(config, spec, keys if spec.by else res)
        pop = domain_population(design, spec)
        out = pd.concat([labels.reset_index(drop=True), res[["variable"] + [c for c in res.columns
                         if c in ("estimate", "se", "ci_low", "ci_high", "df", "n", "deff", "cv")]].reset_index(drop=True)],
                        axis=1)
        out = out.rename(columns={"variable": "level"})
        out["population"] = out["domain"].map(pop).astype(float)
        out.insert(0, "breakdown", spec.breakdown)
        frames.append(out)
    est = pd.concat(frames, ignore_index=True)
    est.insert(0, "round", str(round_id))
    # order: breakdowns as configured, levels as configured, domains sorted within
    est["level"] = pd.Categorical(est["level"], categories=levels, ordered=True)
    est = est.sort_values(["level"], kind="stable").reset_index(drop=True)
    est["level"] = est["level"].astype(str)
    return est[ESTIMATE_COLUMNS]


def domain_population(design: SurveyDesign, spec: DomainSpec) -> dict:
    """The estimated number of adults in each domain of a breakdown.

    Parameters
    ----------
    design : SurveyDesign
        The round's design (its weights).
    spec : DomainSpec
        The breakdown; a key group counts its members only.

    Returns
    -------
    dict
        Domain code (as :func:`domain_labels` writes it) -> sum of weights.
    """
    w = pd.Series(design.weights, index=design.data.index)
    if not spec.by:
        return {"all": float(w.sum())}
    if spec.group is not None and len(spec.by) == 1:
        member = design.data[spec.by[0]].astype(int) == 1
        return {spec.group["code"]: float(w[member].sum())}
    keys = design.data[list(spec.by)].astype(str)
    if spec.group is not None:   # crossing with a key group: members only, coded by the group's code
        gcol = group_column(spec)
        member = (design.data[gcol].astype(int) == 1).to_numpy()
        w, keys = w[member], keys[member].assign(**{gcol: str(spec.group["code"])})
    sums = w.groupby([keys[c] for c in spec.by], sort=True).sum()
    return {("+".join(k) if isinstance(k, tuple) else str(k)): float(v) for k, v in sums.items()}


def population_rates(population: pd.DataFrame, config: dict, round_id: str) -> pd.DataFrame:
    """True population shares (a census of the population frame): the simulation's truth.

    Parameters
    ----------
    population : DataFrame
        One row per person with the breakdown columns (district, residence, sex, age,
        education, occupation) and the level 0/1 columns.

    Returns
    -------
    DataFrame with round, breakdown, domain, level, population, rate.
    """

    data = add_derived(population, config)
    levels = level_codes(config)
    frames = []
    for spec in domain_specs(config):
        if not spec.by:
            grouped = data[levels].mean().to_frame().T
            grouped["domain"] = "all"
            grouped["population"] = len(data)
        elif spec.group is not None and len(spec.by) == 1:
            sub = data[data[spec.by[0]] == 1]
            grouped = sub[levels].mean().to_frame().T
            grouped["domain"] = spec.group["code"]
            grouped["population"] = len(sub)
        else:
            sub = data
            if spec.group is not None:   # crossing with a key group: members only
                gcol = group_column(spec)
                sub = data[data[gcol] == 1]
            keys = sub[list(spec.by)].astype(str)
            if spec.group is not None:
                keys[gcol] = str(spec.group["code"])
            g = sub[levels].groupby([keys[c] for c in spec.by], sort=True)
            grouped = g.mean()
            grouped["population"] = g.size()
            grouped = grouped.reset_index()
            if grouped.empty:   # e.g. a key group absent from a district
                continue
            grouped["domain"] = grouped[list(spec.by)].astype(str).agg("+".join, axis=1)
            grouped = grouped.drop(columns=list(spec.by))
        long = grouped.melt(id_vars=["domain", "population"], value_vars=levels, var_name="level",
                            value_name="rate")
        long.insert(0, "breakdown", spec.breakdown)
        frames.append(long)
    out = pd.concat(frames, ignore_index=True)
    out.insert(0, "round", str(round_id))
    out["population"] = out["population"].astype(np.int64)
    return out[["round", "breakdown", "domain", "level", "population", "rate"]]


def round_roles(config: dict) -> tuple[str, str]:
    """(baseline round id, end-of-period round id).

    Raises
    ------
    ConfigError
        One line when no round has role ``baseline`` or ``endline`` (the assessment compares
        the two; ``literacy validate`` and ``literacy run`` check this before any work starts).
    """
    roles = {r["role"]: str(r["id"]) for r in config["rounds"]}
    for role in ("baseline", "endline"):
        if role not in roles:
            given = ", ".join(f"{r['id']} ({r['role']})" for r in config["rounds"])
            raise ConfigError(f"config: no round has role '{role}' (rounds: {given}); the assessment compares a "
                              f"'baseline' and an 'endline' round: give each its role in 'rounds'")
    return roles["baseline"], roles["endline"]


def _round_by_role(config: dict, role: str) -> str:
    return round_roles(config)[0 if role == "baseline" else 1]


def compare_rounds(estimates: pd.DataFrame, config: dict) -> pd.DataFrame:
    """Endline minus baseline for every domain and level.

    The rounds are independent samples, so the variance of the difference is the sum of
    the two variances; the t quantile uses Welch–Satterthwaite degrees of freedom
    ``(v1 + v2)^2 / (v1^2/df1 + v2^2/df2)`` (Korn & Graubard 1999, 5.2).
    """
    base_id = _round_by_role(config, "baseline")
    end_id = _round_by_role(config, "endline")
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

    Returns a copy with ``p_value_bh`` (the adjusted p-value, R's ``p.adjust(method="BH")``)
    and ``significant_bh`` (nullable boolean) inserted after ``p_column``. ``family`` names the
    columns whose combination is one family (another table: e.g. the tests of one round).
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


def _verdict(low: np.ndarray, high: np.ndarray, target: float) -> np.ndarray:
    """met: the whole CI is at or above the target; not_met: wholly below; else inconclusive."""
    return np.select([low >= target, high < target], ["met", "not_met"], default="inconclusive")


def target_verdicts(estimates: pd.DataFrame, change: pd.DataFrame, config: dict,
                    breakdowns: tuple[str, ...] = ("city", "district", "group")) -> pd.DataFrame:
    """The endline headline share against the plan's target and the national rate.

    A verdict reads the confidence interval: "met" when the interval lies at or above the
    target, "not_met" when it lies below, "inconclusive" when it contains the target. The
    national comparison treats the published national rate as a fixed number (it is
    published without a standard error).
    """
    end_id = _round_by_role(config, "endline")
    headline_level = config["scoring"]["headline"]
    target = float(config["targets"]["headline"])
    national = config["targets"]["national"].get(end_id) or {}
    sel = estimates[(estimates["round"] == end_id) & (estimates["level"] == headline_level)
                    & estimates["breakdown"].isin(breakdowns)].copy()
    low, high = sel["ci_low"].to_numpy(), sel["ci_high"].to_numpy()
    sel["target"] = target
    sel["verdict"] = _verdict(low, high, target)
    sel["verdict_zh"] = sel["verdict"].map(VERDICTS)
    rate = national.get("rate")
    sel["national_rate"] = np.nan if rate is None else float(rate)
    sel["national_year"] = national.get("year", np.nan)
    sel["gap_to_national"] = sel["estimate"] - sel["national_rate"]
    sel["versus_national"] = np.select(
        [low > sel["national_rate"], high < sel["national_rate"]], ["above", "below"],
        default="indistinguishable") if rate is not None else ""
    ch = change[change["level"] == headline_level].set_index(["breakdown", "domain"])
    idx = pd.MultiIndex.from_frame(sel[["breakdown", "domain"]])
    sel["change"] = ch["change"].reindex(idx).to_numpy()
    sel["change_ci_low"] = ch["ci_low"].reindex(idx).to_numpy()
    sel["change_ci_high"] = ch["ci_high"].reindex(idx).to_numpy()
    sel["change_p_value"] = ch["p_value"].reindex(idx).to_numpy()
    extra = []
    if "p_value_bh" in ch:   # adjust_multiple_comparisons ran on the change
        sel["p_value_bh"] = ch["p_value_bh"].reindex(idx).to_numpy(dtype=float)
        sel["significant_bh"] = pd.array(ch["significant_bh"].reindex(idx).to_numpy(dtype=object), dtype="boolean")
        extra = ["p_value_bh", "significant_bh"]
    return sel[VERDICT_COLUMNS + extra].reset_index(drop=True)


def headline(estimates: pd.DataFrame, change: pd.DataFrame, verdicts: pd.DataFrame, config: dict) -> dict:
    """The city's headline figures as a flat dict (for the CLI, the markdown artifact, headline.csv)."""
    level = config["scoring"]["headline"]
    end_id = _round_by_role(config, "endline")
    base_id = _round_by_role(config, "baseline")
    city = estimates[(estimates["breakdown"] == "city") & (estimates["level"] == level)].set_index("round")
    ch = change[(change["breakdown"] == "city") & (change["level"] == level)].iloc[0]
    v = verdicts[verdicts["breakdown"] == "city"].iloc[0]
    return {
        "level": level,
        "baseline_round": base_id, "endline_round": end_id,
        "baseline": float(city.loc[base_id, "estimate"]),
        "baseline_ci_low": float(city.loc[base_id, "ci_low"]),
        "baseline_ci_high": float(city.loc[base_id, "ci_high"]),
        "endline": float(city.loc[end_id, "estimate"]),
        "endline_se": float(city.loc[end_id, "se"]),
        "endline_ci_low": float(city.loc[end_id, "ci_low"]),
        "endline_ci_high": float(city.loc[end_id, "ci_high"]),
        "endline_n": int(city.loc[end_id, "n"]),
        "change": float(ch["change"]), "change_ci_low": float(ch["ci_low"]),
        "change_ci_high": float(ch["ci_high"]), "change_p_value": float(ch["p_value"]),
        "target": float(v["target"]), "verdict": str(v["verdict"]), "verdict_zh": str(v["verdict_zh"]),
        "national_rate": float(v["national_rate"]),
        "national_year": None if pd.isna(v["national_year"]) else int(v["national_year"]),
        "versus_national": str(v["versus_national"]),
    }
