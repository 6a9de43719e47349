"""How the portal shows list entries: table columns per list, readable field values, and the public history.

Everything here works on rows that a ``public_*`` selector already returned; nothing in this module queries lists
on its own except ``history_rows``, which names the departments and agencies that a change refers to.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

from sanxiang.org.models import Agency, Department, SubjectCategory
from sanxiang.registry.models import (
    CertificateState,
    EnforcementCategory,
    Officer,
    RecordingPlaceKind,
    RecordingRequirement,
)
from sanxiang.registry.selectors import PublicVersion, public_history

EMPTY = "—"


def detail_url(list_key: str, obj: models.Model) -> str:
    return reverse("portal:detail", args=[list_key, obj.pk])


def certificate_url(officer: Officer) -> str:
    return reverse("portal:verify-certificate", args=[officer.certificate_number])


def category_labels(codes: Any) -> str:
    labels = dict(EnforcementCategory.choices)
    if not isinstance(codes, list) or not codes:
        return EMPTY
    return "、".join(str(labels.get(code, code)) for code in codes)


def legal_basis_text(basis: Any) -> str:
    if not isinstance(basis, list) or not basis:
        return EMPTY
    return "；".join(
        f"《{entry.get('law', '')}》{entry.get('article', '')}" for entry in basis if isinstance(entry, dict)
    )


def _yuan(amount: str) -> str:
    try:
        return f"{decimal.Decimal(amount):,}"
    except decimal.InvalidOperation:
        return amount


def fine_range(band: dict[str, Any]) -> str:
    low, high = band.get("fine_min") or "", band.get("fine_max") or ""
    if not low and not high:
        return EMPTY
    if low == high:
        return f"{_yuan(low)} 元"
    return f"{_yuan(low)} 元 至 {_yuan(high)} 元"


def benchmark_text(bands: Any) -> str:
    if not isinstance(bands, list) or not bands:
        return EMPTY
    parts = []
    for band in bands:
        if isinstance(band, dict):
            sanction = band.get("sanction") or ""
            money = fine_range(band)
            parts.append(f"{band.get('circumstance', '')}：{sanction}{'，罚款 ' + money if money != EMPTY else ''}")
    return "；".join(parts)


STATE_TONE = {
    CertificateState.VALID: "ok",
    CertificateState.NOT_YET_VALID: "warn",
    CertificateState.EXPIRED: "bad",
    CertificateState.SUSPENDED: "bad",
    CertificateState.REVOKED: "bad",
    CertificateState.REVIEW_FAILED: "bad",
}


def state_badge(state: CertificateState) -> SafeString:
    return format_html('<span class="badge badge--{}">{}</span>', STATE_TONE.get(state, "warn"), state.label)


@dataclass(frozen=True)
class Column:
    """One column of a list's results table; ``value`` returns text or safe HTML for a row."""

    label: str
    value: Callable[[Any], Any]
    css: str = ""


def _link(list_key: str, attr: str) -> Callable[[Any], SafeString]:
    return lambda obj: format_html('<a href="{}">{}</a>', detail_url(list_key, obj), getattr(obj, attr))


def _agency_name(obj: Any) -> str:
    return str(obj.agency.name)


def _template_download(obj: Any) -> Any:
    if not obj.file:
        return EMPTY
    return format_html('<a href="{}" download>下载 .docx</a>', reverse("portal:template-download", args=[obj.pk]))


def _officer_state(obj: Officer) -> SafeString:
    return state_badge(obj.certificate_state())


def _time_limit(obj: Any) -> str:
    return f"{obj.time_limit_days} 个{obj.get_time_limit_kind_display()}"


COLUMNS: dict[str, list[Column]] = {
    "agencies": [
        Column("机构名称", _link("agencies", "name"), "cell--main"),
        Column("主体类别", lambda a: a.get_subject_category_display()),
        Column("执法层级", lambda a: a.get_level_display()),
        Column("所属领域", lambda a: a.sector or EMPTY),
        Column("投诉举报电话", lambda a: a.complaint_phone or EMPTY),
    ],
    "powers": [
        Column("权力编码", lambda p: p.code, "cell--code"),
        Column("权力名称", _link("powers", "name"), "cell--main"),
        Column("权力类别", lambda p: p.get_category_display()),
        Column("执法主体", _agency_name),
    ],
    "items": [
        Column("事项编码", lambda i: i.code, "cell--code"),
        Column("事项名称", _link("items", "name"), "cell--main"),
        Column("执法类别", lambda i: i.get_category_display()),
        Column("承办机构", lambda i: i.handling_department.name),
        Column("办理时限", _time_limit),
        Column("执法主体", _agency_name),
    ],
    "inspection-items": [
        Column("事项编码", lambda i: i.code, "cell--code"),
        Column("抽查事项", _link("inspection-items", "name"), "cell--main"),
        Column("抽查对象", lambda i: i.target_type),
        Column("抽查比例", lambda i: f"{i.ratio_percent.normalize():f}%"),
        Column("抽查频次", lambda i: i.frequency),
        Column("执法主体", _agency_name),
    ],
    "officers": [
        Column("姓名", _link("officers", "name"), "cell--main"),
        Column("执法证号", lambda o: o.certificate_number, "cell--code"),
        Column("职务", lambda o: o.post),
        Column("执法类别", lambda o: category_labels(o.categories)),
        Column("执法主体", _agency_name),
        Column("证件状态", _officer_state),
    ],
    "templates": [
        Column("文书编码", lambda t: t.code, "cell--code"),
        Column("文书名称", _link("templates", "name"), "cell--main"),
        Column("执法主体", _agency_name),
        Column("模板", _template_download),
    ],
    "complaint-channels": [
        Column("渠道名称", _link("complaint-channels", "name"), "cell--main"),
        Column("举报电话", lambda c: c.phone),
        Column("电子邮箱", lambda c: c.email),
        Column("受理地址", lambda c: c.address),
        Column("执法主体", _agency_name),
    ],
    "recording-rules": [
        Column("事项编码", lambda r: r.code, "cell--code"),
        Column("记录事项", _link("recording-rules", "name"), "cell--main"),
        Column("执法程序", lambda r: r.process_name),
        Column("执法环节", lambda r: r.step_name),
        Column("记录要求", lambda r: r.get_requirement_display()),
        Column("执法主体", _agency_name),
    ],
    "recording-places": [
        Column("场所名称", _link("recording-places", "name"), "cell--main"),
        Column("场所类别", lambda p: p.get_kind_display()),
        Column("地址", lambda p: p.address),
        Column("全过程记录", lambda p: "是" if p.full_process else "否"),
        Column("执法主体", _agency_name),
    ],
}

# The category filter, where a list has one: (label, choices).
CATEGORY_FILTERS: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "agencies": ("主体类别", list(SubjectCategory.choices)),
    "powers": ("权力类别", list(EnforcementCategory.choices)),
    "items": ("执法类别", list(EnforcementCategory.choices)),
    "inspection-items": ("执法类别", list(EnforcementCategory.choices)),
    "officers": ("执法类别", list(EnforcementCategory.choices)),
    "recording-rules": ("记录要求", list(RecordingRequirement.choices)),
    "recording-places": ("场所类别", list(RecordingPlaceKind.choices)),
}

# What each list is, for the home page (plan 二(一)3).
LIST_DESCRIPTIONS: dict[str, str] = {
    "agencies": "执法主体的名称、性质、主体类别、职责权限、法定代表人、地址和投诉电话；受委托组织注明委托机关和委托协议。",
    "powers": "各执法主体的权力事项、设定依据、责任事项和追责情形。",
    "items": "行政处罚、行政强制、行政检查、行政许可等事项，附执法依据、裁量基准、承办机构和办理时限；行政许可附服务指南。",
    "inspection-items": "随机抽查的主体、依据、对象、内容、方式、比例和频次。",
    "officers": "持证执法人员的姓名、执法证号、执法类别、执法区域和有效期；可在线核验执法证。",
    "templates": "行政执法文书样本，可下载。",
    "complaint-channels": "监督举报的地址、邮编、电话、电子邮箱和受理反馈程序。",
    "recording-rules": "哪些执法环节应当音像记录、哪些应当全过程音像记录（查封扣押等强制措施全过程记录），附记录范围和依据。",
    "recording-places": "询问室、办案区等执法场所的音像记录设置，以及是否全过程音像记录。",
}


# --- history ------------------------------------------------------------------------------------------------------

ACTION_LABELS = {
    "withdraw": "撤下",
    "certificate_suspend": "暂扣执法证",
    "certificate_reinstate": "恢复执法证",
    "certificate_revoke": "注销执法证",
    "annual_review": "登记年度审验",
}


@dataclass(frozen=True)
class ChangeRow:
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class HistoryRow:
    time: dt.datetime | None
    action: str
    changes: list[ChangeRow]
    note: str


def _parse_time(value: str) -> dt.datetime | None:
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None


def display_value(model: type[models.Model], name: str, value: Any, names: dict[tuple[str, Any], str]) -> str:
    """A recorded canonical value as the public reads it."""
    if value is None or value == "" or value == []:
        return "（空）"
    try:
        field: Any = model._meta.get_field(name)
    except FieldDoesNotExist:
        field = None
    if field is not None and field.is_relation:
        return names.get((name, value), EMPTY)
    if name == "categories":
        return category_labels(value)
    if name == "legal_basis":
        return legal_basis_text(value)
    if name == "discretion_benchmark":
        return benchmark_text(value)
    if field is not None and getattr(field, "choices", None):
        return str(dict(field.choices).get(value, value))
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(field, models.FileField):
        return str(value).rsplit("/", 1)[-1]
    if isinstance(field, models.DateTimeField) and isinstance(value, str):
        parsed = _parse_time(value)
        if parsed is not None:
            return timezone.localtime(parsed).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, list | dict):
        return "、".join(str(v) for v in value) if isinstance(value, list) else str(value)
    return str(value)


def _label(model: type[models.Model], name: str) -> str:
    try:
        return str(model._meta.get_field(name).verbose_name)  # type: ignore[union-attr]
    except FieldDoesNotExist:
        return name


def _related_names(model: type[models.Model], versions: list[PublicVersion]) -> dict[tuple[str, Any], str]:
    """Names of the departments and agencies a change refers to (public facts: they are on the published entry)."""
    wanted: dict[str, set[Any]] = {}
    for version in versions:
        for change in version.changes:
            for value in (change.before, change.after):
                if isinstance(value, int) and not isinstance(value, bool):
                    wanted.setdefault(change.field, set()).add(value)
    names: dict[tuple[str, Any], str] = {}
    for name, ids in wanted.items():
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        target = field.related_model if field.is_relation else None
        if target in (Department, Agency):
            for pk, label in target._default_manager.filter(pk__in=ids).values_list("pk", "name"):  # type: ignore[union-attr]
                names[(name, pk)] = str(label)
    return names


# Fields whose changes the public history leaves out: links to staff accounts and to other lists' rows.
_PRIVATE_HISTORY_FIELDS = {"user_id", "power_id", "supervises", "file_sha256"}


def history_rows(obj: models.Model) -> list[HistoryRow]:
    """The entry's public history, newest first: when, what happened, which fields changed from what to what."""
    model = type(obj)
    versions = public_history(obj)  # type: ignore[arg-type]
    names = _related_names(model, versions)
    rows = []
    # Oldest first to tell the first publication from later changes.
    seen_publish = False
    for version in reversed(versions):
        verb = version.action.rsplit(".", 1)[-1]
        if verb == "publish":
            action = "变更公示" if seen_publish else "首次公示"
            seen_publish = True
        else:
            action = ACTION_LABELS.get(verb, verb)
        changes = [
            ChangeRow(
                label=_label(model, change.field),
                before=display_value(model, change.field, change.before, names),
                after=display_value(model, change.field, change.after, names),
            )
            for change in version.changes
            if change.field not in _PRIVATE_HISTORY_FIELDS
        ]
        if action == "首次公示":
            changes = []  # the first version is the entry itself, shown above the history
        rows.append(HistoryRow(time=version.time, action=action, changes=changes, note=version.note))
    rows.reverse()
    return rows


def benchmark_bands(bands: Any) -> list[dict[str, str]]:
    if not isinstance(bands, list):
        return []
    return [
        {
            "circumstance": str(band.get("circumstance", "")),
            "sanction": str(band.get("sanction", "")) or EMPTY,
            "fines": fine_range(band),
        }
        for band in bands
        if isinstance(band, dict)
    ]


def table_rows(list_key: str, objects: Any) -> list[tuple[Any, list[tuple[Column, Any]]]]:
    columns = COLUMNS[list_key]
    return [(obj, [(column, column.value(obj)) for column in columns]) for obj in objects]
