"""Who may do what. Every lookup and every permission check in every app passes through these helpers.

A user's powers come from active ``RoleAssignment`` rows scoped to an agency; a superuser is the deployment's
administrator. A supervisor reads the agencies its supervising body ``supervises``. Lookups answer "missing" and
"not yours" alike (``NotFound``), so that ids of other agencies' records do not leak.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.db.models import QuerySet

from sanxiang.core.errors import NotFound, PermissionDenied
from sanxiang.org.models import Agency, Role, RoleAssignment, User

M = TypeVar("M", bound=models.Model)


def _is_authenticated(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and getattr(user, "is_active", False))


def is_deployment_admin(user: Any) -> bool:
    return _is_authenticated(user) and bool(user.is_superuser)


def roles_in(user: Any, agency: Agency | int) -> set[str]:
    """The roles ``user`` holds in ``agency`` (any department)."""
    if not _is_authenticated(user):
        return set()
    agency_id = agency.pk if isinstance(agency, Agency) else agency
    cache: dict[int, set[str]] | None = getattr(user, "_sanxiang_roles", None)
    if cache is None:
        cache = {}
        for a_id, role in RoleAssignment.objects.filter(user=user, active=True).values_list("agency_id", "role"):
            cache.setdefault(a_id, set()).add(role)
        user._sanxiang_roles = cache
    return set(cache.get(agency_id, set()))


def has_role(user: Any, agency: Agency | int | None, roles: Iterable[str]) -> bool:
    """Whether ``user`` holds one of ``roles`` in ``agency``; the deployment administrator holds every role."""
    if is_deployment_admin(user):
        return True
    if agency is None:
        return False
    return bool(roles_in(user, agency) & set(roles))


def require_role(user: Any, agency: Agency | int | None, roles: Iterable[str], message: str | None = None) -> None:
    if not has_role(user, agency, roles):
        raise PermissionDenied(message or "您没有执行此操作的权限。")


def agencies_with_role(user: Any, roles: Iterable[str]) -> QuerySet[Agency]:
    if is_deployment_admin(user):
        return Agency.objects.all()
    if not _is_authenticated(user):
        return Agency.objects.none()
    ids = RoleAssignment.objects.filter(user=user, active=True, role__in=list(roles)).values("agency_id")
    return Agency.objects.filter(pk__in=ids)


def readable_agencies(user: Any) -> QuerySet[Agency]:
    """Agencies whose internal records ``user`` may read: their own, and for supervisors the supervised ones."""
    if is_deployment_admin(user):
        return Agency.objects.all()
    if not _is_authenticated(user):
        return Agency.objects.none()
    own = RoleAssignment.objects.filter(user=user, active=True).values("agency_id")
    supervising = RoleAssignment.objects.filter(user=user, active=True, role=Role.SUPERVISOR).values("agency_id")
    supervised = Agency.supervises.through.objects.filter(from_agency_id__in=supervising).values("to_agency_id")
    # The entrusting agency answers for what its entrusted organisations do (and reviews their lists).
    return Agency.objects.filter(
        models.Q(pk__in=own) | models.Q(pk__in=supervised) | models.Q(entrusted_by__in=own)
    ).distinct()


def is_staff_user(user: Any) -> bool:
    """May use the workspace at all: a deployment administrator or anyone with an active role."""
    if is_deployment_admin(user):
        return True
    return _is_authenticated(user) and RoleAssignment.objects.filter(user=user, active=True).exists()


def visible_to(user: Any, queryset: QuerySet[M], *, agency_field: str = "agency") -> QuerySet[M]:
    """Restrict ``queryset`` to rows of agencies ``user`` may read (NetBox's ``restrict``)."""
    if is_deployment_admin(user):
        return queryset
    lookup = f"{agency_field}__in" if agency_field else "pk__in"
    return queryset.filter(**{lookup: readable_agencies(user)})


def access_object(user: Any, queryset: QuerySet[M], pk: Any, *, agency_field: str = "agency") -> M:
    """Fetch one row ``user`` may read, or ``NotFound`` alike for missing and not-yours."""
    try:
        return visible_to(user, queryset, agency_field=agency_field).get(pk=pk)
    except (ObjectDoesNotExist, ValueError, TypeError) as exc:
        raise NotFound() from exc


def user_label(user_id: int | None) -> str:
    """A display name for an actor id from the record."""
    if user_id is None:
        return "系统"
    user = User.objects.filter(pk=user_id).only("full_name", "username").first()
    return user.display_name if user else f"用户{user_id}"
