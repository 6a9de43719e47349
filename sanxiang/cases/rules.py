"""Who may act on a case, and with whom: the roles of each kind of act, and an officer's eligibility for a case
(行政处罚法 arts. 42–43: at least two officers with valid certificates covering the item's category and the place).

These are the rules every case service and the case pages read; they write nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sanxiang.core.errors import ValidationError
from sanxiang.core.validators import region_covers
from sanxiang.org.access import require_role
from sanxiang.org.models import Agency, Role
from sanxiang.registry.models import CertificateState, EnforcementCategory, EnforcementItem, Officer

MIN_OFFICERS = 2  # 行政处罚法 art. 42; 行政强制法 art. 18
OPENERS = (Role.OFFICER, Role.DEPARTMENT_HEAD)
RECUSAL_RECORDERS = (Role.OFFICER, Role.DEPARTMENT_HEAD, Role.LEADER)
DECIDERS = (Role.DEPARTMENT_HEAD, Role.LEADER)
COLLECTIVE_PROPOSERS = (*DECIDERS, Role.LEGAL_REVIEWER)  # who may ask for a collective discussion
ISSUER_ROLES = (Role.OFFICER, Role.DEPARTMENT_HEAD, Role.LEGAL_REVIEWER, Role.LEADER)  # leaders: 集体讨论记录

_CERTIFICATE_REASON = {
    CertificateState.EXPIRED: "已过期",
    CertificateState.SUSPENDED: "已被暂扣",
    CertificateState.REVOKED: "已注销",
    CertificateState.NOT_YET_VALID: "尚未生效",
    CertificateState.REVIEW_FAILED: "年度审验不合格",
}


# --- eligibility ---------------------------------------------------------------------------------------------------


def officer_eligibility(*, officer: Officer, item: EnforcementItem, place_region: str, on: dt.date) -> list[str]:
    """Why ``officer`` may not act on ``item`` at ``place_region`` on ``on`` (empty when it may), in Chinese."""
    reasons: list[str] = []
    name = officer.name
    if officer.agency_id != item.agency_id:
        reasons.append(f"{name}不是本案执法主体的执法人员")
    if not officer.is_published:
        reasons.append(f"{name}不在已公示的人员资格清单中")
    state = officer.certificate_state(on)
    if state != CertificateState.VALID:
        reasons.append(f"{name}的执法证{_CERTIFICATE_REASON.get(state, state.label)}")
    categories = officer.categories if isinstance(officer.categories, list) else []
    if item.category not in categories:
        reasons.append(f"{name}的执法类别不含{EnforcementCategory(item.category).label}")
    try:
        covered = region_covers(officer.region, place_region)
    except ValidationError:
        covered = False
    if not covered:
        reasons.append(f"{name}的执法区域不含 {place_region}")
    return reasons


def ineligibility(officers: Iterable[Officer], *, item: EnforcementItem, place_region: str, on: dt.date) -> list[str]:
    """Every reason, officer by officer, why ``officers`` may not act on ``item`` at ``place_region`` on ``on``."""
    return [
        reason
        for officer in officers
        for reason in officer_eligibility(officer=officer, item=item, place_region=place_region, on=on)
    ]


def check_officers(officers: Iterable[Officer], *, item: EnforcementItem, place_region: str, on: dt.date) -> None:
    reasons = ineligibility(officers, item=item, place_region=place_region, on=on)
    if reasons:
        raise ValidationError({"officers": reasons})


def require_opener(actor: Any, agency: Agency) -> None:
    """Only the agency's officers and department heads open cases (the opening form is refused to others too)."""
    require_role(actor, agency, OPENERS, f"只有{agency.name}的执法人员或科室负责人可以立案。")
