"""Local days and months for the dashboard: SQL expressions that place a datetime or a date on its local calendar
day (``LocalDay``, ``DayNumber``) or month (``LocalMonth``), and the day-number and month arithmetic the figures and
the monthly summary do in Python."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db.models import CharField, Func, IntegerField
from django.utils import timezone


class LocalDay(Func):
    """The local calendar day (``TIME_ZONE``) of a datetime as a day number (days since 1970-01-01), so that day
    differences are integer arithmetic on both databases. SQLite shifts by the zone's current UTC offset (China has
    one offset all year); PostgreSQL converts with the zone itself."""

    output_field = IntegerField()

    def as_sql(self, compiler: Any, connection: Any, *args: Any, **extra: Any) -> Any:  # PostgreSQL
        sql, params = compiler.compile(self.source_expressions[0])
        return f"((({sql}) AT TIME ZONE %s)::date - DATE '1970-01-01')", [*params, settings.TIME_ZONE]

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        sql, params = compiler.compile(self.source_expressions[0])
        return f"CAST(julianday({sql}, %s) - 2440587.5 AS INTEGER)", [*params, _sqlite_offset()]


class DayNumber(Func):
    """A date column as a day number (days since 1970-01-01), to compare with ``LocalDay``."""

    output_field = IntegerField()

    def as_sql(self, compiler: Any, connection: Any, *args: Any, **extra: Any) -> Any:
        sql, params = compiler.compile(self.source_expressions[0])
        return f"(({sql})::date - DATE '1970-01-01')", params

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        sql, params = compiler.compile(self.source_expressions[0])
        return f"CAST(julianday({sql}) - 2440587.5 AS INTEGER)", params


def _sqlite_offset() -> str:
    offset = timezone.localtime(timezone.now()).utcoffset() or dt.timedelta(0)
    return f"{int(offset.total_seconds()):+d} seconds"


class LocalMonth(Func):
    """``TruncMonth`` in the local zone as text ``YYYY-MM``: on SQLite with its own ``strftime`` (Django's
    ``TruncMonth(tzinfo=…)`` calls a Python function per row there, which is what made the page slow), on PostgreSQL
    with ``to_char`` of the zone's local time."""

    output_field = CharField()

    def as_sql(self, compiler: Any, connection: Any, *args: Any, **extra: Any) -> Any:
        sql, params = compiler.compile(self.source_expressions[0])
        return f"to_char(({sql}) AT TIME ZONE %s, 'YYYY-MM')", [*params, settings.TIME_ZONE]

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        sql, params = compiler.compile(self.source_expressions[0])
        return f"strftime('%%Y-%%m', {sql}, %s)", [*params, _sqlite_offset()]


def day_number(day: dt.date) -> int:
    return (day - dt.date(1970, 1, 1)).days


def from_day_number(n: int) -> dt.date:
    return dt.date(1970, 1, 1) + dt.timedelta(days=n)


def month_label(day: dt.date) -> str:
    return f"{day.year}-{day.month:02d}"


def month_key(value: Any) -> dt.date | None:
    """The first day of the month from ``LocalMonth``'s ``YYYY-MM``."""
    if not value:
        return None
    year, month = str(value).split("-")[:2]
    return dt.date(int(year), int(month), 1)


def month_of(moment: dt.datetime | dt.date) -> dt.date:
    """The first day of the local month of ``moment``."""
    day = timezone.localtime(moment).date() if isinstance(moment, dt.datetime) else moment
    return day.replace(day=1)


def next_month(month: dt.date) -> dt.date:
    return dt.date(month.year + (month.month == 12), month.month % 12 + 1, 1)
