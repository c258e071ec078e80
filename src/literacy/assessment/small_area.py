"""Small-area figures for the assessment's cells: the config, the covariates, the table.

The direct estimates of small cells (a key group within a district, a sex × age band within a
district) are too noisy to publish on their own. For each configured breakdown and round, the
cells' direct shares are modelled with an area-level Fay–Herriot model on the arcsine scale
(:func:`literacy.sae.fay_herriot_proportion`): sampling variances from the pooled design
effect (:func:`literacy.sae.gvf_variances`), covariates from the population margins of the
cell's district (and the cell's own factors), bootstrap MSE and intervals, ratio benchmarking
to the district's direct estimate where the cells partition the district. The figure to
publish follows a stated rule: the direct estimate where the NCHS standard says "present",
the model-based one (labelled 模型估计 / model-based) otherwise.

Pure computation: the flow passes the flagged direct estimates and the margins in.
"""

from __future__ import annotations

import itertools
import warnings
import zlib

import numpy as np
import pandas as pd

from literacy.assessment.config import small_area_config
from literacy.assessment.estimates import estimate_round
from literacy.domains import label
from literacy.errors import ConfigError, DataError
from literacy.reliability import flag_estimates
from literacy.sae.benchmark import Benchmark
from literacy.sae.gvf import gvf_variances
from literacy.sae.proportions import fay_herriot_proportion

__all__ = ["area_covariates", "cell_frame", "direct_cells", "small_area_table",
           "SMALL_AREA_COLUMNS", "MSE_METHODS",
           "MODEL_LABEL_ZH", "MODEL_LABEL_EN", "AREA_KEYS", "DIRECT_LABEL_ZH", "DIRECT_LABEL_EN"]

MODEL_LABEL_ZH, MODEL_LABEL_EN = "模型估计", "model-based"
#: Columns of a delivered ``area_covariates`` table that name a cell (the others are covariates).
AREA_KEYS = ("district", "residence", "sex", "age_band", "education", "occupation", "group")
DIRECT_LABEL_ZH, DIRECT_LABEL_EN = "直接估计", "direct"

#: Columns of the small-area table, in order.
SMALL_AREA_COLUMNS = [
    "round", "breakdown", "domain", "label_zh", "label_en", "level", "n", "population_share",
    "direct", "direct_se", "direct_ci_low", "direct_ci_high", "deff", "reliability", "suppressed",
    "deff_pooled", "n_effective", "gamma", "model_estimate", "model_rmse", "model_cv", "model_ci_low",
    "model_ci_high", "is_synthetic", "benchmark_factor", "published", "published_ci_low", "published_ci_high",
    "source", "source_zh", "source_en", "model_converged", "sigma2_u", "sigma2_method", "mse_method",
    "std_residual", "note",
]

#: ``mse_method``: how the published figure's uncertainty was estimated.
MSE_METHODS = {"design": "design-based (the direct estimate's own interval)",
               "bootstrap": "parametric bootstrap of the Fay–Herriot model",
               "bootstrap_benchmarked": "parametric bootstrap, every replicate benchmarked to its district",
               "none": "not published"}



def _codes(config: dict, column: str) -> list[str]:
    """Every code of a breakdown column, from the config (so cells without respondents exist too)."""
    if column == "group":
        return [str(g["code"]) for g in config["groups"]]
    if column == "age_band":
        return [str(b["code"]) for b in config["survey"]["age_bands"]]
    labels = config["survey"]["labels"].get(column)
    if not labels:
        raise ConfigError(f"config: small_area: no labels for '{column}' in survey.labels (the cells of a "
                          f"modelled breakdown come from them)")
    return [str(k) for k in labels]


def cell_frame(config: dict, breakdown: list[str]) -> pd.DataFrame:
    """All cells of a breakdown, those without respondents too.

    Parameters
    ----------
    config : dict
        The validated config (the codes and labels of the breakdown's columns).
    breakdown : list of str
        The breakdown's columns (``group`` for the key groups).

    Returns
    -------
    DataFrame
        The breakdown's columns, ``domain`` (codes joined by ``+`` as in ``estimates.csv``),
        ``label_zh`` and ``label_en``.
    """
    combos = list(itertools.product(*[_codes(config, c) for c in breakdown]))
    frame = pd.DataFrame(combos, columns=breakdown)
    groups = {str(g["code"]): (str(g["zh"]), str(g["en"])) for g in config["groups"]}

    def lab(col, v, k):
        if col == "group":
            return groups[v][k]
        if col == "age_band":
            band = next(b for b in config["survey"]["age_bands"] if str(b["code"]) == v)
            return str(band["zh"]) if k == 0 else str(band["en"])
        return label(config, col, v)[k]

    frame["domain"] = ["+".join(r) for r in combos]
    frame["label_zh"] = ["·".join(lab(c, v, 0) for c, v in zip(breakdown, r)) for r in combos]
    frame["label_en"] = [" · ".join(lab(c, v, 1) for c, v in zip(breakdown, r)) for r in combos]
    return frame


def area_covariates(margins: pd.DataFrame, config: dict) -> pd.DataFrame:
    """District-level composition from a round's population margins, one row per district.

    These are population values, known without sampling error, as area-level covariates should
    be (Rao & Molina 2015, 4.2).

    Parameters
    ----------
    margins : DataFrame
        A round's ``margins.csv`` (``dimension``, ``district``, the dimension's columns,
        ``population``).
    config : dict
        The validated config (the education codes, in order).

    Returns
    -------
    DataFrame
        ``district``, ``share_<education>`` for each education code, ``share_higher_education``
        (junior college and above: the codes after ``senior_high`` in the config's order, or
        every code containing ``college``/``bachelor``), ``share_rural``, ``share_male`` and
        ``share_age_<band>`` — whichever dimensions the margins hold (``district+education``,
        ``district+residence``, ``district+sex+age_band``).

    Raises
    ------
    DataError
        The margins have none of those dimensions.
    """
    m = margins.copy()
    m["dimension"] = m["dimension"].astype(str)
    m["population"] = pd.to_numeric(m["population"], errors="coerce")
    out = None

    def shares(dim: str, col: str, prefix: str) -> pd.DataFrame | None:
        part = m[m["dimension"] == dim]
        if part.empty:
            return None
        tab = part.pivot_table(index="district", columns=col, values="population", aggfunc="sum", fill_value=0)
        tab = tab.div(tab.sum(axis=1), axis=0)
        tab.columns = [f"{prefix}{c}" for c in tab.columns]
        return tab

    for dim, col, prefix in (("district+education", "education", "share_"), ("district+residence", "residence",
                                                                              "share_"),
                             ("district+sex+age_band", "sex", "share_"), ("district+sex+age_band", "age_band",
                                                                          "share_age_")):
        tab = shares(dim, col, prefix)
        if tab is not None:
            out = tab if out is None else out.join(tab, how="outer")
    if out is None:
        raise DataError("margins: no district-level dimension (district+education, district+residence, "
                        "district+sex+age_band) to build the small-area covariates from")
    edu = [str(e) for e in config["survey"]["labels"].get("education", {})]
    higher = edu[edu.index("senior_high") + 1:] if "senior_high" in edu else [e for e in edu if "college" in e or
                                                                              "bachelor" in e]
    cols = [f"share_{e}" for e in higher if f"share_{e}" in out.columns]
    if cols:
        out["share_higher_education"] = out[cols].sum(axis=1)
    out = out.reset_index()
    out["district"] = out["district"].astype(str)
    return out


def _cell_shares(margins: pd.DataFrame, breakdown: list[str]) -> pd.Series | None:
    """Population share of each cell within its district, when a margin has exactly the
    breakdown's columns (then the cells partition the district and can be benchmarked)."""
    dim = "+".join(breakdown)
    part = margins[margins["dimension"].astype(str) == dim]
    if part.empty:
        return None
    pop = pd.to_numeric(part["population"], errors="coerce").to_numpy(dtype=float)
    key = part[breakdown].astype(str).agg("+".join, axis=1).to_numpy()
    total = part.groupby(part["district"].astype(str))["population"].transform(
        lambda s: pd.to_numeric(s, errors="coerce").sum()).to_numpy(dtype=float)
    return pd.Series(pop / total, index=key)


def direct_cells(design, config: dict, round_id: str) -> pd.DataFrame:
    """Direct estimates of the modelled breakdowns' cells and of the districts, flagged.

    The estimates come from :func:`literacy.assessment.estimates.estimate_round` on the full
    design (the cells are domains, never subsets) with the NCHS flags of
    :func:`literacy.reliability.flag_estimates`; ``estimate_raw`` and ``deff_raw`` keep the
    values before suppression, which the model needs (a suppressed cell is exactly the one the
    model is for).

    Parameters
    ----------
    design : SurveyDesign
        The round's calibrated design.
    config : dict
        The validated config (``small_area.models``).
    round_id : str
        The round.

    Returns
    -------
    DataFrame
        The flagged estimates of the districts and the modelled cells, with ``estimate_raw``
        and ``deff_raw``.
    """
    sa = small_area_config(config)
    sub = {**config, "breakdowns": [["district"]] + [m["breakdown"] for m in sa["models"]]}
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="a domain has a single observation", category=RuntimeWarning)
        est = estimate_round(design, sub, round_id)
        kg = estimate_round(design, {**sub, "estimation": {**config["estimation"], "ci": "beta"}}, round_id)
    keep = est["breakdown"].isin(["district"] + ["+".join(m["breakdown"]) for m in sa["models"]]).to_numpy()
    est, kg = est[keep].reset_index(drop=True), kg[keep].reset_index(drop=True)
    raw = est[["estimate", "deff"]].to_numpy(dtype=float).copy()
    out = flag_estimates(est, kg, config)
    out["estimate_raw"], out["deff_raw"] = raw[:, 0], raw[:, 1]
    return out


def _seed(base: int, *parts: str) -> int:
    return int(np.random.SeedSequence([base, *(zlib.crc32(p.encode()) for p in parts)]).generate_state(1)[0])


def small_area_table(direct: pd.DataFrame, margins: dict[str, pd.DataFrame], config: dict,
                     covariates: dict[str, pd.DataFrame] | None = None) -> tuple[pd.DataFrame, list[str]]:
    """Model-based figures for the configured cells of every round.

    Parameters
    ----------
    direct : DataFrame
        Flagged direct estimates (the columns of ``estimates.csv`` with the reliability
        columns) of every round for the modelled breakdowns and of the districts
        (breakdown ``district``: the benchmarking targets).
    margins : dict of round id -> DataFrame
        Each round's ``margins.csv``.
    covariates : dict of round id -> DataFrame, optional
        A round's delivered ``area_covariates.csv``: ``district`` and possibly other cell columns,
        then numeric covariates. Merged onto the cells by the cell columns it has (a district-level
        file onto every cell of the district); a column of the same name replaces the one derived
        from the margins. A cell the file does not cover gets blank covariates, and a model naming
        them leaves its cells direct with the reason.
    config : dict
        The validated config.

    Returns
    -------
    (DataFrame with :data:`SMALL_AREA_COLUMNS`, list of notes)
        One row per round, modelled breakdown, cell and level. A model that cannot be fitted
        (too few cells with respondents, a missing covariate, …) leaves its cells direct
        with the reason in ``note``; nothing is dropped.
    """
    sa = small_area_config(config)
    notes: list[str] = []
    frames = []
    d = direct.copy()
    for k in ("round", "breakdown", "domain", "level"):
        d[k] = d[k].astype(str)
    for rid in sorted(d["round"].unique(), key=lambda r: [x["id"] for x in config["rounds"]].index(r)
                      if r in [x["id"] for x in config["rounds"]] else 99):
        if rid not in margins:
            raise DataError(f"small area: no margins for round {rid}")
        cov = area_covariates(margins[rid], config)
        for model in sa["models"]:
            bd = "+".join(model["breakdown"])
            cells = cell_frame(config, model["breakdown"])
            cells = cells.merge(cov, on="district", how="left")
            delivered = (covariates or {}).get(rid)
            if delivered is not None:
                cells = _merge_delivered(cells, delivered)
            shares = _cell_shares(margins[rid], model["breakdown"])
            for level in sa["levels"]:
                est = d[(d["round"] == rid) & (d["breakdown"] == bd) & (d["level"] == level)]
                dist = d[(d["round"] == rid) & (d["breakdown"] == "district") & (d["level"] == level)]
                frames.append(_model_cells(cells, est, dist, shares, model, sa, rid, bd, level, notes))
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=SMALL_AREA_COLUMNS)
    return out[SMALL_AREA_COLUMNS], notes


def _merge_delivered(cells: pd.DataFrame, delivered: pd.DataFrame) -> pd.DataFrame:
    """The cells with a delivered covariates file merged on the cell columns both have."""
    keys = [c for c in delivered.columns if c in cells.columns and c in AREA_KEYS]
    d = delivered.copy()
    for k in keys:
        d[k] = d[k].astype(str)
    values = [c for c in d.columns if c not in AREA_KEYS]
    base = cells.drop(columns=[c for c in values if c in cells.columns])
    return base.merge(d[keys + values], on=keys, how="left")


def _model_cells(cells, est, dist, shares, model, sa, rid, bd, level, notes) -> pd.DataFrame:
    est = est.set_index("domain")
    c = cells.copy()
    pick = lambda col: est[col].reindex(c["domain"]).to_numpy()  # noqa: E731
    n = pd.to_numeric(pd.Series(pick("n")), errors="coerce").fillna(0).to_numpy(dtype=float)
    c["n"] = n.astype(np.int64)
    c["direct"] = pick("estimate").astype(float)
    c["direct_se"] = pick("se").astype(float)
    c["direct_ci_low"] = pick("ci_low").astype(float)
    c["direct_ci_high"] = pick("ci_high").astype(float)
    c["deff"] = pick("deff").astype(float)
    rel = pd.Series(pick("reliability"), dtype=object)
    c["reliability"] = rel.where(rel.notna(), "suppress").to_numpy()
    sup = pd.Series(pick("suppressed"), dtype=object)
    c["suppressed"] = sup.where(sup.notna(), True).astype(bool).to_numpy()
    c["level"] = level
    c["round"] = rid
    c["breakdown"] = bd
    c["population_share"] = shares.reindex(c["domain"]).to_numpy(dtype=float) if shares is not None else np.nan
    # a suppressed direct estimate is blank in the outputs, but the model needs the value:
    # the model input is the unsuppressed share (direct estimates, computed before suppression)
    raw = pick("estimate_raw").astype(float) if "estimate_raw" in est.columns else c["direct"].to_numpy()
    raw_deff = pick("deff_raw").astype(float) if "deff_raw" in est.columns else c["deff"].to_numpy()
    work = c.assign(p=np.where(n > 0, raw, np.nan), deff_cell=raw_deff)
    note = np.full(len(c), "", dtype=object)
    note[n == 0] = "no respondents: synthetic estimate"
    try:
        gvf = gvf_variances(work, "p", "n", "deff_cell", method=sa["deff_pooling"])
        work["deff_pooled"] = gvf["deff_pooled"].to_numpy()
        # a share of 0 or 1 has no design effect: the pooled one applies (that is the point of the GVF)
        pooled = float(np.nanmedian(work["deff_pooled"])) if np.isfinite(work["deff_pooled"]).any() else 1.0
        work["deff_pooled"] = work["deff_pooled"].fillna(pooled)
        bench = model["benchmark"] if model["benchmark"] != "auto" else shares is not None
        benchmark = None
        if bench and shares is not None and len(dist):
            target = dist.set_index("domain")
            tcol = "estimate_raw" if "estimate_raw" in target.columns else "estimate"
            benchmark = Benchmark("district", "population_share", {k: float(v) for k, v in target[tcol].items()})
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            res = fay_herriot_proportion(work, f"p ~ {model['formula']}", n="n", deff="deff_pooled",
                                         method=sa["method"], area="domain", B=sa["replicates"],
                                         seed=_seed(sa["seed"], rid, bd, level), alpha=sa["alpha"],
                                         benchmark=benchmark)
        fit = res.estimates
        converged = bool(res.model.converged)
        for w in caught:
            notes.append(f"{rid} {bd} {level}: {w.message}")
        notes.extend(f"{rid} {bd} {level}: {x}" for x in dict.fromkeys(res.notes + res.model.notes))
        c["deff_pooled"] = work["deff_pooled"].to_numpy()
        c["n_effective"] = fit["n_eff"].to_numpy()
        c["gamma"] = fit["gamma"].to_numpy()
        est_m = fit["estimate"].to_numpy(dtype=float)
        mse_m = fit["mse"].to_numpy(dtype=float)
        low, high = fit["ci_low"].to_numpy(dtype=float), fit["ci_high"].to_numpy(dtype=float)
        c["is_synthetic"] = fit["is_synthetic"].to_numpy(dtype=bool)
        c["model_converged"] = converged
        c["sigma2_u"] = float(res.model.sigma2_u)
        # standardised residuals of the arcsine-scale fit, (y - x'b) / sqrt(sigma2_u + psi)
        c["std_residual"] = res.model.estimates["std_residual"].to_numpy(dtype=float)
        factor = np.ones(len(c))
        if benchmark is not None:            # the benchmark's own uncertainty is in the bootstrap MSE and CI
            factor = fit["benchmark_factor"].to_numpy(dtype=float)
            est_m = fit["estimate_benchmarked"].to_numpy(dtype=float)
            mse_m = fit["mse_benchmarked"].to_numpy(dtype=float)
            low = fit["ci_low_benchmarked"].to_numpy(dtype=float)
            high = fit["ci_high_benchmarked"].to_numpy(dtype=float)
        elif bench and shares is None:
            notes.append(f"{rid} {bd}: no margin '{bd}' in margins.csv: the cells are not benchmarked")
        c["benchmark_factor"] = factor if bench and shares is not None else np.nan
        c["model_estimate"] = est_m
        c["model_rmse"] = np.sqrt(mse_m)
        with np.errstate(divide="ignore", invalid="ignore"):
            c["model_cv"] = np.sqrt(mse_m) / est_m
        c["model_ci_low"], c["model_ci_high"] = low, high
        flag = fit["flag"].astype(object).where(fit["flag"].astype(str) != "", "").to_numpy()
        note = np.where(flag != "", flag, note)
    except (DataError, ValueError, np.linalg.LinAlgError) as exc:
        # the cells stay direct, with the reason; never a crash (issue 12: bad input)
        reason = f"model not fitted: {exc}"
        notes.append(f"{rid} {bd} {level}: {reason}")
        for col in ("deff_pooled", "n_effective", "gamma", "model_estimate", "model_rmse", "model_cv",
                    "model_ci_low", "model_ci_high", "benchmark_factor", "sigma2_u", "std_residual"):
            c[col] = np.nan
        c["is_synthetic"] = False
        c["model_converged"] = False
        note = np.where(note == "", reason, note + "; " + reason)
    # the publication rule: direct where the NCHS standard says present, else model-based
    use_direct = (c["reliability"].to_numpy() == "present") & ~c["suppressed"].to_numpy(dtype=bool)
    have_model = np.isfinite(c["model_estimate"].to_numpy(dtype=float))
    c["published"] = np.where(use_direct, c["direct"], np.where(have_model, c["model_estimate"], np.nan))
    c["published_ci_low"] = np.where(use_direct, c["direct_ci_low"], np.where(have_model, c["model_ci_low"], np.nan))
    c["published_ci_high"] = np.where(use_direct, c["direct_ci_high"],
                                      np.where(have_model, c["model_ci_high"], np.nan))
    src = np.where(use_direct, "direct", np.where(have_model, "model", "none"))
    c["source"] = src
    # which estimator of sigma2_u the model used, and how the published figure's MSE was estimated
    fitted = np.isfinite(c["sigma2_u"].to_numpy(dtype=float))
    c["sigma2_method"] = np.where(fitted, sa["method"], "")
    benchmarked = np.isfinite(c["benchmark_factor"].to_numpy(dtype=float))
    c["mse_method"] = np.select([src == "direct", (src == "model") & benchmarked, src == "model"],
                                ["design", "bootstrap_benchmarked", "bootstrap"], "none")
    c["source_zh"] = np.select([src == "direct", src == "model"], [DIRECT_LABEL_ZH, MODEL_LABEL_ZH], "不发布")
    c["source_en"] = np.select([src == "direct", src == "model"], [DIRECT_LABEL_EN, MODEL_LABEL_EN], "not published")
    c["note"] = note
    return c
