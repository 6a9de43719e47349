"""Seed the major-decision catalogue with the national and common local defaults (DOMAIN.md), each row with its
ledger entry (the system is the actor), so that ``sanxiang ledger verify`` accepts them like any other row."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import migrations
from django.utils import timezone

DEFAULTS: list[dict[str, Any]] = [
    {
        "code": "ZD-001",
        "name": "罚款数额较大",
        "fine_person_min": Decimal("20000"),
        "fine_organisation_min": Decimal("50000"),
        "basis": "行政处罚法第五十八条；本地重大执法决定目录（如市应急管理局：对公民罚款二万元以上、"
        "对法人或者其他组织罚款五万元以上）",
    },
    {
        "code": "ZD-002",
        "name": "吊销许可证件、责令停产停业、责令关闭、较大数额没收",
        "sanctions": ["closure", "large_confiscation", "licence_revocation", "stop_production"],
        "basis": "行政处罚法第五十八条、第六十三条；国办发〔2018〕118号",
    },
    {
        "code": "ZD-003",
        "name": "经过听证程序作出行政执法决定",
        "hearing_held": True,
        "basis": "行政处罚法第五十八条第一款第（三）项",
    },
    {
        "code": "ZD-004",
        "name": "涉及重大公共利益、可能造成重大社会影响或引发社会风险、直接关系当事人或第三人重大权益",
        "circumstances": ["public_interest", "social_impact", "third_party_rights"],
        "basis": "行政处罚法第五十八条第一款第（一）（二）项；国办发〔2018〕118号",
    },
    {
        "code": "ZD-005",
        "name": "案件情况疑难复杂、涉及多个法律关系，或涉嫌犯罪需要移送司法机关",
        "circumstances": ["complex", "suspected_crime"],
        "basis": "行政处罚法第五十八条第一款第（四）项；国办发〔2018〕118号",
    },
]


def seed(apps: Any, schema_editor: Any) -> None:
    from sanxiang.ledger.services import record

    rule_model = apps.get_model("review", "MajorDecisionRule")
    for data in DEFAULTS:
        if rule_model.objects.filter(code=data["code"]).exists():
            continue
        rule = rule_model.objects.create(updated_at=timezone.now(), active=True, **data)
        record(actor=None, action="review.rule_save", subject=rule, note=f"{rule.code} 默认目录")


class Migration(migrations.Migration):
    atomic = True
    dependencies = [("review", "0001_initial"), ("ledger", "0002_append_only_triggers")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
