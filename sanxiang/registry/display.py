"""How entries, staged changes and their record read on staff pages."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from sanxiang.core.canonical import to_json_value
from sanxiang.core.models import PublicationStatus
from sanxiang.ledger.selectors import diff_states, entries_for
from sanxiang.org.access import user_label
from sanxiang.org.listing import REVIEW_BOOKKEEPING, ListSpec
from sanxiang.registry.models import EnforcementCategory

EMPTY = "—"

ACTION_LABELS = {
    "create": "新建",
    "update": "修改草稿",
    "change_submitted": "提交修改待审核",
    "submit": "提交审核",
    "publish": "审核通过并公示",
    "return": "退回修改",
    "withdraw": "撤下",
    "district_review": "登记区政府法制机构审核",
    "supervision_set": "设置监督关系",
    "certificate_suspend": "暂扣执法证",
    "certificate_reinstate": "恢复执法证",
    "certificate_revoke": "注销执法证",
    "annual_review": "登记年度审验",
}

# Bookkeeping that the record shows through its action, not as changed fields.
BOOKKEEPING = ("id", *REVIEW_BOOKKEEPING)

STATUS_CLASSES = {
    PublicationStatus.DRAFT: "draft",
    PublicationStatus.SUBMITTED: "submitted",
    PublicationStatus.RETURNED: "returned",
    PublicationStatus.PUBLISHED: "published",
    PublicationStatus.WITHDRAWN: "withdrawn",
}


def action_label(action: str) -> str:
    verb = action.rsplit(".", 1)[-1]
    return ACTION_LABELS.get(verb, action)


def _field(model: type[models.Model], name: str) -> Any:
    for field in model._meta.concrete_fields:
        if name in (field.name, field.attname):
            return field
    return None


def field_label(model: type[models.Model], name: str) -> str:
    field = _field(model, name)
    return str(field.verbose_name) if field is not None else name


def _money(value: Any) -> str:
    return f"{value}元" if value not in (None, "") else ""


def display_value(model: type[models.Model], name: str, value: Any) -> str:
    """A canonical (JSON) value of ``model.name`` as people read it."""
    if value in (None, "", []):
        return EMPTY
    field = _field(model, name)
    if name == "legal_basis" and isinstance(value, list):
        return "\n".join(f"{row.get('law', '')} {row.get('article', '')}".strip() for row in value)
    if name == "discretion_benchmark" and isinstance(value, list):
        lines = []
        for row in value:
            fine = ""
            if row.get("fine_min") or row.get("fine_max"):
                fine = f"，罚款{_money(row.get('fine_min'))}至{_money(row.get('fine_max'))}"
            lines.append(f"{row.get('circumstance', '')}：{row.get('sanction', '')}{fine}")
        return "\n".join(lines)
    if name == "categories" and isinstance(value, list):
        labels = dict(EnforcementCategory.choices)
        return "、".join(str(labels.get(code, code)) for code in value)
    if name == "placeholders" and isinstance(value, list):
        return "\n".join(
            f"{row.get('name', '')}（{row.get('label', '')}{'，必填' if row.get('required') else ''}）"
            if isinstance(row, dict)
            else str(row)
            for row in value
        )
    if isinstance(value, bool):
        return "是" if value else "否"
    if field is not None and field.is_relation and field.related_model is not None:
        related = field.related_model._default_manager.filter(pk=value).first()
        return str(related) if related is not None else f"#{value}"
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.DateTimeField) and isinstance(value, str):
        moment = parse_datetime(value)
        if moment is not None:
            return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, list | dict):
        return str(value)
    return str(value)


@dataclass(frozen=True)
class Row:
    name: str
    label: str
    value: str


@dataclass(frozen=True)
class ChangeRow:
    name: str
    label: str
    before: str
    after: str


def entry_rows(spec: ListSpec[Any], entry: models.Model) -> list[Row]:
    return [
        Row(name, field_label(spec.model, name), display_value(spec.model, name, to_json_value(getattr(entry, name))))
        for name in spec.fields
    ]


def staged_changes(spec: ListSpec[Any], entry: models.Model) -> list[ChangeRow]:
    """The staged change of a published entry, field by field: published value → proposed value."""
    pending: dict[str, Any] = getattr(entry, "pending", None) or {}
    names = [name for name in spec.fields if name in pending] + sorted(set(pending) - set(spec.fields))
    return [
        ChangeRow(
            name=name,
            label=field_label(spec.model, name),
            before=display_value(spec.model, name, to_json_value(getattr(entry, name, None))),
            after=display_value(spec.model, name, pending[name]),
        )
        for name in names
    ]


@dataclass(frozen=True)
class RecordLine:
    """One entry of the record of a list entry: who, when, what, why, and which fields changed."""

    seq: int
    time: Any
    actor: str
    action: str
    note: str
    changes: list[ChangeRow]


def diff_rows(model: type[models.Model], before: dict[str, Any] | None, after: dict[str, Any]) -> list[ChangeRow]:
    return [
        ChangeRow(
            name=change.field,
            label=field_label(model, change.field),
            before=display_value(model, change.field, change.before),
            after=display_value(model, change.field, change.after),
        )
        for change in diff_states(before, after, ignore=BOOKKEEPING)
    ]


def record_lines(model: type[models.Model], entry: models.Model, *, ignore: Iterable[str] = ()) -> list[RecordLine]:
    """The whole record of ``entry``, newest first, with names from ``user_label``."""
    lines: list[RecordLine] = []
    previous: dict[str, Any] | None = None
    names: dict[int | None, str] = {}
    for item in entries_for(entry):
        if item.actor_id not in names:
            names[item.actor_id] = user_label(item.actor_id)
        changes = diff_rows(model, previous, item.state) if previous is not None else []
        pending = item.state.get("pending") if isinstance(item.state, dict) else None
        if item.action.endswith(".change_submitted") and isinstance(pending, dict):
            changes = [
                ChangeRow(
                    name=name,
                    label=field_label(model, name),
                    before=display_value(model, name, item.state.get(name)),
                    after=display_value(model, name, value),
                )
                for name, value in pending.items()
            ]
        lines.append(
            RecordLine(
                seq=item.seq,
                time=item.time,
                actor=names[item.actor_id],
                action=action_label(item.action),
                note=item.note,
                changes=[c for c in changes if c.name not in set(ignore)],
            )
        )
        previous = item.state
    lines.reverse()
    return lines
