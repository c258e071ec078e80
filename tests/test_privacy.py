"""Direct identifiers: detection by column name and value, resident ID checksums, masking."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from literacy.privacy import (
    display_value,
    identifier_column_reason,
    is_resident_id,
    mask_series_kinds,
    value_identifier_kind,
)


def _check_char(first17: str) -> str:
    """GB 11643-1999 check character, computed here independently (ISO 7064 MOD 11-2)."""
    total = sum(int(d) * (2 ** (17 - i) % 11) for i, d in enumerate(first17))
    return "10X98765432"[total % 11]


def test_resident_id_checksum():
    # the standard's worked example and its published check characters
    assert is_resident_id("11010519491231002X")
    assert is_resident_id("440524188001010014")
    assert not is_resident_id("110105194912310021")   # wrong check character
    assert not is_resident_id("11010519491231002")    # 17 characters
    assert _check_char("11010519491231002") == "X" and _check_char("44052418800101001") == "4"


@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
@settings(max_examples=200, deadline=None)
def test_every_valid_check_character_is_recognised(first17):
    good = first17 + _check_char(first17)
    assert is_resident_id(good) and value_identifier_kind(f"身份证 {good} 已核实") == "id_number"
    bad = first17 + next(c for c in "0123456789X" if c != good[-1])
    assert not is_resident_id(bad)


@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True), st.sampled_from(["", "tel:", "电话", "+86 ", "86-"]),
       st.sampled_from(["", " 张", "/", "（手机）"]))
@settings(max_examples=200, deadline=None)
def test_phone_numbers_never_show(phone, before, after):
    text = before + phone + after
    assert value_identifier_kind(text) == "phone"
    assert phone not in display_value(text)


@given(st.text(min_size=1, max_size=30))
@settings(max_examples=300, deadline=None)
def test_display_shows_only_codes(text):
    shown = display_value(text)
    if shown == text:   # shown as is: a short code without any identifier pattern
        assert len(text) <= 40 and all(c.isascii() and (c.isalnum() or c in "_.+-/:;") for c in text)
        assert value_identifier_kind(text) is None
    else:
        assert shown.startswith("<masked")


@pytest.mark.parametrize("value, shown", [
    ("male", "male"), ("8", "8"), ("HBW-U-001", "HBW-U-001"), ("0.0075091867710496", "0.0075091867710496"),
    ("张三", "<masked: 2 characters>"), ("Zhang San", "<masked: 9 characters>"),
    ("13812345678", "<masked phone number>"), ("wang@example.cn", "<masked e-mail address>"),
    ("62220212345678901", "<masked: 17 characters>"), ("", ""), (None, ""),
])
def test_display_value(value, shown):
    assert display_value(value) == shown


@pytest.mark.parametrize("name, identifier", [
    ("姓名", True), ("受访者姓名", True), ("联系电话", True), ("手机号码", True), ("身份证号", True), ("家庭住址", True),
    ("name", True), ("FullName", True), ("phone_number", True), ("mobile", True), ("Address", True),
    ("id_card", True), ("national_id", True), ("email", True), ("wechat", True),
    ("respondent_id", False), ("item_id", False), ("psu", False), ("stratum", False), ("Q01", False),
    ("interviewer", False), ("district", False), ("text_en", False), ("selection_prob", False),
])
def test_identifier_column_names(name, identifier):
    assert (identifier_column_reason(name) is not None) == identifier


def test_listed_identifiers_and_headers_that_are_data():
    assert identifier_column_reason("contact", ["Contact"]) == "listed in ingest.identifiers"
    assert identifier_column_reason("13812345678") is not None   # a data row taken for the header


def test_mask_series_kinds():
    s = pd.Series(["x", "13812345678", "id 11010519491231002X ok", None, "a@b.cn", "13812345678"], dtype="string")
    assert mask_series_kinds(s).tolist() == [pd.NA, "phone", "id_number", pd.NA, "email", "phone"]


@pytest.mark.parametrize("text", ["0\n", "A1\n", "code\r\n"])
def test_a_trailing_newline_is_not_code_like(text):
    # found by hypothesis: "$" matched before the final newline, so "0\n" was shown as is
    assert display_value(text) == f"<masked: {len(text)} characters>"
