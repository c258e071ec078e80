"""The weighting chain of one assessment round: base weights -> nonresponse -> raking.

Base weights from the overall inclusion probabilities, weighting-class nonresponse adjustment
on the full sample (respondents and unit nonrespondents), then raking of the respondents to
the census margins, with diagnostics at each stage (Valliant, Dever & Kreuter 2018, ch. 13-14;
Kish 1992 for the weighting design effect).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from literacy.domains import age_band
from literacy.weighting._common import KEY_SEP, LEVEL_SEP, WeightingError, base_weights, code_margin, row_list
from literacy.weighting.calibration import RakingConvergenceWarning, rake_weights
from literacy.weighting.nonresponse import nonresponse_adjust

__all__ = ["WeightingResult", "weight_round", "margins_to_targets", "weight_summary", "margin_check"]

_STAGES = {
    "base": ("基础权数", "Base weights"),
    "nonresponse": ("无回答调整后", "After nonresponse adjustment"),
    "raked": ("耙式校准后", "After raking"),
}
_CITY = ("全市", "City")


@dataclass
class WeightingResult:
    """Outcome of :func:`weight_round`.

    Attributes
    ----------
    weights : pandas.Series
        Final (raked) weight of each respondent, aligned to ``responses.index``, named "weight".
    diagnostics : pandas.DataFrame
        Per stage (base, nonresponse, raked) and domain (each district, then "all" for the
        city): n, sum of weights, population, Kish weighting deff, effective n, weight CV,
        min, max, max/min.
    raking_targets : dict
        The targets raked to, ``{margin: {level: count}}`` (crossings as "a+b+c" with levels
        "x|y|z"); pass them to :func:`literacy.weighting.rake_design` on a design built with
        ``nonresponse_weights`` to get raking-aware standard errors.
    nonresponse_weights : pandas.Series
        Respondents' weights after nonresponse adjustment, before raking ("weight_nonresponse").
    nonresponse_report : pandas.DataFrame
        Per weighting class (see :func:`literacy.weighting.nonresponse_adjust`).
    margin_check : pandas.DataFrame
        Achieved vs target for every raking margin level.
    raking_record : pandas.DataFrame
        Raking iterations.
    """

    weights: pd.Series
    diagnostics: pd.DataFrame
    raking_targets: dict
    nonresponse_weights: pd.Series = field(default_factory=lambda: pd.Series(dtype=float))
    nonresponse_report: pd.DataFrame = field(default_factory=pd.DataFrame)
    margin_check: pd.DataFrame = field(default_factory=pd.DataFrame)
    raking_record: pd.DataFrame = field(default_factory=pd.DataFrame)


def _margin_specs(config: dict) -> list[list[str]]:
    try:
        specs = config["weighting"]["raking"]["margins"]
    except (KeyError, TypeError):
        raise WeightingError("config: missing 'weighting.raking.margins'") from None
    out = [[s] if isinstance(s, str) else [str(c) for c in s] for s in specs]
    if not out or any(len(s) == 0 for s in out):
        raise WeightingError("config: 'weighting.raking.margins' must be a non-empty list of columns or crossings")
    return out


def margins_to_targets(margins: pd.DataFrame, specs: Sequence[Sequence[str] | str]) -> dict:
    """Raking targets from population margins in the long format of ``margins.csv``.

    For each margin (a column or a list of columns) the dimension of ``margins`` holding all
    its columns with the fewest others is used (ties: the first in the file), summing the
    population over the dimension's other columns.

    Parameters
    ----------
    margins : pandas.DataFrame
        Columns ``dimension`` ("district+sex+age_band", ...), one column per variable (blank
        where not part of the dimension) and ``population``.
    specs : sequence
        Margins to build, e.g. ``[["district", "sex", "age_band"], ["education"]]``.

    Returns
    -------
    dict
        ``{"district+sex+age_band": {"haibowan|male|18-29": count, ...}, "education": {...}}``.
    """
    for c in ("dimension", "population"):
        if c not in margins.columns:
            raise WeightingError(f"margins: missing column '{c}'")
    dims = pd.Series(margins["dimension"].astype(str).to_numpy(dtype=object))
    order = list(pd.unique(dims))
    parts = {d: d.split(KEY_SEP) for d in order}
    pop = pd.to_numeric(margins["population"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    bad = np.flatnonzero(~np.isfinite(pop) | (pop < 0))
    if len(bad):
        raise WeightingError(f"margins: 'population' is missing, negative or not a number at row positions "
                             f"{row_list(bad)}")
    targets: dict = {}
    for spec in specs:
        cols = [spec] if isinstance(spec, str) else list(spec)
        key = KEY_SEP.join(cols)
        cands = [d for d in order if set(cols) <= set(parts[d])]
        if not cands:
            raise WeightingError(f"margins: no dimension holds all of {cols}; dimensions are {order}")
        dim = min(cands, key=lambda d: len(parts[d]))  # min() keeps the first of ties
        rows = np.flatnonzero((dims == dim).to_numpy())
        for c in cols:
            if c not in margins.columns:
                raise WeightingError(f"margins: missing column '{c}' of dimension '{dim}'")
            blank = rows[margins[c].iloc[rows].isna().to_numpy() | (margins[c].iloc[rows].astype(str).str.strip()
                                                                       == "").to_numpy()]
            if len(blank):
                raise WeightingError(f"margins: dimension '{dim}' has a blank '{c}' at row positions {row_list(blank)}")
        sub = pd.DataFrame({c: margins[c].iloc[rows].astype(str).to_numpy(dtype=object) for c in cols})
        level = sub[cols[0]].to_numpy(dtype=object)
        for c in cols[1:]:
            level = level + LEVEL_SEP + sub[c].to_numpy(dtype=object)
        sums = pd.Series(pop[rows]).groupby(pd.Series(level), sort=False).sum()
        targets[key] = {str(k): float(v) for k, v in sums.items()}
    return targets


def weight_summary(weights, domain=None) -> pd.DataFrame:
    """Weight diagnostics per domain and overall.

    Kish's design effect from unequal weighting, deff_w = 1 + CV^2 = n sum(w^2) / (sum w)^2,
    with CV the coefficient of variation of the weights (population form, ddof 0), and the
    effective sample size n / deff_w (Kish 1992; Valliant, Dever & Kreuter 2018, 14.4).

    Parameters
    ----------
    weights : array-like
        Weights (rows with weight 0 count as not in the sample).
    domain : array-like, optional
        Domain code of each row; rows are summarised per domain, then all together ("all").

    Returns
    -------
    pandas.DataFrame
        Columns domain, n, sum_weights, deff_weighting, n_effective, cv, min, max, max_min_ratio.
    """
    w = np.asarray(weights, dtype=float)
    keep = w > 0
    w = w[keep]
    if domain is None:
        codes, names = np.zeros(len(w), dtype=np.int64), np.array([], dtype=object)
    else:
        codes, names = pd.factorize(pd.Series(np.asarray(domain, dtype=object)[keep]), sort=True)
        names = np.asarray(names, dtype=object)
    k = len(names)
    # per-domain sums by bincount, then the overall row ("all") appended
    n = np.append(np.bincount(codes, minlength=k)[:k], len(w)).astype(float)
    s1 = np.append(np.bincount(codes, weights=w, minlength=k)[:k], w.sum())
    s2 = np.append(np.bincount(codes, weights=w * w, minlength=k)[:k], np.sum(w * w))
    grouped = pd.Series(w).groupby(codes)
    wmin = np.append(grouped.min().reindex(range(k)).to_numpy(), w.min() if len(w) else np.nan)
    wmax = np.append(grouped.max().reindex(range(k)).to_numpy(), w.max() if len(w) else np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        deff = n * s2 / s1 ** 2
        out = pd.DataFrame({
            "domain": list(map(str, names)) + ["all"],
            "n": n.astype(np.int64),
            "sum_weights": s1,
            "deff_weighting": deff,
            "n_effective": s1 ** 2 / s2,
            "cv": np.sqrt(np.maximum(deff - 1, 0)),
            "min": wmin,
            "max": wmax,
            "max_min_ratio": wmax / wmin,
        })
    return out


def margin_check(data: pd.DataFrame, weights, targets: Mapping) -> pd.DataFrame:
    """Achieved weighted totals vs population targets for every margin level.

    Returns
    -------
    pandas.DataFrame
        Columns margin, level, target, achieved, abs_error, rel_error.
    """
    w = np.asarray(weights, dtype=float)
    frames = []
    for key, counts in targets.items():
        m = code_margin(data, key, counts, w)
        achieved = m.totals(w)
        with np.errstate(divide="ignore", invalid="ignore"):
            rel = np.where(m.population > 0, np.abs(achieved - m.population) / m.population, np.nan)
        frames.append(pd.DataFrame({"margin": m.label, "level": [str(lv) for lv in m.levels],
                                    "target": m.population, "achieved": achieved,
                                    "abs_error": np.abs(achieved - m.population), "rel_error": rel}))
    return pd.concat(frames, ignore_index=True)


def _with_age_band(df: pd.DataFrame, columns: Sequence[str], config: dict) -> pd.DataFrame:
    if "age_band" in columns and "age_band" not in df.columns:
        if "age" not in df.columns:
            raise WeightingError("weighting needs 'age_band' but the data has neither 'age_band' nor 'age'")
        df = df.assign(age_band=age_band(df["age"], config["survey"]["age_bands"]).to_numpy(dtype=object))
        out = np.flatnonzero(df["age_band"].isna().to_numpy())
        if len(out):
            raise WeightingError(f"age: {len(out)} ages fall outside every survey.age_bands band at row positions "
                                 f"{row_list(out)}")
    return df


def _labels(config: dict, codes: Sequence[str]) -> tuple[list[str], list[str]]:
    labels = config.get("survey", {}).get("labels", {}).get("district", {})
    zh = [str(labels.get(c, [c, c])[0]) if c != "all" else _CITY[0] for c in codes]
    en = [str(labels.get(c, [c, c])[1]) if c != "all" else _CITY[1] for c in codes]
    return zh, en


def weight_round(sample: pd.DataFrame, responses: pd.DataFrame, margins: pd.DataFrame,
                 config: dict) -> WeightingResult:
    """Weight one survey round: base weights, nonresponse adjustment, raking to census margins.

    Parameters
    ----------
    sample : pandas.DataFrame
        Every sampled adult (``sample.csv``): id, design and frame variables, ``responded``.
    responses : pandas.DataFrame
        The respondents (``responses.csv``), with the raking variables.
    margins : pandas.DataFrame
        Population margins in long format (``margins.csv``).
    config : dict
        The assessment config (``design.selection_prob``, ``design.respondent_id``,
        ``survey.age_bands``, ``weighting.nonresponse`` and ``weighting.raking``).

    Returns
    -------
    WeightingResult

    Raises
    ------
    WeightingError
        Bad probabilities, ids that do not match between sample and responses, missing
        columns, margins that cannot be matched (naming the margin and level).
    """
    design = config.get("design", {})
    id_col = design.get("respondent_id", "respondent_id")
    prob_col = design.get("selection_prob", "selection_prob")
    nr_cfg = config.get("weighting", {}).get("nonresponse", {})
    classes = [nr_cfg["classes"]] if isinstance(nr_cfg.get("classes"), str) else list(nr_cfg.get("classes", []))
    min_size = nr_cfg.get("min_class_size", 20)
    rk_cfg = config.get("weighting", {}).get("raking", {})
    specs = _margin_specs(config)
    tol = float(rk_cfg.get("tolerance", 1e-8))
    max_iter = int(rk_cfg.get("max_iter", 100))
    rake_cols = sorted({c for s in specs for c in s})

    for name, df, need in (("sample", sample, [id_col, prob_col, "responded", *classes]),
                           ("responses", responses, [id_col, *rake_cols])):
        missing = [c for c in need if c not in df.columns and not (c == "age_band" and "age" in df.columns)]
        if missing:
            raise WeightingError(f"{name}: missing column(s) {', '.join(map(repr, missing))}")
    sample = _with_age_band(sample, classes, config)
    responses = _with_age_band(responses, rake_cols, config)

    # 1. base weights
    base = base_weights(sample[prob_col], name=prob_col)
    # 2. nonresponse adjustment on the whole sample
    adjusted, nr_report = nonresponse_adjust(sample, base, "responded", classes, min_size)

    # Respondents in the sample <-> rows of responses, by id.
    sid = sample[id_col].astype(str).to_numpy(dtype=object)
    rid = responses[id_col].astype(str).to_numpy(dtype=object)
    dup = np.flatnonzero(pd.Series(sid).duplicated().to_numpy())
    if len(dup):
        raise WeightingError(f"sample: duplicate '{id_col}' at row positions {row_list(dup)}")
    dup = np.flatnonzero(pd.Series(rid).duplicated().to_numpy())
    if len(dup):
        raise WeightingError(f"responses: duplicate '{id_col}' at row positions {row_list(dup)}")
    pos = pd.Index(sid).get_indexer(pd.Index(rid))
    bad = np.flatnonzero(pos < 0)
    if len(bad):
        raise WeightingError(f"responses: '{id_col}' not in the sample at row positions {row_list(bad)}")
    responded = pd.to_numeric(sample["responded"], errors="coerce").to_numpy(dtype=float, na_value=np.nan) == 1
    bad = np.flatnonzero(~responded[pos])
    if len(bad):
        raise WeightingError(f"responses: rows at positions {row_list(bad)} are marked as nonrespondents "
                             "(responded = 0) in the sample")
    missing = np.setdiff1d(np.flatnonzero(responded), pos)
    if len(missing):
        raise WeightingError(f"sample: respondents (responded = 1) missing from responses at sample row positions "
                             f"{row_list(missing)}")
    w_nr = adjusted[pos]

    # 3. raking of the respondents
    targets = margins_to_targets(margins, specs)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RakingConvergenceWarning)
        w_rk, record = rake_weights(responses, w_nr, targets, tol=tol, max_iter=max_iter)
    for wmsg in caught:
        warnings.warn(str(wmsg.message), wmsg.category, stacklevel=2)
    check = margin_check(responses, w_rk, targets)

    # Diagnostics by stage and district (+ city).
    pop_by = _population_by_district(margins, targets)
    frames = []
    stages = (("base", base, sample), ("nonresponse", w_nr, responses), ("raked", w_rk, responses))
    for stage, w, df in stages:
        dom = df["district"].to_numpy(dtype=object) if "district" in df.columns else None
        s = weight_summary(w, dom)
        s.insert(0, "stage", stage)
        s.insert(1, "stage_zh", _STAGES[stage][0])
        s.insert(2, "stage_en", _STAGES[stage][1])
        zh, en = _labels(config, s["domain"].tolist())
        s.insert(4, "label_zh", zh)
        s.insert(5, "label_en", en)
        s.insert(8, "population", s["domain"].map(pop_by).astype(float))
        frames.append(s)
    diagnostics = pd.concat(frames, ignore_index=True)

    return WeightingResult(
        weights=pd.Series(w_rk, index=responses.index, name="weight"),
        diagnostics=diagnostics,
        raking_targets=targets,
        nonresponse_weights=pd.Series(w_nr, index=responses.index, name="weight_nonresponse"),
        nonresponse_report=nr_report,
        margin_check=check,
        raking_record=record,
    )


def _population_by_district(margins: pd.DataFrame, targets: dict) -> dict:
    """Population per district (and 'all') from the first margins dimension holding district."""
    total = float(sum(next(iter(targets.values())).values()))
    out = {"all": total}
    if "district" not in margins.columns:
        return out
    dims = margins["dimension"].astype(str)
    with_district = [d for d in pd.unique(dims) if "district" in d.split(KEY_SEP)]
    if not with_district:
        return out
    rows = (dims == with_district[0]).to_numpy()
    pop = pd.to_numeric(margins["population"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)[rows]
    by = pd.Series(pop).groupby(margins["district"].astype(str).to_numpy(dtype=object)[rows]).sum()
    out.update({str(k): float(v) for k, v in by.items()})
    return out
