"""The complaints app's routers under /api/v1/ (public: filing and tracking without login; staff: signed-in staff).

Public: ``POST /public/complaints/`` (multipart form: the fields below and up to three ``attachments``) answers 201
with the tracking code — shown once, never stored — or 422 (bad input, nothing written) or 429 (rate limit);
``GET /public/complaints/track/?code=…`` answers what the complainant may see (status, dates, reply), never identity
or handling notes. Staff: list, detail and one POST per action, each calling its service (which checks the role and
writes the ledger entry). Errors have the API's one shape (sanxiang/config/api.py).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate
from ninja.security import django_auth

from sanxiang.complaints import selectors, services
from sanxiang.complaints.codes import request_address
from sanxiang.complaints.models import Complaint, ComplaintKind
from sanxiang.core.errors import PermissionDenied
from sanxiang.org.access import is_staff_user
from sanxiang.org.models import Department, User
from sanxiang.registry.apis import ERRORS, ErrorOut, InputSchema, PagePagination

public_router = Router(tags=["监督举报"])
staff_router = Router(tags=["监督举报"], auth=django_auth)


# --- public ---------------------------------------------------------------------------------------------------------


class ComplaintFileIn(Schema):
    kind: ComplaintKind = Field(description="conduct 投诉执法人员执法行为；violation 举报违法行为")
    agency: int = Field(description="已公示的执法主体 id")
    officer: str = Field("", description="被投诉的执法人员：姓名或执法证号（该执法主体已公示的人员，可不填）")
    reported_party: str = Field("", description="被举报的单位或个人（可不填）")
    reported_place: str = Field("", description="地点（可不填）")
    text: str = Field(description="投诉举报内容（不超过 5000 字）")
    complainant_name: str = Field("", description="投诉举报人姓名（可匿名）")
    complainant_contact: str = Field("", description="联系方式（可不填）")


class TrackingOut(Schema):
    kind: str
    agency: str
    state: str
    state_display: str
    received_on: dt.date
    accepted_on: dt.date | None
    due_on: dt.date = Field(description="答复期限（收到之日起 15 个工作日）")
    due_provisional: bool
    overdue: bool
    refused_on: dt.date | None
    refusal_reason: str
    replied_on: dt.date | None
    reply: str
    closed_on: dt.date | None
    attachments: int


class FiledOut(Schema):
    code: str = Field(description="查询码：只显示这一次，平台不保存，请妥善记下")
    tracking: TrackingOut


@public_router.post(
    "/complaints/",
    response={201: FiledOut, 422: ErrorOut, 429: ErrorOut},
    operation_id="public_complaint_file",
    summary="提交投诉举报（无需登录）",
    description="multipart/form-data：各字段及最多 3 个附件 attachments（每个不超过 10 MB）。同一网络地址每小时最多 5 件。",
)
def complaint_file(
    request: HttpRequest,
    payload: Form[ComplaintFileIn],
    attachments: File[list[UploadedFile]] = None,  # type: ignore[assignment]
) -> Any:
    try:
        filed = services.complaint_file(
            data=payload.dict(), files=list(attachments or []), client_address=request_address(request)
        )
    except services.RateLimited as exc:
        return Status(429, ErrorOut(detail=exc.message))
    return Status(201, FiledOut(code=filed.code, tracking=TrackingOut(**selectors.track(filed.code).__dict__)))


@public_router.get(
    "/complaints/track/",
    response={200: TrackingOut, 404: ErrorOut},
    operation_id="public_complaint_track",
    summary="凭查询码查询投诉举报办理情况",
)
def complaint_track(request: HttpRequest, code: str) -> Any:
    return TrackingOut(**selectors.track(code).__dict__)


# --- staff ----------------------------------------------------------------------------------------------------------


class Ref(Schema):
    id: int
    name: str


class AttachmentOut(Schema):
    position: int
    filename: str
    content_type: str
    size: int
    sha256: str = Field(description="证据文件 SHA-256，经 /api/v1/evidence/blobs/{sha256}/download 下载（留痕）")

    @staticmethod
    def resolve_sha256(obj: Any) -> str:
        return str(obj.blob_id)


class NoteOut(Schema):
    id: int
    author: str
    text: str
    created_at: dt.datetime

    @staticmethod
    def resolve_author(obj: Any) -> str:
        return str(obj.author.display_name)


class ComplaintOut(Schema):
    id: int
    reference: str
    agency: Ref
    kind: str
    kind_display: str
    state: str
    state_display: str
    due_status: str = Field(description="due 办理中 / overdue 超期未答复 / on_time 按期答复 / late 超期答复")
    officer: Ref | None
    reported_party: str
    reported_place: str
    received_at: dt.datetime
    due_on: dt.date
    department: Ref | None
    assignee: Ref | None

    @staticmethod
    def resolve_agency(obj: Complaint) -> Ref:
        return Ref(id=obj.agency_id, name=obj.agency.name)

    @staticmethod
    def resolve_kind_display(obj: Complaint) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_state_display(obj: Complaint) -> str:
        return str(obj.get_state_display())

    @staticmethod
    def resolve_due_status(obj: Complaint) -> str:
        return selectors.due_status(obj)

    @staticmethod
    def resolve_officer(obj: Complaint) -> Ref | None:
        return Ref(id=obj.officer.pk, name=str(obj.officer)) if obj.officer else None

    @staticmethod
    def resolve_department(obj: Complaint) -> Ref | None:
        return Ref(id=obj.department.pk, name=obj.department.name) if obj.department else None

    @staticmethod
    def resolve_assignee(obj: Complaint) -> Ref | None:
        return Ref(id=obj.assignee.pk, name=obj.assignee.display_name) if obj.assignee else None


class ComplaintDetailOut(ComplaintOut):
    text: str
    complainant_name: str
    complainant_contact: str
    accepted_at: dt.datetime | None
    refused_at: dt.datetime | None
    refusal_reason: str
    assigned_at: dt.datetime | None
    reply: str
    replied_at: dt.datetime | None
    closed_at: dt.datetime | None
    closing_note: str
    attachments: list[AttachmentOut]
    notes: list[NoteOut]

    @staticmethod
    def resolve_attachments(obj: Complaint) -> list[Any]:
        return list(obj.attachments.all())

    @staticmethod
    def resolve_notes(obj: Complaint) -> list[Any]:
        return list(obj.notes.select_related("author"))


class OptionalNoteIn(InputSchema):
    note: str = ""


class RefuseIn(InputSchema):
    reason: str = Field(description="不予受理理由（必填，将告知投诉举报人）")


class AssignIn(InputSchema):
    department: int | None = Field(None, description="承办科室 id")
    assignee: int | None = Field(None, description="承办人用户 id")
    note: str = ""


class TextIn(InputSchema):
    text: str


def _staff(request: HttpRequest) -> Any:
    user = request.user
    if not is_staff_user(user):
        raise PermissionDenied("您不是本平台的工作人员，不能使用此接口。")
    return user


def _one(request: HttpRequest, complaint_id: int) -> tuple[Any, Complaint]:
    user = _staff(request)
    return user, selectors.staff_complaint(user, complaint_id)


def _detail(user: Any, complaint: Complaint) -> Complaint:
    return selectors.staff_complaint(user, complaint.pk)


_DETAIL = {200: ComplaintDetailOut, **ERRORS}


@staff_router.get(
    "/complaints/",
    response=list[ComplaintOut],
    operation_id="staff_complaint_list",
    summary="投诉举报（本人可查看的）",
    description="status：due 办理中未超期，overdue 超期未答复，replied 已答复/不予受理/已办结；agency 按执法主体筛选。",
)
@paginate(PagePagination)
def complaint_list(request: HttpRequest, status: str = "", agency: int | None = None) -> Any:
    user = _staff(request)
    return selectors.staff_complaints(user, status=status if status in selectors.FILTERS else "", agency_id=agency)


@staff_router.get("/complaints/{int:complaint_id}/", response=_DETAIL, operation_id="staff_complaint_get")
def complaint_get(request: HttpRequest, complaint_id: int) -> Any:
    return _one(request, complaint_id)[1]


@staff_router.post(
    "/complaints/{int:complaint_id}/accept/", response=_DETAIL, operation_id="staff_complaint_accept", summary="受理"
)
def complaint_accept(request: HttpRequest, complaint_id: int, payload: OptionalNoteIn) -> Any:
    user, complaint = _one(request, complaint_id)
    return _detail(user, services.complaint_accept(actor=user, complaint=complaint, note=payload.note))


@staff_router.post(
    "/complaints/{int:complaint_id}/refuse/",
    response=_DETAIL,
    operation_id="staff_complaint_refuse",
    summary="不予受理（须说明理由）",
)
def complaint_refuse(request: HttpRequest, complaint_id: int, payload: RefuseIn) -> Any:
    user, complaint = _one(request, complaint_id)
    return _detail(user, services.complaint_refuse(actor=user, complaint=complaint, reason=payload.reason))


@staff_router.post(
    "/complaints/{int:complaint_id}/assign/", response=_DETAIL, operation_id="staff_complaint_assign", summary="交办"
)
def complaint_assign(request: HttpRequest, complaint_id: int, payload: AssignIn) -> Any:
    user, complaint = _one(request, complaint_id)
    department = get_object_or_404(Department, pk=payload.department) if payload.department else None
    assignee = get_object_or_404(User, pk=payload.assignee) if payload.assignee else None
    complaint = services.complaint_assign(
        actor=user, complaint=complaint, department=department, assignee=assignee, note=payload.note
    )
    return _detail(user, complaint)


@staff_router.post(
    "/complaints/{int:complaint_id}/notes/",
    response={201: NoteOut, **ERRORS},
    operation_id="staff_complaint_note",
    summary="记录办理情况（内部，不告知投诉举报人）",
)
def complaint_note(request: HttpRequest, complaint_id: int, payload: TextIn) -> Any:
    user, complaint = _one(request, complaint_id)
    return Status(201, services.complaint_note_add(actor=user, complaint=complaint, text=payload.text))


@staff_router.post(
    "/complaints/{int:complaint_id}/reply/",
    response=_DETAIL,
    operation_id="staff_complaint_reply",
    summary="答复（答复内容在查询页告知投诉举报人）",
)
def complaint_reply(request: HttpRequest, complaint_id: int, payload: TextIn) -> Any:
    user, complaint = _one(request, complaint_id)
    return _detail(user, services.complaint_reply(actor=user, complaint=complaint, text=payload.text))


@staff_router.post(
    "/complaints/{int:complaint_id}/close/", response=_DETAIL, operation_id="staff_complaint_close", summary="办结"
)
def complaint_close(request: HttpRequest, complaint_id: int, payload: OptionalNoteIn) -> Any:
    user, complaint = _one(request, complaint_id)
    return _detail(user, services.complaint_close(actor=user, complaint=complaint, note=payload.note))
