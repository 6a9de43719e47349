"""The published lists, each described once for the shared review workflow (``sanxiang.org.listing``)."""

from __future__ import annotations

import hashlib
from typing import Any

from sanxiang.core.errors import ValidationError
from sanxiang.core.validators import validate_email, validate_phone, validate_postcode, validate_region_code
from sanxiang.org.listing import LIST_KEEPERS as LIST_KEEPERS  # the keepers of most lists, used by other apps
from sanxiang.org.listing import ListSpec, clean_fields
from sanxiang.org.models import Agency, Department, Role
from sanxiang.org.services import AGENCIES
from sanxiang.registry import schemas
from sanxiang.registry.models import (
    ComplaintChannel,
    DocumentTemplate,
    EnforcementCategory,
    EnforcementItem,
    InspectionItem,
    Officer,
    Power,
    RecordingPlace,
    RecordingRule,
)


def _department_of(agency: Agency, data: dict[str, Any], field: str, errors: dict[str, list[str]]) -> None:
    attname = f"{field}_id"
    if data.get(attname) is not None and not Department.objects.filter(pk=data[attname], agency=agency).exists():
        errors.setdefault(field, []).append("承办机构必须是本机构的科室。")


def _raise(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationError(errors)


def clean_item(data: dict[str, Any], agency: Agency) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    clean_fields(
        data,
        {"legal_basis": schemas.clean_legal_basis, "discretion_benchmark": schemas.clean_discretion_benchmark},
        errors,
    )
    _department_of(agency, data, "handling_department", errors)
    if data.get("power_id") is not None and not Power.objects.filter(pk=data["power_id"], agency=agency).exists():
        errors.setdefault("power", []).append("对应权责事项必须属于本机构。")
    if data.get("category") != EnforcementCategory.LICENCE and data.get("service_guide"):
        errors.setdefault("service_guide", []).append("只有行政许可事项填写服务指南。")
    if data.get("category") == EnforcementCategory.LICENCE and "service_guide" in data and not data["service_guide"]:
        errors.setdefault("service_guide", []).append("行政许可事项须公示服务指南。")
    _raise(errors)
    return data


def clean_inspection_item(data: dict[str, Any], agency: Agency) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    ratio = data.get("ratio_percent")
    if ratio is not None:
        try:
            value = float(str(ratio))
        except ValueError:
            errors.setdefault("ratio_percent", []).append("抽查比例应为数字。")
        else:
            if not 0 < value <= 100:
                errors.setdefault("ratio_percent", []).append("抽查比例应大于0且不超过100。")
    _raise(errors)
    return data


def clean_officer(data: dict[str, Any], agency: Agency) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    clean_fields(data, {"categories": schemas.clean_categories, "region": validate_region_code}, errors)
    _department_of(agency, data, "department", errors)
    if data.get("valid_from") and data.get("valid_until") and data["valid_from"] > data["valid_until"]:
        errors.setdefault("valid_until", []).append("有效期至不能早于有效期起。")
    _raise(errors)
    return data


def clean_template(data: dict[str, Any], agency: Agency) -> dict[str, Any]:
    """A template is a .docx file; its SHA-256 is computed here, never typed."""
    upload = data.get("file")
    if upload is not None and not isinstance(upload, str) and hasattr(upload, "chunks"):
        if not str(getattr(upload, "name", "")).lower().endswith(".docx"):
            raise ValidationError({"file": ["文书样本须为 .docx 文件。"]})
        digest = hashlib.sha256()
        for chunk in upload.chunks():
            digest.update(chunk)
        upload.seek(0)
        data["file_sha256"] = digest.hexdigest()
    return data


def clean_channel(data: dict[str, Any], agency: Agency) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    clean_fields(data, {"phone": validate_phone, "postcode": validate_postcode, "email": validate_email}, errors)
    _raise(errors)
    return data


POWERS = ListSpec(
    key="power",
    title="权责清单",
    model=Power,
    fields=("code", "name", "category", "basis", "responsibilities", "accountability"),
    editor_roles=LIST_KEEPERS,
)
ITEMS = ListSpec(
    key="item",
    title="行政执法事项清单",
    model=EnforcementItem,
    fields=(
        "code",
        "category",
        "name",
        "legal_basis",
        "discretion_benchmark",
        "handling_department_id",
        "time_limit_days",
        "time_limit_kind",
        "service_guide",
        "power_id",
    ),
    # Plan 二(一)3(2): the enforcement sections, squads and the legal section keep this list together.
    editor_roles=LIST_KEEPERS | {Role.DEPARTMENT_HEAD},
    clean=clean_item,
)
INSPECTION_ITEMS = ListSpec(
    key="inspection_item",
    title="随机抽查事项清单",
    model=InspectionItem,
    fields=(
        "code",
        "name",
        "inspecting_body",
        "basis",
        "target_type",
        "content",
        "method",
        "ratio_percent",
        "frequency",
        "category",
    ),
    editor_roles=LIST_KEEPERS,
    clean=clean_inspection_item,
)
OFFICERS = ListSpec(
    key="officer",
    title="人员资格清单",
    model=Officer,
    fields=(
        "department_id",
        "user_id",
        "name",
        "post",
        "certificate_number",
        "categories",
        "region",
        "region_name",
        "issuing_authority",
        "valid_from",
        "valid_until",
        "annual_review_year",
        "annual_review_state",
    ),
    editor_roles=LIST_KEEPERS,
    clean=clean_officer,
)
TEMPLATES = ListSpec(
    key="template",
    title="文书样本",
    model=DocumentTemplate,
    fields=("code", "name", "order", "description", "file", "file_sha256", "placeholders"),
    editor_roles=LIST_KEEPERS,
    clean=clean_template,
)
CHANNELS = ListSpec(
    key="complaint_channel",
    title="监督举报信息",
    model=ComplaintChannel,
    fields=("name", "address", "postcode", "phone", "email", "hours", "procedure"),
    # Plan 二(一)3(8): the office keeps the complaint channels.
    editor_roles=LIST_KEEPERS | {Role.OFFICE},
    clean=clean_channel,
)

RECORDING_RULES = ListSpec(
    key="recording_rule",
    title="音像记录事项清单",
    model=RecordingRule,
    fields=("code", "name", "process_key", "step_key", "requirement", "scope", "basis"),
    editor_roles=LIST_KEEPERS,
)
RECORDING_PLACES = ListSpec(
    key="recording_place",
    title="音像记录场所清单",
    model=RecordingPlace,
    fields=("name", "kind", "address", "full_process", "cameras"),
    editor_roles=LIST_KEEPERS,
)

ALL_LISTS: dict[str, ListSpec[Any]] = {
    "agencies": AGENCIES,
    "powers": POWERS,
    "items": ITEMS,
    "inspection-items": INSPECTION_ITEMS,
    "officers": OFFICERS,
    "templates": TEMPLATES,
    "complaint-channels": CHANNELS,
    "recording-rules": RECORDING_RULES,
    "recording-places": RECORDING_PLACES,
}
