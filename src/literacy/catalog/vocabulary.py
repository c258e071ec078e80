"""The words of the outputs in Chinese and English: verdicts, significance, reliability, sources.

One place for every phrase that more than one output prints, so the workbook, the CSV tables,
the report documents, the headline and the command line say the same thing. Each entry is a
``(zh, en)`` pair unless said otherwise.
"""

from __future__ import annotations

from literacy.catalog.rounds_columns import (MIDTERM_VERDICT_COUNTS, MIDTERM_VERDICT_LABELS, MIDTERM_VERDICT_NOTE,
                                             MIDTERM_VERDICT_SENTENCES, MIDTERM_VERDICT_TERSE_EN)

__all__ = ["VARIABLE_NAMES", "VERDICT_LABELS", "VERDICT_SENTENCES", "VERDICT_TERSE_EN", "VERDICT_COUNTS", "VERDICT_NOTE",
           "VERSUS_NATIONAL", "STATUS_LABELS", "RELIABILITY_LABELS", "SIGNIFICANCE", "SOURCE_LABELS",
           "SOURCE_HEADING", "SUPPRESSED_NOTE", "verdict_label", "verdict_sentence"]

#: Survey variable (a breakdown) -> (zh, en) name; a crossing joins the names with ×.
VARIABLE_NAMES: dict[str, tuple[str, str]] = {
    "province": ("全省（区）", "Province"), "city": ("全市", "City"), "district": ("区", "District"),
    "sex": ("性别", "Sex"), "age_band": ("年龄组", "Age band"), "education": ("受教育程度", "Education"),
    "residence": ("城乡", "Urban / rural"), "occupation": ("职业", "Occupation"), "group": ("重点人群", "Key group"),
}

#: Verdict code -> (zh, en) label, as in the ``verdict_zh`` and ``verdict_en`` columns.
VERDICT_LABELS: dict[str, tuple[str, str]] = {
    "met": ("有把握达到目标", "met with confidence"),
    "not_met": ("未达到目标", "not met"),
    "inconclusive": ("无法判定", "inconclusive"),
    "suppressed": ("不予发布", "suppressed"),
    **MIDTERM_VERDICT_LABELS,  # ahead / on_track / behind: the mid-term CI against the target's trajectory
}

#: Verdict code -> (zh, en) label with its rule, as the headline sentences and the report say it.
VERDICT_SENTENCES: dict[str, tuple[str, str]] = {
    "met": ("有把握达到目标（95%置信区间整体不低于目标值）",
            "met with confidence (the whole 95% CI is at or above the target)"),
    "not_met": ("未达到目标（95%置信区间整体低于目标值）", "not met (the whole 95% CI is below the target)"),
    "inconclusive": ("无法判定（95%置信区间包含目标值）", "inconclusive (the 95% CI contains the target)"),
    "suppressed": ("不予发布（样本量不足或估计不可靠）", "suppressed (too few respondents or unreliable)"),
    **MIDTERM_VERDICT_SENTENCES,
}

#: Verdict code -> the English wording of the command line's headline (``literacy run``, the README).
VERDICT_TERSE_EN: dict[str, str] = {
    "met": "met with confidence (the whole CI is at or above the target)",
    "not_met": "not met",
    "inconclusive": "inconclusive (the CI contains the target)",
    **MIDTERM_VERDICT_TERSE_EN,
}

#: Verdict code -> (zh, en) wording of a count of domains with that verdict ("met the target: A, B").
VERDICT_COUNTS: dict[str, tuple[str, str]] = {
    "met": ("有把握达标", "met the target"),
    "inconclusive": ("无法判定", "inconclusive"),
    "not_met": ("未达标", "did not meet it"),
    "suppressed": ("不予发布", "not published"),
    **MIDTERM_VERDICT_COUNTS,
}

#: The verdict rule as the notes row of a workbook sheet says it (zh, en).
VERDICT_NOTE: tuple[str, str] = (
    "目标判定：有把握达到目标（95%置信区间整体不低于目标值）、未达到目标（整体低于目标值）、"
    "无法判定（区间包含目标值）。全国水平为最新公布数据（无标准误）。" + MIDTERM_VERDICT_NOTE[0],
    "Verdict against the plan's target: met with confidence (the whole 95% CI at or above the target), not "
    "met (wholly below), inconclusive (the CI contains the target). The national rate is the latest "
    "published figure (no standard error)." + MIDTERM_VERDICT_NOTE[1])

#: ``versus_national`` code -> (zh, en) wording.
VERSUS_NATIONAL: dict[str, tuple[str, str]] = {
    "above": ("高于全国水平", "above the national rate"),
    "below": ("低于全国水平", "below the national rate"),
    "indistinguishable": ("与全国水平无显著差异", "not distinguishable from the national rate"),
}

#: Scorecard status code -> (zh, en).
STATUS_LABELS: dict[str, tuple[str, str]] = {
    "met": ("达标", "met"),
    "not_met": ("未达标", "not met"),
    "no_report": ("未报告", "no report"),
}

#: NCHS reliability outcome -> (zh, en).
RELIABILITY_LABELS: dict[str, tuple[str, str]] = {
    "present": ("可发布", "present"),
    "review": ("可发布，需统计审查", "present, flagged for statistical review"),
    "suppress": ("不予发布", "do not present"),
}

#: Whether a change is significant at 5% -> (zh, en) closing phrase of the report's sentence.
SIGNIFICANCE: dict[bool, tuple[str, str]] = {
    True: ("变化具有统计学意义。", "a statistically significant change."),
    False: ("变化在统计上不显著。", "not a statistically significant change."),
}

#: A published small-area figure's source -> (zh, en) as the report's table says it.
SOURCE_LABELS: dict[str, tuple[str, str]] = {
    "model": ("模型估计", "model-based"),
    "direct": ("直接估计", "direct"),
    "suppressed": ("不予发布", "not published"),
}

#: The heading of a figure's or table's source line, by language.
SOURCE_HEADING: dict[str, str] = {"zh": "资料来源", "en": "Source"}

#: Why a cell is blank (zh, en), as the tables' footnotes say it.
SUPPRESSED_NOTE: tuple[str, str] = ("样本量不足或估计不可靠", "too few respondents or unreliable")


def verdict_label(code: str, language: str = "zh") -> str:
    """The verdict's short label ('无法判定', 'inconclusive'); the code itself if unknown.

    Parameters
    ----------
    code : str
        ``met``, ``not_met``, ``inconclusive`` or ``suppressed``.
    language : str
        ``zh`` or ``en``.

    Returns
    -------
    str
    """
    pair = VERDICT_LABELS.get(code, (code, code))
    return pair[0 if language == "zh" else 1]


def verdict_sentence(code: str, language: str = "zh") -> str:
    """The verdict with its rule ('无法判定（95%置信区间包含目标值）'); the code itself if unknown.

    Parameters
    ----------
    code : str
        ``met``, ``not_met``, ``inconclusive`` or ``suppressed``.
    language : str
        ``zh`` or ``en``.

    Returns
    -------
    str
    """
    pair = VERDICT_SENTENCES.get(code, (code, code))
    return pair[0 if language == "zh" else 1]

