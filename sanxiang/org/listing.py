"""The review-before-publication workflow shared by every published list (plan 二(一)1: 审查机制).

A list is described once by a ``ListSpec`` (its model, who edits it, who reviews it, how its input is cleaned);
the services here run the workflow for any of them, each in one transaction with its permission check and exactly
one ledger entry:

    draft ──submit──▶ submitted ──approve──▶ published ──withdraw──▶ withdrawn
      ▲                  │                      │  ▲
      └──── returned ◀─return                   │  └─approve (applies the staged change)
                                                └─update: staged in ``pending`` and reviewed

Editing a draft or returned entry changes it in place. Editing a published entry stages the change in
``pending``; the portal keeps the published version until the legal section approves the change.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from django.db import models, transaction
from django.utils import timezone

from sanxiang.core.canonical import to_json_value
from sanxiang.core.errors import InvalidTransition, PermissionDenied, ValidationError, full_clean_or_raise
from sanxiang.core.models import PublicationStatus, Reviewed
from sanxiang.ledger.services import record
from sanxiang.org.access import has_role, require_role
from sanxiang.org.models import Agency, Role

R = TypeVar("R", bound=Reviewed)

# The workflow's own columns: history and diffs show them through the action, not as changed fields.
REVIEW_BOOKKEEPING: tuple[str, ...] = tuple(field.attname for field in Reviewed._meta.local_fields)

Cleaner = Callable[[dict[str, Any], Agency], dict[str, Any]]

# Who keeps most published lists: the legal section (and the agency's administrator).
LIST_KEEPERS = frozenset({Role.LEGAL_REVIEWER, Role.ADMINISTRATOR})


def clean_fields(
    data: dict[str, Any],
    validators: Mapping[str, Callable[[Any], Any]],
    errors: dict[str, list[str]],
    *,
    skip_blank: bool = False,
) -> None:
    """Run each field's validator over ``data`` in place, collecting (not raising) its messages in ``errors``.

    A validator's field-less messages (``"__all__"``) are filed under the field it validated; messages it files under
    a field of its own stay there. With ``skip_blank``, empty values are left for the model's own validation.
    """
    for name, validate in validators.items():
        if name not in data or (skip_blank and not data[name]):
            continue
        try:
            data[name] = validate(data[name])
        except ValidationError as exc:
            for key, messages in exc.errors.items():
                errors.setdefault(name if key == "__all__" else key, []).extend(messages)


def _no_clean(data: dict[str, Any], agency: Agency) -> dict[str, Any]:
    return data


@dataclass(frozen=True)
class ListSpec(Generic[R]):
    """How one published list is kept."""

    key: str
    title: str
    model: type[R]
    fields: tuple[str, ...]
    editor_roles: frozenset[str]
    reviewer_roles: frozenset[str] = frozenset({Role.LEGAL_REVIEWER})
    clean: Cleaner = _no_clean
    agency_attr: str = "agency"
    # Fields that are not copied into public history (internal bookkeeping).
    private_fields: tuple[str, ...] = field(default=())

    def agency_of(self, obj: Reviewed) -> Agency:
        if self.agency_attr == "self":
            assert isinstance(obj, Agency)
            return obj
        agency = getattr(obj, self.agency_attr)
        assert isinstance(agency, Agency)
        return agency


def _reviewer_agencies(agency: Agency) -> list[Agency]:
    # An entrusted organisation's lists are reviewed by the entrusting agency's legal section.
    return [agency] + ([agency.entrusted_by] if agency.entrusted_by_id and agency.entrusted_by else [])


def can_edit(user: Any, spec: ListSpec[Any], agency: Agency) -> bool:
    return has_role(user, agency, spec.editor_roles)


def can_review(user: Any, spec: ListSpec[Any], agency: Agency) -> bool:
    return any(has_role(user, a, spec.reviewer_roles) for a in _reviewer_agencies(agency))


def _require_review(user: Any, spec: ListSpec[Any], agency: Agency) -> None:
    if not can_review(user, spec, agency):
        raise PermissionDenied("只有法规科审核人员可以审核公示内容。")


def _unknown_fields(spec: ListSpec[Any], data: Mapping[str, Any]) -> None:
    unknown = sorted(set(data) - set(spec.fields))
    if unknown:
        raise ValidationError({name: ["不能修改该字段。"] for name in unknown})


def _assign(obj: models.Model, data: Mapping[str, Any]) -> None:
    for name, value in data.items():
        setattr(obj, name, value)


@transaction.atomic
def entry_create(*, actor: Any, spec: ListSpec[R], agency: Agency, data: dict[str, Any]) -> R:
    """A new draft entry of ``spec``'s list for ``agency``."""
    require_role(actor, agency, spec.editor_roles, f"您不能编辑{agency.name}的{spec.title}。")
    _unknown_fields(spec, data)
    cleaned = spec.clean(dict(data), agency)
    obj = spec.model()
    if spec.agency_attr != "self":
        setattr(obj, spec.agency_attr, agency)
    _assign(obj, cleaned)
    obj.status = PublicationStatus.DRAFT
    full_clean_or_raise(obj)
    obj.save()
    record(actor=actor, action=f"{spec.key}.create", subject=obj)
    return obj


@transaction.atomic
def entry_update(*, actor: Any, spec: ListSpec[R], obj: R, data: dict[str, Any]) -> R:
    """Change an entry: in place while a draft, staged for review once published."""
    obj = _locked(spec, obj)
    agency = spec.agency_of(obj)
    require_role(actor, agency, spec.editor_roles, f"您不能编辑{agency.name}的{spec.title}。")
    _unknown_fields(spec, data)
    cleaned = spec.clean(dict(data), agency)
    if obj.status in (PublicationStatus.DRAFT, PublicationStatus.RETURNED):
        _assign(obj, cleaned)
        full_clean_or_raise(obj)
        obj.save()
        record(actor=actor, action=f"{spec.key}.update", subject=obj)
        return obj
    if obj.status == PublicationStatus.PUBLISHED:
        # Validate the change against a copy, then stage only what differs from the published version.
        probe = spec.model._default_manager.get(pk=obj.pk)
        _assign(probe, {**(obj.pending or {}), **cleaned})
        full_clean_or_raise(probe)
        for model_field in probe._meta.concrete_fields:
            if isinstance(model_field, models.FileField) and model_field.attname in cleaned:
                # Store a newly uploaded file now, so that the staged change names a file that exists.
                model_field.pre_save(probe, add=False)
        staged = {}
        for name in spec.fields:
            new = to_json_value(getattr(probe, name))
            if new != to_json_value(getattr(obj, name)):
                staged[name] = new
        if not staged:
            raise ValidationError("没有需要提交的修改。")
        obj.pending = staged
        obj.pending_submitted_at = timezone.now()
        obj.save(update_fields=["pending", "pending_submitted_at", "updated_at"])
        record(actor=actor, action=f"{spec.key}.change_submitted", subject=obj)
        return obj
    raise InvalidTransition(f"“{obj.get_status_display()}”状态的条目不能修改。")


def _locked(spec: ListSpec[R], obj: R) -> R:
    locked: R = spec.model._default_manager.select_for_update().get(pk=obj.pk)
    return locked


@transaction.atomic
def entry_submit(*, actor: Any, spec: ListSpec[R], obj: R) -> R:
    obj = _locked(spec, obj)
    agency = spec.agency_of(obj)
    require_role(actor, agency, spec.editor_roles, f"您不能提交{agency.name}的{spec.title}。")
    if obj.status not in (PublicationStatus.DRAFT, PublicationStatus.RETURNED):
        raise InvalidTransition("只有草稿或退回修改的条目可以提交审核。")
    obj.status = PublicationStatus.SUBMITTED
    obj.submitted_at = timezone.now()
    obj.save(update_fields=["status", "submitted_at", "updated_at"])
    record(actor=actor, action=f"{spec.key}.submit", subject=obj)
    return obj


@transaction.atomic
def entry_approve(*, actor: Any, spec: ListSpec[R], obj: R, note: str = "") -> R:
    """The legal section approves a submitted entry, or a staged change to a published one, and publishes it."""
    obj = _locked(spec, obj)
    agency = spec.agency_of(obj)
    _require_review(actor, spec, agency)
    now = timezone.now()
    if obj.status == PublicationStatus.SUBMITTED:
        obj.status = PublicationStatus.PUBLISHED
        obj.first_published_at = obj.first_published_at or now
    elif obj.status == PublicationStatus.PUBLISHED and obj.pending is not None:
        _assign(obj, obj.pending)
        obj.pending = None
        obj.pending_submitted_at = None
    else:
        raise InvalidTransition("没有待审核的内容。")
    obj.published_at = now
    obj.reviewed_at = now
    obj.reviewed_by_id = actor.pk
    obj.review_note = note
    obj.version += 1
    full_clean_or_raise(obj)
    obj.save()
    obj.refresh_from_db()
    record(actor=actor, action=f"{spec.key}.publish", subject=obj, note=note)
    return obj


@transaction.atomic
def entry_return(*, actor: Any, spec: ListSpec[R], obj: R, note: str) -> R:
    """The legal section sends a submission (or a staged change) back with its reasons."""
    if not note.strip():
        raise ValidationError({"note": ["退回时必须填写审核意见。"]})
    obj = _locked(spec, obj)
    _require_review(actor, spec, spec.agency_of(obj))
    if obj.status == PublicationStatus.SUBMITTED:
        obj.status = PublicationStatus.RETURNED
    elif obj.status == PublicationStatus.PUBLISHED and obj.pending is not None:
        obj.pending = None
        obj.pending_submitted_at = None
    else:
        raise InvalidTransition("没有待审核的内容。")
    obj.reviewed_at = timezone.now()
    obj.reviewed_by_id = actor.pk
    obj.review_note = note
    obj.save()
    record(actor=actor, action=f"{spec.key}.return", subject=obj, note=note)
    return obj


@transaction.atomic
def entry_withdraw(*, actor: Any, spec: ListSpec[R], obj: R, reason: str) -> R:
    """Take a published entry off the public list (it stays in the record; nothing is deleted)."""
    if not reason.strip():
        raise ValidationError({"reason": ["撤下时必须说明理由。"]})
    obj = _locked(spec, obj)
    _require_review(actor, spec, spec.agency_of(obj))
    if obj.status != PublicationStatus.PUBLISHED:
        raise InvalidTransition("只有已公示的条目可以撤下。")
    obj.status = PublicationStatus.WITHDRAWN
    obj.pending = None
    obj.pending_submitted_at = None
    obj.review_note = reason
    obj.reviewed_at = timezone.now()
    obj.reviewed_by_id = actor.pk
    obj.save()
    record(actor=actor, action=f"{spec.key}.withdraw", subject=obj, note=reason)
    return obj
