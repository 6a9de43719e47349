"""Reading complaints: the staff list with its due/overdue/replied filters, one complaint, and the public tracking
view, which carries only what the complainant may be shown (never identity, never handling notes)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from sanxiang.complaints import codes
from sanxiang.complaints.access import readable_complaints
from sanxiang.complaints.models import Complaint, ComplaintState
from sanxiang.core.errors import NotFound

OPEN_STATES = (ComplaintState.RECEIVED, ComplaintState.ACCEPTED)
ANSWERED_STATES = (ComplaintState.REPLIED, ComplaintState.REFUSED, ComplaintState.CLOSED)
FILTERS = {
    "": "全部",
    "due": "办理中（未超期）",
    "overdue": "已超期未答复",
    "replied": "已答复/已办结",
}


def due_status(complaint: Complaint, today: dt.date | None = None) -> str:
    """``overdue`` (open past its due day), ``due`` (open, in time), ``late`` (answered after the due day), ``on_time``."""
    today = today or timezone.localdate()
    if complaint.state in OPEN_STATES:
        return "overdue" if today > complaint.due_on else "due"
    answered = complaint.replied_at or complaint.refused_at
    if answered is not None and timezone.localdate(answered) > complaint.due_on:
        return "late"
    return "on_time"


def staff_complaints(
    user: Any, *, status: str = "", agency_id: int | None = None, today: dt.date | None = None
) -> QuerySet[Complaint]:
    today = today or timezone.localdate()
    qs = readable_complaints(user).select_related("agency", "officer", "department", "assignee")
    if agency_id:
        qs = qs.filter(agency_id=agency_id)
    if status == "due":
        qs = qs.filter(state__in=OPEN_STATES, due_on__gte=today)
    elif status == "overdue":
        qs = qs.filter(state__in=OPEN_STATES, due_on__lt=today)
    elif status == "replied":
        qs = qs.filter(state__in=ANSWERED_STATES)
    return qs.order_by("-received_at", "-pk")


def counts(user: Any, *, agency_id: int | None = None, today: dt.date | None = None) -> dict[str, int]:
    today = today or timezone.localdate()
    qs = readable_complaints(user)
    if agency_id:
        qs = qs.filter(agency_id=agency_id)
    return {
        "": qs.count(),
        "due": qs.filter(state__in=OPEN_STATES, due_on__gte=today).count(),
        "overdue": qs.filter(state__in=OPEN_STATES, due_on__lt=today).count(),
        "replied": qs.filter(state__in=ANSWERED_STATES).count(),
    }


def staff_complaint(user: Any, pk: Any) -> Complaint:
    """One complaint ``user`` may read; ``NotFound`` alike for missing and not-yours."""
    try:
        return staff_complaints(user).prefetch_related("attachments", "notes__author").get(pk=pk)
    except (Complaint.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound("未找到该投诉举报。") from exc


@dataclass(frozen=True)
class Tracking:
    """What the tracking code shows: status, dates, due date, reply. No identity, no text, no notes."""

    kind: str
    agency: str
    state: str
    state_display: str
    received_on: dt.date
    accepted_on: dt.date | None
    due_on: dt.date
    due_provisional: bool
    overdue: bool
    refused_on: dt.date | None
    refusal_reason: str
    replied_on: dt.date | None
    reply: str
    closed_on: dt.date | None
    attachments: int


def _day(value: dt.datetime | None) -> dt.date | None:
    return timezone.localdate(value) if value else None


def track(raw_code: str) -> Tracking:
    digest = codes.code_hash(raw_code)
    complaint = (
        Complaint.objects.select_related("agency").filter(code_hash=digest).first() if digest is not None else None
    )
    if complaint is None:
        raise NotFound("未找到与该查询码对应的投诉举报，请核对后重新输入（查询码不区分大小写，可省略短横线）。")
    return Tracking(
        kind=str(complaint.get_kind_display()),
        agency=complaint.agency.name,
        state=complaint.state,
        state_display=str(complaint.get_state_display()),
        received_on=timezone.localdate(complaint.received_at),
        accepted_on=_day(complaint.accepted_at),
        due_on=complaint.due_on,
        due_provisional=complaint.due_provisional,
        overdue=due_status(complaint) == "overdue",
        refused_on=_day(complaint.refused_at),
        refusal_reason=complaint.refusal_reason,
        replied_on=_day(complaint.replied_at),
        reply=complaint.reply,
        closed_on=_day(complaint.closed_at),
        attachments=complaint.attachments.count(),
    )


def handler_choices(complaint: Complaint) -> tuple[QuerySet[Any], QuerySet[Any]]:
    """Departments and people of the complaint's agency it can be assigned to."""
    from sanxiang.org.models import Department, User

    departments = Department.objects.filter(agency_id=complaint.agency_id, active=True).order_by("pk")
    people = (
        User.objects.filter(
            is_active=True, role_assignments__agency_id=complaint.agency_id, role_assignments__active=True
        )
        .distinct()
        .order_by("full_name", "username")
    )
    if complaint.officer_id and complaint.officer and complaint.officer.user_id:
        people = people.filter(~Q(pk=complaint.officer.user_id))
    return departments, people
