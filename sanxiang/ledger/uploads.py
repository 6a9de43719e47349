"""Resumable chunked uploads of large files (GB-sized body-camera recordings), in constant memory.

The client declares the file's name, size and SHA-256 (``upload_begin``), sends its bytes in one or more chunks, each
at the offset the server has confirmed (``upload_chunk``), may ask for that offset after a broken connection
(``upload_status``) and resume from it, and finally asks for the file to be checked and stored
(``upload_complete``). Only then, and only if the SHA-256 matches, does the file become evidence (a ``Blob`` and its
``blob.store`` entry); a mismatch rejects the upload and removes its bytes.

Partial files live in the local upload directory (``SANXIANG_UPLOAD_DIR``), never in the evidence storage, named by
the upload's id. A chunk is written under an exclusive ``flock`` of the partial file (a second writer is told to
retry), synced to disk behind the writes as it arrives (``evidence.DurableWriter``), fsynced, and only then confirmed
in the database; bytes past the confirmed offset (a request that died between writing and confirming) are cut off
before the next chunk is written. Its SHA-256 and SM3 are computed in helper threads while the next piece is read.

Hash state cannot be saved across requests, so each process keeps the running hashes of the uploads it is receiving
without interruption; the next chunk uses them only if the confirmed offset still matches. After an interruption (a
short body, a read error, another process having written, a restart) the running hashes are dropped and
``upload_complete`` re-hashes the stored part. Uploads left open expire (``SANXIANG_UPLOAD_EXPIRY_HOURS`` after their
last chunk): ``upload_expire_due`` deletes their bytes and marks them expired.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import threading
import uuid
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import IO, Any

from django.conf import settings
from django.db import transaction
from django.http import UnreadablePostError
from django.utils import timezone

from sanxiang.core.errors import InvalidTransition, NotFound, PermissionDenied, SanxiangError, ValidationError
from sanxiang.ledger.evidence import (
    CHUNK_SIZE,
    DurableWriter,
    Hasher,
    HashMismatch,
    Readable,
    hash_file,
    is_sha256,
    scratch_dir,
    store_local_file,
)
from sanxiang.ledger.models import Blob, Upload, UploadState


class OffsetConflict(InvalidTransition):
    """The chunk is not at the confirmed offset (or another request is writing): the client resumes from ``offset``."""

    def __init__(self, offset: int, message: str | None = None) -> None:
        super().__init__(message or f"上传位置不符：服务器已确认 {offset} 字节，请从该位置继续。")
        self.offset = offset


class UploadInterrupted(SanxiangError):
    """The body ended early or could not be read; what arrived is kept and confirmed, the client resumes."""

    def __init__(self, offset: int) -> None:
        super().__init__(f"上传中断：服务器已确认 {offset} 字节，请从该位置继续。")
        self.offset = offset


# --- running hashes of uninterrupted uploads (per process) ------------------------------------------------------

_RUNNING_MAX = 256
_running: OrderedDict[uuid.UUID, tuple[int, Hasher]] = OrderedDict()
_running_lock = threading.Lock()


def _take_running(upload_id: uuid.UUID, offset: int) -> Hasher | None:
    """This process's running hashes of the upload if they cover exactly the confirmed ``offset`` bytes."""
    with _running_lock:
        entry = _running.pop(upload_id, None)
    if entry is not None and entry[0] == offset:
        return entry[1]
    return Hasher() if offset == 0 else None


def _keep_running(upload_id: uuid.UUID, offset: int, hasher: Hasher) -> None:
    hasher.settle()  # kept hashes are finished ones: no hashing thread still holds the request's last piece
    with _running_lock:
        _running[upload_id] = (offset, hasher)
        while len(_running) > _RUNNING_MAX:
            _running.popitem(last=False)


def _drop_running(upload_id: uuid.UUID) -> None:
    with _running_lock:
        _running.pop(upload_id, None)


def running_offset(upload_id: uuid.UUID) -> int | None:
    """The offset this process's running hashes cover, if it holds any (for tests and diagnostics)."""
    with _running_lock:
        entry = _running.get(upload_id)
    return None if entry is None else entry[0]


# --- helpers -----------------------------------------------------------------------------------------------------


def _expiry(now: dt.datetime) -> dt.datetime:
    return now + dt.timedelta(hours=settings.SANXIANG_UPLOAD_EXPIRY_HOURS)


def partial_path(upload: Upload) -> Path:
    return scratch_dir() / upload.partial_name


def _require_user(actor: Any) -> None:
    if actor is None or not (getattr(actor, "is_authenticated", False) and getattr(actor, "is_active", False)):
        raise PermissionDenied("请先登录。")


def _require_open(upload: Upload) -> None:
    if upload.state != UploadState.OPEN:
        raise InvalidTransition(f"该上传已{UploadState(upload.state).label}，不能继续。")


@contextmanager
def _locked_partial(upload: Upload) -> Iterator[IO[bytes]]:
    """The partial file opened for writing under an exclusive lock; a second writer gets ``OffsetConflict``."""
    fd = os.open(partial_path(upload), os.O_RDWR | os.O_CREAT, 0o600)
    with os.fdopen(fd, "r+b") as fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise OffsetConflict(
                upload.received, "该上传正在由另一个请求写入，请稍后查询已确认的位置再继续。"
            ) from None
        try:
            yield fh
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def _clean_filename(filename: str) -> str:
    name = PureWindowsPath(PurePosixPath(filename.strip()).name).name.strip()
    if not name or name in {".", ".."}:
        raise ValidationError({"filename": ["请填写文件名。"]})
    if len(name) > 255:
        raise ValidationError({"filename": ["文件名不能超过255个字符。"]})
    return name


# --- services ----------------------------------------------------------------------------------------------------


def upload_get(*, actor: Any, upload_id: uuid.UUID | str) -> Upload:
    """The upload ``actor`` began; 404 alike for missing and someone else's."""
    _require_user(actor)
    try:
        key = upload_id if isinstance(upload_id, uuid.UUID) else uuid.UUID(str(upload_id))
    except ValueError:
        raise NotFound("未找到该上传。") from None
    upload = Upload.objects.filter(pk=key, actor_id=actor.pk).select_related("blob").first()
    if upload is None:
        raise NotFound("未找到该上传。")
    return upload


def upload_status(*, actor: Any, upload_id: uuid.UUID | str) -> Upload:
    """The upload with its confirmed offset (``received``): where the client resumes."""
    return upload_get(actor=actor, upload_id=upload_id)


def _schedule_expiry() -> None:
    from sanxiang.ledger.upload_tasks import schedule_upload_expiry  # the task module imports this one

    schedule_upload_expiry()


def upload_begin(*, actor: Any, filename: str, content_type: str, size: int, sha256: str) -> Upload:
    """Open an upload of a file of ``size`` bytes whose SHA-256 the client declares."""
    _require_user(actor)
    errors: dict[str, list[str]] = {}
    sha256 = sha256.strip().lower()
    if not is_sha256(sha256):
        errors["sha256"] = ["应为 64 位十六进制的 SHA-256。"]
    if size < 0:
        errors["size"] = ["应不小于0。"]
    elif size > settings.SANXIANG_UPLOAD_MAX_SIZE:
        errors["size"] = [f"文件不能超过 {settings.SANXIANG_UPLOAD_MAX_SIZE} 字节。"]
    try:
        filename = _clean_filename(filename)
    except ValidationError as exc:
        errors.update(exc.errors)
    if len(content_type) > 100:
        errors["content_type"] = ["不能超过100个字符。"]
    if errors:
        raise ValidationError(errors)
    upload_id = uuid.uuid4()
    now = timezone.now()
    with transaction.atomic():
        transaction.on_commit(_schedule_expiry)
        return Upload.objects.create(
            id=upload_id,
            actor_id=actor.pk,
            filename=filename,
            content_type=content_type,
            declared_sha256=sha256,
            declared_size=size,
            partial_name=f"{upload_id}.part",
            created_at=now,
            updated_at=now,
            expires_at=_expiry(now),
        )


def upload_chunk(
    *, actor: Any, upload: Upload, offset: int, data_stream: Readable, length: int | None = None
) -> Upload:
    """Append the bytes of ``data_stream`` at ``offset``, which must be the confirmed offset; return the upload.

    ``length`` is the chunk's size when known (an HTTP Content-Length): a stream that ends before it is an
    interruption, and what arrived is confirmed (``UploadInterrupted``). Without ``length`` the stream is read to its
    end. The body is read, hashed and written in chunks, never held in memory.
    """
    upload = upload_get(actor=actor, upload_id=upload.pk)
    _require_open(upload)
    if offset != upload.received:
        raise OffsetConflict(upload.received)
    remaining = upload.declared_size - offset
    if length is not None and (length < 0 or length > remaining):
        raise ValidationError({"__all__": [f"本段超出声明的文件大小：从 {offset} 起最多还能上传 {remaining} 字节。"]})
    with _locked_partial(upload) as fh:
        upload.refresh_from_db()  # another request may have confirmed a chunk before we got the lock
        _require_open(upload)
        if offset != upload.received:
            raise OffsetConflict(upload.received)
        fh.truncate(offset)  # bytes past the confirmed offset were never confirmed
        fh.seek(offset)
        hasher = _take_running(upload.pk, offset)
        limit = remaining if length is None else length
        written = 0
        interrupted = False
        with DurableWriter(fh, offset) as writer:
            while written < limit:
                try:
                    data = data_stream.read(min(CHUNK_SIZE, limit - written))
                except (OSError, UnreadablePostError):
                    interrupted = True
                    break
                if not data:
                    interrupted = length is not None
                    break
                if hasher is not None:
                    hasher.update(data)  # hashed in helper threads while this one writes and reads on
                writer.write(data)
                written += len(data)
            if length is None and not interrupted and written == limit:
                try:
                    extra = data_stream.read(1)
                except (OSError, UnreadablePostError):
                    extra = b""
                if extra:
                    fh.truncate(offset)
                    raise ValidationError({"__all__": [f"数据超出声明的文件大小（{upload.declared_size} 字节）。"]})
            writer.finish()  # the bytes are on disk before their offset is confirmed
        now = timezone.now()
        with transaction.atomic():
            Upload.objects.filter(pk=upload.pk).update(
                received=offset + written, updated_at=now, expires_at=_expiry(now)
            )
        upload.received = offset + written
        upload.updated_at = now
        upload.expires_at = _expiry(now)
        if hasher is not None and not interrupted:
            _keep_running(upload.pk, upload.received, hasher)
    if interrupted:
        raise UploadInterrupted(upload.received)
    return upload


def upload_complete(*, actor: Any, upload: Upload) -> Blob:
    """Check the whole file against the declared SHA-256 and size; store it as evidence, or reject it.

    On a match the partial file is moved into the content-addressed store and, in one transaction, the Blob row, its
    ``blob.store`` entry and the upload's completion are written. On a mismatch the upload is marked rejected, its
    bytes are removed and ``HashMismatch`` is raised: nothing becomes evidence. Completing a completed upload again
    answers its blob (a client whose response was lost may retry).
    """
    upload = upload_get(actor=actor, upload_id=upload.pk)
    if upload.state == UploadState.COMPLETE and upload.blob is not None:
        return upload.blob
    _require_open(upload)
    with _locked_partial(upload):
        upload.refresh_from_db()
        _require_open(upload)
        if upload.received != upload.declared_size:
            raise OffsetConflict(
                upload.received, f"文件尚未传完：已确认 {upload.received} / {upload.declared_size} 字节。"
            )
        path = partial_path(upload)
        hasher = _take_running(upload.pk, upload.received)
        digests = hasher.digests() if hasher is not None else hash_file(path)
        if digests.sha256 != upload.declared_sha256 or digests.size != upload.declared_size:
            with transaction.atomic():
                Upload.objects.filter(pk=upload.pk).update(state=UploadState.REJECTED, updated_at=timezone.now())
            path.unlink(missing_ok=True)
            raise HashMismatch(upload.declared_sha256, digests.sha256)

        def complete(blob: Blob) -> None:
            Upload.objects.filter(pk=upload.pk).update(state=UploadState.COMPLETE, blob=blob, updated_at=timezone.now())

        return store_local_file(
            actor=actor,
            path=path,
            digests=digests,
            content_type=upload.content_type,
            note=f"上传 {upload.pk}：{upload.filename}",
            in_transaction=complete,
        )


def upload_expire_due(*, now: dt.datetime | None = None) -> int:
    """Expire the open uploads whose time is up: delete their partial files and mark them expired. Returns how many.

    An upload that a request is writing to right now is left for the next run.
    """
    now = now or timezone.now()
    expired = 0
    for upload in Upload.objects.filter(state=UploadState.OPEN, expires_at__lte=now).order_by("expires_at"):
        try:
            with _locked_partial(upload):
                upload.refresh_from_db()
                if upload.state != UploadState.OPEN or upload.expires_at > now:
                    continue
                with transaction.atomic():
                    Upload.objects.filter(pk=upload.pk).update(state=UploadState.EXPIRED, updated_at=timezone.now())
                partial_path(upload).unlink(missing_ok=True)
                _drop_running(upload.pk)
                expired += 1
        except OffsetConflict:
            continue
    return expired
