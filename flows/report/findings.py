"""The findings the report states in words, drafted from the output tables: the highlights, the
comparability of the rounds' figures (which figure answers which question), the plan's published
baseline beside the re-estimate, the target each domain is judged against, and the drafted
problems and recommendations.

Pure wording of numbers already computed (no estimation here); every sentence is in the
document's language, every number formatted by :mod:`literacy_flows.report.document_text`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import pandas as pd

from literacy.catalog.vocabulary import VERDICT_COUNTS, VERDICT_LABELS, VERSUS_NATIONAL
from literacy_flows.report.document_text import (CONF, Language, as_number, headline_values, int_text,
                                                 level_names, pct_text, pp_ci_text, pp_text,
                                                 target_phrase)

__all__ = ["forms_differ", "comparability_statement", "baseline_statement", "target_statement", "highlight_lines",
           "problems", "RESPONSE_RATE_STANDARD"]

#: The unit response rate below which a nonresponse bias analysis is expected (NCES Statistical
#: Standard 4-4-1, 2012), unless the config's ``quality.response_rate_threshold`` says otherwise.
RESPONSE_RATE_STANDARD = 0.85

#: The verdicts of a domain wholly below what it was judged against (end of period, mid-term).
BELOW = ("not_met", "behind")


def _num(h: Mapping, key: str) -> float:
    return as_number(h.get(key))


def forms_differ(tables: Mapping[str, pd.DataFrame]) -> bool:
    """Whether the rounds answered different questionnaire forms, linked on the IRT scale.

    The linked change carries a linking error (the anchor jackknife) only when the forms differ.

    Parameters
    ----------
    tables : mapping of str to DataFrame
        ``headline`` (its ``linked_*`` rows).

    Returns
    -------
    bool
    """
    h = headline_values(tables["headline"])
    se = _num(h, "linked_se_linking")
    return not math.isnan(_num(h, "linked_change")) and not math.isnan(se) and se > 0


def comparability_statement(tables: Mapping[str, pd.DataFrame], config: dict, L: Language) -> list[str]:
    """When the rounds' forms differ: both changes, and which figure answers which question.

    Parameters
    ----------
    tables : mapping of str to DataFrame
    config : dict
    L : Language

    Returns
    -------
    list of str
        Empty when the rounds answered one form.
    """
    if not forms_differ(tables):
        return []
    h = headline_values(tables["headline"])
    base_r, end_r = h.get("baseline_round") or "", h.get("endline_round") or ""
    lz, le = level_names(config, h.get("level") or config["scoring"]["headline"])
    raw_end, link_end = _num(h, "endline"), _num(h, "linked_endline")
    harder = not math.isnan(raw_end) and not math.isnan(link_end) and link_end > raw_end
    direction = (L.t(f"按{base_r}年问卷的量尺，{end_r}年的比例为{pct_text(link_end)}，高于用{end_r}年问卷原始得分计算的"
                     f"{pct_text(raw_end)}，说明{end_r}年问卷更难。",
                     f"On the {base_r} form's scale the {end_r} share is {pct_text(link_end)}, above the "
                     f"{pct_text(raw_end)} of the {end_r} form's raw scores: the {end_r} form was harder.")
                 if harder else
                 L.t(f"按{base_r}年问卷的量尺，{end_r}年的比例为{pct_text(link_end)}（原始得分口径为{pct_text(raw_end)}）。",
                     f"On the {base_r} form's scale the {end_r} share is {pct_text(link_end)} ({pct_text(raw_end)} on "
                     f"the {end_r} form's raw scores)."))
    question = (("是否按规划进度推进", "Is the city on track?") if h.get("assessment") == "midterm"
                else ("是否达到规划目标", "Was the target met?"))
    return [
        L.t(f"两轮调查使用了不同的问卷（两者通过共同的锚题链接到同一项目反应理论量尺）。{direction}",
            f"The two rounds answered different questionnaire forms, linked through their common anchor items on "
            f"one item-response-theory scale. {direction}"),
        L.t(f"“{question[0]}”请引用原始得分口径的{end_r}年比例{pct_text(raw_end)}：规划目标按当轮问卷总分定义。"
            f"“{lz}水平变化了多少”请引用等值量尺上的变化{pp_text(h.get('linked_change'))}个百分点"
            f"（{CONF}%置信区间 {pp_ci_text(h.get('linked_change_ci_low'), h.get('linked_change_ci_high'), L)}，含等值误差）；"
            f"原始得分的变化{pp_text(h.get('change'))}个百分点混合了素质变化与问卷难度的差异，不宜解读为素质的变化。",
            f"\"{question[1]}\" is answered by the {end_r} share on the raw scores, {pct_text(raw_end)}: the "
            f"plan's target is defined on the round's own questionnaire. \"How much did {le} change?\" is answered "
            f"by the change on the linked scale, {pp_text(h.get('linked_change'))} percentage points ({CONF}% CI "
            f"{pp_ci_text(h.get('linked_change_ci_low'), h.get('linked_change_ci_high'), L)}, linking error "
            f"included); the raw-score change of {pp_text(h.get('change'))} points mixes the change in literacy "
            f"with the difference in the forms' difficulty and should not be read as a change in literacy."),
    ]


def baseline_statement(tables: Mapping[str, pd.DataFrame], config: dict, L: Language) -> list[str]:
    """The plan's published baseline beside this assessment's re-estimate, and why they differ.

    Parameters
    ----------
    tables : mapping of str to DataFrame
    config : dict
        ``targets.baseline_published``.
    L : Language

    Returns
    -------
    list of str
        Empty when the config publishes no baseline.
    """
    published = (config.get("targets") or {}).get("baseline_published")
    h = headline_values(tables["headline"])
    est, lo, hi = _num(h, "baseline"), _num(h, "baseline_ci_low"), _num(h, "baseline_ci_high")
    if published is None or math.isnan(est):
        return []
    base_r = h.get("baseline_round") or ""
    inside = not (math.isnan(lo) or math.isnan(hi)) and lo <= float(published) <= hi
    why = (L.t("公布值位于重估值的95%置信区间内，两者之差在抽样误差范围内。",
               "The published figure lies inside the re-estimate's 95% CI: the difference is within sampling error.")
           if inside else
           L.t("公布值在重估值的95%置信区间之外：两者的加权方法或样本口径可能不同，请核对公布值的来源。",
               "The published figure lies outside the re-estimate's 95% CI: the two may differ in weighting or in "
               "the sample they cover; check the published figure's source."))
    return [L.t(f"规划公布的{base_r}年基线为{pct_text(published)}；本评估用{base_r}年调查数据按与{h.get('endline_round') or ''}年"
                f"相同的加权与估计方法重新估计为{pct_text(est)}（95%置信区间 {pct_text(lo)}–{pct_text(hi)}）。{why}"
                "变化以重估值为基线计算，使两轮按同一方法比较；目标判定只看评估轮的比例，与基线取值无关。",
                f"The plan published a {base_r} baseline of {pct_text(published)}; this assessment re-estimates it "
                f"from the {base_r} survey with the same weighting and estimation as the later round: "
                f"{pct_text(est)} ({CONF}% CI {pct_text(lo)} to {pct_text(hi)}). {why} The change is measured from "
                "the re-estimate, so that both rounds are measured the same way; the target verdict reads the "
                "assessed round's share only and does not depend on the baseline.")]


def target_statement(df: pd.DataFrame, config: dict, L: Language) -> str:
    """Which target the domains of a table are judged against.

    Parameters
    ----------
    df : DataFrame
        An evaluator table (``target`` column).
    config : dict
    L : Language

    Returns
    -------
    str
    """
    city = float(config["targets"]["headline"])
    if not any(r.get("role") == "endline" for r in config["rounds"]):
        due = pd.to_numeric(df.get("target", pd.Series(dtype=float)), errors="coerce").dropna()
        due_text = pct_text(due.iloc[0]) if len(due) else ""
        return L.t(f"中期评估：各区和重点人群均对照全市按期进度值{due_text}判定（基线至{config['targets']['year']}年目标"
                   f"{pct_text(city)}的直线上该年应达到的比例）。",
                   f"Mid-term assessment: every district and key group is read against the city's share due by then, "
                   f"{due_text} (on the straight line from the baseline to the {config['targets']['year']} target of "
                   f"{pct_text(city)}).")
    targets = pd.to_numeric(df.get("target", pd.Series(dtype=float)), errors="coerce").dropna().unique()
    if len(targets) <= 1 and (not len(targets) or abs(float(targets[0]) - city) < 1e-12):
        return L.t(f"规划未对各区和重点人群分别设定目标，均以全市目标{pct_text(city)}判定。",
                   f"The plan sets no target of its own for districts and key groups: each is judged against the "
                   f"city's target of {pct_text(city)}.")
    return L.t(f"目标列为规划对该区或重点人群设定的目标；规划未单独设定目标的，以全市目标{pct_text(city)}判定。",
               f"The target column is the plan's own target for a district or key group; where the plan sets none, "
               f"the city's target of {pct_text(city)}.")


def _verdict_lists(df: pd.DataFrame, level: str, L: Language) -> dict[str, list[str]]:
    if "verdict" not in df.columns:
        return {}
    rows = df[df["level"].astype(str) == level]
    return {k: [L.col(r, "label") for _, r in rows.iterrows() if str(r["verdict"]) == k] for k in VERDICT_COUNTS}


def _response_rate(tables: Mapping[str, pd.DataFrame], round_id: str) -> float:
    m = tables.get("methodology")
    if m is None:
        return math.nan
    hit = m[(m["item"].astype(str) == "response_rate:all") & (m["round"].astype(str) == str(round_id))]
    return as_number(hit.iloc[0]["value"]) if len(hit) else math.nan


def highlight_lines(tables: Mapping[str, pd.DataFrame], config: dict, L: Language, level: str) -> list[str]:
    """The highlights: the figures an evaluator cites first, one line each.

    Parameters
    ----------
    tables : mapping of str to DataFrame
    config : dict
    L : Language
    level : str
        The headline level.

    Returns
    -------
    list of str
    """
    h = headline_values(tables["headline"])
    lz, le = level_names(config, level)
    end_r, base_r = h.get("endline_round") or "", h.get("baseline_round") or ""
    verdict = h.get("verdict") or ""
    out = []
    if h.get("endline") is not None:
        out.append(L.t(f"{end_r}年全市{lz}的公民比例为{pct_text(h['endline'])}（{CONF}%置信区间 {pct_text(h.get('endline_ci_low'))}–"
                       f"{pct_text(h.get('endline_ci_high'))}），对照{target_phrase(h, L)}："
                       f"{VERDICT_LABELS.get(verdict, (verdict, verdict))[0]}。",
                       f"{end_r}: {pct_text(h['endline'])} of the city's adults had {le} ({CONF}% CI "
                       f"{pct_text(h.get('endline_ci_low'))} to {pct_text(h.get('endline_ci_high'))}); against "
                       f"{target_phrase(h, L)}: {VERDICT_LABELS.get(verdict, (verdict, verdict))[1]}."))
    if forms_differ(tables):
        out.append(L.t(f"素质水平的变化（等值量尺）：{pp_text(h.get('linked_change'))}个百分点（{CONF}%置信区间 "
                       f"{pp_ci_text(h.get('linked_change_ci_low'), h.get('linked_change_ci_high'), L)}）；原始得分变化"
                       f"{pp_text(h.get('change'))}个百分点受两轮问卷难度不同的影响。",
                       f"Change in literacy (linked scale): {pp_text(h.get('linked_change'))} points ({CONF}% CI "
                       f"{pp_ci_text(h.get('linked_change_ci_low'), h.get('linked_change_ci_high'), L)}); the "
                       f"raw-score change of {pp_text(h.get('change'))} points is affected by the forms' different "
                       f"difficulty."))
    elif h.get("change") is not None:
        out.append(L.t(f"较{base_r}年基线变化{pp_text(h['change'])}个百分点（{CONF}%置信区间 "
                       f"{pp_ci_text(h.get('change_ci_low'), h.get('change_ci_high'), L)}）。",
                       f"Change since {base_r}: {pp_text(h['change'])} points ({CONF}% CI "
                       f"{pp_ci_text(h.get('change_ci_low'), h.get('change_ci_high'), L)})."))
    published = (config.get("targets") or {}).get("baseline_published")
    if published is not None and h.get("baseline") is not None:
        out.append(L.t(f"基线：规划公布{pct_text(published)}，本评估重估为{pct_text(h['baseline'])}（见一、主要发现）。",
                       f"Baseline: {pct_text(published)} as the plan published it, {pct_text(h['baseline'])} as "
                       f"re-estimated here (see section 1)."))
    against = (("全市进度", "the city's trajectory") if h.get("assessment") == "midterm"
               else ("各自目标", "their targets") if (config.get("targets") or {}).get("domains")
               else ("全市目标", "the city target"))
    for name, zh, en in (("districts", "各区", "Districts"), ("key_groups", "重点人群", "Key groups")):
        lists = _verdict_lists(tables[name], level, L)
        parts = [L.t(f"{VERDICT_COUNTS[k][0]}：{'、'.join(v)}", f"{VERDICT_COUNTS[k][1]}: {', '.join(v)}")
                 for k, v in lists.items() if v]
        if parts:
            out.append(L.t(f"{zh}（对照{against[0]}）：", f"{en} (against {against[1]}): ") + L.t("；", "; ").join(parts)
                       + L.t("。", "."))
    if h.get("national_rate") is not None:
        szh, sen = VERSUS_NATIONAL.get(h.get("versus_national") or "", ("", ""))
        out.append(L.t(f"全国水平{pct_text(h['national_rate'])}（{h.get('national_year') or ''}年），全市{szh}。",
                       f"National rate {pct_text(h['national_rate'])} ({h.get('national_year') or ''}): the city is {sen}."))
    rr = _response_rate(tables, end_r)
    n = h.get("endline_n")
    if n is not None:
        out.append(L.t(f"{end_r}年有效受访者{int_text(n)}人" + (f"，应答率{pct_text(rr)}" if not math.isnan(rr) else "") + "。",
                       f"{end_r}: {int_text(n)} respondents" + (f", response rate {pct_text(rr)}" if not math.isnan(rr)
                                                                 else "") + "."))
    return out


def problems(tables: Mapping[str, pd.DataFrame], config: dict, L: Language, level: str) -> list[tuple[str, str]]:
    """The drafted problems and recommendations: (problem, recommendation) pairs from the findings.

    From: domains below the target (their lead departments), an inconclusive city verdict, a city
    below the national rate, cells not published or flagged for review, a response rate below the
    standard (NCES 4-4-1), and rounds on different forms.

    Parameters
    ----------
    tables : mapping of str to DataFrame
    config : dict
    L : Language
    level : str
        The headline level.

    Returns
    -------
    list of (str, str)
    """
    h = headline_values(tables["headline"])
    end_r = h.get("endline_round") or ""
    lz, le = level_names(config, level)
    out: list[tuple[str, str]] = []
    midterm = h.get("assessment") == "midterm"
    goal = ("按期进度值", "the share due by then,") if midterm else ("目标", "the target of")
    kg = tables["key_groups"]
    kg = kg[(kg["level"].astype(str) == level) & (kg.get("verdict", pd.Series(dtype=str)).astype(str).isin(BELOW))] \
        if "verdict" in kg.columns else kg.iloc[0:0]
    for _, r in kg.iterrows():
        name, lead = L.col(r, "label"), L.col(r, "lead")
        out.append((L.t(f"{name}{lz}的比例为{pct_text(r.get('endline'))}（95%置信区间上限{pct_text(r.get('endline_ci_high'))}），"
                        f"整体低于{goal[0]}{pct_text(r.get('target'))}。",
                        f"{name}: {pct_text(r.get('endline'))} with {le} (upper 95% limit "
                        f"{pct_text(r.get('endline_ci_high'))}), wholly below {goal[1]} {pct_text(r.get('target'))}."),
                    L.t(f"建议牵头部门（{lead}）将其列为下一周期的重点，制定专项措施并设定可监测的阶段目标。",
                        f"The lead department ({lead}) makes it a priority of the next period, with specific measures "
                        f"and milestones that can be monitored.")))
    d = tables["districts"]
    d = d[(d["level"].astype(str) == level) & (d["verdict"].astype(str).isin(BELOW))] if "verdict" in d.columns else d.iloc[0:0]
    for _, r in d.iterrows():
        out.append((L.t(f"{L.col(r, 'label')}的比例为{pct_text(r.get('endline'))}，整体低于{goal[0]}{pct_text(r.get('target'))}。",
                        f"{L.col(r, 'label')}: {pct_text(r.get('endline'))}, wholly below the target of "
                        f"{pct_text(r.get('target'))}."),
                    L.t("建议区政府在下一周期加大科普资源投入，并按重点人群分解任务。",
                        "The district government directs more science-popularisation resources to it in the next "
                        "period, with tasks broken down by key group.")))
    if h.get("verdict") == "behind":
        out.append((L.t(f"全市{end_r}年比例的置信区间整体低于按期进度值{pct_text(h.get('target'))}：按目前进度，"
                        f"{h.get('target_year') or ''}年难以达到目标{pct_text(h.get('target_headline'))}。",
                        f"The city's {end_r} CI is wholly below the {pct_text(h.get('target'))} due by then: at this "
                        f"pace the {pct_text(h.get('target_headline'))} target for {h.get('target_year') or ''} will "
                        f"not be reached."),
                    L.t("建议在规划后半期加大投入，优先落后的区和重点人群，并在下一轮监测中检查进度。",
                        "Step up the measures in the plan's second half, the districts and key groups furthest "
                        "behind first, and check the pace at the next monitoring round.")))
    if h.get("verdict") == "inconclusive":
        out.append((L.t(f"全市{end_r}年比例的置信区间包含目标值，无法判定是否达标。",
                        f"The city's {end_r} CI contains the target: whether it was met cannot be decided."),
                    L.t("建议下一轮按样本量设计（见工作簿的“下轮样本设计”工作表）扩大样本，使区间足够窄，能够作出判定。",
                        "Size the next round by the sample plan (sample_plan table) so that its interval is narrow "
                        "enough to decide.")))
    if h.get("versus_national") == "below":
        out.append((L.t(f"全市比例低于全国水平{pct_text(h.get('national_rate'))}。",
                        f"The city is below the national rate of {pct_text(h.get('national_rate'))}."),
                    L.t("建议对照全国先进城市的做法，重点提升差距最大的人群。",
                        "Learn from the leading cities' practice, starting with the groups furthest behind.")))
    m = tables.get("methodology")
    if m is not None:
        rel = m[(m["round"].astype(str) == str(end_r))]
        review = as_number(rel[rel["item"].astype(str) == "cells_review"]["value"].sum())
        blank = as_number(rel[rel["item"].astype(str) == "cells_blanked"]["value"].sum())
        if blank > 0 or review > 0:
            out.append((L.t(f"{end_r}年有{int_text(blank)}个估计不予发布、{int_text(review)}个需统计审查（样本量小）。",
                            f"{end_r}: {int_text(blank)} estimates not published and {int_text(review)} flagged for "
                            f"review (small samples)."),
                        L.t("建议下一轮对小样本人群（如领导干部和公务员、区内重点人群）补充样本，或继续采用小区域模型估计。",
                            "Add sample for the small groups (cadres, key groups within districts) in the next round, "
                            "or keep using the small-area model.")))
    threshold = float(((config.get("quality") or {}).get("response_rate_threshold")) or RESPONSE_RATE_STANDARD)
    rr = _response_rate(tables, end_r)
    if not math.isnan(rr) and rr < threshold:
        out.append((L.t(f"{end_r}年应答率为{pct_text(rr)}，低于{pct_text(threshold, 0)}。",
                        f"{end_r}: the response rate is {pct_text(rr)}, below {pct_text(threshold, 0)}."),
                    L.t("按NCES统计标准4-4-1，应开展无应答偏差分析；建议改进入户接触与回访，提高应答率。",
                        "By NCES Statistical Standard 4-4-1 a nonresponse bias analysis is due; improve contact and "
                        "call-backs to raise the response rate.")))
    if forms_differ(tables):
        out.append((L.t("两轮问卷不同，原始得分的变化不能直接比较。",
                        "The rounds' questionnaires differ: their raw-score change does not compare directly."),
                    L.t("建议下一轮保留足够的锚题（不少于8题且不少于较短问卷的20%），并继续报告等值量尺上的变化。",
                        "Keep enough anchor items in the next round (at least 8 and at least 20% of the shorter "
                        "form) and keep reporting the change on the linked scale.")))
    return out
