"""Model fields other apps use to name people."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models


def user_fk(label: str, *, optional: bool = False) -> models.ForeignKey[Any, Any]:
    """Who did something (送审人, 审核人员 …): a protected reference to a user, without a reverse accessor."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=label,
        on_delete=models.PROTECT,
        related_name="+",
        null=optional,
        blank=optional,
    )
