"""Writes to who-is-who: agencies (a published list of their own), departments, users, roles."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from sanxiang.core.errors import PermissionDenied, ValidationError, full_clean_or_raise
from sanxiang.core.validators import validate_phone, validate_postcode, validate_region_code, validate_uscc
from sanxiang.ledger.services import record
from sanxiang.org.access import is_deployment_admin, require_role
from sanxiang.org.listing import LIST_KEEPERS, ListSpec, clean_fields
from sanxiang.org.models import Agency, Department, Role, RoleAssignment, SubjectCategory, User


def clean_agency(data: dict[str, Any], agency: Agency | None) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    clean_fields(
        data,
        {
            "uscc": validate_uscc,
            "complaint_phone": validate_phone,
            "postcode": validate_postcode,
            "region": validate_region_code,
        },
        errors,
        skip_blank=True,
    )
    category = data.get("subject_category", agency.subject_category if agency and agency.pk else None)
    entrusted_by = data.get("entrusted_by_id", agency.entrusted_by_id if agency and agency.pk else None)
    if category == SubjectCategory.ENTRUSTED and not entrusted_by:
        errors.setdefault("entrusted_by", []).append("受委托组织须注明委托机关。")
    if category != SubjectCategory.ENTRUSTED and entrusted_by:
        errors.setdefault("entrusted_by", []).append("只有受委托组织有委托机关。")
    if errors:
        raise ValidationError(errors)
    return data


AGENCY_FIELDS = (
    "name",
    "short_name",
    "uscc",
    "nature",
    "funding_source",
    "staffing",
    "enforcement_staff_count",
    "subject_category",
    "duties",
    "legal_representative",
    "address",
    "postcode",
    "complaint_phone",
    "level",
    "sector",
    "region",
    "document_prefix",
    "is_enforcement_body",
    "entrusted_by_id",
    "entrustment_agreement",
    "entrustment_summary",
)

AGENCIES: ListSpec[Agency] = ListSpec(
    key="agency",
    title="行政执法主体资格清单",
    model=Agency,
    fields=AGENCY_FIELDS,
    editor_roles=LIST_KEEPERS,
    clean=clean_agency,
    agency_attr="self",
)


@transaction.atomic
def agency_create(*, actor: Any, data: dict[str, Any]) -> Agency:
    """A new agency (draft). Only the deployment administrator creates agencies."""
    if not is_deployment_admin(actor):
        raise PermissionDenied("只有系统管理员可以新增执法主体。")
    unknown = sorted(set(data) - set(AGENCY_FIELDS))
    if unknown:
        raise ValidationError({name: ["不能设置该字段。"] for name in unknown})
    cleaned = clean_agency(dict(data), None)
    agency = Agency(**cleaned)
    full_clean_or_raise(agency)
    agency.save()
    record(actor=actor, action="agency.create", subject=agency)
    return agency


@transaction.atomic
def agency_district_review_record(*, actor: Any, agency: Agency, reference: str) -> Agency:
    """Record that the district government's legal office reviewed an entrusted body (plan 二(一)3(4))."""
    if not reference.strip():
        raise ValidationError({"reference": ["请填写区政府法制机构的审核文号。"]})
    agency = Agency.objects.select_for_update().get(pk=agency.pk)
    target = agency.entrusted_by or agency
    require_role(actor, target, LIST_KEEPERS, "只有委托机关法规科可以登记审核结果。")
    if not agency.is_entrusted:
        raise ValidationError("只有受委托组织需要区政府法制机构审核。")
    agency.district_reviewed_at = timezone.now()
    agency.district_review_reference = reference.strip()
    agency.save(update_fields=["district_reviewed_at", "district_review_reference", "updated_at"])
    record(actor=actor, action="agency.district_review", subject=agency, note=reference)
    return agency


@transaction.atomic
def agency_supervision_set(*, actor: Any, supervisor: Agency, supervised: list[Agency]) -> Agency:
    """Which agencies a supervising body supervises."""
    if not is_deployment_admin(actor):
        raise PermissionDenied("只有系统管理员可以设置监督关系。")
    supervisor.supervises.set(supervised)
    record(actor=actor, action="agency.supervision_set", subject=supervisor)
    return supervisor


@transaction.atomic
def department_create(*, actor: Any, agency: Agency, name: str, kind: str, phone: str = "") -> Department:
    require_role(actor, agency, {Role.ADMINISTRATOR}, "只有系统管理员可以设置科室。")
    if not name.strip():
        raise ValidationError({"name": ["请填写科室名称。"]})
    if Department.objects.filter(agency=agency, name=name.strip()).exists():
        raise ValidationError({"name": [f"{agency.name}已有名为“{name}”的科室。"]})
    department = Department(agency=agency, name=name.strip(), kind=kind, phone=phone)
    full_clean_or_raise(department)
    department.save()
    record(actor=actor, action="department.create", subject=department)
    return department


@transaction.atomic
def user_create(*, actor: Any, username: str, full_name: str, password: str | None = None, phone: str = "") -> User:
    if (
        not is_deployment_admin(actor)
        and not RoleAssignment.objects.filter(user=actor, role=Role.ADMINISTRATOR, active=True).exists()
    ):
        raise PermissionDenied("只有系统管理员可以创建用户。")
    if User.objects.filter(username=username).exists():
        raise ValidationError({"username": [f"用户名“{username}”已被使用。"]})
    user = User(username=username, full_name=full_name, phone=phone)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    record(actor=actor, action="user.create", subject=user)
    return user


@transaction.atomic
def role_assign(
    *, actor: Any, user: User, role: str, agency: Agency, department: Department | None = None
) -> RoleAssignment:
    require_role(actor, agency, {Role.ADMINISTRATOR}, "只有系统管理员可以分配角色。")
    if role not in Role.values:
        raise ValidationError({"role": [f"角色“{role}”无效。"]})
    if department is not None and department.agency_id != agency.pk:
        raise ValidationError({"department": ["科室必须属于该机构。"]})
    assignment, created = RoleAssignment.objects.get_or_create(
        user=user, role=role, agency=agency, department=department, defaults={"active": True}
    )
    if not created and not assignment.active:
        assignment.active = True
        assignment.save(update_fields=["active"])
    elif not created:
        return assignment
    record(actor=actor, action="role.assign", subject=assignment)
    return assignment


@transaction.atomic
def role_revoke(*, actor: Any, assignment: RoleAssignment) -> RoleAssignment:
    require_role(actor, assignment.agency, {Role.ADMINISTRATOR}, "只有系统管理员可以撤销角色。")
    assignment.active = False
    assignment.save(update_fields=["active"])
    record(actor=actor, action="role.revoke", subject=assignment)
    return assignment
