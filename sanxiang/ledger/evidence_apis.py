"""Evidence over JSON and raw bytes, under ``/api/v1/evidence/`` (docs/evidence.md): resumable uploads and audited reads.

Staff only, with the staff API's session login and CSRF token on writes. Who counts as staff is an ``org`` question
and the ledger depends on ``core`` only, so it asks ``sanxiang.ledger.registry.is_staff`` — the same check the ledger's
own API uses, which the registry app registers (``sanxiang.org.access.is_staff_user``).

Chunks are raw ``application/octet-stream`` bodies read from the request stream in 1 MiB pieces (never
``request.body``, which would hold the chunk in memory and is capped by ``DATA_UPLOAD_MAX_MEMORY_SIZE``), so a
1 GiB file can arrive in one PUT in constant memory. Every handler has the four steps of STYLE.md.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any

from django.http import FileResponse, HttpRequest, HttpResponse
from django.urls import reverse
from ninja import Field, Router, Schema, Status
from ninja.security import SessionAuth

from sanxiang.core.errors import PermissionDenied, ValidationError
from sanxiang.ledger import uploads
from sanxiang.ledger.evidence import CHUNK_SIZE, blob_open, blob_view
from sanxiang.ledger.models import Blob, Upload
from sanxiang.ledger.registry import is_staff

_CONTENT_RANGE = re.compile(r"^bytes\s+(\d+)-(\d+)/(\d+|\*)$")


class StaffSessionAuth(SessionAuth):
    """The staff API's session login (with CSRF on writes), restricted to staff (``ledger.registry.is_staff``)."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        if user is None:
            return None  # 401
        if not is_staff(user):
            raise PermissionDenied("您不是本平台的工作人员，不能使用此接口。")
        return user


# --- schemas -----------------------------------------------------------------------------------------------------


class UploadIn(Schema):
    filename: str = Field(max_length=255, description="原文件名")
    content_type: str = Field("", max_length=100, description="MIME 类型，如 video/mp4")
    size: int = Field(ge=0, description="整个文件的字节数")
    sha256: str = Field(pattern=r"^[0-9a-fA-F]{64}$", description="整个文件的 SHA-256（十六进制）")


class BlobOut(Schema):
    sha256: str
    sm3: str
    size: int
    content_type: str
    created_at: dt.datetime
    download_url: str


class UploadOut(Schema):
    id: uuid.UUID
    filename: str
    content_type: str
    size: int = Field(description="声明的文件大小")
    sha256: str = Field(description="声明的 SHA-256")
    offset: int = Field(description="服务器已确认收到的字节数：续传从这里开始")
    state: str
    expires_at: dt.datetime
    upload_url: str
    blob: BlobOut | None


class OffsetOut(Schema):
    detail: str
    offset: int


def _blob_out(blob: Blob) -> BlobOut:
    return BlobOut(
        sha256=blob.sha256,
        sm3=blob.sm3,
        size=blob.size,
        content_type=blob.content_type,
        created_at=blob.created_at,
        download_url=reverse("api:evidence_blob_download", kwargs={"sha256": blob.sha256}),
    )


def _upload_out(upload: Upload) -> UploadOut:
    return UploadOut(
        id=upload.pk,
        filename=upload.filename,
        content_type=upload.content_type,
        size=upload.declared_size,
        sha256=upload.declared_sha256,
        offset=upload.received,
        state=upload.state,
        expires_at=upload.expires_at,
        upload_url=reverse("api:evidence_upload", kwargs={"upload_id": upload.pk}),
        blob=_blob_out(upload.blob) if upload.blob_id and upload.blob else None,
    )


def _offset_headers(response: HttpResponse, upload: Upload) -> None:
    response["Upload-Offset"] = str(upload.received)
    response["Upload-Length"] = str(upload.declared_size)
    response["Cache-Control"] = "no-store"


def _conflict(response: HttpResponse, exc: uploads.OffsetConflict | uploads.UploadInterrupted) -> OffsetOut:
    response["Upload-Offset"] = str(exc.offset)
    response["Cache-Control"] = "no-store"
    return OffsetOut(detail=exc.message, offset=exc.offset)


def _chunk_offset(request: HttpRequest, offset: int | None) -> int:
    """``?offset=N`` or ``Content-Range: bytes N-M/TOTAL`` (which must agree with the body's length)."""
    content_range = request.headers.get("Content-Range")
    if content_range:
        match = _CONTENT_RANGE.match(content_range.strip())
        if match is None:
            raise ValidationError({"Content-Range": ["格式应为 bytes 起-止/总长。"]})
        start, end = int(match[1]), int(match[2])
        if end < start or end - start + 1 != _content_length(request):
            raise ValidationError({"Content-Range": ["范围与请求体长度不符。"]})
        if offset is not None and offset != start:
            raise ValidationError({"offset": ["与 Content-Range 不一致。"]})
        return start
    if offset is None:
        raise ValidationError({"offset": ["请用 ?offset= 或 Content-Range 指明本段的起始位置。"]})
    return offset


def _content_length(request: HttpRequest) -> int | None:
    raw = request.META.get("CONTENT_LENGTH") or ""
    return int(raw) if raw.isdigit() else None


# --- handlers ----------------------------------------------------------------------------------------------------


def begin_upload(request: HttpRequest, payload: UploadIn) -> Status[UploadOut]:
    upload = uploads.upload_begin(
        actor=request.user,
        filename=payload.filename,
        content_type=payload.content_type,
        size=payload.size,
        sha256=payload.sha256,
    )
    return Status(201, _upload_out(upload))


def put_chunk(request: HttpRequest, upload_id: uuid.UUID, response: HttpResponse, offset: int | None = None) -> Any:
    # 1. parse: the offset, and a body length we can trust to end the read
    start = _chunk_offset(request, offset)
    length = _content_length(request)
    if length is None:
        return HttpResponse(status=411, headers={"Cache-Control": "no-store"})
    # 2. access: only the user who began the upload (404 for anyone else)
    upload = uploads.upload_get(actor=request.user, upload_id=upload_id)
    # 3. service: stream the body to the partial file
    try:
        upload = uploads.upload_chunk(
            actor=request.user, upload=upload, offset=start, data_stream=request, length=length
        )
    except uploads.OffsetConflict as exc:
        return Status(409, _conflict(response, exc))
    except uploads.UploadInterrupted as exc:
        return Status(400, _conflict(response, exc))
    # 4. render
    _offset_headers(response, upload)
    return Status(200, _upload_out(upload))


def upload_status(request: HttpRequest, upload_id: uuid.UUID, response: HttpResponse) -> UploadOut:
    upload = uploads.upload_status(actor=request.user, upload_id=upload_id)
    _offset_headers(response, upload)
    return _upload_out(upload)


def upload_head(request: HttpRequest, upload_id: uuid.UUID) -> HttpResponse:
    upload = uploads.upload_status(actor=request.user, upload_id=upload_id)
    head = HttpResponse(status=200)
    _offset_headers(head, upload)
    return head


def complete_upload(request: HttpRequest, upload_id: uuid.UUID, response: HttpResponse) -> Any:
    upload = uploads.upload_get(actor=request.user, upload_id=upload_id)
    try:
        blob = uploads.upload_complete(actor=request.user, upload=upload)
    except uploads.OffsetConflict as exc:
        return Status(409, _conflict(response, exc))
    return Status(201, _blob_out(blob))


def blob_detail(request: HttpRequest, sha256: str) -> BlobOut:
    blob = blob_view(actor=request.user, sha256=sha256)
    return _blob_out(blob)


def blob_download(request: HttpRequest, sha256: str) -> FileResponse:
    blob, fileobj = blob_open(actor=request.user, sha256=sha256)
    download = FileResponse(
        fileobj,
        as_attachment=True,
        filename=blob.sha256,
        content_type=blob.content_type or "application/octet-stream",
    )
    download.block_size = CHUNK_SIZE
    download["Content-Length"] = str(blob.size)
    download["ETag"] = f'"{blob.sha256}"'
    download["Digest-SHA256"] = blob.sha256
    download["Digest-SM3"] = blob.sm3
    download["Cache-Control"] = "private, no-store"
    return download


def build_router() -> Router:
    """The evidence routes, for staff only."""
    router = Router(tags=["证据文件"], auth=StaffSessionAuth())
    router.add_api_operation(
        "/uploads/",
        ["POST"],
        begin_upload,
        response={201: UploadOut},
        operation_id="evidence_upload_begin",
        summary="开始一次可续传的上传（声明文件名、大小和 SHA-256）",
    )
    router.add_api_operation(
        "/uploads/{uuid:upload_id}/",
        ["PUT"],
        put_chunk,
        response={200: UploadOut, 400: OffsetOut, 409: OffsetOut},
        operation_id="evidence_upload_chunk",
        summary="上传一段（application/octet-stream；?offset= 或 Content-Range 指明起始位置）",
        url_name="evidence_upload",
    )
    router.add_api_operation(
        "/uploads/{uuid:upload_id}/",
        ["GET"],
        upload_status,
        response=UploadOut,
        operation_id="evidence_upload_status",
        summary="上传状态与已确认的字节数",
    )
    router.add_api_operation(
        "/uploads/{uuid:upload_id}/",
        ["HEAD"],
        upload_head,
        operation_id="evidence_upload_head",
        summary="已确认的字节数（Upload-Offset 响应头）",
        include_in_schema=False,
    )
    router.add_api_operation(
        "/uploads/{uuid:upload_id}/complete/",
        ["POST"],
        complete_upload,
        response={201: BlobOut, 409: OffsetOut},
        operation_id="evidence_upload_complete",
        summary="校验整个文件并存为证据（SHA-256 不符则拒收）",
    )
    router.add_api_operation(
        "/blobs/{sha256}/",
        ["GET"],
        blob_detail,
        response=BlobOut,
        operation_id="evidence_blob",
        summary="证据文件信息（本次查看记入日志）",
    )
    router.add_api_operation(
        "/blobs/{sha256}/download/",
        ["GET"],
        blob_download,
        operation_id="evidence_blob_download",
        summary="下载证据文件（本次下载记入日志）",
        url_name="evidence_blob_download",
    )
    return router
