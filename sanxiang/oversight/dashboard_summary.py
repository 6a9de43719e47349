"""The dashboard's monthly summary (issue 8): each agency's figures of each local calendar month, computed from the
records by the same queries the figures are defined by (``oversight.dashboard``), kept in ``DashboardMonth``, so
that a page reads about twelve rows per agency instead of scanning a year of cases, documents, publications,
complaints and evaluations (docs/decisions/0010-dashboard-summary.md).

It is never stale when read:

* every write in the system is recorded in the ledger inside its transaction; the ledger's record listener
  (``on_recorded``) notes the case (or complaint) the recorded subject belongs to, and the month, in
  ``DashboardChange`` — in the same transaction, so a change and its note commit together;
* before a page reads the summary, ``refresh`` recomputes every month those notes touch (the case's months of
  opening, decision, documents, publication tasks, reviews and closing, and the month of the change), every month of
  the page's window that has no row yet, every row computed with other definitions or settings (``fingerprint``),
  and an agency's whole history the first time it is shown; then it deletes the notes it consumed.

A month's row holds counts that no longer change with the date (opened, decided, closed, fines, on time, late,
evaluation totals) and the items still open with their due day (undecided cases, unpublished decisions, unanswered
complaints, unserved decisions), from which the page works out what is overdue on the day it is shown.
``sanxiang dashboard-rebuild`` recomputes every row.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import CharField, Count, Exists, F, Min, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Cast
from django.utils import timezone

from sanxiang.cases.models import Case, CaseDocument, CaseOfficer, DocumentService, IssuedDocument
from sanxiang.cases.processes import Kind
from sanxiang.core import calendar as core_calendar
from sanxiang.oversight import annual
from sanxiang.oversight import dashboard as figures
from sanxiang.oversight.models import DashboardChange, DashboardMonth

# Bump when what a month's row holds, or how it is computed, changes: every row is then recomputed when next read.
SUMMARY_VERSION = "2"
CASE, COMPLAINT = "case", "complaint"
SEPARATE_MONTHS = 3  # up to this many distinct months are recomputed one by one, more over their span
AGENCIES_AT_ONCE = 10  # agencies per span computation (bounds the rows a query groups)


def fingerprint() -> str:
    """The definitions and settings a month's row depends on."""
    text = json.dumps(
        [
            SUMMARY_VERSION,
            settings.TIME_ZONE,
            figures.limit_days("case_decision"),
            figures.limit_days("decision_service"),
            _calendar_version(),
        ],
        default=str,
    )
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _calendar_version() -> Any:
    """The working-day calendar's version (its table's rows and latest change, the built-in data's package)."""
    return [core_calendar._version(), core_calendar._package_version()]


def month_of(moment: dt.datetime | dt.date) -> dt.date:
    day = timezone.localtime(moment).date() if isinstance(moment, dt.datetime) else moment
    return day.replace(day=1)


def next_month(month: dt.date) -> dt.date:
    return dt.date(month.year + (month.month == 12), month.month % 12 + 1, 1)


# --- a set of agencies' months, from the records ----------------------------------------------------------------------
# Each query below reads the records of ``ids`` in the window ``w`` once, grouped by agency and local month (or by a
# day the month is taken from), with the definitions of docs/dashboards.md; ``compute`` sorts the rows into months.

Bucket = tuple[int, dt.date]


def _blank() -> dict[str, Any]:
    return {
        "opened": {},
        "closed": {},
        "decided": {},
        "decision": {"on_time": 0, "late": 0},
        "undecided": [],
        "service": {"on_time": 0, "late": 0},
        "unserved": [],
        "publication": {"on_time": 0, "late": 0},
        "unpublished": [],
        "review": {"on_time": 0, "late": 0},
        "complaint": {"on_time": 0, "late": 0},
        "unreplied": [],
        "major": {"total": 0, "reviewed": 0, "missing": []},
        "evaluation": [],
    }


def _month(value: Any) -> dt.date:
    month = figures._month_key(value)
    if month is None:
        raise ValueError(f"no month in {value!r}")
    return month


def _day_month(day_number: int) -> dt.date:
    return figures.from_day_number(day_number).replace(day=1)


def _kind(process_key: str) -> str | None:
    kind = figures.kind_of(process_key)
    return kind.value if kind else None


def _on_time_or_late(done: str, due: str) -> dict[str, Count]:
    """Counts of a group done on or before its due day, and after it."""
    return {
        "on_time": Count("pk", filter=Q(**{f"{done}__lte": F(due)})),
        "late": Count("pk", filter=Q(**{f"{done}__gt": F(due)})),
    }


def _add_judged(out: dict[Bucket, dict[str, Any]], key: str, rows: Iterable[tuple[int, dt.date, int, int]]) -> None:
    for agency_id, month, on_time, late in rows:
        judged = out[(agency_id, month)][key]
        judged["on_time"] += on_time
        judged["late"] += late


def _case_counts(out: dict[Bucket, dict[str, Any]], ids: list[int], w: figures.Window) -> None:
    """Cases opened and closed, by agency, month and kind."""
    for key, moment in (("opened", "opened_at"), ("closed", "closed_at")):
        rows = (
            Case.objects.filter(agency_id__in=ids, **{f"{moment}__gte": w.start, f"{moment}__lt": w.end})
            .annotate(month=figures.LocalMonth(moment))
            .order_by()
            .values("agency_id", "month", "process_key")
            .annotate(n=Count("pk"))
        )
        for r in rows:
            kind = _kind(r["process_key"])
            if kind is not None:
                counts = out[(r["agency_id"], _month(r["month"]))][key]
                counts[kind] = counts.get(kind, 0) + r["n"]


def _decisions(out: dict[Bucket, dict[str, Any]], ids: list[int], w: figures.Window) -> None:
    """Decisions by agency, month and kind with ``annual.decision_moment``'s definition, each kind from its own rows:
    penalties and coercion — the first decision document of the case (no earlier one of the same template for the
    case), with the fines; licences — the first ledger entry of the case into 送达、颁证, read from the ledger's time
    index. (Inspections are decided when closed: ``dashboard.case_charts`` takes them from the closed counts.)"""
    from sanxiang.ledger.models import Entry

    penalty, coercion = annual.processes_of(Kind.PENALTY), annual.processes_of(Kind.COERCION)
    earlier = CaseDocument.objects.filter(
        case_id=OuterRef("case_id"),
        document__template_code=OuterRef("document__template_code"),
        document__issued_at__lt=OuterRef("document__issued_at"),
    )
    fined = Q(case__amount_proposed__gt=0, case__process_key__in=penalty)
    rows = (
        CaseDocument.objects.filter(
            Q(document__template_code=annual.DECISION_DOCUMENTS[Kind.PENALTY], case__process_key__in=penalty)
            | Q(document__template_code=annual.DECISION_DOCUMENTS[Kind.COERCION], case__process_key__in=coercion),
            case__agency_id__in=ids,
            document__issued_at__gte=w.start,
            document__issued_at__lt=w.end,
        )
        .filter(~Exists(earlier))
        .annotate(month=figures.LocalMonth("document__issued_at"))
        .order_by()
        .values("case__agency_id", "month", "case__process_key")
        .annotate(n=Count("pk"), fines=Sum("case__amount_proposed", filter=fined), fined=Count("pk", filter=fined))
    )
    for r in rows:
        kind = _kind(r["case__process_key"])
        if kind is None:
            continue
        decided = out[(r["case__agency_id"], _month(r["month"]))]["decided"]
        n, fines, count = decided.get(kind, [0, "0", 0])
        decided[kind] = [n + r["n"], str(Decimal(fines) + Decimal(r["fines"] or 0)), count + r["fined"]]
    licences = dict(
        Case.objects.filter(agency_id__in=ids, process_key__in=annual.processes_of(Kind.LICENCE)).values_list(
            "pk", "agency_id"
        )
    )
    if not licences:
        return
    transitions = Entry.objects.filter(
        subject_type="cases.case", action="case.advance", state__state=annual.LICENCE_DECIDED_STEP
    )
    earlier_entry = transitions.filter(subject_id=OuterRef("subject_id"), seq__lt=OuterRef("seq"))
    licence_ids = Case.objects.filter(pk__in=list(licences)).annotate(sid=Cast("pk", output_field=CharField()))
    entries = (
        transitions.filter(time__gte=w.start, time__lt=w.end, subject_id__in=licence_ids.values("sid"))
        .filter(~Exists(earlier_entry))
        .annotate(month=figures.LocalMonth("time"))
        .order_by()
        .values_list("subject_id", "month")
    )
    for subject_id, month in entries:
        decided = out[(licences[int(subject_id)], _month(month))]["decided"]
        n, fines, count = decided.get(Kind.LICENCE.value, [0, "0", 0])
        decided[Kind.LICENCE.value] = [n + 1, fines, count]


def _decision_limit(out: dict[Bucket, dict[str, Any]], ids: list[int], w: figures.Window) -> None:
    """General-procedure penalty cases by the month they were opened: decided (their first decision document) on
    time or late against the decision limit (``case_decision``: calendar days from the local day of opening plus
    approved extensions); undecided and open, with their due day."""
    days = figures.limit_days("case_decision")
    code = annual.DECISION_DOCUMENTS[Kind.PENALTY]
    earlier = CaseDocument.objects.filter(
        case_id=OuterRef("case_id"),
        document__template_code=code,
        document__issued_at__lt=OuterRef("document__issued_at"),
    )
    rows = (
        CaseDocument.objects.filter(
            document__template_code=code,
            case__agency_id__in=ids,
            case__process_key=figures.DECISION_PROCESS,
            case__opened_at__gte=w.start,
            case__opened_at__lt=w.end,
        )
        .filter(~Exists(earlier))
        .annotate(
            due_day=figures.LocalDay("case__opened_at") + Value(days) + figures._extension_days("case_id"),
            decided_day=figures.LocalDay("document__issued_at"),
            month=figures.LocalMonth("case__opened_at"),
        )
        .order_by()
        .values("case__agency_id", "month")
        .annotate(**_on_time_or_late("decided_day", "due_day"))
    )
    _add_judged(out, "decision", ((r["case__agency_id"], _month(r["month"]), r["on_time"], r["late"]) for r in rows))
    undecided = (
        Case.objects.filter(
            agency_id__in=ids,
            process_key=figures.DECISION_PROCESS,
            opened_at__gte=w.start,
            opened_at__lt=w.end,
            closed_at__isnull=True,
        )
        .filter(~Exists(CaseDocument.objects.filter(case_id=OuterRef("pk"), document__template_code=code)))
        .annotate(
            due_day=figures.LocalDay("opened_at") + Value(days) + figures._extension_days("pk"),
            month=figures.LocalMonth("opened_at"),
        )
        .order_by("pk")
        .values_list("agency_id", "month", "due_day", "pk")
    )
    for agency_id, month, due_day, pk in undecided:
        out[(agency_id, _month(month))]["undecided"].append([due_day, pk, []])


def _service(out: dict[Bucket, dict[str, Any]], ids: list[int], w: figures.Window) -> None:
    """Decisions of general-procedure penalties by the month they were issued: served on time or late against the 7
    working days of ``decision_service`` (the first service's local day against the working-day calendar; grouped
    in SQL by issue day and first service day, each group judged once), and the unserved ones with their due day."""
    first_served = Subquery(
        DocumentService.objects.filter(document_id=OuterRef("document_id"))
        .order_by("served_at", "pk")
        .values("served_at")[:1]
    )
    rows = (
        CaseDocument.objects.filter(
            case__agency_id__in=ids,
            case__process_key=figures.DECISION_PROCESS,
            document__template_code="penalty_decision",
            document__issued_at__gte=w.start,
            document__issued_at__lt=w.end,
        )
        .annotate(served_at=first_served)
        .annotate(issued_on=figures.LocalDay("document__issued_at"), served_on=figures.LocalDay("served_at"))
        .order_by()
        .values("case__agency_id", "issued_on", "served_on")
        .annotate(n=Count("pk"))
    )
    calendar = core_calendar.current()
    days = figures.limit_days("decision_service")
    dues: dict[int, int] = {}
    for r in sorted(rows, key=lambda r: (r["issued_on"] or 0, -1 if r["served_on"] is None else r["served_on"])):
        if r["issued_on"] is None:
            continue
        due = dues.get(r["issued_on"])
        if due is None:
            start = figures.from_day_number(r["issued_on"])
            due = dues[r["issued_on"]] = figures.day_number(calendar.add_working_days(start, days).date)
        bucket = out[(r["case__agency_id"], _day_month(r["issued_on"]))]
        if r["served_on"] is None:
            bucket["unserved"].extend([due] * r["n"])
        else:
            bucket["service"]["on_time" if r["served_on"] <= due else "late"] += r["n"]


def _publication(out: dict[Bucket, dict[str, Any]], ids: list[int], w: figures.Window) -> None:
    """Publication tasks by the month of their decision: published on time or late (``due_on`` against
    ``published_on``, as the annual statistics count it); not published and not withheld, with their due day."""
    from sanxiang.disclosure.models import PublicationTask, TaskState

    tasks = PublicationTask.objects.filter(agency_id__in=ids, decided_on__gte=w.first_day, decided_on__lt=w.end.date())
    rows = (
        tasks.order_by()
        .values("agency_id", "decided_on")
        .annotate(**_on_time_or_late("publication__published_on", "due_on"))
    )
    _add_judged(
        out, "publication", ((r["agency_id"], r["decided_on"].replace(day=1), r["on_time"], r["late"]) for r in rows)
    )
    for agency_id, decided_on, due_on, case_id in (
        tasks.filter(publication__isnull=True)
        .exclude(state=TaskState.WITHHELD)
        .order_by("pk")
        .values_list("agency_id", "decided_on", "due_on", "case_id")
    ):
        out[(agency_id, decided_on.replace(day=1))]["unpublished"].append([figures.day_number(due_on), case_id, []])


def _reviews(out: dict[Bucket, dict[str, Any]], ids: list[int], w: figures.Window) -> None:
    """Legal reviews by the month they were decided, on time or late (``LegalReview.overdue``)."""
    from sanxiang.review.models import LegalReview

    rows = (
        LegalReview.objects.filter(case__agency_id__in=ids, decided_at__gte=w.start, decided_at__lt=w.end)
        .annotate(month=figures.LocalMonth("decided_at"))
        .order_by()
        .values("case__agency_id", "month")
        .annotate(on_time=Count("pk", filter=Q(overdue=False)), late=Count("pk", filter=Q(overdue=True)))
    )
    _add_judged(out, "review", ((r["case__agency_id"], _month(r["month"]), r["on_time"], r["late"]) for r in rows))


def _complaints(out: dict[Bucket, dict[str, Any]], ids: list[int], w: figures.Window) -> None:
    """Complaints by the month they were received: replied on time or late (the local day of ``replied_at`` against
    ``due_on``); not replied and not refused, with their due day, whether closed, their department and assignee."""
    from sanxiang.complaints.models import Complaint, ComplaintState

    received = Complaint.objects.filter(agency_id__in=ids, received_at__gte=w.start, received_at__lt=w.end).annotate(
        month=figures.LocalMonth("received_at")
    )
    rows = (
        received.annotate(replied_day=figures.LocalDay("replied_at"), due_day=figures.DayNumber("due_on"))
        .order_by()
        .values("agency_id", "month")
        .annotate(**_on_time_or_late("replied_day", "due_day"))
    )
    _add_judged(out, "complaint", ((r["agency_id"], _month(r["month"]), r["on_time"], r["late"]) for r in rows))
    for agency_id, month, due_on, state, department_id, assignee_id in (
        received.filter(replied_at__isnull=True)
        .exclude(state=ComplaintState.REFUSED)
        .order_by("pk")
        .values_list("agency_id", "month", "due_on", "state", "department_id", "assignee_id")
    ):
        out[(agency_id, _month(month))]["unreplied"].append(
            [figures.day_number(due_on), state == ComplaintState.CLOSED, department_id, assignee_id]
        )


def _major_decided(ids: Sequence[int], w: figures.Window) -> list[QuerySet[Any]]:
    """Major cases of the scope decided in the window, with ``reviewed``: a legal review whose final outcome passed.

    Major: ``Case.major`` or a ``MajorAssessment`` that found it major. Decided: ``annual.decision_moment`` — for
    penalties and coercion the first decision document, found by grouping the documents (``MIN(issued_at)`` per
    case: one hash aggregate, not a subquery per case); for licences the ledger moment."""
    from sanxiang.review.models import LegalReview, MajorAssessment, Outcome

    assessed = MajorAssessment.objects.filter(major=True).values("case_id")
    penalty, coercion = annual.processes_of(Kind.PENALTY), annual.processes_of(Kind.COERCION)
    documents = (
        CaseDocument.objects.filter(
            Q(document__template_code=annual.DECISION_DOCUMENTS[Kind.PENALTY], case__process_key__in=penalty)
            | Q(document__template_code=annual.DECISION_DOCUMENTS[Kind.COERCION], case__process_key__in=coercion),
            case__agency_id__in=list(ids),
        )
        .filter(Q(case__major=True) | Q(case_id__in=assessed))
        .order_by()
        .values("case_id")
        .annotate(first=Min("document__issued_at"))
        .filter(first__gte=w.start, first__lt=w.end)
        .values("case_id")
    )
    licences = (
        Case.objects.filter(agency_id__in=list(ids), process_key__in=annual.processes_of(Kind.LICENCE))
        .filter(Q(major=True) | Q(pk__in=assessed))
        .annotate(decided_at=annual.decision_moment())
        .filter(decided_at__gte=w.start, decided_at__lt=w.end)
        .values("pk")
    )
    passed = LegalReview.objects.filter(case_id=OuterRef("pk")).filter(
        Q(coordinated_outcome=Outcome.PASS) | Q(coordinated_outcome="", outcome=Outcome.PASS)
    )
    # Two querysets, not one with ``pk IN (…) OR pk IN (…)``: PostgreSQL cannot hash an OR of subqueries and tests
    # every case against both (3–5 s at 100,000 cases).
    return [Case.objects.filter(pk__in=source).annotate(reviewed=Exists(passed)) for source in (documents, licences)]


def _major(out: dict[Bucket, dict[str, Any]], ids: list[int], w: figures.Window) -> None:
    """Major decisions by the month they were made (``annual.decision_moment``): passed a legal review or not (the
    cases that did not are kept with their moment, for the exceptions list)."""
    for qs in _major_decided(ids, w):
        for pk, agency_id, reviewed, decided_at in (
            qs.annotate(decided_at=annual.decision_moment())
            .order_by("pk")
            .values_list("pk", "agency_id", "reviewed", "decided_at")
        ):
            major = out[(agency_id, month_of(decided_at))]["major"]
            major["total"] += 1
            if reviewed:
                major["reviewed"] += 1
            else:
                major["missing"].append([pk, decided_at.isoformat()])


def _evaluations(out: dict[Bucket, dict[str, Any]], ids: list[int], w: figures.Window) -> None:
    """The current evaluations of the cases by the month they were closed, per department and the result of their
    ``recordings`` point: [department, result, evaluations, score, maximum, failed points]."""
    from sanxiang.oversight.models import CaseEvaluation

    rows = (
        CaseEvaluation.objects.filter(
            current=True, agency_id__in=ids, case__closed_at__gte=w.start, case__closed_at__lt=w.end
        )
        .annotate(recording=figures._recording_result(), month=figures.LocalMonth("case__closed_at"))
        .order_by()
        .values("agency_id", "month", "department_id", "recording")
        .annotate(n=Count("pk"), score=Sum("score"), max_score=Sum("max_score"), failed=Sum("failed"))
    )
    for r in sorted(rows, key=lambda r: (r["department_id"] or 0, r["recording"] or "")):
        out[(r["agency_id"], _month(r["month"]))]["evaluation"].append(
            [
                r["department_id"],
                r["recording"] or "",
                int(r["n"]),
                str(r["score"] or 0),
                str(r["max_score"] or 0),
                int(r["failed"] or 0),
            ]
        )


def _officers_of(case_ids: Iterable[int]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = defaultdict(list)
    for case_id, officer_id in (
        CaseOfficer.objects.filter(active=True, case_id__in=list(case_ids))
        .order_by("case_id", "officer_id")
        .values_list("case_id", "officer_id")
    ):
        out[case_id].append(officer_id)
    return out


def compute(agency_ids: Iterable[int], first: dt.date, last: dt.date) -> dict[Bucket, dict[str, Any]]:
    """Every month from ``first`` to ``last`` of ``agency_ids`` from the records: about twenty queries whatever the
    number of agencies and months, each over those agencies' records of those months."""
    ids = sorted(set(agency_ids))
    months = []
    month = first
    while month <= last:
        months.append(month)
        month = next_month(month)
    zone = timezone.get_default_timezone()
    w = figures.Window(
        today=next_month(last) - dt.timedelta(days=1),
        start=dt.datetime.combine(first, dt.time(), tzinfo=zone),
        end=dt.datetime.combine(next_month(last), dt.time(), tzinfo=zone),
        months=tuple(months),
    )
    out: dict[Bucket, dict[str, Any]] = defaultdict(_blank)
    for part in (_case_counts, _decisions, _decision_limit, _service, _publication, _reviews, _complaints, _major,
                 _evaluations):  # fmt: skip
        part(out, ids, w)
    # The active officers of each open item's case (the overdue lists count them).
    items = [item for data in out.values() for key in ("undecided", "unpublished") for item in data[key]]
    officers = _officers_of({case_id for _day, case_id, _o in items})
    for item in items:
        item[2] = officers.get(item[1], [])
    return {(a, m): out[(a, m)] if (a, m) in out else _blank() for a in ids for m in months}


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
    from sanxiang.complaints.models import Complaint

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
    from sanxiang.disclosure.models import PublicationTask
    from sanxiang.review.models import LegalReview

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
    from sanxiang.complaints.models import Complaint

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


def refresh(agency_ids: Sequence[int], w: figures.Window) -> int:
    """Bring the summary up to date for a page of ``agency_ids`` over ``w`` (see the module's docstring); returns the
    number of rows recomputed. Nothing to do — the usual case — costs two queries."""
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
    from sanxiang.org.models import Agency

    ids = (
        list(agency_ids) if agency_ids is not None else list(Agency.objects.order_by("pk").values_list("pk", flat=True))
    )
    this_month = month_of(timezone.localdate())
    buckets = [(agency_id, m) for agency_id in ids for m in history_months(agency_id, this_month)]
    with transaction.atomic():
        DashboardChange.objects.all().delete()
        return recompute(buckets, progress=progress)


def read(agency_ids: Sequence[int], w: figures.Window) -> list[tuple[int, dt.date, dict[str, Any]]]:
    """The rows a page needs: the window's months, and earlier months that still hold open items."""
    return list(
        DashboardMonth.objects.filter(agency_id__in=list(agency_ids))
        .filter(Q(month__gte=w.first_day, month__lte=w.months[-1]) | Q(month__lt=w.first_day, open_items__gt=0))
        .values_list("agency_id", "month", "data")
    )


# --- noting changes (the ledger's record listener) -----------------------------------------------------------------


def _case_of(subject: Any) -> int | None:
    from sanxiang.disclosure.models import Publication

    if isinstance(subject, Case):
        return int(subject.pk)
    case_id = getattr(subject, "case_id", None)
    if isinstance(case_id, int):
        return case_id
    if isinstance(subject, Publication):
        return subject.task.case_id
    if isinstance(subject, IssuedDocument | DocumentService):
        document_id = subject.pk if isinstance(subject, IssuedDocument) else subject.document_id
        return CaseDocument.objects.filter(document_id=document_id).values_list("case_id", flat=True).first()
    return None


def on_recorded(entry: Any, subject: Any) -> None:
    """Note the case or complaint ``subject`` belongs to (``ledger.registry.register_record_listener``)."""
    from sanxiang.complaints.models import Complaint, ComplaintAttachment, ComplaintNote

    kind, ref = CASE, _case_of(subject)
    if ref is None:
        if isinstance(subject, Complaint):
            kind, ref = COMPLAINT, int(subject.pk)
        elif isinstance(subject, ComplaintNote | ComplaintAttachment):
            kind, ref = COMPLAINT, int(subject.complaint_id)
        else:
            return
    DashboardChange.objects.bulk_create(
        [DashboardChange(kind=kind, ref=ref, month=month_of(entry.time))], ignore_conflicts=True
    )


# --- the rows of a scope, added up -----------------------------------------------------------------------------------


def merged(rows: Sequence[tuple[int, dt.date, dict[str, Any]]], w: figures.Window) -> figures.Figures:
    """The scope's figures from its rows: counts of the window's months added up, open items of every row kept with
    whether their month lies in the window."""
    out = figures.Figures()
    window_months = set(w.months)
    for _agency_id, month, data in rows:
        inside = month in window_months
        for day, case_id, officers in data["undecided"]:
            out.undecided.append((day, case_id, officers, inside))
        for day, case_id, officers in data["unpublished"]:
            out.unpublished.append((day, case_id, officers, inside))
        for due, closed, department_id, assignee_id in data["unreplied"]:
            out.unreplied.append((due, closed, department_id, assignee_id, inside))
        if not inside:
            continue
        for kind, n in data["opened"].items():
            out.opened[(month, kind)] += n
        for kind, n in data["closed"].items():
            out.closed[(month, kind)] += n
        for kind, (n, fines, fined) in data["decided"].items():
            bucket = out.decided.setdefault((month, kind), {"n": 0, "fines": Decimal(0), "fined": 0})
            bucket["n"] += n
            bucket["fines"] += Decimal(fines)
            bucket["fined"] += fined
        for key in ("decision", "publication", "review", "complaint"):
            for name, n in data[key].items():
                out.done[key][name] += n
        for name, n in data["service"].items():
            out.done["service"][name] += n
        out.unserved.extend(data["unserved"])
        major = data["major"]
        out.major_total += major["total"]
        out.major_reviewed += major["reviewed"]
        out.major_missing.extend((pk, decided_at) for pk, decided_at in major["missing"])
        out.evaluation.extend(tuple(row) for row in data["evaluation"])
    return out


def scope_figures(agency_ids: Sequence[int], w: figures.Window) -> figures.Figures:
    refresh(agency_ids, w)
    return merged(read(agency_ids, w), w)
