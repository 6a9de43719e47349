"""Evidence files: content-addressed, write-once storage with SHA-256 and SM3, and audited reads.

Files live in the ``evidence`` storage (``STORAGES["evidence"]``: a local directory by default, S3-compatible object
storage by configuration; docs/evidence.md) under ``sha256/ab/cd/<sha256>``. A name, once written, is never written
again: storing content that is already present writes nothing. Bytes reach the storage only after both hashes are
known, so that what is stored under a name is always the content the name promises; a file is first streamed into
the local upload directory (never into the evidence storage) and then moved — a rename on a local disk.

Every store, view and download is a ledger entry on the ``Blob`` (``blob.store``, ``blob.view``, ``blob.download``),
written in a transaction before anything is returned, so that the log says who put in or looked at what, and when.
SM3 (GB/T 32905) is computed beside SHA-256 for deployments that must pass a commercial-cryptography assessment.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Protocol

from cryptography.hazmat.primitives import hashes
from django.conf import settings
from django.core.files import File
from django.core.files.storage import Storage, storages
from django.db import IntegrityError, transaction
from django.utils import timezone

from sanxiang.core.errors import NotFound, PermissionDenied, SanxiangError, ValidationError
from sanxiang.ledger.models import Blob
from sanxiang.ledger.registry import may_read_blob
from sanxiang.ledger.services import record

STORAGE_ALIAS = "evidence"
# 1 MiB: large enough that hashing dominates the per-chunk overhead, small enough to keep memory constant.
CHUNK_SIZE = 1024 * 1024
_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")


class Readable(Protocol):
    def read(self, size: int = ..., /) -> bytes: ...


# --- hashing -----------------------------------------------------------------------------------------------------

# hashlib releases the GIL while hashing a large buffer, cryptography's SM3 does not: so SHA-256 runs in a helper
# thread while SM3 runs in the caller's, and a chunk costs about one SM3 pass instead of SM3 plus SHA-256.
_PARALLEL_MIN = 64 * 1024
_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _sha256_pool() -> ThreadPoolExecutor:
    global _pool
    if _pool is None:
        with _pool_lock:
            if _pool is None:
                _pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="sanxiang-sha256")
    return _pool


@dataclass(frozen=True)
class Digests:
    """What names a file: its SHA-256 and SM3 (hex) and its size in bytes."""

    sha256: str
    sm3: str
    size: int

    def as_leaf(self) -> dict[str, Any]:
        """The ``blob`` of a ledger leaf."""
        return {"sha256": self.sha256, "sm3": self.sm3, "size": self.size}


class Hasher:
    """SHA-256 and SM3 of one byte stream fed in pieces, in constant memory."""

    def __init__(self) -> None:
        self._sha256 = hashlib.sha256()
        self._sm3 = hashes.Hash(hashes.SM3())
        self.size = 0

    def update(self, data: bytes) -> None:
        if len(data) >= _PARALLEL_MIN:
            pending = _sha256_pool().submit(self._sha256.update, data)
            self._sm3.update(data)
            pending.result()
        else:
            self._sha256.update(data)
            self._sm3.update(data)
        self.size += len(data)

    def copy(self) -> Hasher:
        other = Hasher.__new__(Hasher)
        other._sha256 = self._sha256.copy()
        other._sm3 = self._sm3.copy()
        other.size = self.size
        return other

    def digests(self) -> Digests:
        """The digests so far (the hasher can still be fed afterwards)."""
        return Digests(sha256=self._sha256.hexdigest(), sm3=self._sm3.copy().finalize().hex(), size=self.size)


def sm3_hex(data: bytes) -> str:
    """SM3 (GB/T 32905-2016) of ``data``, hex."""
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize().hex()


def hash_stream(stream: Readable, *, sink: Callable[[bytes], Any] | None = None) -> Digests:
    """Both digests of everything ``stream`` yields, read in chunks; each chunk is also passed to ``sink``."""
    hasher = Hasher()
    while chunk := stream.read(CHUNK_SIZE):
        hasher.update(chunk)
        if sink is not None:
            sink(chunk)
    return hasher.digests()


def hash_file(path: Path) -> Digests:
    with open(path, "rb") as fh:
        return hash_stream(fh)


def is_sha256(value: str) -> bool:
    return bool(_SHA256_RE.match(value))


# --- storage -----------------------------------------------------------------------------------------------------


def evidence_storage() -> Storage:
    return storages[STORAGE_ALIAS]


def blob_name(sha256: str) -> str:
    """``sha256/ab/cd/<sha256>``: two directory levels keep directories small at millions of files."""
    if not is_sha256(sha256):
        raise ValueError(f"not a lowercase hex SHA-256: {sha256!r}")
    return f"sha256/{sha256[:2]}/{sha256[2:4]}/{sha256}"


def scratch_dir() -> Path:
    """The local directory for partial uploads and files being hashed: never evidence, never in the evidence storage."""
    path = Path(settings.SANXIANG_UPLOAD_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


class HashMismatch(ValidationError):
    """The content does not hash to what the client declared: nothing becomes evidence."""

    def __init__(self, declared: str, actual: str) -> None:
        super().__init__({"sha256": [f"文件的 SHA-256 为 {actual}，与声明的 {declared} 不符，文件未保存。"]})
        self.declared = declared
        self.actual = actual


class EvidenceStoreError(SanxiangError):
    """The storage holds something under a content address that does not fit the content (to be investigated)."""


class _LocalFile(File):
    """A hashed local file handed to the storage: ``temporary_file_path`` lets FileSystemStorage move it (a rename)."""

    def __init__(self, path: Path, content_type: str) -> None:
        super().__init__(open(path, "rb"), name=path.name)  # noqa: SIM115 - closed by _put
        self._path = path
        self.content_type = content_type or "application/octet-stream"  # read by S3Storage for ContentType

    def temporary_file_path(self) -> str:
        return str(self._path)


def _put(path: Path, digests: Digests, content_type: str) -> str:
    """Put the local file ``path`` (whose digests are known) under its content address, unless already there.

    The local file is consumed: moved into a local evidence directory, or uploaded and then removed.
    """
    storage = evidence_storage()
    name = blob_name(digests.sha256)
    try:
        if storage.exists(name):
            present = storage.size(name)
            if present != digests.size:
                raise EvidenceStoreError(f"证据存储中 {name} 的大小为 {present}，与内容（{digests.size} 字节）不符。")
            return name
        content = _LocalFile(path, content_type)
        try:
            saved = storage.save(name, content)
        finally:
            content.close()
        if saved != name:
            # Another writer stored the same content between our check and our save: ours is a duplicate copy.
            storage.delete(saved)
        return name
    finally:
        path.unlink(missing_ok=True)


def _check_actor(actor: Any) -> None:
    """The ledger knows no roles (the API decides who is staff); it still refuses an anonymous or inactive actor."""
    if actor is None:
        return  # the system itself
    if not (getattr(actor, "is_authenticated", False) and getattr(actor, "is_active", False)):
        raise PermissionDenied("请先登录。")


def store_local_file(
    *,
    actor: Any,
    path: Path,
    digests: Digests,
    content_type: str,
    note: str,
    in_transaction: Callable[[Blob], None] | None = None,
) -> Blob:
    """Move a hashed local file into the store, then record it: the Blob row (once) and one ``blob.store`` entry.

    The bytes go in first, so that a Blob row never names a missing object; an object without a row (a crash in
    between) is harmless: the next store of the same content finds it and writes the row.
    """
    storage_name = _put(path, digests, content_type)
    with transaction.atomic():
        blob = Blob.objects.filter(pk=digests.sha256).first()
        if blob is None:
            try:
                with transaction.atomic():
                    blob = Blob.objects.create(
                        sha256=digests.sha256,
                        sm3=digests.sm3,
                        size=digests.size,
                        storage_name=storage_name,
                        content_type=content_type[:100],
                        created_at=timezone.now(),
                    )
            except IntegrityError:  # a concurrent store of the same content committed first
                blob = Blob.objects.get(pk=digests.sha256)
        record(actor=actor, action="blob.store", subject=blob, blob=digests.as_leaf(), note=note)
        if in_transaction is not None:
            in_transaction(blob)
    return blob


def blob_store(
    *, actor: Any, fileobj: IO[bytes] | Readable, content_type: str, declared_sha256: str | None = None, note: str = ""
) -> Blob:
    """Store a file as evidence: stream it in chunks (constant memory) computing SHA-256 and SM3 together.

    A ``declared_sha256`` that the content does not match is refused (``HashMismatch``) and nothing is stored.
    Content already present is not written again; each call still writes one ``blob.store`` entry (who submitted it).
    """
    _check_actor(actor)
    if declared_sha256 is not None:
        declared_sha256 = declared_sha256.lower()
        if not is_sha256(declared_sha256):
            raise ValidationError({"sha256": ["应为 64 位十六进制的 SHA-256。"]})
    scratch = scratch_dir() / f"store-{uuid.uuid4().hex}.tmp"
    try:
        with open(scratch, "xb") as out:
            digests = hash_stream(fileobj, sink=out.write)
            out.flush()
            os.fsync(out.fileno())
        if declared_sha256 is not None and digests.sha256 != declared_sha256:
            raise HashMismatch(declared_sha256, digests.sha256)
        return store_local_file(actor=actor, path=scratch, digests=digests, content_type=content_type, note=note)
    finally:
        scratch.unlink(missing_ok=True)


# --- audited reads -----------------------------------------------------------------------------------------------


def _read_blob(*, actor: Any, sha256: str, action: str) -> Blob:
    """The blob named ``sha256``, for a signed-in ``actor`` (never the system); the read is recorded first."""
    if actor is None:
        raise PermissionDenied("请先登录。")
    _check_actor(actor)
    sha256 = sha256.lower()
    with transaction.atomic():
        blob = Blob.objects.filter(pk=sha256).first() if is_sha256(sha256) else None
        if blob is None or not may_read_blob(actor, sha256):  # a refusal reads like a missing file
            raise NotFound("未找到该证据文件。")
        record(actor=actor, action=action, subject=blob)
    return blob


def blob_view(*, actor: Any, sha256: str) -> Blob:
    """A blob's metadata, for ``actor``; the look is recorded (``blob.view``) before it is returned."""
    return _read_blob(actor=actor, sha256=sha256, action="blob.view")


def blob_open(*, actor: Any, sha256: str) -> tuple[Blob, File]:
    """A blob and its open file, for ``actor`` to download; the download is recorded (``blob.download``) first."""
    blob = _read_blob(actor=actor, sha256=sha256, action="blob.download")
    return blob, evidence_storage().open(blob.storage_name, "rb")
