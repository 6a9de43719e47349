"""Legal review of major enforcement decisions (重大执法决定法制审核, plan 二(三)).

* ``MajorDecisionRule`` — the catalogue (重大执法决定目录清单): which proposed decisions are major.
* ``MajorAssessment`` — each evaluation of a case's proposed decision against the catalogue, with the rules that fired.
* ``LegalReview`` — one round of review of one proposal: preliminary review (初审), the department head's signature,
  the legal section's opinion on the checklist, the outcome, and, on disagreement, the leaders' coordinated decision.
* ``ReviewerQualification`` / ``ReviewerTraining`` / ``ReviewerRecord`` — who may review, their training, and the
  overdue or reversed opinions recorded against them (责任追究).
* ``CollectiveDiscussion`` — 集体讨论 of a major case: date, attendees, each opinion, the conclusion.

Rows are written only by ``review.services``, each with its ledger entry.
"""

from __future__ import annotations

from django.db import models

from sanxiang.cases.models import Case, IssuedDocument
from sanxiang.org.fields import user_fk
from sanxiang.org.models import Agency


class MajorDecisionRule(models.Model):
    """One line of the catalogue. It applies to the cases in its scope (blank: any) and fires when any of its
    triggers holds for the proposed decision."""

    agency = models.ForeignKey(
        Agency,
        verbose_name="适用机关",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        help_text="空：本系统的所有执法主体",
    )
    code = models.CharField("编码", max_length=40, unique=True)
    name = models.CharField("情形", max_length=200)
    case_kind = models.CharField("案件类别", max_length=16, blank=True, default="")
    level = models.CharField("执法层级", max_length=16, blank=True, default="")
    sector = models.CharField("所属领域", max_length=50, blank=True, default="")
    fine_person_min = models.DecimalField(
        "对公民罚款不低于（元）", max_digits=14, decimal_places=2, null=True, blank=True
    )
    fine_organisation_min = models.DecimalField(
        "对法人或其他组织罚款不低于（元）", max_digits=14, decimal_places=2, null=True, blank=True
    )
    sanctions = models.JSONField("处罚种类", default=list, blank=True, help_text="cases.Sanction 值")
    hearing_held = models.BooleanField("经过听证", default=False)
    circumstances = models.JSONField("情形", default=list, blank=True, help_text="cases.Circumstance 值")
    basis = models.TextField("依据")
    active = models.BooleanField("有效", default=True)
    updated_at = models.DateTimeField("更新时间")

    class Meta:
        verbose_name = "重大执法决定目录"
        verbose_name_plural = "重大执法决定目录清单"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class MajorAssessment(models.Model):
    """An evaluation of a case's proposed decision against the catalogue: major or not, and why."""

    case = models.ForeignKey(Case, verbose_name="案件", on_delete=models.PROTECT, related_name="+")
    proposal_digest = models.CharField("拟决定摘要", max_length=64)
    major = models.BooleanField("属于重大执法决定")
    reasons = models.JSONField("命中情形", default=list, help_text="[{code, name, reason}]")
    assessed_by = user_fk("评估人")
    assessed_at = models.DateTimeField("评估时间")

    class Meta:
        verbose_name = "重大执法决定评估"
        verbose_name_plural = "重大执法决定评估"
        ordering = ["case", "assessed_at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {'重大' if self.major else '一般'}"


class ReviewState(models.TextChoices):
    PRELIMINARY = "preliminary", "科室初审"
    HEAD = "head", "待科室负责人签署"
    SUBMITTED = "submitted", "法制审核中"
    PASSED = "passed", "审核通过"
    RETURNED = "returned", "退回补正"
    FAILED = "failed", "审核不通过"
    ESCALATED = "escalated", "提请局领导协调"


class Outcome(models.TextChoices):
    PASS = "pass", "通过"
    RETURN = "return", "退回补正"
    FAIL = "fail", "不通过"


class LegalReview(models.Model):
    """One round of legal review of one proposed decision (``proposal_digest``).

    A pass holds only while the case's proposal has the same digest: any later change voids it (the gate compares).
    A return ends the round; the corrected case comes again as a new round.
    """

    case = models.ForeignKey(Case, verbose_name="案件", on_delete=models.PROTECT, related_name="+")
    round = models.PositiveIntegerField("轮次")
    proposal_digest = models.CharField("拟决定摘要", max_length=64)
    reasons = models.JSONField("属于重大执法决定的情形", default=list)
    state = models.CharField("状态", max_length=16, choices=ReviewState.choices)
    complex = models.BooleanField("情况复杂", default=False)
    materials = models.JSONField("送审材料核对", default=list, help_text="[{item, ok, detail}]")
    requested_by = user_fk("送审人")
    requested_at = models.DateTimeField("送审时间")
    preliminary_by = user_fk("初审人", optional=True)
    preliminary_at = models.DateTimeField("初审时间", null=True, blank=True)
    preliminary_opinion = models.TextField("初审意见", blank=True, default="")
    head_by = user_fk("科室负责人", optional=True)
    head_at = models.DateTimeField("签署时间", null=True, blank=True)
    head_opinion = models.TextField("科室负责人意见", blank=True, default="")
    submitted_at = models.DateTimeField("提交法制审核时间", null=True, blank=True)
    due_on = models.DateField("审核期限", null=True, blank=True)
    due_provisional = models.BooleanField("期限为暂定", default=False)
    reviewer = user_fk("审核人员", optional=True)
    taken_at = models.DateTimeField("承办时间", null=True, blank=True)
    adviser = user_fk("法律顾问", optional=True)
    adviser_question = models.TextField("咨询事项", blank=True, default="")
    adviser_opinion = models.TextField("法律顾问意见", blank=True, default="")
    adviser_at = models.DateTimeField("法律顾问意见时间", null=True, blank=True)
    checklist = models.JSONField("审核要点意见", default=dict, blank=True, help_text="{要点: {ok, opinion}}")
    outcome = models.CharField("审核结论", max_length=8, choices=Outcome.choices, blank=True, default="")
    opinion = models.TextField("审核意见", blank=True, default="")
    decided_at = models.DateTimeField("审核时间", null=True, blank=True)
    overdue = models.BooleanField("超期", default=False)
    department_opinion = models.TextField("承办机构意见（不同意审核意见）", blank=True, default="")
    disagreed_by = user_fk("提请协调人", optional=True)
    disagreed_at = models.DateTimeField("提请协调时间", null=True, blank=True)
    coordinated_by = user_fk("协调决定人", optional=True)
    coordinated_at = models.DateTimeField("协调决定时间", null=True, blank=True)
    coordinated_outcome = models.CharField("协调结论", max_length=8, choices=Outcome.choices, blank=True, default="")
    coordinated_opinion = models.TextField("协调意见", blank=True, default="")

    class Meta:
        verbose_name = "法制审核"
        verbose_name_plural = "法制审核"
        ordering = ["-requested_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["case", "round"], name="review_round_unique")]

    def __str__(self) -> str:
        return f"{self.case_id} 第{self.round}轮"

    @property
    def final_outcome(self) -> str:
        """The outcome that stands: the leaders' coordinated decision when there was one."""
        return self.coordinated_outcome or self.outcome


class ReviewerQualification(models.Model):
    """A legal reviewer's qualification in an agency (plan 二(三)2(2)): first-time reviewers must hold the
    legal-profession qualification (法律职业资格)."""

    user = user_fk("审核人员")
    agency = models.ForeignKey(Agency, verbose_name="机关", on_delete=models.PROTECT, related_name="+")
    qualified = models.BooleanField("具备审核资格", default=False)
    first_time = models.BooleanField("初次从事法制审核", default=True)
    legal_qualification_number = models.CharField("法律职业资格证书编号", max_length=40, blank=True, default="")
    appointed_on = models.DateField("任职日期")
    note = models.TextField("备注", blank=True, default="")
    updated_by = user_fk("登记人")
    updated_at = models.DateTimeField("登记时间")

    class Meta:
        verbose_name = "法制审核人员资格"
        verbose_name_plural = "法制审核人员资格"
        ordering = ["agency", "user"]
        constraints = [models.UniqueConstraint(fields=["user", "agency"], name="review_qualification_unique")]

    def __str__(self) -> str:
        return f"{self.user_id}@{self.agency_id}"


class ReviewerTraining(models.Model):
    """A training a reviewer attended (培训记录)."""

    user = user_fk("审核人员")
    agency = models.ForeignKey(Agency, verbose_name="机关", on_delete=models.PROTECT, related_name="+")
    held_on = models.DateField("培训日期")
    hours = models.DecimalField("学时", max_digits=5, decimal_places=1)
    topic = models.CharField("培训内容", max_length=200)
    organiser = models.CharField("组织单位", max_length=100)
    recorded_by = user_fk("登记人")
    recorded_at = models.DateTimeField("登记时间")

    class Meta:
        verbose_name = "法制审核人员培训"
        verbose_name_plural = "法制审核人员培训"
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return f"{self.user_id} {self.held_on} {self.topic}"


class RecordKind(models.TextChoices):
    OVERDUE = "overdue", "超期审核"
    REVERSED = "reversed", "审核意见被改变"


class ReviewerRecord(models.Model):
    """责任追究: an overdue opinion, or one reversed by the leaders' coordinated decision, against the reviewer."""

    reviewer = user_fk("审核人员")
    review = models.ForeignKey(LegalReview, verbose_name="法制审核", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField("类别", max_length=16, choices=RecordKind.choices)
    note = models.TextField("说明")
    recorded_at = models.DateTimeField("记录时间")

    class Meta:
        verbose_name = "法制审核责任记录"
        verbose_name_plural = "法制审核责任记录"
        ordering = ["-recorded_at", "-id"]

    def __str__(self) -> str:
        return f"{self.reviewer_id} {self.kind}"


class CollectiveDiscussion(models.Model):
    """集体讨论 of a major case by the agency's leaders, on one proposed decision."""

    case = models.ForeignKey(Case, verbose_name="案件", on_delete=models.PROTECT, related_name="+")
    proposal_digest = models.CharField("拟决定摘要", max_length=64)
    held_at = models.DateTimeField("讨论时间")
    place = models.CharField("地点", max_length=200)
    host = models.CharField("主持人", max_length=50)
    attendees = models.JSONField("出席人员", default=list)
    opinions = models.JSONField("发表意见", default=list, help_text="[{name, opinion}]")
    conclusion = models.TextField("讨论结论")
    record = models.ForeignKey(
        IssuedDocument,
        verbose_name="集体讨论记录",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    recorded_by = user_fk("记录人")
    recorded_at = models.DateTimeField("记录时间")

    class Meta:
        verbose_name = "集体讨论"
        verbose_name_plural = "集体讨论"
        ordering = ["case", "held_at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.held_at:%Y-%m-%d}"
