"""Every legal time limit of a case, computed: the arithmetic on hand-built histories (Spring Festival, make-up
Saturday, 2027), statuses, extensions, and the database path (ledger history, attention list, query count)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

from sanxiang.cases.deadlines import (
    DUE_SOON_WORKING_DAYS,
    NAMES,
    RESOLVERS,
    CaseDeadline,
    CaseRecord,
    DocumentEvent,
    StepVisit,
    case_deadlines,
    compute_deadlines,
    deadlines_attention,
    step_history,
)
from sanxiang.cases.gates import statement_deadline
from sanxiang.cases.models import Case
from sanxiang.cases.processes import PROCESSES, DayCount, Direction
from sanxiang.cases.tests.conftest import CaseWorld
from sanxiang.cases.workflow import (
    case_advance,
    case_approve,
    case_deadline_extend,
    case_document_issue,
    case_document_serve,
    case_penalty_propose,
)
from sanxiang.conftest import make_user
from sanxiang.core.calendar import Calendar
from sanxiang.org.models import Role

SHANGHAI = ZoneInfo("Asia/Shanghai")
BUILTIN = Calendar({})  # chinese-calendar's confirmed years, estimates after 2026: no database needed


def at(year: int, month: int, day: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(year, month, day, hour, tzinfo=SHANGHAI)


def history(*stays: tuple[str, dt.datetime]) -> tuple[StepVisit, ...]:
    """Consecutive stays: each step left when the next was entered; the last one is current."""
    return tuple(
        StepVisit(step, visit, entered, stays[visit][1] if visit < len(stays) else None)
        for visit, (step, entered) in enumerate(stays, start=1)
    )


def record(
    process_key: str,
    *stays: tuple[str, dt.datetime],
    documents: Sequence[DocumentEvent] = (),
    extensions: dict[str, int] | None = None,
) -> CaseRecord:
    visits = history(*stays)
    return CaseRecord(
        process_key=process_key,
        state=visits[-1].step_key,
        opened_at=visits[0].entered_at,
        history=visits,
        documents=tuple(documents),
        extensions=extensions or {},
    )


def by_key(deadlines: list[CaseDeadline]) -> dict[str, CaseDeadline]:
    return {d.key: d for d in deadlines}


def compute(rec: CaseRecord, today: dt.date) -> dict[str, CaseDeadline]:
    return by_key(compute_deadlines(rec, today=today, calendar=BUILTIN))


def to_notify(notify_entered: dt.datetime) -> list[tuple[str, dt.datetime]]:
    return [
        ("open", at(2026, 1, 5)),
        ("investigate", at(2026, 1, 6)),
        ("review", at(2026, 1, 20)),
        ("notify", notify_entered),
    ]


# --- arithmetic ----------------------------------------------------------------------------------------------------


def test_every_deadline_of_every_definition_has_a_start_event_and_a_name() -> None:
    keys = {s.deadline.key for p in PROCESSES.values() for s in p.steps if s.deadline}
    assert keys <= set(RESOLVERS) and keys <= set(NAMES)


def test_five_working_days_across_the_2026_spring_festival() -> None:
    # Notice served Thursday 12 February 2026; 15–23 February are the Spring Festival holiday, and Saturday
    # 14 February is a make-up working day: Fri 13 (1), Sat 14 (2), Tue 24 (3), Wed 25 (4), Thu 26 (5).
    notice = DocumentEvent("penalty_notice", 4, at(2026, 2, 11), at(2026, 2, 12, 15))
    rec = record("penalty-general", *to_notify(at(2026, 2, 11)), documents=[notice])
    hearing = compute(rec, dt.date(2026, 2, 13))["hearing_request"]
    assert (hearing.start, hearing.due, hearing.provisional) == (dt.date(2026, 2, 12), dt.date(2026, 2, 26), False)
    assert (hearing.days, hearing.count, hearing.name) == (5, DayCount.WORKING, "要求听证期限")
    assert hearing.status == "open"  # four working days left on Friday 13 February
    # On the first working day after the holiday, two working days are left: due soon.
    assert compute(rec, dt.date(2026, 2, 24))["hearing_request"].status == "due_soon"
    # Without the make-up Saturday it would end a day later; the holiday itself never counts.
    assert BUILTIN.is_working_day(dt.date(2026, 2, 14)) and not BUILTIN.is_working_day(dt.date(2026, 2, 23))


def test_a_make_up_saturday_is_a_working_day() -> None:
    # Legal review received Wednesday 25 February 2026: Thu 26 (1), Fri 27 (2), Sat 28 make-up (3), Mon 2 March (4),
    # Tue 3 (5), Wed 4 (6), Thu 5 (7). Counting weekends only would give Friday 6 March.
    rec = record(
        "penalty-general", ("open", at(2026, 2, 2)), ("investigate", at(2026, 2, 3)), ("review", at(2026, 2, 25))
    )
    review = compute(rec, dt.date(2026, 2, 25))["legal_review"]
    assert review.start == dt.date(2026, 2, 25)
    assert review.due == dt.date(2026, 3, 5)
    assert dt.date(2026, 2, 28).weekday() == 5 and BUILTIN.is_working_day(dt.date(2026, 2, 28))


def test_a_working_day_period_into_2027_is_provisional_and_a_calendar_period_is_not() -> None:
    # Application received 10 December 2026, accepted 15 December: twenty working days end in January 2027, a year
    # whose holiday notice is not known yet.
    rec = record("licence", ("apply", at(2026, 12, 10)), ("accept", at(2026, 12, 15)), ("examine", at(2026, 12, 16)))
    found = compute(rec, dt.date(2026, 12, 16))
    decision = found["licence_decision"]
    assert decision.start == dt.date(2026, 12, 15) and decision.due == dt.date(2027, 1, 13)
    assert decision.provisional is True
    notice = found["licence_completion_notice"]  # five working days from 10 December, done on the 15th
    assert (notice.due, notice.provisional, notice.status, notice.met_on) == (
        dt.date(2026, 12, 17),
        False,
        "met",
        dt.date(2026, 12, 15),
    )
    assert found["licence_issue"].status == "pending" and found["licence_issue"].due is None
    # The 90-day limit of a penalty case opened on 24 November 2026 ends on 22 February 2027: calendar days need
    # no holiday schedule, so it is final.
    penalty = compute(record("penalty-general", ("open", at(2026, 11, 24))), dt.date(2026, 11, 24))
    assert penalty["case_decision"].due == dt.date(2027, 2, 22)
    assert penalty["case_decision"].provisional is False
    assert penalty["case_decision"].count == DayCount.CALENDAR


def test_the_90_day_limit_with_an_approved_extension() -> None:
    stays = [("open", at(2026, 3, 2)), ("investigate", at(2026, 3, 3))]
    plain = compute(record("penalty-general", *stays), dt.date(2026, 6, 5))["case_decision"]
    assert (plain.start, plain.due, plain.status) == (dt.date(2026, 3, 2), dt.date(2026, 5, 31), "overdue")
    extended = compute(record("penalty-general", *stays, extensions={"case_decision": 30}), dt.date(2026, 6, 5))
    decision = extended["case_decision"]
    assert (decision.extended_days, decision.due, decision.status) == (30, dt.date(2026, 6, 30), "open")
    assert decision.basis == "行政处罚法第六十条" and decision.start_event == "立案之日"


def test_an_extension_is_capped_by_the_definition() -> None:
    rec = record(
        "penalty-general",
        ("open", at(2026, 2, 2)),
        ("investigate", at(2026, 2, 3)),
        ("review", at(2026, 2, 25)),
        extensions={"legal_review": 9},
    )
    review = compute(rec, dt.date(2026, 2, 25))["legal_review"]
    assert review.extended_days == 3  # 7 working days, +3 at most
    assert review.due == BUILTIN.add_working_days(dt.date(2026, 2, 25), 10).date


def test_seizure_30_plus_30_calendar_days() -> None:
    stays = [("approve", at(2026, 5, 4)), ("implement", at(2026, 5, 5)), ("deliver", at(2026, 5, 6, 9))]
    stays.append(("custody", at(2026, 5, 6, 11)))
    rec = record("coercion-seizure", *stays)
    seizure = compute(rec, dt.date(2026, 6, 10))["seizure_period"]
    assert (seizure.start, seizure.due, seizure.status) == (dt.date(2026, 5, 6), dt.date(2026, 6, 5), "overdue")
    longer = compute(record("coercion-seizure", *stays, extensions={"seizure_period": 30}), dt.date(2026, 6, 10))
    assert longer["seizure_period"].due == dt.date(2026, 7, 5)
    assert longer["seizure_period"].status == "open"
    # Released on 1 July: in time with the extension.
    released = record(
        "coercion-seizure",
        *stays,
        ("extend", at(2026, 6, 3)),
        ("release", at(2026, 7, 1)),
        extensions={"seizure_period": 30},
    )
    done = compute(released, dt.date(2026, 7, 20))["seizure_period"]
    assert (done.status, done.met_on) == ("met", dt.date(2026, 7, 1))


# --- statuses ------------------------------------------------------------------------------------------------------


def test_statuses_met_late_overdue_due_soon_pending() -> None:
    decide = [*to_notify(at(2026, 3, 2)), ("decide", at(2026, 3, 16))]
    decision = DocumentEvent("penalty_decision", 5, at(2026, 3, 17), None)
    # Decision issued Tuesday 17 March 2026: seven working days end Thursday 26 March.
    found = compute(record("penalty-general", *decide, documents=[decision]), dt.date(2026, 3, 18))
    service = found["decision_service"]
    assert (service.start, service.due, service.status) == (dt.date(2026, 3, 17), dt.date(2026, 3, 26), "open")
    assert found["fine_payment"].status == "pending"  # not served yet
    assert "hearing_notice" not in found and "legal_review" in found  # no hearing was held; the review was done
    soon = compute(record("penalty-general", *decide, documents=[decision]), dt.date(2026, 3, 23))
    assert soon["decision_service"].status == "due_soon"  # Tue 24, Wed 25, Thu 26: three working days left
    assert DUE_SOON_WORKING_DAYS == 3
    assert (
        compute(record("penalty-general", *decide, documents=[decision]), dt.date(2026, 3, 27))[
            "decision_service"
        ].status
        == "overdue"
    )
    served_in_time = DocumentEvent("penalty_decision", 5, at(2026, 3, 17), at(2026, 3, 20))
    met = compute(record("penalty-general", *decide, documents=[served_in_time]), dt.date(2026, 4, 30))
    assert (met["decision_service"].status, met["decision_service"].met_on) == ("met", dt.date(2026, 3, 20))
    served_late = DocumentEvent("penalty_decision", 5, at(2026, 3, 17), at(2026, 3, 30))
    late = compute(record("penalty-general", *decide, documents=[served_late]), dt.date(2026, 4, 30))
    assert (late["decision_service"].status, late["decision_service"].met_on) == ("late", dt.date(2026, 3, 30))
    # The fine: fifteen calendar days from service (30 March), still unpaid on 20 April.
    assert late["fine_payment"].due == dt.date(2026, 4, 14) and late["fine_payment"].status == "overdue"


def test_the_decision_limit_is_met_when_the_case_leaves_decide() -> None:
    stays = [*to_notify(at(2026, 3, 2)), ("decide", at(2026, 3, 16))]
    found = compute(record("penalty-general", *stays, ("serve", at(2026, 3, 20))), dt.date(2026, 4, 11))
    assert (found["case_decision"].status, found["case_decision"].met_on) == ("met", dt.date(2026, 3, 20))
    late = compute(record("penalty-general", *stays, ("serve", at(2026, 4, 10))), dt.date(2026, 4, 11))
    assert late["case_decision"].due == dt.date(2026, 4, 5)  # opened 5 January
    assert late["case_decision"].status == "late"


def test_the_partys_hearing_period_is_not_late_when_the_case_waits_it_out() -> None:
    notice = DocumentEvent("penalty_notice", 4, at(2026, 3, 2), at(2026, 3, 2, 15))  # due Monday 9 March
    waiting = record("penalty-general", *to_notify(at(2026, 3, 2)), documents=[notice])
    assert compute(waiting, dt.date(2026, 3, 9))["hearing_request"].status == "due_soon"
    assert compute(waiting, dt.date(2026, 3, 11))["hearing_request"].status == "overdue"  # the officer must move on
    moved = record("penalty-general", *to_notify(at(2026, 3, 2)), ("decide", at(2026, 3, 12)), documents=[notice])
    hearing = compute(moved, dt.date(2026, 3, 12))["hearing_request"]
    assert (hearing.status, hearing.met_on) == ("met", dt.date(2026, 3, 12))


def test_the_hearing_notice_gives_the_earliest_day_of_the_hearing() -> None:
    # Hearing notice served Monday 2 March 2026: the hearing may be held from Wednesday 11 March (seven working days).
    served = DocumentEvent("hearing_meeting_notice", 5, at(2026, 2, 27), at(2026, 3, 2))
    stays = [*to_notify(at(2026, 2, 16)), ("hearing", at(2026, 2, 27))]
    waiting = compute(record("penalty-general", *stays, documents=[served]), dt.date(2026, 3, 10))["hearing_notice"]
    assert (waiting.due, waiting.direction, waiting.status) == (dt.date(2026, 3, 11), Direction.AT_LEAST, "open")
    held = compute(
        record("penalty-general", *stays, ("decide", at(2026, 3, 11)), documents=[served]), dt.date(2026, 3, 12)
    )["hearing_notice"]
    assert (held.status, held.met_on) == ("met", dt.date(2026, 3, 11))
    early = compute(
        record("penalty-general", *stays, ("decide", at(2026, 3, 9)), documents=[served]), dt.date(2026, 3, 12)
    )["hearing_notice"]
    assert early.status == "early" and early.status_label == "早于法定最早日期"


def test_skipped_steps_drop_out_and_a_decision_not_to_punish_meets_the_limit() -> None:
    # Investigated, then 不予处罚 straight from review to close: no notice, no hearing, no service, no fine.
    rec = record(
        "penalty-general",
        ("open", at(2026, 1, 5)),
        ("investigate", at(2026, 1, 6)),
        ("review", at(2026, 2, 2)),
        ("close", at(2026, 2, 6)),
    )
    found = compute(rec, dt.date(2026, 6, 1))
    assert set(found) == {"case_decision", "legal_review"}
    assert (found["case_decision"].status, found["case_decision"].met_on) == ("met", dt.date(2026, 2, 6))
    assert found["legal_review"].status == "met"
    # An inspection that found nothing never reaches the re-inspection.
    assert (
        compute(
            record("inspection", ("prepare", at(2026, 1, 5)), ("inspect", at(2026, 1, 6)), ("close", at(2026, 1, 7))),
            dt.date(2026, 6, 1),
        )
        == {}
    )


def test_a_returned_review_starts_its_period_again() -> None:
    rec = record(
        "penalty-general",
        ("open", at(2026, 3, 2)),
        ("investigate", at(2026, 3, 3)),
        ("review", at(2026, 3, 4)),
        ("investigate", at(2026, 3, 20)),
        ("review", at(2026, 4, 1)),
    )
    review = compute(rec, dt.date(2026, 4, 2))["legal_review"]
    assert review.start == dt.date(2026, 4, 1) and review.status == "open"


def test_rectification_review_counts_calendar_days_from_the_reinspection() -> None:
    rec = record(
        "inspection",
        ("prepare", at(2026, 4, 1)),
        ("inspect", at(2026, 4, 2)),
        ("order", at(2026, 4, 2, 15)),
        ("reinspect", at(2026, 4, 30)),
    )
    review = compute(rec, dt.date(2026, 5, 8))["rectification_review"]
    assert (review.start, review.due, review.status) == (dt.date(2026, 4, 30), dt.date(2026, 5, 10), "due_soon")


@override_settings(SANXIANG_DEADLINE_DAYS={"legal_review": 10})
def test_a_deployment_may_set_its_own_period() -> None:
    rec = record(
        "penalty-general", ("open", at(2026, 2, 2)), ("investigate", at(2026, 2, 3)), ("review", at(2026, 2, 25))
    )
    review = compute(rec, dt.date(2026, 2, 25))["legal_review"]
    assert review.days == 10 and review.due == BUILTIN.add_working_days(dt.date(2026, 2, 25), 10).date


# --- from the database ---------------------------------------------------------------------------------------------


def test_step_history_comes_from_the_ledger(case_world: CaseWorld) -> None:
    w = case_world
    case = w.open("coercion-seizure", title="查封不符合国家标准的压力容器")
    case_approve(actor=w.bureau.head, case=case, note="同意实施")
    case = case_advance(actor=w.bureau.officer, case=case, target="implement")
    visits = step_history(case)
    assert [(v.step_key, v.visit) for v in visits] == [("approve", 1), ("implement", 2)]
    assert visits[0].entered_at == case.opened_at
    assert visits[0].left_at == visits[1].entered_at == case.step_entered_at
    assert visits[1].left_at is None


def test_the_90_day_limit_of_a_real_case_with_an_approved_extension(case_world: CaseWorld) -> None:
    w = case_world
    case = w.open()
    opened = timezone.localdate(case.opened_at)
    later = opened + dt.timedelta(days=100)
    before = by_key(case_deadlines(case, today=later))
    assert before["case_decision"].due == opened + dt.timedelta(days=90)
    assert before["case_decision"].status == "overdue"
    assert before["legal_review"].status == "pending"  # still ahead
    case_deadline_extend(actor=w.bureau.head, case=case, deadline_key="case_decision", days=30, reason="案情复杂")
    after = by_key(case_deadlines(case, today=later))["case_decision"]
    assert (after.extended_days, after.due, after.status) == (30, opened + dt.timedelta(days=120), "open")


def test_seizure_30_plus_30_after_an_approved_extension(case_world: CaseWorld) -> None:
    w = case_world
    case = w.open("coercion-seizure", title="查封不符合国家标准的压力容器")
    case_approve(actor=w.bureau.head, case=case, note="同意实施")
    case = case_advance(actor=w.bureau.officer, case=case, target="implement")
    w.on_site(case, full_process=True)
    case = case_advance(actor=w.bureau.officer, case=case, target="deliver")
    seized = timezone.localdate(case.step_entered_at)
    case_document_issue(
        actor=w.bureau.officer,
        case=case,
        template_code="coercive_measure_decision",
        fields={
            "facts": "压力容器未经检验投入使用。",
            "evidence": "现场检查记录",
            "measure": "查封",
            "items": [{"name": "压力容器", "spec": "YR-2", "quantity": "1台", "note": ""}],
            "place": "当事人厂区",
            "measure_period": "三十日",
            "review_body": "盘锦市兴隆台区人民政府",
            "court": "盘锦市兴隆台区人民法院",
        },
    )
    w.on_site(case, full_process=True)
    case = case_advance(actor=w.bureau.officer, case=case, target="custody")
    day_45 = seized + dt.timedelta(days=45)
    seizure = by_key(case_deadlines(case, today=day_45))["seizure_period"]
    assert (seizure.start, seizure.due, seizure.status) == (seized, seized + dt.timedelta(days=30), "overdue")
    case = case_advance(actor=w.bureau.officer, case=case, target="extend")
    case_deadline_extend(actor=w.bureau.head, case=case, deadline_key="seizure_period", days=30, reason="需检测")
    seizure = by_key(case_deadlines(case, today=day_45))["seizure_period"]
    assert (seizure.extended_days, seizure.due, seizure.status) == (30, seized + dt.timedelta(days=60), "open")
    assert seizure.provisional is False


FACTS = {"facts": "该公司未按规定对新入职的3名从业人员进行安全生产教育和培训即安排上岗作业。", "evidence": "询问笔录"}


def test_the_hearing_request_period_of_a_real_case_runs_from_the_notices_service(case_world: CaseWorld) -> None:
    w, b = case_world, case_world.bureau

    def issue(case: Case, code: str, **fields: Any) -> Any:
        return case_document_issue(actor=b.officer, case=case, template_code=code, fields={**FACTS, **fields})

    case = w.open()
    issue(case, "case_opening_approval", case_source="日常检查发现")
    case_approve(actor=b.head, case=case, note="同意立案")
    case = case_advance(actor=b.officer, case=case, target="investigate")
    w.on_site(case)
    case_penalty_propose(actor=b.officer, case=case, amount="20000", band=1)
    case = case_advance(actor=b.officer, case=case, target="review")
    issue(case, "case_handling_approval", decision="拟处罚款人民币贰万元")
    case = case_advance(actor=b.officer, case=case, target="notify")
    notice = issue(
        case, "penalty_notice", decision="拟处罚款人民币贰万元", contact_person="王建国", contact_phone="0427-2825001"
    )
    today = timezone.localdate()
    assert by_key(case_deadlines(case, today=today))["hearing_request"].status == "pending"  # not served yet
    served_at = timezone.now()
    case_document_serve(
        actor=b.officer, case=case, document=notice, method="direct", served_at=served_at, recipient="周示例"
    )
    found = by_key(case_deadlines(case, today=today))
    hearing = found["hearing_request"]
    expected = statement_deadline(case)  # the gate's own reading of the same period
    assert expected is not None
    assert (hearing.start, hearing.due, hearing.provisional) == (
        timezone.localdate(served_at),
        expected.date,
        expected.provisional,
    )
    assert found["legal_review"].status == "met" and found["legal_review"].met_on == today
    assert found["case_decision"].status == "open"
    with CaptureQueriesContext(connection) as queries:
        case_deadlines(case, today=today)
    assert len(queries.captured_queries) <= 5  # calendar version, history, documents, services, extensions


def test_attention_shows_each_users_overdue_and_due_soon_limits_most_urgent_first(case_world: CaseWorld) -> None:
    w, b = case_world, case_world.bureau
    first, second = w.open(), w.open()
    case_deadline_extend(actor=b.head, case=second, deadline_key="case_decision", days=4, reason="案情复杂")
    opened = timezone.localdate(first.opened_at)
    today = opened + dt.timedelta(days=92)  # first: overdue since day 91; second: due on day 94
    for user in (b.officer, w.officer2, b.head, b.leader):
        found = [(case.pk, d.key, d.status) for case, d in deadlines_attention(user, today=today)]
        assert found == [(first.pk, "case_decision", "overdue"), (second.pk, "case_decision", "due_soon")], user
    stranger = make_user("officer3", b.agency, Role.OFFICER)  # an officer of the agency, on neither case
    assert deadlines_attention(stranger, today=today) == []
    assert deadlines_attention(b.outsider, today=today) == []
    assert deadlines_attention(b.supervisor, today=today) == []  # reads them, but they are not theirs to act on
    assert deadlines_attention(b.head, today=opened) == []  # nothing pressing on the day of opening


def test_attention_query_count_does_not_grow_with_the_number_of_cases(case_world: CaseWorld) -> None:
    w, b = case_world, case_world.bureau
    first = w.open()
    today = timezone.localdate(first.opened_at) + dt.timedelta(days=95)
    deadlines_attention(b.head, today=today)  # warm the calendar snapshot and the role cache
    with CaptureQueriesContext(connection) as one:
        assert len(deadlines_attention(b.head, today=today)) == 1
    for _ in range(4):
        w.open()
    with CaptureQueriesContext(connection) as five:
        assert len(deadlines_attention(b.head, today=today)) == 5
    assert len(five.captured_queries) == len(one.captured_queries), [q["sql"] for q in five.captured_queries]
    # the cases, the calendar's version, the ledger history, documents (their services only when there are
    # documents), extensions
    assert len(one.captured_queries) <= 6, "\n".join(q["sql"][:200] for q in one.captured_queries)


@pytest.mark.parametrize("process_key", sorted(PROCESSES))
def test_a_freshly_opened_case_of_every_kind_lists_its_limits(case_world: CaseWorld, process_key: str) -> None:
    case = case_world.open(process_key)
    found = case_deadlines(case, today=timezone.localdate(case.opened_at))
    process = PROCESSES[process_key]
    assert [d.key for d in found] == [s.deadline.key for s in process.steps if s.deadline]
    assert all(d.status in ("pending", "open", "due_soon") for d in found)
