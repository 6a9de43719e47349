"""Reads of the published lists.

``public_*`` selectors are the only way the portal and the open API read lists: they return published entries of
publicly visible agencies only (an entrusted body shows once the district legal office has reviewed it).
``staff_*`` selectors restrict to the agencies a user may read.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.db.models import JSONField, Q, QuerySet

from sanxiang.core.models import PublicationStatus, Reviewed
from sanxiang.ledger.selectors import Change, diff_states, entries_for
from sanxiang.org.access import visible_to
from sanxiang.org.listing import REVIEW_BOOKKEEPING, ListSpec
from sanxiang.org.models import Agency, SubjectCategory
from sanxiang.registry.models import Device, DeviceUsage, Officer, RecordingRequirement, RecordingRule
from sanxiang.registry.specs import ALL_LISTS

# Fields searched by the public ``q`` parameter, per list.
SEARCH_FIELDS: dict[str, tuple[str, ...]] = {
    "powers": ("code", "name", "basis"),
    "items": ("code", "name", "legal_basis"),
    "inspection-items": ("code", "name", "target_type", "content"),
    "officers": ("name", "certificate_number", "post", "region_name"),
    "templates": ("code", "name", "description"),
    "complaint-channels": ("name", "address", "procedure"),
    "agencies": ("name", "duties", "address"),
    "recording-rules": ("code", "name", "scope", "basis"),
    "recording-places": ("name", "address", "cameras"),
}

# Bookkeeping fields never shown in public history.
_HISTORY_IGNORE = (*REVIEW_BOOKKEEPING, "user_id")


def public_agencies() -> QuerySet[Agency]:
    return Agency.objects.filter(status=PublicationStatus.PUBLISHED).filter(
        ~Q(subject_category=SubjectCategory.ENTRUSTED) | Q(district_reviewed_at__isnull=False)
    )


def public_entries(spec: ListSpec[Any]) -> QuerySet[Any]:
    """Published entries of ``spec``'s list, of publicly visible agencies."""
    if spec.model is Agency:
        return public_agencies()
    qs = spec.model._default_manager.filter(status=PublicationStatus.PUBLISHED)
    return qs.filter(agency__in=public_agencies()).select_related("agency")


def search(qs: QuerySet[Any], list_key: str, q: str) -> QuerySet[Any]:
    """Plain substring search over the list's search fields (CJK terms of any length match)."""
    q = (q or "").strip()
    if not q:
        return qs
    condition = Q()
    # SQLite stores JSON with non-ASCII characters escaped (\uXXXX), PostgreSQL's jsonb text does not: match both.
    escaped = json.dumps(q)[1:-1]
    for field in SEARCH_FIELDS.get(list_key, ("name",)):
        condition |= Q(**{f"{field}__icontains": q})
        if escaped != q and isinstance(qs.model._meta.get_field(field), JSONField):
            condition |= Q(**{f"{field}__icontains": escaped})
    return qs.filter(condition)


def public_list(list_key: str, *, q: str = "", agency_id: int | None = None, category: str = "") -> QuerySet[Any]:
    spec = ALL_LISTS[list_key]
    qs = search(public_entries(spec), list_key, q)
    if agency_id:
        qs = qs.filter(agency_id=agency_id)
    if category and hasattr(spec.model, "category"):
        qs = qs.filter(category=category)
    return qs


def public_officer_by_certificate(number: str) -> Officer | None:
    """The officer holding certificate ``number`` if it is on the public list (any certificate state)."""
    return (
        public_entries(ALL_LISTS["officers"])
        .select_related("agency", "department")
        .filter(certificate_number=number)
        .first()
    )


@dataclass(frozen=True)
class PublicVersion:
    """One published version of an entry, for its public history (dynamic management: who, when, what)."""

    seq: int
    time: Any
    action: str
    actor_id: int | None
    changes: list[Change]
    note: str


# Actions whose resulting state the public may see.
PUBLIC_ACTION_SUFFIXES = (
    ".publish",
    ".withdraw",
    ".certificate_suspend",
    ".certificate_reinstate",
    ".certificate_revoke",
    ".annual_review",
)


def public_history(obj: Reviewed) -> list[PublicVersion]:
    """The entry's public versions, newest first, each with the fields that changed from the previous one."""
    versions: list[PublicVersion] = []
    previous: dict[str, Any] | None = None
    for entry in entries_for(obj):
        if not entry.action.endswith(PUBLIC_ACTION_SUFFIXES):
            continue
        changes = diff_states(previous, entry.state, ignore=_HISTORY_IGNORE)
        versions.append(
            PublicVersion(
                seq=entry.seq,
                time=entry.time,
                action=entry.action,
                actor_id=entry.actor_id,
                changes=changes,
                note=entry.note if not entry.action.endswith(".publish") else "",
            )
        )
        previous = entry.state
    versions.reverse()
    return versions


def staff_entries(user: Any, spec: ListSpec[Any]) -> QuerySet[Any]:
    """Entries of every state that ``user`` may read."""
    if spec.model is Agency:
        return visible_to(user, Agency.objects.all(), agency_field="")
    return visible_to(user, spec.model._default_manager.select_related("agency"))


def staff_review_queue(user: Any, spec: ListSpec[Any]) -> QuerySet[Any]:
    """Entries awaiting review: submitted ones and published ones with a staged change."""
    return staff_entries(user, spec).filter(
        Q(status=PublicationStatus.SUBMITTED) | Q(status=PublicationStatus.PUBLISHED, pending__isnull=False)
    )


# --- audio-video recording ---------------------------------------------------------------------------------------

# From least to most demanding: the stricter of the process definition and the AV list applies.
_RECORDING_ORDER = ("none", RecordingRequirement.REQUIRED.value, RecordingRequirement.FULL_PROCESS.value)


def recording_requirement(*, agency: Agency | int, process_key: str, step_key: str) -> str:
    """What recording ``step_key`` of ``process_key`` needs in ``agency``: ``"none"``, ``"required"`` or
    ``"full_process"`` — the stricter of the process definition's own level (``Step.recording``) and the agency's
    published AV list (音像记录事项清单). ``LookupError`` for a process or step that does not exist."""
    from sanxiang.cases.processes import PROCESSES

    process = PROCESSES.get(process_key)
    if process is None:
        raise LookupError(f"没有编码为“{process_key}”的执法程序。")
    try:
        step = process.step(step_key)
    except KeyError:
        raise LookupError(f"“{process.name}”没有编码为“{step_key}”的环节。") from None
    levels = {str(step.recording.value)}
    levels.update(
        RecordingRule.objects.filter(
            agency=agency, process_key=process_key, step_key=step_key, status=PublicationStatus.PUBLISHED
        ).values_list("requirement", flat=True)
    )
    return max(levels, key=_RECORDING_ORDER.index)


def staff_devices(user: Any, agency: Agency | None = None) -> QuerySet[Device]:
    """The body cameras ``user`` may read (of ``agency`` when given)."""
    qs = visible_to(user, Device.objects.select_related("agency", "officer"))
    return qs.filter(agency=agency) if agency is not None else qs


def device_usages(device: Device) -> QuerySet[DeviceUsage]:
    return device.usages.select_related("officer").order_by("-returned_at", "-pk")
