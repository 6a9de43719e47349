"""Keeping the dashboard's monthly summary (``DashboardMonth``) current: which months to recompute — those the
noted changes touch, the window's months without a row, rows of other definitions (``fingerprint``), an agency's
whole history when first shown (``refresh``) — recomputing and storing them (``recompute``, ``rebuild``), and
reading a page's rows (``read``, ``scope_figures``)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Min, Q
from django.utils import timezone

from sanxiang.cases.models import Case, CaseDocument
from sanxiang.complaints.models import Complaint
from sanxiang.core import calendar as core_calendar
from sanxiang.disclosure.models import PublicationTask
from sanxiang.org.models import Agency
from sanxiang.oversight import annual
from sanxiang.oversight.dashboard.dates import month_of, next_month
from sanxiang.oversight.dashboard.definitions import limit_days
from sanxiang.oversight.dashboard.figures import Figures, merged
from sanxiang.oversight.dashboard.scopes import Window
from sanxiang.oversight.dashboard.summary.changes import CASE, COMPLAINT
from sanxiang.oversight.dashboard.summary.compute import Bucket, compute
from sanxiang.oversight.models import DashboardChange, DashboardMonth
from sanxiang.review.models import LegalReview

# Bump when what a month's row holds, or how it is computed, changes: every row is then recomputed when next read.
SUMMARY_VERSION = "2"
SEPARATE_MONTHS = 3  # up to this many distinct months are recomputed one by one, more over their span
AGENCIES_AT_ONCE = 10  # agencies per span computation (bounds the rows a query groups)


def fingerprint() -> str:
    """The definitions and settings a month's row depends on."""
    text = json.dumps(
        [
            SUMMARY_VERSION,
            settings.TIME_ZONE,
            limit_days("case_decision"),
            limit_days("decision_service"),
            _calendar_version(),
        ],
        default=str,
    )
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _calendar_version() -> Any:
    """The working-day calendar's version (its table's rows and latest change, the built-in data's package)."""
    return [core_calendar._version(), core_calendar._package_version()]


def open_items(data: dict[str, Any]) -> int:
    """Items that can still be overdue after the month leaves the window (the overdue lists are not windowed)."""
    return len(data["undecided"]) + len(data["unpublished"]) + len(data["unreplied"])


def _store(rows: Sequence[tuple[int, dt.date, dict[str, Any]]], stamp: str) -> None:
    now = timezone.now()
    DashboardMonth.objects.bulk_create(
        [
            DashboardMonth(
                agency_id=agency_id,
                month=month,
                fingerprint=stamp,
                data=data,
                open_items=open_items(data),
                computed_at=now,
            )
            for agency_id, month, data in rows
        ],
        update_conflicts=True,
        unique_fields=["agency", "month"],
        update_fields=["fingerprint", "data", "open_items", "computed_at"],
    )


def recompute(
    buckets: Iterable[Bucket], *, stamp: str | None = None, progress: Callable[[int], None] | None = None
) -> int:
    """Recompute and store the rows of ``buckets`` ((agency id, month) pairs); returns how many.

    The months of a few changes are computed month by month (each over the agencies that need it); many months
    (a rebuild, an agency shown for the first time) at once over their span, in groups of agencies. ``stamp``: the
    caller's ``fingerprint()``, when it has it."""
    stamp = stamp or fingerprint()
    todo = sorted(set(buckets))
    by_month: dict[dt.date, set[int]] = defaultdict(set)
    for agency_id, month in todo:
        by_month[month].add(agency_id)
    groups: list[tuple[set[int], dt.date, dt.date]]
    if len(by_month) <= SEPARATE_MONTHS:
        groups = [(agencies, month, month) for month, agencies in sorted(by_month.items())]
    else:
        every = sorted({a for a, _m in todo})
        groups = [
            (set(every[i : i + AGENCIES_AT_ONCE]), min(by_month), max(by_month))
            for i in range(0, len(every), AGENCIES_AT_ONCE)
        ]
    wanted = set(todo)
    for agencies, first, last in groups:
        rows = [(a, m, data) for (a, m), data in compute(agencies, first, last).items() if (a, m) in wanted]
        for start in range(0, len(rows), 200):
            _store(rows[start : start + 200], stamp)
        if progress:
            progress(len(rows))
    return len(todo)


# --- which months a change touches ---------------------------------------------------------------------------------


def history_months(agency_id: int, through: dt.date) -> list[dt.date]:
    """Every month from the agency's first case or complaint to ``through``."""

    firsts = [
        Case.objects.filter(agency_id=agency_id).aggregate(first=Min("opened_at"))["first"],
        Complaint.objects.filter(agency_id=agency_id).aggregate(first=Min("received_at"))["first"],
    ]
    known = [month_of(first) for first in firsts if first is not None]
    month = min([*known, through])
    out = []
    while month <= through:
        out.append(month)
        month = next_month(month)
    return out


def months_of_cases(case_ids: Sequence[int]) -> set[tuple[int, dt.date]]:
    """The (agency, month) rows a case can count in: the months of its opening, decision moment, closing, documents,
    publication tasks and legal reviews."""

    out: set[tuple[int, dt.date]] = set()
    agency_of: dict[int, int] = {}
    for pk, agency_id, opened_at, closed_at, decided_at in (
        Case.objects.filter(pk__in=case_ids)
        .annotate(decided_at=annual.decision_moment())
        .values_list("pk", "agency_id", "opened_at", "closed_at", "decided_at")
    ):
        agency_of[pk] = agency_id
        out.update((agency_id, month_of(m)) for m in (opened_at, closed_at, decided_at) if m is not None)
    for case_id, issued_at in CaseDocument.objects.filter(case_id__in=case_ids).values_list(
        "case_id", "document__issued_at"
    ):
        if issued_at is not None:
            out.add((agency_of[case_id], month_of(issued_at)))
    for agency_id, decided_on in PublicationTask.objects.filter(case_id__in=case_ids).values_list(
        "agency_id", "decided_on"
    ):
        out.add((agency_id, month_of(decided_on)))
    for case_id, decided_at in LegalReview.objects.filter(case_id__in=case_ids, decided_at__isnull=False).values_list(
        "case_id", "decided_at"
    ):
        if decided_at is not None:
            out.add((agency_of[case_id], month_of(decided_at)))
    return out


def _months_of_marks(marks: Sequence[tuple[str, int, dt.date]]) -> set[tuple[int, dt.date]]:
    case_ids = sorted({ref for kind, ref, _m in marks if kind == CASE})
    complaint_ids = sorted({ref for kind, ref, _m in marks if kind == COMPLAINT})
    out: set[tuple[int, dt.date]] = set()
    case_agency = dict(Case.objects.filter(pk__in=case_ids).values_list("pk", "agency_id"))
    complaints = {
        pk: (agency_id, received_at)
        for pk, agency_id, received_at in Complaint.objects.filter(pk__in=complaint_ids).values_list(
            "pk", "agency_id", "received_at"
        )
    }
    for start in range(0, len(case_ids), 500):
        out |= months_of_cases(case_ids[start : start + 500])
    for kind, ref, month in marks:
        if kind == CASE and ref in case_agency:
            out.add((case_agency[ref], month))
        elif kind == COMPLAINT and ref in complaints:
            agency_id, received_at = complaints[ref]
            out |= {(agency_id, month), (agency_id, month_of(received_at))}
    return out


def refresh(agency_ids: Sequence[int], w: Window) -> int:
    """Bring the summary up to date for a page of ``agency_ids`` over ``w`` (see ``dashboard.summary``'s
    docstring); returns the number of rows recomputed. Nothing to do — the usual case — costs two queries."""
    stamp = fingerprint()
    todo: set[tuple[int, dt.date]] = set()
    marks = list(DashboardChange.objects.order_by("pk").values_list("pk", "kind", "ref", "month"))
    if marks:
        todo |= _months_of_marks([(kind, ref, month) for _pk, kind, ref, month in marks])
    have: dict[tuple[int, dt.date], str] = {
        (agency_id, month): stored
        for agency_id, month, stored in DashboardMonth.objects.filter(agency_id__in=list(agency_ids)).values_list(
            "agency_id", "month", "fingerprint"
        )
    }
    shown = {agency_id for agency_id, _m in have}
    for agency_id in agency_ids:
        if agency_id not in shown:
            todo |= {(agency_id, m) for m in history_months(agency_id, w.months[-1])}
        else:
            todo |= {(agency_id, m) for m in w.months if (agency_id, m) not in have}
    todo |= {bucket for bucket, stored in have.items() if stored != stamp}
    if not todo and not marks:
        return 0
    with transaction.atomic():
        done = recompute(todo, stamp=stamp)
        if marks:
            DashboardChange.objects.filter(pk__lte=marks[-1][0]).delete()
    return done


def rebuild(agency_ids: Sequence[int] | None = None, *, progress: Callable[[int], None] | None = None) -> int:
    """Recompute every month of every agency (or of ``agency_ids``) from its first record to this month."""

    ids = (
        list(agency_ids) if agency_ids is not None else list(Agency.objects.order_by("pk").values_list("pk", flat=True))
    )
    this_month = month_of(timezone.localdate())
    buckets = [(agency_id, m) for agency_id in ids for m in history_months(agency_id, this_month)]
    with transaction.atomic():
        DashboardChange.objects.all().delete()
        return recompute(buckets, progress=progress)


def read(agency_ids: Sequence[int], w: Window) -> list[tuple[int, dt.date, dict[str, Any]]]:
    """The rows a page needs: the window's months, and earlier months that still hold open items."""
    return list(
        DashboardMonth.objects.filter(agency_id__in=list(agency_ids))
        .filter(Q(month__gte=w.first_day, month__lte=w.months[-1]) | Q(month__lt=w.first_day, open_items__gt=0))
        .values_list("agency_id", "month", "data")
    )


def scope_figures(agency_ids: Sequence[int], w: Window) -> Figures:
    refresh(agency_ids, w)
    return merged(read(agency_ids, w), w)
