"""Identifier and field validators, as properties where there is an algorithm."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from stdnum.cn import ric, uscc

from sanxiang.core import validators as v
from sanxiang.core.errors import ValidationError

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


@st.composite
def uscc_codes(draw):
    body = draw(st.text(alphabet="0123456789", min_size=8, max_size=8)) + draw(
        st.text(alphabet=USCC_ALPHABET, min_size=9, max_size=9)
    )
    return body + uscc.calc_check_digit(body + "0")


@st.composite
def id_numbers(draw):
    birth = draw(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2025, 12, 31)))
    first17 = draw(st.sampled_from(["211103", "110105", "440305"])) + birth.strftime("%Y%m%d")
    first17 += draw(st.text(alphabet="0123456789", min_size=3, max_size=3))
    return first17 + ric.calc_check_digit(first17 + "0")


@given(uscc_codes())
def test_every_well_formed_uscc_is_accepted(code):
    assert v.validate_uscc(code) == code


@given(uscc_codes(), st.integers(0, 17), st.sampled_from(USCC_ALPHABET))
def test_any_single_character_change_of_a_uscc_is_caught(code, position, replacement):
    changed = code[:position] + replacement + code[position + 1 :]
    assume(changed != code)
    assume(position >= 8 or replacement.isdigit())
    assert not v.is_valid_uscc(changed)


@given(id_numbers())
def test_every_checksummed_id_number_with_a_real_birth_date_is_accepted(number):
    assert v.validate_id_number(number) == number


@given(id_numbers(), st.integers(0, 16), st.integers(1, 9))
def test_changing_one_digit_of_an_id_number_is_caught(number, position, delta):
    digit = (int(number[position]) + delta) % 10
    changed = number[:position] + str(digit) + number[position + 1 :]
    assert not v.is_valid_id_number(changed)


def test_id_number_with_unknown_county_code_is_accepted_when_checksum_and_date_hold():
    # 999999 is no county; a real ID may carry a renamed county's code, so only checksum and date bind.
    first17 = "99999919800101123"
    number = first17 + ric.calc_check_digit(first17 + "0")
    assert v.validate_id_number(number) == number


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1234", "18位"),
        ("11010519491331002X", "出生日期"),
        ("110105194912310021", "校验位"),
    ],
)
def test_bad_id_numbers_get_a_chinese_reason(value, message):
    with pytest.raises(ValidationError) as excinfo:
        v.validate_id_number(value)
    assert message in excinfo.value.message


def test_future_birth_date_is_refused():
    first17 = "211103" + "20990101" + "123"
    with pytest.raises(ValidationError, match="出生日期"):
        v.validate_id_number(first17 + ric.calc_check_digit(first17 + "0"))


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("13812345678", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("0427-2825000", "0427-2825000"),
        ("04272825000", "0427-2825000"),
        ("010 12345678", "010-12345678"),
        ("12345", "12345"),
        ("400-810-1234", "400-810-1234"),
    ],
)
def test_phone_numbers_are_normalised(raw, normalised):
    assert v.validate_phone(raw) == normalised


@pytest.mark.parametrize("raw", ["12", "1381234567", "23812345678", "abc", ""])
def test_bad_phone_numbers_are_refused(raw):
    with pytest.raises(ValidationError, match="电话号码"):
        v.validate_phone(raw)


@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True))
def test_every_mobile_number_is_accepted(number):
    assert v.validate_phone(number) == number


def test_postcode_email_region():
    assert v.validate_postcode("124010") == "124010"
    with pytest.raises(ValidationError, match="邮政编码"):
        v.validate_postcode("12401")
    assert v.validate_email("a@b.cn") == "a@b.cn"
    with pytest.raises(ValidationError, match="电子邮箱"):
        v.validate_email("a@b")
    with pytest.raises(ValidationError, match="行政区划"):
        v.validate_region_code("2111")


@pytest.mark.parametrize(
    ("region", "place", "covered"),
    [
        ("210000", "211103", True),
        ("211100", "211103", True),
        ("211103", "211103", True),
        ("211103", "211102", False),
        ("211100", "210203", False),
        ("220000", "211103", False),
    ],
)
def test_region_cover(region, place, covered):
    assert v.region_covers(region, place) is covered


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)))
def test_dates_parse_in_every_accepted_spelling(day):
    for text in (day.isoformat(), day.strftime("%Y/%m/%d"), f"{day.year}年{day.month}月{day.day}日"):
        assert v.parse_date(text) == day
    assert v.parse_date(dt.datetime.combine(day, dt.time(8, 0))) == day


@pytest.mark.parametrize("text", ["2026-02-30", "2026-13-01", "明天", "20260101"])
def test_bad_dates_are_refused_in_chinese(text):
    with pytest.raises(ValidationError, match="日期"):
        v.parse_date(text)
