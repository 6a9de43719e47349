"""Valid input for each list, built through the services (tests reuse these)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sanxiang.org.listing import ListSpec, entry_approve, entry_create, entry_submit
from sanxiang.registry.specs import ALL_LISTS


def item_data(bureau: Any, **extra: Any) -> dict[str, Any]:
    return {
        "code": "XZCF-001",
        "category": "penalty",
        "name": "生产经营单位未按规定对从业人员进行安全生产教育和培训的处罚",
        "legal_basis": [{"law": "中华人民共和国安全生产法", "article": "第九十七条第（三）项"}],
        "discretion_benchmark": [
            {
                "circumstance": "首次发现，未造成后果",
                "sanction": "责令限期改正，可以罚款",
                "fine_min": "0",
                "fine_max": "30000",
            },
            {
                "circumstance": "逾期未改正",
                "sanction": "责令停产停业整顿，罚款",
                "fine_min": "100000",
                "fine_max": "200000",
            },
        ],
        "handling_department_id": bureau.section.pk,
        "time_limit_days": 90,
        "time_limit_kind": "calendar",
        **extra,
    }


def officer_data(bureau: Any, **extra: Any) -> dict[str, Any]:
    return {
        "name": "王建国",
        "post": "执法监察科科员",
        "department_id": bureau.section.pk,
        "certificate_number": "21110320190001",
        "categories": ["penalty", "inspection"],
        "region": "211103",
        "region_name": "兴隆台区",
        "issuing_authority": "辽宁省人民政府",
        "valid_from": dt.date(2024, 1, 1),
        "valid_until": dt.date(2029, 12, 31),
        "annual_review_year": 2025,
        "annual_review_state": "passed",
        **extra,
    }


def inspection_item_data(**extra: Any) -> dict[str, Any]:
    return {
        "code": "SJ-001",
        "name": "危险化学品经营单位安全生产条件检查",
        "inspecting_body": "兴隆台区应急管理局",
        "basis": "《中华人民共和国安全生产法》第六十五条",
        "target_type": "危险化学品经营单位",
        "content": "安全生产许可条件保持情况",
        "method": "现场检查、书面检查",
        "ratio_percent": "5",
        "frequency": "每年不少于一次",
        **extra,
    }


def power_data(**extra: Any) -> dict[str, Any]:
    return {
        "code": "QZ-001",
        "name": "对生产经营单位安全生产违法行为的行政处罚",
        "category": "penalty",
        "basis": "《中华人民共和国安全生产法》第九十七条至第一百一十七条",
        "responsibilities": "立案、调查、审查、告知、决定、送达、执行",
        "accountability": "不履行或不正确履行职责的，依法追究责任",
        **extra,
    }


def channel_data(**extra: Any) -> dict[str, Any]:
    return {
        "name": "局监督举报",
        "address": "盘锦市兴隆台区泰山路1号",
        "postcode": "124010",
        "phone": "0427-2825000",
        "email": "jubao@example.gov.cn",
        "procedure": "收到举报后5个工作日内受理，30日内反馈。",
        **extra,
    }


def publish(spec_key: str, *, bureau: Any, data: dict[str, Any], agency: Any = None) -> Any:
    """Create, submit and approve an entry: what the legal section does for every published entry."""
    spec: ListSpec[Any] = ALL_LISTS[spec_key]
    obj = entry_create(actor=bureau.reviewer, spec=spec, agency=agency or bureau.agency, data=data)
    entry_submit(actor=bureau.reviewer, spec=spec, obj=obj)
    return entry_approve(actor=bureau.reviewer, spec=spec, obj=obj)


def recording_rule_data(**extra: Any) -> dict[str, Any]:
    return {
        "code": "YX-001",
        "name": "询问当事人",
        "process_key": "penalty-general",
        "step_key": "investigate",
        "requirement": "full_process",
        "scope": "询问室内询问当事人、证人的全过程",
        "basis": "《辽宁省行政执法全过程记录办法》；本局音像记录事项清单",
        **extra,
    }


def recording_place_data(**extra: Any) -> dict[str, Any]:
    return {
        "name": "一号询问室",
        "kind": "interview_room",
        "address": "盘锦市兴隆台区泰山路1号三楼",
        "full_process": True,
        "cameras": "高清摄像头2个，拾音器1个",
        **extra,
    }


def device_data(**extra: Any) -> dict[str, Any]:
    return {
        "asset_number": "XLT-JLY-001",
        "model_name": "DSJ-A8",
        "serial_number": "SN20260001",
        "storage_gb": 128,
        **extra,
    }
