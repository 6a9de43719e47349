"""The working-day calendar: which days are working days, and when a legal time limit ends.

Counting rules (``domain/DOMAIN.md``, "Counting days"):

- **The day of the event does not count.** Counting starts on the day after ``start``.
- **Working-day periods** (行政处罚法 art. 85: 二日、三日、五日、七日; 行政许可法 art. 82: licence periods; 行政强制法
  art. 69: periods of ten days or less): a period of N working days ends at the end of the Nth working day after the
  event. A working day is Monday–Friday unless the State Council's notice makes it a rest day (法定节假日 and the days
  off around it), plus any Saturday or Sunday the notice makes a make-up working day (调休上班日).
- **Calendar-day periods** (the 90-day case limit, 30-day seizure): they end on the Nth calendar day after the event,
  **even when that day is a holiday or a weekend**. DOMAIN.md gives no extension rule for them, and none of 行政处罚法,
  行政强制法 or 行政许可法 has one; the 民事诉讼法 rule (a period whose last day is a holiday ends on the next working
  day) governs litigation, not administrative procedure. Ending on the day itself is also the strict reading for the
  agency, whose own limits these are. A calendar-day deadline therefore does not depend on the holiday schedule and is
  never provisional.
- ``n == 0`` ends on ``start`` itself; a negative period is an error.

Where the schedule comes from, per year, first match wins:

1. a ``CalendarYear`` row (entered through ``sanxiang.org.calendar_services``, ledgered) with its active
   ``CalendarDay`` rows — confirmed or not as the row says;
2. the built-in data of the ``chinese-calendar`` package (2004–2026 in version 1.11; transcribed from the State
   Council's notices) — confirmed;
3. otherwise an estimate: weekends plus the holidays fixed by date that need neither the lunar calendar nor a notice
   (元旦 1 January, 劳动节 1 May, 国庆节 1–3 October) — **unconfirmed**.

A working-day deadline is **provisional** when any day from the day after ``start`` to its end falls in an unconfirmed
year: it is computed and shown, never refused, and becomes final once an administrator enters that year's notice.
(``sanxiang calendar seed`` copies the built-in years into the table; see docs/decisions/0004-working-day-calendar.md
for why the built-in data is read directly rather than seeded at migrate time.)

Efficiency: the table is read once per process into an immutable ``Calendar`` snapshot, keyed by a version (row
count and latest ``updated`` of ``CalendarYear``). Each top-level call costs one small version query (three when the
table changed); a caller computing many deadlines takes ``current()`` once and asks the snapshot, with no queries.
No computation queries per day.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import metadata
from typing import Literal

import chinese_calendar
from django.db.models import Count, Max

from sanxiang.core.models import CalendarDay, CalendarDayKind, CalendarYear

Kind = Literal["working", "calendar"]
Origin = Literal["database", "builtin", "estimate"]

HOLIDAY = CalendarDayKind.HOLIDAY.value
WORKDAY = CalendarDayKind.WORKDAY.value

# chinese-calendar names its holidays in English; the notices' names.
HOLIDAY_NAMES: dict[str, str] = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}

# Holidays fixed by date in 全国年节及纪念日放假办法 that need no lunar calendar and no notice.
FIXED_HOLIDAYS: tuple[tuple[int, int, str], ...] = (
    (1, 1, "元旦"),
    (5, 1, "劳动节"),
    (10, 1, "国庆节"),
    (10, 2, "国庆节"),
    (10, 3, "国庆节"),
)


@dataclass(frozen=True)
class Deadline:
    """The last day of a period (it ends at the end of that day), and whether it rests on an unconfirmed year."""

    date: dt.date
    provisional: bool

    def is_overdue(self, today: dt.date) -> bool:
        """Whether the period has run out on ``today`` (the deadline day itself is still in time)."""
        return today > self.date


@dataclass(frozen=True)
class YearSchedule:
    """One year's departures from the weekend rule: ``days`` maps a date to ``(kind, name)``."""

    year: int
    confirmed: bool
    origin: Origin
    source: str
    days: Mapping[dt.date, tuple[str, str]] = field(default_factory=dict)

    def is_working_day(self, day: dt.date) -> bool:
        special = self.days.get(day)
        if special is not None:
            return special[0] == WORKDAY
        return day.weekday() < 5


def _package_version() -> str:
    try:
        return metadata.version("chinesecalendar")
    except metadata.PackageNotFoundError:  # pragma: no cover - it is a dependency
        return "?"


@functools.cache
def builtin_years() -> range:
    """The years the installed ``chinese-calendar`` knows (it raises for any other)."""
    years = [d.year for d in (*chinese_calendar.holidays, *chinese_calendar.workdays)]
    return range(min(years), max(years) + 1)


@functools.cache
def builtin_year(year: int) -> YearSchedule | None:
    """The package's schedule for ``year`` (only the days that differ from the weekend rule), or None."""
    if year not in builtin_years():
        return None
    days: dict[dt.date, tuple[str, str]] = {}
    for day, name in chinese_calendar.holidays.items():
        if day.year == year and day.weekday() < 5:
            days[day] = (HOLIDAY, HOLIDAY_NAMES.get(str(name), str(name)))
    for day, name in chinese_calendar.workdays.items():
        if day.year == year and day.weekday() >= 5:
            days[day] = (WORKDAY, HOLIDAY_NAMES.get(str(name), str(name)))
    source = f"内置数据：chinese-calendar {_package_version()}（据国务院办公厅历年部分节假日安排的通知）"
    return YearSchedule(year=year, confirmed=True, origin="builtin", source=source, days=dict(sorted(days.items())))


@functools.cache
def estimated_year(year: int) -> YearSchedule:
    """Weekends plus the holidays fixed by date; unconfirmed."""
    days: dict[dt.date, tuple[str, str]] = {}
    for month, day_of_month, name in FIXED_HOLIDAYS:
        day = dt.date(year, month, day_of_month)
        if day.weekday() < 5:
            days[day] = (HOLIDAY, name)
    return YearSchedule(
        year=year,
        confirmed=False,
        origin="estimate",
        source="未确认：仅按周末和固定日期节日（元旦、劳动节、国庆节）推算",
        days=days,
    )


class Calendar:
    """An immutable snapshot of the schedule; every question it answers is computed in memory."""

    def __init__(self, stored: Mapping[int, YearSchedule]) -> None:
        self._stored = dict(stored)
        self._years: dict[int, YearSchedule] = {}

    def year(self, year: int) -> YearSchedule:
        schedule = self._years.get(year)
        if schedule is None:
            schedule = self._stored.get(year) or builtin_year(year) or estimated_year(year)
            self._years[year] = schedule
        return schedule

    def is_working_day(self, day: dt.date) -> bool:
        return self.year(day.year).is_working_day(day)

    def is_confirmed(self, day: dt.date) -> bool:
        return self.year(day.year).confirmed

    def add_working_days(self, start: dt.date, n: int) -> Deadline:
        """The end of the ``n``th working day after ``start`` (``start`` itself does not count)."""
        _check_period(n)
        day = start
        counted = 0
        provisional = False
        while counted < n:
            day += dt.timedelta(days=1)
            schedule = self.year(day.year)
            if not schedule.confirmed:
                provisional = True
            if schedule.is_working_day(day):
                counted += 1
        return Deadline(date=day, provisional=provisional)

    def add_calendar_days(self, start: dt.date, n: int) -> Deadline:
        """The ``n``th calendar day after ``start``; not extended past a holiday, so never provisional."""
        _check_period(n)
        return Deadline(date=start + dt.timedelta(days=n), provisional=False)

    def deadline(self, start: dt.date, *, days: int, kind: Kind) -> Deadline:
        if kind == "working":
            return self.add_working_days(start, days)
        if kind == "calendar":
            return self.add_calendar_days(start, days)
        raise ValueError(f"unknown kind of period: {kind!r} (working or calendar)")

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days in the half-open range (``start``, ``end``]: the days a period from ``start`` has used."""
        count = 0
        day = start
        while day < end:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                count += 1
        return count


def _check_period(n: int) -> None:
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError("a period is a whole number of days")
    if n < 0:
        raise ValueError("a period cannot be negative")


# --- the per-process snapshot ----------------------------------------------------------------------------------------

_NO_SCHEDULE = Calendar({})
_Version = tuple[int, dt.datetime | None]
_snapshot: tuple[_Version, Calendar] | None = None


def _version() -> _Version:
    row = CalendarYear.objects.aggregate(n=Count("pk"), latest=Max("updated"))
    return (row["n"], row["latest"])


def _load() -> Calendar:
    days: dict[int, dict[dt.date, tuple[str, str]]] = {}
    for year_id, date, kind, name in CalendarDay.objects.filter(active=True).values_list(
        "year_id", "date", "kind", "name"
    ):
        days.setdefault(year_id, {})[date] = (kind, name)
    stored = {
        row.year: YearSchedule(
            year=row.year, confirmed=row.confirmed, origin="database", source=row.source, days=days.get(row.pk, {})
        )
        for row in CalendarYear.objects.all()
    }
    return Calendar(stored)


def current() -> Calendar:
    """The schedule as the table has it now: one version query, plus two to reload after a change."""
    global _snapshot
    version = _version()
    snapshot = _snapshot
    if snapshot is not None and snapshot[0] == version:
        return snapshot[1]
    calendar = _load()
    _snapshot = (version, calendar)
    return calendar


def invalidate() -> None:
    """Forget the snapshot (the calendar service calls this after a change, and again on commit)."""
    global _snapshot
    _snapshot = None


def is_working_day(day: dt.date) -> bool:
    return current().is_working_day(day)


def add_working_days(start: dt.date, n: int) -> Deadline:
    return current().add_working_days(start, n)


def add_calendar_days(start: dt.date, n: int) -> Deadline:
    return _NO_SCHEDULE.add_calendar_days(start, n)  # needs no schedule, so no query


def deadline(start: dt.date, *, days: int, kind: Kind) -> Deadline:
    """When a period of ``days`` counted from the event on ``start`` ends (see the module's counting rules)."""
    return current().deadline(start, days=days, kind=kind)


def working_days_between(start: dt.date, end: dt.date) -> int:
    return current().working_days_between(start, end)


def year_schedule(year: int) -> YearSchedule:
    return current().year(year)
