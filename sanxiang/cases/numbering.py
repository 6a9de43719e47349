"""Document numbers (文书编号): ``<agency prefix>〔year〕<kind>字第<serial>号``, one gapless sequence per agency,
kind and year, taken under a row lock inside the issuing transaction (docs/documents.md)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from sanxiang.cases.models import DocumentKind, DocumentNumberSequence
from sanxiang.cases.rules import ISSUER_ROLES
from sanxiang.core.errors import ValidationError
from sanxiang.ledger.services import record
from sanxiang.org.access import require_role
from sanxiang.org.models import Agency

# --- numbering (文书编号) ------------------------------------------------------------------------------------------


def kind_label(kind: str) -> str:
    if kind in DocumentKind.values:
        return kind
    raise ValidationError({"kind": [f"文书类别应为 {'、'.join(DocumentKind.values)} 之一。"]})


def number_prefix(agency: Agency) -> str:
    if not agency.document_prefix:
        raise ValidationError({"agency": [f"“{agency.name}”尚未设置文书字号前缀，无法编号。"]})
    return agency.document_prefix


def document_number_format(*, prefix: str, kind: str, year: int, serial: int) -> str:
    """``兴应急罚〔2026〕12号``: prefix, kind, year in 六角括号, serial number without leading zeros, 号."""
    return f"{prefix}{kind}〔{year}〕{serial}号"


def sequence_locked(agency: Agency, kind: str, year: int) -> DocumentNumberSequence:
    """The sequence row, created if new, locked until the caller's transaction ends."""
    sequence, _ = DocumentNumberSequence.objects.get_or_create(agency=agency, year=year, kind=kind)
    return DocumentNumberSequence.objects.select_for_update().get(pk=sequence.pk)


def sequence_advance(*, actor: Any, sequence: DocumentNumberSequence, number: str) -> None:
    sequence.next_number += 1
    sequence.save(update_fields=["next_number"])
    record(actor=actor, action="document_number.take", subject=sequence, note=number)


def document_number_next(*, actor: Any, agency: Agency, kind: str, year: int | None = None) -> str:
    """Take the next number of ``agency``'s documents of ``kind`` in ``year`` (default: this year) — consumed at once.

    For a document made outside the system; ``document_issue`` takes its number itself, in its own transaction.
    """
    require_role(actor, agency, ISSUER_ROLES, "只有本机关的执法人员、科室负责人、法制审核人员或局领导可以取文书编号。")
    kind = kind_label(kind)
    prefix = number_prefix(agency)
    year = year or timezone.localdate().year
    with transaction.atomic():
        sequence = sequence_locked(agency, kind, year)
        number = document_number_format(prefix=prefix, kind=kind, year=year, serial=sequence.next_number)
        sequence_advance(actor=actor, sequence=sequence, number=number)
    return number
