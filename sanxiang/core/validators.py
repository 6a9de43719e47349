"""Validation of Chinese identifiers and common fields, with Chinese messages.

Unified social credit codes (GB 32100-2015) and resident ID numbers (GB 11643-1999) are checked with python-stdnum.
For ID numbers only the checksum and birth date are binding: stdnum's full check also rejects a county code that did
not exist in the holder's birth year, but real IDs of people born before a county was renamed carry the new code,
so an unknown place is a warning, never a rejection (DESIGN.md, findings).
"""

from __future__ import annotations

import datetime as dt
import re

from stdnum import exceptions as stdnum_exc
from stdnum.cn import ric, uscc

from sanxiang.core.errors import ValidationError


def validate_uscc(value: str) -> str:
    """Return the compact code, or raise with a Chinese reason."""
    code = uscc.compact(value or "")
    if len(code) != 18:
        raise ValidationError("统一社会信用代码应为18位。")
    try:
        return uscc.validate(code)
    except stdnum_exc.InvalidChecksum as exc:
        raise ValidationError("统一社会信用代码校验位错误。") from exc
    except stdnum_exc.ValidationError as exc:
        raise ValidationError("统一社会信用代码格式不正确。") from exc


def is_valid_uscc(value: str) -> bool:
    try:
        validate_uscc(value)
    except ValidationError:
        return False
    return True


_RIC_RE = re.compile(r"^\d{17}[\dX]$")


def validate_id_number(value: str, *, today: dt.date | None = None) -> str:
    """Check checksum and birth date of an 18-digit resident ID number; return it upper-cased."""
    number = (value or "").strip().upper()
    if not _RIC_RE.match(number):
        raise ValidationError("居民身份证号码应为18位，前17位为数字，最后一位为数字或X。")
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError as exc:
        raise ValidationError("居民身份证号码中的出生日期无效。") from exc
    if birth > (today or dt.date.today()) or birth.year < 1890:
        raise ValidationError("居民身份证号码中的出生日期无效。")
    if ric.calc_check_digit(number) != number[-1]:
        raise ValidationError("居民身份证号码校验位错误。")
    return number


def is_valid_id_number(value: str) -> bool:
    try:
        validate_id_number(value)
    except ValidationError:
        return False
    return True


_MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE_RE = re.compile(r"^0\d{2,3}-?\d{7,8}(-\d{1,6})?$")
_SERVICE_RE = re.compile(r"^(12345|12350|12315|110|119|120|[48]00-?\d{3}-?\d{4})$")


def validate_phone(value: str) -> str:
    """Mobile (11 digits), landline with area code (0427-1234567), or a public service number (12345, 400…)."""
    phone = re.sub(r"[\s()（）]", "", value or "").replace("—", "-")
    if phone.startswith("+86"):
        phone = phone[3:]
    if _MOBILE_RE.match(phone) or _SERVICE_RE.match(phone):
        return phone
    if _LANDLINE_RE.match(phone):
        if "-" not in phone:
            # Beijing (010) and the 02x cities have three-digit area codes; every other one has four.
            split = 3 if phone.startswith(("010", "02")) else 4
            phone = f"{phone[:split]}-{phone[split:]}"
        return phone
    raise ValidationError(f"电话号码“{value}”格式不正确（手机号11位，固定电话需带区号，如 0427-1234567）。")


_POSTCODE_RE = re.compile(r"^\d{6}$")


def validate_postcode(value: str) -> str:
    code = (value or "").strip()
    if not _POSTCODE_RE.match(code):
        raise ValidationError(f"邮政编码“{value}”应为6位数字。")
    return code


_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def validate_email(value: str) -> str:
    email = (value or "").strip()
    if not _EMAIL_RE.match(email):
        raise ValidationError(f"电子邮箱“{value}”格式不正确。")
    return email


_REGION_RE = re.compile(r"^\d{6}$")


def validate_region_code(value: str) -> str:
    """A six-digit administrative division code (GB/T 2260), e.g. 211103 for 兴隆台区."""
    code = (value or "").strip()
    if not _REGION_RE.match(code):
        raise ValidationError(f"行政区划代码“{value}”应为6位数字（GB/T 2260）。")
    return code


def region_covers(region: str, place: str) -> bool:
    """Whether an enforcement region covers a place: 210000 (province) covers 211103; 211100 covers 211103."""
    region = validate_region_code(region)
    place = validate_region_code(place)
    prefix = region.rstrip("0")
    # keep whole levels: 2 digits province, 4 city, 6 county
    keep = 2 if len(prefix) <= 2 else 4 if len(prefix) <= 4 else 6
    return place[:keep] == region[:keep]


def parse_date(value: object) -> dt.date:
    """A date from an import cell or form: a date, datetime, or YYYY-MM-DD / YYYY/MM/DD / YYYY年M月D日 text."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value or "").strip()
    match = re.match(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$", text)
    if not match:
        raise ValidationError(f"日期“{text}”格式不正确，应为 YYYY-MM-DD。")
    try:
        return dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError as exc:
        raise ValidationError(f"日期“{text}”不存在。") from exc
