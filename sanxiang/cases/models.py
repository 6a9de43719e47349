"""Case-handling records. So far: issued enforcement documents (执法文书), their numbers and their service (送达).

The case model comes later; an issued document names what it belongs to as text (``subject``, e.g.
``cases.case:12``) until then. Rows are written only by the services in ``cases.documents``, each with its ledger
entry in the same transaction.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from sanxiang.ledger.models import Blob
from sanxiang.org.models import Agency


class DocumentKind(models.TextChoices):
    """The kind code in a document number (``兴应急罚〔2026〕12号``): one sequence per agency, year and kind."""

    PENALTY = "罚", "行政处罚"
    COERCION = "强", "行政强制"
    INSPECTION = "检", "行政检查"
    LICENCE = "许", "行政许可"
    NOTICE = "告", "告知"


class DocumentNumberSequence(models.Model):
    """The next serial number of an agency's documents of one kind in one year (文书编号规则).

    Taken under a row lock (``select_for_update``) in the transaction that issues the document, so that numbers
    have no duplicates and no gaps: a failed issue rolls its number back.
    """

    agency = models.ForeignKey(Agency, verbose_name="执法主体", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveIntegerField("年度")
    kind = models.CharField("文书类别", max_length=4, choices=DocumentKind.choices)
    next_number = models.PositiveIntegerField("下一个编号", default=1)

    class Meta:
        verbose_name = "文书编号序列"
        verbose_name_plural = "文书编号序列"
        constraints = [
            models.UniqueConstraint(fields=["agency", "year", "kind"], name="cases_number_sequence_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.kind} {self.year}: {self.next_number}"


class IssuedDocument(models.Model):
    """An issued enforcement document (执法文书): its number, and the .docx and PDF exactly as issued (evidence blobs).

    The .docx carries the verification URL and QR code; the PDF additionally prints the .docx's SHA-256, so a paper
    copy, the electronic .docx and the ledger can be matched (plan 二(二)2).
    """

    agency = models.ForeignKey(Agency, verbose_name="执法主体", on_delete=models.PROTECT, related_name="+")
    template_code = models.CharField("文书编码", max_length=40)
    template_name = models.CharField("文书名称", max_length=100)
    template_sha256 = models.CharField("模板文件SHA-256", max_length=64)
    kind = models.CharField("文书类别", max_length=4, choices=DocumentKind.choices)
    year = models.PositiveIntegerField("年度")
    serial = models.PositiveIntegerField("序号")
    number = models.CharField("文书编号", max_length=60, unique=True)
    docx = models.ForeignKey(Blob, verbose_name="文书（.docx）", on_delete=models.PROTECT, related_name="+")
    pdf = models.ForeignKey(Blob, verbose_name="文书（PDF）", on_delete=models.PROTECT, related_name="+")
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="制发人", on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField("制发时间")
    subject = models.CharField("所属事项", max_length=100, help_text="如 cases.case:12")
    context_sha256 = models.CharField("填充数据摘要", max_length=64, help_text="填充数据规范 JSON 的 SHA-256")

    class Meta:
        verbose_name = "执法文书"
        verbose_name_plural = "执法文书"
        ordering = ["-issued_at", "-id"]

    def __str__(self) -> str:
        return self.number


class ServiceMethod(models.TextChoices):
    DIRECT = "direct", "直接送达"
    LEFT = "left", "留置送达"
    POST = "post", "邮寄送达"
    ELECTRONIC = "electronic", "电子送达"
    PUBLIC_NOTICE = "public_notice", "公告送达"


class DocumentService(models.Model):
    """One service (送达) of an issued document: how, when, to whom, and the receipt (送达回证) if any.

    Append-only: a wrong record is corrected by a new one, never by changing this one.
    """

    document = models.ForeignKey(
        IssuedDocument, verbose_name="执法文书", on_delete=models.PROTECT, related_name="services"
    )
    method = models.CharField("送达方式", max_length=16, choices=ServiceMethod.choices)
    served_at = models.DateTimeField("送达时间")
    recipient = models.CharField("受送达人", max_length=100)
    receipt = models.ForeignKey(
        Blob, verbose_name="送达回证", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="记录人", on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField("记录时间")

    class Meta:
        verbose_name = "文书送达"
        verbose_name_plural = "文书送达"
        ordering = ["served_at", "id"]

    def __str__(self) -> str:
        return f"{self.document_id} {self.method} {self.served_at:%Y-%m-%d}"
