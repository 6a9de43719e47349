"""A bureau ready to draw: the cases app's world (published inspection item, two officers with cameras) plus a
published random-inspection item, four more inspectors, a target pool and a helper to make and publish plans."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from stdnum.cn import uscc as uscc_mod

from sanxiang.cases.tests.conftest import ALL_CATEGORIES, CaseWorld, case_world
from sanxiang.conftest import make_user
from sanxiang.inspections.models import SamplingPlan, Target
from sanxiang.inspections.services import plan_create, plan_publish, target_save
from sanxiang.org.models import Role
from sanxiang.registry.models import InspectionItem, Officer
from sanxiang.registry.tests import factories as f

SECTORS = ("危险化学品", "工贸", "烟花爆竹")


def make_uscc(serial: int, region: str = "211103") -> str:
    """A valid unified social credit code (GB 32100-2015) with ``serial`` in its body."""
    body = f"91{region}MA{serial:07d}"[:17]
    return body + uscc_mod.calc_check_digit(body)


def target_data(serial: int, **extra: Any) -> dict[str, Any]:
    region = extra.pop("region", "211103" if serial % 3 else "211102")
    return {
        "uscc": make_uscc(serial, region),
        "name": f"盘锦示例{serial:03d}有限公司",
        "legal_representative": f"法人{serial:03d}",
        "address": f"盘锦市示例路{serial}号",
        "region": region,
        "sector": SECTORS[serial % len(SECTORS)],
        "risk": "ABCD"[serial % 4],
        **extra,
    }


@dataclass
class InspectionWorld:
    cases: CaseWorld
    item: InspectionItem
    officers: list[Officer]  # every inspector of the agency, the cases world's two first
    targets: list[Target] = field(default_factory=list)

    @property
    def bureau(self) -> Any:
        return self.cases.bureau

    def plan(self, *, publish: bool = True, **changes: Any) -> SamplingPlan:
        data: dict[str, Any] = {
            "code": f"SJJH-2026-{SamplingPlan.objects.count() + 1:03d}",
            "title": "2026年危险化学品经营单位双随机抽查",
            "year": 2026,
            "items": [self.item.pk],
            "case_item": self.cases.items["inspection"].pk,
            "classes": [{"risk": "A", "count": 2}, {"risk": "B", "ratio": "0.5"}],
            "inspectors_per_target": 2,
            "frequency": "每年一次",
            **changes,
        }
        plan = plan_create(actor=self.bureau.head, agency=self.bureau.agency, data=data)
        return plan_publish(actor=self.bureau.head, plan=plan) if publish else plan


def _inspector(bureau: Any, name: str, number: str, region: str = "211103") -> Officer:
    user = make_user(f"insp{number[-3:]}", bureau.agency, Role.OFFICER)
    data = f.officer_data(
        bureau, name=name, certificate_number=number, categories=ALL_CATEGORIES, region=region, user_id=user.pk
    )
    officer: Officer = f.publish("officers", bureau=bureau, data=data)
    return officer


@pytest.fixture
def inspection_world(case_world: CaseWorld) -> InspectionWorld:
    bureau = case_world.bureau
    item = f.publish("inspection-items", bureau=bureau, data=f.inspection_item_data())
    officers = [case_world.wang, case_world.li]
    for index, (name, region) in enumerate(
        (("赵一", "211100"), ("钱二", "211103"), ("孙三", "211102"), ("周四", "211100"))
    ):
        officers.append(_inspector(bureau, name, f"2111032019010{index}", region))
    world = InspectionWorld(cases=case_world, item=item, officers=officers)
    for serial in range(1, 13):
        target, _ = target_save(actor=bureau.officer, agency=bureau.agency, data=target_data(serial))
        world.targets.append(target)
    return world


__all__ = ["InspectionWorld", "case_world", "inspection_world", "make_uscc", "target_data"]
