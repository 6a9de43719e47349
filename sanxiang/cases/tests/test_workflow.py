"""The case state machine over the process definitions: a general-procedure penalty case from opening to archive,
the summary procedure's limits, a seizure that needs full-process recording, gates, permissions, discretion."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from docx import Document

from sanxiang.cases.casefile import CASE_FILE_ORDER
from sanxiang.cases.gates import step_blockers
from sanxiang.cases.models import Case, CaseFile, FactKind
from sanxiang.cases.selectors import case_timeline
from sanxiang.cases.services import case_recusal_decide, case_recusal_request
from sanxiang.cases.tests.conftest import PERSON, CaseWorld
from sanxiang.cases.workflow import (
    case_advance,
    case_approve,
    case_deadline_extend,
    case_document_issue,
    case_document_serve,
    case_fact_record,
    case_penalty_propose,
)
from sanxiang.core.errors import InvalidTransition, PermissionDenied, ValidationError
from sanxiang.ledger.evidence import evidence_storage
from sanxiang.ledger.models import Entry
from sanxiang.ledger.verify import verify

FACTS = {
    "facts": "该公司未按规定对新入职的3名从业人员进行安全生产教育和培训即安排上岗作业。",
    "evidence": "询问笔录、培训档案",
}


def advance(w: CaseWorld, case: Case, target: str, actor: Any = None) -> Case:
    return case_advance(actor=actor or w.bureau.officer, case=case, target=target)


def issue(w: CaseWorld, case: Case, code: str, actor: Any = None, **fields: Any) -> Any:
    return case_document_issue(actor=actor or w.bureau.officer, case=case, template_code=code, fields=fields)


def docx_text(document: Any) -> str:
    with evidence_storage().open(document.docx.storage_name, "rb") as fh:
        parsed = Document(io.BytesIO(fh.read()))
    cells = [cell.text for table in parsed.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in parsed.paragraphs] + cells)


def test_general_procedure_penalty_case_from_opening_to_archive(case_world: CaseWorld) -> None:
    w, b = case_world, case_world.bureau
    case = w.open()
    assert case.state == "open" and case.visit == 1
    # 立案: the approval form and the head's approval are needed before investigating.
    with pytest.raises(ValidationError) as refused:
        advance(w, case, "investigate")
    assert "尚未制发立案审批表" in str(refused.value) and "须经行政机关负责人批准" in str(refused.value)
    issue(w, case, "case_opening_approval", case_source="日常检查发现", **FACTS)
    case_approve(actor=b.head, case=case, note="同意立案")
    case = advance(w, case, "investigate")
    assert (case.state, case.visit) == ("investigate", 2)

    # 调查取证: on site, two certificates shown and a recording; the proposed fine within the band.
    assert any("出示执法证件" in r for r in step_blockers(case))
    assert any("音像记录" in r for r in step_blockers(case))
    w.on_site(case)
    case_penalty_propose(actor=b.officer, case=case, amount="20000", band=1)
    case = advance(w, case, "review")

    # 案件审查: the handling approval form; the case is not major, so no legal review is needed to pass.
    issue(w, case, "case_handling_approval", decision="拟处罚款人民币贰万元", **FACTS)
    case = advance(w, case, "notify")

    # 告知: the notice served; the party waives its rights in writing; then the decision.
    notice = issue(
        w,
        case,
        "penalty_notice",
        decision="拟处罚款人民币贰万元",
        contact_person="王建国",
        contact_phone="0427-2825001",
        **FACTS,
    )
    with pytest.raises(ValidationError) as refused:
        advance(w, case, "decide")
    assert "尚未送达" in str(refused.value)
    case_document_serve(
        actor=b.officer, case=case, document=notice, method="direct", served_at=timezone.now(), recipient="周示例"
    )
    with pytest.raises(ValidationError) as refused:
        advance(w, case, "decide")
    assert "届满" in str(refused.value)
    case_fact_record(actor=b.officer, case=case, kind=FactKind.STATEMENT_WAIVED, note="当事人书面放弃陈述申辩")
    with pytest.raises(PermissionDenied):  # someone of another agency
        advance(w, case, "decide", actor=b.outsider)
    case = advance(w, case, "decide")

    # 决定: by the head, on the decision document, which states the party's remedies and the fine in words.
    with pytest.raises(PermissionDenied):
        issue(w, case, "penalty_decision")
    decision = issue(
        w,
        case,
        "penalty_decision",
        actor=b.head,
        decision="罚款人民币贰万元",
        payment_deadline_days="15",
        payment_bank="中国工商银行盘锦分行",
        payment_account="0712001009000000001",
        review_body="盘锦市兴隆台区人民政府",
        court="盘锦市兴隆台区人民法院",
        **FACTS,
    )
    text = docx_text(decision)
    assert "盘锦示例化工有限公司" in text and "91110000802100433B" in text
    assert "人民币贰万元整（¥20,000.00）" in text
    assert "申请行政复议" in text and "提起行政诉讼" in text
    assert decision.number in text
    with evidence_storage().open(decision.pdf.storage_name, "rb") as fh:
        pdf = fh.read()
    printed = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    printed = printed.replace(" ", "")
    assert "盘锦示例化工有限公司" in printed and decision.number in printed
    assert "贰万元整" in printed and decision.docx.sha256 in printed.replace("\n", "")
    with pytest.raises(PermissionDenied):
        advance(w, case, "serve")  # an officer may not take the decision step
    case = advance(w, case, "serve", actor=b.head)

    # 送达, 执行, 结案 with approval, 归档.
    issue(
        w, case, "service_receipt", service_place="当事人住所", service_method="直接送达", server_names="王建国、李明"
    )
    case_document_serve(
        actor=b.officer, case=case, document=decision, method="direct", served_at=timezone.now(), recipient="周示例"
    )
    case = advance(w, case, "execute")
    case = advance(w, case, "close")
    closing = issue(
        w,
        case,
        "case_closing_approval",
        decision="罚款人民币贰万元",
        execution_status="已缴纳",
        closing_reason="执行完毕",
    )
    assert decision.number in docx_text(closing)
    case_approve(actor=b.head, case=case)
    case = advance(w, case, "archive")
    assert case.state == "archive" and case.closed_at is not None

    # Sealed: the case file lists the documents in the standard order, then the recording; nothing more can change.
    case_file = CaseFile.objects.get(case=case)
    codes = [e["template_code"] for e in case_file.manifest if e["kind"] == "document"]
    assert codes == sorted(codes, key=CASE_FILE_ORDER.index)
    assert codes[0] == "penalty_decision" and codes[-1] == "case_closing_approval"
    assert [e["kind"] for e in case_file.manifest][-1] == "recording"
    with pytest.raises(InvalidTransition):
        case_penalty_propose(actor=b.officer, case=case, amount="1", band=1)

    # Each transition is one ledger entry on the case; the timeline holds every entry of the case and its rows.
    advances = Entry.objects.filter(subject_type="cases.case", subject_id=str(case.pk), action="case.advance")
    assert [e.state["state"] for e in advances.order_by("seq")] == [
        "investigate",
        "review",
        "notify",
        "decide",
        "serve",
        "execute",
        "close",
        "archive",
    ]
    actions = {entry.action for entry in case_timeline(case)}
    assert {
        "case.open",
        "case.approve",
        "case.certificate_shown",
        "case.recording_add",
        "document.issue",
        "document.serve",
        "case.fact",
        "case.file_seal",
    } <= actions
    # The fixture's bureau was made without services; every row of the case and the tree itself verify.
    report = verify()
    assert [p for p in report.problems if not p.concerns.startswith(("org.", "registry."))] == []


def test_transitions_follow_the_definition(case_world: CaseWorld) -> None:
    case = case_world.open()
    with pytest.raises(InvalidTransition) as refused:
        advance(case_world, case, "decide")
    assert "只能进入“调查取证”" in str(refused.value)


def test_an_officer_not_on_the_case_may_not_act(case_world: CaseWorld) -> None:
    case = case_world.open(officers=[case_world.li, case_world.wang])
    case_recusal_request(actor=case_world.bureau.head, case=case, officer=case_world.wang, reason="与当事人有亲属关系")
    case_recusal_decide(actor=case_world.bureau.leader, case=case, officer=case_world.wang, approve=True, note="")
    with pytest.raises(PermissionDenied) as refused:
        issue(case_world, case, "case_opening_approval", case_source="举报", **FACTS)
    assert "不是本案的承办人员" in str(refused.value)
    # and the case itself lacks a second officer before any step can complete
    assert any("不足2名" in r for r in step_blockers(case))


def test_summary_procedure_limits(case_world: CaseWorld) -> None:
    b = case_world.bureau
    organisation = case_world.open("penalty-summary")
    case_penalty_propose(actor=b.officer, case=organisation, amount="3000", band=1)
    with pytest.raises(ValidationError) as refused:
        case_penalty_propose(actor=b.officer, case=organisation, amount="3000.01", band=1)
    assert "不得超过3,000元" in str(refused.value)
    person = case_world.open("penalty-summary", parties=[PERSON])
    case_penalty_propose(actor=b.officer, case=person, amount="200", band=1)
    with pytest.raises(ValidationError) as refused:
        case_penalty_propose(actor=b.officer, case=person, amount="201", band=1)
    assert "对公民罚款不得超过200元" in str(refused.value)
    person.refresh_from_db()
    assert person.amount_proposed == Decimal("200.00")
    # The gate holds at 200 and the on-site step passes once recorded.
    case_world.on_site(person)
    person = advance(case_world, person, "decide")
    assert person.state == "decide"


def test_summary_gate_refuses_a_case_without_an_amount(case_world: CaseWorld) -> None:
    case = case_world.open("penalty-summary")
    case_world.on_site(case)
    with pytest.raises(ValidationError) as refused:
        advance(case_world, case, "decide")
    assert "尚未确定拟处罚款金额" in str(refused.value)


def _to_implement(w: CaseWorld) -> Case:
    case = w.open("coercion-seizure", title="查封不符合国家标准的压力容器")
    case_approve(actor=w.bureau.head, case=case, note="同意实施")
    return advance(w, case, "implement")


def test_seizure_cannot_complete_without_full_process_recording(case_world: CaseWorld) -> None:
    w = case_world
    case = _to_implement(w)
    start = w.show_certificates(case)
    w.record(case, start=start, minutes=2)  # a recording, but not declared full-process
    with pytest.raises(ValidationError) as refused:
        advance(w, case, "deliver")
    assert "全过程音像记录" in str(refused.value)


def test_seizure_full_process_recording_must_not_have_gaps(case_world: CaseWorld) -> None:
    w = case_world
    case = _to_implement(w)
    start = w.show_certificates(case)
    w.record(case, start=start, minutes=1, full_process=True)
    w.record(case, start=start + dt.timedelta(minutes=2), minutes=1, full_process=True)
    with pytest.raises(ValidationError) as refused:
        advance(w, case, "deliver")
    assert "之间中断" in str(refused.value)
    w.record(case, start=start + dt.timedelta(seconds=58), minutes=1, full_process=True)  # fills the gap
    case = advance(w, case, "deliver")
    assert case.state == "deliver"


def test_full_process_recording_must_cover_the_certificate_showing(case_world: CaseWorld) -> None:
    w = case_world
    case = _to_implement(w)
    start = w.show_certificates(case)
    w.record(case, start=start + dt.timedelta(seconds=5), minutes=2, full_process=True)
    reasons = step_blockers(case)
    assert any("未覆盖" in r for r in reasons)


def test_a_recorded_room_raises_the_step_to_full_process(case_world: CaseWorld) -> None:
    w = case_world
    case = w.open()
    issue(w, case, "case_opening_approval", case_source="举报", **FACTS)
    case_approve(actor=w.bureau.head, case=case)
    case = advance(w, case, "investigate")
    start = w.show_certificates(case, room=w.room)  # in the interview room of the AV list
    w.record(case, start=start, minutes=2)
    assert any("全过程" in r for r in step_blockers(case))


def test_seizure_extends_once_only(case_world: CaseWorld) -> None:
    w = case_world
    case = _to_implement(w)
    w.on_site(case, full_process=True)
    case = advance(w, case, "deliver")
    case_document_issue(
        actor=w.bureau.officer,
        case=case,
        template_code="coercive_measure_decision",
        fields={
            **FACTS,
            "measure": "查封",
            "items": [{"name": "压力容器", "spec": "YR-2", "quantity": "1台", "note": ""}],
            "place": "当事人厂区",
            "measure_period": "三十日",
            "review_body": "盘锦市兴隆台区人民政府",
            "court": "盘锦市兴隆台区人民法院",
        },
    )
    w.on_site(case, full_process=True)
    case = advance(w, case, "custody")
    with pytest.raises(InvalidTransition):  # extensions are decided at the extension step
        case_deadline_extend(actor=w.bureau.head, case=case, deadline_key="seizure_period", days=30, reason="需检测")
    case = advance(w, case, "extend")
    with pytest.raises(ValidationError) as refused:  # the step needs the approved extension
        advance(w, case, "release")
    assert "尚未记录负责人批准的延长决定" in str(refused.value)
    with pytest.raises(ValidationError) as refused:
        case_deadline_extend(actor=w.bureau.head, case=case, deadline_key="seizure_period", days=31, reason="需检测")
    assert "最多延长30日" in str(refused.value)
    case_deadline_extend(actor=w.bureau.head, case=case, deadline_key="seizure_period", days=30, reason="需检测")
    with pytest.raises(ValidationError) as refused:
        case_deadline_extend(actor=w.bureau.head, case=case, deadline_key="seizure_period", days=1, reason="再延")
    assert "只能延长一次" in str(refused.value)
    case = advance(w, case, "release")
    assert case.state == "release"


def test_outside_the_discretion_band_needs_a_reason_and_makes_the_case_major(case_world: CaseWorld) -> None:
    b = case_world.bureau
    case = case_world.open()
    issue(case_world, case, "case_opening_approval", case_source="举报", **FACTS)
    case_approve(actor=b.head, case=case)
    case = advance(case_world, case, "investigate")
    with pytest.raises(ValidationError) as refused:
        case_penalty_propose(actor=b.officer, case=case, amount="50000", band=1)
    assert "超出裁量基准第1档" in str(refused.value) and "须说明理由" in str(refused.value)
    with pytest.raises(ValidationError):
        case_penalty_propose(actor=b.officer, case=case, amount="100", band=3)
    case = case_penalty_propose(actor=b.officer, case=case, amount="50000", band=1, reason="多次违法，情节严重")
    assert case.major and "多次违法" in case.major_reason
    # A major case cannot pass review without a passed legal review.
    case_world.on_site(case)
    case = advance(case_world, case, "review")
    issue(case_world, case, "case_handling_approval", decision="拟罚款五万元", **FACTS)
    with pytest.raises(ValidationError) as refused:
        advance(case_world, case, "notify")
    assert "须经法制审核通过" in str(refused.value)


def test_a_hearing_request_counts_from_service_and_leads_to_the_hearing(case_world: CaseWorld) -> None:
    from sanxiang.cases.gates import statement_deadline
    from sanxiang.core import calendar

    w, b = case_world, case_world.bureau
    case = w.open()
    with pytest.raises(InvalidTransition):  # only at the notice step
        case_fact_record(actor=b.officer, case=case, kind=FactKind.HEARING_REQUESTED)
    issue(w, case, "case_opening_approval", case_source="举报", **FACTS)
    case_approve(actor=b.head, case=case)
    case = advance(w, case, "investigate")
    w.on_site(case)
    case_penalty_propose(actor=b.officer, case=case, amount="20000", band=1)
    case = advance(w, case, "review")
    issue(w, case, "case_handling_approval", decision="拟罚款人民币贰万元", **FACTS)
    case = advance(w, case, "notify")
    notice = issue(
        w, case, "penalty_notice", decision="拟罚款", contact_person="王建国", contact_phone="0427-2825001", **FACTS
    )
    with pytest.raises(ValidationError, match="尚未送达"):  # the five days run from service
        case_fact_record(actor=b.officer, case=case, kind=FactKind.HEARING_REQUESTED)
    served = timezone.now()
    case_document_serve(
        actor=b.officer, case=case, document=notice, method="direct", served_at=served, recipient="周示例"
    )
    deadline = statement_deadline(case)
    assert deadline == calendar.add_working_days(timezone.localdate(served), 5)
    case_fact_record(actor=b.officer, case=case, kind=FactKind.HEARING_REQUESTED, note="当事人书面要求听证")
    with pytest.raises(ValidationError, match="当事人已要求听证"):  # no decision without the hearing
        advance(w, case, "decide")
    assert advance(w, case, "hearing").state == "hearing"


def test_inspection_with_a_rectification_order_closes_after_reinspection(case_world: CaseWorld) -> None:
    w = case_world
    case = w.open("inspection", title="对盘锦示例化工有限公司的安全生产监督检查")
    case = advance(w, case, "inspect")
    with pytest.raises(ValidationError) as refused:
        advance(w, case, "order")
    assert "尚未制发现场检查记录" in str(refused.value)
    w.on_site(case)
    site = {
        "inspection_site": "生产车间",
        "start_time": "9时",
        "end_time": "10时",
        "recorder": "李明",
        "site_person": "周示例",
        "inspection_findings": "二号储罐区可燃气体报警器失效。",
    }
    issue(w, case, "site_inspection_record", **site)
    case = advance(w, case, "order")
    order = issue(
        w,
        case,
        "rectification_order",
        facts="可燃气体报警器失效",
        rectification_deadline="2026年12月10日",
        review_body="盘锦市兴隆台区人民政府",
        court="盘锦市兴隆台区人民法院",
    )
    case = advance(w, case, "reinspect")
    w.on_site(case)
    issue(w, case, "rectification_review", rectification_order_number=order.number, review_opinion="已整改完毕")
    case = advance(w, case, "close")
    assert case.closed_at is not None and CaseFile.objects.filter(case=case).exists()


def test_licence_case_runs_to_archive_on_working_day_limits(case_world: CaseWorld) -> None:
    w, b = case_world, case_world.bureau
    case = w.open("licence", title="危险化学品经营许可申请")
    case = advance(w, case, "accept")
    case = advance(w, case, "examine")
    case = advance(w, case, "decide")
    with pytest.raises(PermissionDenied):
        advance(w, case, "issue")  # the decision is the head's or a leader's
    with pytest.raises(ValidationError):
        advance(w, case, "issue", actor=b.head)  # needs the head's approval recorded
    case_approve(actor=b.head, case=case, note="准予许可")
    case = advance(w, case, "issue", actor=b.head)
    case = advance(w, case, "archive")
    assert case.state == "archive"
