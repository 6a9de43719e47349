"""Reads of cases, always through the access helpers: agency-scoped, 404 alike for missing and not yours."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from sanxiang.cases.models import Case, CaseDocument, CaseOfficer, DocumentService
from sanxiang.cases.rules import MIN_OFFICERS, officer_eligibility
from sanxiang.ledger.models import Entry
from sanxiang.org.access import access_object, visible_to


def cases_visible_to(user: Any) -> QuerySet[Case]:
    """Cases of the agencies ``user`` may read (its own; supervised ones for a supervisor)."""
    return visible_to(user, Case.objects.select_related("agency", "item"))


def access_case(*, user: Any, case_id: Any) -> Case:
    """One case ``user`` may read, or ``NotFound`` alike for a missing case and another agency's."""
    return access_object(user, Case.objects.select_related("agency", "item"), case_id)


def case_officers_active(case: Case) -> QuerySet[CaseOfficer]:
    return CaseOfficer.objects.filter(case=case, active=True).select_related("officer").order_by("pk")


def case_officers_short(case: Case, *, on: dt.date | None = None) -> bool:
    """Whether ``case`` has fewer than two active officers who may act on its item and place on ``on``."""

    day = on or timezone.localdate()
    eligible = [
        row
        for row in case_officers_active(case)
        if not officer_eligibility(officer=row.officer, item=case.item, place_region=case.place_region, on=day)
    ]
    return len(eligible) < MIN_OFFICERS


# Rows that belong to a case, each with its ledger entries: the case's full timeline.
_CASE_ROWS: tuple[tuple[str, str], ...] = (
    ("cases", "Party"),
    ("cases", "CasePerson"),
    ("cases", "CaseOfficer"),
    ("cases", "CaseApproval"),
    ("cases", "CaseFact"),
    ("cases", "CertificateShown"),
    ("cases", "Recording"),
    ("cases", "CaseDocument"),
    ("cases", "DeadlineExtension"),
    ("cases", "CaseFile"),
)


def case_subjects(case: Case) -> dict[str, list[str]]:
    """Every ledger subject of ``case``: the case, its rows, its issued documents and their service records."""
    from django.apps import apps

    subjects: dict[str, list[str]] = {"cases.case": [str(case.pk)]}
    for app_label, name in _CASE_ROWS:
        model = apps.get_model(app_label, name)
        ids = [str(pk) for pk in model.objects.filter(case=case).values_list("pk", flat=True)]
        if ids:
            subjects[model._meta.label_lower] = ids
    documents = list(CaseDocument.objects.filter(case=case).values_list("document_id", flat=True))
    if documents:
        subjects["cases.issueddocument"] = [str(pk) for pk in documents]
        services = DocumentService.objects.filter(document_id__in=documents).values_list("pk", flat=True)
        if services:
            subjects["cases.documentservice"] = [str(pk) for pk in services]
    return subjects


def case_timeline(case: Case) -> QuerySet[Entry]:
    """Every ledger entry of ``case`` and of what belongs to it, oldest first (the case page's timeline)."""
    condition = Q()
    for subject_type, ids in case_subjects(case).items():
        condition |= Q(subject_type=subject_type, subject_id__in=ids)
    return Entry.objects.filter(condition).order_by("seq")
