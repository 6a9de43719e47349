"""Read-only admin: domain rows change only through services, so the admin cannot bypass the record."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from sanxiang.core.models import CalendarDay, CalendarYear


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shows rows; refuses to add, change or delete them (writes go through services and the ledger)."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


admin.site.register(CalendarYear, ReadOnlyAdmin)
admin.site.register(CalendarDay, ReadOnlyAdmin)
