"""On-site records of a case's step (现场执法): the certificate shown (出示执法证件) and audio-video recordings
(音像记录) — an uploaded evidence file with the body camera or recorded room, officer, time and place."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from sanxiang.cases.actions import Situation, require_action
from sanxiang.cases.checks import aware, case_officer, open_case, recorded_room
from sanxiang.cases.models import (
    Case,
    CertificateShown,
    Recording,
)
from sanxiang.cases.rules import officer_eligibility
from sanxiang.core.errors import ValidationError
from sanxiang.core.values import clean_text
from sanxiang.ledger.models import Blob
from sanxiang.ledger.services import record
from sanxiang.registry.models import Device, DeviceStatus, DeviceUsage, Officer, RecordingPlace

# --- on site: certificates and recordings --------------------------------------------------------------------------


@transaction.atomic
def case_certificate_shown(
    *,
    actor: Any,
    case: Case,
    officer: Officer,
    shown_at: dt.datetime,
    place: str,
    room: RecordingPlace | None = None,
) -> CertificateShown:
    """出示执法证件: ``officer`` of the case showed the certificate at ``shown_at`` at an on-site step."""
    case, process, step = open_case(case)
    require_action("certificate", actor=actor, situation=Situation(case, process, step))
    now = timezone.now()
    errors: dict[str, list[str]] = {}
    row = case_officer(case, officer)
    shown_at = aware(shown_at, "shown_at", "出示时间", errors, now=now)
    if "shown_at" not in errors:
        reasons = officer_eligibility(
            officer=row.officer, item=case.item, place_region=case.place_region, on=timezone.localdate(shown_at)
        )
        if reasons:
            errors["officer"] = reasons
    place = clean_text(place)
    if not place:
        errors["place"] = ["请填写地点。"]
    room = recorded_room(case, room, errors)
    if errors:
        raise ValidationError(errors)
    shown = CertificateShown.objects.create(
        case=case,
        step_key=step.key,
        visit=case.visit,
        officer=row.officer,
        shown_at=shown_at,
        place=place,
        room=room,
        recorded_by=actor,
        recorded_at=now,
    )
    record(actor=actor, action="case.certificate_shown", subject=shown, note=f"{row.officer.name} {step.name}")
    return shown


def _device_held(device: Device, officer: Officer, at: dt.datetime) -> bool:
    """Whether ``officer`` held ``device`` at ``at`` (now, or in a finished use in the usage log)."""
    if device.officer_id == officer.pk and device.assigned_at is not None and device.assigned_at <= at:
        return True
    return DeviceUsage.objects.filter(
        device=device, officer=officer, checked_out_at__lte=at, returned_at__gte=at
    ).exists()


@transaction.atomic
def case_recording_add(
    *,
    actor: Any,
    case: Case,
    sha256: str,
    officer: Officer,
    place: str,
    started_at: dt.datetime,
    ended_at: dt.datetime,
    device: Device | None = None,
    room: RecordingPlace | None = None,
    full_process: bool = False,
    note: str = "",
) -> Recording:
    """音像记录 of the current step: an evidence file already uploaded (``/api/v1/evidence/``) and its circumstances.

    The file must be complete evidence (its hashes checked at upload); made with a body camera the officer held at
    the time, or in a recorded room of the agency's AV list; by an officer of the case.
    """
    case, process, step = open_case(case)
    require_action("recording", actor=actor, situation=Situation(case, process, step))
    now = timezone.now()
    errors: dict[str, list[str]] = {}
    blob = Blob.objects.filter(pk=clean_text(sha256).lower()).first()
    if blob is None:
        errors["sha256"] = ["证据库中没有该文件：请先上传音像文件，上传完成并校验通过后再登记。"]
    row = case_officer(case, officer)
    started_at = aware(started_at, "started_at", "开始时间", errors, now=now)
    ended_at = aware(ended_at, "ended_at", "结束时间", errors, now=now)
    if "started_at" not in errors and "ended_at" not in errors and ended_at <= started_at:
        errors["ended_at"] = ["结束时间应晚于开始时间。"]
    place = clean_text(place)
    if not place:
        errors["place"] = ["请填写地点。"]
    room = recorded_room(case, room, errors)
    if device is None and room is None and "room" not in errors:
        errors["device"] = ["请选择执法记录仪，或选择音像记录场所。"]
    if device is not None:
        device = Device.objects.filter(pk=device.pk).first()
        if device is None or device.agency_id != case.agency_id:
            errors["device"] = ["该执法记录仪不属于本机关。"]
        elif device.status == DeviceStatus.RETIRED:
            errors["device"] = [f"执法记录仪{device.asset_number}已报废。"]
        elif "started_at" not in errors and not _device_held(device, row.officer, started_at):
            errors["device"] = [f"执法记录仪{device.asset_number}在开始时间未配发给{row.officer.name}。"]
    if "started_at" not in errors:
        reasons = officer_eligibility(
            officer=row.officer, item=case.item, place_region=case.place_region, on=timezone.localdate(started_at)
        )
        if reasons:
            errors["officer"] = reasons
    if errors:
        raise ValidationError(errors)
    assert blob is not None
    recording = Recording.objects.create(
        case=case,
        step_key=step.key,
        visit=case.visit,
        blob=blob,
        officer=row.officer,
        device=device,
        room=room,
        place=place,
        started_at=started_at,
        ended_at=ended_at,
        full_process=bool(full_process),
        note=clean_text(note),
        recorded_by=actor,
        recorded_at=now,
    )
    record(
        actor=actor,
        action="case.recording_add",
        subject=recording,
        note=f"{step.name} {row.officer.name}",
        blob={"sha256": blob.sha256, "sm3": blob.sm3, "size": blob.size},
    )
    return recording
