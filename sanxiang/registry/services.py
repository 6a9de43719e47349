"""Writes to the published lists. The review workflow itself is ``sanxiang.org.listing``; this module adds the
certificate actions that take effect at once (a suspended certificate must show as such immediately, without
waiting for a review)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from sanxiang.core.errors import InvalidTransition, ValidationError
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
from sanxiang.registry.models import AnnualReviewState, Officer
from sanxiang.registry.specs import LIST_KEEPERS

__all__ = [
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
