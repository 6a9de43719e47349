"""The published lists. Every list entry is ``Reviewed``: the legal section approves it before the public sees it."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.utils import timezone

from sanxiang.core.models import Reviewed
from sanxiang.org.models import Agency, Department, User


class EnforcementCategory(models.TextChoices):
    """行政执法类别, also the officer certificate's categories (structured codes matched against cases)."""

    PENALTY = "penalty", "行政处罚"
    COERCION = "coercion", "行政强制"
    INSPECTION = "inspection", "行政检查"
    LICENCE = "licence", "行政许可"
    OTHER = "other", "其他"


class Power(Reviewed):
    """权责清单 (plan 二(一)3(1)): one power of an agency with its responsibilities."""

    agency = models.ForeignKey(Agency, verbose_name="执法主体", on_delete=models.PROTECT, related_name="powers")
    code = models.CharField("权力编码", max_length=40)
    name = models.CharField("权力名称", max_length=200)
    category = models.CharField("权力类别", max_length=16, choices=EnforcementCategory.choices)
    basis = models.TextField("设定依据")
    responsibilities = models.TextField("责任事项")
    accountability = models.TextField("追责情形", blank=True, default="")

    class Meta:
        verbose_name = "权责清单事项"
        verbose_name_plural = "权责清单"
        ordering = ["agency", "code"]
        constraints = [models.UniqueConstraint(fields=["agency", "code"], name="registry_power_unique_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class TimeLimitKind(models.TextChoices):
    WORKING = "working", "工作日"
    CALENDAR = "calendar", "自然日"


class EnforcementItem(Reviewed):
    """行政执法事项清单 (plan 二(一)3(2)).

    ``legal_basis`` is a list of ``{"law": "中华人民共和国安全生产法", "article": "第一百零一条"}``.
    ``discretion_benchmark`` (裁量基准) is a list of circumstance bands
    ``{"circumstance": ..., "sanction": ..., "fine_min": "10000", "fine_max": "30000"}`` (yuan, decimals as strings;
    a band without a fine leaves both empty). Both are validated by ``registry.schemas``.
    """

    agency = models.ForeignKey(Agency, verbose_name="执法主体", on_delete=models.PROTECT, related_name="items")
    code = models.CharField("事项编码", max_length=40)
    category = models.CharField("执法类别", max_length=16, choices=EnforcementCategory.choices)
    name = models.CharField("事项名称", max_length=300)
    legal_basis = models.JSONField("执法依据", default=list)
    discretion_benchmark = models.JSONField("裁量基准", default=list, blank=True)
    handling_department = models.ForeignKey(
        Department, verbose_name="承办机构", on_delete=models.PROTECT, related_name="items"
    )
    time_limit_days = models.PositiveIntegerField("办理时限（天）")
    time_limit_kind = models.CharField("时限计算", max_length=16, choices=TimeLimitKind.choices)
    service_guide = models.TextField("服务指南", blank=True, default="", help_text="行政许可事项的服务指南")
    power = models.ForeignKey(
        Power, verbose_name="对应权责事项", null=True, blank=True, on_delete=models.PROTECT, related_name="items"
    )

    class Meta:
        verbose_name = "行政执法事项"
        verbose_name_plural = "行政执法事项清单"
        ordering = ["agency", "code"]
        constraints = [models.UniqueConstraint(fields=["agency", "code"], name="registry_item_unique_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def time_limit(self) -> dict[str, object]:
        return {"days": self.time_limit_days, "kind": self.time_limit_kind}


class InspectionItem(Reviewed):
    """随机抽查事项清单 (plan 二(一)3(3))."""

    agency = models.ForeignKey(
        Agency, verbose_name="执法主体", on_delete=models.PROTECT, related_name="inspection_items"
    )
    code = models.CharField("事项编码", max_length=40)
    name = models.CharField("抽查事项", max_length=300)
    inspecting_body = models.CharField("抽查主体", max_length=200)
    basis = models.TextField("抽查依据")
    target_type = models.CharField("抽查对象", max_length=200)
    content = models.TextField("抽查内容")
    method = models.CharField("抽查方式", max_length=200)
    ratio_percent = models.DecimalField("抽查比例（%）", max_digits=5, decimal_places=2)
    frequency = models.CharField("抽查频次", max_length=100)
    category = models.CharField(
        "执法类别", max_length=16, choices=EnforcementCategory.choices, default=EnforcementCategory.INSPECTION
    )

    class Meta:
        verbose_name = "随机抽查事项"
        verbose_name_plural = "随机抽查事项清单"
        ordering = ["agency", "code"]
        constraints = [models.UniqueConstraint(fields=["agency", "code"], name="registry_inspection_unique_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class AnnualReviewState(models.TextChoices):
    PASSED = "passed", "审验合格"
    PENDING = "pending", "待审验"
    FAILED = "failed", "审验不合格"


class CertificateState(models.TextChoices):
    VALID = "valid", "有效"
    EXPIRED = "expired", "已过期"
    SUSPENDED = "suspended", "暂扣"
    REVOKED = "revoked", "已注销"
    NOT_YET_VALID = "not_yet_valid", "未生效"
    REVIEW_FAILED = "review_failed", "年度审验不合格"


class Officer(Reviewed):
    """人员资格清单 (plan 二(一)3(5)): an officer holding an enforcement certificate (行政执法证).

    ``categories`` are ``EnforcementCategory`` codes; ``region`` is a GB/T 2260 division code (211103 兴隆台区,
    211100 all of 盘锦市). Suspension and revocation are recorded by services and take effect at once, without
    waiting for review; expiry follows from ``valid_until`` on the day it passes.
    """

    agency = models.ForeignKey(Agency, verbose_name="执法主体", on_delete=models.PROTECT, related_name="officers")
    department = models.ForeignKey(
        Department, verbose_name="科室", null=True, blank=True, on_delete=models.PROTECT, related_name="officers"
    )
    user = models.OneToOneField(
        User, verbose_name="用户账号", null=True, blank=True, on_delete=models.PROTECT, related_name="officer"
    )
    name = models.CharField("姓名", max_length=50)
    post = models.CharField("职务", max_length=100)
    certificate_number = models.CharField("执法证号", max_length=40, unique=True)
    categories = models.JSONField("执法类别", default=list)
    region = models.CharField("执法区域", max_length=6)
    region_name = models.CharField("执法区域名称", max_length=100, blank=True, default="")
    issuing_authority = models.CharField("发证机关", max_length=100, blank=True, default="")
    valid_from = models.DateField("有效期起")
    valid_until = models.DateField("有效期至")
    annual_review_year = models.PositiveIntegerField("最近审验年度", null=True, blank=True)
    annual_review_state = models.CharField(
        "年度审验", max_length=16, choices=AnnualReviewState.choices, default=AnnualReviewState.PENDING
    )
    suspended_at = models.DateTimeField("暂扣时间", null=True, blank=True)
    suspension_reason = models.TextField("暂扣原因", blank=True, default="")
    revoked_at = models.DateTimeField("注销时间", null=True, blank=True)
    revocation_reason = models.TextField("注销原因", blank=True, default="")

    class Meta:
        verbose_name = "执法人员"
        verbose_name_plural = "人员资格清单"
        ordering = ["agency", "name"]

    def __str__(self) -> str:
        return f"{self.name}（{self.certificate_number}）"

    def certificate_state(self, on: dt.date | None = None) -> CertificateState:
        day = on or timezone.localdate()
        if self.revoked_at:
            return CertificateState.REVOKED
        if self.suspended_at:
            return CertificateState.SUSPENDED
        if day < self.valid_from:
            return CertificateState.NOT_YET_VALID
        if day > self.valid_until:
            return CertificateState.EXPIRED
        if self.annual_review_state == AnnualReviewState.FAILED:
            return CertificateState.REVIEW_FAILED
        return CertificateState.VALID

    def certificate_valid(self, on: dt.date | None = None) -> bool:
        return self.certificate_state(on) == CertificateState.VALID


class DocumentTemplate(Reviewed):
    """文书样本 (plan 二(一)3(7)): a docxtpl ``.docx`` template with documented placeholders.

    ``agency`` empty means the deployment-wide standard text; ``placeholders`` lists
    ``{"name": "party_name", "label": "当事人名称", "required": true}`` as documented in docs/templates.md.
    """

    agency = models.ForeignKey(
        Agency, verbose_name="执法主体", on_delete=models.PROTECT, related_name="document_templates"
    )
    code = models.CharField("文书编码", max_length=40)
    name = models.CharField("文书名称", max_length=100)
    order = models.PositiveIntegerField("案卷顺序", default=0)
    description = models.TextField("说明", blank=True, default="")
    file = models.FileField("模板文件", upload_to="templates/")
    file_sha256 = models.CharField("文件SHA-256", max_length=64, blank=True, default="")
    placeholders = models.JSONField("占位符", default=list, blank=True)

    class Meta:
        verbose_name = "文书样本"
        verbose_name_plural = "文书样本"
        ordering = ["agency", "order", "code"]
        constraints = [models.UniqueConstraint(fields=["agency", "code"], name="registry_template_unique_code")]

    def __str__(self) -> str:
        return self.name


class ComplaintChannel(Reviewed):
    """监督举报信息 (plan 二(一)3(8)): where and how the public complains about officers' conduct."""

    agency = models.ForeignKey(
        Agency, verbose_name="执法主体", on_delete=models.PROTECT, related_name="complaint_channels"
    )
    name = models.CharField("渠道名称", max_length=100)
    address = models.CharField("受理地址", max_length=200)
    postcode = models.CharField("邮政编码", max_length=6)
    phone = models.CharField("举报电话", max_length=30)
    email = models.EmailField("电子邮箱")
    hours = models.CharField("受理时间", max_length=100, blank=True, default="")
    procedure = models.TextField("受理反馈程序")

    class Meta:
        verbose_name = "监督举报渠道"
        verbose_name_plural = "监督举报信息"
        ordering = ["agency", "name"]

    def __str__(self) -> str:
        return f"{self.agency} {self.name}"


# --- audio-video recording (plan 二(二)3: 音像记录事项清单 and 执法记录仪) ---------------------------------------------


class RecordingRequirement(models.TextChoices):
    """What the AV list asks of a step (the same codes as ``cases.processes.Recording``, ``none`` left out)."""

    REQUIRED = "required", "应当音像记录"
    FULL_PROCESS = "full_process", "全过程音像记录"


class RecordingRule(Reviewed):
    """音像记录事项清单 (plan 二(二)3(1)), one enforcement step that needs audio-video recording.

    ``process_key`` / ``step_key`` name a step of ``cases.processes.PROCESSES`` (checked by the list's cleaner). A
    rule can only add to what the process definition already requires: the stricter of the two applies
    (``registry.selectors.recording_requirement``).
    """

    agency = models.ForeignKey(
        Agency, verbose_name="执法主体", on_delete=models.PROTECT, related_name="recording_rules"
    )
    code = models.CharField("事项编码", max_length=40)
    name = models.CharField("记录事项", max_length=200)
    process_key = models.CharField("执法程序", max_length=40, help_text="流程定义的编码，如 coercion-seizure")
    step_key = models.CharField("执法环节", max_length=40, help_text="流程环节的编码，如 implement")
    requirement = models.CharField("记录要求", max_length=16, choices=RecordingRequirement.choices)
    scope = models.TextField("记录范围", blank=True, default="")
    basis = models.TextField("依据")

    class Meta:
        verbose_name = "音像记录事项"
        verbose_name_plural = "音像记录事项清单"
        ordering = ["agency", "code"]
        constraints = [models.UniqueConstraint(fields=["agency", "code"], name="registry_recording_rule_unique_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def clean(self) -> None:
        """The rule must name a step of a process definition (``cases.processes.PROCESSES``)."""
        from sanxiang.cases.processes import PROCESSES

        process = PROCESSES.get(self.process_key)
        if process is None:
            names = "、".join(f"{key}（{p.name}）" for key, p in PROCESSES.items())
            raise DjangoValidationError({"process_key": f"没有编码为“{self.process_key}”的执法程序，可选：{names}。"})
        if self.step_key not in {step.key for step in process.steps}:
            steps = "、".join(f"{step.key}（{step.name}）" for step in process.steps)
            raise DjangoValidationError(
                {"step_key": f"“{process.name}”没有编码为“{self.step_key}”的环节，可选：{steps}。"}
            )

    @property
    def process_name(self) -> str:
        from sanxiang.cases.processes import PROCESSES

        process = PROCESSES.get(self.process_key)
        return process.name if process else self.process_key

    @property
    def step_name(self) -> str:
        from sanxiang.cases.processes import PROCESSES

        process = PROCESSES.get(self.process_key)
        try:
            return process.step(self.step_key).name if process else self.step_key
        except KeyError:
            return self.step_key


class RecordingPlaceKind(models.TextChoices):
    INTERVIEW_ROOM = "interview_room", "询问室"
    CASE_AREA = "case_area", "办案区"
    PROPERTY_ROOM = "property_room", "涉案财物保管场所"
    HEARING_ROOM = "hearing_room", "听证室"
    SITE = "site", "执法现场"
    OTHER = "other", "其他"


class RecordingPlace(Reviewed):
    """音像记录事项清单的执法场所 (plan 二(二)3(1)): a case-handling room or area that is recorded.

    ``full_process`` marks a place recorded from entering to leaving (118号: 办案场所全过程记录).
    """

    agency = models.ForeignKey(
        Agency, verbose_name="执法主体", on_delete=models.PROTECT, related_name="recording_places"
    )
    name = models.CharField("场所名称", max_length=100)
    kind = models.CharField("场所类别", max_length=16, choices=RecordingPlaceKind.choices)
    address = models.CharField("地址", max_length=200)
    full_process = models.BooleanField("全过程音像记录", default=True)
    cameras = models.TextField("音像记录设备", blank=True, default="", help_text="摄像头、拾音设备的数量和位置")

    class Meta:
        verbose_name = "音像记录场所"
        verbose_name_plural = "音像记录场所清单"
        ordering = ["agency", "name"]
        constraints = [models.UniqueConstraint(fields=["agency", "name"], name="registry_recording_place_unique_name")]

    def __str__(self) -> str:
        return self.name


class DeviceStatus(models.TextChoices):
    IN_SERVICE = "in_service", "在用"
    UNDER_REPAIR = "under_repair", "维修中"
    RETIRED = "retired", "已报废"


class Device(models.Model):
    """执法记录仪 (plan 二(二)3(2)): an agency's body camera and to whom it is assigned now.

    An internal register (not published). Changed only by ``registry.services.device_*``, each change one ledger
    entry; a finished assignment is kept as a ``DeviceUsage`` row.
    """

    agency = models.ForeignKey(Agency, verbose_name="执法主体", on_delete=models.PROTECT, related_name="devices")
    asset_number = models.CharField("资产编号", max_length=40, unique=True)
    model_name = models.CharField("型号", max_length=100)
    serial_number = models.CharField("出厂序列号", max_length=100, blank=True, default="")
    storage_gb = models.PositiveIntegerField("存储容量（GB）", null=True, blank=True)
    status = models.CharField("状态", max_length=16, choices=DeviceStatus.choices, default=DeviceStatus.IN_SERVICE)
    officer = models.ForeignKey(
        Officer, verbose_name="配发给", null=True, blank=True, on_delete=models.PROTECT, related_name="devices"
    )
    assigned_at = models.DateTimeField("配发时间", null=True, blank=True)
    note = models.TextField("备注", blank=True, default="")
    registered_at = models.DateTimeField("登记时间", default=timezone.now)
    retired_at = models.DateTimeField("报废时间", null=True, blank=True)

    class Meta:
        verbose_name = "执法记录仪"
        verbose_name_plural = "执法记录仪"
        ordering = ["agency", "asset_number"]

    def __str__(self) -> str:
        return f"{self.asset_number}（{self.model_name}）"


class DeviceUsage(models.Model):
    """One finished use of a device by an officer (领用 to 归还), written when it is returned; never changed."""

    device = models.ForeignKey(Device, verbose_name="执法记录仪", on_delete=models.PROTECT, related_name="usages")
    officer = models.ForeignKey(Officer, verbose_name="使用人", on_delete=models.PROTECT, related_name="device_usages")
    checked_out_at = models.DateTimeField("领用时间")
    returned_at = models.DateTimeField("归还时间")
    note = models.TextField("备注", blank=True, default="")

    class Meta:
        verbose_name = "执法记录仪使用记录"
        verbose_name_plural = "执法记录仪使用记录"
        ordering = ["-returned_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.device.asset_number} {self.officer.name}"
