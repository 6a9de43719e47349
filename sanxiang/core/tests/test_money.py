"""Amounts in capital numerals (大写), as penalty decisions print them."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sanxiang.core.money import DIGITS, yuan_display, yuan_in_words


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("0", "零元整"),
        ("200", "贰佰元整"),
        ("3000", "叁仟元整"),
        ("20000", "贰万元整"),
        ("10002", "壹万零贰元整"),
        ("100000", "壹拾万元整"),
        ("1005000", "壹佰万伍仟元整"),
        ("100000000", "壹亿元整"),
        ("100010000", "壹亿零壹万元整"),
        ("0.5", "零元伍角整"),
        ("12.05", "壹拾贰元零伍分"),
        ("12.30", "壹拾贰元叁角整"),
        ("1010.01", "壹仟零壹拾元零壹分"),
    ],
)
def test_known_amounts(amount: str, words: str) -> None:
    assert yuan_in_words(amount) == words


def test_display_has_words_and_figures() -> None:
    assert yuan_display(Decimal("20000")) == "人民币贰万元整（¥20,000.00）"


def test_negative_is_refused() -> None:
    with pytest.raises(ValueError):
        yuan_in_words("-1")


def _parse(words: str) -> Decimal:
    """A reader of the capital form, written independently of the writer: sums digit × unit per section."""
    units = {"拾": 10, "佰": 100, "仟": 1000}
    big = {"万": 10**4, "亿": 10**8}
    body, _, cents = words.partition("元")
    total = section = digit = 0
    for char in body:
        if char in DIGITS:
            digit = DIGITS.index(char)
        elif char in units:
            section += (digit or 1) * units[char]
            digit = 0
        elif char in big:
            section += digit
            total = (total + section) * big[char] if big[char] > 10**4 and total else total + section * big[char]
            section = digit = 0
    total += section + digit
    fen = 0
    for char, next_char in zip(cents, cents[1:] + " ", strict=True):
        if char in DIGITS and next_char == "角":
            fen += DIGITS.index(char) * 10
        elif char in DIGITS and next_char == "分":
            fen += DIGITS.index(char)
    return Decimal(total) + Decimal(fen) / 100


@given(st.integers(min_value=0, max_value=10**12 - 1))
def test_words_read_back_to_the_amount(fen: int) -> None:
    amount = Decimal(fen) / 100
    words = yuan_in_words(amount)
    assert _parse(words) == amount
    assert "零零" not in words and not words.startswith("零壹")
    assert words.endswith(("整", "分"))
