"""The oversight app's records: the published annual enforcement statistics (年度行政执法数据).

An ``AnnualReport`` is one agency's figures of one year as published, frozen (``figures`` is exactly what the portal
shows and what the downloads contain). It is written only by ``oversight.services``, each change with its ledger
entry. A correction publishes a new version and marks the earlier one superseded; nothing is deleted, and every
version stays readable on the portal.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from sanxiang.org.fields import user_fk
from sanxiang.org.models import Agency


class AnnualReportState(models.TextChoices):
    PUBLISHED = "published", "已发布"
    SUPERSEDED = "superseded", "已被更正"


class AnnualReport(models.Model):
    """One version of an agency's annual enforcement statistics for one year.

    ``published_by`` is empty when the system published it on its own (the 1 January task). ``reason`` is the
    published reason of a correction (empty for the first version).
    """

    agency = models.ForeignKey(Agency, verbose_name="执法主体", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveIntegerField("年度")
    version = models.PositiveIntegerField("版本")
    state = models.CharField("状态", max_length=16, choices=AnnualReportState.choices)
    figures = models.JSONField("统计数据")
    figures_sha256 = models.CharField("统计数据摘要", max_length=64, help_text="统计数据规范 JSON 的 SHA-256")
    reason = models.TextField("更正说明", blank=True, default="")
    published_by = user_fk("发布人", optional=True)
    published_at = models.DateTimeField("发布时间")
    superseded_at = models.DateTimeField("被更正时间", null=True, blank=True)

    class Meta:
        verbose_name = "年度行政执法数据"
        verbose_name_plural = "年度行政执法数据"
        ordering = ["-year", "agency", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "year", "version"], name="oversight_annual_version_unique"),
            models.UniqueConstraint(
                fields=["agency", "year"],
                condition=Q(state="published"),
                name="oversight_annual_one_published",
            ),
        ]
        indexes = [models.Index(fields=["year", "state"], name="oversight_annual_year_state")]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.year} v{self.version}"
