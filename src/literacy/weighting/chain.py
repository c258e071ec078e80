"""The weighting chain of one assessment round: base weights -> nonresponse -> raking -> trimming.

Base weights from the overall inclusion probabilities; nonresponse adjustment on the full
sample (respondents and unit nonrespondents) within weighting classes or response-propensity
classes; raking of the respondents to the census margins; optionally trimming of extreme
weights and re-raking. Diagnostics at each stage: weight summaries by district and for the
city, and every raking margin's achieved total against its target (Valliant, Dever & Kreuter
2018, ch. 13-14; Kish 1992 for the weighting design effect).

The calibration steps after the nonresponse adjustment are recorded (``calibration_steps``)
so :func:`apply_calibration_steps` can replay them on a survey design built with the
nonresponse-adjusted weights: the design then carries the final weights *and* the raking
objects, and its standard errors are calibration-aware, as R's ``rake()`` followed by
``trimWeights()`` and ``rake()`` again.
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
from literacy.weighting.designs import rake_design, trim_design
from literacy.weighting.eligibility import eligibility_adjust, needs_eligibility_adjustment
from literacy.weighting.nonresponse import nonresponse_adjust, propensity_adjust
from literacy.weighting.trimming import trim_weights

__all__ = ["WeightingResult", "weight_round", "weighting_options", "apply_calibration_steps", "margins_to_targets",
           "weight_summary", "margin_check", "STAGES"]

#: Stage code -> (zh, en) label. Later trimming cycles append "_2", "_3", ... to the code.
STAGES = {
    "base": ("基础权数", "Base weights"),
    "nonresponse": ("无回答调整后", "After nonresponse adjustment"),
    "raked": ("耙式校准后", "After raking"),
    "trimmed": ("权数修剪后", "After trimming"),
    "reraked": ("修剪后重新耙式校准", "Re-raked after trimming"),
}
_CITY = ("全市", "City")


@dataclass
class WeightingResult:
    """Outcome of :func:`weight_round`.

    Attributes
    ----------
    weights : pandas.Series
        Final weight of each respondent (after the last configured step), aligned to
        ``responses.index``, named "weight".
    diagnostics : pandas.DataFrame
        Per stage (base, nonresponse, raked[, trimmed[, reraked]]) and domain (each
        district, then "all" for the city): n, sum of weights, population, ratio of the two,
        Kish weighting deff, effective n, weight CV, min, max, max/min, number trimmed.
    raking_targets : dict
        The targets raked to, ``{margin: {level: count}}`` (crossings as "a+b+c" with levels
        "x|y|z").
    nonresponse_weights : pandas.Series
        Respondents' weights after nonresponse adjustment, before raking ("weight_nonresponse").
    nonresponse_report : pandas.DataFrame
        Per weighting class (method "classes", see :func:`literacy.weighting.nonresponse_adjust`)
        or per propensity class (method "propensity", see
        :func:`literacy.weighting.propensity_adjust`).
    margin_check : pandas.DataFrame
        Achieved vs target for every raking margin level with the final weights.
    raking_record : pandas.DataFrame
        Iterations of the first raking.
    margins : pandas.DataFrame
        Achieved vs target for every raking margin level at every stage: stage, stage_zh,
        stage_en, margin, level, n, target, achieved, abs_error, rel_error. At the base stage
        (the whole sample) only the margins of frame variables can be computed.
    propensity_model : pandas.DataFrame
        Coefficients of the response-propensity model (method "propensity"; else empty).
    eligibility_report : pandas.DataFrame
        Per adjustment class of the eligibility step (see
        :func:`literacy.weighting.eligibility_adjust`): resolved and not-eligible cases, the
        factor and the estimated eligible share; empty when no sampled case is not eligible.
    trimming_report : pandas.DataFrame
        Per trimming cycle and group: caps and numbers trimmed (empty without trimming).
    calibration_steps : list of dict
        The steps after the nonresponse adjustment, for :func:`apply_calibration_steps`:
        ``{"step": "rake", "targets", "tol", "max_iter"}`` and ``{"step": "trim", "by",
        "lower", "upper", "redistribute", "max_iter"}`` (caps resolved to weight units).
    stage_weights : dict
        Respondents' weights at each stage after the base stage (stage code -> Series).
    """

    weights: pd.Series
    diagnostics: pd.DataFrame
    raking_targets: dict
    nonresponse_weights: pd.Series = field(default_factory=lambda: pd.Series(dtype=float))
    nonresponse_report: pd.DataFrame = field(default_factory=pd.DataFrame)
    margin_check: pd.DataFrame = field(default_factory=pd.DataFrame)
    raking_record: pd.DataFrame = field(default_factory=pd.DataFrame)
    margins: pd.DataFrame = field(default_factory=pd.DataFrame)
    propensity_model: pd.DataFrame = field(default_factory=pd.DataFrame)
    eligibility_report: pd.DataFrame = field(default_factory=pd.DataFrame)
    trimming_report: pd.DataFrame = field(default_factory=pd.DataFrame)
    calibration_steps: list = field(default_factory=list)
    stage_weights: dict = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------
# config
# ---------------------------------------------------------------------------------------------

def weighting_options(config: dict) -> dict:
    """The resolved ``weighting`` section of an assessment config (:class:`literacy.settings.weighting.Weighting`,
    checked and every default filled when the config was read).

    Returns
    -------
    dict
        ``nonresponse`` (method "classes" | "propensity", classes, min_class_size,
        propensity: covariates, numeric, n_classes, factor), ``raking`` (margins,
        tolerance, max_iter) and ``trimming`` (None when absent or ``enabled: false``; else
        upper, lower, by, redistribute, max_iter, rerake, cycles).
    """
    w = config["weighting"]
    tr = w["trimming"]
    trimming = None
    if tr is not None and tr["enabled"]:
        trimming = {k: tr[k] for k in ("upper", "lower", "by", "redistribute", "max_iter", "rerake", "cycles")}
    nr = w["nonresponse"]
    return {"nonresponse": {"method": nr["method"], "classes": list(nr["classes"]),
                            "min_class_size": nr["min_class_size"],
                            "propensity": {**nr["propensity"], "numeric": list(nr["propensity"]["numeric"])}},
            "raking": {"margins": [list(m) for m in w["raking"]["margins"]], "tolerance": float(w["raking"]["tolerance"]),
                       "max_iter": w["raking"]["max_iter"]},
            "trimming": trimming}


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
        Columns margin, level, n (rows with a positive weight in the level), target,
        achieved (sum of weights), abs_error, rel_error (NaN where the target is 0).
    """
    w = np.asarray(weights, dtype=float)
    frames = []
    for key, counts in targets.items():
        m = code_margin(data, key, counts, w)
        achieved = m.totals(w)
        n = np.bincount(m.codes, weights=(w > 0).astype(float), minlength=len(m.levels)).astype(np.int64)
        with np.errstate(divide="ignore", invalid="ignore"):
            rel = np.where(m.population > 0, np.abs(achieved - m.population) / m.population, np.nan)
        frames.append(pd.DataFrame({"margin": m.label, "level": [str(lv) for lv in m.levels], "n": n,
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
    labels = config["survey"]["labels"].get("district", {})
    zh = [str(labels.get(c, [c, c])[0]) if c != "all" else _CITY[0] for c in codes]
    en = [str(labels.get(c, [c, c])[1]) if c != "all" else _CITY[1] for c in codes]
    return zh, en


def _stage_label(stage: str) -> tuple[str, str]:
    base, _, cycle = stage.partition("_")
    zh, en = STAGES[base]
    return (zh, en) if not cycle else (f"{zh}（第{cycle}轮）", f"{en} (cycle {cycle})")


def _match_respondents(sample: pd.DataFrame, responses: pd.DataFrame, id_col: str) -> np.ndarray:
    """Row position in ``sample`` of each row of ``responses``, checked both ways."""
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
    return pos


def _rake_quietly(data: pd.DataFrame, w: np.ndarray, targets: dict, tol: float, max_iter: int):
    """rake_weights, re-emitting a convergence warning from the caller's frame."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RakingConvergenceWarning)
        out = rake_weights(data, w, targets, tol=tol, max_iter=max_iter)
    for wmsg in caught:
        warnings.warn(str(wmsg.message), wmsg.category, stacklevel=3)
    return out


def weight_round(sample: pd.DataFrame, responses: pd.DataFrame, margins: pd.DataFrame,
                 config: dict) -> WeightingResult:
    """Weight one survey round: the configured chain from selection probabilities to final weights.

    1. base weights ``1 / selection_prob`` for every sampled unit;
    2. when the sample's ``disposition`` names a not-eligible case: the eligibility adjustment
       (:func:`literacy.weighting.eligibility_adjust`: unknown-eligibility cases' weights to the
       resolved cases, within the nonresponse classes or, for the propensity method, the strata;
       the not eligible leave the population); then the nonresponse adjustment on the whole
       sample of eligible cases, within weighting classes
       (``weighting.nonresponse.method: classes``) or response-propensity classes
       (``propensity``);
    3. raking of the respondents to the census margins (``weighting.raking``);
    4. optionally (``weighting.trimming``) trimming of extreme weights with redistribution,
       then re-raking (``rerake``), repeated ``cycles`` times.

    Parameters
    ----------
    sample : pandas.DataFrame
        Every sampled adult (``sample.csv``): id, design and frame variables, ``responded``.
    responses : pandas.DataFrame
        The respondents (``responses.csv``), with the raking variables.
    margins : pandas.DataFrame
        Population margins in long format (``margins.csv``).
    config : dict
        The assessment config (``design``, ``survey.age_bands``, ``weighting``; see
        :func:`weighting_options`).

    Returns
    -------
    WeightingResult

    Raises
    ------
    WeightingError
        Bad probabilities, ids that do not match between sample and responses, missing
        columns, margins that cannot be matched (naming the margin and level), caps that
        cannot be met.
    """
    opts = weighting_options(config)
    design = config["design"]
    id_col = design["respondent_id"]
    prob_col = design["selection_prob"]
    nr, rk, tr = opts["nonresponse"], opts["raking"], opts["trimming"]
    specs = rk["margins"]
    tol, max_iter = rk["tolerance"], rk["max_iter"]
    rake_cols = sorted({c for s in specs for c in s})
    if nr["method"] == "classes":
        frame_cols = list(nr["classes"])
    else:
        frame_cols = sorted({c for s in nr["propensity"]["covariates"] for c in ([s] if isinstance(s, str) else s)})
        frame_cols += [c for c in (design["strata"], design["psu"], design["fpc"])
                       if isinstance(c, str) and c not in frame_cols]
    trim_by = [tr["by"]] if tr and tr["by"] else []

    for name, df, need in (("sample", sample, [id_col, prob_col, "responded", *frame_cols]),
                           ("responses", responses, [id_col, *rake_cols, *trim_by])):
        missing = [c for c in need if c not in df.columns and not (c == "age_band" and "age" in df.columns)]
        if missing:
            raise WeightingError(f"{name}: missing column(s) {', '.join(map(repr, missing))}")
    sample = _with_age_band(sample, frame_cols, config)
    if "age_band" in rake_cols and "age" in sample.columns:  # for the base stage's margins
        sample = _with_age_band(sample, ["age_band"], config)
    responses = _with_age_band(responses, rake_cols, config)

    # 1. base weights
    base = base_weights(sample[prob_col], name=prob_col)
    # 2a. eligibility: unknown-eligibility cases' weights to the resolved cases, the not eligible
    # out of the population (Valliant, Dever & Kreuter 2018, 13.2); only when a case is not eligible
    # (without one the chain's weights are the same with or without this step)
    eligibility_report = pd.DataFrame()
    nr_base, nr_rows = base, np.ones(len(sample), dtype=bool)
    if needs_eligibility_adjustment(sample):
        strata_col = design["strata"] if isinstance(design["strata"], str) else None
        elig_classes = nr["classes"] if nr["method"] == "classes" else ([strata_col] if strata_col else [])
        nr_base, eligibility_report = eligibility_adjust(sample, base, elig_classes, nr["min_class_size"])
        nr_rows = nr_base > 0
    # 2b. nonresponse adjustment on the whole sample (of the eligible cases)
    propensity_model = pd.DataFrame()
    nr_sample = sample if nr_rows.all() else sample.loc[nr_rows]
    if nr["method"] == "classes":
        adjusted_rows, nr_report = nonresponse_adjust(nr_sample, nr_base[nr_rows], "responded", nr["classes"],
                                                      nr["min_class_size"])
    else:
        pc = nr["propensity"]
        strata, psu, fpc = design["strata"], design["psu"], design["fpc"]
        res = propensity_adjust(nr_sample, nr_base[nr_rows], "responded", pc["covariates"], n_classes=pc["n_classes"],
                                min_class_size=nr["min_class_size"], factor=pc["factor"], numeric=pc["numeric"],
                                strata=strata, psu=psu, fpc=fpc, nest=design["nest"],
                                lonely_psu=design["lonely_psu"])
        adjusted_rows, nr_report, propensity_model = res.weights, res.classes, res.coefficients
    adjusted = np.zeros(len(sample))
    adjusted[nr_rows] = adjusted_rows
    pos = _match_respondents(sample, responses, id_col)
    w_nr = adjusted[pos]

    # 3. raking of the respondents
    targets = margins_to_targets(margins, specs)
    w_rk, record = _rake_quietly(responses, w_nr, targets, tol, max_iter)
    steps: list[dict] = [{"step": "rake", "targets": targets, "tol": tol, "max_iter": max_iter}]
    stages: list[tuple[str, np.ndarray]] = [("nonresponse", w_nr), ("raked", w_rk)]
    trimmed_rows: dict[str, np.ndarray] = {}
    trim_reports = []

    # 4. trimming (and re-raking), cycle by cycle
    w = w_rk
    if tr is not None:
        groups = responses[tr["by"]].to_numpy(dtype=object) if tr["by"] else None
        for cycle in range(1, tr["cycles"] + 1):
            sfx = "" if cycle == 1 else f"_{cycle}"
            w_tr, report, flagged = trim_weights(w, upper=tr["upper"], lower=tr["lower"], by=groups,
                                                 redistribute=tr["redistribute"], max_iter=tr["max_iter"],
                                                 return_trimmed=True)
            trimmed_rows["trimmed" + sfx] = flagged
            report.insert(0, "cycle", cycle)
            trim_reports.append(report)
            caps = {side: (None if report[f"{side}_cap"].isna().all() else
                           {"groups": {str(g): float(c) for g, c in zip(report["group"], report[f"{side}_cap"])}})
                    for side in ("lower", "upper")}
            steps.append({"step": "trim", "by": tr["by"], **caps, "redistribute": tr["redistribute"],
                          "max_iter": tr["max_iter"]})
            stages.append(("trimmed" + sfx, w_tr))
            w = w_tr
            if tr["rerake"]:
                w, _ = _rake_quietly(responses, w_tr, targets, tol, max_iter)
                steps.append({"step": "rake", "targets": targets, "tol": tol, "max_iter": max_iter})
                stages.append(("reraked" + sfx, w))
            if not report["n_trimmed"].any():
                break
    check = margin_check(responses, w, targets)

    # Diagnostics by stage and district (+ city), and margins at every stage.
    pop_by = _population_by_district(margins, targets)
    frames, margin_frames = [], []
    all_stages = [("base", base, sample)] + [(st, ws, responses) for st, ws in stages]
    for stage, ws, df in all_stages:
        dom = df["district"].to_numpy(dtype=object) if "district" in df.columns else None
        s = weight_summary(ws, dom)
        zh_s, en_s = _stage_label(stage)
        s.insert(0, "stage", stage)
        s.insert(1, "stage_zh", zh_s)
        s.insert(2, "stage_en", en_s)
        zh, en = _labels(config, s["domain"].tolist())
        s.insert(4, "label_zh", zh)
        s.insert(5, "label_en", en)
        s.insert(8, "population", s["domain"].map(pop_by).astype(float))
        s.insert(9, "weights_to_population", s["sum_weights"] / s["population"])
        flagged = trimmed_rows.get(stage)
        if flagged is not None and dom is not None:
            per = pd.Series(flagged.astype(np.int64)).groupby(pd.Series(dom).astype(str).to_numpy()).sum()
            s["n_trimmed"] = s["domain"].map(per).fillna(0).astype(np.int64)
            s.loc[s["domain"] == "all", "n_trimmed"] = int(flagged.sum())
        else:
            s["n_trimmed"] = int(flagged.sum()) if flagged is not None else 0
        frames.append(s)
        usable = {k: v for k, v in targets.items() if all(c in df.columns for c in k.split(KEY_SEP))}
        if usable:
            m = margin_check(df, ws, usable)
            m.insert(0, "stage", stage)
            m.insert(1, "stage_zh", zh_s)
            m.insert(2, "stage_en", en_s)
            margin_frames.append(m)
    diagnostics = pd.concat(frames, ignore_index=True)
    margins_table = pd.concat(margin_frames, ignore_index=True)

    return WeightingResult(
        weights=pd.Series(w, index=responses.index, name="weight"),
        diagnostics=diagnostics,
        raking_targets=targets,
        nonresponse_weights=pd.Series(w_nr, index=responses.index, name="weight_nonresponse"),
        nonresponse_report=nr_report,
        margin_check=check,
        raking_record=record,
        margins=margins_table,
        propensity_model=propensity_model,
        eligibility_report=eligibility_report,
        trimming_report=pd.concat(trim_reports, ignore_index=True) if trim_reports else pd.DataFrame(),
        calibration_steps=steps,
        stage_weights={st: pd.Series(ws, index=responses.index, name=f"weight_{st}") for st, ws in stages},
    )


def apply_calibration_steps(design, steps: Sequence[Mapping]):
    """Replay the calibration steps of :func:`weight_round` on a survey design.

    Parameters
    ----------
    design : literacy.survey.SurveyDesign
        The round's design with the nonresponse-adjusted weights (``weight_nonresponse``)
        and the raking (and trimming ``by``) columns in its data.
    steps : sequence of dict
        ``WeightingResult.calibration_steps`` (as is, or read back from JSON).

    Returns
    -------
    SurveyDesign
        Raked (``rake_design``) and trimmed (``trim_design``, which keeps the calibration)
        in order: its weights are the chain's final weights and its standard errors account
        for every raking, as R's ``svyrecvar`` after ``rake()``, ``trimWeights()`` and
        ``rake()`` (each raking's residuals are taken in turn; trimming adds none, so after a
        final trim the SEs are those of the last raking applied to the trimmed weights).
    """
    for i, step in enumerate(steps):
        kind = step.get("step") if isinstance(step, Mapping) else None
        if kind == "rake":
            design = rake_design(design, step["targets"], tol=float(step["tol"]), max_iter=int(step["max_iter"]))
        elif kind == "trim":
            design = trim_design(design, upper=step.get("upper"), lower=step.get("lower"), by=step.get("by"),
                                 redistribute=step.get("redistribute", "proportional"),
                                 max_iter=int(step.get("max_iter", 100)))
        else:
            raise WeightingError(f"calibration steps: step {i} is {step!r}; expected 'rake' or 'trim'")
    return design


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
