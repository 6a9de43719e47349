"""The sealed case file as the ledger's export bundle (``case_file_export``, ``sanxiang case export``), and who may
read the evidence files a case names (the cases app's blob access check).

The case is an inspection found in order: certificates shown and a recording on site, the site inspection record
issued (LibreOffice replaced by a stand-in) and served with a scanned receipt, then closed — which seals it.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from sanxiang.cases.casefile_export import case_blob_access, case_file_export
from sanxiang.cases.documents import document_issue
from sanxiang.cases.models import Case, CaseFile, IssuedDocument, Recording
from sanxiang.cases.selectors import case_subjects
from sanxiang.cases.tests.conftest import CaseWorld, upload
from sanxiang.cases.workflow import case_advance, case_document_issue, case_document_serve
from sanxiang.core.errors import InvalidTransition, NotFound
from sanxiang.ledger.bundle import MANIFEST, TAG_MANIFEST, verify_bundle
from sanxiang.ledger.evidence import blob_view
from sanxiang.ledger.models import Blob, Entry
from sanxiang.ledger.registry import may_read_blob

RECEIPT = b"%PDF-1.7 scanned service receipt"


@pytest.fixture(autouse=True)
def ledger_dirs(settings: Any, tmp_path: Path) -> None:
    settings.SANXIANG_LEDGER_KEY_DIR = tmp_path / "keys"
    settings.SANXIANG_LEDGER_ORIGIN = "zfgs.example.gov.cn/ledger"
    settings.SANXIANG_UPLOAD_DIR = tmp_path / "uploads"
    settings.STORAGES = {
        **settings.STORAGES,
        "evidence": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "evidence")},
        },
    }


@pytest.fixture(autouse=True)
def no_libreoffice() -> Iterator[None]:
    with mock.patch("sanxiang.cases.documents.docx_to_pdf", lambda data: b"%PDF-1.7 stand-in\n" + data):
        yield


@dataclass
class Sealed:
    case: Case
    case_file: CaseFile
    document: IssuedDocument
    recording: Recording
    receipt: Blob


def inspection(w: CaseWorld) -> tuple[Case, IssuedDocument, Recording, Blob]:
    """An inspection on site: certificates, a recording, the record issued and served with a receipt."""
    case = w.open("inspection", title="对盘锦示例化工有限公司的安全生产监督检查")
    case = case_advance(actor=w.bureau.officer, case=case, target="inspect")
    start = w.show_certificates(case)
    recording = w.record(case, start=start, minutes=3)
    document = case_document_issue(
        actor=w.bureau.officer,
        case=case,
        template_code="site_inspection_record",
        fields={
            "inspection_site": case.place_address,
            "start_time": "2026年11月24日9时",
            "end_time": "2026年11月24日10时",
            "officers": "王建国、李明",
            "recorder": "李明",
            "site_person": "周示例",
            "inspection_findings": "未发现安全生产违法行为。",
        },
    )
    receipt = upload(w.bureau.officer, RECEIPT, "application/pdf")
    case_document_serve(
        actor=w.bureau.officer,
        case=case,
        document=document,
        method="direct",
        served_at=timezone.now(),
        recipient="周示例",
        receipt_blob=receipt,
    )
    return case, document, recording, receipt


@pytest.fixture
def sealed(case_world: CaseWorld) -> Sealed:
    case, document, recording, receipt = inspection(case_world)
    case = case_advance(actor=case_world.bureau.officer, case=case, target="close")
    return Sealed(
        case=case,
        case_file=CaseFile.objects.get(case=case),
        document=document,
        recording=recording,
        receipt=receipt,
    )


# --- the export ----------------------------------------------------------------------------------------------------


def test_case_file_export_is_a_bundle_that_verifies(case_world: CaseWorld, sealed: Sealed, tmp_path: Path) -> None:
    w, case = case_world, sealed.case
    out = tmp_path / "casefile.zip"
    exported = case_file_export(actor=w.bureau.officer, case=case, out=out)
    assert verify_bundle(out) == []

    # The export itself is in the log, and in the bundle: who exported the case file, when.
    export_entry = Entry.objects.get(action="case.file_export")
    assert (export_entry.actor_id, export_entry.subject_type) == (w.bureau.officer.pk, "cases.casefile")
    assert export_entry.subject_id == str(sealed.case_file.pk)
    assert export_entry.digest == Entry.objects.get(action="case.file_seal").digest  # a read: the state is unchanged

    files = {
        sealed.document.docx_id,
        sealed.document.pdf_id,
        sealed.recording.blob_id,
        sealed.receipt.sha256,
    }
    with zipfile.ZipFile(out) as zf:
        names = set(zf.namelist())
        casefile = zf.read("data/casefile.json")
        lines = [json.loads(line) for line in zf.read("data/entries.jsonl").splitlines()]
        info = zf.read("bag-info.txt").decode()
        assert zf.read(f"data/files/{sealed.receipt.sha256}") == RECEIPT
    assert {f"data/files/{sha256}" for sha256 in files} == {n for n in names if n.startswith("data/files/")}
    assert exported.files == len(files) == 4

    # casefile.json is the sealed manifest, byte for byte what its hash was taken of.
    assert hashlib.sha256(casefile).hexdigest() == sealed.case_file.manifest_sha256
    assert json.loads(casefile) == sealed.case_file.manifest
    assert [e["kind"] for e in json.loads(casefile)] == ["document", "recording"]
    assert f"Sanxiang-Anchor: data/casefile.json cases.casefile:{sealed.case_file.pk} manifest_sha256" in info
    assert f"External-Description: {case.number} {case.title}（案卷）" in info

    # Every entry of the case and its rows, of its documents and services, and of its files: in seq order.
    subjects = {f"{t}:{pk}" for t, ids in case_subjects(case).items() for pk in ids}
    subjects |= {f"ledger.blob:{sha256}" for sha256 in files}
    assert {json.loads(line["leaf"])["subject"] for line in lines} == subjects
    expected = [e.seq for e in Entry.objects.order_by("seq") if f"{e.subject_type}:{e.subject_id}" in subjects]
    assert [line["seq"] for line in lines] == expected
    actions = {json.loads(line["leaf"])["action"] for line in lines}
    assert {"case.open", "case.recording_add", "document.issue", "document.serve", "case.file_seal"} <= actions
    assert {"blob.store", "case.file_export"} <= actions


def test_a_changed_case_file_manifest_is_reported(case_world: CaseWorld, sealed: Sealed, tmp_path: Path) -> None:
    out = tmp_path / "casefile.zip"
    case_file_export(actor=case_world.bureau.officer, case=sealed.case, out=out)
    with zipfile.ZipFile(out) as zin:
        members = {name: zin.read(name) for name in zin.namelist()}
    manifest = json.loads(members["data/casefile.json"])
    manifest[0]["name"] = "另一份文书"
    members["data/casefile.json"] = json.dumps(manifest, ensure_ascii=False).encode()
    # An attacker who also rewrites the manifests and the Payload-Oxum: only the anchor tells.
    payload = {n: d for n, d in members.items() if n.startswith("data/")}
    members["bag-info.txt"] = b"".join(
        (
            f"Payload-Oxum: {sum(len(d) for d in payload.values())}.{len(payload)}".encode()
            if line.startswith(b"Payload-Oxum:")
            else line
        )
        + b"\n"
        for line in members["bag-info.txt"].splitlines()
    )
    members[MANIFEST] = "".join(f"{hashlib.sha256(d).hexdigest()}  {n}\n" for n, d in sorted(payload.items())).encode()
    members[TAG_MANIFEST] = "".join(
        f"{hashlib.sha256(members[n]).hexdigest()}  {n}\n" for n in ("bagit.txt", "bag-info.txt", MANIFEST)
    ).encode()
    forged = tmp_path / "forged.zip"
    with zipfile.ZipFile(forged, "w") as zout:
        for name, data in members.items():
            zout.writestr(name, data)
    assert verify_bundle(forged) == [
        f"附加文件 data/casefile.json 的 SHA-256 与 cases.casefile:{sealed.case_file.pk} 最新状态中的 manifest_sha256 不符"
    ]


def test_who_may_export(case_world: CaseWorld, sealed: Sealed, tmp_path: Path) -> None:
    b = case_world.bureau
    with pytest.raises(NotFound):
        case_file_export(actor=b.outsider, case=sealed.case, out=tmp_path / "x.zip")
    assert not Entry.objects.filter(action="case.file_export").exists()
    assert not (tmp_path / "x.zip").exists()
    case_file_export(actor=b.supervisor, case=sealed.case, out=tmp_path / "supervisor.zip")
    assert verify_bundle(tmp_path / "supervisor.zip") == []
    assert Entry.objects.get(action="case.file_export").actor_id == b.supervisor.pk


def test_an_open_case_has_no_case_file_to_export(case_world: CaseWorld, tmp_path: Path) -> None:
    case = case_world.open("inspection")
    with pytest.raises(InvalidTransition, match="尚未归档"):
        case_file_export(actor=case_world.bureau.officer, case=case, out=tmp_path / "x.zip")
    assert not (tmp_path / "x.zip").exists()


def test_cli_case_export(case_world: CaseWorld, sealed: Sealed, tmp_path: Path) -> None:
    out = tmp_path / "casefile.zip"
    stdout = io.StringIO()
    call_command("case", "export", sealed.case.number, str(out), stdout=stdout)
    assert f"已导出 {sealed.case.number}" in stdout.getvalue()
    assert verify_bundle(out) == []
    assert Entry.objects.get(action="case.file_export").actor_id is None  # the console
    call_command("case", "export", sealed.case.number, str(out), "--user", "head", stdout=io.StringIO())
    with pytest.raises(CommandError, match="未找到"):
        call_command("case", "export", sealed.case.number, str(out), "--user", "outsider", stdout=io.StringIO())
    with pytest.raises(CommandError, match="没有编号为"):
        call_command("case", "export", "兴应急案〔1999〕1号", str(out), stdout=io.StringIO())
    with pytest.raises(CommandError, match="没有启用的用户"):
        call_command("case", "export", sealed.case.number, str(out), "--user", "nobody", stdout=io.StringIO())
    assert Entry.objects.filter(action="case.file_export").count() == 2


# --- who may read a case's files -----------------------------------------------------------------------------------


def test_a_case_s_files_are_read_by_those_who_can_read_the_case(case_world: CaseWorld) -> None:
    """Also while the case is open: the rule follows the rows that name a file, not the seal."""
    b = case_world.bureau
    _case, document, recording, receipt = inspection(case_world)
    fresh = upload(b.officer, b"a fresh upload, not yet attached")
    named = [recording.blob_id, document.docx_id, document.pdf_id, receipt.sha256]
    for sha256 in named:
        assert case_blob_access(b.officer, sha256) is True
        assert case_blob_access(b.supervisor, sha256) is True
        assert case_blob_access(b.outsider, sha256) is False
        assert not may_read_blob(b.outsider, sha256)
        with pytest.raises(NotFound):
            blob_view(actor=b.outsider, sha256=sha256)
        assert blob_view(actor=b.head, sha256=sha256).sha256 == sha256
    assert case_blob_access(b.outsider, fresh.sha256) is None
    assert blob_view(actor=b.outsider, sha256=fresh.sha256) == fresh  # staff of another agency: the staff rule
    assert not Entry.objects.filter(action="blob.view", actor_id=b.outsider.pk).exclude(subject_id=fresh.sha256)

    outsider, officer = Client(), Client()
    outsider.force_login(b.outsider)
    officer.force_login(b.officer)
    for suffix in ("", "download/"):
        assert outsider.get(f"/api/v1/evidence/blobs/{recording.blob_id}/{suffix}").status_code == 404
        assert officer.get(f"/api/v1/evidence/blobs/{recording.blob_id}/{suffix}").status_code == 200


def test_a_document_issued_outside_a_case_follows_its_agency(case_world: CaseWorld) -> None:
    b = case_world.bureau
    document = document_issue(
        actor=b.officer,
        agency=b.agency,
        template_code="rectification_order",
        context={
            "party_name": "盘锦示例化工有限公司",
            "facts": "安全出口堵塞。",
            "legal_basis": "《中华人民共和国安全生产法》第一百零二条",
            "rectification_deadline": "2026年12月1日",
            "review_body": "盘锦市兴隆台区人民政府",
            "court": "盘锦市兴隆台区人民法院",
        },
        kind="检",
        subject="inspections.plan:1",
    )
    assert case_blob_access(b.head, document.pdf_id) is True
    assert case_blob_access(b.outsider, document.pdf_id) is False
