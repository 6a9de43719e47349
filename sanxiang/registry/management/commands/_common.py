"""Shared argument handling of ``sanxiang import`` and ``sanxiang export``."""

from __future__ import annotations

from django.core.management.base import CommandError

from sanxiang.org.models import Agency, User


def agency_named(name: str | None) -> Agency | None:
    if not name:
        return None
    agency = Agency.objects.filter(name=name.strip()).first()
    if agency is None:
        raise CommandError(f"没有名为“{name}”的执法主体。")
    return agency


def user_named(username: str) -> User:
    user = User.objects.filter(username=username).first()
    if user is None or not user.is_active:
        raise CommandError(f"没有用户名为“{username}”的有效用户。")
    return user
