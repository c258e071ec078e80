"""One round's fieldwork-quality tables, as the assessment's quality stage writes them.

* :func:`rates_table`: AAPOR's outcome rates for the city, each district and each stratum,
  unweighted and base-weighted, from the sample's ``disposition`` (or from ``responded`` alone);
* :func:`bias_table`: the nonresponse bias analysis of the frame variables at every weighting
  stage (sampling weights, nonresponse-adjusted, calibrated) and the representativeness of the
  response (R-indicator, CV of the response propensities, bias bound);
* :func:`interview_flags` and :func:`data_quality_table`: the interview checks (speeders,
  straight-lining, exact and near duplicates) and the flagged interviews listed for review;
* :func:`interviewers_table`: interviewer effects (composition-adjusted outlying interviewers, the
  intra-interviewer correlation and its design effect) with each interviewer's item nonresponse
  and flagged interviews.

Pure computation on the ingested tables; thresholds come from the config's ``quality`` section
(docs/methods/quality.md).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from literacy.domains import age_band
from literacy.quality.dispositions import dispositions_from_responded
from literacy.quality.interviewers import interviewer_effects
from literacy.quality.interviews import duplicates, speeders, straightlining
from literacy.quality.nonresponse_bias import frame_bias, representativeness, response_propensities
from literacy.quality.rates import OUTCOME_COLUMNS, outcome_rates

__all__ = ["census_rows", "STAGES", "RATES_COLUMNS", "BIAS_TABLE_COLUMNS", "DATA_QUALITY_COLUMNS", "INTERVIEWERS_COLUMNS",
           "CHECKS", "rates_table", "bias_table", "interview_flags", "data_quality_table", "interviewers_table",
           "excluded_checks"]

#: Weighting stages compared in the nonresponse bias analysis.
STAGES = ("base", "nonresponse", "calibrated")
#: The interview checks, in the order of the ``checks`` column.
CHECKS = ("speeder", "straightliner", "exact_duplicate", "near_duplicate")
#: Columns of ``response_rates``.
RATES_COLUMNS = ["round", "dispositions", *OUTCOME_COLUMNS]
#: Columns of ``nonresponse_bias``.
BIAS_TABLE_COLUMNS = ["round", "kind", "variable", "category", "full_sample", "sd", "test", "statistic", "p_value",
                      "p_adjusted", *[f"{p}_{s}" for s in STAGES for p in ("estimate", "bias", "std_bias")],
                      "bias_verdict", "bias_verdict_zh"]
#: Columns of ``data_quality`` (one row per flagged interview).
DATA_QUALITY_COLUMNS = ["round", "respondent_id", "interviewer_id", "mode", "duration_seconds", "duration_ratio",
                        "speeder", "modal_share", "straightliner", "exact_duplicate_of", "max_match", "match_with",
                        "near_duplicate", "checks"]
#: Columns of ``interviewers`` (one row per interviewer, then ``all``).
INTERVIEWERS_COLUMNS = ["round", "interviewer", "interviews", "mean_score", "expected_score", "difference", "se", "z",
                        "p_value", "p_adjusted", "outlier", "skipped_share", "dont_know_share", "speeders",
                        "straightliners", "duplicates", "icc", "deff_interviewer"]


def rates_table(sample: pd.DataFrame, config: dict, round_id: str) -> pd.DataFrame:
    """AAPOR outcome rates of one round for the city, each district and each stratum.

    Parameters
    ----------
    sample : DataFrame
        The round's ingested sample (``responded``; ``disposition`` when delivered).
    config : dict
        The validated config (``design``, ``quality.eligibility_e``).
    round_id : str

    Returns
    -------
    DataFrame
        :data:`RATES_COLUMNS`; ``dispositions`` is ``delivered`` or ``from responded`` (then the
        cooperation, refusal and contact rates are blank).
    """
    design = config["design"]
    typed = "disposition" in sample.columns and sample["disposition"].notna().all()
    disp = sample["disposition"].astype(str) if typed else dispositions_from_responded(sample["responded"])
    frame = sample.assign(disposition=disp.to_numpy(dtype=object),
                          __weight=1.0 / sample[design["selection_prob"]].to_numpy(dtype=float))
    e = config["quality"]["eligibility_e"]
    by = [c for c in ("district", design["strata"]) if c in frame.columns]
    out = outcome_rates(frame, by=by, weight="__weight", e=None if e == "estimate" else float(e), typed=typed)
    out.insert(0, "dispositions", "delivered" if typed else "from responded")
    out.insert(0, "round", round_id)
    return out[RATES_COLUMNS]


def _frame_variables(sample: pd.DataFrame, config: dict) -> tuple[pd.DataFrame, list[str]]:
    """The sample with ``age_band`` when needed, and the frame variables analysed."""
    q = config["quality"]
    wanted = q["frame_variables"] or list(config["weighting"]["nonresponse"]["classes"])
    if "age_band" in wanted and "age_band" not in sample.columns and "age" in sample.columns:
        sample = sample.assign(age_band=age_band(sample["age"], config["survey"]["age_bands"]).to_numpy(dtype=object))
    return sample, [v for v in wanted if v in sample.columns]


def census_rows(margins: pd.DataFrame) -> pd.DataFrame:
    """The respondents' weighted shares against the census margins at each weighting stage.

    Parameters
    ----------
    margins : DataFrame
        The weighting's margins table (``stage`` base / nonresponse / raked, ``margin``, ``level``,
        ``target``, ``achieved``: ``<round>/weights_margins.csv``).

    Returns
    -------
    DataFrame
        ``kind`` census, ``variable`` (the margin), ``category`` (the cell), ``full_sample`` (the
        census share of the cell within its margin), ``sd`` (sqrt(p (1 - p))), and per stage the
        respondents' weighted share, its difference from the census share and that difference
        over ``sd``.
    """
    m = margins.assign(stage=margins["stage"].astype(str).replace({"raked": "calibrated"}))
    m = m[m["stage"].isin(STAGES)]
    cells = m.drop_duplicates(["margin", "level"])[["margin", "level", "target"]].reset_index(drop=True)
    census = cells["target"] / cells.groupby("margin")["target"].transform("sum")
    out = pd.DataFrame({"kind": "census", "variable": cells["margin"].astype(str),
                        "category": cells["level"].astype(str), "full_sample": census.to_numpy(dtype=float)})
    out["sd"] = np.sqrt(out["full_sample"] * (1 - out["full_sample"]))
    key = pd.MultiIndex.from_frame(cells[["margin", "level"]])
    for stage in STAGES:
        s = m[m["stage"] == stage]
        share = (s["achieved"] / s.groupby("margin")["achieved"].transform("sum")).to_numpy(dtype=float)
        est = pd.Series(share, index=pd.MultiIndex.from_frame(s[["margin", "level"]])).reindex(key).to_numpy()
        out[f"estimate_{stage}"] = est
        out[f"bias_{stage}"] = est - out["full_sample"].to_numpy()
        out[f"std_bias_{stage}"] = np.where(out["sd"] > 0, out[f"bias_{stage}"] / out["sd"].where(out["sd"] > 0, 1), 0.0)
    return out


def bias_table(sample: pd.DataFrame, weighted: pd.DataFrame, config: dict, round_id: str,
               margins: pd.DataFrame | None = None) -> pd.DataFrame:
    """The nonresponse bias analysis of one round on the sample's frame variables.

    Parameters
    ----------
    sample : DataFrame
        The round's ingested sample (respondents and nonrespondents).
    weighted : DataFrame
        The respondents with ``weight_nonresponse`` and the final ``weight``.
    config : dict
        The validated config (``design``, ``quality``, ``weighting.nonresponse.classes``).
    round_id : str
    margins : DataFrame, optional
        The weighting's margins table: the ``census`` rows (:func:`census_rows`).

    Returns
    -------
    DataFrame
        :data:`BIAS_TABLE_COLUMNS`: one row per level of a categorical variable (``kind`` share)
        or per numeric variable (``mean``), then the ``propensity`` rows (``category`` mean, sd,
        r_indicator, cv, max_bias; the value in ``full_sample``), then the ``census`` rows.
    """
    design, q = config["design"], config["quality"]
    sample, variables = _frame_variables(sample, config)
    if not variables:                 # no frame variable in the sample: nothing to compare
        return pd.DataFrame({c: pd.Series([], dtype=object if c in ("round", "kind", "variable", "category", "test",
                                                                    "bias_verdict", "bias_verdict_zh") else float)
                             for c in BIAS_TABLE_COLUMNS})
    resp = (sample["responded"].to_numpy(dtype=float, na_value=0.0) == 1).astype(float)
    base = 1.0 / sample[design["selection_prob"]].to_numpy(dtype=float)
    ids = sample[design["respondent_id"]].astype(str)
    by_id = weighted.assign(__id=weighted[design["respondent_id"]].astype(str)).set_index("__id")
    stages = {"base": base}
    for stage, col in (("nonresponse", "weight_nonresponse"), ("calibrated", "weight")):
        stages[stage] = np.where(resp == 1, ids.map(by_id[col]).to_numpy(dtype=float, na_value=0.0), 0.0)
    table = frame_bias(sample, resp, stages, variables, base="base", strata=design["strata"], psu=design["psu"],
                       alpha=float(q["alpha"]), tolerance=float(q["bias_tolerance"]))
    table = table.rename(columns={"level": "category", "verdict": "bias_verdict", "verdict_zh": "bias_verdict_zh"})
    rho = response_propensities(sample, resp, base, variables)
    rep = representativeness(rho, base)
    props = pd.DataFrame({"kind": "propensity", "variable": "response_propensity",
                          "category": ["mean", "sd", "r_indicator", "cv", "max_bias"],
                          "full_sample": [rep[k] for k in ("mean", "sd", "r_indicator", "cv", "max_bias")]})
    parts = [table, props] + ([census_rows(margins)] if margins is not None and len(margins) else [])
    out = pd.concat(parts, ignore_index=True)
    out.insert(0, "round", round_id)
    return out[BIAS_TABLE_COLUMNS]


def _item_groups(instrument: pd.DataFrame) -> dict[str, list[str]]:
    """Items answered on the same codes (type and valid codes): straight-lining is judged within one."""
    key = instrument["item_type"].astype(str) + ":" + instrument["valid_codes"].astype(str)
    return {k: instrument.loc[key == k, "item_id"].astype(str).tolist() for k in pd.unique(key)}


def interview_flags(responses: pd.DataFrame, instrument: pd.DataFrame, config: dict) -> pd.DataFrame:
    """Every interview's checks: speeder, straight-liner, exact and near duplicate.

    Parameters
    ----------
    responses : DataFrame
        The round's ingested responses (items; ``interviewer_id``, ``duration_seconds`` and
        ``mode`` when delivered).
    instrument : DataFrame
        The round's form.
    config : dict
        The validated config (``design.respondent_id``, ``quality``).

    Returns
    -------
    DataFrame
        In the rows of ``responses``: :data:`DATA_QUALITY_COLUMNS` but ``round``, and
        ``exact_duplicate``; a check that needs absent paradata is False (speeder without durations).
    """
    q = config["quality"]
    id_col = config["design"]["respondent_id"]
    items = instrument["item_id"].astype(str).tolist()
    answers = responses[items]
    dk = pd.to_numeric(instrument["dont_know_code"], errors="coerce").dropna()
    dont_know = int(dk.mode().iloc[0]) if len(dk) else None
    n = len(responses)
    blank_text = pd.array([pd.NA] * n, dtype="string")
    interviewer = responses["interviewer_id"].astype("string") if "interviewer_id" in responses else None
    mode = responses["mode"].astype("string") if "mode" in responses else pd.Series(blank_text, index=responses.index)
    if "duration_seconds" in responses and responses["duration_seconds"].notna().any():
        sp = speeders(responses["duration_seconds"], mode if "mode" in responses else None, float(q["speeder_share"]))
    else:
        sp = pd.DataFrame({"duration": np.nan, "ratio": np.nan, "speeder": False}, index=responses.index)
    sl = straightlining(answers, _item_groups(instrument), int(q["straightlining_min_items"]),
                        float(q["straightlining_share"]), dont_know)
    attributes = [c for c in ("sex", "age", "education", "occupation") if c in responses.columns]
    dup = duplicates(answers, responses[id_col], attributes=responses[attributes] if attributes else None,
                     group=interviewer.fillna("") if interviewer is not None else None,
                     near_share=float(q["near_duplicate_share"]), min_rare=int(q["near_duplicate_min_rare"]))
    out = pd.DataFrame({
        "respondent_id": responses[id_col].astype("string").to_numpy(),
        "interviewer_id": (interviewer if interviewer is not None else pd.Series(blank_text)).to_numpy(),
        "mode": mode.to_numpy(), "duration_seconds": sp["duration"].to_numpy(dtype=float),
        "duration_ratio": sp["ratio"].to_numpy(dtype=float), "speeder": sp["speeder"].to_numpy(dtype=bool),
        "modal_share": sl["modal_share"].to_numpy(dtype=float),
        "straightliner": sl["straightliner"].to_numpy(dtype=bool),
        "exact_duplicate_of": dup["exact_duplicate_of"].to_numpy(dtype=object),
        "max_match": dup["max_match"].to_numpy(dtype=float), "match_with": dup["match_with"].to_numpy(dtype=object),
        "near_duplicate": dup["near_duplicate"].to_numpy(dtype=bool)})
    out["exact_duplicate"] = out["exact_duplicate_of"] != ""
    flags = out[list(CHECKS)].to_numpy(dtype=bool)
    names = np.array(CHECKS, dtype=object)
    out["checks"] = [";".join(names[row]) for row in flags]
    return out


def excluded_checks(config: dict) -> list[str]:
    """The checks whose flagged interviews ``quality.exclude`` leaves out of the estimates."""
    ex = config["quality"]["exclude"]
    return [c for c, key in zip(CHECKS, ("speeders", "straightliners", "exact_duplicates", "near_duplicates"))
            if ex[key]]


def data_quality_table(flags: pd.DataFrame, config: dict, round_id: str) -> pd.DataFrame:
    """The flagged interviews of one round, listed for review.

    Interviews ``quality.exclude`` leaves out never reach this table: the ingest records them in the
    round's quarantine listing (rule ``quality_excluded``) and counts them as nonrespondents.

    Parameters
    ----------
    flags : DataFrame
        :func:`interview_flags`.
    config : dict
    round_id : str

    Returns
    -------
    DataFrame
        :data:`DATA_QUALITY_COLUMNS`, one row per interview with at least one check flagged.
    """
    flagged = flags[flags["checks"] != ""].copy()
    flagged.insert(0, "round", round_id)
    return flagged[DATA_QUALITY_COLUMNS].reset_index(drop=True)


def interviewers_table(weighted: pd.DataFrame, flags: pd.DataFrame, config: dict, round_id: str) -> pd.DataFrame:
    """Interviewer effects of one round, with each interviewer's item nonresponse and flagged interviews.

    Parameters
    ----------
    weighted : DataFrame
        The round's scored respondents (``score``, ``skipped_share``, ``dont_know_share``,
        ``interviewer_id`` and the respondents' characteristics).
    flags : DataFrame
        :func:`interview_flags` of the same respondents (matched on the respondent id).
    config : dict
    round_id : str

    Returns
    -------
    DataFrame
        :data:`INTERVIEWERS_COLUMNS`: one row per interviewer (adjusted for the respondents'
        district, residence, sex, age band and education), then ``all`` with the
        intra-interviewer correlation ``icc`` and its design effect; empty without interviewers.
    """
    if "interviewer_id" not in weighted.columns or weighted["interviewer_id"].isna().all():
        kinds = {"round": object, "interviewer": object, "interviews": np.int64, "outlier": "boolean",
                 "speeders": np.int64, "straightliners": np.int64, "duplicates": np.int64}
        return pd.DataFrame({c: pd.Series([], dtype=kinds.get(c, float)) for c in INTERVIEWERS_COLUMNS})
    id_col = config["design"]["respondent_id"]
    data = weighted[weighted["interviewer_id"].notna()].reset_index(drop=True)
    covariates = [c for c in ("district", "residence", "sex", "age_band", "education") if c in data.columns]
    table, summary = interviewer_effects(data["score"].to_numpy(dtype=float), data["interviewer_id"].astype(str),
                                         data[covariates], alpha=float(config["quality"]["alpha"]),
                                         robust=config["quality"]["interviewer_reference"] == "robust")
    codes = pd.Categorical(data["interviewer_id"].astype(str), categories=table["interviewer"]).codes
    J = len(table)
    n_j = table["interviews"].to_numpy(dtype=float)
    for col in ("skipped_share", "dont_know_share"):
        table[col] = np.bincount(codes, weights=data[col].to_numpy(dtype=float), minlength=J) / n_j
    f = flags.set_index("respondent_id").reindex(data[id_col].astype(str).to_numpy())
    for col, checks in (("speeders", ["speeder"]), ("straightliners", ["straightliner"]),
                        ("duplicates", ["exact_duplicate", "near_duplicate"])):
        hit = f[checks].fillna(False).to_numpy(dtype=bool).any(axis=1)
        table[col] = np.bincount(codes, weights=hit.astype(float), minlength=J).astype(np.int64)
    total = {"interviewer": "all", "interviews": int(n_j.sum()), "mean_score": float(data["score"].mean()),
             "skipped_share": float(data["skipped_share"].mean()),
             "dont_know_share": float(data["dont_know_share"].mean()),
             **{c: int(table[c].sum()) for c in ("speeders", "straightliners", "duplicates")},
             "icc": summary["icc"], "deff_interviewer": summary["deff"]}
    out = pd.concat([table, pd.DataFrame([total])], ignore_index=True)
    out["outlier"] = out["outlier"].astype("boolean")
    out.insert(0, "round", round_id)
    return out[INTERVIEWERS_COLUMNS]
