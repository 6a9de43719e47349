"""The case file (案卷): a closed case's documents and recordings in the standard order, sealed when the case closes.

The order is DOMAIN.md's ("Work-safety documents, in case-file order"), which is the order of
``registry.docx.placeholders.TEMPLATES``; documents of one kind follow each other by issue time, each with its
service records; the audio-video recordings follow, in the order they were made. The manifest names every file by its
SHA-256 (and SM3), so the sealed case file, the ledger's export bundle of the case and the stored files can be matched
one to one. Sealing writes the ``CaseFile`` row once; the case is then closed to every service (``workflow``).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from sanxiang.cases.models import Case, CaseDocument, CaseFile, Recording
from sanxiang.cases.processes import PROCESSES
from sanxiang.core.canonical import canonical_json, sha256_hex, to_json_value
from sanxiang.core.errors import InvalidTransition
from sanxiang.ledger.services import record
from sanxiang.org.access import require_role
from sanxiang.org.models import Role
from sanxiang.registry.docx.placeholders import TEMPLATES

CASE_FILE_ORDER: tuple[str, ...] = tuple(TEMPLATES)
SEALERS = (Role.OFFICER, Role.DEPARTMENT_HEAD, Role.OFFICE, Role.LEADER)


def _order(code: str) -> int:
    try:
        return CASE_FILE_ORDER.index(code)
    except ValueError:
        return len(CASE_FILE_ORDER)


def case_file_manifest(case: Case) -> list[dict[str, Any]]:
    """The case file's table of contents (卷内目录), in the standard order."""
    links = list(
        CaseDocument.objects.filter(case=case)
        .select_related("document__docx", "document__pdf")
        .prefetch_related("document__services__receipt")
    )
    links.sort(key=lambda link: (_order(link.document.template_code), link.document.issued_at, link.document.pk))
    process = PROCESSES[case.process_key]
    entries: list[dict[str, Any]] = []
    for link in links:
        document = link.document
        entries.append(
            {
                "kind": "document",
                "name": document.template_name,
                "template_code": document.template_code,
                "number": document.number,
                "step": process.step(link.step_key).name,
                "issued_at": document.issued_at,
                "docx_sha256": document.docx.sha256,
                "pdf_sha256": document.pdf.sha256,
                "services": [
                    {
                        "method": service.get_method_display(),
                        "served_at": service.served_at,
                        "recipient": service.recipient,
                        "receipt_sha256": service.receipt.sha256 if service.receipt else None,
                    }
                    for service in document.services.all()
                ],
            }
        )
    recordings = Recording.objects.filter(case=case).select_related("blob", "officer", "device", "room")
    for recording in recordings.order_by("started_at", "pk"):
        entries.append(
            {
                "kind": "recording",
                "name": "音像记录",
                "step": process.step(recording.step_key).name,
                "sha256": recording.blob.sha256,
                "sm3": recording.blob.sm3,
                "size": recording.blob.size,
                "officer": recording.officer.name,
                "device": recording.device.asset_number if recording.device else None,
                "room": recording.room.name if recording.room else None,
                "place": recording.place,
                "started_at": recording.started_at,
                "ended_at": recording.ended_at,
                "full_process": recording.full_process,
            }
        )
    for index, entry in enumerate(entries, start=1):
        entry["index"] = index
    return entries


@transaction.atomic
def case_file_seal(*, actor: Any, case: Case) -> CaseFile:
    """立卷归档: write the closed case's manifest and its hash, once."""
    case = Case.objects.select_for_update().select_related("agency").get(pk=case.pk)
    require_role(actor, case.agency, SEALERS, "只有本机关的办案人员、负责人或办公室可以归档。")
    if case.closed_at is None:
        raise InvalidTransition(f"案件{case.number}尚未办结，不能归档。")
    if CaseFile.objects.filter(case=case).exists():
        raise InvalidTransition(f"案件{case.number}的案卷已经归档。")
    manifest = to_json_value(case_file_manifest(case))
    case_file = CaseFile.objects.create(
        case=case,
        manifest=manifest,
        manifest_sha256=sha256_hex(canonical_json(manifest)),
        sealed_by=actor,
        sealed_at=timezone.now(),
    )
    record(actor=actor, action="case.file_seal", subject=case_file, note=f"{case.number} 归档")
    return case_file
