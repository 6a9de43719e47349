from __future__ import annotations

from django.db import models


class Entry(models.Model):
    """One state change: who did what to which subject, and the digest of the subject's state afterwards.

    Rows are only ever inserted (by ``sanxiang.ledger.services.record``); nothing updates or deletes them.
    """

    seq = models.BigAutoField(primary_key=True)
    time = models.DateTimeField(db_index=True)
    actor_id = models.BigIntegerField(null=True, blank=True, help_text="User id; empty for the system itself")
    action = models.CharField(max_length=100)
    subject_type = models.CharField(max_length=100)
    subject_id = models.CharField(max_length=64)
    digest = models.CharField(max_length=64, help_text="SHA-256 of the subject's canonical state after the change")
    state = models.JSONField(help_text="The subject's canonical state after the change")
    note = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["seq"]
        indexes = [models.Index(fields=["subject_type", "subject_id", "seq"])]
        verbose_name = "记录"
        verbose_name_plural = "记录"

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.subject}"

    @property
    def subject(self) -> str:
        return f"{self.subject_type}:{self.subject_id}"
