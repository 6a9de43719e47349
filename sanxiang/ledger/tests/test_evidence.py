"""Evidence files: SHA-256 and SM3, content-addressed write-once storage, and reads that are themselves recorded."""

from __future__ import annotations

import hashlib
import io
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from sanxiang.conftest import make_user
from sanxiang.ledger import evidence
from sanxiang.ledger.evidence import (
    Hasher,
    HashMismatch,
    blob_name,
    blob_open,
    blob_store,
    blob_view,
    hash_stream,
    sm3_hex,
)
from sanxiang.ledger.models import Blob, Entry

# GB/T 32905-2016, appendix A.1: SM3("abc").
SM3_ABC = "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
# GB/T 32905-2016, appendix A.2: SM3 of "abcd" repeated 16 times (one full 512-bit block pair).
SM3_ABCD16 = "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"


def use_local_evidence(settings: Any, tmp_path: Path) -> Path:
    """Evidence and uploads in a fresh temporary directory (the storage handler is reset by the settings change)."""
    root = tmp_path / "evidence"
    settings.STORAGES = {
        **settings.STORAGES,
        "evidence": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(root)}},
    }
    settings.SANXIANG_UPLOAD_DIR = tmp_path / "uploads"
    return root


@pytest.fixture
def evidence_root(settings: Any, tmp_path: Path) -> Path:
    return use_local_evidence(settings, tmp_path)


def stored_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


# --- hashing -----------------------------------------------------------------------------------------------------


def test_sm3_matches_the_gbt_32905_vectors():
    assert sm3_hex(b"abc") == SM3_ABC
    assert sm3_hex(b"abcd" * 16) == SM3_ABCD16
    assert hash_stream(io.BytesIO(b"abc")).sm3 == SM3_ABC


def test_hasher_fed_in_pieces_equals_one_pass_of_each_hash():
    data = bytes(range(256)) * 4096 + b"tail"  # > 1 MiB: several chunks, the parallel SHA-256 path included
    hasher = Hasher()
    for start in range(0, len(data), 300_000):
        hasher.update(data[start : start + 300_000])
    snapshot = hasher.copy()
    digests = hasher.digests()
    assert digests.sha256 == hashlib.sha256(data).hexdigest()
    assert digests.sm3 == sm3_hex(data)
    assert digests.size == len(data)
    # digests() does not consume the state: the hasher and its copy go on.
    snapshot.update(b"more")
    assert snapshot.digests().sha256 == hashlib.sha256(data + b"more").hexdigest()
    assert hash_stream(io.BytesIO(data)) == digests


def test_hasher_pipeline_keeps_order_and_never_sees_a_piece_change_under_it():
    pieces = [bytes([i]) * size for i, size in enumerate([70_000, 10, 1 << 20, 65_535, 65_536, 3, 200_000])]
    hasher = Hasher()
    for piece in pieces:
        buffer = bytearray(piece)
        hasher.update(buffer)  # large pieces are hashed in helper threads after update() returns...
        buffer[:] = b"\xff" * len(buffer)  # ...so a caller reusing its buffer must not change what is hashed
    whole = b"".join(pieces)
    assert hasher.digests() == evidence.Digests(
        sha256=hashlib.sha256(whole).hexdigest(), sm3=sm3_hex(whole), size=len(whole)
    )


def test_hasher_raises_what_the_hashing_thread_raised(monkeypatch):
    hasher = Hasher()

    class Broken:
        def update(self, data: bytes) -> None:
            raise MemoryError("hashing failed")

    hasher._sm3 = Broken()  # type: ignore[assignment]
    hasher.update(b"x" * (1 << 20))
    with pytest.raises(MemoryError, match="hashing failed"):
        hasher.digests()


def test_durable_writer_writes_everything_syncing_behind_the_writes(tmp_path, monkeypatch):
    monkeypatch.setattr(evidence, "SYNC_EVERY", 1000)
    synced: list[tuple[int, int]] = []
    real = evidence._sync_and_drop

    def spy(fd: int, start: int, length: int) -> None:
        synced.append((start, length))
        real(fd, start, length)

    monkeypatch.setattr(evidence, "_sync_and_drop", spy)
    data = hashlib.shake_256(b"footage").digest(10_500)
    path = tmp_path / "out.bin"
    with open(path, "wb") as fh:
        fh.write(b"head")
        with evidence.DurableWriter(fh, start=4) as writer:
            for i in range(0, len(data), 700):
                writer.write(data[i : i + 700])
            writer.finish()
        assert writer.position == 4 + len(data)
    assert path.read_bytes() == b"head" + data
    # contiguous ranges behind the writes, each at least SYNC_EVERY long; finish() fsyncs the rest
    assert synced[0][0] == 4 and all(length >= 1000 for _, length in synced)
    assert all(a + la == b for (a, la), (b, _) in pairwise(synced))
    assert synced[-1][0] + synced[-1][1] <= 4 + len(data)


def test_durable_writer_reports_a_failed_sync(tmp_path, monkeypatch):
    monkeypatch.setattr(evidence, "SYNC_EVERY", 10)

    def failing(fd: int, start: int, length: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(evidence, "_sync_and_drop", failing)
    with open(tmp_path / "out.bin", "wb") as fh, evidence.DurableWriter(fh) as writer:
        writer.write(b"x" * 20)
        with pytest.raises(OSError, match="Input/output error"):
            writer.finish()


def test_blob_names_are_content_addresses():
    sha = hashlib.sha256(b"x").hexdigest()
    assert blob_name(sha) == f"sha256/{sha[:2]}/{sha[2:4]}/{sha}"
    with pytest.raises(ValueError):
        blob_name("../../etc/passwd")


# --- storing -----------------------------------------------------------------------------------------------------


def test_store_and_read_back(bureau, evidence_root):
    data = b"\x00\x01body-camera" * 100_000
    blob = blob_store(actor=bureau.officer, fileobj=io.BytesIO(data), content_type="video/mp4")

    sha = hashlib.sha256(data).hexdigest()
    assert (blob.sha256, blob.sm3, blob.size, blob.content_type) == (sha, sm3_hex(data), len(data), "video/mp4")
    assert blob.storage_name == blob_name(sha)
    assert (evidence_root / blob_name(sha)).read_bytes() == data
    entry = Entry.objects.get(action="blob.store")
    assert (entry.actor_id, entry.subject_type, entry.subject_id) == (bureau.officer.pk, "ledger.blob", sha)
    assert entry.blob == {"sha256": sha, "sm3": sm3_hex(data), "size": len(data)}
    # nothing left behind in the scratch directory
    assert list(evidence.scratch_dir().iterdir()) == []

    _, fileobj = blob_open(actor=bureau.reviewer, sha256=sha)
    with fileobj:
        assert fileobj.read() == data


def test_identical_content_is_stored_once(bureau, evidence_root):
    data = b"the same recording"
    first = blob_store(actor=bureau.officer, fileobj=io.BytesIO(data), content_type="video/mp4")
    path = evidence_root / first.storage_name
    before = path.stat()
    second = blob_store(
        actor=bureau.head, fileobj=io.BytesIO(data), content_type="video/mp4", declared_sha256=first.sha256
    )

    assert second.pk == first.pk
    assert Blob.objects.count() == 1
    assert stored_files(evidence_root) == [path]
    assert (path.stat().st_ino, path.stat().st_mtime_ns) == (before.st_ino, before.st_mtime_ns)  # not rewritten
    # each submission is on record, with who submitted it
    assert list(Entry.objects.filter(action="blob.store").values_list("actor_id", flat=True)) == [
        bureau.officer.pk,
        bureau.head.pk,
    ]


def test_declared_hash_mismatch_is_rejected_and_nothing_is_written(bureau, evidence_root):
    data = b"tampered on the way"
    wrong = hashlib.sha256(b"what the client meant to send").hexdigest()
    entries = Entry.objects.count()  # migrations may have recorded rows of their own (seeded catalogues)
    with pytest.raises(HashMismatch) as caught:
        blob_store(actor=bureau.officer, fileobj=io.BytesIO(data), content_type="", declared_sha256=wrong)

    assert caught.value.actual == hashlib.sha256(data).hexdigest()
    assert Blob.objects.count() == 0
    assert Entry.objects.count() == entries
    assert stored_files(evidence_root) == []
    assert list(evidence.scratch_dir().iterdir()) == []


def test_a_declared_hash_that_matches_is_accepted_in_any_case(bureau, evidence_root):
    data = b"upper-case hex from a Windows tool"
    blob = blob_store(
        actor=bureau.officer,
        fileobj=io.BytesIO(data),
        content_type="",
        declared_sha256=hashlib.sha256(data).hexdigest().upper(),
    )
    assert blob.sha256 == hashlib.sha256(data).hexdigest()


def test_a_stray_object_of_the_wrong_size_under_a_content_address_is_not_trusted(bureau, evidence_root):
    data = b"genuine"
    sha = hashlib.sha256(data).hexdigest()
    stray = evidence_root / blob_name(sha)
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"something else entirely")
    with pytest.raises(evidence.EvidenceStoreError):
        blob_store(actor=bureau.officer, fileobj=io.BytesIO(data), content_type="")
    assert Blob.objects.count() == 0


def test_an_anonymous_or_inactive_actor_cannot_store(bureau, evidence_root):
    from django.contrib.auth.models import AnonymousUser

    from sanxiang.core.errors import PermissionDenied

    bureau.officer.is_active = False
    for actor in (AnonymousUser(), bureau.officer):
        with pytest.raises(PermissionDenied):
            blob_store(actor=actor, fileobj=io.BytesIO(b"x"), content_type="")
    assert Blob.objects.count() == 0


# --- audited reads -----------------------------------------------------------------------------------------------


def test_every_view_and_download_is_recorded_before_it_is_served(bureau, evidence_root):
    data = b"interview recording"
    blob = blob_store(actor=bureau.officer, fileobj=io.BytesIO(data), content_type="audio/mpeg")
    client = Client()
    client.force_login(bureau.reviewer)

    for expected in (1, 2):
        response = client.get(f"/api/v1/evidence/blobs/{blob.sha256}/")
        assert response.status_code == 200
        body = response.json()
        assert (body["sha256"], body["sm3"], body["size"]) == (blob.sha256, blob.sm3, len(data))
        assert Entry.objects.filter(action="blob.view", actor_id=bureau.reviewer.pk).count() == expected

    response = client.get(body["download_url"])
    # the entry exists before a single byte is read from the response
    entry = Entry.objects.get(action="blob.download")
    assert (entry.actor_id, entry.subject_type, entry.subject_id) == (bureau.reviewer.pk, "ledger.blob", blob.sha256)
    assert response.status_code == 200
    assert response["Content-Type"] == "audio/mpeg"
    assert response["Digest-SM3"] == blob.sm3
    assert b"".join(response.streaming_content) == data  # type: ignore[attr-defined]

    blob_view(actor=bureau.head, sha256=blob.sha256)
    assert Entry.objects.filter(action="blob.view").count() == 3


def test_a_missing_blob_is_404_and_records_nothing(bureau, evidence_root):
    client = Client()
    client.force_login(bureau.reviewer)
    entries = Entry.objects.count()
    assert client.get(f"/api/v1/evidence/blobs/{'0' * 64}/").status_code == 404
    assert client.get("/api/v1/evidence/blobs/not-a-hash/download/").status_code == 404
    assert Entry.objects.count() == entries


def test_anonymous_and_non_staff_cannot_read_evidence(bureau, evidence_root):
    blob = blob_store(actor=bureau.officer, fileobj=io.BytesIO(b"secret"), content_type="")
    urls = [f"/api/v1/evidence/blobs/{blob.sha256}/", f"/api/v1/evidence/blobs/{blob.sha256}/download/"]
    anonymous = Client()
    nobody = Client()
    nobody.force_login(make_user("nobody"))  # an account without any role
    for url in urls:
        assert anonymous.get(url).status_code == 401
        assert nobody.get(url).status_code == 403
    assert not Entry.objects.filter(action__in=["blob.view", "blob.download"]).exists()
