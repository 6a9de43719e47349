"""A year's enforcement statistics (年度行政执法数据, plan 二(一)5, 国办发〔2018〕118号): computed from the records, one
agency or every agency of the deployment at once, aggregated in the database.

What belongs to a year (docs/annual-report.md says the same for readers): a year is the local calendar year
(``TIME_ZONE``, Asia/Shanghai by default) from 1 January 00:00 to the next 1 January 00:00, so a decision at 23:30 on
31 December Beijing time counts in that year although it is 15:30 UTC.

* **opened** — ``Case.opened_at`` in the year; **closed** — ``Case.closed_at`` (the case reached its end step).
* **decided** — the moment of the case's decision in the year, the same events that owe a publication
  (``disclosure.services.decision_of``):
  penalties — the first 行政处罚决定书 (``penalty_decision``) issued for the case;
  coercion — the first 查封、扣押决定书 (``coercive_measure_decision``) issued;
  licences — the case left the 决定 step (its ``case.advance`` ledger entry into 送达、颁证; 不予受理 is not a licence
  decision and counts only as closed);
  inspections — the inspection ended (``closed_at``).
  A penalty case closed without a decision (不予处罚、移送) is closed, not decided.
* **penalties by sanction** — decided penalty cases whose ``Case.sanctions`` contains the sanction (one case with a
  fine and a warning counts under both); **fines** — ``Case.amount_proposed`` of decided penalty cases with a fine:
  the proposal is frozen once the decision is issued (``cases.workflow.PROPOSAL_STEPS`` ends at 决定), so it is the
  amount decided.
* **on time** — each timeliness row counts items finished in time, late, and (where it applies) still running:
  decisions within their legal limit (``cases.deadlines``: 90 days for general-procedure penalties, 20 working days
  for licences, with approved extensions); publications of the year's decisions by their due day
  (``PublicationTask.due_on`` against ``Publication.published_on``); legal reviews decided in the year without being
  overdue (``LegalReview.overdue``); replies to the complaints received in the year by their due day
  (``Complaint.due_on`` against the local date of ``replied_at``); rows other apps register (``register_row``).

Cost: everything is a fixed number of grouped queries whatever the number of cases, except the decision limits: those
need each decided case's step history, so they go through ``cases.deadlines.case_records`` (four queries per 500
cases) and the calendar arithmetic runs per case in Python — linear in the year's decided general-procedure penalty
and licence cases, which a district bureau counts in hundreds.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Case as Choose
from django.db.models import CharField, Count, DateTimeField, F, OuterRef, Q, QuerySet, Subquery, Sum, TextField, When
from django.db.models.functions import Cast, TruncDate
from django.utils import timezone

from sanxiang.cases import deadlines
from sanxiang.cases.models import Case, CaseDocument, Sanction
from sanxiang.cases.processes import KIND_LABELS, PROCESSES, Kind, Procedure
from sanxiang.core import calendar as core_calendar
from sanxiang.ledger.models import Entry
from sanxiang.org.models import Agency

SCHEMA = 1
DECISION_DOCUMENTS = {Kind.PENALTY: "penalty_decision", Kind.COERCION: "coercive_measure_decision"}
LICENCE_DECIDED_STEP = "issue"  # a licence case leaves 决定 only into 送达、颁证
# The legal limits a decision is measured against (``cases.deadlines`` keys) and the processes that have them.
DECISION_LIMITS = {"penalty-general": "case_decision", "licence": "licence_decision"}


def processes_of(kind: Kind) -> list[str]:
    return sorted(key for key, process in PROCESSES.items() if process.kind == kind)


@dataclass(frozen=True)
class Period:
    """A local calendar year as an aware half-open interval ``[start, end)``."""

    year: int
    start: dt.datetime
    end: dt.datetime

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.year, 1, 1)

    @property
    def last_day(self) -> dt.date:
        return dt.date(self.year, 12, 31)


def period(year: int) -> Period:
    zone = timezone.get_default_timezone()
    return Period(
        year=year,
        start=dt.datetime(year, 1, 1, tzinfo=zone),
        end=dt.datetime(year + 1, 1, 1, tzinfo=zone),
    )


# --- the moment a case was decided, as one SQL expression ----------------------------------------------------------


def _first_document(code: str) -> Subquery:
    return Subquery(
        CaseDocument.objects.filter(case_id=OuterRef("pk"), document__template_code=code)
        .order_by("document__issued_at", "document_id")
        .values("document__issued_at")[:1],
        output_field=DateTimeField(),
    )


def _licence_decided() -> Subquery:
    return Subquery(
        Entry.objects.filter(
            subject_type="cases.case",
            subject_id=Cast(OuterRef("pk"), output_field=CharField()),
            action="case.advance",
            state__state=LICENCE_DECIDED_STEP,
        )
        .order_by("seq")
        .values("time")[:1],
        output_field=DateTimeField(),
    )


def decision_moment() -> Choose:
    """When a case was decided (NULL if it was not), by kind as the module docstring defines it."""
    whens = [
        When(process_key__in=processes_of(kind), then=_first_document(code))
        for kind, code in DECISION_DOCUMENTS.items()
    ]
    whens.append(When(process_key__in=processes_of(Kind.LICENCE), then=_licence_decided()))
    whens.append(When(process_key__in=processes_of(Kind.INSPECTION), then=F("closed_at")))
    return Choose(*whens, default=None, output_field=DateTimeField())


def decided_cases(p: Period, agency_ids: Iterable[int]) -> QuerySet[Case]:
    """The cases of ``agency_ids`` decided in the year ``p``."""
    return (
        Case.objects.filter(agency_id__in=list(agency_ids))
        .annotate(decided_at=decision_moment())
        .filter(decided_at__gte=p.start, decided_at__lt=p.end)
    )


# --- sections, each one query grouped by agency -------------------------------------------------------------------

Figures = dict[str, Any]
Grouped = dict[int, dict[str, Any]]


def _kind_counts(queryset: QuerySet[Case]) -> dict[int, dict[str, int]]:
    """{agency: {kind: n}} from a case queryset (grouped by agency and process in the database)."""
    result: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(Kind, 0))
    rows = queryset.order_by().values("agency_id", "process_key").annotate(n=Count("pk"))
    for row in rows:
        kind = PROCESSES[row["process_key"]].kind if row["process_key"] in PROCESSES else None
        if kind is not None:
            result[row["agency_id"]][kind] += row["n"]
    return result


def _case_counts(p: Period, ids: list[int]) -> Grouped:
    base = Case.objects.filter(agency_id__in=ids)
    opened = _kind_counts(base.filter(opened_at__gte=p.start, opened_at__lt=p.end))
    closed = _kind_counts(base.filter(closed_at__gte=p.start, closed_at__lt=p.end))
    decided = _kind_counts(decided_cases(p, ids))
    out: Grouped = {}
    for agency_id in ids:
        kinds = [
            {
                "key": kind.value,
                "label": KIND_LABELS[kind],
                "opened": opened[agency_id][kind],
                "decided": decided[agency_id][kind],
                "closed": closed[agency_id][kind],
            }
            for kind in Kind
        ]
        out[agency_id] = {
            "opened": sum(k["opened"] for k in kinds),
            "decided": sum(k["decided"] for k in kinds),
            "closed": sum(k["closed"] for k in kinds),
            "kinds": kinds,
        }
    return out


def _sanction_filter(value: str) -> Q:
    # JSONField ``contains`` is PostgreSQL-only; the list's JSON text holds each code in quotes on both databases
    # (SQLite stores the text as written, PostgreSQL prints jsonb as ["fine", "warning"]), and no code is a quoted
    # substring of another ('"confiscation"' does not occur in '"large_confiscation"').
    return Q(sanctions_text__contains=f'"{value}"')


def _penalties(p: Period, ids: list[int]) -> Grouped:
    penalties = (
        decided_cases(p, ids)
        .filter(process_key__in=processes_of(Kind.PENALTY))
        .annotate(sanctions_text=Cast("sanctions", output_field=TextField()))
    )
    summary = [key for key in processes_of(Kind.PENALTY) if PROCESSES[key].procedure == Procedure.SUMMARY]
    aggregates: dict[str, Any] = {
        "decided": Count("pk"),
        "summary": Count("pk", filter=Q(process_key__in=summary)),
        "fined": Count("pk", filter=Q(amount_proposed__gt=0)),
        "fines": Sum("amount_proposed", filter=Q(amount_proposed__gt=0)),
    }
    for sanction in Sanction:
        aggregates[f"s_{sanction.value}"] = Count("pk", filter=_sanction_filter(sanction.value))
    rows = {row["agency_id"]: row for row in penalties.order_by().values("agency_id").annotate(**aggregates)}
    out: Grouped = {}
    for agency_id in ids:
        row = rows.get(agency_id, {})
        total = row.get("fines") or Decimal("0")
        out[agency_id] = {
            "decided": row.get("decided", 0),
            "general": row.get("decided", 0) - row.get("summary", 0),
            "summary": row.get("summary", 0),
            "sanctions": [{"key": s.value, "label": s.label, "count": row.get(f"s_{s.value}", 0)} for s in Sanction],
            "fines": {"count": row.get("fined", 0), "total": f"{Decimal(total):.2f}"},
        }
    return out


def _decision_limits(p: Period, ids: list[int], today: dt.date) -> dict[str, Grouped]:
    """Decided cases with a decision limit: met or late (per case through ``cases.deadlines``, see the docstring)."""
    cases = list(
        decided_cases(p, ids)
        .filter(process_key__in=list(DECISION_LIMITS))
        .only("pk", "agency_id", "process_key", "state", "opened_at", "visit", "step_entered_at")
        .order_by("pk")
    )
    out: dict[str, Grouped] = {
        key: {agency_id: {"on_time": 0, "late": 0, "running": 0} for agency_id in ids}
        for key in DECISION_LIMITS.values()
    }
    if not cases:
        return out
    calendar = core_calendar.current()
    records = deadlines.case_records(cases)
    for case in cases:
        key = DECISION_LIMITS[case.process_key]
        status = next(
            (
                d.status
                for d in deadlines.compute_deadlines(records[case.pk], today=today, calendar=calendar)
                if d.key == key
            ),
            None,
        )
        bucket = out[key][case.agency_id]
        if status == "met":
            bucket["on_time"] += 1
        elif status == "late":
            bucket["late"] += 1
        else:
            bucket["running"] += 1
    return out


def _publications(p: Period, ids: list[int], today: dt.date) -> Grouped:
    from sanxiang.disclosure.models import PublicationTask, TaskState

    unpublished = Q(publication__isnull=True) & ~Q(state=TaskState.WITHHELD)
    rows = {
        row["agency_id"]: row
        for row in PublicationTask.objects.filter(
            agency_id__in=ids, decided_on__gte=p.first_day, decided_on__lte=p.last_day
        )
        .order_by()
        .values("agency_id")
        .annotate(
            total=Count("pk"),
            withheld=Count("pk", filter=Q(state=TaskState.WITHHELD, publication__isnull=True)),
            on_time=Count("pk", filter=Q(publication__published_on__lte=F("due_on"))),
            late=Count("pk", filter=Q(publication__published_on__gt=F("due_on"))),
            overdue=Count("pk", filter=unpublished & Q(due_on__lt=today)),
            running=Count("pk", filter=unpublished & Q(due_on__gte=today)),
        )
    }
    keys = ("total", "withheld", "on_time", "late", "overdue", "running")
    return {agency_id: {k: rows.get(agency_id, {}).get(k, 0) for k in keys} for agency_id in ids}


def _reviews(p: Period, ids: list[int]) -> Grouped:
    from sanxiang.review.models import LegalReview

    rows = {
        row["case__agency_id"]: row
        for row in LegalReview.objects.filter(case__agency_id__in=ids, decided_at__gte=p.start, decided_at__lt=p.end)
        .order_by()
        .values("case__agency_id")
        .annotate(on_time=Count("pk", filter=Q(overdue=False)), late=Count("pk", filter=Q(overdue=True)))
    }
    return {
        agency_id: {
            "on_time": rows.get(agency_id, {}).get("on_time", 0),
            "late": rows.get(agency_id, {}).get("late", 0),
        }
        for agency_id in ids
    }


def _complaint_replies(p: Period, ids: list[int], today: dt.date) -> Grouped:
    """Complaints received in the year: replied by the due day, after it, unreplied past it, unreplied and running
    (refused ones are not replies and are left out)."""
    from sanxiang.complaints.models import Complaint, ComplaintState

    unreplied = Q(replied_at__isnull=True) & ~Q(state=ComplaintState.REFUSED)
    rows = {
        row["agency_id"]: row
        for row in Complaint.objects.filter(agency_id__in=ids, received_at__gte=p.start, received_at__lt=p.end)
        .annotate(replied_on=TruncDate("replied_at", tzinfo=timezone.get_default_timezone()))
        .order_by()
        .values("agency_id")
        .annotate(
            on_time=Count("pk", filter=Q(replied_on__lte=F("due_on"))),
            late=Count("pk", filter=Q(replied_on__gt=F("due_on"))),
            overdue=Count("pk", filter=unreplied & Q(due_on__lt=today)),
            running=Count("pk", filter=unreplied & Q(due_on__gte=today)),
        )
    }
    keys = ("on_time", "late", "overdue", "running")
    return {agency_id: {k: rows.get(agency_id, {}).get(k, 0) for k in keys} for agency_id in ids}


# --- rows other apps add (the complaints app: replies within the time limit) ---------------------------------------

RowSource = Callable[[Period, list[int], dt.date], Grouped]


@dataclass(frozen=True)
class ExtraRow:
    key: str
    label: str
    basis: str
    source: RowSource  # (period, agency ids, as-of day) → {agency id: {"on_time", "late", "running"?, "overdue"?}}


_extra_rows: dict[str, ExtraRow] = {}


def register_row(key: str, label: str, basis: str, source: RowSource) -> None:
    """Add a timeliness row computed by another app (called from its ``AppConfig.ready``).

    For the apps still to come (random-inspection results published within 20 working days, …): e.g.
    ``register_row("inspection_results", "抽查结果按期公示", "…", inspections.selectors.annual_results)``.
    """
    _extra_rows[key] = ExtraRow(key, label, basis, source)


# --- putting it together -----------------------------------------------------------------------------------------------

TIMELINESS = (
    ("case_decision", "行政处罚按期作出决定", "行政处罚法第六十条：自立案之日起九十日内（经批准延长的按延长后期限）"),
    (
        "licence_decision",
        "行政许可按期作出决定",
        "行政许可法第四十二条：受理之日起二十个工作日（经批准可延长十个工作日）",
    ),
    (
        "publication",
        "执法决定按期公示",
        "国办发〔2018〕118号：行政许可、行政处罚决定七个工作日内，其他决定二十个工作日内",
    ),
    ("legal_review", "重大执法决定按期完成法制审核", "法制审核期限：七个工作日，情况复杂的延长三个工作日"),
    (
        "complaint_reply",
        "投诉举报按期答复",
        "投诉举报自收到之日起在规定期限内答复（默认十五个工作日）；不予受理的不计入",
    ),
)


def _row(key: str, label: str, basis: str, counts: Mapping[str, int]) -> dict[str, Any]:
    return {"key": key, "label": label, "basis": basis, **{k: int(v) for k, v in counts.items()}}


def figures_for(*, year: int, agencies: Iterable[Agency], as_of: dt.datetime | None = None) -> dict[int, Figures]:
    """The figures of ``year`` for each of ``agencies`` (a fixed number of queries for all of them together)."""
    agencies = list(agencies)
    ids = [agency.pk for agency in agencies]
    p = period(year)
    moment = as_of or timezone.now()
    today = timezone.localdate(moment)
    cases = _case_counts(p, ids)
    penalties = _penalties(p, ids)
    limits = _decision_limits(p, ids, today)
    publications = _publications(p, ids, today)
    reviews = _reviews(p, ids)
    extra = {row.key: (row, row.source(p, ids, today)) for row in _extra_rows.values()}
    complaints = _complaint_replies(p, ids, today)
    sources: dict[str, Grouped] = {
        **limits,
        "publication": publications,
        "legal_review": reviews,
        "complaint_reply": complaints,
    }
    out: dict[int, Figures] = {}
    for agency in agencies:
        rows = [_row(key, label, basis, sources[key][agency.pk]) for key, label, basis in TIMELINESS]
        for row, grouped in extra.values():
            rows.append(_row(row.key, row.label, row.basis, grouped.get(agency.pk, {"on_time": 0, "late": 0})))
        notes: list[str] = []
        out[agency.pk] = {
            "schema": SCHEMA,
            "year": year,
            "agency": {"id": agency.pk, "name": agency.name},
            "as_of": timezone.localtime(moment).isoformat(timespec="seconds"),
            "complete": today > p.last_day,
            "cases": cases[agency.pk],
            "penalties": penalties[agency.pk],
            "timeliness": rows,
            "notes": notes,
        }
    return out


def agency_figures(*, agency: Agency, year: int, as_of: dt.datetime | None = None) -> Figures:
    return figures_for(year=year, agencies=[agency], as_of=as_of)[agency.pk]


def enforcement_agencies() -> QuerySet[Agency]:
    return Agency.objects.filter(is_enforcement_body=True).order_by("name", "pk")


def enforcement_agencies_named(values: Sequence[str]) -> QuerySet[Agency]:
    """The enforcement agencies a command line names, each by id, name or short name (none: every one)."""
    agencies = enforcement_agencies()
    if not values:
        return agencies
    wanted = Q()
    for value in values:
        wanted |= Q(name=value) | Q(short_name=value) | (Q(pk=int(value)) if value.isdigit() else Q())
    return agencies.filter(wanted)


def _merge(a: Any, b: Any) -> Any:
    """Sum two figure trees of the same shape (counts add, amounts add, rows matched by position)."""
    if isinstance(a, bool) or not isinstance(a, int | str | dict | list):
        return a
    if isinstance(a, int):
        return a + int(b)
    if isinstance(a, str):
        try:
            return f"{Decimal(a) + Decimal(b):.2f}"
        except ArithmeticError:
            return a
    if isinstance(a, dict):
        return {k: (v if k in ("key", "label", "basis") else _merge(v, b.get(k, v))) for k, v in a.items()}
    return [_merge(x, y) for x, y in zip(a, b, strict=True)]


def total_of(figures: Iterable[Figures]) -> Figures | None:
    """The deployment's total of several agencies' figures of one year."""
    items = list(figures)
    if not items:
        return None
    first = items[0]
    sections = ("cases", "penalties", "timeliness")
    total: Figures = {key: first[key] for key in sections}
    for item in items[1:]:
        total = {key: _merge(total[key], item[key]) for key in sections}
    return total


def deployment_figures(*, year: int, as_of: dt.datetime | None = None) -> dict[str, Any]:
    """Every enforcement agency's figures of ``year`` and their total."""
    agencies = list(enforcement_agencies())
    by_agency = figures_for(year=year, agencies=agencies, as_of=as_of)
    return {"agencies": [by_agency[a.pk] for a in agencies], "total": total_of(by_agency.values())}
