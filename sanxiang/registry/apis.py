"""The published lists over JSON: open data under ``/public/``, list keeping under ``/staff/``.

Every handler has the same four steps (STYLE.md): parse the input (a ninja Schema), check access (a selector that
restricts to what the user may read, so "missing" and "not yours" are both 404), call a service (which checks the
role and writes the ledger entry), render an explicit output Schema (never a raw model).

The routes of each list are generated from one ``ListApi`` description, so that every list has the same endpoints
and its own schemas in the OpenAPI document. Template files are uploaded on the staff site, not through this API
(the API edits a template's metadata and runs its review).
"""

import datetime as dt
import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from ninja import Field, Router, Schema, Status
from ninja.pagination import PaginationBase, paginate
from ninja.security import django_auth
from pydantic import ConfigDict, create_model

from sanxiang.core.errors import NotFound, PermissionDenied
from sanxiang.core.models import PublicationStatus, Reviewed
from sanxiang.org.access import access_object, is_staff_user, user_label
from sanxiang.org.listing import ListSpec, can_review
from sanxiang.org.models import Agency, AgencyNature, EnforcementLevel, SubjectCategory
from sanxiang.org.services import agency_create
from sanxiang.registry import selectors
from sanxiang.registry.models import (
    AnnualReviewState,
    EnforcementCategory,
    Officer,
    RecordingPlaceKind,
    RecordingRequirement,
    TimeLimitKind,
)
from sanxiang.registry.services import (
    entry_approve,
    entry_create,
    entry_return,
    entry_submit,
    entry_update,
    entry_withdraw,
    officer_annual_review_record,
    officer_certificate_reinstate,
    officer_certificate_revoke,
    officer_certificate_suspend,
)
from sanxiang.registry.specs import ALL_LISTS

public_router = Router(tags=["开放数据"])
staff_router = Router(tags=["清单维护"], auth=django_auth)


# --- pagination ------------------------------------------------------------------------------------------------------


class PagePagination(PaginationBase):
    """``?page=2&page_size=50`` (at most 100 a page) → ``{items, count, page, page_size}``."""

    class Input(Schema):
        page: int = Field(1, ge=1, description="页码，从 1 开始")
        page_size: int = Field(20, ge=1, le=100, description="每页条数（不超过 100）")

    class Output(Schema):
        items: list[Any]
        count: int
        page: int
        page_size: int

    def paginate_queryset(self, queryset: Any, pagination: Any, request: HttpRequest, **params: Any) -> Any:
        start = (pagination.page - 1) * pagination.page_size
        return {
            "items": list(queryset[start : start + pagination.page_size]),
            "count": self._items_count(queryset),
            "page": pagination.page,
            "page_size": pagination.page_size,
        }


# --- output schemas --------------------------------------------------------------------------------------------------


class AgencyRef(Schema):
    id: int
    name: str


class DepartmentRef(Schema):
    id: int
    name: str


class PublishedOut(Schema):
    """What every public entry carries about its publication."""

    id: int
    version: int = Field(description="公示版本，每次审核通过加一")
    first_published_at: dt.datetime | None
    published_at: dt.datetime | None


class AgencyOut(PublishedOut):
    name: str
    short_name: str
    uscc: str
    nature: str
    nature_display: str
    funding_source: str
    staffing: str
    enforcement_staff_count: int
    subject_category: str
    subject_category_display: str
    duties: str
    legal_representative: str
    address: str
    postcode: str
    complaint_phone: str
    level: str
    level_display: str
    sector: str
    region: str
    is_enforcement_body: bool
    entrusted_by: AgencyRef | None
    entrustment_agreement_url: str | None
    entrustment_summary: str
    district_reviewed_at: dt.datetime | None
    district_review_reference: str

    @staticmethod
    def resolve_nature_display(obj: Agency) -> str:
        return str(obj.get_nature_display())

    @staticmethod
    def resolve_subject_category_display(obj: Agency) -> str:
        return str(obj.get_subject_category_display())

    @staticmethod
    def resolve_level_display(obj: Agency) -> str:
        return str(obj.get_level_display())

    @staticmethod
    def resolve_entrustment_agreement_url(obj: Agency) -> str | None:
        return obj.entrustment_agreement.url if obj.entrustment_agreement else None


class PowerOut(PublishedOut):
    agency: AgencyRef
    code: str
    name: str
    category: str
    category_display: str
    basis: str
    responsibilities: str
    accountability: str

    @staticmethod
    def resolve_category_display(obj: Any) -> str:
        return str(obj.get_category_display())


class LegalBasisOut(Schema):
    law: str
    article: str = ""


class DiscretionBandOut(Schema):
    circumstance: str
    sanction: str = ""
    fine_min: str = Field("", description="罚款下限（元），无罚款为空")
    fine_max: str = Field("", description="罚款上限（元），无罚款为空")


class TimeLimitOut(Schema):
    days: int
    kind: str = Field(description="working 工作日 / calendar 自然日")


class ItemOut(PublishedOut):
    agency: AgencyRef
    code: str
    category: str
    category_display: str
    name: str
    legal_basis: list[LegalBasisOut]
    discretion_benchmark: list[DiscretionBandOut]
    handling_department: DepartmentRef
    time_limit: TimeLimitOut
    service_guide: str
    power_id: int | None

    @staticmethod
    def resolve_category_display(obj: Any) -> str:
        return str(obj.get_category_display())


class InspectionItemOut(PublishedOut):
    agency: AgencyRef
    code: str
    name: str
    inspecting_body: str
    basis: str
    target_type: str
    content: str
    method: str
    ratio_percent: Decimal
    frequency: str
    category: str
    category_display: str

    @staticmethod
    def resolve_category_display(obj: Any) -> str:
        return str(obj.get_category_display())


_CATEGORY_LABELS = dict(EnforcementCategory.choices)


class OfficerOut(PublishedOut):
    agency: AgencyRef
    department: DepartmentRef | None
    name: str
    post: str
    certificate_number: str
    categories: list[str]
    categories_display: list[str]
    region: str
    region_name: str
    issuing_authority: str
    valid_from: dt.date
    valid_until: dt.date
    annual_review_year: int | None
    annual_review_state: str
    annual_review_state_display: str
    certificate_state: str = Field(description="今日的证件状态：valid / expired / suspended / revoked / …")
    certificate_state_display: str
    certificate_valid: bool

    @staticmethod
    def resolve_categories_display(obj: Officer) -> list[str]:
        return [str(_CATEGORY_LABELS.get(code, code)) for code in obj.categories]

    @staticmethod
    def resolve_annual_review_state_display(obj: Officer) -> str:
        return str(obj.get_annual_review_state_display())

    @staticmethod
    def resolve_certificate_state(obj: Officer) -> str:
        return str(obj.certificate_state().value)

    @staticmethod
    def resolve_certificate_state_display(obj: Officer) -> str:
        return str(obj.certificate_state().label)

    @staticmethod
    def resolve_certificate_valid(obj: Officer) -> bool:
        return obj.certificate_valid()


class PlaceholderOut(Schema):
    name: str
    label: str = ""
    required: bool = False


class TemplateOut(PublishedOut):
    agency: AgencyRef
    code: str
    name: str
    order: int
    description: str
    file_url: str | None
    file_sha256: str
    placeholders: list[PlaceholderOut]

    @staticmethod
    def resolve_file_url(obj: Any) -> str | None:
        # The portal's download view serves only published templates; raw media URLs are not served in production.
        return reverse("portal:template-download", args=[obj.pk]) if obj.file else None


class ComplaintChannelOut(PublishedOut):
    agency: AgencyRef
    name: str
    address: str
    postcode: str
    phone: str
    email: str
    hours: str
    procedure: str


class RecordingRuleOut(PublishedOut):
    agency: AgencyRef
    code: str
    name: str
    process_key: str = Field(description="流程定义编码（/flowcharts/<key>/）")
    process_name: str
    step_key: str
    step_name: str
    requirement: str = Field(description="required：应当音像记录；full_process：全过程音像记录")
    requirement_display: str
    scope: str
    basis: str

    @staticmethod
    def resolve_requirement_display(obj: Any) -> str:
        return str(obj.get_requirement_display())


class RecordingPlaceOut(PublishedOut):
    agency: AgencyRef
    name: str
    kind: str
    kind_display: str
    address: str
    full_process: bool = Field(description="是否全过程音像记录")
    cameras: str

    @staticmethod
    def resolve_kind_display(obj: Any) -> str:
        return str(obj.get_kind_display())


class WorkflowOut(Schema):
    """Review bookkeeping, for staff only (never in the open data)."""

    status: str
    status_display: str
    pending: dict[str, Any] | None = Field(description="已公示条目待审核的修改（字段 → 新值）")
    pending_submitted_at: dt.datetime | None
    review_note: str
    submitted_at: dt.datetime | None
    reviewed_at: dt.datetime | None
    reviewed_by_id: int | None
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_status_display(obj: Reviewed) -> str:
        return str(PublicationStatus(obj.status).label)


class AgencyStaffOut(AgencyOut, WorkflowOut):
    pass


class PowerStaffOut(PowerOut, WorkflowOut):
    pass


class ItemStaffOut(ItemOut, WorkflowOut):
    pass


class InspectionItemStaffOut(InspectionItemOut, WorkflowOut):
    pass


class OfficerStaffOut(OfficerOut, WorkflowOut):
    user_id: int | None
    suspended_at: dt.datetime | None
    suspension_reason: str
    revoked_at: dt.datetime | None
    revocation_reason: str


class TemplateStaffOut(TemplateOut, WorkflowOut):
    pass


class ComplaintChannelStaffOut(ComplaintChannelOut, WorkflowOut):
    pass


class RecordingRuleStaffOut(RecordingRuleOut, WorkflowOut):
    pass


class RecordingPlaceStaffOut(RecordingPlaceOut, WorkflowOut):
    pass


class ChangeOut(Schema):
    field: str
    label: str
    before: Any
    after: Any


class VersionOut(Schema):
    seq: int = Field(description="记录序号")
    time: dt.datetime
    action: str
    action_display: str
    actor: str
    note: str
    changes: list[ChangeOut]


class CertificateOut(Schema):
    """执法证核验: the certificate's state computed today."""

    certificate_number: str
    valid: bool
    state: str
    state_display: str
    checked_on: dt.date
    officer_id: int
    name: str
    agency: AgencyRef
    department: str | None
    post: str
    categories: list[str]
    categories_display: list[str]
    region: str
    region_name: str
    issuing_authority: str
    valid_from: dt.date
    valid_until: dt.date
    annual_review_year: int | None
    annual_review_state: str
    annual_review_state_display: str


class QueueItemOut(Schema):
    list: str = Field(description="清单（URL 中的名称）")
    list_title: str
    id: int
    title: str
    agency: AgencyRef
    kind: str = Field(description="new 新条目 / change 已公示条目的修改")
    submitted_at: dt.datetime | None


class ErrorOut(Schema):
    detail: str
    errors: dict[str, list[str]] | None = None


# --- input schemas ---------------------------------------------------------------------------------------------------


class InputSchema(Schema):
    # Unknown fields (``status``, ``pending``…) are refused, never silently dropped.
    model_config = ConfigDict(extra="forbid")


class AgencyIn(InputSchema):
    name: str
    short_name: str = ""
    uscc: str = ""
    nature: AgencyNature
    funding_source: str = ""
    staffing: str = ""
    enforcement_staff_count: int = Field(0, ge=0)
    subject_category: SubjectCategory
    duties: str = ""
    legal_representative: str = ""
    address: str = ""
    postcode: str = ""
    complaint_phone: str = ""
    level: EnforcementLevel
    sector: str = ""
    region: str = ""
    document_prefix: str = ""
    is_enforcement_body: bool = True
    entrusted_by: int | None = Field(None, description="委托机关 id（仅受委托组织）")
    entrustment_summary: str = ""


class EntryIn(InputSchema):
    agency: int = Field(description="执法主体 id")


class PowerIn(EntryIn):
    code: str
    name: str
    category: EnforcementCategory
    basis: str
    responsibilities: str
    accountability: str = ""


class LegalBasisIn(InputSchema):
    law: str
    article: str = ""


class DiscretionBandIn(InputSchema):
    circumstance: str
    sanction: str = ""
    fine_min: Decimal | None = None
    fine_max: Decimal | None = None


class ItemIn(EntryIn):
    code: str
    category: EnforcementCategory
    name: str
    legal_basis: list[LegalBasisIn]
    discretion_benchmark: list[DiscretionBandIn] = []
    handling_department: int = Field(description="承办科室 id")
    time_limit_days: int = Field(ge=1)
    time_limit_kind: TimeLimitKind
    service_guide: str = ""
    power: int | None = Field(None, description="对应权责事项 id")


class InspectionItemIn(EntryIn):
    code: str
    name: str
    inspecting_body: str
    basis: str
    target_type: str
    content: str
    method: str
    ratio_percent: Decimal
    frequency: str
    category: EnforcementCategory = EnforcementCategory.INSPECTION


class OfficerIn(EntryIn):
    department: int | None = Field(None, description="科室 id")
    user: int | None = Field(None, description="用户账号 id")
    name: str
    post: str
    certificate_number: str
    categories: list[EnforcementCategory]
    region: str = Field(description="执法区域行政区划代码（6 位）")
    region_name: str = ""
    issuing_authority: str = ""
    valid_from: dt.date
    valid_until: dt.date
    annual_review_year: int | None = None
    annual_review_state: AnnualReviewState = AnnualReviewState.PENDING


class PlaceholderIn(InputSchema):
    name: str
    label: str = ""
    required: bool = False


class TemplateIn(EntryIn):
    code: str
    name: str
    order: int = Field(0, ge=0)
    description: str = ""
    placeholders: list[PlaceholderIn] = []


class ComplaintChannelIn(EntryIn):
    name: str
    address: str
    postcode: str
    phone: str
    email: str
    hours: str = ""
    procedure: str


class RecordingRuleIn(EntryIn):
    code: str
    name: str
    process_key: str = Field(description="流程定义编码，如 coercion-seizure")
    step_key: str = Field(description="流程环节编码，如 implement")
    requirement: RecordingRequirement
    scope: str = ""
    basis: str


class RecordingPlaceIn(EntryIn):
    name: str
    kind: RecordingPlaceKind
    address: str
    full_process: bool = True
    cameras: str = ""


def _patch_schema(create: type[Schema], name: str) -> type[Schema]:
    """Every field of ``create`` optional (PATCH sends only what changes); the agency never changes."""
    annotations: dict[str, Any] = {key: info.annotation for key, info in create.model_fields.items()}
    fields: dict[str, Any] = {
        key: (annotations[key] | None, Field(None, description=info.description))
        for key, info in create.model_fields.items()
        if key != "agency"
    }
    model: type[Schema] = create_model(name, __base__=InputSchema, **fields)
    return model


class NoteIn(InputSchema):
    note: str = Field("", description="审核意见")


class ReturnIn(InputSchema):
    note: str = Field(description="退回理由（必填）")


class ReasonIn(InputSchema):
    reason: str = Field(description="理由（必填）")


class AnnualReviewIn(InputSchema):
    year: int = Field(description="审验年度")
    passed: bool = Field(description="是否审验合格")
    note: str = ""


# --- per-list description --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ListApi:
    """How one list appears in the API."""

    key: str
    out: type[Schema]
    staff_out: type[Schema]
    create_in: type[Schema] | None
    update_in: type[Schema]
    # Input name → spec field (``handling_department`` → ``handling_department_id``).
    renames: dict[str, str] = field(default_factory=dict)
    related: tuple[str, ...] = ("agency",)
    has_category: bool = False

    @property
    def spec(self) -> ListSpec[Any]:
        return ALL_LISTS[self.key]

    @property
    def is_agencies(self) -> bool:
        return self.spec.model is Agency

    def to_data(self, payload: Schema, *, partial: bool) -> dict[str, Any]:
        raw = payload.model_dump(exclude_unset=partial, exclude={"agency"} if not self.is_agencies else set())
        return {self.renames.get(name, name): _plain(value) for name, value in raw.items()}


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


LIST_APIS: tuple[ListApi, ...] = (
    ListApi(
        key="agencies",
        out=AgencyOut,
        staff_out=AgencyStaffOut,
        create_in=AgencyIn,
        update_in=_patch_schema(AgencyIn, "AgencyPatch"),
        renames={"entrusted_by": "entrusted_by_id"},
        related=("entrusted_by",),
    ),
    ListApi(
        key="powers",
        out=PowerOut,
        staff_out=PowerStaffOut,
        create_in=PowerIn,
        update_in=_patch_schema(PowerIn, "PowerPatch"),
        has_category=True,
    ),
    ListApi(
        key="items",
        out=ItemOut,
        staff_out=ItemStaffOut,
        create_in=ItemIn,
        update_in=_patch_schema(ItemIn, "ItemPatch"),
        renames={"handling_department": "handling_department_id", "power": "power_id"},
        related=("agency", "handling_department"),
        has_category=True,
    ),
    ListApi(
        key="inspection-items",
        out=InspectionItemOut,
        staff_out=InspectionItemStaffOut,
        create_in=InspectionItemIn,
        update_in=_patch_schema(InspectionItemIn, "InspectionItemPatch"),
        has_category=True,
    ),
    ListApi(
        key="officers",
        out=OfficerOut,
        staff_out=OfficerStaffOut,
        create_in=OfficerIn,
        update_in=_patch_schema(OfficerIn, "OfficerPatch"),
        renames={"department": "department_id", "user": "user_id"},
        related=("agency", "department"),
        has_category=True,
    ),
    ListApi(
        key="templates",
        out=TemplateOut,
        staff_out=TemplateStaffOut,
        # A template is created with its .docx file, which is uploaded on the staff site.
        create_in=None,
        update_in=_patch_schema(TemplateIn, "TemplatePatch"),
    ),
    ListApi(
        key="complaint-channels",
        out=ComplaintChannelOut,
        staff_out=ComplaintChannelStaffOut,
        create_in=ComplaintChannelIn,
        update_in=_patch_schema(ComplaintChannelIn, "ComplaintChannelPatch"),
    ),
    ListApi(
        key="recording-rules",
        out=RecordingRuleOut,
        staff_out=RecordingRuleStaffOut,
        create_in=RecordingRuleIn,
        update_in=_patch_schema(RecordingRuleIn, "RecordingRulePatch"),
    ),
    ListApi(
        key="recording-places",
        out=RecordingPlaceOut,
        staff_out=RecordingPlaceStaffOut,
        create_in=RecordingPlaceIn,
        update_in=_patch_schema(RecordingPlaceIn, "RecordingPlacePatch"),
    ),
)
assert {a.key for a in LIST_APIS} == set(ALL_LISTS), "every published list has its API"

ERRORS: dict[int, type[Schema]] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _with_types(func: Callable[..., Any], **types: Any) -> Callable[..., Any]:
    """Give a generated handler its list's schema types (ninja reads them from the annotations)."""
    func.__annotations__.update(types)
    return func


def _op(list_api: ListApi, action: str) -> str:
    return f"{action}_{list_api.key.replace('-', '_')}"


# --- open data -------------------------------------------------------------------------------------------------------


def _one(list_api: ListApi, qs: QuerySet[Any], entry_id: int) -> Any:
    """Entry ``entry_id`` of ``qs`` (already restricted to what the caller may read); 404 alike for missing and hidden."""
    obj = qs.select_related(*list_api.related).filter(pk=entry_id).first()
    if obj is None:
        raise NotFound()
    return obj


def _public_entry(list_api: ListApi, entry_id: int) -> Any:
    return _one(list_api, selectors.public_entries(list_api.spec), entry_id)


def _public_routes(list_api: ListApi) -> None:
    spec = list_api.spec
    base = f"/{list_api.key}/"

    def _listing(q: str, agency: int | None, category: Any) -> QuerySet[Any]:
        code = _plain(category) or ""
        qs = selectors.public_list(list_api.key, q=q, agency_id=None if list_api.is_agencies else agency, category=code)
        if code and list_api.key == "officers":
            # A certificate holds several categories (a JSON list of codes); match the quoted code in its text,
            # which works alike on SQLite and PostgreSQL.
            qs = qs.filter(categories__icontains=f'"{code}"')
        return qs.select_related(*list_api.related)

    if list_api.has_category:

        def list_entries(
            request: HttpRequest, q: str = "", agency: int | None = None, category: Any = None
        ) -> QuerySet[Any]:
            return _listing(q, agency, category)

        _with_types(list_entries, category=EnforcementCategory | None)
    elif list_api.is_agencies:

        def list_entries(request: HttpRequest, q: str = "") -> QuerySet[Any]:  # type: ignore[misc]
            return _listing(q, None, None)

    else:

        def list_entries(request: HttpRequest, q: str = "", agency: int | None = None) -> QuerySet[Any]:  # type: ignore[misc]
            return _listing(q, agency, None)

    public_router.get(
        base,
        response=list[list_api.out],  # type: ignore[name-defined]
        operation_id=_op(list_api, "public_list"),
        summary=f"{spec.title}（已公示）",
        description="`q` 按名称等字段检索；`agency` 按执法主体筛选；`category` 按执法类别筛选（有类别的清单）。",
    )(paginate(PagePagination)(list_entries))

    def get_entry(request: HttpRequest, entry_id: int) -> Any:
        return _public_entry(list_api, entry_id)

    public_router.get(
        base + "{int:entry_id}/",
        response={200: list_api.out, 404: ErrorOut},
        operation_id=_op(list_api, "public_get"),
        summary=f"{spec.title}条目",
    )(get_entry)

    def get_history(request: HttpRequest, entry_id: int) -> list[VersionOut]:
        obj = _public_entry(list_api, entry_id)
        return [_version_out(spec, version) for version in selectors.public_history(obj)]

    public_router.get(
        base + "{int:entry_id}/history/",
        response={200: list[VersionOut], 404: ErrorOut},
        operation_id=_op(list_api, "public_history"),
        summary=f"{spec.title}条目的公示历史",
        description="每个公示版本：时间、经办人、变更的字段（动态管理留痕），最新在前。",
    )(get_history)


_ACTION_LABELS = {
    "publish": "审核通过并公示",
    "withdraw": "撤下",
    "certificate_suspend": "暂扣执法证",
    "certificate_reinstate": "恢复执法证",
    "certificate_revoke": "注销执法证",
    "annual_review": "年度审验",
}


def _field_label(model: type[Any], key: str) -> str:
    for name in (key, key.removesuffix("_id")):
        try:
            return str(model._meta.get_field(name).verbose_name)
        except Exception:  # noqa: S112 - FieldDoesNotExist: try the next spelling
            continue
    return key


def _version_out(spec: ListSpec[Any], version: selectors.PublicVersion) -> VersionOut:
    action = version.action.rsplit(".", 1)[-1]
    return VersionOut(
        seq=version.seq,
        time=version.time,
        action=action,
        action_display=_ACTION_LABELS.get(action, action),
        actor=user_label(version.actor_id),
        note=version.note,
        changes=[
            ChangeOut(field=c.field, label=_field_label(spec.model, c.field), before=c.before, after=c.after)
            for c in version.changes
        ],
    )


@public_router.get(
    "/certificates/{number}/",
    response={200: CertificateOut, 404: ErrorOut},
    operation_id="public_certificate_verify",
    summary="执法证核验",
    description="按执法证号核验：返回持证人与今日的证件状态（有效、已过期、暂扣、注销……）。未公示的证号答 404。",
)
def certificate_verify(request: HttpRequest, number: str) -> CertificateOut:
    officer = selectors.public_officer_by_certificate(number.strip())
    if officer is None:
        raise NotFound("未找到该执法证号，请核对后重试。")
    today = timezone.localdate()
    state = officer.certificate_state(today)
    return CertificateOut(
        certificate_number=officer.certificate_number,
        valid=state == state.VALID,
        state=state.value,
        state_display=str(state.label),
        checked_on=today,
        officer_id=officer.pk,
        name=officer.name,
        agency=AgencyRef(id=officer.agency_id, name=officer.agency.name),
        department=officer.department.name if officer.department else None,
        post=officer.post,
        categories=list(officer.categories),
        categories_display=OfficerOut.resolve_categories_display(officer),
        region=officer.region,
        region_name=officer.region_name,
        issuing_authority=officer.issuing_authority,
        valid_from=officer.valid_from,
        valid_until=officer.valid_until,
        annual_review_year=officer.annual_review_year,
        annual_review_state=officer.annual_review_state,
        annual_review_state_display=str(officer.get_annual_review_state_display()),
    )


# --- staff -----------------------------------------------------------------------------------------------------------


def _staff(request: HttpRequest) -> Any:
    """The signed-in user, if they work on this platform at all (a role somewhere, or the administrator)."""
    user = request.user
    if not is_staff_user(user):
        raise PermissionDenied("您不是本平台的工作人员，不能使用此接口。")
    return user


def _staff_entry(user: Any, list_api: ListApi, entry_id: int) -> Any:
    """One entry ``user`` may read; 404 alike for missing and another agency's."""
    return _one(list_api, selectors.staff_entries(user, list_api.spec), entry_id)


def _reload(list_api: ListApi, obj: Any) -> Any:
    return list_api.spec.model._default_manager.select_related(*list_api.related).get(pk=obj.pk)


def _staff_routes(list_api: ListApi) -> None:
    spec = list_api.spec
    base = f"/{list_api.key}/"
    one = base + "{int:entry_id}/"
    out = {200: list_api.staff_out, **ERRORS}

    def list_entries(request: HttpRequest, q: str = "", agency: int | None = None, status: Any = None) -> QuerySet[Any]:
        user = _staff(request)
        qs = selectors.search(selectors.staff_entries(user, spec), list_api.key, q)
        if agency:
            qs = qs.filter(pk=agency) if list_api.is_agencies else qs.filter(agency_id=agency)
        if status:
            qs = qs.filter(status=_plain(status))
        return qs.select_related(*list_api.related)

    _with_types(list_entries, status=PublicationStatus | None)
    staff_router.get(
        base,
        response=list[list_api.staff_out],  # type: ignore[name-defined]
        operation_id=_op(list_api, "staff_list"),
        summary=f"{spec.title}（全部状态）",
        description="本人可查看的机构的全部条目（草稿、待审核、已公示、已撤下）。",
    )(paginate(PagePagination)(list_entries))

    def get_entry(request: HttpRequest, entry_id: int) -> Any:
        user = _staff(request)
        return _staff_entry(user, list_api, entry_id)

    staff_router.get(one, response=out, operation_id=_op(list_api, "staff_get"), summary=f"{spec.title}条目")(get_entry)

    if list_api.create_in is not None:
        if list_api.is_agencies:

            def create_entry(request: HttpRequest, payload: Any) -> Status[Any]:
                user = _staff(request)
                obj = agency_create(actor=user, data=list_api.to_data(payload, partial=False))
                return Status(201, _reload(list_api, obj))

        else:

            def create_entry(request: HttpRequest, payload: Any) -> Status[Any]:
                user = _staff(request)
                agency = access_object(user, Agency.objects.all(), payload.agency, agency_field="")
                data = list_api.to_data(payload, partial=False)
                obj = entry_create(actor=user, spec=spec, agency=agency, data=data)
                return Status(201, _reload(list_api, obj))

        staff_router.post(
            base,
            response={201: list_api.staff_out, **ERRORS},
            operation_id=_op(list_api, "staff_create"),
            summary=f"新增{spec.title}条目（草稿）",
        )(_with_types(create_entry, payload=list_api.create_in))

    def update_entry(request: HttpRequest, entry_id: int, payload: Any) -> Any:
        user = _staff(request)
        obj = _staff_entry(user, list_api, entry_id)
        obj = entry_update(actor=user, spec=spec, obj=obj, data=list_api.to_data(payload, partial=True))
        return _reload(list_api, obj)

    staff_router.patch(
        one,
        response=out,
        operation_id=_op(list_api, "staff_update"),
        summary=f"修改{spec.title}条目",
        description="草稿和退回的条目直接修改；已公示的条目的修改暂存为待审核（pending），审核通过后才公示。",
    )(_with_types(update_entry, payload=list_api.update_in))

    def submit(request: HttpRequest, entry_id: int) -> Any:
        user = _staff(request)
        obj = _staff_entry(user, list_api, entry_id)
        return _reload(list_api, entry_submit(actor=user, spec=spec, obj=obj))

    def approve(request: HttpRequest, entry_id: int, payload: NoteIn) -> Any:
        user = _staff(request)
        obj = _staff_entry(user, list_api, entry_id)
        return _reload(list_api, entry_approve(actor=user, spec=spec, obj=obj, note=payload.note))

    def return_(request: HttpRequest, entry_id: int, payload: ReturnIn) -> Any:
        user = _staff(request)
        obj = _staff_entry(user, list_api, entry_id)
        return _reload(list_api, entry_return(actor=user, spec=spec, obj=obj, note=payload.note))

    def withdraw(request: HttpRequest, entry_id: int, payload: ReasonIn) -> Any:
        user = _staff(request)
        obj = _staff_entry(user, list_api, entry_id)
        return _reload(list_api, entry_withdraw(actor=user, spec=spec, obj=obj, reason=payload.reason))

    for action, handler, summary in (
        ("submit", submit, "提交审核"),
        ("approve", approve, "审核通过并公示（法规科）"),
        ("return", return_, "退回修改（法规科，须填写意见）"),
        ("withdraw", withdraw, "撤下已公示条目（法规科，须说明理由）"),
    ):
        staff_router.post(
            one + f"{action}/", response=out, operation_id=_op(list_api, f"staff_{action}"), summary=summary
        )(handler)


def _officer(request: HttpRequest, entry_id: int) -> tuple[Any, Officer]:
    user = _staff(request)
    return user, _staff_entry(user, OFFICERS_API, entry_id)


OFFICERS_API = next(a for a in LIST_APIS if a.key == "officers")
_OFFICER_OUT = {200: OfficerStaffOut, **ERRORS}


@staff_router.post(
    "/officers/{int:entry_id}/suspend/",
    response=_OFFICER_OUT,
    operation_id="staff_officer_suspend",
    summary="暂扣执法证（立即生效）",
)
def officer_suspend(request: HttpRequest, entry_id: int, payload: ReasonIn) -> Any:
    user, officer = _officer(request, entry_id)
    return _reload(OFFICERS_API, officer_certificate_suspend(actor=user, officer=officer, reason=payload.reason))


@staff_router.post(
    "/officers/{int:entry_id}/reinstate/",
    response=_OFFICER_OUT,
    operation_id="staff_officer_reinstate",
    summary="恢复被暂扣的执法证",
)
def officer_reinstate(request: HttpRequest, entry_id: int, payload: NoteIn) -> Any:
    user, officer = _officer(request, entry_id)
    return _reload(OFFICERS_API, officer_certificate_reinstate(actor=user, officer=officer, note=payload.note))


@staff_router.post(
    "/officers/{int:entry_id}/revoke/",
    response=_OFFICER_OUT,
    operation_id="staff_officer_revoke",
    summary="注销执法证（立即生效）",
)
def officer_revoke(request: HttpRequest, entry_id: int, payload: ReasonIn) -> Any:
    user, officer = _officer(request, entry_id)
    return _reload(OFFICERS_API, officer_certificate_revoke(actor=user, officer=officer, reason=payload.reason))


@staff_router.post(
    "/officers/{int:entry_id}/annual-review/",
    response=_OFFICER_OUT,
    operation_id="staff_officer_annual_review",
    summary="登记年度审验结果",
)
def officer_annual_review(request: HttpRequest, entry_id: int, payload: AnnualReviewIn) -> Any:
    user, officer = _officer(request, entry_id)
    officer = officer_annual_review_record(
        actor=user, officer=officer, year=payload.year, passed=payload.passed, note=payload.note
    )
    return _reload(OFFICERS_API, officer)


@staff_router.get(
    "/review-queue/",
    response=list[QueueItemOut],
    operation_id="staff_review_queue",
    summary="待审核的公示内容（本人可审核的）",
    description="各清单中已提交审核的新条目和已公示条目的修改，按提交时间排列。",
)
@paginate(PagePagination)
def review_queue(request: HttpRequest) -> list[QueueItemOut]:
    user = _staff(request)
    rows: list[QueueItemOut] = []
    for list_api in LIST_APIS:
        spec = list_api.spec
        # ``can_review`` reads the entrusting agency of each entry's agency: fetch it with the entry.
        qs = selectors.staff_review_queue(user, spec).select_related(
            "entrusted_by" if list_api.is_agencies else "agency__entrusted_by"
        )
        for obj in qs:
            agency = spec.agency_of(obj)
            if not can_review(user, spec, agency):
                continue
            is_change = obj.status == PublicationStatus.PUBLISHED
            rows.append(
                QueueItemOut(
                    list=list_api.key,
                    list_title=spec.title,
                    id=obj.pk,
                    title=str(obj),
                    agency=AgencyRef(id=agency.pk, name=agency.name),
                    kind="change" if is_change else "new",
                    submitted_at=obj.pending_submitted_at if is_change else obj.submitted_at,
                )
            )
    epoch = dt.datetime.min.replace(tzinfo=dt.UTC)
    rows.sort(key=lambda row: (row.submitted_at or epoch, row.list, row.id))
    return rows


# Fixed routes first: ``/officers/{id}/suspend/`` etc. were registered above; the generated ones follow.
for _list_api in LIST_APIS:
    _public_routes(_list_api)
    _staff_routes(_list_api)
