"""Reads of cases, always through the access helpers: agency-scoped, 404 alike for missing and not yours."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from sanxiang.cases.models import Case, CaseOfficer
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
    from sanxiang.cases.services import MIN_OFFICERS, officer_eligibility

    day = on or timezone.localdate()
    eligible = [
        row
        for row in case_officers_active(case)
        if not officer_eligibility(officer=row.officer, item=case.item, place_region=case.place_region, on=day)
    ]
    return len(eligible) < MIN_OFFICERS
