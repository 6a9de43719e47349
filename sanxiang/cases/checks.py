"""Checks every case service shares: the case locked and still open, the actor of the step, an officer of the
case, a moment given with its zone and not in the future, a recorded room of the agency's published AV list."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from sanxiang.cases.documents import FUTURE_SLACK
from sanxiang.cases.gates import actor_reason
from sanxiang.cases.models import (
    Case,
    CaseOfficer,
)
from sanxiang.cases.processes import PROCESSES, Process, Step
from sanxiang.core.errors import InvalidTransition, PermissionDenied, ValidationError
from sanxiang.core.models import PublicationStatus
from sanxiang.registry.models import Officer, RecordingPlace

# --- common checks -------------------------------------------------------------------------------------------------


def open_case(case: Case) -> tuple[Case, Process, Step]:
    """``case`` locked for the rest of the transaction, its process and current step; refused once it is closed."""
    case = Case.objects.select_for_update().select_related("agency", "item").get(pk=case.pk)
    process = PROCESSES[case.process_key]
    if case.state in process.ends:
        raise InvalidTransition(f"案件{case.number}已办结（{process.step(case.state).name}），不能再办理或修改。")
    return case, process, process.step(case.state)


def require_step_actor(actor: Any, case: Case, step: Step) -> None:
    reason = actor_reason(actor, case, step)
    if reason:
        raise PermissionDenied(reason)


def case_officer(case: Case, officer: Officer | int) -> CaseOfficer:
    officer_id = officer if isinstance(officer, int) else officer.pk
    row = CaseOfficer.objects.filter(case=case, officer_id=officer_id, active=True).select_related("officer").first()
    if row is None:
        raise ValidationError({"officer": ["该执法人员不是本案的承办人员（或已回避）。"]})
    return row


def aware(value: Any, name: str, label: str, errors: dict[str, list[str]], *, now: dt.datetime) -> dt.datetime:
    if not isinstance(value, dt.datetime) or timezone.is_naive(value):
        errors[name] = [f"请填写{label}（带时区的日期时间）。"]
        return now
    if value > now + FUTURE_SLACK:
        errors[name] = [f"{label}不能晚于当前时间。"]
    return value


def recorded_room(case: Case, room: RecordingPlace | None, errors: dict[str, list[str]]) -> RecordingPlace | None:
    if room is None:
        return None
    fresh = RecordingPlace.objects.filter(pk=room.pk).first()
    if fresh is None or fresh.agency_id != case.agency_id or fresh.status != PublicationStatus.PUBLISHED:
        errors["room"] = ["该场所不在本机关已公示的音像记录场所清单中。"]
        return None
    return fresh
