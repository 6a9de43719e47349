"""Case-handling records: issued enforcement documents (执法文书), their numbers and their service (送达); cases with
their parties, other persons and officers (with recusal).

An issued document names what it belongs to as text (``subject``, e.g. ``cases.case:12``). Rows are written only by
the services in ``cases.documents`` and ``cases.services``, each with its ledger entry in the same transaction.
"""

from __future__ import annotations

import datetime as dt

from django.db import models

from sanxiang.ledger.models import Blob
from sanxiang.org.fields import user_fk
from sanxiang.org.models import Agency
from sanxiang.registry.models import Device, EnforcementItem, Officer, RecordingPlace


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
    issued_by = user_fk("制发人")
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
    recorded_by = user_fk("记录人")
    recorded_at = models.DateTimeField("记录时间")

    class Meta:
        verbose_name = "文书送达"
        verbose_name_plural = "文书送达"
        ordering = ["served_at", "id"]

    def __str__(self) -> str:
        return f"{self.document_id} {self.method} {self.served_at:%Y-%m-%d}"


# --- cases ---------------------------------------------------------------------------------------------------------


class Sanction(models.TextChoices):
    """Kinds of penalty a proposed decision carries (行政处罚法第九条, as work safety uses them)."""

    WARNING = "warning", "警告"
    FINE = "fine", "罚款"
    CONFISCATION = "confiscation", "没收违法所得、非法财物"
    LARGE_CONFISCATION = "large_confiscation", "较大数额没收"
    LICENCE_SUSPENSION = "licence_suspension", "暂扣许可证件"
    LICENCE_REVOCATION = "licence_revocation", "吊销许可证件"
    STOP_PRODUCTION = "stop_production", "责令停产停业"
    CLOSURE = "closure", "责令关闭"


class Circumstance(models.TextChoices):
    """Circumstances of a proposed decision that make it major (行政处罚法第五十八条; 国办发〔2018〕118号)."""

    PUBLIC_INTEREST = "public_interest", "涉及重大公共利益"
    SOCIAL_IMPACT = "social_impact", "可能造成重大社会影响或者引发社会风险"
    THIRD_PARTY_RIGHTS = "third_party_rights", "直接关系当事人或者第三人重大权益"
    COMPLEX = "complex", "案件情况疑难复杂、涉及多个法律关系"
    SUSPECTED_CRIME = "suspected_crime", "涉嫌犯罪，可能移送司法机关"


class Case(models.Model):
    """One enforcement case (案件) of an agency, run under one process definition (``cases.processes``).

    ``state`` is the key of the current step: set to the process start at opening and changed only by the case
    services. ``process_digest`` is the definition's digest at opening, so a later change of the definition is
    visible against the case. ``number`` is the agency's case number (``兴应急案〔2026〕3号``), one serial per agency
    and year.
    """

    agency = models.ForeignKey(Agency, verbose_name="执法主体", on_delete=models.PROTECT, related_name="cases")
    process_key = models.CharField("办案流程", max_length=40)
    process_digest = models.CharField("流程定义摘要", max_length=64)
    item = models.ForeignKey(EnforcementItem, verbose_name="执法事项", on_delete=models.PROTECT, related_name="cases")
    year = models.PositiveIntegerField("年度")
    serial = models.PositiveIntegerField("序号")
    number = models.CharField("案件编号", max_length=60, unique=True)
    title = models.CharField("案由", max_length=300)
    place_region = models.CharField("发生地行政区划", max_length=6)
    place_address = models.CharField("发生地地址", max_length=300)
    state = models.CharField("当前环节", max_length=40)
    visit = models.PositiveIntegerField(
        "环节序号", default=1, help_text="每进入一个环节加一；环节内的记录以此区分同一环节的多次办理（如退回补充调查）"
    )
    step_entered_at = models.DateTimeField("进入当前环节时间", null=True, blank=True)
    opened_at = models.DateTimeField("立案时间")
    opened_by = user_fk("立案人")
    amount_proposed = models.DecimalField("拟罚款金额（元）", max_digits=14, decimal_places=2, null=True, blank=True)
    discretion_band = models.PositiveSmallIntegerField(
        "适用裁量档次", null=True, blank=True, help_text="执法事项裁量基准中的第几档（从 1 起）"
    )
    discretion_reason = models.TextField("超出裁量基准的理由", blank=True, default="")
    sanctions = models.JSONField("拟处罚种类", default=list, blank=True, help_text="Sanction 值的列表")
    circumstances = models.JSONField("重大情形", default=list, blank=True, help_text="Circumstance 值的列表")
    major = models.BooleanField("重大案件", default=False)
    major_reason = models.TextField("列为重大案件的原因", blank=True, default="")
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)

    class Meta:
        verbose_name = "案件"
        verbose_name_plural = "案件"
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "year", "serial"], name="cases_case_unique_serial"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class PartyKind(models.TextChoices):
    ORGANISATION = "organisation", "单位"
    PERSON = "person", "自然人"


class Party(models.Model):
    """A party (当事人) to a case: an organisation with its USCC, or a natural person with an ID number.

    A person's birth date is taken from the ID number, so minors (``is_minor``) are known without asking.
    """

    case = models.ForeignKey(Case, verbose_name="案件", on_delete=models.PROTECT, related_name="parties")
    kind = models.CharField("类型", max_length=16, choices=PartyKind.choices)
    name = models.CharField("名称或姓名", max_length=200)
    uscc = models.CharField("统一社会信用代码", max_length=18, blank=True, default="")
    id_number = models.CharField("居民身份证号码", max_length=18, blank=True, default="")
    birth_date = models.DateField("出生日期", null=True, blank=True)
    legal_representative = models.CharField("法定代表人", max_length=50, blank=True, default="")
    address = models.CharField("住所或地址", max_length=300, blank=True, default="")
    phone = models.CharField("联系电话", max_length=40, blank=True, default="")

    class Meta:
        verbose_name = "当事人"
        verbose_name_plural = "当事人"
        ordering = ["case", "id"]

    def __str__(self) -> str:
        return self.name

    def is_minor(self, on: dt.date) -> bool:
        """Under 18 on ``on`` (an organisation never is)."""
        born = self.birth_date
        if born is None:
            return False
        age = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
        return age < 18


class CasePersonRole(models.TextChoices):
    WITNESS = "witness", "证人"
    OTHER = "other", "其他人员"


class CasePerson(models.Model):
    """A witness or other person (证人、其他人员) in a case, kept as data so that disclosure can replace the name."""

    case = models.ForeignKey(Case, verbose_name="案件", on_delete=models.PROTECT, related_name="persons")
    role = models.CharField("身份", max_length=16, choices=CasePersonRole.choices)
    name = models.CharField("姓名", max_length=100)
    id_number = models.CharField("居民身份证号码", max_length=18, blank=True, default="")
    note = models.TextField("说明", blank=True, default="")

    class Meta:
        verbose_name = "案件相关人员"
        verbose_name_plural = "案件相关人员"
        ordering = ["case", "id"]

    def __str__(self) -> str:
        return self.name


class RecusalDecision(models.TextChoices):
    APPROVE = "approve", "准予回避"
    REFUSE = "refuse", "不予回避"


class CaseOfficer(models.Model):
    """An officer on a case (承办人员), with the last recusal (回避) request and its decision.

    An approved recusal deactivates the officer on the case; the row stays (the ledger holds each request and
    decision as a state of this row).
    """

    case = models.ForeignKey(Case, verbose_name="案件", on_delete=models.PROTECT, related_name="officers")
    officer = models.ForeignKey(Officer, verbose_name="执法人员", on_delete=models.PROTECT, related_name="case_roles")
    assigned_at = models.DateTimeField("指派时间")
    assigned_by = user_fk("指派人")
    active = models.BooleanField("承办中", default=True)
    recusal_applicant = models.CharField("回避申请人", max_length=100, blank=True, default="")
    recusal_reason = models.TextField("回避理由", blank=True, default="")
    recusal_requested_by = user_fk("回避申请登记人", optional=True)
    recusal_requested_at = models.DateTimeField("回避申请时间", null=True, blank=True)
    recusal_decision = models.CharField(
        "回避决定", max_length=16, choices=RecusalDecision.choices, blank=True, default=""
    )
    recusal_note = models.TextField("回避决定说明", blank=True, default="")
    recusal_decided_by = user_fk("回避决定人", optional=True)
    recusal_decided_at = models.DateTimeField("回避决定时间", null=True, blank=True)

    class Meta:
        verbose_name = "承办人员"
        verbose_name_plural = "承办人员"
        ordering = ["case", "id"]
        constraints = [models.UniqueConstraint(fields=["case", "officer"], name="cases_case_officer_unique")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.officer_id}"

    @property
    def recusal_pending(self) -> bool:
        return self.recusal_requested_at is not None and not self.recusal_decision


# --- what happens at a step (each row names the case, the step and the visit of the step it belongs to) ------------


class StepRecordBase(models.Model):
    case = models.ForeignKey(Case, verbose_name="案件", on_delete=models.PROTECT, related_name="+")
    step_key = models.CharField("环节", max_length=40)
    visit = models.PositiveIntegerField("环节序号")
    recorded_by = user_fk("记录人")
    recorded_at = models.DateTimeField("记录时间")

    class Meta:
        abstract = True


class CaseApproval(StepRecordBase):
    """负责人批准 at a step (the ``head_approved`` gate): the department head's or a leader's approval, with opinion."""

    note = models.TextField("审批意见", blank=True, default="")

    class Meta:
        verbose_name = "负责人审批"
        verbose_name_plural = "负责人审批"
        ordering = ["case", "recorded_at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.step_key}#{self.visit}"


class FactKind(models.TextChoices):
    HEARING_REQUESTED = "hearing_requested", "当事人要求听证"
    STATEMENT_WAIVED = "statement_waived", "当事人放弃陈述、申辩和听证"
    STATEMENT_RECEIVED = "statement_received", "收到陈述、申辩意见并已复核"
    COLLECTIVE_REQUIRED = "collective_required", "情节复杂或重大违法，须集体讨论"


class CaseFact(StepRecordBase):
    """A fact that a gate depends on and only people can know (the party asked for a hearing, waived its rights…)."""

    kind = models.CharField("事项", max_length=32, choices=FactKind.choices)
    occurred_at = models.DateTimeField("发生时间")
    note = models.TextField("说明", blank=True, default="")

    class Meta:
        verbose_name = "案件事实记录"
        verbose_name_plural = "案件事实记录"
        ordering = ["case", "occurred_at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind}"


class CertificateShown(StepRecordBase):
    """出示执法证件 at an on-site step: which officer showed the certificate, when, and where."""

    officer = models.ForeignKey(Officer, verbose_name="执法人员", on_delete=models.PROTECT, related_name="+")
    shown_at = models.DateTimeField("出示时间")
    place = models.CharField("地点", max_length=300)
    room = models.ForeignKey(
        RecordingPlace,
        verbose_name="执法场所（音像记录场所清单）",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )

    class Meta:
        verbose_name = "出示执法证件记录"
        verbose_name_plural = "出示执法证件记录"
        ordering = ["case", "shown_at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.officer_id} {self.shown_at:%Y-%m-%d %H:%M}"


class Recording(StepRecordBase):
    """音像记录 of a step: an evidence file (uploaded through the ledger's evidence API) with who recorded it, with
    which device or in which recorded room, from when to when. ``full_process`` marks a recording the officer declares
    to cover the whole on-site action without interruption; the step's check also requires the declared recordings to
    join up without gaps and to cover the certificate showings of the step."""

    blob = models.ForeignKey(Blob, verbose_name="音像文件", on_delete=models.PROTECT, related_name="+")
    officer = models.ForeignKey(Officer, verbose_name="记录人员", on_delete=models.PROTECT, related_name="+")
    device = models.ForeignKey(
        Device, verbose_name="执法记录仪", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    room = models.ForeignKey(
        RecordingPlace,
        verbose_name="执法场所（音像记录场所清单）",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    place = models.CharField("地点", max_length=300)
    started_at = models.DateTimeField("开始时间")
    ended_at = models.DateTimeField("结束时间")
    full_process = models.BooleanField("全过程记录", default=False)
    note = models.TextField("说明", blank=True, default="")

    class Meta:
        verbose_name = "音像记录"
        verbose_name_plural = "音像记录"
        ordering = ["case", "started_at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.step_key} {self.started_at:%Y-%m-%d %H:%M}"


class CaseDocument(StepRecordBase):
    """An issued document as part of a case, at the step (and visit) that issued it."""

    document = models.OneToOneField(
        IssuedDocument, verbose_name="执法文书", on_delete=models.PROTECT, related_name="case_link"
    )

    class Meta:
        verbose_name = "案件文书"
        verbose_name_plural = "案件文书"
        ordering = ["case", "recorded_at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.document_id}"


class DeadlineExtension(models.Model):
    """An approved extension (延长) of one of a case's legal time limits, by the department head or a leader."""

    case = models.ForeignKey(Case, verbose_name="案件", on_delete=models.PROTECT, related_name="+")
    deadline_key = models.CharField("期限", max_length=40)
    days = models.PositiveIntegerField("延长天数")
    reason = models.TextField("延长理由")
    approved_by = user_fk("批准人")
    approved_at = models.DateTimeField("批准时间")

    class Meta:
        verbose_name = "期限延长"
        verbose_name_plural = "期限延长"
        ordering = ["case", "approved_at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.deadline_key} +{self.days}"


class CaseFile(models.Model):
    """案卷: the case's documents and records in the standard order, sealed at archive (the manifest and its hash)."""

    case = models.OneToOneField(Case, verbose_name="案件", on_delete=models.PROTECT, related_name="case_file")
    manifest = models.JSONField("卷内目录")
    manifest_sha256 = models.CharField("卷内目录摘要", max_length=64)
    sealed_by = user_fk("归档人")
    sealed_at = models.DateTimeField("归档时间")

    class Meta:
        verbose_name = "案卷"
        verbose_name_plural = "案卷"
        ordering = ["-sealed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.case_id}"
