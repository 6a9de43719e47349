"""Reads of the legal review: reviews a user may see, each role's work queue, the reviewers' share against the 5%
floor, and the oversight figures (counts, outcome rates, durations, overdue reviews) per department and in total.

Every lookup passes through ``org.access`` (404 alike for missing and another agency's review). The figures are
computed from one query of the reviews in range (with their case's handling department) plus the working-day
calendar, so their cost does not grow with the number of departments or reviews in queries.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from sanxiang.cases.models import Case
from sanxiang.core import calendar
from sanxiang.core.models import PublicationStatus
from sanxiang.org.access import access_object, is_deployment_admin, roles_in, visible_to
from sanxiang.org.models import Agency, Role
from sanxiang.registry.models import Officer
from sanxiang.review.models import (
    CollectiveDiscussion,
    LegalReview,
    Outcome,
    ReviewerQualification,
    ReviewState,
)

REVIEWER_FLOOR = Decimal("0.05")  # reviewers ≥ 5% of enforcement staff (国办发〔2018〕118号; DOMAIN.md)
NO_DEPARTMENT = "未指定承办机构"


def _reviews() -> QuerySet[LegalReview]:
    return LegalReview.objects.select_related(
        "case__agency", "case__item__handling_department", "reviewer", "adviser", "requested_by"
    )


def reviews_visible_to(user: Any) -> QuerySet[LegalReview]:
    return visible_to(user, _reviews(), agency_field="case__agency")


def access_review(*, user: Any, review_id: Any) -> LegalReview:
    """One review ``user`` may read, or ``NotFound`` alike for a missing review and another agency's."""
    return access_object(user, _reviews(), review_id, agency_field="case__agency")


def case_rounds(case: Case) -> list[LegalReview]:
    """Every round of review of ``case``, first to last."""
    return list(_reviews().filter(case=case).order_by("round"))


def latest_round() -> Any:
    """A filter that keeps a review only when no later round of its case exists."""
    return ~Exists(LegalReview.objects.filter(case=OuterRef("case"), round__gt=OuterRef("round")))


# --- the work queues (审核工作台) ------------------------------------------------------------------------------


@dataclass
class Queue:
    key: str
    title: str
    reviews: list[LegalReview] = field(default_factory=list)
    cases: list[Case] = field(default_factory=list)  # collective discussions to record


def queues_for(user: Any, agency: Agency | None, *, limit: int = 100) -> list[Queue]:
    """What waits for ``user`` in ``agency``, by role: one queue per kind of work they can do."""
    if agency is None:
        return []
    roles = set(Role.values) if is_deployment_admin(user) else roles_in(user, agency)
    base = _reviews().filter(case__agency=agency)
    queues: list[Queue] = []

    def add(key: str, title: str, qs: QuerySet[LegalReview]) -> None:
        queues.append(Queue(key, title, list(qs.order_by("due_on", "requested_at", "pk")[:limit])))

    if Role.PRELIMINARY_REVIEWER in roles:
        add("preliminary", "待初审", base.filter(state=ReviewState.PRELIMINARY))
    if Role.DEPARTMENT_HEAD in roles:
        add("head", "待签署送审", base.filter(state=ReviewState.HEAD))
        add(
            "disagree",
            "审核意见待承办机构确认（可提请协调）",
            base.filter(
                state__in=(ReviewState.RETURNED, ReviewState.FAILED),
                reviewer__isnull=False,
                coordinated_at__isnull=True,
            ).filter(latest_round()),
        )
    if Role.LEGAL_REVIEWER in roles:
        add("untaken", "待承办", base.filter(state=ReviewState.SUBMITTED, reviewer__isnull=True))
        add("mine", "我承办的", base.filter(state=ReviewState.SUBMITTED, reviewer_id=user.pk))
    if Role.LEGAL_ADVISER in roles:
        add(
            "adviser",
            "待出具法律顾问意见",
            base.filter(state=ReviewState.SUBMITTED, adviser_id=user.pk, adviser_at__isnull=True),
        )
    if Role.LEADER in roles:
        add("escalated", "待协调", base.filter(state=ReviewState.ESCALATED))
        queues.append(Queue("collective", "待记录集体讨论", cases=collective_pending(agency, limit=limit)))
    return queues


def collective_pending(agency: Agency, *, limit: int = 100) -> list[Case]:
    """Open cases of ``agency`` whose latest review passed and whose proposal has not yet been discussed."""
    discussed = CollectiveDiscussion.objects.filter(case=OuterRef("case"), proposal_digest=OuterRef("proposal_digest"))
    passed = (
        LegalReview.objects.filter(case__agency=agency, case__closed_at__isnull=True, state=ReviewState.PASSED)
        .filter(latest_round())
        .exclude(Exists(discussed))
        .select_related("case")
        .order_by("decided_at", "pk")[:limit]
    )
    return [review.case for review in passed]


def due_status(review: LegalReview, today: dt.date) -> str:
    """``overdue`` / ``due`` (due today) / ``ok`` / ``""`` (no period running) for an open or decided review."""
    if review.due_on is None:
        return ""
    if review.decided_at is not None:
        return "overdue" if review.overdue else "ok"
    if review.state != ReviewState.SUBMITTED:
        return ""
    if today > review.due_on:
        return "overdue"
    return "due" if today == review.due_on else "ok"


# --- reviewers against the 5% floor ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewerShare:
    """The agency's qualified legal reviewers against its enforcement staff (published officers)."""

    reviewers: int
    staff: int
    floor: Decimal = REVIEWER_FLOOR

    @property
    def share(self) -> Decimal | None:
        if not self.staff:
            return None
        return (Decimal(self.reviewers) / Decimal(self.staff)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)

    @property
    def percent(self) -> str:
        share = self.share
        return "—" if share is None else f"{share * 100:.1f}%"

    @property
    def required(self) -> int:
        """The fewest reviewers that meet the floor for this staff."""
        return math.ceil(Decimal(self.staff) * self.floor)

    @property
    def meets(self) -> bool:
        return self.reviewers >= self.required


def enforcement_staff(agency: Agency) -> QuerySet[Officer]:
    """The agency's enforcement staff: its officers on the published list whose certificate is not revoked."""
    return Officer.objects.filter(agency=agency, status=PublicationStatus.PUBLISHED, revoked_at__isnull=True)


def reviewer_share(agency: Agency) -> ReviewerShare:
    reviewers = ReviewerQualification.objects.filter(
        agency=agency,
        qualified=True,
        user__is_active=True,
        user__role_assignments__agency=agency,
        user__role_assignments__role=Role.LEGAL_REVIEWER,
        user__role_assignments__active=True,
    )
    return ReviewerShare(
        reviewers=reviewers.values("user_id").distinct().count(), staff=enforcement_staff(agency).count()
    )


# --- oversight figures (审核统计) ------------------------------------------------------------------------------------


@dataclass
class Figures:
    """The figures of one department (or of all): counts, outcome rates, durations, overdue reviews."""

    department: str
    count: int = 0  # rounds submitted to the legal section in the range
    decided: int = 0
    passed: int = 0
    returned: int = 0
    failed: int = 0
    open: int = 0
    overdue: int = 0  # decided after the due date, or open and past it
    working_days: list[int] = field(default_factory=list)
    calendar_days: list[int] = field(default_factory=list)

    def _rate(self, n: int) -> str:
        return f"{Decimal(n * 100) / Decimal(self.decided):.1f}%" if self.decided else "—"

    @property
    def pass_rate(self) -> str:
        return self._rate(self.passed)

    @property
    def return_rate(self) -> str:
        return self._rate(self.returned)

    @property
    def fail_rate(self) -> str:
        return self._rate(self.failed)

    @staticmethod
    def _average(values: list[int]) -> str:
        return f"{Decimal(sum(values)) / Decimal(len(values)):.1f}" if values else "—"

    @property
    def average_working_days(self) -> str:
        return self._average(self.working_days)

    @property
    def average_calendar_days(self) -> str:
        return self._average(self.calendar_days)

    @property
    def longest_working_days(self) -> int | None:
        return max(self.working_days) if self.working_days else None

    @property
    def longest_calendar_days(self) -> int | None:
        return max(self.calendar_days) if self.calendar_days else None

    def add(self, row: ReviewRow) -> None:
        self.count += 1
        if row.outcome:
            self.decided += 1
            self.passed += row.outcome == Outcome.PASS
            self.returned += row.outcome == Outcome.RETURN
            self.failed += row.outcome == Outcome.FAIL
        else:
            self.open += 1
        self.overdue += row.is_overdue
        if row.working_days is not None and row.calendar_days is not None:
            self.working_days.append(row.working_days)
            self.calendar_days.append(row.calendar_days)


@dataclass(frozen=True)
class ReviewRow:
    """One review in the figures, with what they count of it."""

    review: LegalReview
    department: str
    outcome: str  # the outcome that stands (the leaders' when they coordinated); empty while open
    working_days: int | None  # submitted → decided
    calendar_days: int | None
    is_overdue: bool


@dataclass
class Stats:
    start: dt.date
    end: dt.date
    today: dt.date
    departments: list[Figures]
    total: Figures
    rows: list[ReviewRow]


def _local_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def review_row(review: LegalReview, today: dt.date, days: calendar.Calendar | None = None) -> ReviewRow:
    """``review`` in the figures; ``days`` is the working-day calendar (one snapshot for many rows)."""
    days = days or calendar.current()
    department = review.case.item.handling_department
    working = calendar_days = None
    submitted = timezone.localdate(review.submitted_at) if review.submitted_at else None
    if submitted is not None and review.decided_at is not None:
        decided = timezone.localdate(review.decided_at)
        working = days.working_days_between(submitted, decided)
        calendar_days = (decided - submitted).days
    if review.decided_at is not None:
        late = review.overdue or (review.due_on is not None and timezone.localdate(review.decided_at) > review.due_on)
    else:
        late = review.state == ReviewState.SUBMITTED and review.due_on is not None and today > review.due_on
    return ReviewRow(
        review=review,
        department=department.name if department else NO_DEPARTMENT,
        outcome=review.final_outcome if review.decided_at is not None else "",
        working_days=working,
        calendar_days=calendar_days,
        is_overdue=late,
    )


def review_stats(
    *, user: Any, start: dt.date, end: dt.date, agencies: Iterable[Agency] | None = None, today: dt.date | None = None
) -> Stats:
    """The figures of the reviews submitted to the legal section from ``start`` to ``end`` (inclusive, local dates)
    that ``user`` may read (in ``agencies`` when given), per handling department and in total."""
    today = today or timezone.localdate()
    qs = reviews_visible_to(user).filter(
        submitted_at__gte=_local_start(start), submitted_at__lt=_local_start(end + dt.timedelta(days=1))
    )
    if agencies is not None:
        qs = qs.filter(case__agency__in=list(agencies))
    days = calendar.current()  # one query for the calendar's version, not one per review
    rows = [review_row(review, today, days) for review in qs.order_by("submitted_at", "pk")]
    by_department: dict[str, Figures] = {}
    total = Figures(department="合计")
    for row in rows:
        by_department.setdefault(row.department, Figures(department=row.department)).add(row)
        total.add(row)
    departments = sorted(by_department.values(), key=lambda f: f.department)
    return Stats(start=start, end=end, today=today, departments=departments, total=total, rows=rows)
