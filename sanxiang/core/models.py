"""Abstract building blocks shared by the published lists, and the working-day calendar's two tables."""

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


# --- the working-day calendar (sanxiang.core.calendar reads it; sanxiang.org.calendar_services writes it) -------------


class CalendarDayKind(models.TextChoices):
    """How a listed day departs from the weekend rule (Monday–Friday work, Saturday–Sunday rest)."""

    HOLIDAY = "holiday", "休息日（法定节假日）"
    WORKDAY = "workday", "调休上班日"


class CalendarYear(models.Model):
    """One year of the State Council's holiday notice (国务院办公厅关于部分节假日安排的通知) as entered here.

    ``confirmed`` means the notice for the year has been entered; deadlines that count days in a year without a
    confirmed row (and unknown to the built-in data, see ``sanxiang.core.calendar``) are provisional. Changed only by
    ``sanxiang.org.calendar_services``, which records each change in the ledger.
    """

    year = models.PositiveSmallIntegerField("年份", unique=True)
    confirmed = models.BooleanField("已按国务院通知确认", default=False)
    source = models.CharField("依据", max_length=200, blank=True, default="")
    updated = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "节假日安排年度"
        verbose_name_plural = "节假日安排年度"
        ordering = ["year"]

    def __str__(self) -> str:
        return f"{self.year}年（{'已确认' if self.confirmed else '未确认'}）"


class CalendarDay(models.Model):
    """A day that departs from the weekend rule: a weekday off (holiday) or a weekend day on (调休上班日).

    Weekend days inside a holiday period are not listed: the weekend rule already makes them rest days. A day taken
    out of a year's schedule is not deleted but marked ``active=False`` (nothing is deleted; the ledger keeps why).
    """

    year = models.ForeignKey(CalendarYear, on_delete=models.PROTECT, related_name="days", verbose_name="年度")
    date = models.DateField("日期", unique=True)
    kind = models.CharField("类别", max_length=16, choices=CalendarDayKind.choices)
    name = models.CharField("名称", max_length=60, blank=True, default="")
    active = models.BooleanField("有效", default=True)

    class Meta:
        verbose_name = "节假日或调休日"
        verbose_name_plural = "节假日与调休日"
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {self.get_kind_display()} {self.name}".rstrip()
