"""Direct identifiers in survey deliveries: detection by column name and by value, and masking.

A fieldwork vendor's file may carry a respondent's name, mobile number, resident identity
card number or address, in a column of its own or typed into a cell where it does not
belong. None of it may reach an output, a log or a quarantine listing. This module holds
the pure rules (no I/O): which column names are identifiers, which cell values look like
one, and how a value is shown when a message or the quarantine file must point at it.

Patterns (mainland China conventions, plus generic ones):

- mobile numbers: 11 digits starting 13–19, optionally prefixed by +86 / 86;
- resident identity card numbers (居民身份证号码, GB 11643-1999): 17 digits and a check
  character (a digit or X) that satisfies the ISO 7064 MOD 11-2 checksum;
- e-mail addresses;
- column names containing 姓名, 电话, 手机, 身份证, 地址, name, phone, address, … (see
  :data:`NAME_TOKENS` and :data:`CJK_NAME_PARTS`).
"""

from __future__ import annotations

import re
from typing import Iterable

import numpy as np
import pandas as pd

__all__ = ["identifier_column_reason", "value_identifier_kind", "looks_like_identifier", "is_resident_id",
           "display_value", "mask_series_kinds", "CODE_LIKE", "NAME_TOKENS", "CJK_NAME_PARTS", "free_text_share"]

#: Latin tokens of column names that hold direct identifiers (compared after splitting the
#: name on non-letters and camelCase, lower case).
NAME_TOKENS = frozenset({
    "name", "names", "fullname", "firstname", "lastname", "surname", "givenname", "familyname", "xingming",
    "phone", "phones", "telephone", "tel", "mobile", "cellphone", "cell", "handphone", "dianhua", "shouji",
    "email", "mail", "address", "addr", "street", "zhuzhi", "dizhi",
    "idcard", "idno", "idnumber", "sfz", "sfzh", "shenfenzheng", "passport", "ssn", "wechat", "weixin", "qq",
})
#: Tokens that make a column an identity document number when they come with ``id``.
_ID_COMPANIONS = frozenset({"card", "number", "no", "num", "national", "resident", "citizen", "document", "doc"})
#: Substrings of Chinese column names that hold direct identifiers.
CJK_NAME_PARTS = ("姓名", "名字", "电话", "手机", "联系方式", "身份证", "证件号", "住址", "地址", "邮箱", "电子邮件",
                  "微信")

_PHONE = re.compile(r"(?<![0-9.])(?:\+?86[- ]?)?1[3-9][0-9]{9}(?![0-9])")
_ID_CANDIDATE = re.compile(r"(?<![0-9A-Za-z.])[0-9]{17}[0-9Xx](?![0-9A-Za-z])")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
#: A run of 11 or more digits (not the decimals of a number): long enough for a phone,
#: card or account number; shown masked even when no stricter pattern matches.
_LONG_DIGITS = re.compile(r"(?<![0-9.])[0-9]{11,}")
#: Values that read as codes (ids, category codes, numbers) and may be shown as they are.
CODE_LIKE = re.compile(r"^[A-Za-z0-9_.+\-/:;]{1,40}\Z")   # \Z: "$" would also match before a final newline
_ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
_ID_CHECK = "10X98765432"


def _tokens(name: str) -> list[str]:
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", str(name))
    return [t for t in re.split(r"[^A-Za-z]+", spaced.lower()) if t]


def identifier_column_reason(name: str, listed: Iterable[str] = ()) -> str | None:
    """Why a column is a direct identifier by its name, or None.

    Parameters
    ----------
    name : str
        The column name (as delivered or after the config's column map).
    listed : iterable of str
        Column names the config lists as identifiers (``ingest.identifiers``; compared
        case-insensitively).

    Returns
    -------
    str or None
        ``"listed in ingest.identifiers"``, ``"identifier column name"`` or None.
    """
    text = str(name).strip()
    if text.lower() in {str(x).strip().lower() for x in listed}:
        return "listed in ingest.identifiers"
    if any(part.lower() in text.lower() for part in CJK_NAME_PARTS):
        return "identifier column name"
    tokens = _tokens(text)
    if any(t in NAME_TOKENS for t in tokens):
        return "identifier column name"
    if "id" in tokens and any(t in _ID_COMPANIONS for t in tokens):
        return "identifier column name"
    if value_identifier_kind(text):  # a header that is itself a phone or ID number (a data row as header)
        return "identifier column name"
    return None


def is_resident_id(text: str) -> bool:
    """True for an 18-character resident identity card number with a valid check character."""
    s = str(text).strip()
    if len(s) != 18 or not s[:17].isdigit():
        return False
    digits = np.frombuffer(s[:17].encode("ascii"), dtype=np.uint8) - ord("0")
    return _ID_CHECK[int((digits * _ID_WEIGHTS).sum()) % 11] == s[17].upper()


def value_identifier_kind(value) -> str | None:
    """The kind of direct identifier a single cell holds ("phone", "id_number", "email"), or None.

    Patterns are searched anywhere in the text (a free-text cell with a number inside counts).
    """
    if value is None or value is pd.NA:
        return None
    s = str(value)
    if _PHONE.search(s):
        return "phone"
    for m in _ID_CANDIDATE.finditer(s):
        if is_resident_id(m.group(0)):
            return "id_number"
    if _EMAIL.search(s):
        return "email"
    return None


def mask_series_kinds(values: pd.Series) -> pd.Series:
    """The identifier kind of every cell of a text column (<NA> where none).

    Each distinct value is checked once (survey columns repeat their codes), then the
    result is mapped back to the cells.
    """
    s = values.astype("string")
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    kinds = np.array([value_identifier_kind(u) for u in uniques] + [None], dtype=object)
    out = kinds[codes]  # code -1 (blank) picks the trailing None
    return pd.Series(pd.array(out, dtype="string"), index=s.index)


def looks_like_identifier(value) -> bool:
    """True when a value must not be shown: an identifier pattern or a long run of digits."""
    if value is None or value is pd.NA:
        return False
    return value_identifier_kind(value) is not None or bool(_LONG_DIGITS.search(str(value)))


def display_value(value, category: bool = False) -> str:
    """A cell value as it may appear in a message or the quarantine file.

    Code-like values (letters, digits and ``_.+-/:;``, at most 40 characters) that match no
    identifier pattern are shown as they are; anything else (text that could be a name, a
    phone or identity number, an address) is replaced by a description such as
    ``<masked: 3 characters>`` or ``<masked phone number>``. Blank is ``""``. With ``category``
    (a categorical survey variable: district, sex, education...), a short value in any script
    (海勃湾区, 男) is shown too, so a person can see why the row failed, unless it looks like an
    identifier.
    """
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return ""
    s = str(value)
    if s == "":
        return ""
    kind = value_identifier_kind(s)
    if kind == "phone":
        return "<masked phone number>"
    if kind == "id_number":
        return "<masked ID number>"
    if kind == "email":
        return "<masked e-mail address>"
    if _LONG_DIGITS.search(s):
        return f"<masked: {len(s)} characters>"
    if CODE_LIKE.match(s) or (category and len(s) <= 20 and "@" not in s):
        return s
    return f"<masked: {len(s)} characters>"


def free_text_share(values: pd.Series) -> float:
    """Share of the non-blank cells of a text column that are not code-like (0 when all blank)."""
    s = values.dropna().astype(str)
    if not len(s):
        return 0.0
    return float((~s.str.match(CODE_LIKE)).mean())

