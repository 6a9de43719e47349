"""Fixtures of the lists' staff pages: entries in each interesting state, made through the services."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

from sanxiang.conftest import Bureau, make_agency, make_user
from sanxiang.org.models import Agency, Role, RoleAssignment, SubjectCategory
from sanxiang.registry import services
from sanxiang.registry.models import ComplaintChannel, EnforcementItem, Officer
from sanxiang.registry.specs import CHANNELS, ITEMS, OFFICERS

CHANNEL = {
    "name": "局监督举报",
    "address": "盘锦市兴隆台区泰山路1号",
    "postcode": "124010",
    "phone": "0427-2825000",
    "email": "jubao@example.gov.cn",
    "procedure": "收到举报后5个工作日内受理，30日内反馈。",
}


def item_data(bureau: Bureau, **extra: Any) -> dict[str, Any]:
    return {
        "code": "XZCF-001",
        "category": "penalty",
        "name": "对生产经营单位未建立事故隐患排查治理制度的处罚",
        "legal_basis": [{"law": "中华人民共和国安全生产法", "article": "第一百零二条"}],
        "discretion_benchmark": [
            {"circumstance": "首次发现且及时改正", "sanction": "责令限期改正", "fine_min": "", "fine_max": ""},
            {"circumstance": "逾期未改正", "sanction": "罚款", "fine_min": "50000", "fine_max": "100000"},
        ],
        "handling_department_id": bureau.section.pk,
        "time_limit_days": 90,
        "time_limit_kind": "calendar",
        **extra,
    }


def officer_data(bureau: Bureau, **extra: Any) -> dict[str, Any]:
    return {
        "department_id": bureau.section.pk,
        "name": "张执法",
        "post": "执法队员",
        "certificate_number": "21110300001",
        "categories": ["penalty", "inspection"],
        "region": "211103",
        "region_name": "兴隆台区",
        "issuing_authority": "盘锦市人民政府",
        "valid_from": dt.date(2024, 1, 1),
        "valid_until": dt.date(2029, 12, 31),
        **extra,
    }


def publish(spec: Any, obj: Any, editor: Any, reviewer: Any) -> Any:
    services.entry_submit(actor=editor, spec=spec, obj=obj)
    return services.entry_approve(actor=reviewer, spec=spec, obj=obj, note="同意")


@dataclass
class Entries:
    channel: ComplaintChannel  # a draft, kept by the office
    item: EnforcementItem  # published, with a staged change awaiting review
    officer: Officer  # published
    foreign: ComplaintChannel  # another agency's draft
    suspended: Officer  # published, certificate suspended
    entrusted: Agency  # an entrusted body, not yet reviewed by the district legal office


@pytest.fixture
def entries(bureau: Bureau) -> Entries:
    channel = services.entry_create(actor=bureau.office_clerk, spec=CHANNELS, agency=bureau.agency, data=CHANNEL)
    item = services.entry_create(actor=bureau.reviewer, spec=ITEMS, agency=bureau.agency, data=item_data(bureau))
    item = publish(ITEMS, item, bureau.reviewer, bureau.reviewer)
    item = services.entry_update(
        actor=bureau.head,
        spec=ITEMS,
        obj=item,
        data={"name": "对未建立事故隐患排查治理制度的处罚", "time_limit_days": 60},
    )
    officer = services.entry_create(
        actor=bureau.reviewer, spec=OFFICERS, agency=bureau.agency, data=officer_data(bureau)
    )
    officer = publish(OFFICERS, officer, bureau.reviewer, bureau.reviewer)
    foreign = services.entry_create(
        actor=bureau.outsider, spec=CHANNELS, agency=bureau.other_agency, data={**CHANNEL, "name": "双台子举报"}
    )
    suspended = services.entry_create(
        actor=bureau.reviewer,
        spec=OFFICERS,
        agency=bureau.agency,
        data=officer_data(bureau, name="王暂扣", certificate_number="21110300002"),
    )
    suspended = publish(OFFICERS, suspended, bureau.reviewer, bureau.reviewer)
    suspended = services.officer_certificate_suspend(actor=bureau.reviewer, officer=suspended, reason="涉嫌违纪")
    entrusted = make_agency(
        "兴隆台区安全生产执法大队", subject_category=SubjectCategory.ENTRUSTED, entrusted_by=bureau.agency
    )
    # The entrusting agency's legal section keeps the entrusted body's record.
    RoleAssignment.objects.create(user=bureau.reviewer, agency=entrusted, role=Role.LEGAL_REVIEWER)
    return Entries(
        channel=channel,
        item=item,
        officer=officer,
        foreign=foreign,
        suspended=suspended,
        entrusted=entrusted,
    )


@pytest.fixture
def nobody(db: Any) -> Any:
    """A signed-in user without any role."""
    return make_user("nobody")


@pytest.fixture(autouse=True)
def _data_dir(settings: Any, tmp_path: Any) -> None:
    # Previewed imports wait in the data directory until confirmed.
    settings.DATA_DIR = tmp_path
