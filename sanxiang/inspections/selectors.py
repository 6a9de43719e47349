"""Public reads of 双随机、一公开: published plans, their draws, the drawn targets with results and publications.

Public code reads only through these functions. None of them touches ``DrawSecret``: a draw's ``bureau_seed`` column
is empty until the draw, and that column is the only seed the public ever sees.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from sanxiang.inspections.models import Draw, DrawnTarget, PlanState, SamplingPlan


def public_plans(*, agency: int | None = None, year: int | None = None) -> QuerySet[SamplingPlan]:
    """Plans that have been published (every state but draft), newest first."""
    qs = SamplingPlan.objects.exclude(state=PlanState.DRAFT).select_related("agency", "case_item")
    if agency:
        qs = qs.filter(agency_id=agency)
    if year:
        qs = qs.filter(year=year)
    return qs.order_by("-published_at", "-pk")


def public_plan(pk: int) -> SamplingPlan | None:
    return public_plans().prefetch_related("items").filter(pk=pk).first()


def public_draws(*, agency: int | None = None, year: int | None = None) -> QuerySet[Draw]:
    """Every draw of a published plan (a draw exists only for a published plan), newest first."""
    qs = Draw.objects.exclude(plan__state=PlanState.DRAFT).select_related("plan", "agency").defer("secret")
    if agency:
        qs = qs.filter(agency_id=agency)
    if year:
        qs = qs.filter(plan__year=year)
    return qs.order_by("-committed_at", "-pk")


def public_draw(pk: int) -> Draw | None:
    return public_draws().filter(pk=pk).first()


@dataclass(frozen=True)
class PublicDrawnTarget:
    position: int
    uscc: str
    name: str
    inspectors: list[str]
    inspector_names: list[str]
    result: str
    result_label: str
    result_on: Any
    publication_id: int | None


def drawn_targets(draw: Draw) -> list[PublicDrawnTarget]:
    """The selection with inspectors' names, results and, once published, the result's publication."""
    from sanxiang.disclosure.models import Publication, PublicationState
    from sanxiang.registry.models import Officer

    rows = list(DrawnTarget.objects.filter(draw=draw).select_related("target").order_by("position"))
    numbers = {n for row in rows for n in row.inspectors}
    names = dict(Officer.objects.filter(certificate_number__in=numbers).values_list("certificate_number", "name"))
    case_ids = [row.case_id for row in rows if row.case_id]
    published = dict(
        Publication.objects.filter(task__case_id__in=case_ids, state=PublicationState.PUBLISHED).values_list(
            "task__case_id", "pk"
        )
    )
    return [
        PublicDrawnTarget(
            position=row.position,
            uscc=row.target.uscc,
            name=row.target.name,
            inspectors=list(row.inspectors),
            inspector_names=[names.get(n, n) for n in row.inspectors],
            result=row.result,
            result_label=row.get_result_display() if row.result else "",
            result_on=row.result_on,
            publication_id=published.get(row.case_id) if row.case_id else None,
        )
        for row in rows
    ]


def drawn_target_for_publication(*, task_id: int) -> DrawnTarget | None:
    """The drawn target (with its draw and plan) whose inspection case a publication's task publishes, or None for
    a case that no draw opened. One query: the portal's publication page links back to the draw with it."""
    return (
        DrawnTarget.objects.filter(case__publication_tasks__pk=task_id)
        .exclude(draw__plan__state=PlanState.DRAFT)
        .select_related("draw", "draw__plan")
        .defer("draw__secret")
        .first()
    )
