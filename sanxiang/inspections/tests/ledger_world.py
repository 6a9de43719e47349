"""Random-inspection rows for the ledger's tamper-test world: three targets, a conflict, a published plan drawn once
(its drawn targets opened as inspection cases) and a second commitment cancelled."""

from __future__ import annotations

from typing import Any

from sanxiang.inspections import services
from sanxiang.inspections.tests.conftest import target_data
from sanxiang.registry.models import Officer
from sanxiang.registry.tests import factories as f


def extend(bureau: Any) -> None:
    inspection_item = f.publish("inspection-items", bureau=bureau, data=f.inspection_item_data(code="SJ-LW-001"))
    case_item = f.publish(
        "items",
        bureau=bureau,
        data=f.item_data(
            bureau, code="XZJC-LW-001", category="inspection", name="安全生产监督检查", discretion_benchmark=[]
        ),
    )
    # The targets are in 双台子区 (211102), which only the two inspectors added here cover: the drawn case's officers
    # are then on no other case of the world (a case officer row can be pointed at another case without a duplicate),
    # and they sort after the world's officers by name (pointing a row at "another officer" picks one of those).
    targets = [
        services.target_save(
            actor=bureau.officer, agency=bureau.agency, data=target_data(n, region="211102", risk="A")
        )[0]
        for n in (901, 902, 903)
    ]
    for name, number in (("赵抽查", "2111032019901"), ("钱抽查", "2111032019902")):
        data = f.officer_data(bureau, name=name, certificate_number=number, region="211100")
        f.publish("officers", bureau=bureau, data=data)
    officers = list(Officer.objects.filter(agency=bureau.agency).order_by("pk"))  # the first covers 211103 only
    services.conflict_add(actor=bureau.head, officer=officers[0], target=targets[2], reason="系该单位股东的近亲属")
    plans = [
        services.plan_publish(
            actor=bureau.head,
            plan=services.plan_create(
                actor=bureau.head,
                agency=bureau.agency,
                data={
                    "code": f"SJJH-LW-00{n}",
                    "title": "安全生产双随机抽查",
                    "year": 2026,
                    "items": [inspection_item.pk],
                    "case_item": case_item.pk,
                    "classes": [{"risk": "A", "count": 1}],
                    "frequency": "每年一次",
                },
            ),
        )
        for n in (1, 2)
    ]
    draw = services.draw_commit(actor=bureau.head, plan=plans[0])
    services.draw_perform(actor=bureau.head, draw=draw, observer_name="监督员", observer_value="20261124")
    # Two commitments of the second plan, cancelled (the last draw is its second: pointed at the first plan, it keeps
    # a free batch number).
    for _ in range(2):
        spare = services.draw_commit(actor=bureau.head, plan=plans[1])
        services.draw_cancel(actor=bureau.head, draw=spare, reason="抽取当日检查人员名录有误")
