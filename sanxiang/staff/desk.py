"""Which agency a staff member is working on (工作主体).

A user may hold roles in several agencies (and a supervisor reads the agencies its body supervises). The agency is
chosen with the ``agency`` query parameter on any workspace page and remembered in the session; without a choice it
is the agency of the user's first role.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

from sanxiang.org.access import readable_agencies
from sanxiang.org.models import Agency, RoleAssignment

SESSION_KEY = "workspace_agency_id"


@dataclass(frozen=True)
class Desk:
    """The signed-in user's working context: the chosen agency and the agencies they may switch to."""

    user: Any
    agency: Agency | None
    choices: list[Agency]


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def desk_for(request: HttpRequest) -> Desk:
    user: Any = request.user
    choices = list(readable_agencies(user).order_by("name"))
    by_id = {agency.pk: agency for agency in choices}
    chosen: Agency | None = None
    wanted = _int(request.GET.get("agency"))
    if wanted in by_id:
        chosen = by_id[wanted]
        request.session[SESSION_KEY] = wanted
    if chosen is None:
        chosen = by_id.get(_int(request.session.get(SESSION_KEY)) or 0)
    if chosen is None:
        first_role = (
            RoleAssignment.objects.filter(user=user, active=True, agency_id__in=list(by_id))
            .order_by("id")
            .values_list("agency_id", flat=True)
            .first()
        )
        chosen = by_id.get(first_role or 0) or (choices[0] if choices else None)
    return Desk(user=user, agency=chosen, choices=choices)
