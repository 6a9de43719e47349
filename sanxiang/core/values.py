"""Cleaning of values services receive from forms, the API and imports: text, amounts of money, lists of codes.

Each cleaner returns the clean value, or notes a Chinese message under ``name`` in ``errors`` (the services collect
every error before refusing, so that nothing is written and everything wrong is said at once).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

Errors = dict[str, list[str]]
CENT = Decimal("0.01")


def clean_text(value: Any) -> str:
    """``value`` stripped, or ``""`` for anything that is not a string."""
    return value.strip() if isinstance(value, str) else ""


def parse_amount(value: Any) -> Decimal | None:
    """A non-negative number with at most two decimals (``"1200"``, ``1200``, ``Decimal("0.5")``), or ``None``:
    amounts of money in yuan, hours of training."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    if not amount.is_finite() or amount < 0 or amount != amount.quantize(CENT):
        return None
    return amount.quantize(CENT)


parse_yuan = parse_amount


def clean_yuan(value: Any, name: str, errors: Errors, *, required: bool = False) -> Decimal | None:
    """An amount of money in yuan; empty is ``None`` unless ``required``."""
    if value in (None, ""):
        if required:
            errors[name] = ["请填写金额（元）。"]
        return None
    amount = parse_amount(value)
    if amount is None:
        errors[name] = ["请填写不为负数、最多两位小数的金额（元）。"]
    return amount


def clean_codes(values: Any, allowed: Iterable[str], name: str, errors: Errors) -> list[str]:
    """A list of codes from ``allowed``, sorted and without repeats; empty for ``None`` or ``""``."""
    if values in (None, ""):
        return []
    if isinstance(values, str) or not isinstance(values, list | tuple):
        errors[name] = ["格式不正确。"]
        return []
    known = set(allowed)
    unknown = [str(v) for v in values if v not in known]
    if unknown:
        errors[name] = [f"未知的选项：{'、'.join(unknown)}。"]
    return sorted({str(v) for v in values if v in known})
