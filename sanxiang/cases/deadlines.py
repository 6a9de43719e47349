"""Every legal time limit of a case, computed from what happened, never typed (DESIGN.md rule 5).

A step of a process definition may carry a ``processes.Deadline`` (its period, how days count, the event it counts
from, its basis). This module finds, for one case or many, the day each event happened and computes the due date
through the working-day calendar (``core.calendar``), with approved extensions (``DeadlineExtension``).

The facts come from the case's own rows and its ledger history, one query per kind of row, whatever the number of
cases:

* the step history (when each step was entered and left): the case's ``case.open`` and ``case.advance`` ledger
  entries, in ``seq`` order, each carrying the case's canonical state after the change (``step_history``);
* issued documents and their first service: ``CaseDocument`` → ``IssuedDocument`` → ``DocumentService``;
* approved extensions: ``DeadlineExtension``.

The arithmetic itself (``compute_deadlines``) is pure: it takes a ``CaseRecord`` and a calendar snapshot and asks
no database, so it can be tested with hand-built histories. See docs/deadlines.md for what each limit counts from.

Statuses (``CaseDeadline.status``):

``pending``  the event the period counts from has not happened yet (no start, no due date);
``open``     running, more than ``DUE_SOON_WORKING_DAYS`` working days left;
``due_soon`` running, due within ``DUE_SOON_WORKING_DAYS`` working days (today included);
``overdue``  not done and past the due day (the due day itself is still in time);
``met``      done on or before the due day (``met_on`` is the day);
``late``     done after the due day;
``early``    for an "at least N days" limit (the hearing notice): the step was done before the earliest allowed day.

Two periods are the party's, not the agency's (``PARTY_PERIODS``: asking for a hearing, paying the fine): the case
is expected to wait them out, so leaving the step after the due day is ``met``, not ``late``; while the case is still
at the step after the period has run out it is ``overdue`` — the officer has to move it on (decide, remind, apply
for enforcement).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.conf import settings
from django.db.models import Min, Q, Sum
from django.utils import timezone

from sanxiang.cases.models import Case, CaseDocument, CaseOfficer, DeadlineExtension, DocumentService
from sanxiang.cases.processes import PROCESSES, DayCount, Direction, Process
from sanxiang.cases.processes import Deadline as DeadlineRule
from sanxiang.cases.selectors import cases_visible_to
from sanxiang.core import calendar as core_calendar
from sanxiang.core.calendar import Calendar
from sanxiang.ledger.models import Entry
from sanxiang.org.access import agencies_with_role
from sanxiang.org.models import Role

DUE_SOON_WORKING_DAYS = 3
TRANSITION_ACTIONS = ("case.open", "case.advance")
PARTY_PERIODS = frozenset({"hearing_request", "fine_payment"})
# Local overrides of the national defaults (DESIGN.md rule 5): ``SANXIANG_DEADLINE_DAYS = {"legal_review": 10}``.
DAYS_SETTING = "SANXIANG_DEADLINE_DAYS"
_CHUNK = 500  # ids per IN (…) clause, well under SQLite's variable limit

STATUSES = ("pending", "open", "due_soon", "overdue", "met", "late", "early")
STATUS_LABELS: dict[str, str] = {
    "pending": "未起算",
    "open": "期限内",
    "due_soon": "即将到期",
    "overdue": "已逾期",
    "met": "按期完成",
    "late": "逾期完成",
    "early": "早于法定最早日期",
}
# Most urgent first in the attention list.
_URGENCY = {"overdue": 0, "due_soon": 1}

NAMES: dict[str, str] = {
    "case_decision": "作出处罚决定期限",
    "legal_review": "法制审核期限",
    "hearing_request": "要求听证期限",
    "hearing_notice": "听证通知期限（举行听证前）",
    "decision_service": "处罚决定书送达期限",
    "fine_payment": "缴纳罚款期限",
    "seizure_period": "查封、扣押期限",
    "rectification_review": "整改复查期限",
    "licence_completion_notice": "一次告知补正期限",
    "licence_decision": "作出许可决定期限",
    "licence_issue": "颁发、送达许可证件期限",
}
# Document templates whose issue or service starts or ends a period.
DOCUMENT_CODES = ("penalty_notice", "hearing_meeting_notice", "penalty_decision")


# --- what a case's deadlines are computed from -------------------------------------------------------------------


@dataclass(frozen=True)
class StepVisit:
    """One stay of the case at a step: entered with ``visit``, left at ``left_at`` (None: still there)."""

    step_key: str
    visit: int
    entered_at: dt.datetime
    left_at: dt.datetime | None


@dataclass(frozen=True)
class DocumentEvent:
    """An issued document of the case: the step visit it belongs to, the day issued, the day first served."""

    template_code: str
    visit: int
    issued_at: dt.datetime
    first_served_at: dt.datetime | None


@dataclass(frozen=True)
class CaseRecord:
    """Everything ``compute_deadlines`` reads about one case."""

    process_key: str
    state: str
    opened_at: dt.datetime
    history: tuple[StepVisit, ...]
    documents: tuple[DocumentEvent, ...] = ()
    extensions: Mapping[str, int] = field(default_factory=dict)  # deadline key → approved days in total


@dataclass(frozen=True)
class CaseDeadline:
    key: str
    name: str
    step_key: str
    basis: str
    start_event: str
    start: dt.date | None
    days: int
    count: DayCount
    extended_days: int
    due: dt.date | None
    provisional: bool
    direction: Direction
    status: str
    met_on: dt.date | None = None

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def done(self) -> bool:
        return self.status in ("met", "late", "early")


# --- the step history from the ledger ----------------------------------------------------------------------------


def _parse_time(value: Any, fallback: dt.datetime) -> dt.datetime:
    if isinstance(value, str):
        try:
            parsed = dt.datetime.fromisoformat(value)
        except ValueError:
            return fallback
        return parsed if timezone.is_aware(parsed) else fallback
    return fallback


def _history_from_entries(rows: Iterable[tuple[Any, dt.datetime]]) -> list[StepVisit]:
    """Visits from the case's transition entries (state dict, entry time), in ``seq`` order."""
    stays: list[tuple[str, int, dt.datetime]] = []
    for state, time in rows:
        if not isinstance(state, dict) or not isinstance(state.get("state"), str):
            continue
        visit = state.get("visit")
        entered = _parse_time(state.get("step_entered_at"), time)
        stays.append((state["state"], visit if isinstance(visit, int) else len(stays) + 1, entered))
    return [
        StepVisit(step, visit, entered, stays[i + 1][2] if i + 1 < len(stays) else None)
        for i, (step, visit, entered) in enumerate(stays)
    ]


def _fallback_history(case: Case) -> list[StepVisit]:
    """A case without transition entries (never in normal operation): its current step only."""
    return [StepVisit(case.state, case.visit, case.step_entered_at or case.opened_at, None)]


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for i in range(0, len(ids), _CHUNK):
        yield ids[i : i + _CHUNK]


def _histories(cases: Sequence[Case]) -> dict[int, list[StepVisit]]:
    rows: dict[str, list[tuple[Any, dt.datetime]]] = defaultdict(list)
    for chunk in _chunks([c.pk for c in cases]):
        entries = (
            Entry.objects.filter(
                subject_type="cases.case", subject_id__in=[str(pk) for pk in chunk], action__in=TRANSITION_ACTIONS
            )
            .order_by("seq")
            .values_list("subject_id", "state", "time")
        )
        for subject_id, state, time in entries:
            rows[subject_id].append((state, time))
    return {c.pk: _history_from_entries(rows[str(c.pk)]) or _fallback_history(c) for c in cases}


def step_history(case: Case) -> list[StepVisit]:
    """When ``case`` entered and left each step, oldest first, from its ``case.open``/``case.advance`` entries."""
    return _histories([case])[case.pk]


def case_records(cases: Sequence[Case]) -> dict[int, CaseRecord]:
    """The ``CaseRecord`` of each case: one query for the history, two for documents, one for extensions."""
    cases = list(cases)
    histories = _histories(cases)
    documents: dict[int, list[DocumentEvent]] = defaultdict(list)
    extensions: dict[int, dict[str, int]] = defaultdict(dict)
    for chunk in _chunks([c.pk for c in cases]):
        links = list(
            CaseDocument.objects.filter(case_id__in=chunk, document__template_code__in=DOCUMENT_CODES)
            .order_by()
            .values_list("case_id", "visit", "document_id", "document__template_code", "document__issued_at")
        )
        served = dict(
            DocumentService.objects.filter(document_id__in=[link[2] for link in links])
            .order_by()
            .values("document_id")
            .annotate(first=Min("served_at"))
            .values_list("document_id", "first")
        )
        for case_id, visit, document_id, code, issued_at in sorted(links, key=lambda row: (row[4], row[2])):
            documents[case_id].append(DocumentEvent(code, visit, issued_at, served.get(document_id)))
        totals = (
            DeadlineExtension.objects.filter(case_id__in=chunk)
            .order_by()
            .values("case_id", "deadline_key")
            .annotate(total=Sum("days"))
            .values_list("case_id", "deadline_key", "total")
        )
        for case_id, key, total in totals:
            extensions[case_id][key] = int(total or 0)
    return {
        c.pk: CaseRecord(
            process_key=c.process_key,
            state=c.state,
            opened_at=c.opened_at,
            history=tuple(histories[c.pk]),
            documents=tuple(documents[c.pk]),
            extensions=dict(extensions[c.pk]),
        )
        for c in cases
    }


# --- when each period starts and when its step is done -------------------------------------------------------------


class _Facts:
    """Questions about one case's record, in local dates."""

    def __init__(self, record: CaseRecord, process: Process) -> None:
        self.record = record
        self.process = process
        self.history = record.history

    def visits(self, step: str) -> list[StepVisit]:
        return [v for v in self.history if v.step_key == step]

    def latest(self, step: str) -> StepVisit | None:
        visits = self.visits(step)
        return visits[-1] if visits else None

    def entered(self, step: str) -> dt.datetime | None:
        latest = self.latest(step)
        return latest.entered_at if latest else None

    def left(self, step: str, *, first: bool = False) -> dt.datetime | None:
        """When the case left ``step`` (its latest stay, or its first with ``first``); None while there or never."""
        visits = self.visits(step)
        if not visits:
            return None
        return (visits[0] if first else visits[-1]).left_at

    def left_for(self, step: str, targets: Iterable[str]) -> dt.datetime | None:
        """The first time the case went from ``step`` straight to one of ``targets``."""
        wanted = set(targets)
        for here, nxt in zip(self.history, self.history[1:], strict=False):
            if here.step_key == step and nxt.step_key in wanted:
                return nxt.entered_at
        return None

    def document(self, code: str, *, step: str | None = None) -> DocumentEvent | None:
        """The latest ``code`` document, issued at the latest stay at ``step`` when ``step`` is given."""
        candidates = [d for d in self.record.documents if d.template_code == code]
        if step is not None:
            latest = self.latest(step)
            if latest is None:
                return None
            candidates = [d for d in candidates if d.visit == latest.visit]
        return candidates[-1] if candidates else None

    def served(self, code: str, *, step: str | None = None) -> dt.datetime | None:
        document = self.document(code, step=step)
        return document.first_served_at if document else None


# deadline key → (start, done): the moment the period counts from and the moment its step was done.
_Resolver = Callable[[_Facts], tuple[dt.datetime | None, dt.datetime | None]]


def _fine_start(f: _Facts) -> dt.datetime | None:
    served = f.served("penalty_decision")
    if served is None and "deliver" in {s.key for s in f.process.steps}:
        return f.left("deliver")  # summary procedure: the decision handed over on the spot (当场交付)
    return served


def _decision_service(f: _Facts) -> tuple[dt.datetime | None, dt.datetime | None]:
    decision = f.document("penalty_decision")
    return (decision.issued_at, decision.first_served_at) if decision else (None, None)


def _seizure(f: _Facts) -> tuple[dt.datetime | None, dt.datetime | None]:
    ended = f.left_for("custody", ("release", "dispose")) or f.left_for("extend", ("release", "dispose"))
    return f.left("implement", first=True), ended


RESOLVERS: dict[str, _Resolver] = {
    "case_decision": lambda f: (f.record.opened_at, f.left("decide", first=True)),
    "legal_review": lambda f: (f.entered("review"), f.left("review")),
    "hearing_request": lambda f: (f.served("penalty_notice", step="notify"), f.left("notify")),
    "hearing_notice": lambda f: (f.served("hearing_meeting_notice", step="hearing"), f.left("hearing")),
    "decision_service": _decision_service,
    "fine_payment": lambda f: (_fine_start(f), f.left("execute")),
    "seizure_period": _seizure,
    "rectification_review": lambda f: (f.entered("reinspect"), f.left("reinspect")),
    "licence_completion_notice": lambda f: (f.record.opened_at, f.left("apply", first=True)),
    "licence_decision": lambda f: (f.left_for("apply", ("accept",)), f.left("decide", first=True)),
    "licence_issue": lambda f: (f.left("decide", first=True), f.left("issue", first=True)),
}

_unresolved = {s.deadline.key for p in PROCESSES.values() for s in p.steps if s.deadline} - set(RESOLVERS)
if _unresolved:  # a definition's limit nobody computes would be a limit nobody sees
    raise RuntimeError(f"deadlines without a start event: {sorted(_unresolved)}")


@cache
def _reachable(process_key: str, step: str) -> frozenset[str]:
    """Steps reachable from ``step`` (itself included)."""
    process = PROCESSES[process_key]
    seen, queue = {step}, deque([step])
    while queue:
        for t in process.exits(queue.popleft()):
            if t.target not in seen:
                seen.add(t.target)
                queue.append(t.target)
    return frozenset(seen)


def _bypassed_at(f: _Facts, step: str) -> dt.datetime | None:
    """When the case took a path on which ``step`` can no longer come (e.g. 不予处罚 straight to 结案)."""
    if f.visits(step):
        return None
    for visit in f.history:
        if step not in _reachable(f.process.key, visit.step_key):
            return visit.entered_at
    return None


def configured_days(rule: DeadlineRule) -> int:
    """The period's days: the national default of the definition unless the deployment sets its own."""
    overrides = getattr(settings, DAYS_SETTING, None) or {}
    value = overrides.get(rule.key, rule.days) if isinstance(overrides, Mapping) else rule.days
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else rule.days


def _extended(rule: DeadlineRule, approved: int) -> int:
    if rule.extension_days == 0:
        return 0
    if rule.extension_days > 0:
        return min(approved, rule.extension_days)
    return approved


def _status(
    rule: DeadlineRule, *, due: dt.date | None, done: dt.date | None, today: dt.date, calendar: Calendar
) -> str:
    if due is None:
        return "pending"
    if rule.direction is Direction.AT_LEAST:
        if done is None:
            return "open"
        return "met" if done >= due else "early"
    if done is not None:
        return "met" if done <= due or rule.key in PARTY_PERIODS else "late"
    if today > due:
        return "overdue"
    if calendar.working_days_between(today, due) <= DUE_SOON_WORKING_DAYS:
        return "due_soon"
    return "open"


def compute_deadlines(record: CaseRecord, *, today: dt.date, calendar: Calendar) -> list[CaseDeadline]:
    """The deadlines of ``record``'s process that apply: started, or at a step that is current or still ahead."""
    process = PROCESSES[record.process_key]
    facts = _Facts(record, process)
    ahead = _reachable(process.key, record.state)
    result: list[CaseDeadline] = []
    for step in process.steps:
        rule = step.deadline
        if rule is None:
            continue
        start_at, done_at = RESOLVERS[rule.key](facts)
        if start_at is None and step.key not in ahead:
            continue  # skipped for good (no hearing held, no rectification ordered …)
        if start_at is not None and done_at is None:
            done_at = _bypassed_at(facts, step.key)
        days = configured_days(rule)
        extended = _extended(rule, record.extensions.get(rule.key, 0))
        start = timezone.localdate(start_at) if start_at is not None else None
        done = timezone.localdate(done_at) if done_at is not None and start is not None else None
        if start is not None:
            if rule.count is DayCount.WORKING:
                computed = calendar.add_working_days(start, days + extended)
            else:
                computed = calendar.add_calendar_days(start, days + extended)
            due, provisional = computed.date, computed.provisional
        else:
            due, provisional = None, False
        status = _status(rule, due=due, done=done, today=today, calendar=calendar)
        result.append(
            CaseDeadline(
                key=rule.key,
                name=NAMES.get(rule.key, f"{step.name}期限"),
                step_key=step.key,
                basis=rule.basis,
                start_event=rule.start,
                start=start,
                days=days,
                count=rule.count,
                extended_days=extended,
                due=due,
                provisional=provisional,
                direction=rule.direction,
                status=status,
                met_on=done if status in ("met", "late", "early") else None,
            )
        )
    return result


# --- reads ----------------------------------------------------------------------------------------------------------


def case_deadlines(case: Case, *, today: dt.date | None = None, calendar: Calendar | None = None) -> list[CaseDeadline]:
    """Every legal time limit of ``case`` that has started or is still ahead, in the order of its process."""
    record = case_records([case])[case.pk]
    return compute_deadlines(record, today=today or timezone.localdate(), calendar=calendar or core_calendar.current())


def deadlines_attention(user: Any, *, today: dt.date | None = None) -> list[tuple[Case, CaseDeadline]]:
    """The overdue and due-soon limits of the open cases that are ``user``'s to act on, most urgent first.

    An officer sees the cases on which they are an active case officer; department heads and leaders see every open
    case of their agency (the deployment administrator every agency's). Others see none. A bounded number of queries,
    whatever the number of cases.
    """
    day = today or timezone.localdate()
    if getattr(user, "pk", None) is None:
        return []
    mine = CaseOfficer.objects.filter(active=True, officer__user_id=user.pk).values("case_id")
    heads = agencies_with_role(user, (Role.DEPARTMENT_HEAD, Role.LEADER)).values("pk")
    cases = list(
        cases_visible_to(user)
        .filter(closed_at__isnull=True)
        .filter(Q(pk__in=mine) | Q(agency_id__in=heads))
        .order_by("pk")
    )
    if not cases:
        return []
    calendar = core_calendar.current()
    records = case_records(cases)
    found = [
        (case, deadline)
        for case in cases
        for deadline in compute_deadlines(records[case.pk], today=day, calendar=calendar)
        if deadline.status in _URGENCY
    ]
    found.sort(key=lambda pair: (_URGENCY[pair[1].status], pair[1].due or day, pair[0].pk, pair[1].step_key))
    return found
