"""Who is who, for API clients: the signed-in user and the roles that decide what the other endpoints allow."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.security import django_auth

from sanxiang.org.access import is_deployment_admin, readable_agencies
from sanxiang.org.models import Role, RoleAssignment

router = Router(tags=["工作人员"], auth=django_auth)


class AgencyRefOut(Schema):
    id: int
    name: str


class RoleOut(Schema):
    role: str
    role_display: str
    agency: AgencyRefOut
    department: str | None


class MeOut(Schema):
    id: int
    username: str
    display_name: str
    is_deployment_admin: bool
    roles: list[RoleOut]
    readable_agencies: list[AgencyRefOut]


@router.get("/me/", response=MeOut, operation_id="staff_me", summary="当前用户及其角色")
def me(request: HttpRequest) -> MeOut:
    user: Any = request.user  # signed in: ``django_auth`` refused anyone else
    assignments = (
        RoleAssignment.objects.filter(user=user, active=True)
        .select_related("agency", "department")
        .order_by("agency__name", "role")
    )
    return MeOut(
        id=user.pk,
        username=user.get_username(),
        display_name=getattr(user, "display_name", user.get_username()),
        is_deployment_admin=is_deployment_admin(user),
        roles=[
            RoleOut(
                role=a.role,
                role_display=Role(a.role).label,
                agency=AgencyRefOut(id=a.agency_id, name=a.agency.name),
                department=a.department.name if a.department else None,
            )
            for a in assignments
        ],
        readable_agencies=[AgencyRefOut(id=a.pk, name=a.name) for a in readable_agencies(user).order_by("name")],
    )
