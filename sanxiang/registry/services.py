"""Writes to the published lists. The review workflow itself is ``sanxiang.org.listing``; this module adds the
certificate actions that take effect at once (a suspended certificate must show as such immediately, without
waiting for a review)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from sanxiang.core.errors import InvalidTransition, ValidationError, full_clean_or_raise
from sanxiang.ledger.services import record
from sanxiang.org.access import require_role
from sanxiang.org.listing import (
    entry_approve,
    entry_create,
    entry_return,
    entry_submit,
    entry_update,
    entry_withdraw,
)
from sanxiang.org.models import Agency, Role
from sanxiang.registry.models import AnnualReviewState, Device, DeviceStatus, DeviceUsage, Officer
from sanxiang.registry.specs import LIST_KEEPERS

__all__ = [
    "DEVICE_KEEPERS",
    "device_assign",
    "device_register",
    "device_repair",
    "device_repaired",
    "device_retire",
    "device_return",
    "entry_approve",
    "entry_create",
    "entry_return",
    "entry_submit",
    "entry_update",
    "entry_withdraw",
    "officer_annual_review_record",
    "officer_certificate_reinstate",
    "officer_certificate_revoke",
    "officer_certificate_suspend",
]


def _locked_officer(officer: Officer) -> Officer:
    return Officer.objects.select_for_update().get(pk=officer.pk)


@transaction.atomic
def officer_certificate_suspend(*, actor: Any, officer: Officer, reason: str) -> Officer:
    """暂扣执法证: effective at once on the public list and the verification page."""
    if not reason.strip():
        raise ValidationError({"reason": ["暂扣执法证须说明原因。"]})
    officer = _locked_officer(officer)
    require_role(actor, officer.agency, LIST_KEEPERS, "只有法规科可以暂扣执法证。")
    if officer.revoked_at or officer.suspended_at:
        raise InvalidTransition("该执法证已暂扣或注销。")
    officer.suspended_at = timezone.now()
    officer.suspension_reason = reason.strip()
    officer.save(update_fields=["suspended_at", "suspension_reason", "updated_at"])
    record(actor=actor, action="officer.certificate_suspend", subject=officer, note=reason)
    return officer


@transaction.atomic
def officer_certificate_reinstate(*, actor: Any, officer: Officer, note: str = "") -> Officer:
    officer = _locked_officer(officer)
    require_role(actor, officer.agency, LIST_KEEPERS, "只有法规科可以恢复执法证。")
    if not officer.suspended_at or officer.revoked_at:
        raise InvalidTransition("该执法证未被暂扣。")
    officer.suspended_at = None
    officer.suspension_reason = ""
    officer.save(update_fields=["suspended_at", "suspension_reason", "updated_at"])
    record(actor=actor, action="officer.certificate_reinstate", subject=officer, note=note)
    return officer


@transaction.atomic
def officer_certificate_revoke(*, actor: Any, officer: Officer, reason: str) -> Officer:
    if not reason.strip():
        raise ValidationError({"reason": ["注销执法证须说明原因。"]})
    officer = _locked_officer(officer)
    require_role(actor, officer.agency, LIST_KEEPERS, "只有法规科可以注销执法证。")
    if officer.revoked_at:
        raise InvalidTransition("该执法证已注销。")
    officer.revoked_at = timezone.now()
    officer.revocation_reason = reason.strip()
    officer.save(update_fields=["revoked_at", "revocation_reason", "updated_at"])
    record(actor=actor, action="officer.certificate_revoke", subject=officer, note=reason)
    return officer


@transaction.atomic
def officer_annual_review_record(*, actor: Any, officer: Officer, year: int, passed: bool, note: str = "") -> Officer:
    """年度审验: the result of the annual certificate review for ``year``."""
    officer = _locked_officer(officer)
    require_role(actor, officer.agency, LIST_KEEPERS, "只有法规科可以登记年度审验。")
    if year > timezone.localdate().year or year < 2000:
        raise ValidationError({"year": ["审验年度无效。"]})
    officer.annual_review_year = year
    officer.annual_review_state = AnnualReviewState.PASSED if passed else AnnualReviewState.FAILED
    officer.save(update_fields=["annual_review_year", "annual_review_state", "updated_at"])
    record(actor=actor, action="officer.annual_review", subject=officer, note=note)
    return officer


# --- body cameras (执法记录仪, plan 二(二)3(2)): an internal register, every change effective at once ----------------

# Plan 二(二)3(2): the office equips and manages the recorders.
DEVICE_KEEPERS = frozenset({Role.OFFICE, Role.ADMINISTRATOR})
DEVICE_FIELDS = ("asset_number", "model_name", "serial_number", "storage_gb", "note")


def _locked_device(device: Device) -> Device:
    return Device.objects.select_for_update(of=("self",)).select_related("agency", "officer").get(pk=device.pk)


def _require_keeper(actor: Any, device: Device, verb: str) -> None:
    require_role(actor, device.agency, DEVICE_KEEPERS, f"只有{device.agency.name}办公室可以{verb}执法记录仪。")


@transaction.atomic
def device_register(*, actor: Any, agency: Agency, data: dict[str, Any]) -> Device:
    """登记 a new body camera of ``agency`` (in service, not assigned)."""
    require_role(actor, agency, DEVICE_KEEPERS, f"只有{agency.name}办公室可以登记执法记录仪。")
    unknown = sorted(set(data) - set(DEVICE_FIELDS))
    if unknown:
        raise ValidationError({name: ["不能填写该字段。"] for name in unknown})
    device = Device(agency=agency, status=DeviceStatus.IN_SERVICE, **data)
    if isinstance(device.asset_number, str):
        device.asset_number = device.asset_number.strip()
    full_clean_or_raise(device)
    device.save()
    record(actor=actor, action="device.register", subject=device)
    return device


@transaction.atomic
def device_assign(*, actor: Any, device: Device, officer: Officer, note: str = "") -> Device:
    """配发 the device to an officer of its agency who holds a valid certificate."""
    device = _locked_device(device)
    _require_keeper(actor, device, "配发")
    if device.status != DeviceStatus.IN_SERVICE:
        raise InvalidTransition(f"“{device.get_status_display()}”的执法记录仪不能配发。")
    if device.officer_id is not None:
        assert device.officer is not None
        raise InvalidTransition(f"该执法记录仪已配发给{device.officer.name}，须先归还。")
    officer = Officer.objects.select_related("agency").get(pk=officer.pk)
    if officer.agency_id != device.agency_id:
        raise ValidationError({"officer": ["只能配发给本机构的执法人员。"]})
    if not officer.certificate_valid():
        raise ValidationError({"officer": [f"{officer.name}的执法证{officer.certificate_state().label}，不能配发。"]})
    device.officer = officer
    device.assigned_at = timezone.now()
    device.save(update_fields=["officer", "assigned_at"])
    record(actor=actor, action="device.assign", subject=device, note=note)
    return device


@transaction.atomic
def device_return(*, actor: Any, device: Device, note: str = "") -> DeviceUsage:
    """归还: ends the assignment and appends its usage row (two ledger entries: the device, and the usage row)."""
    device = _locked_device(device)
    _require_keeper(actor, device, "收回")
    if device.officer_id is None or device.assigned_at is None:
        raise InvalidTransition("该执法记录仪未配发，无需归还。")
    usage = DeviceUsage.objects.create(
        device=device,
        officer_id=device.officer_id,
        checked_out_at=device.assigned_at,
        returned_at=timezone.now(),
        note=note.strip(),
    )
    device.officer = None
    device.assigned_at = None
    device.save(update_fields=["officer", "assigned_at"])
    record(actor=actor, action="device.return", subject=device, note=note)
    record(actor=actor, action="device_usage.create", subject=usage)
    return usage


def _require_unassigned(device: Device, verb: str) -> None:
    if device.officer_id is not None:
        assert device.officer is not None
        raise InvalidTransition(f"该执法记录仪仍配发给{device.officer.name}，须先归还再{verb}。")


@transaction.atomic
def device_repair(*, actor: Any, device: Device, reason: str) -> Device:
    """送修: out of service until ``device_repaired``."""
    if not reason.strip():
        raise ValidationError({"reason": ["送修须说明故障情况。"]})
    device = _locked_device(device)
    _require_keeper(actor, device, "送修")
    if device.status != DeviceStatus.IN_SERVICE:
        raise InvalidTransition(f"“{device.get_status_display()}”的执法记录仪不能送修。")
    _require_unassigned(device, "送修")
    device.status = DeviceStatus.UNDER_REPAIR
    device.save(update_fields=["status"])
    record(actor=actor, action="device.repair", subject=device, note=reason)
    return device


@transaction.atomic
def device_repaired(*, actor: Any, device: Device, note: str = "") -> Device:
    device = _locked_device(device)
    _require_keeper(actor, device, "登记修复")
    if device.status != DeviceStatus.UNDER_REPAIR:
        raise InvalidTransition("该执法记录仪不在维修中。")
    device.status = DeviceStatus.IN_SERVICE
    device.save(update_fields=["status"])
    record(actor=actor, action="device.repaired", subject=device, note=note)
    return device


@transaction.atomic
def device_retire(*, actor: Any, device: Device, reason: str) -> Device:
    """报废: final; the device and its usage log stay in the register."""
    if not reason.strip():
        raise ValidationError({"reason": ["报废须说明原因。"]})
    device = _locked_device(device)
    _require_keeper(actor, device, "报废")
    if device.status == DeviceStatus.RETIRED:
        raise InvalidTransition("该执法记录仪已报废。")
    _require_unassigned(device, "报废")
    device.status = DeviceStatus.RETIRED
    device.retired_at = timezone.now()
    device.save(update_fields=["status", "retired_at"])
    record(actor=actor, action="device.retire", subject=device, note=reason)
    return device
