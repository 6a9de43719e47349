"""Portal test data, created through the services exactly as staff would (create → submit → approve)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from sanxiang.conftest import Bureau
from sanxiang.org.models import Agency
from sanxiang.registry import services
from sanxiang.registry.specs import ALL_LISTS


def power_data(code: str = "QZ-001", name: str = "对生产经营单位安全生产违法行为的行政处罚", **extra: Any) -> dict:
    return {
        "code": code,
        "name": name,
        "category": "penalty",
        "basis": "《中华人民共和国安全生产法》第一百一十条",
        "responsibilities": "立案、调查、审查、决定、送达、执行。",
        **extra,
    }


def item_data(
    bureau: Bureau, code: str = "XZCF-001", name: str = "对危化品经营单位未建立事故隐患排查治理制度的处罚", **extra: Any
) -> dict:
    return {
        "code": code,
        "category": "penalty",
        "name": name,
        "legal_basis": [{"law": "中华人民共和国安全生产法", "article": "第一百零二条"}],
        "discretion_benchmark": [
            {"circumstance": "首次发现且及时改正", "sanction": "责令改正", "fine_min": "", "fine_max": ""},
            {"circumstance": "拒不改正", "sanction": "罚款", "fine_min": "50000", "fine_max": "100000"},
        ],
        "handling_department_id": bureau.section.pk,
        "time_limit_days": 90,
        "time_limit_kind": "calendar",
        **extra,
    }


def inspection_data(code: str = "SJ-001", name: str = "危险化学品经营企业安全生产检查", **extra: Any) -> dict:
    return {
        "code": code,
        "name": name,
        "inspecting_body": "兴隆台区应急管理局",
        "basis": "《中华人民共和国安全生产法》第六十五条",
        "target_type": "危险化学品经营企业",
        "content": "安全生产责任制落实、隐患排查治理情况",
        "method": "现场检查",
        "ratio_percent": "5",
        "frequency": "每年一次",
        **extra,
    }


def officer_data(
    number: str = "21110320230001",
    name: str = "张建国",
    valid_from: dt.date | None = None,
    valid_until: dt.date | None = None,
    **extra: Any,
) -> dict:
    today = timezone.localdate()
    return {
        "name": name,
        "post": "执法监察科科员",
        "certificate_number": number,
        "categories": ["penalty", "inspection"],
        "region": "211103",
        "region_name": "盘锦市兴隆台区",
        "issuing_authority": "盘锦市人民政府",
        "valid_from": valid_from or today - dt.timedelta(days=365),
        "valid_until": valid_until or today + dt.timedelta(days=365),
        **extra,
    }


def template_data(code: str = "WS-01", name: str = "立案审批表", **extra: Any) -> dict:
    return {
        "code": code,
        "name": name,
        "order": 1,
        "description": "案件立案时填写。",
        "file": ContentFile(b"PK\x03\x04 fake docx bytes", name=f"{code}.docx"),
        "placeholders": [{"name": "party_name", "label": "当事人名称", "required": True}],
        **extra,
    }


def channel_data(name: str = "局监督举报电话", **extra: Any) -> dict:
    return {
        "name": name,
        "address": "盘锦市兴隆台区泰山路1号",
        "postcode": "124010",
        "phone": "0427-2825000",
        "email": "jubao@example.gov.cn",
        "procedure": "收到举报后5个工作日内受理，30日内反馈。",
        **extra,
    }


@dataclass
class Publisher:
    """Keeps lists the way the legal section does: every entry goes create → submit → approve."""

    bureau: Bureau

    def _actor(self, agency: Agency) -> Any:
        return self.bureau.reviewer if agency == self.bureau.agency else self.bureau.superuser

    def draft(self, list_key: str, data: dict, agency: Agency | None = None) -> Any:
        agency = agency or self.bureau.agency
        return services.entry_create(actor=self._actor(agency), spec=ALL_LISTS[list_key], agency=agency, data=data)

    def submitted(self, list_key: str, data: dict, agency: Agency | None = None) -> Any:
        obj = self.draft(list_key, data, agency)
        return services.entry_submit(actor=self._actor(obj.agency), spec=ALL_LISTS[list_key], obj=obj)

    def publish(self, list_key: str, data: dict, agency: Agency | None = None) -> Any:
        obj = self.submitted(list_key, data, agency)
        return services.entry_approve(actor=self._actor(obj.agency), spec=ALL_LISTS[list_key], obj=obj, note="同意")

    def change(self, list_key: str, obj: Any, data: dict) -> Any:
        spec = ALL_LISTS[list_key]
        actor = self._actor(spec.agency_of(obj))
        obj = services.entry_update(actor=actor, spec=spec, obj=obj, data=data)
        return services.entry_approve(actor=actor, spec=spec, obj=obj)

    def withdraw(self, list_key: str, obj: Any, reason: str = "信息有误") -> Any:
        spec = ALL_LISTS[list_key]
        return services.entry_withdraw(actor=self._actor(spec.agency_of(obj)), spec=spec, obj=obj, reason=reason)


@pytest.fixture
def publisher(bureau: Bureau) -> Publisher:
    return Publisher(bureau)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PUBLIC_BASE_URL = "https://zfgs.example.gov.cn"
