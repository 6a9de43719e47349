"""The oversight app's records: the published annual enforcement statistics (年度行政执法数据), case-file evaluation
(案卷评查: checklists, scores, manual findings) and the rollout tracker (the plan's tasks, weekly progress reports,
supervision findings).

An ``AnnualReport`` is one agency's figures of one year as published, frozen (``figures`` is exactly what the portal
shows and what the downloads contain). It is written only by ``oversight.services``, each change with its ledger
entry. A correction publishes a new version and marks the earlier one superseded; nothing is deleted, and every
version stays readable on the portal.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from sanxiang.cases.models import Case
from sanxiang.org.fields import user_fk
from sanxiang.org.models import Agency, Department


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


# --- 案卷评查: case-file evaluation (plan 二(二)5) ---------------------------------------------------------------


class EvaluationChecklist(models.Model):
    """案卷评查标准: one version of an agency's evaluation checklist (``agency`` empty: the deployment's own).

    ``points`` is the list of checklist points in order, each ``{"key", "label", "weight", "basis"}``; ``key`` names
    one of the automatic checks of ``oversight.evaluation.CHECKS``. A change is a new version; evaluations name the
    version they were scored against.
    """

    agency = models.ForeignKey(
        Agency, verbose_name="执法主体", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField("版本")
    points = models.JSONField("评查项目")
    created_at = models.DateTimeField("制定时间")
    created_by = user_fk("制定人", optional=True)

    class Meta:
        verbose_name = "案卷评查标准"
        verbose_name_plural = "案卷评查标准"
        ordering = ["agency", "-version"]
        constraints = [models.UniqueConstraint(fields=["agency", "version"], name="oversight_checklist_version")]

    def __str__(self) -> str:
        return f"{self.agency_id or '默认'} v{self.version}"


class CaseEvaluation(models.Model):
    """The automatic score of one closed case against a checklist version (案卷评查结果).

    ``points`` holds each point's outcome: ``{"key", "label", "weight", "result" ("pass" | "fail" | "na"), "detail",
    "entries": [ledger sequence numbers that satisfied or failed it]}``. ``score`` is the weight of the passed points
    less the manual findings' deductions; ``max_score`` the weight of the applicable points. Re-scoring (a new
    checklist version, a late publication) writes a new row and clears ``current`` on the old one.
    """

    case = models.ForeignKey(Case, verbose_name="案件", on_delete=models.PROTECT, related_name="evaluations")
    agency = models.ForeignKey(Agency, verbose_name="执法主体", on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(
        Department, verbose_name="承办科室", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveIntegerField("办结年度")
    checklist = models.ForeignKey(
        EvaluationChecklist, verbose_name="评查标准", on_delete=models.PROTECT, related_name="evaluations"
    )
    points = models.JSONField("评查结果")
    score = models.DecimalField("得分", max_digits=6, decimal_places=2)
    max_score = models.DecimalField("满分", max_digits=6, decimal_places=2)
    failed = models.PositiveIntegerField("不符合项数")
    current = models.BooleanField("现行结果", default=True)
    evaluated_at = models.DateTimeField("评查时间")
    evaluated_by = user_fk("评查人", optional=True)

    class Meta:
        verbose_name = "案卷评查结果"
        verbose_name_plural = "案卷评查结果"
        ordering = ["-evaluated_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["case"], condition=Q(current=True), name="oversight_evaluation_current")
        ]
        indexes = [models.Index(fields=["agency", "year", "current"], name="oversight_evaluation_year")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.score}/{self.max_score}"


class ManualFinding(models.Model):
    """An evaluator's own finding on a case file (人工评查意见), with the points it deducts (0 for a remark)."""

    case = models.ForeignKey(Case, verbose_name="案件", on_delete=models.PROTECT, related_name="manual_findings")
    point_key = models.CharField("评查项目", max_length=40, blank=True, default="")
    text = models.TextField("评查意见")
    deduction = models.DecimalField("扣分", max_digits=5, decimal_places=2, default=0)
    recorded_at = models.DateTimeField("登记时间")
    recorded_by = user_fk("评查人")

    class Meta:
        verbose_name = "人工评查意见"
        verbose_name_plural = "人工评查意见"
        ordering = ["case", "recorded_at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.point_key}"


# --- the rollout tracker: the implementation plan's own tasks (plan 三、四) ------------------------------------------


class RolloutPhase(models.TextChoices):
    """工作步骤 (plan 三)."""

    DEPLOY = "deploy", "安排部署阶段"
    REVISE = "revise", "制修订相关制度阶段"
    IMPLEMENT = "implement", "全面实施阶段"
    SUSTAIN = "sustain", "持续推动阶段"


class RolloutStatus(models.TextChoices):
    NOT_STARTED = "not_started", "未开始"
    IN_PROGRESS = "in_progress", "推进中"
    DONE = "done", "已完成"


class RolloutTask(models.Model):
    """One task of the implementation plan (sections 二–四) that names a responsible unit (责任单位).

    ``ref`` is the plan's own numbering (``二(一)3(2)``); ``units`` the responsible units as the plan names them;
    ``departments`` those units resolved to the agency's departments (for progress reports). ``evidence_url`` links
    the published list, rule or page the task produced.
    """

    agency = models.ForeignKey(Agency, verbose_name="执法主体", on_delete=models.PROTECT, related_name="+")
    ref = models.CharField("方案条目", max_length=40)
    section = models.CharField("所属部分", max_length=40)
    title = models.CharField("任务", max_length=200)
    text = models.TextField("方案原文")
    units = models.JSONField("责任单位", default=list)
    departments = models.ManyToManyField(Department, verbose_name="责任科室", blank=True, related_name="+")
    phase = models.CharField("工作步骤", max_length=16, choices=RolloutPhase.choices)
    due_on = models.DateField("完成时限")
    status = models.CharField("状态", max_length=16, choices=RolloutStatus.choices, default=RolloutStatus.NOT_STARTED)
    evidence_url = models.CharField("成果链接", max_length=500, blank=True, default="")
    evidence_note = models.TextField("完成情况", blank=True, default="")
    updated_at = models.DateTimeField("更新时间")
    updated_by = user_fk("更新人", optional=True)

    class Meta:
        verbose_name = "推行任务"
        verbose_name_plural = "推行任务"
        ordering = ["agency", "due_on", "ref"]
        constraints = [models.UniqueConstraint(fields=["agency", "ref"], name="oversight_rollout_ref")]

    def __str__(self) -> str:
        return f"{self.ref} {self.title}"


class ProgressReport(models.Model):
    """每周工作进度 (plan 四(三)): one department's weekly progress report to the legal section."""

    agency = models.ForeignKey(Agency, verbose_name="执法主体", on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(Department, verbose_name="报送科室", on_delete=models.PROTECT, related_name="+")
    week_start = models.DateField("周起始日（周一）")
    text = models.TextField("工作进度")
    problems = models.TextField("发现的问题", blank=True, default="")
    submitted_at = models.DateTimeField("报送时间")
    submitted_by = user_fk("报送人")

    class Meta:
        verbose_name = "工作进度报告"
        verbose_name_plural = "工作进度报告"
        ordering = ["-week_start", "department"]
        constraints = [models.UniqueConstraint(fields=["department", "week_start"], name="oversight_report_week")]

    def __str__(self) -> str:
        return f"{self.department_id} {self.week_start}"


class FindingState(models.TextChoices):
    OPEN = "open", "待整改"
    RECTIFIED = "rectified", "已整改"


class SupervisionFinding(models.Model):
    """督导检查发现的问题 (plan 三(三)2): found by a supervising body in an agency, and its rectification."""

    agency = models.ForeignKey(Agency, verbose_name="被督导单位", on_delete=models.PROTECT, related_name="+")
    body = models.ForeignKey(Agency, verbose_name="督导机关", on_delete=models.PROTECT, related_name="+")
    found_on = models.DateField("发现日期")
    text = models.TextField("发现的问题")
    due_on = models.DateField("整改期限")
    state = models.CharField("状态", max_length=16, choices=FindingState.choices, default=FindingState.OPEN)
    rectification = models.TextField("整改情况", blank=True, default="")
    rectified_on = models.DateField("整改完成日期", null=True, blank=True)
    recorded_at = models.DateTimeField("登记时间")
    recorded_by = user_fk("登记人")
    rectified_by = user_fk("整改登记人", optional=True)

    class Meta:
        verbose_name = "督导发现问题"
        verbose_name_plural = "督导发现问题"
        ordering = ["state", "due_on", "id"]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.found_on}"


# --- dashboard summary (issue 8; oversight.dashboard.summary) --------------------------------------------------------


class DashboardMonth(models.Model):
    """One agency's dashboard figures of one local calendar month, derived from the records (never edited by hand).

    ``data`` holds the month's counts (opened, decided, closed, on time, late, evaluation totals …) and the items
    still open (undecided cases, unpublished decisions, unanswered complaints, each with its due day), from which the
    page works out what is overdue *today*. ``fingerprint`` names the definitions and settings it was computed with;
    a row whose fingerprint differs is recomputed before it is read. ``open_items`` > 0 marks a month outside the
    twelve-month window that must still be read for today's overdue lists.
    """

    agency = models.ForeignKey(Agency, verbose_name="执法主体", on_delete=models.CASCADE, related_name="+")
    month = models.DateField("月份", help_text="该月第一日")
    fingerprint = models.CharField("口径标识", max_length=64)
    data = models.JSONField("统计数据")
    open_items = models.PositiveIntegerField("未办结事项数", default=0)
    computed_at = models.DateTimeField("计算时间")

    class Meta:
        verbose_name = "统计月度汇总"
        verbose_name_plural = verbose_name
        constraints = [models.UniqueConstraint(fields=["agency", "month"], name="oversight_dashboard_month")]
        indexes = [
            models.Index(fields=["agency", "month"], condition=Q(open_items__gt=0), name="oversight_dashboard_open")
        ]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.month:%Y-%m}"


class DashboardChange(models.Model):
    """A record that changed since the dashboard summary was last brought up to date: a case (with everything that
    hangs on it) or a complaint, and the local month in which it changed. Written by the ledger's record listener in
    the changing transaction; consumed (and deleted) when the summary is refreshed."""

    kind = models.CharField("类别", max_length=16)
    ref = models.BigIntegerField("记录编号")
    month = models.DateField("变更月份")

    class Meta:
        verbose_name = "统计待更新记录"
        verbose_name_plural = verbose_name
        constraints = [models.UniqueConstraint(fields=["kind", "ref", "month"], name="oversight_dashboard_change")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.ref} {self.month:%Y-%m}"
