"""Enforcement documents (执法文书): numbering, issue (.docx + PDF, stamped, hashed into the ledger), service (送达).

How a document is issued (``document_issue``), in one transaction:

1. check the actor (officer, department head or legal reviewer of the agency), the template and the context;
2. lock the agency's number sequence for the kind and year (``select_for_update``) and take the next number;
3. render the template (docxtpl) and stamp every page's footer with the verification URL and its QR code: these
   bytes are the issued .docx, and their SHA-256 is the document's hash;
4. stamp a copy with the line ``文书哈希 <sha256 of the .docx> · 核验：<url>`` and convert it with LibreOffice: the PDF
   (a .docx cannot print its own hash; the PDF, and any paper copy printed from it, can);
5. store both as evidence (``blob_store``), write the ``IssuedDocument`` and its ``document.issue`` ledger entry
   whose ``blob`` is the .docx's digests.

A failure anywhere rolls everything back, the number included: numbers have no gaps (docs/documents.md). The
sequence row stays locked while LibreOffice runs (about 1.5 s), so issues of one agency, kind and year queue; the
ledger's own lock is taken only at step 5.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import re
import shutil
import signal
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import uri_to_iri
from docx import Document
from docx.shared import Cm, Pt

from sanxiang.core.canonical import canonical_json
from sanxiang.core.errors import NotFound, SanxiangError, ValidationError
from sanxiang.core.qr import qr_png
from sanxiang.ledger import merkle
from sanxiang.ledger.checkpoints import NoteError, inclusion_by_leaf_hash, latest_checkpoint, note_verify
from sanxiang.ledger.evidence import blob_store, evidence_storage, hash_stream
from sanxiang.ledger.leaves import entry_leaf_hash
from sanxiang.ledger.models import Blob, Entry
from sanxiang.ledger.registry import registration
from sanxiang.ledger.selectors import latest_entry
from sanxiang.ledger.services import record
from sanxiang.ledger.signing import published_verifier_keys
from sanxiang.org.access import require_role
from sanxiang.org.models import Agency, Role
from sanxiang.registry.docx.placeholders import TEMPLATES
from sanxiang.registry.docx.render import render, template_path

from .models import DocumentKind, DocumentNumberSequence, DocumentService, IssuedDocument, ServiceMethod

ISSUER_ROLES = (Role.OFFICER, Role.DEPARTMENT_HEAD, Role.LEGAL_REVIEWER, Role.LEADER)  # leaders: 集体讨论记录
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF_TYPE = "application/pdf"
CONVERT_TIMEOUT = 120  # seconds; a decision converts in ~1.5 s, a cold first start in ~3 s
AUTO_FILLED = ("agency_name", "document_number", "date")
# A recorded moment may be this far ahead of the server (device clocks run ahead).
FUTURE_SLACK = dt.timedelta(minutes=5)


class DocumentConversionError(SanxiangError):
    """LibreOffice is missing, timed out or produced no PDF."""


# --- numbering (文书编号) ------------------------------------------------------------------------------------------


def _kind(kind: str) -> str:
    if kind in DocumentKind.values:
        return kind
    raise ValidationError({"kind": [f"文书类别应为 {'、'.join(DocumentKind.values)} 之一。"]})


def _prefix(agency: Agency) -> str:
    if not agency.document_prefix:
        raise ValidationError({"agency": [f"“{agency.name}”尚未设置文书字号前缀，无法编号。"]})
    return agency.document_prefix


def document_number_format(*, prefix: str, kind: str, year: int, serial: int) -> str:
    """``兴应急罚〔2026〕12号``: prefix, kind, year in 六角括号, serial number without leading zeros, 号."""
    return f"{prefix}{kind}〔{year}〕{serial}号"


def _sequence_locked(agency: Agency, kind: str, year: int) -> DocumentNumberSequence:
    """The sequence row, created if new, locked until the caller's transaction ends."""
    sequence, _ = DocumentNumberSequence.objects.get_or_create(agency=agency, year=year, kind=kind)
    return DocumentNumberSequence.objects.select_for_update().get(pk=sequence.pk)


def _sequence_advance(*, actor: Any, sequence: DocumentNumberSequence, number: str) -> None:
    sequence.next_number += 1
    sequence.save(update_fields=["next_number"])
    record(actor=actor, action="document_number.take", subject=sequence, note=number)


def document_number_next(*, actor: Any, agency: Agency, kind: str, year: int | None = None) -> str:
    """Take the next number of ``agency``'s documents of ``kind`` in ``year`` (default: this year) — consumed at once.

    For a document made outside the system; ``document_issue`` takes its number itself, in its own transaction.
    """
    require_role(actor, agency, ISSUER_ROLES, "只有本机关的执法人员、科室负责人、法制审核人员或局领导可以取文书编号。")
    kind = _kind(kind)
    prefix = _prefix(agency)
    year = year or timezone.localdate().year
    with transaction.atomic():
        sequence = _sequence_locked(agency, kind, year)
        number = document_number_format(prefix=prefix, kind=kind, year=year, serial=sequence.next_number)
        _sequence_advance(actor=actor, sequence=sequence, number=number)
    return number


# --- rendering, stamping and conversion ----------------------------------------------------------------------------


@dataclass(frozen=True)
class TemplateSource:
    code: str
    name: str
    data: bytes
    sha256: str
    placeholders: tuple[str, ...]
    required: tuple[str, ...]


def template_source(agency: Agency, code: str) -> TemplateSource:
    """The agency's published template of ``code`` (registry), else the packaged standard one."""
    from sanxiang.core.models import PublicationStatus
    from sanxiang.registry.models import DocumentTemplate

    published = DocumentTemplate.objects.filter(agency=agency, code=code, status=PublicationStatus.PUBLISHED).first()
    packaged = TEMPLATES.get(code)
    if published is not None and published.file:
        with published.file.open("rb") as fh:
            data = fh.read()
        names = tuple(str(p.get("name", "")) for p in published.placeholders if isinstance(p, dict))
        required = tuple(
            str(p.get("name", "")) for p in published.placeholders if isinstance(p, dict) and p.get("required")
        )
        name = published.name
    elif packaged is not None:
        data = template_path(code).read_bytes()
        names = packaged.placeholders
        required = tuple(p["name"] for p in packaged.placeholder_docs() if p["required"])
        name = packaged.name
    else:
        raise ValidationError({"template_code": [f"没有编码为“{code}”的文书样本，文书未制发。"]})
    return TemplateSource(code, name, data, hashlib.sha256(data).hexdigest(), names, required)


def verification_path(number: str) -> str:
    return reverse("portal:verify-document", args=[number])


def verification_url(number: str) -> str:
    """The address in the QR code (ASCII, percent-encoded)."""
    return settings.PUBLIC_BASE_URL.rstrip("/") + verification_path(number)


def verification_url_display(number: str) -> str:
    """The same address as printed for people (Chinese characters unescaped; browsers accept either)."""
    return uri_to_iri(verification_url(number))


def stamp_docx(data: bytes, *, line: str, qr_url: str) -> bytes:
    """Add to every page's footer a QR code of ``qr_url`` and the small-print ``line`` (python-docx)."""
    document = Document(io.BytesIO(data))
    png = qr_png(qr_url, scale=4, border=2)
    for index, section in enumerate(document.sections):
        footer = section.footer
        if footer.is_linked_to_previous and index > 0:
            continue  # shares the previous section's footer, already stamped
        footer.is_linked_to_previous = False
        paragraph = footer.add_paragraph()
        paragraph.add_run().add_picture(io.BytesIO(png), width=Cm(1.6))
        text = footer.add_paragraph().add_run(line)
        text.font.size = Pt(7)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def docx_to_pdf(data: bytes, *, timeout: float = CONVERT_TIMEOUT) -> bytes:
    """Convert a .docx to PDF with LibreOffice (headless), in a private profile so conversions can run side by side."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise DocumentConversionError(
            "服务器未安装 LibreOffice（Debian 软件包 libreoffice-writer-nogui），无法生成 PDF 文书；请运行 make 安装。"
        )
    with tempfile.TemporaryDirectory(prefix="sanxiang-pdf-") as tmp:
        work = Path(tmp)
        source = work / "document.docx"
        source.write_bytes(data)
        command = [
            soffice,
            f"-env:UserInstallation={(work / 'profile').as_uri()}",
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--convert-to",
            "pdf:writer_pdf_Export",
            "--outdir",
            str(work / "out"),
            str(source),
        ]
        env = {**os.environ, "HOME": str(work)}
        # A new session, so that on timeout the whole group (oosplash and soffice.bin) is killed.
        process = subprocess.Popen(  # noqa: S603 - a fixed argument list, no shell
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, start_new_session=True
        )
        try:
            _, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise DocumentConversionError(f"PDF 转换超过 {timeout:g} 秒未完成，文书未制发。") from None
        result = work / "out" / "document.pdf"
        if process.returncode != 0 or not result.exists():
            detail = stderr.decode(errors="replace").strip()[-300:]
            raise DocumentConversionError(f"LibreOffice 未能生成 PDF（退出码 {process.returncode}）：{detail}")
        return result.read_bytes()


def _render(source: TemplateSource, context: dict[str, Any]) -> bytes:
    try:
        return render(io.BytesIO(source.data), context)
    except (zipfile.BadZipFile, KeyError, ValueError, jinja2.TemplateError) as exc:
        raise ValidationError(
            {"template_code": [f"文书样本“{source.name}”的模板文件无法生成文书（{type(exc).__name__}），文书未制发。"]}
        ) from exc


# --- rights and remedies (告知权利和救济途径) ---------------------------------------------------------------------------

# What a document must tell the party, by template: a decision the party may challenge names the review body and the
# court (行政处罚法第五十九条, 行政强制法第二十四条); the penalty notice states the right to state a case and defend
# (第四十四条); the hearing notice the right to a hearing (第六十四条). Agencies may upload their own templates, so the
# rendered text is checked, not the template's name.
REMEDY_WORDING = ("申请行政复议", "提起行政诉讼")
RIGHTS_WORDING: dict[str, tuple[str, ...]] = {
    "penalty_notice": ("陈述", "申辩"),
    "hearing_rights_notice": ("听证",),
}


def docx_text(data: bytes) -> str:
    """The text of a .docx: its paragraphs, then its tables' cells, then its footers."""
    parsed = Document(io.BytesIO(data))
    parts = [p.text for p in parsed.paragraphs]
    parts += [cell.text for table in parsed.tables for row in table.rows for cell in row.cells]
    parts += [p.text for section in parsed.sections for p in section.footer.paragraphs]
    return "\n".join(parts)


def missing_wording(source: TemplateSource, context: dict[str, Any], data: bytes) -> list[str]:
    """The required statements of the party's rights and remedies that the rendered document lacks."""
    needed = list(RIGHTS_WORDING.get(source.code, ()))
    standard = TEMPLATES.get(source.code)  # what the law asks of a document of this code, whoever drew the template
    if standard is not None and {"review_body", "court"} <= set(standard.placeholders):
        needed += [*REMEDY_WORDING, str(context.get("review_body") or ""), str(context.get("court") or "")]
    text = docx_text(data)
    return [phrase for phrase in needed if phrase and phrase not in text]


# --- decisions: the legal-review gate (重大执法决定法制审核) ------------------------------------------------------------

# Documents that are the decision itself. For a major case none may be issued or served before the legal review
# passed on the current proposal (and the collective discussion concluded where required): checked here, in the
# services every path goes through, not only in the case workflow.
DECISION_TEMPLATES = frozenset({"penalty_decision"})
_CASE_SUBJECT = re.compile(r"^cases\.case:([0-9]{1,12})$")


def _decision_case(agency: Agency, subject: str) -> Any:
    from sanxiang.cases.models import Case

    match = _CASE_SUBJECT.match(subject)
    case = Case.objects.filter(pk=int(match.group(1)), agency=agency).first() if match else None
    if case is None:
        raise ValidationError({"subject": ["决定类文书只能在本机关的案件中制发（所属事项应为 cases.case:编号）。"]})
    return case


def check_decision_allowed(agency: Agency, subject: str, template_code: str) -> None:
    """Refuse a decision document of a case whose decision gates do not hold (see ``DECISION_TEMPLATES``)."""
    if template_code not in DECISION_TEMPLATES:
        return
    from sanxiang.cases.gates import decision_blockers

    reasons = decision_blockers(_decision_case(agency, subject))
    if reasons:
        raise ValidationError({"__all__": [*reasons, "决定书未制发、未送达。"]})


# --- issue (制发) ---------------------------------------------------------------------------------------------------


def _date_text(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def document_issue(
    *, actor: Any, agency: Agency, template_code: str, context: dict[str, Any], kind: str, subject: str
) -> IssuedDocument:
    """Issue a document of ``template_code`` filled with ``context``: numbered, stamped, converted, hashed, ledgered.

    ``agency_name``, ``document_number`` and ``date`` are filled in here. Nothing is written (and no number is used)
    unless the whole issue succeeds.
    """
    require_role(actor, agency, ISSUER_ROLES, "只有本机关的执法人员、科室负责人、法制审核人员或局领导可以制发文书。")
    kind = _kind(kind)
    prefix = _prefix(agency)
    subject = (subject or "").strip()
    if not subject or len(subject) > 100:
        raise ValidationError({"subject": ["请注明文书所属事项（不超过 100 个字符），如 cases.case:12。"]})
    source = template_source(agency, template_code)
    check_decision_allowed(agency, subject, source.code)
    missing = [name for name in source.required if name not in AUTO_FILLED and context.get(name) in (None, "", [])]
    if missing:
        from sanxiang.registry.docx.placeholders import label_of

        raise ValidationError({"context": [f"缺少必填内容：{'、'.join(label_of(n) for n in missing)}。"]})
    now = timezone.now()
    year = timezone.localdate(now).year
    with transaction.atomic():
        sequence = _sequence_locked(agency, kind, year)
        serial = sequence.next_number
        number = document_number_format(prefix=prefix, kind=kind, year=year, serial=serial)
        full = {**context, "agency_name": agency.name, "document_number": number, "date": _date_text(now.date())}
        rendered = _render(source, full)
        lacking = missing_wording(source, full, rendered)
        if lacking:
            raise ValidationError(
                {
                    "template_code": [
                        f"“{source.name}”未载明当事人依法享有的权利或救济途径（缺少：{'、'.join(lacking)}），"
                        "文书未制发；请检查本机关上传的文书样本。"
                    ]
                }
            )
        url, shown = verification_url(number), verification_url_display(number)
        docx = stamp_docx(rendered, line=f"{number} · 扫码或访问核验：{shown}", qr_url=url)
        docx_sha256 = hashlib.sha256(docx).hexdigest()
        pdf = docx_to_pdf(stamp_docx(rendered, line=f"文书哈希 {docx_sha256} · 核验：{shown}", qr_url=url))
        docx_blob = blob_store(actor=actor, fileobj=io.BytesIO(docx), content_type=DOCX_TYPE, note=number)
        pdf_blob = blob_store(actor=actor, fileobj=io.BytesIO(pdf), content_type=PDF_TYPE, note=number)
        _sequence_advance(actor=actor, sequence=sequence, number=number)
        try:
            with transaction.atomic():
                document = IssuedDocument.objects.create(
                    agency=agency,
                    template_code=source.code,
                    template_name=source.name,
                    template_sha256=source.sha256,
                    kind=kind,
                    year=year,
                    serial=serial,
                    number=number,
                    docx=docx_blob,
                    pdf=pdf_blob,
                    issued_by=actor,
                    issued_at=now,
                    subject=subject,
                    context_sha256=hashlib.sha256(canonical_json(full)).hexdigest(),
                )
        except IntegrityError as exc:
            raise ValidationError(
                {"number": [f"文书编号 {number} 已被使用（文书字号前缀是否与其他机关重复？）。"]}
            ) from exc
        record(
            actor=actor,
            action="document.issue",
            subject=document,
            note=number,
            blob={"sha256": docx_blob.sha256, "sm3": docx_blob.sm3, "size": docx_blob.size},
        )
    return document


# --- service (送达) -------------------------------------------------------------------------------------------------


def _method(method: str) -> str:
    for value, label in ServiceMethod.choices:
        if method in (value, label):
            return str(value)
    raise ValidationError({"method": [f"送达方式应为 {'、'.join(ServiceMethod.labels)} 之一。"]})


def document_serve_record(
    *,
    actor: Any,
    document: IssuedDocument,
    method: str,
    served_at: dt.datetime,
    recipient: str,
    receipt_blob: Blob | None = None,
) -> DocumentService:
    """Record that ``document`` was served (送达): method, time, recipient, and the receipt's evidence blob if any."""
    require_role(
        actor, document.agency_id, ISSUER_ROLES, "只有本机关的执法人员、科室负责人、法制审核人员或局领导可以记录送达。"
    )
    check_decision_allowed(document.agency, document.subject, document.template_code)
    method = _method(method)
    recipient = (recipient or "").strip()
    errors: dict[str, list[str]] = {}
    if not recipient or len(recipient) > 100:
        errors["recipient"] = ["请填写受送达人（不超过 100 个字符）。"]
    if timezone.is_naive(served_at):
        errors["served_at"] = ["送达时间须带时区。"]
    elif served_at < document.issued_at:
        errors["served_at"] = ["送达时间不能早于文书制发时间。"]
    elif served_at > timezone.now() + FUTURE_SLACK:
        errors["served_at"] = ["送达时间不能晚于当前时间。"]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        service = DocumentService.objects.create(
            document=document,
            method=method,
            served_at=served_at,
            recipient=recipient,
            receipt=receipt_blob,
            recorded_by=actor,
            recorded_at=timezone.now(),
        )
        record(actor=actor, action="document.serve", subject=service, note=document.number)
    return service


# --- public verification (核验) -------------------------------------------------------------------------------------

_DIGITS = re.compile(r"^[0-9]{1,12}$")


def document_by_key(key: str) -> IssuedDocument:
    """The issued document with number ``key`` (or id, if all digits); ``NotFound`` otherwise."""
    key = key.strip()
    queryset = IssuedDocument.objects.select_related("agency", "docx", "pdf")
    found = queryset.filter(number=key).first()
    if found is None and _DIGITS.match(key):
        found = queryset.filter(pk=int(key)).first()
    if found is None:
        raise NotFound(f"没有编号为“{key}”的已制发文书。")
    return found


@dataclass
class DocumentCheck:
    """What the public verification page shows, and whether every check passed."""

    document: IssuedDocument
    entry: Entry | None = None
    checkpoint_size: int | None = None
    audit_path: list[str] = field(default_factory=list)
    passed: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    pending: bool = False

    @property
    def genuine(self) -> bool:
        return not self.problems and not self.pending and self.entry is not None


def _stored_sha256(blob: Blob) -> str | None:
    try:
        with evidence_storage().open(blob.storage_name, "rb") as fh:
            return hash_stream(fh).sha256
    except OSError:
        return None


def document_verify(key: str) -> DocumentCheck:
    """Check an issued document against the ledger: its entry, the .docx digests, the stored file, the current row,
    and the entry's inclusion in the latest signed checkpoint. Public: reads no party data."""
    document = document_by_key(key)
    check = DocumentCheck(document=document)
    entry = (
        Entry.objects.filter(subject_type="cases.issueddocument", subject_id=str(document.pk), action="document.issue")
        .order_by("seq")
        .first()
    )
    if entry is None:
        check.problems.append("日志中没有该文书的制发记录。")
        return check
    check.entry = entry
    if entry_leaf_hash(entry).hex() != entry.leaf_hash:
        check.problems.append("制发记录的内容与其叶子哈希不符。")
    blob = entry.blob or {}
    if blob.get("sha256") == document.docx.sha256 and blob.get("sm3") == document.docx.sm3:
        check.passed.append("日志记录的文书哈希（SHA-256、SM3）与文书一致。")
    else:
        check.problems.append("日志记录的文书哈希与文书不符。")
    if _stored_sha256(document.docx) == document.docx.sha256:
        check.passed.append("存档的 .docx 文件与其哈希一致。")
    else:
        check.problems.append("存档的 .docx 文件缺失或已被改动。")
    last = latest_entry(document)
    if last is not None and last.digest == _state_digest(document):
        check.passed.append("文书记录自登记以来未被改动。")
    else:
        check.problems.append("文书记录与日志中的最近状态不符。")
    checkpoint = latest_checkpoint()
    if checkpoint is None or entry.seq >= checkpoint.size:
        check.pending = True
        return check
    try:
        _origin, size, root = note_verify(checkpoint.note, published_verifier_keys())
        proof = inclusion_by_leaf_hash(bytes.fromhex(entry.leaf_hash), size=size)
        merkle.verify_inclusion(
            leaf_hash=proof.leaf_hash, index=proof.leaf_index, size=size, proof=proof.audit_path, root=root
        )
    except (NoteError, merkle.ProofError, NotFound, ValidationError, ValueError):
        check.problems.append("制发记录不在最新签名检查点的默克尔树中，或检查点签名无效。")
        return check
    check.checkpoint_size = size
    check.audit_path = [p.hex() for p in proof.audit_path]
    check.passed.append(f"制发记录包含在已签名的检查点（树大小 {size}）中。")
    return check


def _state_digest(document: IssuedDocument) -> str:
    from sanxiang.core.canonical import state_digest

    return state_digest(registration(IssuedDocument).state(document))
