"""Resumable chunked uploads: interrupted and resumed, wrong offsets, hash mismatches, expiry, and who may upload."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import uuid
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from sanxiang.conftest import make_user
from sanxiang.core.errors import InvalidTransition, NotFound, ValidationError
from sanxiang.ledger import uploads
from sanxiang.ledger.evidence import HashMismatch, blob_name, sm3_hex
from sanxiang.ledger.models import Blob, Entry, Upload, UploadState
from sanxiang.ledger.tests.test_evidence import stored_files, use_local_evidence
from sanxiang.ledger.upload_tasks import expire_uploads

BASE = "/api/v1/evidence/uploads/"
# A stand-in for a body-camera file: not a multiple of the read size, so the last piece is short.
VIDEO = hashlib.shake_256(b"body camera 2026-11-24").digest(3 * 1024 * 1024 + 12_345)
VIDEO_SHA256 = hashlib.sha256(VIDEO).hexdigest()


@pytest.fixture
def evidence_root(settings: Any, tmp_path: Path) -> Path:
    return use_local_evidence(settings, tmp_path)


def staff_client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def begin(client: Client, data: bytes = VIDEO, sha256: str | None = None) -> dict[str, Any]:
    response = client.post(
        BASE,
        {
            "filename": "DSJ-0001_20261124.mp4",
            "content_type": "video/mp4",
            "size": len(data),
            "sha256": sha256 or hashlib.sha256(data).hexdigest(),
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    return response.json()


def put(client: Client, upload_id: str, data: bytes, offset: int, **extra: Any) -> Any:
    return client.put(
        f"{BASE}{upload_id}/?offset={offset}", data=data, content_type="application/octet-stream", **extra
    )


def put_range(client: Client, upload_id: str, data: bytes, offset: int, total: int) -> Any:
    return client.put(
        f"{BASE}{upload_id}/",
        data=data,
        content_type="application/octet-stream",
        headers={"Content-Range": f"bytes {offset}-{offset + len(data) - 1}/{total}"},
    )


def put_cut_short(client: Client, upload_id: str, data: bytes, offset: int, delivered: int) -> Any:
    """A PUT announcing ``len(data)`` bytes whose connection breaks after ``delivered``: the body ends early."""
    environ: dict[str, Any] = {"CONTENT_LENGTH": str(len(data)), "wsgi.input": io.BytesIO(data[:delivered])}
    return client.put(f"{BASE}{upload_id}/?offset={offset}", content_type="application/octet-stream", **environ)


def partial_file(upload_id: str) -> Path:
    return uploads.partial_path(Upload.objects.get(pk=upload_id))


# --- the whole way -----------------------------------------------------------------------------------------------


def test_an_uninterrupted_upload_in_chunks_becomes_evidence(bureau, evidence_root):
    client = staff_client(bureau.officer)
    upload = begin(client)
    assert (upload["offset"], upload["state"], upload["size"]) == (0, "open", len(VIDEO))

    offset = 0
    for size in (1024 * 1024, 1024 * 1024, len(VIDEO) - 2 * 1024 * 1024):
        response = put_range(client, upload["id"], VIDEO[offset : offset + size], offset, len(VIDEO))
        assert response.status_code == 200, response.content
        offset += size
        assert response.json()["offset"] == offset
        assert response["Upload-Offset"] == str(offset)
        # the running hashes follow the confirmed offset: no re-read of the file is needed at the end
        assert uploads.running_offset(uuid.UUID(upload["id"])) == offset
    assert Blob.objects.count() == 0  # not evidence until completed and checked

    response = client.post(f"{BASE}{upload['id']}/complete/")
    assert response.status_code == 201, response.content
    blob = response.json()
    assert (blob["sha256"], blob["sm3"], blob["size"]) == (VIDEO_SHA256, sm3_hex(VIDEO), len(VIDEO))
    assert (evidence_root / blob_name(VIDEO_SHA256)).read_bytes() == VIDEO
    assert not partial_file(upload["id"]).exists()
    stored = Upload.objects.get(pk=upload["id"])
    assert (stored.state, stored.blob_id) == (UploadState.COMPLETE, VIDEO_SHA256)
    entry = Entry.objects.get(action="blob.store")
    assert entry.actor_id == bureau.officer.pk
    assert entry.blob == {"sha256": VIDEO_SHA256, "sm3": sm3_hex(VIDEO), "size": len(VIDEO)}
    assert "DSJ-0001_20261124.mp4" in entry.note

    # a client whose response was lost may complete again: the same blob, no second entry
    again = client.post(f"{BASE}{upload['id']}/complete/")
    assert (again.status_code, again.json()["sha256"]) == (201, VIDEO_SHA256)
    assert Entry.objects.filter(action="blob.store").count() == 1


def test_an_interrupted_upload_resumes_from_the_confirmed_offset_on_a_new_connection(bureau, evidence_root):
    first = staff_client(bureau.officer)
    upload = begin(first)
    upload_id = upload["id"]
    assert put(first, upload_id, VIDEO[:1_000_000], 0).status_code == 200

    # the connection breaks 300 000 bytes into a 2 000 000-byte chunk
    broken = put_cut_short(first, upload_id, VIDEO[1_000_000:3_000_000], 1_000_000, delivered=300_000)
    assert broken.status_code == 400
    assert broken.json()["offset"] == 1_300_000
    # after a break the running hashes are dropped: the stored part will be re-hashed
    assert uploads.running_offset(uuid.UUID(upload_id)) is None

    # a new client (a new connection, after the app restarted) asks where to resume
    second = staff_client(bureau.officer)
    head = second.head(f"{BASE}{upload_id}/")
    assert head.status_code == 200
    assert (head["Upload-Offset"], head["Upload-Length"]) == ("1300000", str(len(VIDEO)))
    status = second.get(f"{BASE}{upload_id}/").json()
    assert (status["offset"], status["state"]) == (1_300_000, "open")

    resumed = put_range(second, upload_id, VIDEO[1_300_000:], 1_300_000, len(VIDEO))
    assert resumed.status_code == 200, resumed.content
    assert resumed.json()["offset"] == len(VIDEO)

    done = second.post(f"{BASE}{upload_id}/complete/")
    assert done.status_code == 201, done.content
    assert (done.json()["sha256"], done.json()["sm3"]) == (VIDEO_SHA256, sm3_hex(VIDEO))
    assert (evidence_root / blob_name(VIDEO_SHA256)).read_bytes() == VIDEO


def test_after_an_interruption_the_stored_part_is_rehashed_not_trusted(bureau, evidence_root):
    client = staff_client(bureau.officer)
    upload = begin(client)
    assert put_cut_short(client, upload["id"], VIDEO, 0, delivered=2_000_000).status_code == 400
    # the stored part changes on disk while the client is away
    path = partial_file(upload["id"])
    with open(path, "r+b") as fh:
        fh.seek(1000)
        fh.write(b"X")
    assert put(client, upload["id"], VIDEO[2_000_000:], 2_000_000).status_code == 200

    response = client.post(f"{BASE}{upload['id']}/complete/")
    assert response.status_code == 422
    assert Blob.objects.count() == 0
    assert Upload.objects.get(pk=upload["id"]).state == UploadState.REJECTED


def test_bytes_past_the_confirmed_offset_are_cut_off_before_the_next_chunk(bureau, evidence_root):
    client = staff_client(bureau.officer)
    upload = begin(client)
    assert put(client, upload["id"], VIDEO[:500_000], 0).status_code == 200
    # a worker died after writing but before confirming: its bytes are on disk but were never confirmed
    with open(partial_file(upload["id"]), "ab") as fh:
        fh.write(b"unconfirmed garbage" * 1000)
    assert put(client, upload["id"], VIDEO[500_000:], 500_000).status_code == 200
    response = client.post(f"{BASE}{upload['id']}/complete/")
    assert response.status_code == 201, response.content
    assert response.json()["sha256"] == VIDEO_SHA256


def test_a_whole_file_in_one_put_is_read_as_a_stream_not_through_request_body(bureau, evidence_root, settings):
    # request.body would refuse anything over DATA_UPLOAD_MAX_MEMORY_SIZE (and hold it all in memory)
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    client = staff_client(bureau.officer)
    upload = begin(client)
    response = put(client, upload["id"], VIDEO, 0)
    assert response.status_code == 200, response.content
    assert client.post(f"{BASE}{upload['id']}/complete/").json()["sha256"] == VIDEO_SHA256


def test_a_large_put_is_synced_to_disk_as_it_arrives_and_confirmed_after_the_last_fsync(
    bureau, evidence_root, monkeypatch
):
    from sanxiang.ledger import evidence

    monkeypatch.setattr(evidence, "SYNC_EVERY", 256 * 1024)  # several background syncs within the 3 MiB file
    events: list[str] = []
    sync, fsync = evidence._sync_and_drop, os.fsync

    def spy_sync(fd: int, start: int, length: int) -> None:
        events.append("sync")
        sync(fd, start, length)

    def spy_fsync(fd: int) -> None:
        events.append("fsync")
        fsync(fd)

    monkeypatch.setattr(evidence, "_sync_and_drop", spy_sync)
    monkeypatch.setattr(evidence.os, "fsync", spy_fsync)
    client = staff_client(bureau.officer)
    upload = begin(client)
    response = put(client, upload["id"], VIDEO, 0)
    assert response.status_code == 200, response.content
    assert events.count("sync") >= 3 and events[-1] == "fsync"
    assert partial_file(upload["id"]).read_bytes() == VIDEO
    assert client.post(f"{BASE}{upload['id']}/complete/").json()["sha256"] == VIDEO_SHA256


def test_an_empty_file_can_be_uploaded(bureau, evidence_root):
    client = staff_client(bureau.officer)
    upload = begin(client, data=b"")
    response = client.post(f"{BASE}{upload['id']}/complete/")
    assert response.status_code == 201
    assert response.json()["sha256"] == hashlib.sha256(b"").hexdigest()


# --- refusals ----------------------------------------------------------------------------------------------------


def test_a_chunk_at_the_wrong_offset_is_refused_with_the_current_offset(bureau, evidence_root):
    client = staff_client(bureau.officer)
    upload = begin(client)
    assert put(client, upload["id"], VIDEO[:1000], 0).status_code == 200

    for offset in (0, 2000):
        response = put(client, upload["id"], VIDEO[offset : offset + 1000], offset)
        assert response.status_code == 409
        assert response.json()["offset"] == 1000
        assert response["Upload-Offset"] == "1000"
    assert partial_file(upload["id"]).read_bytes() == VIDEO[:1000]


def test_a_chunk_must_say_where_it_goes_and_fit_the_declared_size(bureau, evidence_root):
    client = staff_client(bureau.officer)
    upload = begin(client, data=b"0123456789")
    url = f"{BASE}{upload['id']}/"
    missing = client.put(url, data=b"0123", content_type="application/octet-stream")
    assert (missing.status_code, list(missing.json()["errors"])) == (422, ["offset"])
    too_long = put(client, upload["id"], b"0123456789ABC", 0)
    assert too_long.status_code == 422
    bad_range = client.put(
        url, data=b"0123", content_type="application/octet-stream", headers={"Content-Range": "bytes 0-9/10"}
    )
    assert (bad_range.status_code, list(bad_range.json()["errors"])) == (422, ["Content-Range"])
    no_length = client.put(f"{url}?offset=0", data=b"0123", content_type="application/octet-stream", CONTENT_LENGTH="")
    assert no_length.status_code == 411
    assert Upload.objects.get(pk=upload["id"]).received == 0


def test_a_stream_longer_than_declared_is_refused_by_the_service(bureau, evidence_root):
    upload = uploads.upload_begin(
        actor=bureau.officer, filename="a.bin", content_type="", size=4, sha256=hashlib.sha256(b"abcd").hexdigest()
    )
    with pytest.raises(ValidationError):
        uploads.upload_chunk(actor=bureau.officer, upload=upload, offset=0, data_stream=io.BytesIO(b"abcdef"))
    upload.refresh_from_db()
    assert upload.received == 0
    assert uploads.partial_path(upload).read_bytes() == b""
    # without a length the stream is read to its end
    done = uploads.upload_chunk(actor=bureau.officer, upload=upload, offset=0, data_stream=io.BytesIO(b"abcd"))
    assert done.received == 4


def test_complete_before_every_byte_arrived_is_refused_with_the_offset(bureau, evidence_root):
    client = staff_client(bureau.officer)
    upload = begin(client)
    assert put(client, upload["id"], VIDEO[:4096], 0).status_code == 200
    response = client.post(f"{BASE}{upload['id']}/complete/")
    assert (response.status_code, response.json()["offset"]) == (409, 4096)
    assert Blob.objects.count() == 0


def test_a_hash_mismatch_on_complete_rejects_the_upload_and_keeps_nothing(bureau, evidence_root):
    client = staff_client(bureau.officer)
    declared = hashlib.sha256(b"what the camera recorded").hexdigest()
    upload = begin(client, sha256=declared)
    assert put(client, upload["id"], VIDEO, 0).status_code == 200
    entries_before = Entry.objects.count()

    response = client.post(f"{BASE}{upload['id']}/complete/")
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["sha256"]
    assert Upload.objects.get(pk=upload["id"]).state == UploadState.REJECTED
    assert not partial_file(upload["id"]).exists()
    assert Blob.objects.count() == 0
    assert Entry.objects.count() == entries_before
    assert stored_files(evidence_root) == []
    # a rejected upload takes no more bytes and cannot be completed
    assert put(client, upload["id"], b"x", len(VIDEO)).status_code == 409
    assert client.post(f"{BASE}{upload['id']}/complete/").status_code == 409


def test_the_service_raises_hash_mismatch(bureau, evidence_root):
    upload = uploads.upload_begin(
        actor=bureau.officer, filename="a.bin", content_type="", size=3, sha256=hashlib.sha256(b"abc").hexdigest()
    )
    uploads.upload_chunk(actor=bureau.officer, upload=upload, offset=0, data_stream=io.BytesIO(b"abd"), length=3)
    with pytest.raises(HashMismatch):
        uploads.upload_complete(actor=bureau.officer, upload=upload)
    with pytest.raises(InvalidTransition):
        uploads.upload_complete(actor=bureau.officer, upload=upload)


def test_begin_checks_what_is_declared(bureau, evidence_root, settings):
    settings.SANXIANG_UPLOAD_MAX_SIZE = 1000
    with pytest.raises(ValidationError) as caught:
        uploads.upload_begin(actor=bureau.officer, filename="  ", content_type="", size=1001, sha256="abc")
    assert set(caught.value.errors) == {"filename", "size", "sha256"}
    upload = uploads.upload_begin(
        actor=bureau.officer, filename="C:\\video\\..\\DSJ.mp4", content_type="", size=1, sha256="A" * 64
    )
    assert (upload.filename, upload.declared_sha256) == ("DSJ.mp4", "a" * 64)


# --- expiry ------------------------------------------------------------------------------------------------------


def _expire_later(upload_id: str, hours: int) -> None:
    Upload.objects.filter(pk=upload_id).update(expires_at=timezone.now() + dt.timedelta(hours=hours))


def test_unfinished_uploads_expire_and_their_bytes_are_deleted(bureau, evidence_root, settings):
    client = staff_client(bureau.officer)
    stale, fresh, done = begin(client), begin(client), begin(client, data=b"done")
    for upload in (stale, fresh):
        assert put(client, upload["id"], VIDEO[:1000], 0).status_code == 200
    assert put(client, done["id"], b"done", 0).status_code == 200
    assert client.post(f"{BASE}{done['id']}/complete/").status_code == 201
    # each chunk moves the expiry SANXIANG_UPLOAD_EXPIRY_HOURS ahead
    expires = Upload.objects.get(pk=fresh["id"]).expires_at
    assert (
        dt.timedelta(hours=23) < expires - timezone.now() <= dt.timedelta(hours=settings.SANXIANG_UPLOAD_EXPIRY_HOURS)
    )
    _expire_later(stale["id"], -1)
    _expire_later(done["id"], -1)

    out = StringIO()
    call_command("ledger", "expire-uploads", stdout=out)
    assert out.getvalue().strip() == "expired 1"
    assert Upload.objects.get(pk=stale["id"]).state == UploadState.EXPIRED
    assert not partial_file(stale["id"]).exists()
    assert Upload.objects.get(pk=fresh["id"]).state == UploadState.OPEN
    assert partial_file(fresh["id"]).exists()
    assert Upload.objects.get(pk=done["id"]).state == UploadState.COMPLETE
    # an expired upload takes no more bytes
    assert put(client, stale["id"], VIDEO[1000:2000], 1000).status_code == 409

    # the background task does the same work
    _expire_later(fresh["id"], -1)
    assert expire_uploads.func() == 1
    assert Upload.objects.get(pk=fresh["id"]).state == UploadState.EXPIRED
    assert not partial_file(fresh["id"]).exists()
    assert Blob.objects.count() == 1  # only the completed upload ever became evidence


def test_an_upload_being_written_is_not_expired_under_the_writer(bureau, evidence_root):
    import fcntl

    upload = uploads.upload_begin(
        actor=bureau.officer, filename="a.bin", content_type="", size=3, sha256=hashlib.sha256(b"abc").hexdigest()
    )
    Upload.objects.filter(pk=upload.pk).update(expires_at=timezone.now() - dt.timedelta(hours=1))
    fd = os.open(uploads.partial_path(upload), os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        assert uploads.upload_expire_due() == 0
        # and a second writer is told to retry rather than interleave
        with pytest.raises(uploads.OffsetConflict):
            uploads.upload_chunk(actor=bureau.officer, upload=upload, offset=0, data_stream=io.BytesIO(b"abc"))
    finally:
        os.close(fd)
    assert uploads.upload_expire_due() == 1


# --- who may upload ----------------------------------------------------------------------------------------------


def test_anonymous_and_non_staff_get_401_and_403(bureau, evidence_root):
    upload = begin(staff_client(bureau.officer), data=b"abc")
    anonymous = Client()
    nobody = Client()
    nobody.force_login(make_user("nobody"))
    requests = [
        ("post", BASE, {"data": {}, "content_type": "application/json"}),
        ("put", f"{BASE}{upload['id']}/?offset=0", {"data": b"abc", "content_type": "application/octet-stream"}),
        ("get", f"{BASE}{upload['id']}/", {}),
        ("head", f"{BASE}{upload['id']}/", {}),
        ("post", f"{BASE}{upload['id']}/complete/", {}),
    ]
    for method, url, kwargs in requests:
        assert getattr(anonymous, method)(url, **kwargs).status_code == 401, (method, url)
        assert getattr(nobody, method)(url, **kwargs).status_code == 403, (method, url)
    assert Upload.objects.get(pk=upload["id"]).received == 0


def test_an_upload_belongs_to_the_user_who_began_it(bureau, evidence_root):
    upload = begin(staff_client(bureau.officer), data=b"abc")
    colleague = staff_client(bureau.head)
    assert colleague.get(f"{BASE}{upload['id']}/").status_code == 404
    assert put(colleague, upload["id"], b"abc", 0).status_code == 404
    assert colleague.post(f"{BASE}{upload['id']}/complete/").status_code == 404
    assert colleague.get(f"{BASE}{uuid.uuid4()}/").status_code == 404
    with pytest.raises(NotFound):
        uploads.upload_status(actor=bureau.head, upload_id="not-a-uuid")


def test_writes_need_the_csrf_token(bureau, evidence_root):
    client = Client(enforce_csrf_checks=True)
    client.force_login(bureau.officer)
    response = client.post(
        BASE,
        {"filename": "a.mp4", "size": 3, "sha256": hashlib.sha256(b"abc").hexdigest()},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert Upload.objects.count() == 0


def test_starting_an_upload_schedules_its_expiry(bureau, evidence_root, django_capture_on_commit_callbacks):
    from django_tasks_db.models import DBTaskResult

    with django_capture_on_commit_callbacks(execute=True):
        upload = uploads.upload_begin(
            actor=bureau.officer, filename="a.bin", content_type="", size=3, sha256=hashlib.sha256(b"abc").hexdigest()
        )
    queued = DBTaskResult.objects.get(task_path=expire_uploads.module_path)
    assert queued.run_after == upload.expires_at
    # a second upload does not queue a second run: one is pending and will reschedule itself
    with django_capture_on_commit_callbacks(execute=True):
        uploads.upload_begin(
            actor=bureau.officer, filename="b.bin", content_type="", size=3, sha256=hashlib.sha256(b"abc").hexdigest()
        )
    assert DBTaskResult.objects.filter(task_path=expire_uploads.module_path).count() == 1
