"""A sealed case file (案卷) as the ledger's export bundle, and who may read a case's evidence files.

``case_file_export`` writes one bundle (docs/ledger-verify.md) with every ledger entry of the case and of everything
that belongs to it (``case_subjects``: the case, its rows, its issued documents and their service records), the entries
of every file the sealed manifest names (documents' .docx and PDF, recordings, service receipts — each file's
``blob.store`` entry carries its SHA-256, SM3 and size, and its ``blob.view``/``blob.download`` entries who read it),
those files themselves, and ``data/casefile.json``: the sealed manifest in canonical JSON, anchored to the case file's
``manifest_sha256`` so that ``verify_bundle`` checks it against the proven entry of the seal.

``case_blob_access`` is the cases app's answer to the ledger's blob access hook (``register_blob_access``): a file a
case's recording, document or service receipt names is readable only by people who can read that case.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Q

from sanxiang.cases.models import Case, CaseDocument, CaseFile, DocumentService, IssuedDocument, Recording
from sanxiang.cases.selectors import access_case, case_subjects, cases_visible_to
from sanxiang.core.canonical import canonical_json, sha256_hex
from sanxiang.core.errors import InvalidTransition
from sanxiang.ledger.bundle import Attachment, BundleError, Exported, export_bundle
from sanxiang.ledger.services import record
from sanxiang.org.access import visible_to

CASE_FILE_JSON = "casefile.json"


def _manifest_files(manifest: list[dict[str, Any]]) -> set[str]:
    """The SHA-256 of every file the sealed manifest names."""
    files: set[str] = set()
    for entry in manifest:
        for key in ("docx_sha256", "pdf_sha256", "sha256"):
            if entry.get(key):
                files.add(str(entry[key]))
        for service in entry.get("services") or []:
            if service.get("receipt_sha256"):
                files.add(str(service["receipt_sha256"]))
    return files


def case_file_export(*, actor: Any, case: Case, out: Path | str) -> Exported:
    """Write the bundle of ``case``'s sealed case file to ``out`` (a path; written whole, then moved into place).

    ``actor`` must be able to read the case (``NotFound`` alike otherwise); ``None`` is the console (the system). The
    export is recorded first (``case.file_export`` on the case file, in its own transaction), so the bundle holds its
    own export entry; the zip is written outside any transaction, since a case file can be gigabytes of video.
    """
    if actor is None:
        case = Case.objects.select_related("agency").get(pk=case.pk)
    else:
        case = access_case(user=actor, case_id=case.pk)
    case_file = CaseFile.objects.filter(case=case).first()
    if case_file is None:
        raise InvalidTransition(f"案件{case.number}尚未归档，没有可导出的案卷。")
    data = canonical_json(case_file.manifest)
    if sha256_hex(data) != case_file.manifest_sha256:
        raise BundleError(f"案件{case.number}的卷内目录与归档时的摘要不符：请先运行 sanxiang ledger verify")
    with transaction.atomic():
        record(actor=actor, action="case.file_export", subject=case_file, note=f"{case.number} 导出案卷")
    subjects = [f"{subject_type}:{pk}" for subject_type, ids in case_subjects(case).items() for pk in ids]
    subjects += [f"ledger.blob:{sha256}" for sha256 in sorted(_manifest_files(case_file.manifest))]
    return export_bundle(
        subjects,
        out,
        title=f"{case.number} {case.title}（案卷）",
        attachments=[
            Attachment(CASE_FILE_JSON, data, anchor=(f"cases.casefile:{case_file.pk}", "manifest_sha256")),
        ],
    )


def case_blob_access(user: Any, sha256: str) -> bool | None:
    """Whether ``user`` may read the evidence file ``sha256``, as far as cases know (the ledger's blob access hook).

    A file named by a case's recording, issued document (.docx or PDF) or service receipt: True if ``user`` can read
    any such case (the same content may serve in several), else False. A document issued outside any case follows its
    agency. A file nothing here names (a fresh upload): None, no opinion — staff may read it.
    """
    case_ids = set(Recording.objects.filter(blob_id=sha256).values_list("case_id", flat=True))
    documents = set(IssuedDocument.objects.filter(Q(docx_id=sha256) | Q(pdf_id=sha256)).values_list("pk", flat=True))
    documents |= set(DocumentService.objects.filter(receipt_id=sha256).values_list("document_id", flat=True))
    loose: set[int] = set()
    if documents:
        linked = dict(CaseDocument.objects.filter(document_id__in=documents).values_list("document_id", "case_id"))
        case_ids |= set(linked.values())
        loose = documents - set(linked)
    if not case_ids and not loose:
        return None
    if case_ids and cases_visible_to(user).filter(pk__in=case_ids).exists():
        return True
    return bool(loose) and visible_to(user, IssuedDocument.objects.filter(pk__in=loose)).exists()
