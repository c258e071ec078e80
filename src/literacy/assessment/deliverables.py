"""The evaluator tables of the end-of-period assessment (pure computation, no file I/O).

Built from the flagged estimates (:mod:`literacy.reliability`), the change between rounds
and the verdicts (:mod:`literacy.assessment.verdicts`):

- :func:`evaluator_table`: shares by round side by side (baseline, end of period) with SE,
  CI, n and reliability, the change with CI and p-value, and for the city, districts and key
  groups the verdict against the target and the gap to the national rate;
- :func:`part_means`: design-based mean score per questionnaire part by district and group;
- :func:`scorecard_table`: the plan's department-reported targets against reported actuals;
- :func:`methodology_table`: sample sizes, response rates, weighting, design effects,
  degrees of freedom, the scoring rule and the reliability rules;
- :func:`finish_verdicts`: verdict wording and suppression of the verdict table.

Suppressed cells stay blank everywhere: the tables read the already-blanked estimates and
carry ``suppressed`` / ``suppression_reason``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from literacy.assessment.config import round_roles
from literacy.assessment.schedule import is_midterm_assessment, other_rounds
from literacy.catalog.vocabulary import STATUS_LABELS, VERDICT_LABELS   # re-exported: (zh, en) wording
from literacy.domains import domain_labels, domain_specs, level_codes
from literacy.reliability import suppress_rows, suppression_flags

__all__ = [
    "VERDICT_LABELS", "STATUS_LABELS", "SCORECARD_COLUMNS", "SCORECARD_INPUT_COLUMNS", "PART_COLUMNS",
    "METHODOLOGY_COLUMNS", "finish_verdicts", "evaluator_table", "evaluator_columns", "round_group_columns", "part_means",
    "scorecard_table", "illustrative_scorecard", "response_rates", "design_facts", "methodology_table",
    "evaluator_specs", "evaluator_tables", "add_model_columns",
]

SCORECARD_INPUT_COLUMNS = ["indicator", "department_zh", "department_en", "indicator_zh", "indicator_en", "target",
                           "actual", "unit_zh", "unit_en", "period", "note"]
SCORECARD_COLUMNS = ["indicator", "indicator_zh", "indicator_en", "lead_zh", "lead_en", "reported_by_zh",
                     "reported_by_en", "period", "comparison", "target", "actual", "unit_zh", "unit_en", "gap",
                     "status", "status_zh", "status_en", "note"]
PART_COLUMNS = ["round", "breakdown", "domain", "label_zh", "label_en", "lead_zh", "lead_en", "part", "part_zh",
                "part_en", "max_points", "mean", "se", "ci_low", "ci_high", "df", "n", "deff", "mean_share",
                "difference_from_city", "p25", "p25_ci_low", "p25_ci_high", "median", "median_ci_low",
                "median_ci_high", "p75", "p75_ci_low", "p75_ci_high", "suppressed", "suppression_reason"]
#: The total score's quantiles in the part-score table: column prefix -> probability.
SCORE_QUANTILES = {"p25": 0.25, "median": 0.5, "p75": 0.75}
METHODOLOGY_COLUMNS = ["section", "item", "label_zh", "label_en", "round", "value", "text"]
_TOTAL = ("total", "总分", "Total score")


# --------------------------------------------------------------------------- verdicts
def finish_verdicts(verdicts: pd.DataFrame, estimates: pd.DataFrame, config: dict,
                    comparable: bool = True) -> pd.DataFrame:
    """The verdict table as published: worded verdicts, suppressed rows blanked.

    Adds ``verdict_en`` after ``verdict_zh`` (met with confidence / not met / inconclusive),
    rewrites ``verdict_zh`` in the same wording, and appends ``suppressed`` and
    ``suppression_reason``. A row whose end-of-period estimate is suppressed has its
    estimate, interval, national comparison and change blanked and the verdict
    "suppressed"; a suppressed baseline blanks the change only.

    Parameters
    ----------
    verdicts : DataFrame
        :func:`literacy.assessment.verdicts.target_verdicts`.
    estimates : DataFrame
        The flagged estimates of every round.
    config : dict
        The validated config.
    comparable : bool
        Whether the rounds' figures can be compared.

    Returns
    -------
    DataFrame
        The verdict table as published.
    """
    base_id, end_id = round_roles(config)
    out = verdicts.reset_index(drop=True).copy()
    if "p_value_bh" not in out:   # the change's BH-adjusted p-value (literacy.assessment.change.adjust_multiple_comparisons)
        out.insert(out.columns.get_loc("change_p_value") + 1, "p_value_bh", np.nan)
        out.insert(out.columns.get_loc("p_value_bh") + 1, "significant_bh", pd.array([pd.NA] * len(out), dtype="boolean"))
    change_cols = ["change", "change_ci_low", "change_ci_high", "change_p_value", "p_value_bh"]
    end, end_why = suppression_flags(out, estimates, end_id, "mid-term" if is_midterm_assessment(config)
                                     else "end-of-period")
    base, base_why = suppression_flags(out, estimates, base_id, "baseline")
    out = suppress_rows(out, end, end_why, ["estimate", "ci_low", "ci_high", "gap_to_national", *change_cols])
    out = suppress_rows(out, base, base_why, change_cols)
    sig = pd.array(out["significant_bh"].to_numpy(dtype=object), dtype="boolean")
    sig[out["p_value_bh"].isna().to_numpy()] = pd.NA
    out["significant_bh"] = sig
    # the rounds' comparability (see evaluator_table): the change is on a common footing only then
    out.insert(out.columns.get_loc("significant_bh") + 1, "comparable", bool(comparable))
    out["suppression_reason"] = out["suppression_reason"].astype(object).where(out["suppressed"], None)
    out["verdict"] = np.where(end, "suppressed", out["verdict"].astype(str))
    out["versus_national"] = np.where(end, None, out["versus_national"].astype(object))
    out["verdict_zh"] = out["verdict"].map({k: v[0] for k, v in VERDICT_LABELS.items()})
    out.insert(out.columns.get_loc("verdict_zh") + 1, "verdict_en",
               out["verdict"].map({k: v[1] for k, v in VERDICT_LABELS.items()}))
    return out


# --------------------------------------------------------------------------- evaluator tables
def round_group_columns(round_id: str) -> list[str]:
    """The column group of a round besides the baseline and the assessed one: ``round_<id>``, its
    SE, CI, respondents and reliability.

    Parameters
    ----------
    round_id : str

    Returns
    -------
    list of str
    """
    p = f"round_{round_id}"
    return [p, f"{p}_se", f"{p}_ci_low", f"{p}_ci_high", f"{p}_n", f"{p}_reliability"]


def evaluator_columns(with_lead: bool = False, with_verdict: bool = False, with_model: bool = False,
                      other_rounds: tuple[str, ...] = ()) -> list[str]:
    """The columns of an evaluator table (see :func:`evaluator_table`).

    Parameters
    ----------
    with_lead : bool
        Add the key groups' lead departments.
    with_verdict : bool
        Add the verdict columns.
    with_model : bool
        Add the small-area model's columns.
    other_rounds : tuple of str
        The rounds besides the baseline and the assessed one
        (:func:`literacy.assessment.schedule.other_rounds`): a column group each
        (:func:`round_group_columns`) between the baseline's and the assessed round's.

    Returns
    -------
    list of str
    """
    cols = ["breakdown", "domain", "label_zh", "label_en"]
    if with_lead:
        cols += ["lead_zh", "lead_en"]
    cols += ["level", "level_zh", "level_en"]
    for role in ("baseline", "endline"):
        cols += [f"{role}_round", role, f"{role}_se", f"{role}_ci_low", f"{role}_ci_high", f"{role}_n",
                 f"{role}_reliability"]
        if role == "baseline":
            for rid in other_rounds:
                cols += round_group_columns(rid)
    cols += ["change", "change_se", "change_ci_low", "change_ci_high", "change_p_value", "p_value_bh",
             "significant_bh", "comparable"]
    if with_model:   # the baseline, every other round, the assessed round
        for role in ("baseline", *(f"round_{rid}" for rid in other_rounds), "endline"):
            cols += [f"{role}_model", f"{role}_model_ci_low", f"{role}_model_ci_high", f"{role}_published",
                     f"{role}_published_source"]
    if with_verdict:
        cols += ["target", "verdict", "verdict_zh", "verdict_en", "national_rate", "national_year",
                 "gap_to_national", "versus_national"]
    cols += ["reliability_reason", "suppressed", "suppression_reason"]
    return cols


def _group_leads(config: dict) -> dict[str, tuple[str, str]]:
    return {str(g["code"]): (str(g["lead_zh"]), str(g["lead_en"])) for g in config["groups"]}


def evaluator_table(estimates: pd.DataFrame, change: pd.DataFrame, verdicts: pd.DataFrame | None, config: dict,
                    breakdowns: tuple[str, ...], with_lead: bool = False, with_verdict: bool = False,
                    comparable: bool = True) -> pd.DataFrame:
    """The two rounds side by side, with the change (and verdict), for some breakdowns.

    Parameters
    ----------
    estimates : DataFrame
        The flagged estimates of every round (``literacy.reliability.flag_estimates``).
    change : DataFrame
        ``literacy.assessment.change.compare_rounds`` output (suppression propagated).
    verdicts : DataFrame, optional
        :func:`finish_verdicts` output; needed with ``with_verdict``.
    config : dict
        The validated config.
    breakdowns : tuple of str
        Breakdown codes to include, in this order (e.g. ``("district",)``).
    with_lead, with_verdict : bool
        Add the key groups' lead departments / the verdict columns (headline level rows).
    comparable : bool
        Whether the rounds' figures can be compared: one questionnaire form for both rounds, or
        forms with enough anchors to be linked (``literacy.measurement.linking_feasible``). The
        ``comparable`` column says so on every row; false means the raw-score change mixes a
        real change with the forms' difference and no linked change could be made.

    Returns
    -------
    DataFrame with :func:`evaluator_columns`: one row per breakdown, domain and level; the
    headline level first, then the others as configured. Per round: share, SE, CI, n and
    NCHS reliability; then the change with its CI and p-value; ``reliability_reason`` joins
    both rounds' reasons, ``suppressed`` is true when either round's value is blanked.
    """
    base_id, end_id = round_roles(config)
    keys = ["breakdown", "domain", "level"]
    levels = level_codes(config)
    headline = config["scoring"]["headline"]
    level_order = [headline] + [lv for lv in levels if lv != headline]
    sel = estimates[estimates["breakdown"].isin(breakdowns)].copy()
    for k in keys:
        sel[k] = sel[k].astype(str)
    # the domains in the estimates' order (end of period first, then any baseline-only domain)
    frame = sel.drop_duplicates(keys)[keys + ["label_zh", "label_en"]]
    frame = frame.drop_duplicates(keys, keep="first")
    frame["_b"] = frame["breakdown"].map({b: i for i, b in enumerate(breakdowns)})
    frame["_l"] = frame["level"].map({lv: i for i, lv in enumerate(level_order)})
    frame["_o"] = np.arange(len(frame))
    frame = frame.sort_values(["_b", "_l", "_o"], kind="stable").drop(columns=["_b", "_l", "_o"])
    idx = pd.MultiIndex.from_frame(frame[keys])
    out = frame.reset_index(drop=True)
    if with_lead:
        leads = _group_leads(config)
        code = out["domain"].str.split("+").str[-1]
        out["lead_zh"] = [leads.get(c, ("", ""))[0] for c in code]
        out["lead_en"] = [leads.get(c, ("", ""))[1] for c in code]
    lv_labels = {lv["code"]: (str(lv["zh"]), str(lv["en"]))
                 for lv in config["scoring"]["levels"]}
    out["level_zh"] = out["level"].map(lambda c: lv_labels.get(c, (c, c))[0])
    out["level_en"] = out["level"].map(lambda c: lv_labels.get(c, (c, c))[1])

    reasons = np.full(len(out), "", dtype=object)
    suppressed = np.zeros(len(out), dtype=bool)
    why = np.full(len(out), "", dtype=object)
    for role, rid in (("baseline", base_id), ("endline", end_id)):
        est = sel[sel["round"].astype(str) == rid].set_index(keys).reindex(idx)
        out[f"{role}_round"] = rid
        out[role] = est["estimate"].to_numpy(dtype=float)
        out[f"{role}_se"] = est["se"].to_numpy(dtype=float)
        out[f"{role}_ci_low"] = est["ci_low"].to_numpy(dtype=float)
        out[f"{role}_ci_high"] = est["ci_high"].to_numpy(dtype=float)
        out[f"{role}_n"] = est["n"].astype("Int64").to_numpy()
        out[f"{role}_reliability"] = est["reliability"].astype(object).to_numpy()
        r = est["reliability_reason"].astype(object).where(est["reliability_reason"].notna(), "").to_numpy()
        tag = np.array([f"{rid}: {x}" if x else "" for x in r], dtype=object)
        reasons = np.where(reasons == "", tag, np.where(tag == "", reasons, reasons + " | " + tag))
        s = est["suppressed"].fillna(False).to_numpy(dtype=bool)
        w = est["suppression_reason"].astype(object).where(est["suppression_reason"].notna(), "").to_numpy()
        wtag = np.array([f"{rid}: {x}" for x in w], dtype=object)
        why = np.where(s, np.where(why == "", wtag, why + " | " + wtag), why)
        suppressed |= s
        missing = est["estimate"].isna().to_numpy() & ~s & est["n"].isna().to_numpy()
        if missing.any():   # a domain without respondents in one round
            why = np.where(missing, np.where(why == "", f"{rid}: no respondents", why + f" | {rid}: no respondents"),
                           why)
    for r in other_rounds(config):   # every other round: its own column group, no effect on the change
        est = sel[sel["round"].astype(str) == r.id].set_index(keys).reindex(idx)
        for col, src in zip(round_group_columns(r.id), ("estimate", "se", "ci_low", "ci_high", "n", "reliability")):
            out[col] = est[src].astype("Int64").to_numpy() if src == "n" else (
                est[src].astype(object).to_numpy() if src == "reliability" else est[src].to_numpy(dtype=float))
    ch = change.copy()
    for k in keys:
        ch[k] = ch[k].astype(str)
    ch = ch.set_index(keys).reindex(idx)
    out["change"] = ch["change"].to_numpy(dtype=float)
    out["change_se"] = ch["se"].to_numpy(dtype=float)
    out["change_ci_low"] = ch["ci_low"].to_numpy(dtype=float)
    out["change_ci_high"] = ch["ci_high"].to_numpy(dtype=float)
    out["change_p_value"] = ch["p_value"].to_numpy(dtype=float)
    out["p_value_bh"] = ch["p_value_bh"].to_numpy(dtype=float) if "p_value_bh" in ch else np.nan
    blank_change = suppressed | out["baseline"].isna().to_numpy() | out["endline"].isna().to_numpy()
    for c in ("change", "change_se", "change_ci_low", "change_ci_high", "change_p_value", "p_value_bh"):
        out[c] = out[c].where(~blank_change, np.nan)
    sig = pd.array(ch["significant_bh"].to_numpy(dtype=object), dtype="boolean") if "significant_bh" in ch \
        else pd.array([pd.NA] * len(out), dtype="boolean")
    sig[blank_change | np.isnan(out["p_value_bh"].to_numpy(dtype=float))] = pd.NA
    out["significant_bh"] = sig
    out["comparable"] = bool(comparable)
    if with_verdict:
        v = verdicts.copy() if verdicts is not None else pd.DataFrame(columns=keys)
        for k in keys:
            v[k] = v[k].astype(str)
        v = v.set_index(keys).reindex(idx)
        for c in ("target", "national_rate", "gap_to_national"):
            out[c] = v[c].to_numpy(dtype=float) if c in v else np.nan
        out["national_year"] = pd.array(pd.to_numeric(v["national_year"], errors="coerce"), dtype="Int64") \
            if "national_year" in v else pd.array([pd.NA] * len(out), dtype="Int64")
        for c in ("verdict", "verdict_zh", "verdict_en", "versus_national"):
            out[c] = v[c].astype(object).where(v[c].notna(), None).to_numpy() if c in v else None
        out["gap_to_national"] = out["gap_to_national"].where(~np.isnan(out["endline"].to_numpy(dtype=float)),
                                                              np.nan)
    out["reliability_reason"] = reasons
    out["suppressed"] = suppressed
    out["suppression_reason"] = np.where(suppressed | (why != ""), why, None)
    out["suppression_reason"] = out["suppression_reason"].where(out["suppression_reason"] != "", None)
    extra = tuple(r.id for r in other_rounds(config))
    return out[evaluator_columns(with_lead, with_verdict, other_rounds=extra)].reset_index(drop=True)


def add_model_columns(table: pd.DataFrame, small_area: pd.DataFrame, config: dict) -> pd.DataFrame:
    """An evaluator table with the small-area model's figure beside each round's direct one.

    For each round: ``<role>_model`` with its interval (``literacy.sae``; blank where the cell
    was not modelled, e.g. a level other than the modelled ones), ``<role>_published`` (the
    figure to publish: direct where the NCHS standard says present, else the labelled
    model-based one) and ``<role>_published_source`` (direct | model | none), so no lead
    department faces a blank cell without a labelled estimate.

    Parameters
    ----------
    table : DataFrame
        An evaluator table (:func:`evaluator_table`).
    small_area : DataFrame
        The small-area table (:func:`literacy.assessment.small_area.small_area_table`).
    config : dict
        The validated config.

    Returns
    -------
    DataFrame
        ``table`` with the model's and the published figures of each round.
    """
    base_id, end_id = round_roles(config)
    out = table.copy()
    sa = small_area.copy()
    for k in ("round", "breakdown", "domain", "level"):
        sa[k] = sa[k].astype(str)
    idx = pd.MultiIndex.from_frame(out[["breakdown", "domain", "level"]].astype(str))
    extra = tuple(r.id for r in other_rounds(config))
    for role, rid in (("baseline", base_id), *((f"round_{x}", x) for x in extra), ("endline", end_id)):
        s = sa[sa["round"] == rid].set_index(["breakdown", "domain", "level"]).reindex(idx)
        out[f"{role}_model"] = s["model_estimate"].to_numpy(dtype=float)
        out[f"{role}_model_ci_low"] = s["model_ci_low"].to_numpy(dtype=float)
        out[f"{role}_model_ci_high"] = s["model_ci_high"].to_numpy(dtype=float)
        out[f"{role}_published"] = s["published"].to_numpy(dtype=float)
        out[f"{role}_published_source"] = s["source"].astype(object).where(s["source"].notna(), None).to_numpy()
    lead = "lead_zh" in out.columns
    verdict = "verdict" in out.columns
    return out[evaluator_columns(lead, verdict, with_model=True, other_rounds=extra)].reset_index(drop=True)


def evaluator_specs(config: dict) -> list[tuple[str, tuple[str, ...], bool, bool]]:
    """The evaluator tables: (name, breakdowns, with_lead, with_verdict), in workbook order.

    headline_levels (the city, every level), districts, key_groups, demographics (every
    single-column breakdown but district: sex, age band, education, urban/rural) and
    district_groups (the configured crossings with the key groups).

    Parameters
    ----------
    config : dict
        The validated config.

    Returns
    -------
    list of tuple
        ``(name, breakdowns, with_lead, with_verdict)``.
    """
    singles = [b[0] for b in config["breakdowns"] if len(b) == 1]
    crossed = ["+".join(b) for b in config["breakdowns"] if "group" in b]
    specs = [("headline_levels", ("city",), False, True)]
    if "district" in singles:
        specs.append(("districts", ("district",), False, True))
    if config["groups"]:
        specs.append(("key_groups", ("group",), True, True))
    demo = tuple(b for b in singles if b != "district")
    if demo:
        specs.append(("demographics", demo, False, False))
    if crossed:
        specs.append(("district_groups", tuple(crossed), True, False))
    return specs


def evaluator_tables(estimates: pd.DataFrame, change: pd.DataFrame, verdicts: pd.DataFrame,
                     config: dict, comparable: bool = True) -> dict[str, pd.DataFrame]:
    """Every evaluator table of :func:`evaluator_specs`, by name.

    Parameters
    ----------
    estimates : DataFrame
        The flagged estimates of every round.
    change : DataFrame
        The change table (suppression propagated).
    verdicts : DataFrame
        :func:`literacy.assessment.verdicts.target_verdicts`.
    config : dict
        The validated config.
    comparable : bool
        Whether the rounds' figures can be compared.

    Returns
    -------
    dict of str -> DataFrame
        :func:`evaluator_table` of each spec, by name.
    """
    return {name: evaluator_table(estimates, change, verdicts, config, b, with_lead=lead, with_verdict=verdict,
                                  comparable=comparable)
            for name, b, lead, verdict in evaluator_specs(config)}


# --------------------------------------------------------------------------- part scores
def part_means(design, config: dict, round_id: str,
               breakdowns: tuple[str, ...] = ("city", "district", "group")) -> pd.DataFrame:
    """Design-based mean score of each questionnaire part (and the total) by domain.

    Parameters
    ----------
    design : SurveyDesign
        The round's design; its data holds ``score_<part>`` and ``score``.
    config : dict
        The validated config (``scoring.parts``, ``reporting.min_n``, estimation level).
    round_id : str
        Written into the ``round`` column.
    breakdowns : tuple of str
        Breakdowns of the config to include (the city, districts and key groups).

    Returns
    -------
    DataFrame with ``PART_COLUMNS``: the mean (``SurveyDesign.mean``, Taylor SE, t interval
    on the domain's degrees of freedom), the mean as a share of the part's points
    (comparable across parts), the difference from the city's mean of the same part, and
    the small-cell suppression (domains below ``reporting.min_n`` are blanked).
    """
    parts = config["scoring"]["parts"]
    columns = [f"score_{p}" for p in parts] + ["score"]
    info = {f"score_{p}": (p, str(spec[1]), str(spec[2]), float(spec[0])) for p, spec in parts.items()}
    info["score"] = (_TOTAL[0], _TOTAL[1], _TOTAL[2], float(config["scoring"]["max_score"]))
    conf = float(config["estimation"]["level"])
    leads = _group_leads(config)
    frames = []
    for spec in domain_specs(config):
        if spec.breakdown not in breakdowns:
            continue
        by = list(spec.by) or None
        res = design.mean(columns, by=by, ci="wald", level=conf)
        keys = res[list(spec.by)] if spec.by else pd.DataFrame(index=res.index)
        if spec.group is not None:
            member = keys[f"group_{spec.group['code']}"].astype(int) == 1
            res, keys = res[member], keys[member]
        labels = domain_labels(config, spec, keys if spec.by else res)
        part = pd.concat([labels.reset_index(drop=True), res.reset_index(drop=True)[
            ["variable", "estimate", "se", "ci_low", "ci_high", "df", "n", "deff"]]], axis=1)
        part.insert(0, "breakdown", spec.breakdown)
        # the total score's quartiles (R's svyquantile: qrule "math", Woodruff intervals)
        quant = design.quantile("score", q=tuple(SCORE_QUANTILES.values()), by=by, level=conf)
        if spec.group is not None:
            quant = quant[quant[f"group_{spec.group['code']}"].astype(int) == 1]
        qkeys = labels["domain"].to_numpy()
        nq = len(SCORE_QUANTILES)
        for k, (name, _) in enumerate(SCORE_QUANTILES.items()):
            rows = quant.iloc[k::nq] if by else quant.iloc[[k]]
            for suffix, col in (("", "estimate"), ("_ci_low", "ci_low"), ("_ci_high", "ci_high")):
                values = dict(zip(qkeys, rows[col].to_numpy(dtype=float)))
                part[f"{name}{suffix}"] = np.where(part["variable"] == "score", part["domain"].map(values), np.nan)
        frames.append(part)
    out = pd.concat(frames, ignore_index=True)
    out.insert(0, "round", str(round_id))
    out["part"] = out["variable"].map(lambda v: info[v][0])
    out["part_zh"] = out["variable"].map(lambda v: info[v][1])
    out["part_en"] = out["variable"].map(lambda v: info[v][2])
    out["max_points"] = out["variable"].map(lambda v: info[v][3]).astype(float)
    out = out.rename(columns={"estimate": "mean"})
    out["mean_share"] = out["mean"] / out["max_points"]
    city = out[out["breakdown"] == "city"].set_index("part")["mean"]
    out["difference_from_city"] = out["mean"] - out["part"].map(city).astype(float)
    code = out["domain"].astype(str)
    is_group = out["breakdown"].str.contains("group").to_numpy()
    out["lead_zh"] = np.where(is_group, [leads.get(c, ("", ""))[0] for c in code], "")
    out["lead_en"] = np.where(is_group, [leads.get(c, ("", ""))[1] for c in code], "")
    # parts in config order, total last, within each domain
    order = {v: i for i, v in enumerate(columns)}
    out["_p"] = out["variable"].map(order)
    out["_d"] = out.groupby(["breakdown", "domain"], sort=False).ngroup()
    out = out.sort_values(["_d", "_p"], kind="stable").reset_index(drop=True)
    min_n = int(config["reporting"]["min_n"])
    small = out["n"].to_numpy(dtype=float) < min_n
    out["suppressed"] = False
    out["suppression_reason"] = ""
    quantile_cols = [f"{n}{s}" for n in SCORE_QUANTILES for s in ("", "_ci_low", "_ci_high")]
    out = suppress_rows(out, small, f"fewer than {min_n} respondents (reporting.min_n)",
                        ["mean", "se", "ci_low", "ci_high", "deff", "mean_share", "difference_from_city",
                         *quantile_cols])
    out["suppression_reason"] = out["suppression_reason"].astype(object).where(out["suppressed"], None)
    return out[PART_COLUMNS]


# --------------------------------------------------------------------------- scorecard
def scorecard_table(config: dict, reported: pd.DataFrame | None) -> pd.DataFrame:
    """Each configured department target against the reported actual.

    Parameters
    ----------
    config : dict
        The validated config (``scorecard.indicators``: code, labels, target, unit, lead
        department, comparison ">=" or "<=").
    reported : DataFrame or None
        The delivery's ``scorecard.csv`` (``SCORECARD_INPUT_COLUMNS``), already validated;
        None when the delivery has none.

    Returns
    -------
    DataFrame with ``SCORECARD_COLUMNS``, one row per configured indicator, in config
    order: status ``met`` (actual at or beyond the target in the indicator's direction),
    ``not_met``, or ``no_report`` (no row, or a blank actual); gap = actual - target.
    """
    sc = config["scorecard"]
    rows = []
    rep = None
    if reported is not None and len(reported):
        rep = reported.assign(indicator=reported["indicator"].astype(str)).set_index("indicator")
    for ind in sc["indicators"]:
        code = ind["code"]
        r = rep.loc[code] if rep is not None and code in rep.index else None
        actual = np.nan if r is None or pd.isna(r["actual"]) else float(r["actual"])
        target = float(ind["target"])
        if np.isnan(actual):
            status = "no_report"
        elif ind["comparison"] == "<=":
            status = "met" if actual <= target else "not_met"
        else:
            status = "met" if actual >= target else "not_met"

        def text(col):
            return "" if r is None or pd.isna(r[col]) else str(r[col])
        rows.append({
            "indicator": code, "indicator_zh": str(ind["zh"]), "indicator_en": str(ind["en"]),
            "lead_zh": ind["lead_zh"], "lead_en": ind["lead_en"],
            "reported_by_zh": text("department_zh"), "reported_by_en": text("department_en"),
            "period": text("period") or sc["period"], "comparison": ind["comparison"], "target": target,
            "actual": actual, "unit_zh": ind["unit_zh"], "unit_en": ind["unit_en"], "gap": actual - target,
            "status": status, "status_zh": STATUS_LABELS[status][0], "status_en": STATUS_LABELS[status][1],
            "note": text("note") if r is not None else "no report in the delivery",
        })
    return pd.DataFrame(rows, columns=SCORECARD_COLUMNS)


def illustrative_scorecard(config: dict, seed: int) -> pd.DataFrame:
    """An illustrative ``scorecard.csv`` for a simulated delivery (not real reports).

    Actuals are drawn around each configured target (0.7 to 1.4 times it, rounded), the
    last indicator is left unreported, and the ``note`` column says the figures are
    illustrative.

    Parameters
    ----------
    config : dict
        The validated config.
    seed : int
        The random seed.

    Returns
    -------
    DataFrame
        ``SCORECARD_INPUT_COLUMNS``.
    """
    rng = np.random.default_rng([int(seed), 5])
    inds = config["scorecard"]["indicators"]
    factor = rng.uniform(0.7, 1.4, size=len(inds))
    rows = []
    for i, (ind, f) in enumerate(zip(inds, factor)):
        actual = None if i == len(inds) - 1 else float(np.round(ind["target"] * f))
        rows.append({
            "indicator": ind["code"], "department_zh": ind["lead_zh"], "department_en": ind["lead_en"],
            "indicator_zh": ind["zh"], "indicator_en": ind["en"], "target": float(ind["target"]), "actual": actual,
            "unit_zh": ind["unit_zh"], "unit_en": ind["unit_en"], "period": config["scorecard"]["period"],
            "note": "illustrative figures written by `literacy simulate`, not department reports / "
                    "模拟示例数据，非部门实际报告",
        })
    return pd.DataFrame(rows, columns=SCORECARD_INPUT_COLUMNS)


# --------------------------------------------------------------------------- methodology
def response_rates(sample: pd.DataFrame, config: dict) -> pd.DataFrame:
    """Sampled adults, respondents and response rates, for the city and each district.

    The weighted rate weights each sampled adult by the inverse of the selection
    probability (AAPOR-style base-weighted response rate).

    Parameters
    ----------
    sample : DataFrame
        The round's sample (``sample.csv``: dispositions and selection probabilities).
    config : dict
        The validated config.

    Returns
    -------
    DataFrame
        ``domain`` (all, then each district), sampled, respondents and the unweighted and weighted rates.
    """
    d = config["design"]
    resp = sample["responded"].to_numpy(dtype=float, na_value=np.nan) == 1
    w = 1.0 / sample[d["selection_prob"]].to_numpy(dtype=float, na_value=np.nan)
    district = sample["district"].astype(str).to_numpy()
    rows = [("all", np.ones(len(sample), dtype=bool))] + [(k, district == k) for k in sorted(set(district))]
    out = []
    for code, m in rows:
        out.append({"domain": code, "sampled": int(m.sum()), "respondents": int((m & resp).sum()),
                    "response_rate": float((m & resp).sum() / m.sum()) if m.any() else np.nan,
                    "response_rate_weighted": float(w[m & resp].sum() / w[m].sum()) if m.any() else np.nan})
    return pd.DataFrame(out)


def design_facts(design) -> dict:
    """Strata, PSUs and design degrees of freedom of a Taylor design (for the methodology).

    Parameters
    ----------
    design : SurveyDesign
        A round's Taylor design.

    Returns
    -------
    dict
        ``respondents``, ``strata``, ``psus``, ``df``.
    """
    st = design.stages[0]
    return {"respondents": int(design.n), "strata": int(st.n_strata), "psus": int(st.n_clusters),
            "df": int(design.degf())}


def methodology_table(config: dict, facts: dict[str, dict], rates: dict[str, pd.DataFrame],
                      estimates: pd.DataFrame, weighting: pd.DataFrame | None) -> pd.DataFrame:
    """How the figures were made, one fact a row (``METHODOLOGY_COLUMNS``).

    Parameters
    ----------
    config : dict
        The validated config.
    facts : dict
        Round id -> :func:`design_facts`.
    rates : dict
        Round id -> :func:`response_rates`.
    estimates : DataFrame
        The flagged estimates of every round (design effects, degrees of freedom).
    weighting : DataFrame, optional
        The weighting diagnostics of every round (``round``, ``stage``, ``domain`` and
        whichever of sum_weights, deff_weighting, n_effective, cv, min, max, max_min_ratio
        it holds); the final stage's city row is reported.

    Returns
    -------
    DataFrame
        ``METHODOLOGY_COLUMNS``.
    """
    rows: list[dict] = []

    def add(section, item, zh, en, round_id="", value=np.nan, text=None):
        rows.append({"section": section, "item": item, "label_zh": zh, "label_en": en, "round": round_id,
                     "value": float(value) if value is not None and not pd.isna(value) else np.nan,
                     "text": text})

    labels = config["survey"]["labels"].get("district", {})
    for r in config["rounds"]:
        rid = str(r["id"])
        if rid in rates:
            for _, row in rates[rid].iterrows():
                dzh, den = ("全市", "city") if row["domain"] == "all" else \
                    tuple(labels.get(row["domain"], [row["domain"], row["domain"]]))
                add("sample", f"sampled:{row['domain']}", f"抽中成年人数（{dzh}）", f"Sampled adults ({den})", rid,
                    row["sampled"])
                add("sample", f"respondents:{row['domain']}", f"有效受访者数（{dzh}）", f"Respondents ({den})", rid,
                    row["respondents"])
                add("sample", f"response_rate:{row['domain']}", f"应答率（{dzh}）", f"Response rate ({den})", rid,
                    row["response_rate"])
                add("sample", f"response_rate_weighted:{row['domain']}", f"加权应答率（{dzh}）",
                    f"Response rate, base-weighted ({den})", rid, row["response_rate_weighted"])
        if rid in facts:
            f = facts[rid]
            add("design", "strata", "分层数", "Strata", rid, f["strata"])
            add("design", "psus", "初级抽样单元数", "Primary sampling units (PSUs)", rid, f["psus"])
            method = f.get("variance", "taylor")
            if method == "taylor":
                add("design", "df", "设计自由度（PSU数减层数）", "Design degrees of freedom (PSUs minus strata)", rid,
                    f["df"])
            else:
                add("design", "variance", "方差估计方法（重复权数，每个重复权数均重新校准）",
                    "Variance method (replicate weights, each replicate calibrated again)", rid, text=method)
                add("design", "replicates", "重复权数个数", "Number of replicates", rid, f["replicates"])
                add("design", "df", "设计自由度（重复权数矩阵的秩减1）",
                    "Design degrees of freedom (rank of the replicate weights minus one)", rid, f["df"])
        if weighting is not None and len(weighting) and "round" in weighting.columns:
            w = weighting[weighting["round"].astype(str) == rid]
            if "domain" in w.columns:
                w = w[w["domain"].astype(str) == "all"]
            if len(w):
                final = w.iloc[-1]
                stage = str(final.get("stage", ""))
                for col, zh, en in (("sum_weights", "权数之和", "Sum of final weights"),
                                    ("deff_weighting", "加权设计效应（Kish）", "Weighting design effect (Kish 1 + CV²)"),
                                    ("n_effective", "有效样本量（加权）", "Effective sample size (weighting)"),
                                    ("cv", "权数变异系数", "Coefficient of variation of the weights"),
                                    ("min", "最小权数", "Smallest weight"), ("max", "最大权数", "Largest weight"),
                                    ("max_min_ratio", "最大/最小权数比", "Largest / smallest weight")):
                    if col in final.index and not pd.isna(final[col]):
                        add("weighting", f"{col}:{stage}", zh, en, rid, final[col])
        headline = config["scoring"]["headline"]
        e = estimates[(estimates["round"].astype(str) == rid) & (estimates["level"] == headline)]
        city = e[e["breakdown"] == "city"]
        if len(city):
            add("design", "deff_city", "全市主指标设计效应", "Design effect, city headline share", rid,
                city["deff"].iloc[0])
        dom = e[e["breakdown"].isin(["district", "group"]) & e["deff"].notna()]
        if len(dom):
            add("design", "deff_median", "区和重点人群主指标设计效应中位数",
                "Median design effect, district and key-group headline shares", rid, dom["deff"].median())
            add("design", "deff_max", "区和重点人群主指标设计效应最大值",
                "Largest design effect, district and key-group headline shares", rid, dom["deff"].max())
        dfs = e[e["breakdown"].isin(["district", "group"])]["df"].dropna()
        if len(dfs):
            add("design", "df_min", "区和重点人群最小自由度", "Smallest degrees of freedom, districts and key groups",
                rid, dfs.min())
        rel = estimates[estimates["round"].astype(str) == rid]
        for code in ("present", "review", "suppress"):
            add("reliability", f"cells_{code}", {"present": "可发布的估计数", "review": "需统计审查的估计数",
                                                 "suppress": "不予发布的估计数"}[code],
                {"present": "Estimates to present", "review": "Estimates flagged for statistical review",
                 "suppress": "Estimates not to present"}[code], rid, int((rel["reliability"] == code).sum()))
        add("reliability", "cells_blanked", "已抑制（留空）的估计数", "Estimates blanked (suppressed)", rid,
            int(rel["suppressed"].sum()))

    sc = config["scoring"]
    comparison = "≥" if sc["inclusive"] else ">"
    add("scoring", "rule", "评分规则", "Scoring rule", text=str(sc["rule"]))
    add("scoring", "max_score", "满分", "Maximum score", value=sc["max_score"])
    for part, spec in sc["parts"].items():
        add("scoring", f"part:{part}", f"{spec[1]}（分值）", f"{spec[2]} (points)", value=float(spec[0]))
    for lv in sc["levels"]:
        add("scoring", f"threshold:{lv['code']}", f"{lv.get('zh', lv['code'])}：总分{comparison}{lv['threshold']}",
            f"{lv.get('en', lv['code'])}: total score {comparison} {lv['threshold']}", value=float(lv["threshold"]),
            text=f"score {comparison} {lv['threshold']}")
    add("scoring", "inclusive", "阈值是否包含本数", "Thresholds inclusive (at least) or not (above)",
        text="true (at least / 及以上)" if sc["inclusive"] else "false (above / 超过)")
    add("scoring", "headline", "主指标", "Headline level", text=str(sc["headline"]))
    add("scoring", "dont_know", "“不知道”和未答", "Don't know and skipped answers", text="score 0 / 计0分")

    est = config["estimation"]
    method = est["method"]
    if method == "taylor":
        text = "Taylor linearisation, strata and PSUs, raking accounted for (residuals on the raking margins)"
    else:
        extra = {"bootstrap": f", {est['replicates']} replicates, seed {est['seed']}",
                 "fay": f", rho {est['rho']}"}.get(method, "")
        text = (f"replicate weights ({method}{extra}) from the strata and PSUs, each replicate raked again "
                "(and trimmed, when configured)")
    add("estimation", "method", "方差估计方法", "Variance estimation", text=text)
    add("estimation", "ci", "置信区间方法", "Confidence interval method",
        text=f"{est['ci']} (t quantile on the domain's design degrees of freedom)")
    add("estimation", "level", "置信水平", "Confidence level", value=float(est["level"]))
    rep = config["reporting"]
    add("reliability", "min_n", "最小发布样本量", "Minimum respondents per published cell", value=rep["min_n"])
    add("reliability", "suppress_unreliable", "不可靠估计是否留空", "Blank the shares the NCHS standard says not to present",
        text="true" if rep["suppress_unreliable"] else "false")
    for k, zh, en in (("min_effective_n", "最小有效样本量", "Minimum effective sample size"),
                      ("small_ci_width", "可直接发布的最大置信区间宽度", "CI width presented without further check"),
                      ("max_ci_width", "置信区间宽度上限（不发布）", "CI width at or above which not presented"),
                      ("max_relative_ci_width", "相对置信区间宽度上限", "Largest relative CI width"),
                      ("min_df", "最小自由度（否则需审查）", "Fewest degrees of freedom without review")):
        add("reliability", f"nchs:{k}", zh, en, value=rep["nchs"][k],
            text="NCHS Data Presentation Standards for Proportions (Parker et al. 2017)")
    out = pd.DataFrame(rows, columns=METHODOLOGY_COLUMNS)
    out["text"] = out["text"].astype(object)
    return out
