"""事后公开: what a decision owes the public (``PublicationTask``, staff-only) and what the public is shown
(``Publication``).

A ``Publication`` row holds exactly what the portal shows of a decision, no more: its canonical state (the ledger's
digest) is the record a reader can hash and check against a signed checkpoint. Everything staff need to get there —
the decision's full text, the redaction proposal and its confirmation, due dates — lives in the ``PublicationTask``,
which the public never sees. Nothing is deleted: withdrawal and expiry are states of both rows, each with its entry.
"""

from __future__ import annotations

from django.db import models

from sanxiang.cases.models import Case, IssuedDocument
from sanxiang.org.fields import user_fk
from sanxiang.org.models import Agency


class DecisionKind(models.TextChoices):
    """Which publication time limit applies (国办发〔2018〕118号): licences and penalties 7, others 20 working days."""

    PENALTY = "penalty", "行政处罚决定"
    LICENCE = "licence", "行政许可决定"
    COERCION = "coercion", "行政强制决定"
    INSPECTION = "inspection", "行政检查结果"


class TaskState(models.TextChoices):
    DUE = "due", "待公开"
    PUBLISHED = "published", "已公开"
    WITHHELD = "withheld", "不予公开"
    WITHDRAWAL_DUE = "withdrawal_due", "待撤下"
    WITHDRAWN = "withdrawn", "已撤下"
    EXPIRED = "expired", "已到期下线"


class WithholdReason(models.TextChoices):
    MINOR = "minor", "当事人违法时未满十八周岁"
    SECRET = "secret", "涉及国家秘密、商业秘密"
    OTHER = "other", "其他依法不予公开的情形"


class WithdrawReason(models.TextChoices):
    """Why a published decision is withdrawn (行政处罚法第四十八条第二款)."""

    REVOKED = "revoked", "决定被撤销"
    CHANGED = "changed", "决定被变更"
    ILLEGAL = "illegal", "决定被确认违法"
    REMADE = "remade", "决定被确认无效或者责令重新作出"


class PublicationTask(models.Model):
    """A decision that must be published: its due date, its unredacted text and the redaction proposal (staff only).

    ``proposal`` is the automatic proposal as made (``core.redaction`` spans: start, end, category, replacement,
    default), ``choices`` the confirmer's keep/redact choice per span index; both stay, so the automatic proposal can
    be measured and the human edit seen. ``withdraw_due_on`` is set when a decision is revoked or changed.
    """

    case = models.ForeignKey(Case, verbose_name="案件", on_delete=models.PROTECT, related_name="publication_tasks")
    agency = models.ForeignKey(Agency, verbose_name="执法主体", on_delete=models.PROTECT, related_name="+")
    document = models.ForeignKey(
        IssuedDocument, verbose_name="决定文书", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    decision_kind = models.CharField("决定类别", max_length=16, choices=DecisionKind.choices)
    decided_on = models.DateField("决定日期")
    due_on = models.DateField("公开期限")
    due_provisional = models.BooleanField("期限按未确认的节假日安排计算", default=False)
    violation_on = models.DateField("违法行为发生日期", null=True, blank=True)
    state = models.CharField("状态", max_length=16, choices=TaskState.choices, default=TaskState.DUE)
    withhold_reason = models.CharField(
        "不予公开原因", max_length=16, choices=WithholdReason.choices, blank=True, default=""
    )
    source_text = models.TextField("决定全文（未处理）")
    known_names = models.JSONField("案件已知的人名", default=list, blank=True, help_text="[{name, role}]")
    proposal = models.JSONField("自动处理建议", default=list, blank=True)
    choices = models.JSONField("确认结果", default=dict, blank=True, help_text="建议序号 → 是否隐去")
    confirmed_by = user_fk("确认人", optional=True)
    confirmed_at = models.DateTimeField("确认时间", null=True, blank=True)
    withdraw_reason = models.CharField(
        "撤下原因", max_length=16, choices=WithdrawReason.choices, blank=True, default=""
    )
    withdraw_due_on = models.DateField("撤下期限", null=True, blank=True)
    created_at = models.DateTimeField("生成时间")

    class Meta:
        verbose_name = "公开任务"
        verbose_name_plural = "公开任务"
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["state", "due_on"], name="disclosure_task_state_due")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.decision_kind} {self.due_on}"


class PublicationState(models.TextChoices):
    PUBLISHED = "published", "公开中"
    WITHDRAWN = "withdrawn", "已撤下"
    EXPIRED = "expired", "已到期下线"


class Publication(models.Model):
    """What the portal shows of one decision (公示信息), and nothing else: every column is public.

    The text is the confirmed redaction. ``fulfilment`` is the list of fulfilment updates (履行情况) as published,
    each ``{"on": date, "text": ...}``. A withdrawn or expired publication keeps its heading fields and shows the
    reason; its ``text`` and ``fulfilment`` are emptied (the earlier versions remain in the ledger's history).
    """

    task = models.OneToOneField(
        PublicationTask, verbose_name="公开任务", on_delete=models.PROTECT, related_name="publication"
    )
    agency = models.ForeignKey(Agency, verbose_name="执法主体", on_delete=models.PROTECT, related_name="+")
    agency_name = models.CharField("执法主体", max_length=200)
    decision_kind = models.CharField("决定类别", max_length=16, choices=DecisionKind.choices)
    decision_number = models.CharField("决定文书号", max_length=60, blank=True, default="")
    title = models.CharField("案由", max_length=300)
    party = models.CharField("当事人", max_length=200)
    party_code = models.CharField("统一社会信用代码", max_length=18, blank=True, default="")
    sanctions = models.JSONField("处罚种类", default=list, blank=True)
    amount = models.DecimalField("罚款金额（元）", max_digits=14, decimal_places=2, null=True, blank=True)
    decided_on = models.DateField("决定日期")
    published_on = models.DateField("公开日期")
    text = models.TextField("公开内容")
    fulfilment = models.JSONField("履行情况", default=list, blank=True)
    state = models.CharField("状态", max_length=16, choices=PublicationState.choices)
    withdrawn_on = models.DateField("撤下日期", null=True, blank=True)
    withdraw_reason = models.CharField("撤下原因", max_length=300, blank=True, default="")
    expires_on = models.DateField("公开截止日期")

    class Meta:
        verbose_name = "公开信息"
        verbose_name_plural = "公开信息"
        ordering = ["-published_on", "-id"]
        indexes = [
            models.Index(fields=["state", "published_on"], name="disclosure_pub_state_date"),
            models.Index(fields=["agency", "state", "published_on"], name="disclosure_pub_agency"),
            models.Index(fields=["decision_kind", "state", "published_on"], name="disclosure_pub_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.decision_number or self.pk} {self.title}"
