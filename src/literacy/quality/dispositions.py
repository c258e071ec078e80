"""Final case dispositions: AAPOR's categories, read from names or AAPOR's numeric codes.

AAPOR's Standard Definitions (10th edition, 2023, tables 1–4) give every sampled case one final
disposition, grouped as: interviews (1.1 complete ``I``, 1.2 partial ``P``), eligible
non-interviews (2.1 refusal and break-off ``R``, 2.2 non-contact ``NC``, 2.3 other ``O``),
unknown eligibility (3.x, ``U``; AAPOR's UH and UO together) and not eligible (4.x, ``NE``).
A delivery may give a ``disposition`` column with the names below (English, Chinese or AAPOR's
codes); a delivery with only ``responded`` (0/1) maps 1 to a complete interview and 0 to an
eligible non-interview of unknown type (see :func:`dispositions_from_responded`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from literacy.errors import DataError

__all__ = ["CATEGORIES", "DISPOSITIONS", "RESPONDED", "disposition_codes", "disposition_name",
           "dispositions_from_responded"]

#: AAPOR's rate categories, in the order of :func:`disposition_codes`' columns.
CATEGORIES = ("I", "P", "R", "NC", "O", "U", "NE")

#: The dispositions a delivery may name, with their AAPOR category.
DISPOSITIONS = {
    "complete": "I", "partial": "P", "refusal": "R", "break_off": "R", "non_contact": "NC", "other": "O",
    "unknown_eligibility": "U", "not_eligible": "NE",
}

#: The dispositions of a respondent (a row in the responses): complete and partial interviews.
RESPONDED = ("complete", "partial")

_ALIASES = {
    # English spellings
    "completed": "complete", "complete interview": "complete", "partial interview": "partial",
    "refused": "refusal", "breakoff": "break_off", "break-off": "break_off", "break off": "break_off",
    "noncontact": "non_contact", "non-contact": "non_contact", "no contact": "non_contact",
    "unknown": "unknown_eligibility", "unknown eligibility": "unknown_eligibility",
    "ineligible": "not_eligible", "not eligible": "not_eligible", "out of scope": "not_eligible",
    # Chinese
    "完成": "complete", "完成访问": "complete", "部分完成": "partial", "拒访": "refusal", "拒绝": "refusal",
    "中断": "break_off", "中途退出": "break_off", "未接触": "non_contact", "联系不上": "non_contact",
    "其他": "other", "其他未访问": "other", "资格未知": "unknown_eligibility", "不符合资格": "not_eligible",
    "无资格": "not_eligible",
}

#: AAPOR's numeric codes (their first two levels) and the disposition they stand for.
_CODES = {"1.0": "complete", "1.1": "complete", "1.2": "partial", "2.1": "refusal", "2.11": "refusal",
          "2.12": "break_off", "2.2": "non_contact", "2.3": "other", "3": "unknown_eligibility",
          "4": "not_eligible"}



def _normalise(value) -> str | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    text = str(value).strip()
    key = text.lower().replace("_", " ")
    if key.replace(" ", "_") in DISPOSITIONS:
        return key.replace(" ", "_")
    if key in _ALIASES:
        return _ALIASES[key]
    if text in _ALIASES:
        return _ALIASES[text]
    # AAPOR numeric codes: 1.1, 2.11, 2.111, 3.21, 4.5 ... (the longest known prefix)
    if text[:1] in "1234" and all(ch.isdigit() or ch == "." for ch in text):
        for n in range(len(text), 0, -1):
            if text[:n] in _CODES:
                return _CODES[text[:n]]
        if text[0] in "34":
            return _CODES[text[0]]
    return None


def disposition_name(value) -> str | None:
    """The disposition name (a key of :data:`DISPOSITIONS`) of one delivered value, None if unknown.

    Parameters
    ----------
    value : object
        A name (``refusal``), an alias (``refused``, 拒访) or an AAPOR code (``2.11``).

    Returns
    -------
    str or None
    """
    return _normalise(value)


def disposition_codes(values: pd.Series, *, source: str = "sample.csv", column: str = "disposition") -> pd.Series:
    """Each case's disposition name (``DISPOSITIONS``' keys), from names, Chinese or AAPOR codes.

    Parameters
    ----------
    values : Series
        The delivery's disposition column.
    source, column : str
        File and column named in the error message.

    Returns
    -------
    Series
        The disposition names, in the rows (and index) of ``values``.

    Raises
    ------
    DataError
        A missing or unknown disposition, naming the file, the first such row and the value.
    """
    distinct = pd.unique(values.astype(object))
    mapping = {v: _normalise(v) for v in distinct}
    names = values.astype(object).map(mapping)
    bad = names.isna().to_numpy()
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise DataError(f"{source}: line {row + 2}, column '{column}': {values.iloc[row]!r} is not a disposition "
                        f"(use {', '.join(DISPOSITIONS)} or AAPOR's codes 1.1, 1.2, 2.11, 2.12, 2.2, 2.3, 3, 4)")
    return names.astype(str)


def dispositions_from_responded(responded: pd.Series) -> pd.Series:
    """Dispositions of a delivery with only ``responded``: 1 -> complete, 0 -> other.

    Without the type of non-interview (refusal, non-contact ...) only the response rates whose
    denominators do not split the non-interviews are meaningful (RR1 = RR3 = RR5, RR2 = RR4 =
    RR6, all as complete / sampled); :func:`literacy.quality.outcome_rates` leaves the
    cooperation, refusal and contact rates empty for such cases.
    """
    return pd.Series(np.where(np.asarray(responded, dtype=float) == 1, "complete", "other"), index=responded.index)
