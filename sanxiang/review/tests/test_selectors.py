"""The review's reads: the oversight figures on reviews with known dates (one across the National Day holiday), the
overdue ones, per department and in total, with a bounded number of queries; the reviewers' share against the 5%
floor; the work queues by role."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sanxiang.cases.models import Case
from sanxiang.cases.tests.conftest import CaseWorld
from sanxiang.core import calendar
from sanxiang.org.models import Department, DepartmentKind
from sanxiang.registry.tests import factories as f
from sanxiang.review import selectors
from sanxiang.review.models import LegalReview, ReviewState
from sanxiang.review.selectors import ReviewerShare, reviewer_share
from sanxiang.review.services import review_request
from sanxiang.review.tests.conftest import qualify, to_review

TODAY = dt.date(2026, 11, 24)


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def make_review(case: Case, round: int, user: Any, *, submitted: dt.date | None, **fields: Any) -> LegalReview:
    """A review row with the dates the figures read (fixtures for a read-only selector; the services are tested in
    test_review.py)."""
    due = calendar.add_working_days(submitted, 7).date if submitted else None
    values: dict[str, Any] = {
        "case": case,
        "round": round,
        "proposal_digest": "0" * 64,
        "state": ReviewState.SUBMITTED,
        "requested_by": user,
        "requested_at": at(submitted or TODAY, 9),
        "submitted_at": at(submitted) if submitted else None,
        "due_on": due,
        **fields,
    }
    return LegalReview.objects.create(**values)


@pytest.fixture
def two_departments(case_world: CaseWorld) -> tuple[CaseWorld, Case, Case]:
    w, b = case_world, case_world.bureau
    squad = Department.objects.create(agency=b.agency, name="执法一中队", kind=DepartmentKind.SQUAD)
    item = f.publish(
        "items",
        bureau=b,
        data=f.item_data(b, code="XZCF-020", name="未按规定设置安全警示标志的处罚", handling_department_id=squad.pk),
    )
    return w, w.open(), w.open(item=item)


def figures(w: CaseWorld, **extra: Any) -> selectors.Stats:
    return selectors.review_stats(
        user=w.bureau.leader, start=dt.date(2026, 1, 1), end=TODAY, today=TODAY, agencies=[w.bureau.agency], **extra
    )


def test_counts_rates_durations_and_overdue_per_department_and_in_total(
    two_departments: tuple[CaseWorld, Case, Case],
) -> None:
    w, section_case, squad_case = two_departments
    user = w.bureau.officer
    # 执法监察科: submitted on 30 September, decided on 12 October across the National Day holiday (1–7 October off,
    # Saturday 10 October a make-up working day): 4 working days, 12 calendar days, in time.
    make_review(
        section_case,
        1,
        user,
        submitted=dt.date(2026, 9, 30),
        state=ReviewState.RETURNED,
        outcome="return",
        decided_at=at(dt.date(2026, 10, 12)),
    )
    # … then a second round, decided late (due 29 October, decided 30 October: 8 working days, 10 calendar days) as
    # a fail that the leaders turned into a pass.
    late = make_review(
        section_case,
        2,
        user,
        submitted=dt.date(2026, 10, 20),
        state=ReviewState.PASSED,
        outcome="fail",
        coordinated_outcome="pass",
        decided_at=at(dt.date(2026, 10, 30)),
        overdue=True,
    )
    assert late.due_on == dt.date(2026, 10, 29)
    # 执法一中队: submitted on 2 November, still open past its due date (11 November).
    make_review(squad_case, 1, user, submitted=dt.date(2026, 11, 2))
    # Not counted: submitted before the range; and a round still at the preliminary review (never submitted).
    make_review(squad_case, 2, user, submitted=dt.date(2025, 12, 30), state=ReviewState.PASSED, outcome="pass")
    make_review(squad_case, 3, user, submitted=None, state=ReviewState.PRELIMINARY)

    stats = figures(w)
    total = stats.total
    assert (total.count, total.decided, total.open) == (3, 2, 1)
    assert (total.passed, total.returned, total.failed) == (1, 1, 0)
    assert (total.pass_rate, total.return_rate, total.fail_rate) == ("50.0%", "50.0%", "0.0%")
    assert sorted(total.working_days) == [4, 8] and sorted(total.calendar_days) == [10, 12]
    assert (total.average_working_days, total.longest_working_days) == ("6.0", 8)
    assert (total.average_calendar_days, total.longest_calendar_days) == ("11.0", 12)
    assert total.overdue == 2  # decided late, and open past due

    by_name = {d.department: d for d in stats.departments}
    assert sorted(by_name) == ["执法一中队", "执法监察科"]
    section, squad = by_name["执法监察科"], by_name["执法一中队"]
    assert (section.count, section.decided, section.overdue, section.pass_rate) == (2, 2, 1, "50.0%")
    assert (squad.count, squad.decided, squad.open, squad.overdue) == (1, 0, 1, 1)
    assert (squad.pass_rate, squad.average_working_days, squad.longest_working_days) == ("—", "—", None)

    # The range is by the day of submission, inclusive at both ends.
    narrow = selectors.review_stats(
        user=w.bureau.leader, start=dt.date(2026, 9, 30), end=dt.date(2026, 9, 30), today=TODAY
    )
    assert narrow.total.count == 1
    # Before the open review's due date it is not yet overdue.
    assert (
        selectors.review_stats(
            user=w.bureau.leader, start=dt.date(2026, 11, 1), end=TODAY, today=dt.date(2026, 11, 11)
        ).total.overdue
        == 0
    )


def test_other_agencies_reviews_are_not_counted(two_departments: tuple[CaseWorld, Case, Case]) -> None:
    w, section_case, _ = two_departments
    make_review(section_case, 1, w.bureau.officer, submitted=dt.date(2026, 3, 2))
    assert selectors.review_stats(user=w.bureau.outsider, start=dt.date(2026, 1, 1), end=TODAY).total.count == 0
    assert selectors.review_stats(user=w.bureau.supervisor, start=dt.date(2026, 1, 1), end=TODAY).total.count == 1


def test_the_figures_take_a_fixed_number_of_queries(two_departments: tuple[CaseWorld, Case, Case]) -> None:
    w, section_case, squad_case = two_departments
    user = w.bureau.officer
    make_review(
        section_case, 1, user, submitted=dt.date(2026, 3, 2), outcome="pass", decided_at=at(dt.date(2026, 3, 5))
    )
    figures(w)  # the calendar is loaded once per process
    with CaptureQueriesContext(connection) as few:
        figures(w)
    for round in range(2, 12):
        case = section_case if round % 2 else squad_case
        make_review(
            case, round, user, submitted=dt.date(2026, 4, round), outcome="return", decided_at=at(dt.date(2026, 5, 6))
        )
    with CaptureQueriesContext(connection) as many:
        stats = figures(w)
    assert stats.total.count == 11
    assert len(many) == len(few) <= 3


def test_the_reviewer_share_against_the_five_percent_floor() -> None:
    assert ReviewerShare(reviewers=1, staff=20).percent == "5.0%"
    assert ReviewerShare(reviewers=1, staff=20).meets
    assert ReviewerShare(reviewers=1, staff=21).required == 2  # 5% of 21 is 1.05: two are needed
    assert not ReviewerShare(reviewers=1, staff=21).meets
    assert ReviewerShare(reviewers=2, staff=40).share == Decimal("0.0500")
    assert ReviewerShare(reviewers=0, staff=0).percent == "—"


def test_the_agencys_share_counts_qualified_reviewers_and_published_officers(case_world: CaseWorld) -> None:
    w, b = case_world, case_world.bureau
    staff = selectors.enforcement_staff(b.agency).count()
    assert staff >= 2  # 王建国 and 李明 are on the published list
    assert reviewer_share(b.agency) == ReviewerShare(reviewers=0, staff=staff)
    qualify(w)
    share = reviewer_share(b.agency)
    assert share.reviewers == 1 and share.meets
    assert reviewer_share(b.other_agency).reviewers == 0


def test_the_queues_by_role(case_world: CaseWorld) -> None:
    w, b = case_world, case_world.bureau
    review = review_request(actor=b.officer, case=to_review(w))

    def keys(user: Any) -> dict[str, int]:
        return {q.key: len(q.reviews) + len(q.cases) for q in selectors.queues_for(user, b.agency)}

    assert keys(b.preliminary_reviewer) == {"preliminary": 1}
    assert keys(b.head) == {"head": 0, "disagree": 0}
    assert keys(b.reviewer) == {"untaken": 0, "mine": 0}
    assert keys(b.adviser) == {"adviser": 0}
    assert keys(b.leader) == {"escalated": 0, "collective": 0}
    assert keys(b.officer) == {}
    assert selectors.queues_for(b.outsider, b.agency) == []
    assert selectors.due_status(review, TODAY) == ""
