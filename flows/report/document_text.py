"""The evaluation report's words and numbers: values as text in the document's language, and the
summary of findings generated from ``headline.csv`` (no python-docx here).

A blank (suppressed) value is printed as an empty string, never as a number; shares are
percentages with one decimal and changes percentage points with one decimal, as the workbook
prints them; the formatters and the wording are the output catalog's (:mod:`literacy.catalog`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping

import pandas as pd

from literacy.catalog import as_number as catalog_number
from literacy.catalog import column as catalog_column
from literacy.catalog import coefficient_text, count_text, p_value_text, points_text, share_text
from literacy.catalog.vocabulary import SIGNIFICANCE, SOURCE_HEADING, VERDICT_SENTENCES, VERSUS_NATIONAL

__all__ = ["CONF", "SOURCE", "VERDICTS", "VERSUS", "Language", "as_flag", "as_number", "as_text", "ci_text", "city_reason", "fixed_text", "headline_values", "int_text", "is_missing", "level_names", "p_eq_text", "p_text", "pct_text", "pp_ci_text", "pp_text", "round_label", "summary_sentences", "target_phrase", "assessed_stage",
           "reason_text"]

#: The confidence level of every interval in the report (percent).
CONF = 95


# --------------------------------------------------------------------------- numbers as text
def as_number(v) -> float:
    """A float, NaN for blank / None / text that is not a number."""
    return catalog_number(v)


def is_missing(v) -> bool:
    """Whether a cell is blank: None, NaN or a pandas missing value (text is never missing).

    Parameters
    ----------
    v : object

    Returns
    -------
    bool
    """
    return v is None or (isinstance(v, float) and math.isnan(v)) or (not isinstance(v, str) and pd.isna(v))


def pct_text(v, digits: int = 1) -> str:
    """A share as a percentage ('12.1%'); '' for a blank.

    Parameters
    ----------
    v : object
        The share (0.121 = 12.1%).
    digits : int
        Decimals.

    Returns
    -------
    str
    """
    return share_text(v, digits)


def pp_text(v, digits: int = 1) -> str:
    """A change in percentage points with its sign ('+2.6', '−1.0'); '' for a blank.

    Parameters
    ----------
    v : object
        The change on the share scale.
    digits : int
        Decimals.

    Returns
    -------
    str
    """
    return points_text(v, digits, minus="−")


def p_text(v) -> str:
    """A p-value with three decimals, '<0.001' below that; '' for a blank.

    Parameters
    ----------
    v : object

    Returns
    -------
    str
    """
    return p_value_text(v)


def p_eq_text(v) -> str:
    """'<0.001' or '=0.023' (a p-value after 'P')."""
    text = p_text(v)
    return text if text.startswith("<") or not text else f"={text}"


def fixed_text(v, digits: int = 2) -> str:
    """A number with ``digits`` decimals; '' for a blank.

    Parameters
    ----------
    v : object
    digits : int

    Returns
    -------
    str
    """
    return coefficient_text(v, digits)


def int_text(v) -> str:
    """A count, rounded, with thousands separators ('1,234'); '' for a blank.

    Parameters
    ----------
    v : object

    Returns
    -------
    str
    """
    return count_text(v)


def ci_text(lo, hi, fmt: Callable = pct_text, sep: str = " – ") -> str:
    """An interval as 'low – high'; '' when either end is blank.

    Parameters
    ----------
    lo, hi : object
        The interval's ends.
    fmt : callable
        Formats each end (default :func:`pct_text`).
    sep : str
        Between the ends.

    Returns
    -------
    str
    """
    a, b = fmt(lo), fmt(hi)
    return "" if not a or not b else f"{a}{sep}{b}"


def pp_ci_text(lo, hi, L: "Language") -> str:
    """A change's interval: '+1.1至+4.1' / '+1.1 to +4.1' (a dash would read as a minus)."""
    return ci_text(lo, hi, pp_text, L.t("至", " to "))


def as_flag(v) -> bool:
    """A true / false cell as a bool ('true', '1', 'yes' in text); a blank is False.

    Parameters
    ----------
    v : object

    Returns
    -------
    bool
    """
    if isinstance(v, str):
        return v.strip().lower() in ("true", "1", "yes")
    return False if is_missing(v) else bool(v)


def as_text(v) -> str:
    """A cell as text; '' for a blank.

    Parameters
    ----------
    v : object

    Returns
    -------
    str
    """
    return "" if is_missing(v) else str(v)


class Language:
    """The document's language: ``t(zh, en)`` picks the text, ``col(row, 'label')`` the label column."""

    def __init__(self, language: str):
        if language not in ("zh", "en"):
            raise ValueError(f"language must be 'zh' or 'en', not {language!r}")
        self.lang = language

    def t(self, zh: str, en: str) -> str:
        """The text in the document's language.

        Parameters
        ----------
        zh, en : str
            The Chinese and the English text.

        Returns
        -------
        str
        """
        return zh if self.lang == "zh" else en

    def col(self, row: Mapping, stem: str) -> str:
        """A row's ``<stem>_<language>`` label, the other language's when it is blank.

        Parameters
        ----------
        row : mapping
            A table row.
        stem : str
            The column's stem (``label``, ``department``).

        Returns
        -------
        str
        """
        value = row.get(f"{stem}_{self.lang}")
        if is_missing(value):
            value = row.get(f"{stem}_en" if self.lang == "zh" else f"{stem}_zh")
        return as_text(value)

    def header(self, code: str) -> str:
        """An output column's header label in the document's language, from the output catalog.

        Parameters
        ----------
        code : str
            The column's code (``verdict``, ``odds_ratio``, ``p_value``).

        Returns
        -------
        str
        """
        entry = catalog_column(code)
        return self.t(entry.label_zh or code, entry.label_en or code)

    def pair(self, words: tuple[str, str]) -> str:
        """A (zh, en) pair of the vocabulary in the document's language.

        Parameters
        ----------
        words : (str, str)

        Returns
        -------
        str
        """
        return self.t(*words)


# --------------------------------------------------------------------------- the headline
def headline_values(table: pd.DataFrame) -> dict[str, str | None]:
    """headline.csv (key, label_zh, label_en, value) as a dict of texts (None for blank)."""
    return {str(k): (None if is_missing(v) else str(v)) for k, v in zip(table["key"], table["value"])}


def level_names(config: dict, code: str) -> tuple[str, str]:
    """The level's Chinese label and its English name as a noun ('Has scientific literacy' ->
    'scientific literacy', 'Advanced literacy' -> 'advanced literacy')."""
    for lv in config["scoring"]["levels"]:
        if lv["code"] == code:
            en = str(lv["en"])
            en = re.sub(r"^has\s+", "", en[:1].lower() + en[1:])
            return str(lv["zh"]), en
    return code, code


def round_label(config: dict, rid: str | None, L: Language) -> str:
    """A round's label in the document's language (the config's ``label_zh`` / ``label_en``), else its id.

    Parameters
    ----------
    config : dict
        The assessment config.
    rid : str or None
        The round.
    L : Language

    Returns
    -------
    str
    """
    for r in config["rounds"]:
        if str(r["id"]) == str(rid):
            return str(r.get(f"label_{L.lang}") or rid)
    return str(rid)


#: Verdict code -> (zh, en) verdict with its rule (:data:`literacy.catalog.vocabulary.VERDICT_SENTENCES`).
VERDICTS = VERDICT_SENTENCES
#: ``versus_national`` code -> (zh, en) wording.
VERSUS = VERSUS_NATIONAL
#: The heading of a source line, by language.
SOURCE = SOURCE_HEADING


#: A suppression reason's English phrases (literacy.reliability's texts) -> Chinese, in order
#: (the complement's rule before the plain relative width it contains).
_REASON_ZH = (
    (r"NCHS standard: ", "NCHS标准："),
    (r"effective sample size < ([\d.]+)", r"有效样本量<\1"),
    (r"Korn–Graubard CI width >= ([\d.]+)", r"Korn–Graubard置信区间宽度≥\1"),
    (r"complement's relative CI width > ([\d.]+%)", r"补数的相对置信区间宽度>\1"),
    (r"relative CI width > ([\d.]+%)", r"相对置信区间宽度>\1"),
    (r"degrees of freedom < ([\d.]+)", r"自由度<\1"),
    (r"estimate is 0% or 100% \(no events\)", "估计值为0%或100%（无事件）"),
    (r"fewer than (\d+) respondents in a round \(reporting\.min_n\)", r"某轮受访者少于\1人"),
    (r"fewer than (\d+) respondents(?: \(reporting\.min_n\))?", r"受访者少于\1人"),
    (r" \(n = (\d+)\)", r"（n=\1）"),
    (r"(?:baseline|end-of-period|mid-term|endline) (\w+): ", r"\1年："),
    (r"\b(\d{4}): ", r"\1年："),
    (r" \| ", "；"),
    (r"; ", "，"),
)


def reason_text(reason, L: Language) -> str:
    """A suppression reason in the document's language.

    The tables carry :mod:`literacy.reliability`'s English reasons ("2020: NCHS standard: relative
    CI width > 130%"); the Chinese document says them in Chinese ("2020年：NCHS标准：相对置信区间宽度>130%").

    Parameters
    ----------
    reason : str or None
    L : Language

    Returns
    -------
    str
    """
    text = as_text(reason)
    if L.lang == "en" or not text:
        return text
    for pattern, repl in _REASON_ZH:
        text = re.sub(pattern, repl, text)
    return text


def city_reason(tables: Mapping[str, pd.DataFrame], level: str, which: str) -> str:
    """The suppression reason of the city's headline share (``headline_levels``), or ''."""
    hl = tables.get("headline_levels")
    if hl is None or not len(hl):
        return ""
    row = hl[hl["level"].astype(str) == level]
    if not len(row):
        return ""
    reason = as_text(row.iloc[0].get("suppression_reason"))
    if which == "endline" and "|" in reason:   # "2020: ... | 2025: ..." -> the end-of-period part
        reason = reason.split("|")[-1].strip()
    return reason


def assessed_stage(config: dict, L: Language, capital: bool = False) -> str:
    """The assessed round's stage as the tables say it: 末期 / end-of-period, or 中期 / mid-term.

    Parameters
    ----------
    config : dict
        The assessment config (a config without an endline round is a mid-term assessment).
    L : Language
    capital : bool
        The English word at the start of a sentence.

    Returns
    -------
    str
    """
    rounds = (config or {}).get("rounds") or []
    midterm = bool(rounds) and not any(r.get("role") == "endline" for r in rounds)
    en = "mid-term" if midterm else "end-of-period"
    return L.t("中期" if midterm else "末期", en[0].upper() + en[1:] if capital else en)


def target_phrase(h: Mapping, L: Language) -> str:
    """What a verdict was read against, as the sentences say it.

    At the end of the period the plan's target ("规划目标12.0%"); at a mid-term (headline
    ``assessment`` = ``midterm``) the share due by the assessed round on the straight line from the
    baseline to the target ("按规划进度2023年应达到10.8%（2025年目标12.0%）").

    Parameters
    ----------
    h : mapping
        :func:`headline_values` of ``headline.csv``.
    L : Language

    Returns
    -------
    str
    """
    if h.get("assessment") == "midterm":
        end_r, year = h.get("endline_round") or "", h.get("target_year") or ""
        return L.t(f"按规划进度{end_r}年应达到的{pct_text(h.get('target'))}（{year}年目标{pct_text(h.get('target_headline'))}）",
                   f"the {pct_text(h.get('target'))} due by {end_r} on the plan's trajectory (target "
                   f"{pct_text(h.get('target_headline'))} by {year})")
    return L.t(f"规划目标{pct_text(h.get('target'))}", f"the plan's target of {pct_text(h.get('target'))}")


def summary_sentences(tables: Mapping[str, pd.DataFrame], config: dict, language: str = "zh") -> list[str]:
    """The summary of findings, one sentence a fact, generated from ``headline.csv``.

    Shares are printed as percentages with one decimal and changes in percentage points with
    one decimal, exactly as :mod:`literacy_flows.report.workbook` prints the headline. A blank
    (suppressed) end-of-period figure gives a sentence saying it is not published.

    Parameters
    ----------
    tables : mapping of str to DataFrame
        At least ``headline`` (``assessment/headline.csv``); ``headline_levels`` gives the
        reason of a suppressed headline.
    config : dict
        The assessment config (level names, round labels, target).
    language : {"zh", "en"}

    Returns
    -------
    list of str
    """
    L = Language(language)
    h = headline_values(tables["headline"])
    level = h.get("level") or config["scoring"]["headline"]
    lzh, len_ = level_names(config, level)
    lname = L.t(lzh, len_)
    base_r, end_r = h.get("baseline_round") or "", h.get("endline_round") or ""
    out: list[str] = []
    if h.get("endline") is None:
        reason = reason_text(city_reason(tables, level, "endline"), L)
        out.append(L.t(f"{end_r}年全市{lzh}的公民比例不予发布：样本不足以得出可靠估计"
                       + (f"（{reason}）" if reason else "") + "。因此无法对照规划目标作出判定。",
                       f"The city's {end_r} share of adults with {lname} is not published: the sample does not "
                       f"support a reliable estimate" + (f" ({reason})" if reason else "") + ". No verdict against "
                       "the plan's target can therefore be given."))
        return out
    n = int_text(h.get("endline_n"))
    out.append(L.t(f"{end_r}年全市{lzh}的公民比例为{pct_text(h['endline'])}（{CONF}%置信区间 "
                   f"{pct_text(h.get('endline_ci_low'))}–{pct_text(h.get('endline_ci_high'))}，样本量 {n} 人）。",
                   f"In {end_r}, {pct_text(h['endline'])} of the city's adults had {lname} ({CONF}% CI "
                   f"{pct_text(h.get('endline_ci_low'))} to {pct_text(h.get('endline_ci_high'))}; n = {n})."))
    if h.get("change") is not None:
        p = as_number(h.get("change_p_value"))
        sig = (not math.isnan(p)) and p < 0.05
        out.append(L.t(f"与{base_r}年基线（{pct_text(h.get('baseline'))}）相比变化{pp_text(h['change'])}个百分点"
                       f"（{CONF}%置信区间 {pp_text(h.get('change_ci_low'))}至{pp_text(h.get('change_ci_high'))}，"
                       f"P{p_eq_text(p)}），" + SIGNIFICANCE[sig][0],
                       f"Compared with the {base_r} baseline ({pct_text(h.get('baseline'))}) the share changed by "
                       f"{pp_text(h['change'])} percentage points ({CONF}% CI {pp_text(h.get('change_ci_low'))} to "
                       f"{pp_text(h.get('change_ci_high'))}; p {p_eq_text(p)[:1]} {p_eq_text(p)[1:]}), "
                       + SIGNIFICANCE[sig][1]))
    elif h.get("baseline") is None:
        out.append(L.t(f"{base_r}年基线比例不予发布，无法计算变化。",
                       f"The {base_r} baseline share is not published, so no change is given."))
    verdict = h.get("verdict") or ""
    vzh, ven = VERDICTS.get(verdict, (verdict, verdict))
    out.append(L.t(f"对照{target_phrase(h, L)}：{vzh}。", f"Against {target_phrase(h, L)}: {ven}."))
    if h.get("national_rate") is not None:
        szh, sen = VERSUS.get(h.get("versus_national") or "", ("", ""))
        year = h.get("national_year") or ""
        out.append(L.t(f"全国水平为{pct_text(h['national_rate'])}（{year}年）" + (f"，全市{szh}。" if szh else "。"),
                       f"The national rate is {pct_text(h['national_rate'])} ({year})"
                       + (f"; the city is {sen}." if sen else ".")))
    return out


