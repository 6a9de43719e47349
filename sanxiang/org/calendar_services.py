"""Writes to the working-day calendar (the tables of ``sanxiang.core.models``; reads are ``sanxiang.core.calendar``).

The service lives in ``org``, not in ``core``, because changing the calendar needs a permission check (only the
deployment administrator) and a ledger entry, and core may import neither ``org`` nor ``ledger``. ``org`` sits above
both, so here the check and the record happen in the same function and the same transaction as the change.

Each changed row gets its own ledger entry, so that ``sanxiang ledger verify`` finds every row's current state in the
log: the ``CalendarYear`` (``calendar_year.create`` / ``calendar_year.set``), and each ``CalendarDay`` created
(``calendar_day.create``), changed (``calendar_day.update``) or taken out of the schedule (``calendar_day.withdraw``:
the row stays with ``active=False``; nothing is deleted). A call that changes nothing records nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction

from sanxiang.core import calendar
from sanxiang.core.errors import PermissionDenied, ValidationError
from sanxiang.core.models import CalendarDay, CalendarDayKind, CalendarYear
from sanxiang.ledger.services import record
from sanxiang.org.access import is_deployment_admin

DayInput = tuple[dt.date, str, str]  # (date, kind: "holiday" | "workday", name)

MIN_YEAR = 2000
MAX_YEAR = 2100
NAME_MAX = CalendarDay._meta.get_field("name").max_length or 60
SOURCE_MAX = CalendarYear._meta.get_field("source").max_length or 200


def clean_days(year: int, days: Iterable[DayInput]) -> dict[dt.date, tuple[str, str]]:
    """Check a year's special days; every problem is named (with its position, counted from 1), none is fixed."""
    errors: list[str] = []
    cleaned: dict[dt.date, tuple[str, str]] = {}
    for position, (day, kind, name) in enumerate(days, start=1):
        where = f"第{position}项（{day}）"
        if not isinstance(day, dt.date) or isinstance(day, dt.datetime):
            errors.append(f"第{position}项：日期无效。")
            continue
        if day.year != year:
            errors.append(f"{where}：不属于{year}年。")
        if kind not in CalendarDayKind.values:
            errors.append(f"{where}：类别“{kind}”无效，应为 holiday（休息日）或 workday（调休上班日）。")
        elif kind == CalendarDayKind.WORKDAY and day.weekday() < 5:
            errors.append(f"{where}：调休上班日应为星期六或星期日（工作日本来就要上班）。")
        name = (name or "").strip()
        if len(name) > NAME_MAX:
            errors.append(f"{where}：名称不能超过{NAME_MAX}个字符。")
        if day in cleaned:
            errors.append(f"{where}：日期重复。")
        cleaned[day] = (kind, name)
    if errors:
        raise ValidationError({"days": errors})
    return dict(sorted(cleaned.items()))


def _check_year(year: int, confirmed: bool, source: str) -> str:
    errors: dict[str, list[str]] = {}
    if isinstance(year, bool) or not isinstance(year, int) or not MIN_YEAR <= year <= MAX_YEAR:
        errors["year"] = [f"年份应在{MIN_YEAR}至{MAX_YEAR}之间。"]
    source = (source or "").strip()
    if confirmed and not source:
        errors["source"] = ["确认年度安排须注明依据（如：国办发明电〔2025〕7号）。"]
    if len(source) > SOURCE_MAX:
        errors["source"] = [f"依据不能超过{SOURCE_MAX}个字符。"]
    if errors:
        raise ValidationError(errors)
    return source


def _year_set(
    *, actor: Any, year: int, days: dict[dt.date, tuple[str, str]], confirmed: bool, source: str
) -> CalendarYear:
    row = CalendarYear.objects.select_for_update().filter(year=year).first()
    created = row is None
    if row is None:
        row = CalendarYear(year=year)
    existing = {} if created else {d.date: d for d in CalendarDay.objects.select_for_update().filter(year=row)}
    changes: list[tuple[str, CalendarDay]] = []
    for day, (kind, name) in days.items():
        current = existing.get(day)
        if current is None:
            changes.append(("calendar_day.create", CalendarDay(date=day, kind=kind, name=name)))
        elif (current.kind, current.name, current.active) != (kind, name, True):
            current.kind, current.name, current.active = kind, name, True
            changes.append(("calendar_day.update", current))
    for day, current in existing.items():
        if day not in days and current.active:
            current.active = False
            changes.append(("calendar_day.withdraw", current))
    if not created and not changes and (row.confirmed, row.source) == (confirmed, source):
        return row
    row.confirmed = confirmed
    row.source = source
    row.save()  # also when only days changed: ``updated`` is the calendar's cache version
    record(
        actor=actor,
        action="calendar_year.create" if created else "calendar_year.set",
        subject=row,
        note=f"{len(days)} 个特殊日期，{'已确认' if confirmed else '未确认'}",
    )
    for action, day_row in changes:
        day_row.year = row
        day_row.save()
        record(actor=actor, action=action, subject=day_row)
    calendar.invalidate()
    transaction.on_commit(calendar.invalidate)
    return row


@transaction.atomic
def calendar_year_set(*, actor: Any, year: int, days: Iterable[DayInput], confirmed: bool, source: str) -> CalendarYear:
    """Replace ``year``'s special days with ``days`` and set whether the State Council's notice is entered.

    ``days`` lists every weekday off (``holiday``) and every weekend make-up working day (``workday``) of the year;
    weekend days inside a holiday period may be listed (as holidays) or left out. Only the deployment administrator
    may change the calendar. All or nothing: a bad day raises ``ValidationError`` naming each problem, and nothing
    is written.
    """
    if not is_deployment_admin(actor):
        raise PermissionDenied("只有系统管理员可以修改节假日安排。")
    source = _check_year(year, confirmed, source)
    cleaned = clean_days(year, days)
    return _year_set(actor=actor, year=year, days=cleaned, confirmed=confirmed, source=source)


@transaction.atomic
def calendar_seed(*, actor: Any = None) -> list[int]:
    """Copy each built-in year (``chinese-calendar``) that has no row yet into the table, as confirmed.

    ``actor=None`` is the system (the command line); a user must be the deployment administrator. Idempotent: a
    year already in the table — seeded before, or entered by the administrator — is left as it is. Returns the years
    written.
    """
    if actor is not None and not is_deployment_admin(actor):
        raise PermissionDenied("只有系统管理员可以修改节假日安排。")
    present = set(CalendarYear.objects.values_list("year", flat=True))
    written: list[int] = []
    for year in calendar.builtin_years():
        schedule = calendar.builtin_year(year)
        if year in present or schedule is None:
            continue
        _year_set(actor=actor, year=year, days=dict(schedule.days), confirmed=True, source=schedule.source)
        written.append(year)
    return written
