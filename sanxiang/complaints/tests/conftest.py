"""Complaint test data: a published officer, a filing helper, evidence and uploads in a temporary directory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sanxiang.complaints.services import Filed, complaint_file
from sanxiang.conftest import Bureau
from sanxiang.registry.models import Officer
from sanxiang.registry.tests import factories as f


@pytest.fixture(autouse=True)
def _evidence_in_tmp(settings: Any, tmp_path: Path) -> None:
    storages = dict(settings.STORAGES)
    storages["evidence"] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "evidence"), "base_url": None},
    }
    settings.STORAGES = storages
    settings.SANXIANG_UPLOAD_DIR = tmp_path / "uploads"


@pytest.fixture
def officer(bureau: Bureau) -> Officer:
    data = f.officer_data(bureau, name="王建国", certificate_number="21110320190001", user_id=bureau.officer.pk)
    officer: Officer = f.publish("officers", bureau=bureau, data=data)
    return officer


def complaint_data(bureau: Bureau, **extra: Any) -> dict[str, Any]:
    return {
        "kind": "conduct",
        "agency": str(bureau.agency.pk),
        "officer": "",
        "reported_party": "",
        "reported_place": "",
        "text": "2026年11月3日上午，执法人员到我店检查时未出示执法证件，态度粗暴。",
        "complainant_name": "李秀兰",
        "complainant_contact": "13912345678",
        **extra,
    }


def upload(
    name: str = "照片.jpg", content: bytes = b"\xff\xd8\xff jpeg bytes", content_type: str = "image/jpeg"
) -> Any:
    return SimpleUploadedFile(name, content, content_type=content_type)


def file(bureau: Bureau, *, files: tuple[Any, ...] = (), address: str = "203.0.113.7", **extra: Any) -> Filed:
    return complaint_file(data=complaint_data(bureau, **extra), files=files, client_address=address)
