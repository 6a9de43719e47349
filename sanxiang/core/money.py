"""Amounts of money as Chinese documents write them: ``人民币壹万贰仟元整（¥12,000.00）``."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

DIGITS = "零壹贰叁肆伍陆柒捌玖"
SMALL_UNITS = ("", "拾", "佰", "仟")
BIG_UNITS = ("", "万", "亿", "万亿")


def _four(number: int) -> str:
    """0 < number < 10000, with 零 for inner zero runs (``1002`` → 壹仟零贰)."""
    text = ""
    zero = False
    for position in range(3, -1, -1):
        digit = number // 10**position % 10
        if digit == 0:
            zero = bool(text)
            continue
        if zero:
            text += "零"
            zero = False
        text += DIGITS[digit] + SMALL_UNITS[position]
    return text


def yuan_in_words(amount: Decimal | int | str) -> str:
    """The amount in capital numerals (大写), as on a penalty decision: ``壹万贰仟元整``, ``叁佰元伍角``, ``零元整``."""
    value = Decimal(str(amount)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if value < 0:
        raise ValueError("amount must not be negative")
    fen_total = int(value * 100)
    yuan, fen_part = divmod(fen_total, 100)
    if yuan >= 10**16:
        raise ValueError("amount too large")
    jiao, fen = divmod(fen_part, 10)
    groups: list[int] = []
    rest = yuan
    while rest:
        rest, group = divmod(rest, 10000)
        groups.append(group)
    text = ""
    need_zero = False
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            need_zero = bool(text)
            continue
        if text and (need_zero or group < 1000):
            text += "零"
        text += _four(group) + BIG_UNITS[index]
        need_zero = False
    if not text:
        text = "零"
    text += "元"
    if jiao == 0 and fen == 0:
        return text + "整"
    if jiao:
        text += DIGITS[jiao] + "角"
    elif yuan:
        text += "零"
    if fen:
        text += DIGITS[fen] + "分"
    else:
        text += "整"
    return text


def yuan_display(amount: Decimal | int | str) -> str:
    """``人民币壹万贰仟元整（¥12,000.00）``: capitals and figures, as the documents print a fine."""
    value = Decimal(str(amount)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"人民币{yuan_in_words(value)}（¥{value:,.2f}）"
