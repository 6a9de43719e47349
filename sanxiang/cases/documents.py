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
import re
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from sanxiang.cases.gates import decision_blockers
from sanxiang.cases.models import Case, DocumentService, IssuedDocument, ServiceMethod
from sanxiang.cases.numbering import (
    document_number_format,
    kind_label,
    number_prefix,
    sequence_advance,
    sequence_locked,
)
from sanxiang.cases.rendering import (
    DOCX_TYPE,
    PDF_TYPE,
    docx_to_pdf,
    missing_wording,
    render_template,
    stamp_docx,
    template_source,
    verification_url,
    verification_url_display,
)
from sanxiang.cases.rules import ISSUER_ROLES
from sanxiang.core.canonical import canonical_json
from sanxiang.core.errors import ValidationError
from sanxiang.ledger.evidence import blob_store
from sanxiang.ledger.models import Blob
from sanxiang.ledger.services import record
from sanxiang.org.access import require_role
from sanxiang.org.models import Agency
from sanxiang.registry.docx.placeholders import label_of

AUTO_FILLED = ("agency_name", "document_number", "date")
# A recorded moment may be this far ahead of the server (device clocks run ahead).
FUTURE_SLACK = dt.timedelta(minutes=5)


# --- decisions: the legal-review gate (重大执法决定法制审核) ------------------------------------------------------------

# Documents that are the decision itself. For a major case none may be issued or served before the legal review
# passed on the current proposal (and the collective discussion concluded where required): checked here, in the
# services every path goes through, not only in the case workflow.
DECISION_TEMPLATES = frozenset({"penalty_decision"})
_CASE_SUBJECT = re.compile(r"^cases\.case:([0-9]{1,12})$")


def _decision_case(agency: Agency, subject: str) -> Any:

    match = _CASE_SUBJECT.match(subject)
    case = Case.objects.filter(pk=int(match.group(1)), agency=agency).first() if match else None
    if case is None:
        raise ValidationError({"subject": ["决定类文书只能在本机关的案件中制发（所属事项应为 cases.case:编号）。"]})
    return case


def check_decision_allowed(agency: Agency, subject: str, template_code: str) -> None:
    """Refuse a decision document of a case whose decision gates do not hold (see ``DECISION_TEMPLATES``)."""
    if template_code not in DECISION_TEMPLATES:
        return

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
    kind = kind_label(kind)
    prefix = number_prefix(agency)
    subject = (subject or "").strip()
    if not subject or len(subject) > 100:
        raise ValidationError({"subject": ["请注明文书所属事项（不超过 100 个字符），如 cases.case:12。"]})
    source = template_source(agency, template_code)
    check_decision_allowed(agency, subject, source.code)
    missing = [name for name in source.required if name not in AUTO_FILLED and context.get(name) in (None, "", [])]
    if missing:
        raise ValidationError({"context": [f"缺少必填内容：{'、'.join(label_of(n) for n in missing)}。"]})
    now = timezone.now()
    year = timezone.localdate(now).year
    with transaction.atomic():
        sequence = sequence_locked(agency, kind, year)
        serial = sequence.next_number
        number = document_number_format(prefix=prefix, kind=kind, year=year, serial=serial)
        full = {**context, "agency_name": agency.name, "document_number": number, "date": _date_text(now.date())}
        rendered = render_template(source, full)
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
        sequence_advance(actor=actor, sequence=sequence, number=number)
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
