from __future__ import annotations

from typing import ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models

from sanxiang.core.models import PublicationStatus, Reviewed


class User(AbstractUser):
    """A person who signs in: staff of an agency, a supervisor, or an administrator.

    What a user may do comes from ``RoleAssignment`` rows, scoped to an agency, never from Django's groups.
    """

    full_name = models.CharField("姓名", max_length=50, blank=True, default="")
    phone = models.CharField("联系电话", max_length=30, blank=True, default="")

    objects: ClassVar[UserManager[User]] = UserManager()  # type: ignore[assignment]

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def display_name(self) -> str:
        return self.full_name or self.username


class AgencyNature(models.TextChoices):
    ADMINISTRATIVE = "administrative", "行政机关"
    PUBLIC_INSTITUTION = "public_institution", "事业单位"
    OTHER = "other", "其他组织"


class SubjectCategory(models.TextChoices):
    """主体类别: statutory body, body authorised by law, or entrusted organisation."""

    STATUTORY = "statutory", "法定行政机关"
    AUTHORISED = "authorised", "法律法规授权组织"
    ENTRUSTED = "entrusted", "受委托组织"


class EnforcementLevel(models.TextChoices):
    NATIONAL = "national", "国家级"
    PROVINCIAL = "provincial", "省级"
    CITY = "city", "市级"
    DISTRICT = "district", "县（区）级"
    TOWNSHIP = "township", "乡镇（街道）级"


class Agency(Reviewed):
    """执法主体: an enforcement body with every field of plan 二(一)3(4), itself a published list entry.

    A supervising body (区司法局, 市应急管理局) is an agency too: ``supervises`` names the agencies whose records its
    supervisors may read.
    """

    name = models.CharField("机构名称", max_length=100, unique=True)
    short_name = models.CharField("简称", max_length=20, blank=True, default="")
    uscc = models.CharField("统一社会信用代码", max_length=18, blank=True, default="")
    nature = models.CharField("机构性质", max_length=32, choices=AgencyNature.choices)
    funding_source = models.CharField("经费来源", max_length=100, blank=True, default="")
    staffing = models.CharField("队伍编制状况", max_length=200, blank=True, default="")
    enforcement_staff_count = models.PositiveIntegerField("执法人员编制数", default=0)
    subject_category = models.CharField("主体类别", max_length=16, choices=SubjectCategory.choices)
    duties = models.TextField("执法职责和权限", blank=True, default="")
    legal_representative = models.CharField("法定代表人", max_length=50, blank=True, default="")
    address = models.CharField("单位地址", max_length=200, blank=True, default="")
    postcode = models.CharField("邮政编码", max_length=6, blank=True, default="")
    complaint_phone = models.CharField("投诉举报电话", max_length=30, blank=True, default="")
    level = models.CharField("执法层级", max_length=16, choices=EnforcementLevel.choices)
    sector = models.CharField("所属领域", max_length=50, blank=True, default="")
    region = models.CharField("行政区划代码", max_length=6, blank=True, default="")
    document_prefix = models.CharField("文书字号前缀", max_length=20, blank=True, default="")
    is_enforcement_body = models.BooleanField("执法主体", default=True)
    entrusted_by = models.ForeignKey(
        "self",
        verbose_name="委托机关",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="entrusted_agencies",
    )
    entrustment_agreement = models.FileField("委托执法协议", upload_to="agreements/", blank=True, default="")
    entrustment_summary = models.TextField("委托事项与期限", blank=True, default="")
    district_reviewed_at = models.DateTimeField("区政府法制机构审核时间", null=True, blank=True)
    district_review_reference = models.CharField("区政府法制机构审核文号", max_length=100, blank=True, default="")
    supervises = models.ManyToManyField(
        "self", verbose_name="监督对象", symmetrical=False, blank=True, related_name="supervisors"
    )

    class Meta:
        verbose_name = "执法主体"
        verbose_name_plural = "执法主体"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_entrusted(self) -> bool:
        return self.subject_category == SubjectCategory.ENTRUSTED

    @property
    def publicly_visible(self) -> bool:
        """Published, and for an entrusted body also reviewed by the district legal office (plan 二(一)3(4))."""
        return self.status == PublicationStatus.PUBLISHED and (not self.is_entrusted or bool(self.district_reviewed_at))


class DepartmentKind(models.TextChoices):
    LEGAL = "legal", "法规科"
    ENFORCEMENT = "enforcement", "执法科室"
    SQUAD = "squad", "执法中队"
    OFFICE = "office", "办公室"
    OTHER = "other", "其他"


class Department(models.Model):
    """科室 / 中队 / 法规科 / 办公室 of an agency."""

    agency = models.ForeignKey(Agency, verbose_name="执法主体", on_delete=models.PROTECT, related_name="departments")
    name = models.CharField("名称", max_length=100)
    kind = models.CharField("类别", max_length=16, choices=DepartmentKind.choices)
    phone = models.CharField("电话", max_length=30, blank=True, default="")
    active = models.BooleanField("在用", default=True)

    class Meta:
        verbose_name = "科室"
        verbose_name_plural = "科室"
        ordering = ["agency", "id"]
        constraints = [models.UniqueConstraint(fields=["agency", "name"], name="org_department_unique_name")]

    def __str__(self) -> str:
        return f"{self.agency.short_name or self.agency.name}·{self.name}"


class Role(models.TextChoices):
    OFFICER = "officer", "执法人员"
    DEPARTMENT_HEAD = "department_head", "科室负责人"
    PRELIMINARY_REVIEWER = "preliminary_reviewer", "初审员"
    LEGAL_REVIEWER = "legal_reviewer", "法制审核人员"
    LEGAL_ADVISER = "legal_adviser", "法律顾问"
    LEADER = "leader", "局领导"
    OFFICE = "office", "办公室"
    EVALUATOR = "evaluator", "案卷评查员"
    SUPERVISOR = "supervisor", "监督人员"
    ADMINISTRATOR = "administrator", "系统管理员"


class RoleAssignment(models.Model):
    """A role a user holds in an agency (and a department where the role is departmental)."""

    user = models.ForeignKey(User, verbose_name="用户", on_delete=models.PROTECT, related_name="role_assignments")
    role = models.CharField("角色", max_length=32, choices=Role.choices)
    agency = models.ForeignKey(Agency, verbose_name="机构", on_delete=models.PROTECT, related_name="role_assignments")
    department = models.ForeignKey(
        Department,
        verbose_name="科室",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="role_assignments",
    )
    active = models.BooleanField("有效", default=True)

    class Meta:
        verbose_name = "角色分配"
        verbose_name_plural = "角色分配"
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "agency", "department"], name="org_role_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.agency}"
