"""The report's sentences about the rounds (issue 23): the mid-term statement and the trend.

Pure functions returning plain strings (zh or en), for the evaluation report, the command line
and the notebooks to print; an empty string when there is nothing to say (an endline
assessment has no mid-term statement; a trend needs two rounds). The report's sections wire them
in (:mod:`literacy_flows.report.document_sections`).
"""

from __future__ import annotations

import math

import pandas as pd

from literacy.assessment.schedule import baseline_round, is_midterm_assessment, survey_rounds
from literacy.catalog.formats import p_value_text, points_text, share_text
from literacy.catalog.vocabulary import VERDICT_SENTENCES

__all__ = ["midterm_statement", "trend_statement", "rounds_statement"]

_ROLE_WORDS = {"baseline": ("基线", "baseline"), "endline": ("末期", "end of period"),
               "midterm": ("中期评估", "mid-term"), "annual": ("年度监测", "annual monitoring"),
               "round": ("调查", "survey round")}


def _conf(config: dict) -> int:
    return int(round(100 * float(config["estimation"]["level"])))


def _missing(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def _p_eq(p: float, spaced: bool = True) -> str:
    """'= 0.432' or '< 0.001' ('=0.432', '<0.001' unspaced)."""
    text = p_value_text(p)
    op, num = ("<", text[1:]) if text.startswith("<") else ("=", text)
    return f" {op} {num}" if spaced else f"{op}{num}"


def _level_names(config: dict, code: str) -> tuple[str, str]:
    for lv in config["scoring"]["levels"]:
        if lv["code"] == code:
            return str(lv["zh"]), str(lv["en"])
    return code, code


def rounds_statement(config: dict, lang: str = "en") -> str:
    """The rounds the assessment uses, in year order, with their roles.

    Parameters
    ----------
    config : dict
        The validated config.
    lang : str
        ``"zh"`` or ``"en"``.

    Returns
    -------
    str
        '本评估使用3轮调查：2020年（基线）、2023年（中期评估）、2025年（末期）。' /
        'The assessment uses 3 survey rounds: 2020 (baseline), 2023 (mid-term), 2025 (end of period).'
    """
    rounds = survey_rounds(config)
    if lang == "zh":
        listed = "、".join(f"{r.year}年（{_ROLE_WORDS.get(r.role, (r.role, r.role))[0]}）" for r in rounds)
        return f"本评估使用{len(rounds)}轮调查：{listed}。"
    listed = ", ".join(f"{r.year} ({_ROLE_WORDS.get(r.role, (r.role, r.role))[1]})" for r in rounds)
    return f"The assessment uses {len(rounds)} survey rounds: {listed}."


def midterm_statement(headline: dict, config: dict, lang: str = "en") -> str:
    """The mid-term verdict in words: the latest round against the target's trajectory.

    Parameters
    ----------
    headline : dict
        The headline (:func:`literacy.assessment.verdicts.headline`: ``endline_round`` is the
        assessed round, ``target`` the share due by then, ``target_headline`` and
        ``target_year`` the plan's target).
    config : dict
        The validated config.
    lang : str
        ``"zh"`` or ``"en"``.

    Returns
    -------
    str
        '' for an endline assessment.
    """
    if not is_midterm_assessment(config):
        return ""
    zh, en = _level_names(config, headline["level"])
    base = baseline_round(config)
    start = config["targets"].get("baseline_published")
    start = headline.get("baseline") if start is None else start
    year = headline["endline_round"]
    years = {r.id: r.year for r in survey_rounds(config)}
    y, y_target = years.get(str(year), year), int(config["targets"]["year"])
    due, target = headline.get("target"), config["targets"]["headline"]
    verdict = VERDICT_SENTENCES.get(str(headline.get("verdict")), (str(headline.get("verdict")),) * 2)
    c = _conf(config)
    if lang == "zh":
        return (f"本次为中期评估（{y}年；规划目标年份{y_target}年）。按{base.year}年基线{share_text(start)}至"
                f"{y_target}年目标{share_text(target)}的直线进度，{y}年应达到{share_text(due)}；"
                f"全市{y}年{zh}的公民比例为{share_text(headline.get('endline'))}（{c}%置信区间"
                f"{share_text(headline.get('endline_ci_low'))}–{share_text(headline.get('endline_ci_high'))}），"
                f"判定：{verdict[0]}。")
    return (f"This is a mid-term assessment ({y}; the target is due in {y_target}). On a straight line from the "
            f"{base.year} baseline of {share_text(start)} to the {y_target} target of {share_text(target)}, "
            f"{share_text(due)} is due by {y}; the city's share ({en}) in {y} is "
            f"{share_text(headline.get('endline'))} ({c}% CI {share_text(headline.get('endline_ci_low'))} to "
            f"{share_text(headline.get('endline_ci_high'))}): {verdict[1]}.")


def trend_statement(trend: pd.DataFrame, config: dict, lang: str = "en") -> str:
    """The city's linear trend over every round at the headline level, in one sentence.

    Parameters
    ----------
    trend : DataFrame
        ``assessment/trend.csv`` (:func:`literacy.assessment.trend.trend_table`).
    config : dict
        The validated config.
    lang : str
        ``"zh"`` or ``"en"``.

    Returns
    -------
    str
        '' when the city has no trend (fewer than two rounds with a published estimate).
    """
    level = config["scoring"]["headline"]
    row = trend[(trend["breakdown"].astype(str) == "city") & (trend["level"].astype(str) == level)]
    if not len(row) or _missing(float(row["slope"].iloc[0])):
        return ""
    r = row.iloc[0]
    zh, en = _level_names(config, level)
    c = _conf(config)
    k, y0, y1 = int(r["n_rounds"]), int(r["first_year"]), int(r["last_year"])
    slope, lo, hi, p = (float(r[x]) for x in ("slope", "slope_ci_low", "slope_ci_high", "p_value"))
    sig = p < 1 - float(config["estimation"]["level"])
    nl = r.get("nonlinearity_p")
    nl = None if nl is None or pd.isna(nl) else float(nl)
    if lang == "zh":
        s = (f"{y0}—{y1}年{k}轮调查中，全市{zh}的公民比例的线性趋势为每年{points_text(slope, 2)}个百分点"
             f"（{c}%置信区间{points_text(lo, 2)}至{points_text(hi, 2)}，P{_p_eq(p, False)}），"
             f"{'趋势显著' if sig else '趋势不显著'}")
        if nl is not None:
            s += f"；偏离线性检验P{_p_eq(nl, False)}"
        return s + "。"
    s = (f"Over the {k} rounds {y0}–{y1}, the city's share ({en}) changed by {points_text(slope, 2)} "
         f"points a year on a linear trend ({c}% CI {points_text(lo, 2)} to {points_text(hi, 2)}; p{_p_eq(p)}): "
         f"{'a significant trend' if sig else 'no significant trend'}")
    if nl is not None:
        s += f"; departure from linearity p{_p_eq(nl)}"
    return s + "."
