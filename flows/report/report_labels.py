"""Codes as words in the report's language: survey variables and their values, reliability
outcomes, yes/no, the methodology table's values and the methods' names.

The output tables keep codes (``district``/``hainan``, ``present``, ``true``, ``graded``) so that
programs can read them; the report never prints one. Value labels come from the config
(``survey.labels``, ``survey.age_bands``, ``groups``, ``scoring.levels``), the rest from the
output catalog's vocabulary or the wording here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from literacy.catalog.vocabulary import RELIABILITY_LABELS, VARIABLE_NAMES
from literacy_flows.report.document_text import Language, as_number, as_text, fixed_text, int_text, pct_text

__all__ = ["variable_name", "code_label", "reliability_text", "yes_no", "methodology_value", "category_order",
           "NCHS_SOURCE"]

#: The reliability standard, cited once under the reliability rules (zh, en).
NCHS_SOURCE = ("美国国家卫生统计中心《比例数据发布标准》（Parker等，2017）",
               "NCHS Data Presentation Standards for Proportions (Parker et al. 2017)")


def variable_name(variable: str, L: Language) -> str:
    """A survey variable's name (``education`` -> 受教育程度 / Education); a crossing joined by ×.

    Parameters
    ----------
    variable : str
    L : Language

    Returns
    -------
    str
    """
    parts = [VARIABLE_NAMES.get(p, (p, p)) for p in str(variable).split("+")]
    return L.t("×".join(p[0] for p in parts), " × ".join(p[1] for p in parts))


def code_label(config: dict, variable: str, code, L: Language) -> str:
    """A code's label in the report's language, from the config; the code itself when it has none.

    Parameters
    ----------
    config : dict
        The assessment config (``survey.labels``, ``survey.age_bands``, ``groups``, ``scoring.levels``).
    variable : str
        The survey variable (``district``, ``age_band``, ``group``, ``level``, ...).
    code : object
    L : Language

    Returns
    -------
    str
    """
    code = as_text(code)
    pair = (config["survey"]["labels"].get(variable) or {}).get(code)
    if pair is None and variable == "age_band":
        pair = next(((b["zh"], b["en"]) for b in config["survey"]["age_bands"] if str(b["code"]) == code), None)
    if pair is None and variable == "group":
        pair = next(((g["zh"], g["en"]) for g in config["groups"] if str(g["code"]) == code), None)
    if pair is None and variable == "level":
        pair = next(((lv["zh"], lv["en"]) for lv in config["scoring"]["levels"] if str(lv["code"]) == code), None)
    return L.t(str(pair[0]), str(pair[1])) if pair is not None else code


def category_order(config: dict, variable: str) -> list[str]:
    """The codes of a variable in the config's order (the order tables list them in).

    Parameters
    ----------
    config : dict
    variable : str

    Returns
    -------
    list of str
    """
    if variable == "age_band":
        return [str(b["code"]) for b in config["survey"]["age_bands"]]
    if variable == "group":
        return [str(g["code"]) for g in config["groups"]]
    return [str(c) for c in (config["survey"]["labels"].get(variable) or {})]


def reliability_text(code, L: Language) -> str:
    """An NCHS reliability outcome (``present``, ``review``, ``suppress``) in words.

    Parameters
    ----------
    code : object
    L : Language

    Returns
    -------
    str
    """
    text = as_text(code)
    return L.pair(RELIABILITY_LABELS[text]) if text in RELIABILITY_LABELS else text


def yes_no(value, L: Language) -> str:
    """是 / 否 (yes / no) for a flag cell; '' for a blank.

    Parameters
    ----------
    value : object
    L : Language

    Returns
    -------
    str
    """
    text = as_text(value).strip().lower()
    if not text:
        return ""
    return L.t("是", "yes") if text in ("true", "1", "yes") else L.t("否", "no")


_ESTIMATION_TEXT = {
    "taylor": ("泰勒线性化，考虑分层和初级抽样单元，并计入事后加权（以加权边际的残差计算）",
               "Taylor linearisation with strata and PSUs, raking accounted for (residuals on the raking margins)"),
    "replicate": ("重复权数法（由分层和初级抽样单元构造，每个重复权数均重新加权）",
                  "replicate weights built from the strata and PSUs, each replicate raked again"),
}
_CI_TEXT = {
    "logit": ("logit变换区间（t分位数，自由度为该子总体的设计自由度）",
              "logit interval (t quantile on the domain's design degrees of freedom)"),
    "korn_graubard": ("Korn–Graubard区间（t分位数，设计自由度）",
                      "Korn–Graubard interval (t quantile on the design degrees of freedom)"),
    "wald": ("Wald区间（t分位数，设计自由度）", "Wald interval (t quantile on the design degrees of freedom)"),
}


def methodology_value(row: Mapping, config: dict, L: Language) -> str:
    """A row of ``methodology.csv`` as the report prints its value: words for the codes, numbers
    formatted by what they are (counts, shares, widths in percentage points, ratios).

    Parameters
    ----------
    row : mapping
        A row (``section``, ``item``, ``value``, ``text``).
    config : dict
        The assessment config (labels of the levels).
    L : Language

    Returns
    -------
    str
    """
    item = as_text(row.get("item"))
    v, text = as_number(row.get("value")), as_text(row.get("text"))
    has = not math.isnan(v)
    if item == "rule":
        return L.t("分级累计计分（总分按阈值划分各素质水平，每一水平包含更高水平）",
                   "graded (the total score is cut at each level's threshold; each level includes the higher ones)")
    if item == "headline":
        return code_label(config, "level", text, L)
    if item == "inclusive":
        inclusive = text.lower().startswith("true")
        return L.t("是：总分达到阈值即计入（及以上）", "yes: a score at the threshold counts (at least)") if inclusive \
            else L.t("否：总分须超过阈值（超过）", "no: the score must exceed the threshold (above)")
    if item == "dont_know":
        return L.t("计0分", "scored 0")
    if item == "method":
        return L.pair(_ESTIMATION_TEXT["taylor" if text.lower().startswith("taylor") else "replicate"])
    if item == "variance":
        return text
    if item == "ci":
        key = text.split(" ")[0]
        return L.pair(_CI_TEXT.get(key, (text, text)))
    if item == "suppress_unreliable":
        return yes_no(text, L)
    if item.startswith("threshold:"):
        return L.t(f"总分{text.replace('score ', '')}", f"total {text}") if text else fixed_text(v, 0)
    if item in ("nchs:small_ci_width", "nchs:max_ci_width") and has:
        return L.t(f"{fixed_text(100 * v, 0)}个百分点", f"{fixed_text(100 * v, 0)} percentage points")
    if item == "nchs:max_relative_ci_width" and has:
        return pct_text(v, 0)
    if item == "level" and has:
        return pct_text(v, 0)
    if not has:
        return text
    if "rate" in item or item.startswith("share"):
        return pct_text(v)
    if float(v).is_integer():
        return int_text(v)
    if item.startswith(("n_effective", "sum_weights")):
        return int_text(v)
    return fixed_text(v, 2)
