"""The evidence store on S3-compatible object storage, against moto's S3 server on loopback (no network)."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from sanxiang.ledger import uploads
from sanxiang.ledger.evidence import blob_name, blob_open, blob_store, evidence_storage, sm3_hex
from sanxiang.ledger.models import Blob, Entry, UploadState

moto_server = pytest.importorskip("moto.server")
boto3 = pytest.importorskip("boto3")

BUCKET = "sanxiang-evidence"


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3_evidence(s3_endpoint: str, settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The ``evidence`` storage on a fresh bucket of the moto server; uploads in a local temporary directory."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": str(tmp_path / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-aws-credentials"),
    }.items():
        monkeypatch.setenv(name, value)
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    client.create_bucket(Bucket=BUCKET)
    settings.STORAGES = {
        **settings.STORAGES,
        "evidence": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": s3_endpoint,
                "region_name": "us-east-1",
                "access_key": "testing",
                "secret_key": "testing",
                "location": "evidence",
                "addressing_style": "path",
                "file_overwrite": False,
                "default_acl": None,
            },
        },
    }
    settings.SANXIANG_UPLOAD_DIR = tmp_path / "uploads"
    yield client
    objects = client.list_objects_v2(Bucket=BUCKET).get("Contents", [])
    for obj in objects:
        client.delete_object(Bucket=BUCKET, Key=obj["Key"])
    client.delete_bucket(Bucket=BUCKET)


def keys(client: Any) -> list[str]:
    return sorted(obj["Key"] for obj in client.list_objects_v2(Bucket=BUCKET).get("Contents", []))


def test_blobs_are_stored_once_under_their_content_address_in_the_bucket(bureau, s3_evidence):
    data = b"recording on object storage " * 40_000
    sha = hashlib.sha256(data).hexdigest()
    assert type(evidence_storage()).__name__ == "S3Storage"

    blob = blob_store(actor=bureau.officer, fileobj=io.BytesIO(data), content_type="video/mp4")
    assert (blob.sha256, blob.sm3, blob.storage_name) == (sha, sm3_hex(data), blob_name(sha))
    key = f"evidence/{blob_name(sha)}"
    assert keys(s3_evidence) == [key]
    stored = s3_evidence.get_object(Bucket=BUCKET, Key=key)
    assert stored["Body"].read() == data
    assert stored["ContentType"] == "video/mp4"
    first_modified = stored["LastModified"]

    again = blob_store(actor=bureau.head, fileobj=io.BytesIO(data), content_type="video/mp4", declared_sha256=sha)
    assert again.pk == blob.pk
    assert keys(s3_evidence) == [key]  # no second object, no renamed copy
    assert s3_evidence.head_object(Bucket=BUCKET, Key=key)["LastModified"] == first_modified

    _, fileobj = blob_open(actor=bureau.reviewer, sha256=sha)
    with fileobj:
        assert fileobj.read() == data
    assert Entry.objects.filter(action="blob.download", actor_id=bureau.reviewer.pk).count() == 1


def test_a_resumed_upload_lands_in_the_bucket_and_its_partial_file_never_does(bureau, s3_evidence):
    data = hashlib.shake_256(b"s3 upload").digest(2 * 1024 * 1024 + 7)
    sha = hashlib.sha256(data).hexdigest()
    upload = uploads.upload_begin(
        actor=bureau.officer, filename="DSJ.mp4", content_type="video/mp4", size=len(data), sha256=sha
    )
    with pytest.raises(uploads.UploadInterrupted):
        uploads.upload_chunk(
            actor=bureau.officer, upload=upload, offset=0, data_stream=io.BytesIO(data[:700_000]), length=len(data)
        )
    assert keys(s3_evidence) == []  # partial bytes stay local
    assert uploads.partial_path(upload).stat().st_size == 700_000
    uploads.upload_chunk(
        actor=bureau.officer,
        upload=upload,
        offset=700_000,
        data_stream=io.BytesIO(data[700_000:]),
        length=len(data) - 700_000,
    )
    blob = uploads.upload_complete(actor=bureau.officer, upload=upload)

    assert (blob.sha256, blob.sm3, blob.size) == (sha, sm3_hex(data), len(data))
    assert keys(s3_evidence) == [f"evidence/{blob_name(sha)}"]
    assert s3_evidence.get_object(Bucket=BUCKET, Key=f"evidence/{blob_name(sha)}")["Body"].read() == data
    assert not uploads.partial_path(upload).exists()
    upload.refresh_from_db()
    assert upload.state == UploadState.COMPLETE


def test_download_through_the_api_streams_from_the_bucket(bureau, s3_evidence):
    data = b"downloaded from S3"
    blob = blob_store(actor=bureau.officer, fileobj=io.BytesIO(data), content_type="text/plain")
    client = Client()
    client.force_login(bureau.reviewer)
    response = client.get(f"/api/v1/evidence/blobs/{blob.sha256}/download/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == data  # type: ignore[attr-defined]
    assert Entry.objects.filter(action="blob.download").count() == 1
    assert Blob.objects.count() == 1
