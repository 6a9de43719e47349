"""Who may see and change the push configuration and its delivery log.

An agency's receivers are kept (added, changed, disabled, replayed) by its legal section and its administrator, and
read also by its office (plan 二(一)3(8): the office runs the supervision channel). Receivers without an agency push
every agency's information and are kept by the deployment administrator only.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from sanxiang.core.errors import PermissionDenied
from sanxiang.exchange.models import Message, Receiver
from sanxiang.org.access import agencies_with_role, has_role, is_deployment_admin
from sanxiang.org.models import Agency, Role

KEEPERS = frozenset({Role.LEGAL_REVIEWER, Role.ADMINISTRATOR})
READERS = KEEPERS | {Role.OFFICE}


def may_keep(user: Any, agency: Agency | int | None) -> bool:
    if agency is None:
        return is_deployment_admin(user)
    return has_role(user, agency, KEEPERS)


def may_read(user: Any, agency: Agency | int | None) -> bool:
    if agency is None:
        return is_deployment_admin(user)
    return has_role(user, agency, READERS)


def require_keeper(user: Any, agency: Agency | int | None) -> None:
    if not may_keep(user, agency):
        if agency is None:
            raise PermissionDenied("只有系统管理员可以配置推送全部执法主体信息的接收方。")
        raise PermissionDenied("只有本机构法规科或系统管理员可以配置数据推送。")


def is_reader(user: Any) -> bool:
    """May open the exchange pages at all."""
    return is_deployment_admin(user) or agencies_with_role(user, READERS).exists()


def readable_receivers(user: Any) -> QuerySet[Receiver]:
    qs = Receiver.objects.select_related("agency")
    if is_deployment_admin(user):
        return qs
    return qs.filter(Q(agency__in=agencies_with_role(user, READERS)))


def readable_messages(user: Any) -> QuerySet[Message]:
    return Message.objects.filter(receiver__in=readable_receivers(user)).select_related("receiver", "receiver__agency")
