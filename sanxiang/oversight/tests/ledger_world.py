"""Rows of the oversight app's ledgered models for the ledger's tamper test: the bureau's 2024 figures published and
then corrected (a superseded version and the current one). Its tamper test changes the last row: another agency
(the other agency has no reports), another year (2025 has none), another version or state all stay within the
constraints."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from sanxiang.cases.models import Case
from sanxiang.conftest import Bureau
from sanxiang.ledger.services import record
from sanxiang.oversight.models import (
    CaseEvaluation,
    EvaluationChecklist,
    ManualFinding,
    ProgressReport,
    RolloutPhase,
    RolloutTask,
    SupervisionFinding,
)
from sanxiang.oversight.services import annual_report_publish


def extend(bureau: Bureau) -> None:
    annual_report_publish(actor=bureau.reviewer, agency=bureau.agency, year=2024)
    annual_report_publish(actor=bureau.leader, agency=bureau.agency, year=2024, reason="补录一件行政许可决定")
    extend_evaluation_and_rollout(bureau)


def extend_evaluation_and_rollout(bureau: Bureau) -> None:
    """Two checklist versions; a case scored twice (the first score no longer current) with a manual finding; two
    rollout tasks; two weekly reports of different departments and weeks; a supervision finding rectified. Rows are
    written and recorded directly here (the services have their own tests); each last row can be pointed at another
    agency, department, case or checklist without breaking a constraint."""
    now = timezone.now()
    today = timezone.localdate()
    case = Case.objects.order_by("pk").first()
    assert case is not None
    with transaction.atomic():
        checklists = []
        for version in (1, 2):
            checklist = EvaluationChecklist.objects.create(
                agency=bureau.agency,
                version=version,
                points=[
                    {"key": "two_officers", "label": "两名以上执法人员", "weight": 10, "basis": "行政处罚法第四十二条"}
                ],
                created_at=now,
                created_by=bureau.evaluator,
            )
            record(actor=bureau.evaluator, action="checklist.create", subject=checklist)
            checklists.append(checklist)
        for checklist, current in ((checklists[0], False), (checklists[1], True)):
            evaluation = CaseEvaluation.objects.create(
                case=case,
                agency=case.agency,
                year=today.year,
                checklist=checklist,
                points=[{"key": "two_officers", "result": "pass", "entries": [1]}],
                score=10,
                max_score=10,
                failed=0,
                current=current,
                evaluated_at=now,
            )
            evaluation.refresh_from_db()  # the decimals as stored
            record(actor=None, action="evaluation.score", subject=evaluation)
        finding = ManualFinding.objects.create(
            case=case,
            point_key="two_officers",
            text="询问笔录未由两名执法人员签名。",
            deduction=2,
            recorded_at=now,
            recorded_by=bureau.evaluator,
        )
        finding.refresh_from_db()
        record(actor=bureau.evaluator, action="evaluation.finding", subject=finding)
        for ref, due in (("二(一)1", dt.date(2019, 7, 31)), ("二(一)3(1)", dt.date(2019, 7, 31))):
            task = RolloutTask.objects.create(
                agency=bureau.agency,
                ref=ref,
                section="行政执法公示制度",
                title="统一建章立制",
                text="……",
                units=["法规科"],
                phase=RolloutPhase.REVISE,
                due_on=due,
                updated_at=now,
            )
            task.departments.set([bureau.legal])
            record(actor=None, action="rollout.seed", subject=task)
        for department, week in ((bureau.legal, dt.date(2019, 9, 2)), (bureau.section, dt.date(2019, 9, 9))):
            report = ProgressReport.objects.create(
                agency=bureau.agency,
                department=department,
                week_start=week,
                text="本周完成执法事项清单梳理。",
                submitted_at=now,
                submitted_by=bureau.head,
            )
            record(actor=bureau.head, action="progress.report", subject=report)
        body = bureau.agency.supervisors.get()  # 兴隆台区司法局
        finding_row = SupervisionFinding.objects.create(
            agency=bureau.agency,
            body=body,
            found_on=dt.date(2019, 10, 8),
            text="随机抽查事项清单未公示抽查比例。",
            due_on=dt.date(2019, 10, 31),
            recorded_at=now,
            recorded_by=bureau.supervisor,
        )
        record(actor=bureau.supervisor, action="finding.record", subject=finding_row)
