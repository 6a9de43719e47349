"""Enforcement documents: numbering, issue (.docx + PDF stamped with hash and QR), service, public verification.

LibreOffice takes about 1.5 s a conversion: one test issues a document through the real converter and checks the
.docx, the QR code, the PDF (``pdftotext``) and the verification page together; the others use a stand-in PDF.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import shutil
import subprocess
import threading
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.db import connection, connections, transaction
from django.test import Client
from django.utils import timezone
from docx import Document
from PIL import Image
from pyzbar.pyzbar import decode

from sanxiang.cases import documents, rendering
from sanxiang.cases.documents import document_issue, document_serve_record
from sanxiang.cases.models import DocumentNumberSequence, DocumentService, IssuedDocument
from sanxiang.cases.numbering import document_number_next
from sanxiang.cases.rendering import DocumentConversionError, verification_path, verification_url
from sanxiang.conftest import Bureau, make_user
from sanxiang.core.errors import PermissionDenied, ValidationError
from sanxiang.core.models import PublicationStatus
from sanxiang.ledger.checkpoints import checkpoint_sign
from sanxiang.ledger.evidence import blob_store
from sanxiang.ledger.models import Blob, Entry
from sanxiang.org.models import Agency, Role, User
from sanxiang.registry.docx.render import SAMPLE, render, sample_context, template_path
from sanxiang.registry.models import DocumentTemplate

PARTY = "盘锦示例化工贸易有限公司"


@pytest.fixture(autouse=True)
def ledger_dirs(settings: Any, tmp_path: Path) -> None:
    """Keys, media and evidence in a temporary directory, never in the checkout's var/."""
    settings.SANXIANG_LEDGER_KEY_DIR = tmp_path / "keys"
    settings.SANXIANG_LEDGER_ORIGIN = "zfgs.example.gov.cn/ledger"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SANXIANG_UPLOAD_DIR = tmp_path / "uploads"
    settings.PUBLIC_BASE_URL = "https://zfgs.example.gov.cn"
    settings.STORAGES = {
        **settings.STORAGES,
        "evidence": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "evidence")},
        },
    }


@pytest.fixture
def fake_pdf(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """A stand-in for LibreOffice: the PDF is the .docx it was given, behind a PDF header; the inputs are kept."""
    given: list[bytes] = []

    def convert(data: bytes, **_: Any) -> bytes:
        given.append(data)
        return b"%PDF-1.7 stand-in\n" + data

    monkeypatch.setattr(documents, "docx_to_pdf", convert)
    return given


def issue(bureau: Bureau, *, actor: User | None = None, code: str = "penalty_notice", **extra: Any) -> IssuedDocument:
    """Issue a document outside any case: the notice (a decision needs its case; see test_decision_gate.py)."""
    return document_issue(
        actor=actor or bureau.officer,
        agency=bureau.agency,
        template_code=code,
        context={**SAMPLE, "party_name": PARTY},
        kind=extra.pop("kind", "罚"),
        subject=extra.pop("subject", "cases.case:12"),
        **extra,
    )


def written() -> tuple[int, int, int, int]:
    return (
        Entry.objects.count(),
        IssuedDocument.objects.count(),
        DocumentNumberSequence.objects.count(),
        Blob.objects.count(),
    )


def docx_text(data: bytes) -> str:
    document = Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    for section in document.sections:
        parts += [p.text for p in section.footer.paragraphs]
    return "\n".join(parts)


def blob_bytes(blob: Blob) -> bytes:
    from sanxiang.ledger.evidence import evidence_storage

    with evidence_storage().open(blob.storage_name, "rb") as fh:
        data: bytes = fh.read()
    return data


# --- numbering -----------------------------------------------------------------------------------------------------


def test_numbers_follow_the_rule_per_agency_year_and_kind(bureau: Bureau) -> None:
    year = timezone.localdate().year
    take: Callable[..., str] = document_number_next
    assert take(actor=bureau.officer, agency=bureau.agency, kind="罚") == f"兴应急罚〔{year}〕1号"
    assert take(actor=bureau.head, agency=bureau.agency, kind="罚") == f"兴应急罚〔{year}〕2号"
    assert take(actor=bureau.officer, agency=bureau.agency, kind="强") == f"兴应急强〔{year}〕1号"
    assert take(actor=bureau.officer, agency=bureau.agency, kind="罚", year=2025) == "兴应急罚〔2025〕1号"
    Agency.objects.filter(pk=bureau.other_agency.pk).update(document_prefix="双应急")
    bureau.other_agency.refresh_from_db()
    other_officer = make_user("other-officer", bureau.other_agency, Role.OFFICER)
    assert take(actor=other_officer, agency=bureau.other_agency, kind="罚") == f"双应急罚〔{year}〕1号"
    assert take(actor=bureau.reviewer, agency=bureau.agency, kind="罚") == f"兴应急罚〔{year}〕3号"
    assert Entry.objects.filter(action="document_number.take").count() == 6


def test_number_needs_a_prefix_a_known_kind_and_a_role(bureau: Bureau) -> None:
    with pytest.raises(ValidationError, match="文书类别"):
        document_number_next(actor=bureau.officer, agency=bureau.agency, kind="X")
    with pytest.raises(PermissionDenied):
        document_number_next(actor=bureau.outsider, agency=bureau.agency, kind="罚")
    Agency.objects.filter(pk=bureau.agency.pk).update(document_prefix="")
    bureau.agency.refresh_from_db()
    with pytest.raises(ValidationError, match="文书字号前缀"):
        document_number_next(actor=bureau.officer, agency=bureau.agency, kind="罚")
    assert DocumentNumberSequence.objects.count() == 0


THREADS = 6


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent numbering needs PostgreSQL's row locks")
@pytest.mark.django_db(transaction=True)
def test_concurrent_numbering_gives_no_duplicates(bureau: Bureau) -> None:
    barrier = threading.Barrier(THREADS)
    numbers: list[str] = []
    errors: list[BaseException] = []

    def take() -> None:
        try:
            officer = User.objects.get(pk=bureau.officer.pk)
            agency = Agency.objects.get(pk=bureau.agency.pk)
            for _ in range(3):
                barrier.wait(timeout=60)
                numbers.append(document_number_next(actor=officer, agency=agency, kind="检"))
        except BaseException as exc:  # reported by the test thread
            errors.append(exc)
            barrier.abort()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=take) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    year = timezone.localdate().year
    assert sorted(numbers) == sorted(f"兴应急检〔{year}〕{n}号" for n in range(1, 3 * THREADS + 1))
    assert DocumentNumberSequence.objects.get().next_number == 3 * THREADS + 1


# --- issue --------------------------------------------------------------------------------------------------------


def test_issue_with_the_real_converter_docx_pdf_qr_and_page(bureau: Bureau, client: Client) -> None:
    """The one test that runs LibreOffice: .docx, QR, PDF text and the verification page of one decision."""
    if shutil.which("soffice") is None or shutil.which("pdftotext") is None:
        pytest.skip("LibreOffice and poppler-utils are installed by make (SYSTEM_PACKAGES)")
    document = issue(bureau)
    year = timezone.localdate().year
    assert document.number == f"兴应急罚〔{year}〕1号"
    docx = blob_bytes(document.docx)
    assert hashlib.sha256(docx).hexdigest() == document.docx.sha256
    text = docx_text(docx)
    assert PARTY in text
    assert document.number in text
    assert f"{document.number} · 扫码或访问核验：https://zfgs.example.gov.cn/verify/document/{document.number}/" in text
    # The QR code in the footer decodes to the verification URL.
    with zipfile.ZipFile(io.BytesIO(docx)) as archive:
        images = [name for name in archive.namelist() if name.startswith("word/media/")]
        assert images
        decoded = {
            symbol.data.decode() for name in images for symbol in decode(Image.open(io.BytesIO(archive.read(name))))
        }
    assert verification_url(document.number) in decoded
    # The PDF: party, number and the .docx's hash on the page, in a CJK font.
    pdf = blob_bytes(document.pdf)
    assert pdf.startswith(b"%PDF")
    out = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    flat = re.sub(r"\s+", "", out)
    assert PARTY in flat
    assert document.number in flat
    assert f"文书哈希{document.docx.sha256}" in flat
    # The public page: pending before a checkpoint, genuine after, and nothing of the party.
    path = verification_path(document.number)
    assert "等待签名检查点" in client.get(path).content.decode()
    checkpoint_sign()
    page = client.get(path).content.decode()
    assert "此文书真实有效" in page
    assert document.docx.sha256 in page and document.docx.sm3 in page
    assert PARTY not in page and "王示例" not in page
    assert "此文书真实有效" in client.get(verification_path(str(document.pk))).content.decode()


def test_issued_docx_records_number_hash_and_ledger_entry(bureau: Bureau, fake_pdf: list[bytes]) -> None:
    document = issue(bureau, subject="cases.case:7")
    entry = Entry.objects.get(action="document.issue")
    assert entry.subject_id == str(document.pk)
    assert entry.blob == {"sha256": document.docx.sha256, "sm3": document.docx.sm3, "size": document.docx.size}
    assert document.issued_by == bureau.officer and document.subject == "cases.case:7"
    assert document.template_name == "行政处罚告知书"
    assert document.template_sha256 == hashlib.sha256(template_path("penalty_notice").read_bytes()).hexdigest()
    # What went to the converter carries the issued .docx's hash; the issued .docx does not (it cannot).
    assert f"文书哈希 {document.docx.sha256}" in docx_text(fake_pdf[0])
    assert document.docx.sha256 not in docx_text(blob_bytes(document.docx))
    assert Blob.objects.get(pk=document.pdf_id).content_type == "application/pdf"
    second = issue(bureau, code="penalty_notice", kind="告")
    assert second.number.startswith("兴应急告〔")


def test_agency_published_template_is_preferred(bureau: Bureau, fake_pdf: list[bytes]) -> None:
    data = template_path("penalty_notice").read_bytes()
    DocumentTemplate.objects.create(
        agency=bureau.agency,
        code="penalty_notice",
        name="行政处罚告知书（本局格式）",
        file=ContentFile(data, name="p.docx"),
        status=PublicationStatus.PUBLISHED,
    )
    assert issue(bureau).template_name == "行政处罚告知书（本局格式）"


def test_an_order_that_omits_the_remedies_is_not_issued(bureau: Bureau, fake_pdf: list[bytes]) -> None:
    """An agency's own template must still tell the party where to apply for review and sue."""
    lacking = Document()
    lacking.add_paragraph("{{ agency_name }}责令限期整改指令书 {{ document_number }}")
    lacking.add_paragraph("{{ party_name }}：{{ facts }} {{ decision }} {{ review_body }}")
    buffer = io.BytesIO()
    lacking.save(buffer)
    DocumentTemplate.objects.create(
        agency=bureau.agency,
        code="rectification_order",
        name="责令限期整改指令书（缺救济途径）",
        file=ContentFile(buffer.getvalue(), name="p.docx"),
        status=PublicationStatus.PUBLISHED,
    )
    before = written()
    with pytest.raises(ValidationError) as refused:
        issue(bureau, code="rectification_order", kind="检")
    assert "未载明当事人依法享有的权利或救济途径" in str(refused.value)
    assert "申请行政复议、提起行政诉讼" in str(refused.value)
    assert written() == before


def test_the_standard_notice_states_the_right_to_state_and_defend(bureau: Bureau, fake_pdf: list[bytes]) -> None:
    from sanxiang.cases.rendering import missing_wording, template_source

    source = template_source(bureau.agency, "penalty_notice")
    rendered = render(io.BytesIO(source.data), sample_context("penalty_notice"))
    assert missing_wording(source, sample_context("penalty_notice"), rendered) == []


@pytest.mark.parametrize("persona", ["outsider", "office_clerk", "adviser", "evaluator"])
def test_only_officers_heads_legal_reviewers_and_leaders_issue(
    bureau: Bureau, fake_pdf: list[bytes], persona: str
) -> None:
    before = written()
    with pytest.raises(PermissionDenied):
        issue(bureau, actor=getattr(bureau, persona))
    assert written() == before
    assert issue(bureau, actor=bureau.head).serial == 1
    assert issue(bureau, actor=bureau.reviewer).serial == 2
    assert issue(bureau, actor=bureau.leader).serial == 3  # the collective discussion's record


def test_bad_template_code_writes_nothing_and_uses_no_number(bureau: Bureau, fake_pdf: list[bytes]) -> None:
    before = written()
    with pytest.raises(ValidationError, match="没有编码为“no_such”的文书样本"):
        issue(bureau, code="no_such")
    assert written() == before
    assert issue(bureau).serial == 1


def test_unusable_template_file_and_missing_context_are_refused(bureau: Bureau, fake_pdf: list[bytes]) -> None:
    DocumentTemplate.objects.create(
        agency=bureau.agency,
        code="broken",
        name="坏模板",
        file=ContentFile(b"PK not a zip", name="b.docx"),
        status=PublicationStatus.PUBLISHED,
    )
    before = written()
    with pytest.raises(ValidationError, match="模板文件无法生成文书"):
        issue(bureau, code="broken")
    with pytest.raises(ValidationError, match="缺少必填内容：当事人"):
        document_issue(
            actor=bureau.officer,
            agency=bureau.agency,
            template_code="penalty_notice",
            context={**sample_context("penalty_notice"), "party_name": ""},
            kind="罚",
            subject="cases.case:1",
        )
    assert written() == before


def test_failed_conversion_rolls_back_the_number(bureau: Bureau, monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(data: bytes, **_: Any) -> bytes:
        raise DocumentConversionError("LibreOffice 未能生成 PDF")

    monkeypatch.setattr(documents, "docx_to_pdf", fail)
    before = written()
    with pytest.raises(DocumentConversionError):
        issue(bureau)
    assert written() == before


def test_missing_libreoffice_is_a_clear_chinese_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rendering.shutil, "which", lambda name: None)
    with pytest.raises(DocumentConversionError, match="未安装 LibreOffice"):
        rendering.docx_to_pdf(b"PK")


# --- service (送达) --------------------------------------------------------------------------------------------------


def test_service_is_recorded_with_method_date_and_receipt(bureau: Bureau, fake_pdf: list[bytes]) -> None:
    document = issue(bureau)
    receipt = blob_store(actor=bureau.officer, fileobj=io.BytesIO(b"scanned receipt"), content_type="image/jpeg")
    served = document_serve_record(
        actor=bureau.officer,
        document=document,
        method="直接送达",
        served_at=timezone.now(),
        recipient="王示例",
        receipt_blob=receipt,
    )
    assert served.method == "direct" and served.receipt == receipt
    assert Entry.objects.filter(action="document.serve", subject_id=str(served.pk)).count() == 1
    posted = document_serve_record(
        actor=bureau.head, document=document, method="post", served_at=timezone.now(), recipient="王示例"
    )
    assert list(document.services.all()) == [served, posted]


def test_service_is_checked(bureau: Bureau, fake_pdf: list[bytes]) -> None:
    document = issue(bureau)
    now = timezone.now()
    with pytest.raises(ValidationError, match="送达方式"):
        document_serve_record(actor=bureau.officer, document=document, method="托人带话", served_at=now, recipient="王")
    with pytest.raises(ValidationError, match="早于文书制发时间"):
        document_serve_record(
            actor=bureau.officer,
            document=document,
            method="邮寄送达",
            served_at=document.issued_at - dt.timedelta(days=1),
            recipient="王",
        )
    with pytest.raises(ValidationError, match="受送达人"):
        document_serve_record(actor=bureau.officer, document=document, method="邮寄送达", served_at=now, recipient=" ")
    with pytest.raises(PermissionDenied):
        document_serve_record(
            actor=bureau.outsider, document=document, method="邮寄送达", served_at=now, recipient="王"
        )
    assert DocumentService.objects.count() == 0


# --- the public verification page -------------------------------------------------------------------------------------


def test_verification_page_for_an_unknown_number(client: Client, bureau: Bureau) -> None:
    response = client.get(verification_path("兴应急罚〔2026〕999号"))
    assert response.status_code == 404
    assert "查无此文书" in response.content.decode()


def test_verification_page_names_a_tampered_record(bureau: Bureau, client: Client, fake_pdf: list[bytes]) -> None:
    document = issue(bureau)
    checkpoint_sign()
    assert "此文书真实有效" in client.get(verification_path(document.number)).content.decode()
    with transaction.atomic():
        IssuedDocument.objects.filter(pk=document.pk).update(template_name="伪造的文书")
    page = client.get(verification_path(document.number)).content.decode()
    assert "核验未通过" in page and "此文书真实有效" not in page
    assert "文书记录与日志中的最近状态不符" in page
