from django.contrib import admin

from sanxiang.core.admin import ReadOnlyAdmin
from sanxiang.ledger.models import Entry


@admin.register(Entry)
class EntryAdmin(ReadOnlyAdmin):
    list_display = ("seq", "time", "actor_id", "action", "subject_type", "subject_id", "digest")
    list_filter = ("action", "subject_type")
