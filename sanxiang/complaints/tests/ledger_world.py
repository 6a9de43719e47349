"""Complaint rows for the ledger's tamper-test world: a complaint taken through every action, a refused one, a
handling note and an attachment (pointing at a blob the world already holds, so the world's file count stays)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from sanxiang.complaints import services
from sanxiang.complaints.models import ComplaintAttachment
from sanxiang.ledger.models import Blob
from sanxiang.ledger.services import record


def _data(bureau: Any, **extra: Any) -> dict[str, Any]:
    return {
        "kind": "conduct",
        "agency": bureau.agency.pk,
        "text": "执法人员检查时未出示执法证件。",
        "complainant_name": "李秀兰",
        "complainant_contact": "13912345678",
        **extra,
    }


def extend(bureau: Any) -> None:
    first = services.complaint_file(data=_data(bureau), client_address="198.51.100.1").complaint
    blob = Blob.objects.order_by("pk").first()
    if blob is not None:
        with transaction.atomic():
            attachment = ComplaintAttachment.objects.create(
                complaint=first, blob=blob, filename="现场照片.jpg", content_type="image/jpeg", size=blob.size
            )
            record(actor=None, action="complaint.attach", subject=attachment, note=attachment.filename)
    first = services.complaint_accept(actor=bureau.office_clerk, complaint=first)
    first = services.complaint_assign(
        actor=bureau.office_clerk, complaint=first, department=bureau.section, assignee=bureau.head
    )
    services.complaint_note_add(actor=bureau.head, complaint=first, text="已调取执法记录仪视频核查。")
    first = services.complaint_reply(actor=bureau.office_clerk, complaint=first, text="经核查，已对相关人员批评教育。")
    services.complaint_close(actor=bureau.office_clerk, complaint=first)
    second = services.complaint_file(
        data=_data(bureau, kind="violation", reported_party="某加油站", reported_place="兴隆台区"),
        client_address="198.51.100.2",
    ).complaint
    services.complaint_refuse(actor=bureau.office_clerk, complaint=second, reason="不属于本机关职责范围。")
