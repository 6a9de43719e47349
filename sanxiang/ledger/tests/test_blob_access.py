"""Who may read which blob: the apps whose rows name a file register a check; any refusal is a 404 like a missing
file, and a refused read writes nothing to the log."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from sanxiang.conftest import Bureau
from sanxiang.core.errors import NotFound
from sanxiang.ledger import registry
from sanxiang.ledger.evidence import blob_open, blob_store, blob_view
from sanxiang.ledger.models import Blob, Entry
from sanxiang.ledger.tests.test_evidence import use_local_evidence


@pytest.fixture(autouse=True)
def evidence_root(settings: Any, tmp_path: Path) -> Path:
    return use_local_evidence(settings, tmp_path)


@pytest.fixture
def checks() -> Iterator[list[registry.BlobAccessCheck]]:
    """The registered checks, restored afterwards (the apps' own checks stay registered during the test)."""
    saved = list(registry._blob_access_checks)
    yield registry._blob_access_checks
    registry._blob_access_checks[:] = saved


@pytest.fixture
def blob(bureau: Bureau) -> Blob:
    return blob_store(actor=bureau.officer, fileobj=io.BytesIO(b"interview recording"), content_type="audio/mpeg")


def reads() -> int:
    return Entry.objects.filter(action__in=["blob.view", "blob.download"]).count()


def test_a_check_with_no_opinion_leaves_the_read_to_staff(bureau: Bureau, blob: Blob, checks: list[Any]) -> None:
    asked: list[tuple[Any, str]] = []
    checks.append(lambda user, sha256: asked.append((user, sha256)))  # returns None
    assert blob_view(actor=bureau.reviewer, sha256=blob.sha256.upper()) == blob
    assert asked == [(bureau.reviewer, blob.sha256)]  # asked with the normalised name
    assert reads() == 1


def test_any_refusal_is_a_404_like_a_missing_file_and_records_nothing(
    bureau: Bureau, blob: Blob, checks: list[Any]
) -> None:
    checks.append(lambda user, sha256: True)
    checks.append(lambda user, sha256: False if user == bureau.outsider else None)
    with pytest.raises(NotFound) as refused:
        blob_view(actor=bureau.outsider, sha256=blob.sha256)
    with pytest.raises(NotFound) as missing:
        blob_view(actor=bureau.outsider, sha256="0" * 64)
    assert refused.value.message == missing.value.message
    with pytest.raises(NotFound):
        blob_open(actor=bureau.outsider, sha256=blob.sha256)
    assert reads() == 0
    _blob, fileobj = blob_open(actor=bureau.reviewer, sha256=blob.sha256)
    with fileobj:
        assert fileobj.read() == b"interview recording"
    assert reads() == 1


def test_the_api_answers_a_refused_read_as_not_found(bureau: Bureau, blob: Blob, checks: list[Any]) -> None:
    checks.append(lambda user, sha256: user != bureau.head and None)
    client = Client()
    client.force_login(bureau.head)
    for suffix in ("", "download/"):
        assert client.get(f"/api/v1/evidence/blobs/{blob.sha256}/{suffix}").status_code == 404
        assert client.get(f"/api/v1/evidence/blobs/{'0' * 64}/{suffix}").status_code == 404
    client.force_login(bureau.reviewer)
    assert client.get(f"/api/v1/evidence/blobs/{blob.sha256}/").status_code == 200
    assert reads() == 1


def test_registering_the_same_check_twice_asks_it_once(bureau: Bureau, blob: Blob, checks: list[Any]) -> None:
    calls: list[str] = []

    def check(user: Any, sha256: str) -> None:
        calls.append(sha256)

    registry.register_blob_access(check)
    registry.register_blob_access(check)
    assert registry.may_read_blob(bureau.reviewer, blob.sha256)
    assert calls == [blob.sha256]
