"""The rows of the dashboard's monthly summary, computed from the records: each agency's figures of each local month
(``compute``), by the same queries the figures are defined by (``dashboard.definitions``; docs/dashboards.md).

A month's row holds counts that no longer change with the date (opened, decided, closed, fines, on time, late,
evaluation totals) and the items still open with their due day (undecided cases, unpublished decisions, unanswered
complaints, unserved decisions), from which the page works out what is overdue on the day it is shown.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.db.models import CharField, Count, Exists, F, Min, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Cast
from django.utils import timezone

from sanxiang.cases.models import Case, CaseDocument, CaseOfficer, DocumentService
from sanxiang.cases.processes import Kind
from sanxiang.complaints.models import Complaint, ComplaintState
from sanxiang.core import calendar as core_calendar
from sanxiang.disclosure.models import PublicationTask, TaskState
from sanxiang.ledger.models import Entry
from sanxiang.oversight import annual
from sanxiang.oversight.dashboard.dates import (
    DayNumber,
    LocalDay,
    LocalMonth,
    day_number,
    from_day_number,
    month_key,
    month_of,
    next_month,
)
from sanxiang.oversight.dashboard.definitions import (
    DECISION_PROCESS,
    extension_days,
    kind_of,
    limit_days,
    recording_result,
)
from sanxiang.oversight.dashboard.scopes import Window
from sanxiang.oversight.models import CaseEvaluation
from sanxiang.review.models import LegalReview, MajorAssessment, Outcome

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
    month = month_key(value)
    if month is None:
        raise ValueError(f"no month in {value!r}")
    return month


def _day_month(day: int) -> dt.date:
    return from_day_number(day).replace(day=1)


def _kind(process_key: str) -> str | None:
    kind = kind_of(process_key)
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


def _case_counts(out: dict[Bucket, dict[str, Any]], ids: list[int], w: Window) -> None:
    """Cases opened and closed, by agency, month and kind."""
    for key, moment in (("opened", "opened_at"), ("closed", "closed_at")):
        rows = (
            Case.objects.filter(agency_id__in=ids, **{f"{moment}__gte": w.start, f"{moment}__lt": w.end})
            .annotate(month=LocalMonth(moment))
            .order_by()
            .values("agency_id", "month", "process_key")
            .annotate(n=Count("pk"))
        )
        for r in rows:
            kind = _kind(r["process_key"])
            if kind is not None:
                counts = out[(r["agency_id"], _month(r["month"]))][key]
                counts[kind] = counts.get(kind, 0) + r["n"]


def _decisions(out: dict[Bucket, dict[str, Any]], ids: list[int], w: Window) -> None:
    """Decisions by agency, month and kind with ``annual.decision_moment``'s definition, each kind from its own rows:
    penalties and coercion — the first decision document of the case (no earlier one of the same template for the
    case), with the fines; licences — the first ledger entry of the case into 送达、颁证, read from the ledger's time
    index. (Inspections are decided when closed: ``charts.cases.case_charts`` takes them from the closed counts.)"""

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
        .annotate(month=LocalMonth("document__issued_at"))
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
        .annotate(month=LocalMonth("time"))
        .order_by()
        .values_list("subject_id", "month")
    )
    for subject_id, month in entries:
        decided = out[(licences[int(subject_id)], _month(month))]["decided"]
        n, fines, count = decided.get(Kind.LICENCE.value, [0, "0", 0])
        decided[Kind.LICENCE.value] = [n + 1, fines, count]


def _decision_limit(out: dict[Bucket, dict[str, Any]], ids: list[int], w: Window) -> None:
    """General-procedure penalty cases by the month they were opened: decided (their first decision document) on
    time or late against the decision limit (``case_decision``: calendar days from the local day of opening plus
    approved extensions); undecided and open, with their due day."""
    days = limit_days("case_decision")
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
            case__process_key=DECISION_PROCESS,
            case__opened_at__gte=w.start,
            case__opened_at__lt=w.end,
        )
        .filter(~Exists(earlier))
        .annotate(
            due_day=LocalDay("case__opened_at") + Value(days) + extension_days("case_id"),
            decided_day=LocalDay("document__issued_at"),
            month=LocalMonth("case__opened_at"),
        )
        .order_by()
        .values("case__agency_id", "month")
        .annotate(**_on_time_or_late("decided_day", "due_day"))
    )
    _add_judged(out, "decision", ((r["case__agency_id"], _month(r["month"]), r["on_time"], r["late"]) for r in rows))
    undecided = (
        Case.objects.filter(
            agency_id__in=ids,
            process_key=DECISION_PROCESS,
            opened_at__gte=w.start,
            opened_at__lt=w.end,
            closed_at__isnull=True,
        )
        .filter(~Exists(CaseDocument.objects.filter(case_id=OuterRef("pk"), document__template_code=code)))
        .annotate(
            due_day=LocalDay("opened_at") + Value(days) + extension_days("pk"),
            month=LocalMonth("opened_at"),
        )
        .order_by("pk")
        .values_list("agency_id", "month", "due_day", "pk")
    )
    for agency_id, month, due_day, pk in undecided:
        out[(agency_id, _month(month))]["undecided"].append([due_day, pk, []])


def _service(out: dict[Bucket, dict[str, Any]], ids: list[int], w: Window) -> None:
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
            case__process_key=DECISION_PROCESS,
            document__template_code="penalty_decision",
            document__issued_at__gte=w.start,
            document__issued_at__lt=w.end,
        )
        .annotate(served_at=first_served)
        .annotate(issued_on=LocalDay("document__issued_at"), served_on=LocalDay("served_at"))
        .order_by()
        .values("case__agency_id", "issued_on", "served_on")
        .annotate(n=Count("pk"))
    )
    calendar = core_calendar.current()
    days = limit_days("decision_service")
    dues: dict[int, int] = {}
    for r in sorted(rows, key=lambda r: (r["issued_on"] or 0, -1 if r["served_on"] is None else r["served_on"])):
        if r["issued_on"] is None:
            continue
        due = dues.get(r["issued_on"])
        if due is None:
            start = from_day_number(r["issued_on"])
            due = dues[r["issued_on"]] = day_number(calendar.add_working_days(start, days).date)
        bucket = out[(r["case__agency_id"], _day_month(r["issued_on"]))]
        if r["served_on"] is None:
            bucket["unserved"].extend([due] * r["n"])
        else:
            bucket["service"]["on_time" if r["served_on"] <= due else "late"] += r["n"]


def _publication(out: dict[Bucket, dict[str, Any]], ids: list[int], w: Window) -> None:
    """Publication tasks by the month of their decision: published on time or late (``due_on`` against
    ``published_on``, as the annual statistics count it); not published and not withheld, with their due day."""

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
        out[(agency_id, decided_on.replace(day=1))]["unpublished"].append([day_number(due_on), case_id, []])


def _reviews(out: dict[Bucket, dict[str, Any]], ids: list[int], w: Window) -> None:
    """Legal reviews by the month they were decided, on time or late (``LegalReview.overdue``)."""

    rows = (
        LegalReview.objects.filter(case__agency_id__in=ids, decided_at__gte=w.start, decided_at__lt=w.end)
        .annotate(month=LocalMonth("decided_at"))
        .order_by()
        .values("case__agency_id", "month")
        .annotate(on_time=Count("pk", filter=Q(overdue=False)), late=Count("pk", filter=Q(overdue=True)))
    )
    _add_judged(out, "review", ((r["case__agency_id"], _month(r["month"]), r["on_time"], r["late"]) for r in rows))


def _complaints(out: dict[Bucket, dict[str, Any]], ids: list[int], w: Window) -> None:
    """Complaints by the month they were received: replied on time or late (the local day of ``replied_at`` against
    ``due_on``); not replied and not refused, with their due day, whether closed, their department and assignee."""

    received = Complaint.objects.filter(agency_id__in=ids, received_at__gte=w.start, received_at__lt=w.end).annotate(
        month=LocalMonth("received_at")
    )
    rows = (
        received.annotate(replied_day=LocalDay("replied_at"), due_day=DayNumber("due_on"))
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
            [day_number(due_on), state == ComplaintState.CLOSED, department_id, assignee_id]
        )


def _major_decided(ids: Sequence[int], w: Window) -> list[QuerySet[Any]]:
    """Major cases of the scope decided in the window, with ``reviewed``: a legal review whose final outcome passed.

    Major: ``Case.major`` or a ``MajorAssessment`` that found it major. Decided: ``annual.decision_moment`` — for
    penalties and coercion the first decision document, found by grouping the documents (``MIN(issued_at)`` per
    case: one hash aggregate, not a subquery per case); for licences the ledger moment."""

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


def _major(out: dict[Bucket, dict[str, Any]], ids: list[int], w: Window) -> None:
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


def _evaluations(out: dict[Bucket, dict[str, Any]], ids: list[int], w: Window) -> None:
    """The current evaluations of the cases by the month they were closed, per department and the result of their
    ``recordings`` point: [department, result, evaluations, score, maximum, failed points]."""

    rows = (
        CaseEvaluation.objects.filter(
            current=True, agency_id__in=ids, case__closed_at__gte=w.start, case__closed_at__lt=w.end
        )
        .annotate(recording=recording_result(), month=LocalMonth("case__closed_at"))
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
    w = Window(
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
