"""Complaint services: filing by the public, then acceptance, assignment, handling notes, reply and closing by staff.

Every function is keyword-only, runs in one transaction, checks who acts, and writes one ledger entry per row it
saves; bad input is refused with Chinese messages and nothing is written (for a filing, every check — the rate limit,
the text, each attachment's size — runs before the first byte is stored).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from sanxiang.complaints import codes
from sanxiang.complaints.access import handles, may_note
from sanxiang.complaints.models import (
    Complaint,
    ComplaintAttachment,
    ComplaintKind,
    ComplaintNote,
    ComplaintState,
    SubmissionStamp,
)
from sanxiang.core import calendar
from sanxiang.core.errors import InvalidTransition, PermissionDenied, SanxiangError, ValidationError
from sanxiang.core.values import clean_text
from sanxiang.ledger.evidence import blob_store
from sanxiang.ledger.services import record
from sanxiang.org.models import Agency, Department, RoleAssignment, User
from sanxiang.registry.models import Officer
from sanxiang.registry.selectors import public_agencies, public_entries
from sanxiang.registry.specs import ALL_LISTS

RATE_WINDOW = dt.timedelta(hours=1)
# pg_advisory_xact_lock namespace for the rate limiter ("cmpl"), combined with the client hash.
_LOCK_BASE = 0x636D706C << 32
REPLY_MAX_CHARS = 5000
NOT_HANDLER = "只有本机关办公室的工作人员可以办理投诉举报。"


class RateLimited(SanxiangError):
    """Too many filings from one client address in the last hour (HTTP 429)."""


class Upload(Protocol):
    """A file from a form or the API (Django's ``UploadedFile``)."""

    name: str | None
    size: int | None

    def read(self, size: int = ..., /) -> bytes: ...


@dataclass(frozen=True)
class Filed:
    complaint: Complaint
    code: str  # shown once, never stored


def limits() -> dict[str, int]:
    return {
        "rate_per_hour": settings.SANXIANG_COMPLAINT_RATE_PER_HOUR,
        "max_chars": settings.SANXIANG_COMPLAINT_MAX_CHARS,
        "max_attachments": settings.SANXIANG_COMPLAINT_MAX_ATTACHMENTS,
        "max_attachment_bytes": settings.SANXIANG_COMPLAINT_MAX_ATTACHMENT_BYTES,
        "reply_days": settings.SANXIANG_COMPLAINT_REPLY_DAYS,
    }


def _megabytes(n: int) -> str:
    value = n / (1024 * 1024)
    return f"{value:g} MB" if value >= 1 else f"{n} 字节"


# --- the rate limit -------------------------------------------------------------------------------------------------


def _lock_client(client: str) -> None:
    """Serialise filings from one client on PostgreSQL (SQLite's IMMEDIATE transactions are serial already)."""
    connection = transaction.get_connection()
    if connection.vendor == "postgresql":
        key = _LOCK_BASE | int(client[:8], 16)
        key = key - 2**64 if key >= 2**63 else key
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def _check_rate(client: str, now: dt.datetime) -> None:
    rate = settings.SANXIANG_COMPLAINT_RATE_PER_HOUR
    recent = SubmissionStamp.objects.filter(client_hash=client, at__gt=now - RATE_WINDOW)
    if recent.count() >= rate:
        oldest = recent.order_by("at").values_list("at", flat=True).first() or now
        wait = max(1, int((oldest + RATE_WINDOW - now).total_seconds() // 60) + 1)
        raise RateLimited(
            f"同一网络地址每小时最多可提交 {rate} 件投诉举报，您已达到上限。请约 {wait} 分钟后再提交，"
            "或通过监督举报电话、信函等渠道反映。"
        )


# --- filing ---------------------------------------------------------------------------------------------------------


def _clean_officer(agency: Agency, raw: str, errors: dict[str, list[str]]) -> Officer | None:
    if not raw:
        return None
    officers = public_entries(ALL_LISTS["officers"]).filter(agency=agency)
    by_number = officers.filter(certificate_number=raw).first()
    if by_number is not None:
        return by_number
    named = list(officers.filter(name=raw)[:2])
    if len(named) == 1:
        return named[0]
    if named:
        errors["officer"] = [f"该机关有多名名为“{raw}”的执法人员，请填写执法证号。"]
    else:
        errors["officer"] = [f"在{agency.name}已公示的执法人员中未找到“{raw}”，请核对姓名或执法证号，或留空。"]
    return None


def _clean_files(files: Sequence[Upload], errors: dict[str, list[str]]) -> list[tuple[Upload, str, int]]:
    most = settings.SANXIANG_COMPLAINT_MAX_ATTACHMENTS
    biggest = settings.SANXIANG_COMPLAINT_MAX_ATTACHMENT_BYTES
    files = [f for f in files if f is not None]
    if len(files) > most:
        errors["attachments"] = [f"最多可上传 {most} 个附件，您选择了 {len(files)} 个。"]
        return []
    cleaned, problems = [], []
    for upload in files:
        name = os.path.basename(str(upload.name or "附件").replace("\\", "/")).strip() or "附件"
        name = name[-200:]
        size = upload.size
        if size is None:
            problems.append(f"无法确定附件“{name}”的大小，请重新选择。")
        elif size == 0:
            problems.append(f"附件“{name}”是空文件。")
        elif size > biggest:
            problems.append(f"附件“{name}”为 {_megabytes(size)}，超过单个附件 {_megabytes(biggest)} 的上限。")
        else:
            cleaned.append((upload, name, size))
    if problems:
        errors["attachments"] = problems
    return cleaned


class _Bounded:
    """Reads at most ``limit`` bytes from ``stream`` and refuses a stream longer than it claimed (defence in depth)."""

    def __init__(self, stream: Upload, limit: int, name: str) -> None:
        self._stream, self._left, self._name = stream, limit, name

    def read(self, size: int = -1, /) -> bytes:
        chunk = self._stream.read(size)
        self._left -= len(chunk)
        if self._left < 0:
            raise ValidationError({"attachments": [f"附件“{self._name}”超过了大小上限。"]})
        return chunk


@transaction.atomic
def complaint_file(*, data: dict[str, Any], files: Sequence[Upload] = (), client_address: str) -> Filed:
    """File a complaint from the public (no actor): check the client's rate, every field and every attachment, then
    store the attachments as evidence, save the complaint (reply due in ``SANXIANG_COMPLAINT_REPLY_DAYS`` working
    days from the day it is received) and return it with its tracking code, which is not kept."""
    now = timezone.now()
    client = codes.client_hash(client_address)
    _lock_client(client)
    _check_rate(client, now)

    errors: dict[str, list[str]] = {}
    kind = clean_text(data.get("kind"))
    if kind not in ComplaintKind.values:
        errors["kind"] = ["请选择类别：投诉执法人员执法行为，或举报违法行为。"]
    agency: Agency | None = None
    agency_id: Any = data.get("agency")
    try:
        agency = public_agencies().filter(pk=int(agency_id)).first() if agency_id not in (None, "") else None
    except (TypeError, ValueError):
        agency = None
    if agency is None:
        errors["agency"] = ["请选择已公示的执法主体。"]
    officer = _clean_officer(agency, clean_text(data.get("officer")), errors) if agency is not None else None
    fields = {
        "reported_party": (clean_text(data.get("reported_party")), 200, "被举报的单位或个人"),
        "reported_place": (clean_text(data.get("reported_place")), 200, "地点"),
        "complainant_name": (clean_text(data.get("complainant_name")), 50, "姓名"),
        "complainant_contact": (clean_text(data.get("complainant_contact")), 100, "联系方式"),
    }
    for name, (value, most, label) in fields.items():
        if len(value) > most:
            errors[name] = [f"{label}不能超过 {most} 个字符。"]
    text = clean_text(data.get("text"))
    max_chars = settings.SANXIANG_COMPLAINT_MAX_CHARS
    if not text:
        errors["text"] = ["请填写投诉举报内容。"]
    elif len(text) > max_chars:
        errors["text"] = [f"内容不能超过 {max_chars} 个字符（现有 {len(text)} 个），较长的材料请作为附件上传。"]
    uploads = _clean_files(list(files), errors)
    if errors:
        raise ValidationError(errors)
    assert agency is not None

    code = codes.new_code()
    due = calendar.add_working_days(timezone.localdate(now), settings.SANXIANG_COMPLAINT_REPLY_DAYS)
    complaint = Complaint.objects.create(
        agency=agency,
        kind=kind,
        officer=officer,
        reported_party=fields["reported_party"][0],
        reported_place=fields["reported_place"][0],
        text=text,
        complainant_name=fields["complainant_name"][0],
        complainant_contact=fields["complainant_contact"][0],
        code_hash=codes.code_hash(code) or "",
        received_at=now,
        due_on=due.date,
        due_provisional=due.provisional,
    )
    record(actor=None, action="complaint.file", subject=complaint, note=complaint.get_kind_display())
    for position, (upload, name, size) in enumerate(uploads, start=1):
        content_type = (getattr(upload, "content_type", "") or "application/octet-stream")[:100]
        blob = blob_store(
            actor=None,
            fileobj=_Bounded(upload, size, name),
            content_type=content_type,
            note=f"投诉举报附件 {name}",
        )
        attachment = ComplaintAttachment.objects.create(
            complaint=complaint, blob=blob, filename=name, content_type=content_type, size=blob.size, position=position
        )
        record(actor=None, action="complaint.attach", subject=attachment, note=name)
    SubmissionStamp.objects.filter(at__lte=now - RATE_WINDOW).delete()  # the count's old rows: not a record
    SubmissionStamp.objects.create(client_hash=client, at=now)
    return Filed(complaint=complaint, code=code)


# --- staff actions --------------------------------------------------------------------------------------------------


def _locked(complaint: Complaint) -> Complaint:
    return Complaint.objects.select_for_update().get(pk=complaint.pk)


def _require_handler(actor: Any, complaint: Complaint) -> None:
    if not handles(actor, complaint.agency_id):
        raise PermissionDenied(NOT_HANDLER)
    _require_not_concerned(actor, complaint)


def _require_not_concerned(actor: Any, complaint: Complaint) -> None:
    """The officer complained about stands aside (回避), even if they work in the office."""
    if complaint.officer_id and complaint.officer and complaint.officer.user_id == getattr(actor, "pk", None):
        raise PermissionDenied("您是被投诉的执法人员，应当回避，不能办理该投诉。")


def _require_state(complaint: Complaint, *states: str, doing: str) -> None:
    if complaint.state not in states:
        raise InvalidTransition(f"该投诉举报{complaint.get_state_display()}，不能{doing}。")


def _required_text(value: Any, field: str, message: str, most: int = REPLY_MAX_CHARS) -> str:
    text = clean_text(value)
    if not text:
        raise ValidationError({field: [message]})
    if len(text) > most:
        raise ValidationError({field: [f"不能超过 {most} 个字符（现有 {len(text)} 个）。"]})
    return text


@transaction.atomic
def complaint_accept(*, actor: Any, complaint: Complaint, note: str = "") -> Complaint:
    complaint = _locked(complaint)
    _require_handler(actor, complaint)
    _require_state(complaint, ComplaintState.RECEIVED, doing="受理")
    complaint.state = ComplaintState.ACCEPTED
    complaint.accepted_at = timezone.now()
    complaint.accepted_by = actor
    complaint.save()
    record(actor=actor, action="complaint.accept", subject=complaint, note=clean_text(note))
    return complaint


@transaction.atomic
def complaint_refuse(*, actor: Any, complaint: Complaint, reason: str) -> Complaint:
    """Refuse to accept, with the reason the complainant is shown (e.g. not within this agency's remit)."""
    complaint = _locked(complaint)
    _require_handler(actor, complaint)
    _require_state(complaint, ComplaintState.RECEIVED, doing="决定不予受理")
    reason = _required_text(reason, "reason", "请填写不予受理的理由（将告知投诉举报人）。")
    complaint.state = ComplaintState.REFUSED
    complaint.refused_at = timezone.now()
    complaint.refusal_reason = reason
    complaint.save()
    record(actor=actor, action="complaint.refuse", subject=complaint, note=reason)
    return complaint


@transaction.atomic
def complaint_assign(
    *,
    actor: Any,
    complaint: Complaint,
    department: Department | None = None,
    assignee: User | None = None,
    note: str = "",
) -> Complaint:
    """Give an accepted complaint to a department and/or a person of the agency (never the officer complained about)."""
    complaint = _locked(complaint)
    _require_handler(actor, complaint)
    _require_state(complaint, ComplaintState.ACCEPTED, doing="交办")
    errors: dict[str, list[str]] = {}
    if department is None and assignee is None:
        errors["__all__"] = ["请选择承办科室或承办人。"]
    if department is not None and (department.agency_id != complaint.agency_id or not department.active):
        errors["department"] = ["请选择本机关在用的科室。"]
    if assignee is not None:
        works_here = RoleAssignment.objects.filter(user=assignee, agency_id=complaint.agency_id, active=True).exists()
        if not works_here or not assignee.is_active:
            errors["assignee"] = ["承办人须为本机关的在岗工作人员。"]
        elif complaint.officer_id and complaint.officer and complaint.officer.user_id == assignee.pk:
            errors["assignee"] = ["不能交由被投诉的执法人员本人承办。"]
    if errors:
        raise ValidationError(errors)
    complaint.department = department
    complaint.assignee = assignee
    complaint.assigned_at = timezone.now()
    complaint.save()
    who = "、".join(x for x in (department.name if department else "", assignee.display_name if assignee else "") if x)
    record(
        actor=actor, action="complaint.assign", subject=complaint, note=(f"交 {who} 承办；" + clean_text(note))[:500]
    )
    return complaint


@transaction.atomic
def complaint_note_add(*, actor: Any, complaint: Complaint, text: str) -> ComplaintNote:
    """Record how the complaint is being handled (internal: never shown to the complainant)."""
    complaint = _locked(complaint)
    if not may_note(actor, complaint):
        raise PermissionDenied("只有本机关办公室或该投诉举报的承办人可以记录办理情况。")
    _require_not_concerned(actor, complaint)
    _require_state(complaint, ComplaintState.RECEIVED, ComplaintState.ACCEPTED, doing="记录办理情况")
    text = _required_text(text, "text", "请填写办理情况。")
    note = ComplaintNote.objects.create(complaint=complaint, author=actor, text=text, created_at=timezone.now())
    record(actor=actor, action="complaint.note", subject=note)
    return note


@transaction.atomic
def complaint_reply(*, actor: Any, complaint: Complaint, text: str) -> Complaint:
    """Answer the complainant (shown on the tracking page)."""
    complaint = _locked(complaint)
    _require_handler(actor, complaint)
    _require_state(complaint, ComplaintState.ACCEPTED, doing="答复")
    complaint.reply = _required_text(text, "text", "请填写答复内容（将告知投诉举报人）。")
    complaint.state = ComplaintState.REPLIED
    complaint.replied_at = timezone.now()
    complaint.replied_by = actor
    complaint.save()
    late = timezone.localdate(complaint.replied_at) > complaint.due_on
    record(actor=actor, action="complaint.reply", subject=complaint, note="超期答复" if late else "按期答复")
    return complaint


@transaction.atomic
def complaint_close(*, actor: Any, complaint: Complaint, note: str = "") -> Complaint:
    complaint = _locked(complaint)
    _require_handler(actor, complaint)
    _require_state(complaint, ComplaintState.REPLIED, ComplaintState.REFUSED, doing="办结")
    complaint.state = ComplaintState.CLOSED
    complaint.closed_at = timezone.now()
    complaint.closing_note = clean_text(note)[:REPLY_MAX_CHARS]
    complaint.save()
    record(actor=actor, action="complaint.close", subject=complaint, note=complaint.closing_note)
    return complaint
