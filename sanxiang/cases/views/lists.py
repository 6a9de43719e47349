"""The case lists of the staff site: my tasks and deadlines (办案待办与期限) and the agency's cases."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.paginator import Paginator
from django.db.models import Prefetch, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from sanxiang.cases.deadlines import deadlines_attention
from sanxiang.cases.display import step_name, step_roles
from sanxiang.cases.models import (
    Case,
    CaseOfficer,
)
from sanxiang.cases.processes import KIND_LABELS, PROCESSES, Kind, Process
from sanxiang.cases.rules import OPENERS
from sanxiang.cases.selectors import cases_visible_to
from sanxiang.org.access import has_role, is_deployment_admin
from sanxiang.org.models import Role, RoleAssignment
from sanxiang.staff.desk import Desk
from sanxiang.staff.frame import staff_view

PAGE_SIZE = 50

STATE_FILTERS = {"open": "办理中", "closed": "已办结"}
SCOPES = {"mine": "我承办的", "all": "全部"}


def _process(case: Case) -> Process:
    return PROCESSES[case.process_key]


# --- who may act: in bulk, for lists ------------------------------------------------------------------------------


def _roles_by_agency(user: Any) -> dict[int, set[str]]:
    roles: dict[int, set[str]] = {}
    for agency_id, role in RoleAssignment.objects.filter(user=user, active=True).values_list("agency_id", "role"):
        roles.setdefault(agency_id, set()).add(role)
    return roles


def _may_act(user: Any, case: Case, roles: dict[int, set[str]], mine: set[int]) -> bool:
    """``gates.actor_reason`` for many cases at once (two queries in all instead of two per case)."""
    step = _process(case).step(case.state)
    if is_deployment_admin(user):
        return True
    held = roles.get(case.agency_id, set()) & set(step.roles)
    if not held:
        return False
    return bool(held - {Role.OFFICER.value}) or case.pk in mine


def _my_case_ids(user: Any) -> set[int]:
    return set(CaseOfficer.objects.filter(active=True, officer__user_id=user.pk).values_list("case_id", flat=True))


def _with_parties(qs: QuerySet[Case]) -> QuerySet[Case]:
    from sanxiang.cases.models import Party

    return qs.prefetch_related(Prefetch("parties", queryset=Party.objects.order_by("pk")))


@dataclass(frozen=True)
class CaseRow:
    case: Case
    step_name: str
    kind: str
    parties: str
    roles: str  # who acts at the current step


def _rows(cases: Any) -> list[CaseRow]:
    rows = []
    for case in cases:
        process = PROCESSES.get(case.process_key)
        rows.append(
            CaseRow(
                case=case,
                step_name=step_name(case),
                kind=process.name if process else case.process_key,
                parties="、".join(p.name for p in case.parties.all()),
                roles=step_roles(case),
            )
        )
    return rows


@staff_view
def case_tasks(request: HttpRequest, desk: Desk) -> HttpResponse:
    """我的待办与期限: open cases whose current step is mine to do, and the limits that are overdue or due soon."""
    user: Any = request.user
    mine = _my_case_ids(user)
    roles = _roles_by_agency(user)
    open_cases = _with_parties(cases_visible_to(user).filter(closed_at__isnull=True)).order_by("step_entered_at", "pk")
    if not is_deployment_admin(user):
        # An officer's cases are those they are on; a head, reviewer or leader may act on any case of the agency.
        beyond_officer = [a for a, r in roles.items() if r - {Role.OFFICER.value}]
        open_cases = open_cases.filter(Q(pk__in=mine) | Q(agency_id__in=beyond_officer))
    rows = _rows(open_cases[:500])
    todo = [row for row in rows if _may_act(user, row.case, roles, mine)]
    # my cases whose current step is someone else's (the head's decision, the legal review…): to follow, not to do
    waiting = [row for row in rows if row.case.pk in mine and row not in todo]
    attention = deadlines_attention(user)
    return render(
        request,
        "cases/tasks.html",
        {
            "desk": desk,
            "todo": todo,
            "waiting": waiting,
            "attention": attention,
            "mine": mine,
            "nav_active": "case_tasks",
        },
    )


@staff_view
def case_list(request: HttpRequest, desk: Desk) -> HttpResponse:
    user: Any = request.user
    qs = cases_visible_to(user)
    if desk.agency is not None:
        qs = qs.filter(agency=desk.agency)
    scope = request.GET.get("scope", "")
    if scope == "mine":
        qs = qs.filter(pk__in=CaseOfficer.objects.filter(active=True, officer__user_id=user.pk).values("case_id"))
    else:
        scope = ""
    state = request.GET.get("state", "")
    if state == "open":
        qs = qs.filter(closed_at__isnull=True)
    elif state == "closed":
        qs = qs.filter(closed_at__isnull=False)
    else:
        state = ""
    kind = request.GET.get("kind", "")
    if kind in {k.value for k in Kind}:
        qs = qs.filter(process_key__in=[p.key for p in PROCESSES.values() if p.kind == kind])
    else:
        kind = ""
    q = request.GET.get("q", "").strip()[:100]
    if q:
        qs = qs.filter(Q(number__icontains=q) | Q(title__icontains=q) | Q(parties__name__icontains=q)).distinct()
    page = Paginator(_with_parties(qs).order_by("-opened_at", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    may_open = desk.agency is not None and has_role(user, desk.agency, OPENERS)
    return render(
        request,
        "cases/list.html",
        {
            "desk": desk,
            "page": page,
            "rows": _rows(page.object_list),
            "scope": scope,
            "scopes": SCOPES,
            "state": state,
            "states": STATE_FILTERS,
            "kind": kind,
            "kinds": {k.value: label for k, label in KIND_LABELS.items()},
            "q": q,
            "may_open": may_open,
            "nav_active": "cases",
        },
    )
