"""Demo random inspections for the demo seed: a target pool of 80 enterprises, one conflict of interest, a published
plan for 危险化学品经营企业 and one draw made through the services (commitment, observer value, cases opened).

``seed`` is idempotent: a plan whose code is already on file is left as it is (with its draws).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from stdnum.cn import uscc

from sanxiang.inspections import services
from sanxiang.inspections.models import SamplingPlan
from sanxiang.org.models import Agency, User
from sanxiang.registry.models import EnforcementItem, InspectionItem, Officer

PLAN_CODE = "SJJH-2026-001"
OBSERVER = ("孙文博（兴隆台区司法局）", "2026 年第一批 见证人输入 731")
_PREFIXES = ("兴盛", "辽河", "鑫源", "华润", "盘锦港", "渤海", "金泰", "恒通", "宏达", "东方")
_KINDS = (("化工贸易", "危险化学品"), ("机械制造", "工贸"), ("建材", "工贸"), ("烟花爆竹经营部", "烟花爆竹"))
_STREETS = ("兴隆台街道", "振兴街道", "渤海街道", "新工街道", "惠宾街道", "友谊街道", "创新街道", "茨采街道")


def _code(serial: int) -> str:
    body = f"91211103MA{serial + 1_000_000:07d}"[:17]
    return body + uscc.calc_check_digit(body)


def target_rows() -> list[dict[str, str]]:
    """80 demo enterprises: 40 A, 24 B, 12 C, 4 D; a fixed list, so the pool's hash is the same on every machine."""
    rows = []
    for serial in range(80):
        prefix = _PREFIXES[serial % len(_PREFIXES)]
        kind, sector = _KINDS[serial % len(_KINDS)]
        risk = "A" if serial < 40 else "B" if serial < 64 else "C" if serial < 76 else "D"
        rows.append(
            {
                "uscc": _code(serial),
                "name": f"盘锦{prefix}{kind}有限公司（演示{serial + 1:02d}）",
                "legal_representative": "",
                "address": f"盘锦市兴隆台区{_STREETS[serial % len(_STREETS)]}示例路{serial + 1}号",
                "region": "211103",
                "sector": sector,
                "risk": risk,
            }
        )
    return rows


def seed(*, agency: Agency, users: dict[str, User], count: Callable[[str], None]) -> None:
    if SamplingPlan.objects.filter(agency=agency, code=PLAN_CODE).exists():
        return
    keeper, head = users["officer1"], users["head"]
    targets = {}
    for row in target_rows():
        target, changed = services.target_save(actor=keeper, agency=agency, data=row)
        targets[target.uscc] = target
        if changed:
            count("target")
    officer = Officer.objects.get(agency=agency, name="李晓东")
    services.conflict_add(
        actor=head, officer=officer, target=targets[_code(0)], reason="其配偶在该公司任安全管理人员（演示数据）"
    )
    data: dict[str, Any] = {
        "code": PLAN_CODE,
        "title": "2026年危险化学品经营企业安全生产双随机抽查",
        "year": 2026,
        "items": [InspectionItem.objects.get(agency=agency, code="SJCC-001").pk],
        "case_item": EnforcementItem.objects.get(agency=agency, code="XZJC-002").pk,
        "sectors": ["危险化学品"],
        "classes": [
            {"risk": "D", "ratio": "1"},
            {"risk": "C", "count": 2},
            {"risk": "B", "ratio": "0.2"},
            {"risk": "A", "ratio": "0.1"},
        ],
        "inspectors_per_target": 2,
        "frequency": "每年不少于1次",
    }
    plan = services.plan_publish(actor=head, plan=services.plan_create(actor=head, agency=agency, data=data))
    count("sampling plan")
    draw = services.draw_commit(actor=head, plan=plan)
    services.draw_perform(actor=head, draw=draw, observer_name=OBSERVER[0], observer_value=OBSERVER[1])
    count("draw")
