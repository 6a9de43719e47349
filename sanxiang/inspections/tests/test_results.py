"""Results of drawn inspections (plan 二(一)5): a drawn target's inspection case run by its drawn inspectors to its end
— found nothing, a rectification order then a re-inspection, or a handover to a penalty case — keeps its result with
a ledger entry, and the disclosure app owes its publication SANXIANG_PUBLISH_INSPECTION_DAYS working days later."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any
from unittest import mock

import pytest
from django.utils import timezone

from sanxiang.cases.models import Case, CaseOfficer
from sanxiang.cases.onsite import case_certificate_shown, case_recording_add
from sanxiang.cases.tests.conftest import upload
from sanxiang.cases.workflow import (
    case_advance,
    case_approve,
    case_document_issue,
)
from sanxiang.core import calendar
from sanxiang.core.errors import ValidationError
from sanxiang.disclosure.models import DecisionKind, PublicationTask
from sanxiang.inspections.models import DrawnTarget, InspectionResult
from sanxiang.inspections.services import case_result
from sanxiang.inspections.tests.conftest import InspectionWorld
from sanxiang.inspections.tests.helpers import (  # noqa: F401 - evidence_in_tmp is an autouse fixture
    commit_and_draw,
    evidence_in_tmp,
)
from sanxiang.ledger.models import Entry
from sanxiang.org.models import User

SITE = {
    "inspection_site": "经营场所及仓库",
    "start_time": "9时",
    "end_time": "10时",
    "recorder": "检查人员",
    "site_person": "现场负责人",
}


@pytest.fixture(autouse=True)
def quick_pdf() -> Iterator[None]:
    # As in the disclosure tests: LibreOffice's conversion plays no part here (the documents' own tests convert).
    with mock.patch("sanxiang.cases.documents.docx_to_pdf", lambda data: b"%PDF-1.7 stand-in\n" + data):
        yield


def drawn_rows(w: InspectionWorld, count: int = 3) -> list[DrawnTarget]:
    """A draw of ``count`` A-class targets (there are three), their cases opened."""
    plan = w.plan(classes=[{"risk": "A", "count": count}])
    draw = commit_and_draw(w, plan)
    return list(DrawnTarget.objects.filter(draw=draw).select_related("case", "target").order_by("position"))


class Inspection:
    """A drawn case run by its drawn inspectors: the first of them acts, both show their certificates."""

    def __init__(self, w: InspectionWorld, row: DrawnTarget) -> None:
        assert row.case is not None
        self.w, self.row, self.case = w, row, row.case
        rows = CaseOfficer.objects.filter(case=self.case, active=True).select_related("officer")
        self.officers = sorted((r.officer for r in rows), key=lambda o: row.inspectors.index(o.certificate_number))
        assert self.officers[0].user_id is not None
        self.actor = User.objects.get(pk=self.officers[0].user_id)

    def advance(self, target: str, actor: Any = None) -> Case:
        self.case = case_advance(actor=actor or self.actor, case=self.case, target=target)
        return self.case

    def issue(self, code: str, actor: Any = None, **fields: Any) -> Any:
        return case_document_issue(actor=actor or self.actor, case=self.case, template_code=code, fields=fields)

    def on_site(self) -> None:
        start = timezone.now()
        for index, officer in enumerate(self.officers):
            case_certificate_shown(
                actor=self.actor,
                case=self.case,
                officer=officer,
                shown_at=start + dt.timedelta(seconds=10 * index),
                place=self.case.place_address,
            )
        blob = upload(self.actor, f"footage {self.case.pk} {self.case.state} {start.isoformat()}".encode())
        case_recording_add(
            actor=self.actor,
            case=self.case,
            sha256=blob.sha256,
            officer=self.officers[0],
            place=self.case.place_address,
            started_at=start,
            ended_at=start + dt.timedelta(minutes=2),
            room=self.w.cases.room,  # the interview room is recorded in full: the whole visit, certificates included
            full_process=True,
        )

    def inspect(self, findings: str) -> None:
        self.advance("inspect", actor=self.w.bureau.head)
        self.on_site()
        self.issue("site_inspection_record", **SITE, inspection_findings=findings)


def close_none_found(w: InspectionWorld, row: DrawnTarget) -> Case:
    run = Inspection(w, row)
    run.inspect("未发现安全生产违法行为。")
    return run.advance("close")


def close_rectified(w: InspectionWorld, row: DrawnTarget) -> Case:
    run = Inspection(w, row)
    run.inspect("二号仓库可燃气体报警器失效。")
    run.advance("order")
    order = run.issue(
        "rectification_order",
        facts="二号仓库可燃气体报警器失效",
        rectification_deadline="2026年12月10日",
        review_body="盘锦市兴隆台区人民政府",
        court="盘锦市兴隆台区人民法院",
    )
    run.advance("reinspect")
    # Not closed before the re-inspection is done.
    assert DrawnTarget.objects.get(pk=row.pk).result == ""
    run.on_site()
    run.issue("rectification_review", rectification_order_number=order.number, review_opinion="已整改完毕")
    return run.advance("close")


def close_handed_over(w: InspectionWorld, row: DrawnTarget) -> Case:
    run = Inspection(w, row)
    run.inspect("未取得危险化学品经营许可证擅自经营。")
    run.advance("handover")
    with pytest.raises(ValidationError, match="须经行政机关负责人批准"):
        run.advance("close")
    case_approve(actor=w.bureau.head, case=run.case, note="同意移交立案")
    return run.advance("close")


CLOSERS = {
    InspectionResult.NONE_FOUND: close_none_found,
    InspectionResult.RECTIFIED: close_rectified,
    InspectionResult.HANDED_OVER: close_handed_over,
}


def test_each_way_to_close_keeps_its_result_with_a_ledger_entry_and_owes_a_publication(inspection_world):
    w = inspection_world
    rows = drawn_rows(w)
    assert len(rows) == 3
    for row, (expected, close) in zip(rows, CLOSERS.items(), strict=True):
        case = close(w, row)
        assert case.state == "close" and case.closed_at is not None
        row.refresh_from_db()
        today = timezone.localdate()
        assert (row.result, row.result_on) == (expected, today)
        assert case_result(case) == expected
        entries = Entry.objects.filter(action="draw.result", subject_type="inspections.drawntarget")
        entry = entries.get(subject_id=str(row.pk))
        assert entry.state["result"] == expected.value
        task = PublicationTask.objects.get(case=case, decision_kind=DecisionKind.INSPECTION)
        assert task.decided_on == today
        assert task.due_on == calendar.add_working_days(today, 20).date
    assert Entry.objects.filter(action="draw.result").count() == 3


def test_the_publication_deadline_follows_the_setting(inspection_world, settings):
    settings.SANXIANG_PUBLISH_INSPECTION_DAYS = 3
    w = inspection_world
    row = drawn_rows(w, 1)[0]
    case = close_none_found(w, row)
    task = PublicationTask.objects.get(case=case, decision_kind=DecisionKind.INSPECTION)
    today = timezone.localdate()
    assert task.due_on == calendar.add_working_days(today, 3).date
    assert task.due_on < calendar.add_working_days(today, 20).date


def test_only_the_drawn_inspectors_carry_out_the_inspection(inspection_world):
    w = inspection_world
    row = drawn_rows(w, 1)[0]
    run = Inspection(w, row)
    run.advance("inspect", actor=w.bureau.head)
    drawn = set(row.inspectors)
    other = next(o for o in w.officers if o.certificate_number not in drawn)
    with pytest.raises(ValidationError, match="不是本案的承办人员"):
        case_certificate_shown(
            actor=run.actor, case=run.case, officer=other, shown_at=timezone.now(), place=run.case.place_address
        )
    row.refresh_from_db()
    assert row.result == "" and not PublicationTask.objects.filter(case=run.case).exists()


def test_a_case_not_from_a_draw_has_no_draw_result(inspection_world):
    w = inspection_world
    case = w.cases.open("inspection", title="日常检查")
    assert case_result(case) == ""
    w.cases.show_certificates(case := case_advance(actor=w.bureau.officer, case=case, target="inspect"))
    w.cases.record(case, start=timezone.now())
    case_document_issue(
        actor=w.bureau.officer,
        case=case,
        template_code="site_inspection_record",
        fields={**SITE, "inspection_findings": "未发现问题。"},
    )
    case = case_advance(actor=w.bureau.officer, case=case, target="close")
    assert case.state == "close" and not Entry.objects.filter(action="draw.result").exists()
    # The disclosure task is owed all the same (any closed inspection is published).
    assert PublicationTask.objects.filter(case=case, decision_kind=DecisionKind.INSPECTION).exists()
