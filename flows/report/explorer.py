"""The data explorer: one self-contained HTML file with every published figure (issue 27).

``explorer_html(tables, meta)`` turns the assessment's output tables into a single page that
works offline from ``file://`` (no server, nothing fetched): the figures are embedded as JSON, the
style and script inline (:mod:`literacy_flows.report.explorer_assets`, plain JavaScript drawing SVG).
Views: a sortable table, a dot-and-interval chart with the target and national lines, the change
between the baseline and the endline (raw or on the linked scale), and the district x group grid
of small-area cells (model-based cells marked); selecting a domain lists its rows from every
table; "Download CSV" saves the current view; labels switch between Chinese and English.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping

import pandas as pd

from literacy_flows.report.explorer_assets import SCRIPT, STYLE
from literacy.catalog.vocabulary import VARIABLE_NAMES

__all__ = ["explorer_payload", "explorer_html", "explorer_meta", "UI", "BREAKDOWN_NAMES"]

#: Names of the breakdown variables (a crossing joins them with ×).
BREAKDOWN_NAMES = VARIABLE_NAMES

#: Interface strings, Chinese and English.
UI = {
    "zh": {
        "view": "视图", "view_table": "表格", "view_chart": "点线图", "view_change": "变化", "view_grid": "区×群体",
        "round": "轮次", "level": "指标", "kind": "估计类型", "breakdown": "分组", "change_kind": "变化口径",
        "change_raw": "原始得分口径", "change_linked": "等值（链接）量表口径", "download": "下载CSV",
        "domain": "分组", "estimate": "估计值", "ci": "95%置信区间", "n": "样本量", "source": "来源",
        "target": "目标", "verdict": "判定", "baseline": "基线", "endline": "终期", "change": "变化（百分点）",
        "change_ci": "变化95%置信区间", "p_bh": "p值（BH校正）", "comparable": "可比", "yes": "是", "no": "否",
        "src_direct": "直接估计", "src_linked": "链接量表估计", "src_model": "模型估计（小区域）", "small_area_table": "小区域表",
        "national": "全国", "district": "区", "grid_caption": "区×重点人群：小区域估计（◇为模型估计，●为直接估计）",
        "select_hint": "点击或按回车选择一行，可在所有表中查看该分组。", "selected": "已选分组",
        "selected_caption": "该分组在各表中的结果", "methods": "方法说明", "controls": "筛选", "legend": "图例",
        "chart_label": "估计值及95%置信区间", "no_rows": "该组合没有发布的估计。",
        "legend_direct": "● 直接估计（设计基础）", "legend_linked": "▲ 链接量表估计", "legend_model": "◇ 模型估计（小区域）",
        "legend_review": "† 需谨慎解读（NCHS标准）", "legend_suppress": "‡ 不发布（可靠性不足）",
        "legend_sig": "* BH校正后显著", "legend_target": "虚线：目标", "legend_national": "点线：全国水平",
    },
    "en": {
        "view": "View", "view_table": "Table", "view_chart": "Chart", "view_change": "Change", "view_grid": "District × group",
        "round": "Round", "level": "Indicator", "kind": "Estimate", "breakdown": "Breakdown", "change_kind": "Change on",
        "change_raw": "raw scores", "change_linked": "the linked scale", "download": "Download CSV",
        "domain": "Domain", "estimate": "Estimate", "ci": "95% CI", "n": "n", "source": "Source",
        "target": "Target", "verdict": "Verdict", "baseline": "Baseline", "endline": "Endline",
        "change": "Change (points)", "change_ci": "95% CI of change", "p_bh": "p (BH)", "comparable": "Comparable",
        "yes": "yes", "no": "no", "src_direct": "direct", "src_linked": "linked scale",
        "src_model": "model-based (small area)", "small_area_table": "small-area table", "national": "National", "district": "District",
        "grid_caption": "District × key group: small-area estimates (◇ model-based, ● direct)",
        "select_hint": "Click a row (or press Enter on it) to see that domain in every table.",
        "selected": "Selected", "selected_caption": "This domain in every table", "methods": "Methods",
        "controls": "Filters", "legend": "Legend", "chart_label": "Estimates with 95% confidence intervals",
        "no_rows": "No published estimate for this selection.",
        "legend_direct": "● direct (design-based)", "legend_linked": "▲ linked scale", "legend_model": "◇ model-based (small area)",
        "legend_review": "† interpret with care (NCHS standard)", "legend_suppress": "‡ not published (unreliable)",
        "legend_sig": "* significant after BH", "legend_target": "dashed: target", "legend_national": "dotted: national",
    },
}
KINDS = [{"code": "direct", "zh": "直接估计", "en": "Direct"},
         {"code": "linked", "zh": "链接量表", "en": "Linked scale"},
         {"code": "small_area", "zh": "小区域估计", "en": "Small areas"}]

ROLE_LABELS = {"baseline": {"zh": "基线", "en": "baseline"}, "midterm": {"zh": "中期", "en": "mid-term"},
               "endline": {"zh": "终期", "en": "end-of-period"}}

METHODS = [
    {"title": {"zh": "直接估计", "en": "Direct estimates"},
     "text": {"zh": "每个比例都在完整的分层整群抽样设计上估计（分组用指示变量，不取子集），标准误用泰勒线性化（或重复权重），"
                    "置信区间为logit区间；结果与R的survey包一致。",
              "en": "Every share is estimated on the full stratified cluster design (domains by indicator, never "
                    "by subsetting), with Taylor-linearised (or replicate) standard errors and logit intervals; the "
                    "figures agree with R's survey package."}},
    {"title": {"zh": "链接量表与可比性", "en": "The linked scale and comparability"},
     "text": {"zh": "两轮问卷不同时，原始得分的变化不可比；链接量表通过共同题（锚题）把两轮放在同一尺度上，其变化包含链接误差。",
              "en": "When the rounds answered different forms, the change in raw scores is not comparable; the linked "
                    "scale puts both rounds on one scale through the shared (anchor) items, and its change carries the "
                    "linking error."}},
    {"title": {"zh": "小区域估计", "en": "Small areas"},
     "text": {"zh": "样本太少、直接估计不可靠的区×群体单元，用反正弦尺度上的Fay–Herriot模型估计，MSE与区间来自参数自助法，"
                    "并按区的直接估计做比例基准化。",
              "en": "District × group cells too small for a reliable direct estimate get a Fay–Herriot model on the "
                    "arcsine scale, with bootstrap MSE and intervals, ratio-benchmarked to the district's direct "
                    "estimate."}},
    {"title": {"zh": "可靠性规则", "en": "Reliability"},
     "text": {"zh": "按美国NCHS比例发布标准：有效样本量、置信区间宽度和自由度不足的估计标注或不发布。",
              "en": "By the NCHS data presentation standards for proportions: estimates with too small an effective "
                    "sample size, too wide an interval or too few degrees of freedom are flagged or not published."}},
]


def _clean(x):
    """JSON-safe scalar: NaN and None to None, numpy scalars to Python, floats to 6 significant digits."""
    if x is None:
        return None
    if isinstance(x, float) or hasattr(x, "dtype"):
        try:
            v = float(x)
        except (TypeError, ValueError):
            return str(x)
        if math.isnan(v):
            return None
        if isinstance(x, bool) or (hasattr(x, "dtype") and x.dtype == bool):
            return bool(x)
        if v.is_integer() and abs(v) < 1e15 and not isinstance(x, float):
            return int(v)
        return float(f"{v:.6g}")
    return x


def _flag(value) -> bool:
    return str(value).strip().lower() in ("true", "1")


def _estimate_records(df: pd.DataFrame, kind: str) -> list[dict]:
    out = []
    for r in df.itertuples(index=False):
        g = r._asdict()
        if kind == "small_area":
            e, lo, hi, src = g.get("published"), g.get("published_ci_low"), g.get("published_ci_high"), g.get("source")
            sup = src == "none"
            rel = g.get("reliability") if src == "direct" else None
        else:
            e, lo, hi, src = g.get("estimate"), g.get("ci_low"), g.get("ci_high"), None
            sup = _flag(g.get("suppressed"))
            rel = g.get("reliability")
        out.append({"k": kind, "r": str(g["round"]), "b": g["breakdown"], "d": str(g["domain"]),
                    "zh": g.get("label_zh"), "en": g.get("label_en"), "l": g["level"], "e": _clean(e),
                    "lo": _clean(lo), "hi": _clean(hi), "n": _clean(g.get("n")), "rel": _clean(rel),
                    "sup": bool(sup), "src": src})
    return out


def _change_records(df: pd.DataFrame, kind: str) -> list[dict]:
    out = []
    for r in df.itertuples(index=False):
        g = r._asdict()
        cmp = g.get("comparable")
        out.append({"k": kind, "b": g["breakdown"], "d": str(g["domain"]), "zh": g.get("label_zh"),
                    "en": g.get("label_en"), "l": g["level"], "r0": str(g.get("baseline_round")),
                    "r1": str(g.get("endline_round")), "e0": _clean(g.get("baseline")), "e1": _clean(g.get("endline")),
                    "c": _clean(g.get("change")), "lo": _clean(g.get("ci_low")), "hi": _clean(g.get("ci_high")),
                    "p": _clean(g.get("p_value_bh")), "sig": _flag(g.get("significant_bh")),
                    "cmp": None if cmp is None or (isinstance(cmp, float) and math.isnan(cmp)) else _flag(cmp),
                    "sup": _flag(g.get("suppressed"))})
    return out


def explorer_payload(tables: Mapping[str, pd.DataFrame], meta: Mapping) -> dict:
    """The explorer's data: every published estimate, change and verdict, with labels.

    Parameters
    ----------
    tables : mapping of str to DataFrame
        ``estimates`` (every round's direct estimates), and where present ``estimates_linked``,
        ``small_area``, ``change``, ``change_linked``, ``verdicts``: the assessment's output tables.
    meta : mapping
        ``title`` and ``subtitle`` ({zh, en}), ``rounds`` ([{id, role}] in order), ``levels``
        ([{code, zh, en}], the headline first), ``breakdowns`` ([{code, zh, en}]), ``target``,
        ``national`` ({rate, year}) and optionally ``methods`` and ``comparability`` ({zh, en}).

    Returns
    -------
    dict
        The JSON payload the page's script reads.
    """
    est = _estimate_records(tables["estimates"], "direct")
    if tables.get("estimates_linked") is not None:
        est += _estimate_records(tables["estimates_linked"], "linked")
    sa = tables.get("small_area")
    if sa is not None:
        est += _estimate_records(sa, "small_area")
    changes = _change_records(tables["change"], "raw") if tables.get("change") is not None else []
    linked = tables.get("change_linked")
    if linked is not None:
        changes += _change_records(linked, "linked")
    verdicts = []
    if tables.get("verdicts") is not None:
        for r in tables["verdicts"].itertuples(index=False):
            g = r._asdict()
            verdicts.append({"r": str(g["round"]), "b": g["breakdown"], "d": str(g["domain"]), "l": g["level"],
                             "t": _clean(g.get("target")), "v": g.get("verdict"), "zh": g.get("verdict_zh"),
                             "en": g.get("verdict_en")})
    kinds_of: dict[str, set] = {}
    for r in est:
        kinds_of.setdefault(r["b"], set()).add(r["k"])
    with_change = {c["b"] for c in changes}
    labels = {b["code"]: b for b in meta.get("breakdowns", [])}
    breakdowns = [{"code": b, "zh": labels.get(b, {}).get("zh", b), "en": labels.get(b, {}).get("en", b),
                   "kinds": sorted(k), "change": b in with_change} for b, k in kinds_of.items()]
    grid = next((b for b in kinds_of if "small_area" in kinds_of[b] and b.count("+") == 1), None)
    raw_comparable = [c["cmp"] for c in changes if c["k"] == "raw" and c["cmp"] is not None]
    forms_differ = bool(linked is not None and len(linked)) and not all(raw_comparable or [True])
    levels = list(meta["levels"])
    return {
        "lang": meta.get("lang", "zh"), "title": meta["title"], "subtitle": meta.get("subtitle", {"zh": "", "en": ""}),
        "rounds": [{"id": str(r["id"]), "role": r.get("role"),
                    "role_label": ROLE_LABELS.get(r.get("role"), {"zh": "", "en": ""})} for r in meta["rounds"]],
        "levels": levels, "headline_level": levels[0]["code"], "breakdowns": breakdowns, "kinds": KINDS,
        "grid_breakdown": grid, "target": _clean(meta.get("target")), "national": meta.get("national"),
        "estimates": est, "changes": changes, "verdicts": verdicts, "methods": meta.get("methods", METHODS),
        "forms_differ": forms_differ,
        "comparability": meta.get("comparability", {
            "zh": "两轮问卷不同：原始得分的变化不可比，请看链接量表口径的变化。",
            "en": "The rounds answered different forms: the raw-score change is not comparable; read the change on the "
                  "linked scale."}),
        "ui": UI,
    }


def explorer_html(tables: Mapping[str, pd.DataFrame], meta: Mapping) -> str:
    """The explorer page: one HTML string with the data, style and script inline.

    See :func:`explorer_payload` for the arguments.
    """
    payload = json.dumps(explorer_payload(tables, meta), ensure_ascii=False, separators=(",", ":"),
                         allow_nan=False)
    payload = payload.replace("</", "<\\/")                 # never closes the script element early
    title = meta["title"]
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title['zh']}</title><style>{STYLE}</style></head>"
        '<body><div id="app" aria-live="polite"></div>'
        f'<script type="application/json" id="explorer-data">{payload}</script>'
        f"<script>{SCRIPT}</script></body></html>\n"
    )


def _breakdown_label(code: str) -> dict:
    parts = [BREAKDOWN_NAMES.get(p, (p, p)) for p in code.split("+")]
    return {"code": code, "zh": "×".join(p[0] for p in parts), "en": " × ".join(p[1] for p in parts)}


def explorer_meta(config: dict, breakdowns: list[str]) -> dict:
    """The explorer's labels from the assessment config: title, rounds and roles, levels (the
    headline first), breakdown names, the target and the latest national figure."""
    levels = config["scoring"]["levels"]
    headline = config["scoring"]["headline"]
    ordered = [lv for lv in levels if lv["code"] == headline] + [lv for lv in levels if lv["code"] != headline]
    rounds = config["rounds"]
    national = (config.get("targets") or {}).get("national") or {}
    latest = national.get(str(rounds[-1]["id"])) if national else None
    first, last = rounds[0], rounds[-1]
    return {
        "title": {"zh": f"{config['assessment']['name_zh']} · 数据浏览",
                  "en": f"{config['assessment']['name_en']}: data explorer"},
        "subtitle": {"zh": f"{first['label_zh']}—{last['label_zh']}", "en": f"{first['label_en']} — {last['label_en']}"},
        "rounds": [{"id": str(r["id"]), "role": r.get("role")} for r in rounds],
        "levels": [{"code": lv["code"], "zh": lv["zh"], "en": lv["en"]} for lv in ordered],
        "breakdowns": [_breakdown_label(b) for b in breakdowns],
        "target": (config.get("targets") or {}).get("headline"),
        "national": {"rate": latest["rate"], "year": latest["year"]} if latest else None,
    }

