"""Abstract building blocks shared by the published lists (no concrete models live in core)."""

from __future__ import annotations

from django.db import models


class PublicationStatus(models.TextChoices):
    """Review-before-publication states of a list entry (plan 二(一)1: 审查机制)."""

    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "待审核"
    RETURNED = "returned", "退回修改"
    PUBLISHED = "published", "已公示"
    WITHDRAWN = "withdrawn", "已撤下"


class Reviewed(models.Model):
    """A list entry that the legal section reviews before the public sees it.

    The row's own fields are what is (or will first be) published. A change to a published entry is staged in
    ``pending`` (field → canonical value) and reviewed like a new entry, so the portal keeps showing the published
    version until the change is approved ("dynamic management" without a gap). Status is changed only by the
    registry's services, which record each change in the ledger.
    """

    status = models.CharField(
        "状态", max_length=16, choices=PublicationStatus.choices, default=PublicationStatus.DRAFT, db_index=True
    )
    pending = models.JSONField("待审核的修改", null=True, blank=True, default=None)
    pending_submitted_at = models.DateTimeField("修改提交时间", null=True, blank=True)
    review_note = models.TextField("审核意见", blank=True, default="")
    submitted_at = models.DateTimeField("提交审核时间", null=True, blank=True)
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    reviewed_by_id = models.BigIntegerField("审核人", null=True, blank=True)
    first_published_at = models.DateTimeField("首次公示时间", null=True, blank=True)
    published_at = models.DateTimeField("最近公示时间", null=True, blank=True)
    version = models.PositiveIntegerField("公示版本", default=0)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        abstract = True

    @property
    def is_published(self) -> bool:
        return self.status == PublicationStatus.PUBLISHED

    @property
    def has_pending_change(self) -> bool:
        return self.pending is not None
