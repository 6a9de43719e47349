"""Noting changes for the dashboard's monthly summary: the ledger's record listener (``on_recorded``) notes, in the
recording transaction, the case or complaint a recorded row belongs to and the month (``DashboardChange``), which
``refresh`` recomputes before a page reads the summary."""

from __future__ import annotations

from typing import Any

from sanxiang.cases.models import Case, CaseDocument, DocumentService, IssuedDocument
from sanxiang.complaints.models import Complaint, ComplaintAttachment, ComplaintNote
from sanxiang.disclosure.models import Publication
from sanxiang.oversight.dashboard.dates import month_of
from sanxiang.oversight.models import DashboardChange

CASE, COMPLAINT = "case", "complaint"  # DashboardChange.kind


def _case_of(subject: Any) -> int | None:
    if isinstance(subject, Case):
        return int(subject.pk)
    case_id = getattr(subject, "case_id", None)
    if isinstance(case_id, int):
        return case_id
    if isinstance(subject, Publication):
        return subject.task.case_id
    if isinstance(subject, IssuedDocument | DocumentService):
        document_id = subject.pk if isinstance(subject, IssuedDocument) else subject.document_id
        return CaseDocument.objects.filter(document_id=document_id).values_list("case_id", flat=True).first()
    return None


def on_recorded(entry: Any, subject: Any) -> None:
    """Note the case or complaint ``subject`` belongs to (``ledger.registry.register_record_listener``)."""

    kind, ref = CASE, _case_of(subject)
    if ref is None:
        if isinstance(subject, Complaint):
            kind, ref = COMPLAINT, int(subject.pk)
        elif isinstance(subject, ComplaintNote | ComplaintAttachment):
            kind, ref = COMPLAINT, int(subject.complaint_id)
        else:
            return
    DashboardChange.objects.bulk_create(
        [DashboardChange(kind=kind, ref=ref, month=month_of(entry.time))], ignore_conflicts=True
    )
