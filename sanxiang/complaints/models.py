"""监督举报 (plan 二(一)3(8)): complaints about officers' conduct and reports of violations, filed by the public.

A ``Complaint`` is filed without login; the complainant keeps a tracking code (only its SHA-256 is stored) to follow
it. The office (办公室) handles the channel: accepts or refuses it, assigns it, records handling notes, replies and
closes it; the legal section and the leaders read. The complainant's identity (``complainant_name``,
``complainant_contact``) is never rendered on a public page, nor are handling notes.

``SubmissionStamp`` is the rate limiter's count (not a record of the case): a keyed hash of the client address and a
time, kept one hour.
"""

from __future__ import annotations

from django.db import models

from sanxiang.ledger.models import Blob
from sanxiang.org.models import Agency, Department, User
from sanxiang.registry.models import Officer


class ComplaintKind(models.TextChoices):
    CONDUCT = "conduct", "投诉执法人员执法行为"
    VIOLATION = "violation", "举报违法行为"


class ComplaintState(models.TextChoices):
    RECEIVED = "received", "待受理"
    ACCEPTED = "accepted", "已受理"
    REFUSED = "refused", "不予受理"
    REPLIED = "replied", "已答复"
    CLOSED = "closed", "已办结"


class Complaint(models.Model):
    agency = models.ForeignKey(
        Agency, verbose_name="被投诉/受理机关", on_delete=models.PROTECT, related_name="complaints"
    )
    kind = models.CharField("类别", max_length=16, choices=ComplaintKind.choices)
    officer = models.ForeignKey(
        Officer,
        verbose_name="被投诉的执法人员",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints",
    )
    reported_party = models.CharField("被举报的单位或个人", max_length=200, blank=True, default="")
    reported_place = models.CharField("地点", max_length=200, blank=True, default="")
    text = models.TextField("投诉举报内容")
    complainant_name = models.CharField("投诉举报人姓名", max_length=50, blank=True, default="")
    complainant_contact = models.CharField("联系方式", max_length=100, blank=True, default="")
    code_hash = models.CharField("查询码摘要", max_length=64, unique=True)
    state = models.CharField(
        "状态", max_length=16, choices=ComplaintState.choices, default=ComplaintState.RECEIVED, db_index=True
    )
    received_at = models.DateTimeField("收到时间")
    due_on = models.DateField("答复期限")
    due_provisional = models.BooleanField("期限含未确认的节假日安排", default=False)
    accepted_at = models.DateTimeField("受理时间", null=True, blank=True)
    accepted_by = models.ForeignKey(
        User, verbose_name="受理人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    refused_at = models.DateTimeField("不予受理时间", null=True, blank=True)
    refusal_reason = models.TextField("不予受理理由", blank=True, default="")
    department = models.ForeignKey(
        Department, verbose_name="承办科室", null=True, blank=True, on_delete=models.PROTECT, related_name="complaints"
    )
    assignee = models.ForeignKey(
        User, verbose_name="承办人", null=True, blank=True, on_delete=models.PROTECT, related_name="complaints_assigned"
    )
    assigned_at = models.DateTimeField("交办时间", null=True, blank=True)
    reply = models.TextField("答复内容", blank=True, default="")
    replied_at = models.DateTimeField("答复时间", null=True, blank=True)
    replied_by = models.ForeignKey(
        User, verbose_name="答复人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    closing_note = models.TextField("办结说明", blank=True, default="")

    class Meta:
        verbose_name = "投诉举报"
        verbose_name_plural = "投诉举报"
        ordering = ["-received_at", "-pk"]

    def __str__(self) -> str:
        return f"投诉举报 {self.reference}"

    @property
    def reference(self) -> str:
        """The staff-side reference (never the tracking code): TS + filing date + id."""
        return f"TS{self.received_at:%Y%m%d}-{self.pk:05d}" if self.pk else "TS（未保存）"

    @property
    def is_open(self) -> bool:
        return self.state in (ComplaintState.RECEIVED, ComplaintState.ACCEPTED)


class ComplaintAttachment(models.Model):
    """A file the complainant attached, stored as an evidence blob (readable by the agency's staff only)."""

    complaint = models.ForeignKey(
        Complaint, verbose_name="投诉举报", on_delete=models.PROTECT, related_name="attachments"
    )
    blob = models.ForeignKey(Blob, verbose_name="文件", on_delete=models.PROTECT, related_name="complaint_attachments")
    filename = models.CharField("文件名", max_length=200)
    content_type = models.CharField("文件类型", max_length=100, blank=True, default="")
    size = models.BigIntegerField("大小（字节）")
    position = models.PositiveSmallIntegerField("序号", default=1)

    class Meta:
        verbose_name = "投诉举报附件"
        verbose_name_plural = "投诉举报附件"
        ordering = ["complaint", "position"]

    def __str__(self) -> str:
        return self.filename


class ComplaintNote(models.Model):
    """An internal handling note (办理记录): staff only, never shown to the complainant."""

    complaint = models.ForeignKey(Complaint, verbose_name="投诉举报", on_delete=models.PROTECT, related_name="notes")
    author = models.ForeignKey(User, verbose_name="记录人", on_delete=models.PROTECT, related_name="+")
    text = models.TextField("办理情况")
    created_at = models.DateTimeField("记录时间")

    class Meta:
        verbose_name = "投诉举报办理记录"
        verbose_name_plural = "投诉举报办理记录"
        ordering = ["complaint", "created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.complaint} 办理记录"


class SubmissionStamp(models.Model):
    """One accepted filing from a client, for the hourly rate limit: a keyed hash of the address, never the address."""

    client_hash = models.CharField(max_length=64, db_index=True)
    at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = "提交频率计数"
        verbose_name_plural = "提交频率计数"

    def __str__(self) -> str:
        return f"{self.client_hash[:8]}… {self.at:%Y-%m-%d %H:%M}"
