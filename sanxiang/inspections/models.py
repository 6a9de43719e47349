"""双随机、一公开: the target pool, conflicts, sampling plans and their verifiable draws (plan 二(一)3(3), 二(一)5).

The pools the draw reads are the target pool (``Target``, 检查对象名录库) and the published officers of the agency whose
certificates are valid on the draw's date and cover the plan's categories (执法检查人员名录库, taken from
``registry.Officer`` when the commitment is made). A ``Draw`` is made in two steps — the commitment, then the draw
with the observer's value — following docs/draw.md byte for byte. The bureau's seed is kept in ``DrawSecret`` (never
public) until the draw copies it into the draw's public record.
"""

from __future__ import annotations

from django.db import models

from sanxiang.cases.models import Case
from sanxiang.org.fields import user_fk
from sanxiang.org.models import Agency
from sanxiang.registry.models import EnforcementItem, InspectionItem, Officer


class RiskClass(models.TextChoices):
    """信用风险分类 of a target: the plan's quotas are per class."""

    A = "A", "A类（信用风险低）"
    B = "B", "B类（信用风险一般）"
    C = "C", "C类（信用风险较高）"
    D = "D", "D类（信用风险高）"


class Target(models.Model):
    """检查对象: an enterprise or other organisation in an agency's target pool, keyed by its USCC.

    ``active`` is false for a target taken out of the pool (closed, moved away); it stays for the history of the
    draws that named it.
    """

    agency = models.ForeignKey(Agency, verbose_name="执法主体", on_delete=models.PROTECT, related_name="targets")
    uscc = models.CharField("统一社会信用代码", max_length=18)
    name = models.CharField("名称", max_length=200)
    legal_representative = models.CharField("法定代表人", max_length=50, blank=True, default="")
    address = models.CharField("地址", max_length=300)
    region = models.CharField("行政区划代码", max_length=6)
    sector = models.CharField("行业", max_length=100)
    risk = models.CharField("风险分类", max_length=1, choices=RiskClass.choices)
    active = models.BooleanField("在库", default=True)
    updated_at = models.DateTimeField("更新时间")

    class Meta:
        verbose_name = "检查对象"
        verbose_name_plural = "检查对象名录库"
        ordering = ["agency", "uscc"]
        constraints = [models.UniqueConstraint(fields=["agency", "uscc"], name="inspections_target_unique_uscc")]
        indexes = [models.Index(fields=["agency", "active", "risk"], name="inspections_target_pool")]

    def __str__(self) -> str:
        return f"{self.name}（{self.uscc}）"


class Conflict(models.Model):
    """利害关系回避名单: an officer who must never inspect a target (kinship, former employment, a shareholding …)."""

    agency = models.ForeignKey(Agency, verbose_name="执法主体", on_delete=models.PROTECT, related_name="+")
    officer = models.ForeignKey(Officer, verbose_name="执法人员", on_delete=models.PROTECT, related_name="+")
    target = models.ForeignKey(Target, verbose_name="检查对象", on_delete=models.PROTECT, related_name="conflicts")
    reason = models.TextField("回避事由")
    recorded_at = models.DateTimeField("登记时间")
    recorded_by = user_fk("登记人")

    class Meta:
        verbose_name = "回避情形"
        verbose_name_plural = "利害关系回避名单"
        ordering = ["agency", "officer", "target"]
        constraints = [models.UniqueConstraint(fields=["officer", "target"], name="inspections_conflict_unique")]

    def __str__(self) -> str:
        return f"{self.officer_id} × {self.target_id}"


class PlanState(models.TextChoices):
    DRAFT = "draft", "草拟"
    PUBLISHED = "published", "已公布"
    CLOSED = "closed", "已结束"


class SamplingPlan(models.Model):
    """抽查计划: which published inspection items, which targets (regions, sectors), the quota per risk class.

    ``classes`` is the draw's quota list (docs/draw.md §4): ``[{"risk": "A", "count": 10}, {"risk": "B", "ratio":
    "0.05"}]`` in drawing order. ``case_item`` is the published enforcement item (行政检查) the drawn inspections are
    opened under. Only a published plan can be drawn; its fields no longer change once published.
    """

    agency = models.ForeignKey(Agency, verbose_name="执法主体", on_delete=models.PROTECT, related_name="sampling_plans")
    code = models.CharField("计划编号", max_length=40)
    title = models.CharField("计划名称", max_length=200)
    year = models.PositiveIntegerField("年度")
    items = models.ManyToManyField(InspectionItem, verbose_name="抽查事项", related_name="plans")
    case_item = models.ForeignKey(
        EnforcementItem, verbose_name="检查立案事项", on_delete=models.PROTECT, related_name="sampling_plans"
    )
    regions = models.JSONField("抽查区域", default=list, blank=True, help_text="行政区划代码；空为本机构全部对象")
    sectors = models.JSONField("抽查行业", default=list, blank=True, help_text="空为全部行业")
    classes = models.JSONField("各风险类别抽查数量或比例", default=list)
    inspectors_per_target = models.PositiveSmallIntegerField("每户检查人员数", default=2)
    frequency = models.CharField("抽查频次", max_length=100)
    state = models.CharField("状态", max_length=16, choices=PlanState.choices, default=PlanState.DRAFT)
    created_at = models.DateTimeField("创建时间")
    created_by = user_fk("创建人")
    published_at = models.DateTimeField("公布时间", null=True, blank=True)
    published_by = user_fk("公布人", optional=True)

    class Meta:
        verbose_name = "抽查计划"
        verbose_name_plural = "抽查计划"
        ordering = ["-year", "agency", "code"]
        constraints = [models.UniqueConstraint(fields=["agency", "code"], name="inspections_plan_unique_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class DrawSecret(models.Model):
    """The bureau's seed of one draw, before the draw (staff-only; its hash is in the commitment)."""

    bureau_seed = models.CharField("本机构种子", max_length=64)

    class Meta:
        verbose_name = "抽取种子"
        verbose_name_plural = "抽取种子"

    def __str__(self) -> str:
        return f"{self.pk}"


class DrawState(models.TextChoices):
    COMMITTED = "committed", "已公布承诺，待抽取"
    DRAWN = "drawn", "已抽取"
    CANCELLED = "cancelled", "已作废"


class Draw(models.Model):
    """One draw of a plan: the commitment (published at once), then the observer's value, the seed and the selection.

    Every column is public once the row exists (``bureau_seed`` stays empty until the draw). The snapshots are files
    named by their hashes (``snapshot_path``); the published document (docs/draw.md §9) is assembled from the row
    and the two files.
    """

    plan = models.ForeignKey(SamplingPlan, verbose_name="抽查计划", on_delete=models.PROTECT, related_name="draws")
    agency = models.ForeignKey(Agency, verbose_name="执法主体", on_delete=models.PROTECT, related_name="+")
    number = models.PositiveIntegerField("批次")
    draw_on = models.DateField("抽取日期")
    state = models.CharField("状态", max_length=16, choices=DrawState.choices, default=DrawState.COMMITTED)
    seed_sha256 = models.CharField("种子摘要", max_length=64)
    targets_sha256 = models.CharField("检查对象名录摘要", max_length=64)
    inspectors_sha256 = models.CharField("检查人员名录摘要", max_length=64)
    plan_sha256 = models.CharField("抽取参数摘要", max_length=64)
    commitment = models.CharField("承诺值", max_length=64, unique=True)
    plan_document = models.JSONField("抽取参数")
    secret = models.ForeignKey(DrawSecret, verbose_name="抽取种子", on_delete=models.PROTECT, related_name="+")
    target_count = models.PositiveIntegerField("名录内检查对象数")
    inspector_count = models.PositiveIntegerField("名录内检查人员数")
    committed_at = models.DateTimeField("承诺公布时间")
    committed_by = user_fk("承诺公布人")
    observer_name = models.CharField("见证人", max_length=100, blank=True, default="")
    observer_value = models.CharField("见证人输入值", max_length=200, blank=True, default="")
    bureau_seed = models.CharField("本机构种子", max_length=64, blank=True, default="")
    final_seed = models.CharField("最终种子", max_length=64, blank=True, default="")
    selection = models.JSONField("抽取结果", default=list, blank=True)
    drawn_at = models.DateTimeField("抽取时间", null=True, blank=True)
    drawn_by = user_fk("抽取人", optional=True)
    cancelled_at = models.DateTimeField("作废时间", null=True, blank=True)
    cancel_reason = models.TextField("作废原因", blank=True, default="")

    class Meta:
        verbose_name = "随机抽取"
        verbose_name_plural = "随机抽取"
        ordering = ["-committed_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["plan", "number"], name="inspections_draw_unique_number")]

    def __str__(self) -> str:
        return f"{self.plan.code} 第{self.number}批"


class InspectionResult(models.TextChoices):
    """检查结果 (plan 二(一)5): what an inspection of a drawn target found."""

    NONE_FOUND = "none_found", "未发现问题"
    RECTIFIED = "rectified", "发现问题，已责令整改"
    HANDED_OVER = "handed_over", "发现违法行为，移交行政处罚立案"


class DrawnTarget(models.Model):
    """A target of a draw's selection, its drawn inspectors (in drawing order), and the inspection case opened."""

    draw = models.ForeignKey(Draw, verbose_name="随机抽取", on_delete=models.PROTECT, related_name="drawn")
    position = models.PositiveIntegerField("抽中顺序")
    target = models.ForeignKey(Target, verbose_name="检查对象", on_delete=models.PROTECT, related_name="+")
    inspectors = models.JSONField("检查人员执法证号")
    case = models.OneToOneField(
        Case, verbose_name="检查案件", on_delete=models.PROTECT, related_name="drawn_target", null=True, blank=True
    )
    result = models.CharField("检查结果", max_length=16, choices=InspectionResult.choices, blank=True, default="")
    result_on = models.DateField("检查结束日期", null=True, blank=True)

    class Meta:
        verbose_name = "抽中对象"
        verbose_name_plural = "抽中对象"
        ordering = ["draw", "position"]
        constraints = [models.UniqueConstraint(fields=["draw", "position"], name="inspections_drawn_unique_pos")]

    def __str__(self) -> str:
        return f"{self.draw_id}#{self.position}"
