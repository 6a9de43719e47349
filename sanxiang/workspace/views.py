"""The staff home (工作台首页): what awaits the signed-in user across the lists of the agency they work on."""

from __future__ import annotations

from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from sanxiang.core.models import PublicationStatus
from sanxiang.org.listing import can_edit, can_review
from sanxiang.registry.display import STATUS_CLASSES
from sanxiang.registry.specs import ALL_LISTS
from sanxiang.registry.views import PAGE_SIZE, agency_entries, awaiting_review
from sanxiang.staff.desk import Desk
from sanxiang.staff.frame import staff_view


@staff_view
def home(request: HttpRequest, desk: Desk) -> HttpResponse:
    user, agency = request.user, desk.agency
    lists, to_review, to_fix = [], [], []
    for key, spec in ALL_LISTS.items():
        qs = agency_entries(user, spec, agency)
        counts = qs.aggregate(
            total=Count("pk"),
            staged=Count("pk", filter=Q(status=PublicationStatus.PUBLISHED, pending__isnull=False)),
            **{status: Count("pk", filter=Q(status=status)) for status in PublicationStatus.values},
        )
        lists.append(
            {
                "key": key,
                "title": spec.title,
                "counts": [
                    (s, label, counts[s], STATUS_CLASSES[PublicationStatus(s)])
                    for s, label in PublicationStatus.choices
                ],
                "staged": counts["staged"],
                "total": counts["total"],
            }
        )
        if agency is not None and can_review(user, spec, agency):
            to_review += [(key, spec, e) for e in awaiting_review(qs).order_by("updated_at")[:PAGE_SIZE]]
        if agency is not None and can_edit(user, spec, agency):
            to_fix += [
                (key, spec, e) for e in qs.filter(status=PublicationStatus.RETURNED).order_by("updated_at")[:PAGE_SIZE]
            ]
    return render(
        request,
        "workspace/home.html",
        {"desk": desk, "lists": lists, "to_review": to_review, "to_fix": to_fix, "nav_active": "home"},
    )
