"""Cleaning of amounts and code lists that services receive."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from sanxiang.core.values import clean_codes, clean_text, clean_yuan, parse_amount


@given(st.integers(min_value=0, max_value=10**14))
def test_amounts_in_cents_parse_to_themselves(cents: int) -> None:
    amount = Decimal(cents) / 100
    assert parse_amount(amount) == amount
    assert parse_amount(str(amount)) == amount
    assert parse_amount(f" {amount} ") == amount


def test_bad_amounts_are_none() -> None:
    for bad in ("-1", "1.005", "NaN", "Infinity", "一千", "", None, True, [1]):
        assert parse_amount(bad) is None, bad


def test_clean_yuan_notes_its_error_and_empty_is_none() -> None:
    errors: dict[str, list[str]] = {}
    assert clean_yuan("", "fine", errors) is None and errors == {}
    assert clean_yuan("", "fine", errors, required=True) is None and "fine" in errors
    errors = {}
    assert clean_yuan("-5", "fine", errors) is None and "金额" in errors["fine"][0]


@given(st.lists(st.sampled_from(["a", "b", "c"])))
def test_codes_are_sorted_without_repeats(values: list[str]) -> None:
    errors: dict[str, list[str]] = {}
    assert clean_codes(values, ["a", "b", "c"], "x", errors) == sorted(set(values))
    assert errors == {}


def test_unknown_codes_and_wrong_shapes_are_named() -> None:
    errors: dict[str, list[str]] = {}
    assert clean_codes(["a", "zz"], ["a"], "x", errors) == ["a"]
    assert "zz" in errors["x"][0]
    errors = {}
    assert clean_codes("a", ["a"], "x", errors) == [] and errors["x"] == ["格式不正确。"]
    assert clean_text("  王  ") == "王" and clean_text(5) == ""
