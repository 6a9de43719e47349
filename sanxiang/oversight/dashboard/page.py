"""A dashboard page's charts for a scope (``charts_for``; one of them for its CSV, ``chart_for``): the scope's
figures brought up to date and read from the monthly summary, plus the few read live (reviews waiting, certificates,
inspection plans), in one read-only transaction — a fixed number of queries whatever the number of records."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection, transaction

from sanxiang.oversight.dashboard.chart import Chart
from sanxiang.oversight.dashboard.charts.cases import case_charts
from sanxiang.oversight.dashboard.charts.certificates import certificate_charts
from sanxiang.oversight.dashboard.charts.evaluation import evaluation_charts
from sanxiang.oversight.dashboard.charts.inspections import inspection_chart
from sanxiang.oversight.dashboard.charts.majors import major_charts
from sanxiang.oversight.dashboard.charts.overdue import overdue_charts
from sanxiang.oversight.dashboard.charts.timeliness import timeliness_chart
from sanxiang.oversight.dashboard.scopes import Scope, window
from sanxiang.oversight.dashboard.summary.refresh import scope_figures


def clear_memo() -> None:
    """The dashboard keeps no memo between requests (bench/dashboard.py calls this hook if it exists)."""


@contextmanager
def _read_only_figures() -> Iterator[None]:
    """One transaction for a page's figures; on PostgreSQL without JIT compilation (``SET LOCAL``: this transaction
    only). The planner's estimates for the correlated subqueries exceed ``jit_above_cost``, and compiling them took
    about a second per query — more than running them (measured at 100,000 cases)."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
        yield


def charts_for(scope: Scope, *, today: dt.date | None = None, case_url: Any = None) -> list[Chart]:
    """Every chart of the overview page for ``scope`` (a fixed number of queries)."""
    with _read_only_figures():
        return _charts(scope, today=today, case_url=case_url)


def _charts(scope: Scope, *, today: dt.date | None, case_url: Any) -> list[Chart]:
    w = window(today)
    ids = scope.agency_ids
    url = case_url or (lambda pk: "")
    fig = scope_figures(ids, w)
    return [
        *case_charts(fig, w),
        timeliness_chart(fig, ids, w),
        *major_charts(fig, case_url=url),
        *evaluation_charts(fig, single=scope.single),
        *overdue_charts(fig, w, single=scope.single),
        *certificate_charts(ids, w, single=scope.single),
        inspection_chart(ids, w, single=scope.single),
    ]


CHART_KEYS = (
    "cases_opened",
    "cases_decided",
    "cases_closed",
    "fines",
    "timeliness",
    "major_review",
    "major_exceptions",
    "recordings",
    "evaluation",
    "overdue_departments",
    "overdue_officers",
    "certificates",
    "certificates_list",
    "inspections",
)


def chart_for(scope: Scope, key: str, *, today: dt.date | None = None, case_url: Any = None) -> Chart | None:
    """One chart by key (for its CSV): the page's charts (read from the monthly summary, so no dearer than one)."""
    if key not in CHART_KEYS:
        return None
    return next((c for c in charts_for(scope, today=today, case_url=case_url) if c.key == key), None)
