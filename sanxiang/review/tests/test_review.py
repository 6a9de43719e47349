"""Legal review of major decisions: the catalogue's thresholds, the review from request to outcome, a pass bound to
the proposal, return and disagreement, the period across a holiday, reviewer qualification, and the decision gate
attacked from every entry point."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sanxiang.cases.documents import document_issue, document_serve_record
from sanxiang.cases.models import Case, IssuedDocument, PartyKind
from sanxiang.cases.tests.conftest import PERSON, CaseWorld
from sanxiang.cases.workflow import (
    case_advance,
    case_document_issue,
    case_fact_record,
    case_penalty_propose,
)
from sanxiang.core import calendar
from sanxiang.core.errors import InvalidTransition, PermissionDenied, ValidationError
from sanxiang.ledger.models import Entry
from sanxiang.review.catalogue import assess
from sanxiang.review.models import LegalReview, MajorAssessment, ReviewerRecord, ReviewState
from sanxiang.review.services import (
    collective_record,
    review_coordinate,
    review_decide,
    review_disagree,
    review_due,
    review_head_sign,
    review_preliminary,
    review_request,
    review_take,
    reviewer_qualify,
)
from sanxiang.review.tests.conftest import FACTS, all_ok, investigating, qualify, to_review, unbanded_item

DECISION_FIELDS = {
    "decision": "罚款",
    "payment_deadline_days": "15",
    "payment_bank": "中国工商银行盘锦分行",
    "payment_account": "0712001009000000001",
    "review_body": "盘锦市兴隆台区人民政府",
    "court": "盘锦市兴隆台区人民法院",
    **FACTS,
}


def submitted(w: CaseWorld, case: Case, **extra: Any) -> LegalReview:
    b = w.bureau
    review = review_request(actor=b.officer, case=case, **extra)
    review_preliminary(actor=b.preliminary_reviewer, review=review, approve=True, opinion="材料齐全")
    return review_head_sign(actor=b.head, review=review, opinion="同意送审")


def passed(w: CaseWorld, case: Case) -> LegalReview:
    qualify(w)
    review = submitted(w, case)
    review_take(actor=w.bureau.reviewer, review=review)
    return review_decide(
        actor=w.bureau.reviewer, review=review, checklist=all_ok(), outcome="pass", opinion="事实清楚，同意"
    )


def decide_step(w: CaseWorld, case: Case) -> Case:
    """From 案件审查 (review passed) through the notice to 决定, the party waiving its rights."""
    b = w.bureau
    case = case_advance(actor=b.officer, case=case, target="notify")
    notice = case_document_issue(
        actor=b.officer,
        case=case,
        template_code="penalty_notice",
        fields={"decision": "拟罚款", "contact_person": "王建国", "contact_phone": "0427-2825001", **FACTS},
    )
    document_serve_record(
        actor=b.officer, document=notice, method="direct", served_at=timezone.now(), recipient="周示例"
    )
    case_fact_record(actor=b.officer, case=case, kind="statement_waived", note="书面放弃")
    case = case_advance(actor=b.officer, case=case, target="collective")
    case_document_issue(
        actor=b.leader,
        case=case,
        template_code="collective_discussion_record",
        fields={
            "start_time": "9时",
            "end_time": "10时",
            "place": "三楼会议室",
            "host": "局长",
            "attendees": "局长、副局长甲、副局长乙",
            "recorder": "办公室",
            "discussion": "同意法制审核意见",
            "decision": "罚款",
            **FACTS,
        },
    )
    collective_record(
        actor=b.leader,
        case=case,
        held_at=timezone.now(),
        place="三楼会议室",
        host="局长",
        attendees=["局长", "副局长甲", "副局长乙"],
        opinions=[{"name": "局长", "opinion": "同意"}],
        conclusion="同意",
    )
    return case


# --- the catalogue ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("party", "amount", "major"),
    [
        ("person", "19999", False),
        ("person", "20000", True),
        ("organisation", "49999", False),
        ("organisation", "50000", True),
    ],
)
def test_fine_thresholds(case_world: CaseWorld, party: str, amount: str, major: bool) -> None:
    parties = [PERSON] if party == "person" else None
    opening: dict[str, Any] = {"item": unbanded_item(case_world)}
    if parties:
        opening["parties"] = parties
    case = investigating(case_world, **opening)
    case = case_penalty_propose(actor=case_world.bureau.officer, case=case, amount=amount, sanctions=["fine"])
    assessment = assess(case)
    assert assessment.major is major
    if major:
        assert [r["code"] for r in assessment.reasons] == ["ZD-001"]
        who = "对公民" if party == PartyKind.PERSON else "对法人或者其他组织"
        assert who in assessment.reasons[0]["reason"]
    # recorded with the proposal, and in the ledger
    row = MajorAssessment.objects.filter(case=case).latest("pk")
    assert (row.major, row.proposal_digest) == (major, assessment.digest)
    assert Entry.objects.filter(subject_type="review.majorassessment", subject_id=str(row.pk)).exists()


def test_sanctions_hearing_and_the_setting_make_a_decision_major(case_world: CaseWorld, settings: Any) -> None:
    case = investigating(case_world, item=unbanded_item(case_world))
    case = case_penalty_propose(actor=case_world.bureau.officer, case=case, amount="1000", sanctions=["fine"])
    assert not assess(case).major
    case = case_penalty_propose(
        actor=case_world.bureau.officer, case=case, amount="1000", sanctions=["fine", "stop_production"]
    )
    assert "拟责令停产停业" in assess(case).text
    case = case_penalty_propose(
        actor=case_world.bureau.officer, case=case, amount="1000", sanctions=["fine"], circumstances=["complex"]
    )
    assert "案件情况疑难复杂" in assess(case).text
    case = case_penalty_propose(actor=case_world.bureau.officer, case=case, amount="1000", sanctions=["fine"])
    settings.SANXIANG_REVIEW_ALL_GENERAL = True
    assert [r["code"] for r in assess(case).reasons] == ["all_general"]


# --- the review ---------------------------------------------------------------------------------------------------


def test_a_60000_yuan_fine_on_a_company_waits_for_a_passed_review(case_world: CaseWorld) -> None:
    w, b = case_world, case_world.bureau
    case = to_review(w, amount="60000", band=None, opening={"item": unbanded_item(w)})
    with pytest.raises(ValidationError) as refused:
        case_advance(actor=b.officer, case=case, target="notify")
    assert "须经法制审核通过" in str(refused.value) and "达到50,000元" in str(refused.value)
    review = passed(w, case)
    assert review.state == ReviewState.PASSED
    case = case_advance(actor=b.officer, case=case, target="notify")
    assert case.state == "notify"


def test_a_pass_is_voided_by_a_changed_amount(case_world: CaseWorld) -> None:
    w, b = case_world, case_world.bureau
    case = to_review(w)
    passed(w, case)
    case = case_penalty_propose(actor=b.officer, case=case, amount="160000", band=2, sanctions=["fine"])
    with pytest.raises(ValidationError) as refused:
        case_advance(actor=b.officer, case=case, target="notify")
    assert "原审核结论失效" in str(refused.value)
    # back to the reviewed amount: the pass holds again (it is bound to the proposal, not to time)
    case = case_penalty_propose(actor=b.officer, case=case, amount="150000", band=2, sanctions=["fine"])
    assert case_advance(actor=b.officer, case=case, target="notify").state == "notify"


def test_return_for_correction_and_again(case_world: CaseWorld) -> None:
    w, b = case_world, case_world.bureau
    case = to_review(w)
    qualify(w)
    first = submitted(w, case)
    review_take(actor=b.reviewer, review=first)
    with pytest.raises(ValidationError) as refused:  # a pass with a fault is not a pass
        review_decide(
            actor=b.reviewer,
            review=first,
            checklist=all_ok(evidence_sufficient="缺少培训档案"),
            outcome="pass",
            opinion="通过",
        )
    assert "不能审核通过" in str(refused.value)
    with pytest.raises(ValidationError):  # every point needs an opinion
        review_decide(actor=b.reviewer, review=first, checklist={}, outcome="return", opinion="退回")
    first = review_decide(
        actor=b.reviewer,
        review=first,
        checklist=all_ok(evidence_sufficient="缺少培训档案"),
        outcome="return",
        opinion="补充培训档案",
    )
    assert first.state == ReviewState.RETURNED
    case = case_penalty_propose(actor=b.officer, case=case, amount="140000", band=2, sanctions=["fine"])
    second = submitted(w, case)
    assert second.round == 2
    review_take(actor=b.reviewer, review=second)
    review_decide(actor=b.reviewer, review=second, checklist=all_ok(), outcome="pass", opinion="同意")
    assert case_advance(actor=b.officer, case=case, target="notify").state == "notify"


def test_disagreement_goes_to_the_leaders_and_a_reversal_is_recorded(case_world: CaseWorld) -> None:
    w, b = case_world, case_world.bureau
    case = to_review(w)
    qualify(w)
    review = submitted(w, case)
    review_take(actor=b.reviewer, review=review)
    review = review_decide(
        actor=b.reviewer,
        review=review,
        checklist=all_ok(discretion_proper="罚款偏重"),
        outcome="fail",
        opinion="不通过",
    )
    with pytest.raises(PermissionDenied):
        review_disagree(actor=b.officer, review=review, opinion="不同意")
    review = review_disagree(actor=b.head, review=review, opinion="情节严重，罚款适当")
    assert review.state == ReviewState.ESCALATED
    with pytest.raises(PermissionDenied):
        review_coordinate(actor=b.head, review=review, outcome="pass", opinion="同意")
    review = review_coordinate(actor=b.leader, review=review, outcome="pass", opinion="同意承办机构意见")
    assert (review.state, review.outcome, review.final_outcome) == (ReviewState.PASSED, "fail", "pass")
    assert ReviewerRecord.objects.get(review=review).kind == "reversed"
    assert case_advance(actor=b.officer, case=case, target="notify").state == "notify"


def test_review_period_runs_across_the_national_day_holiday(case_world: CaseWorld) -> None:
    # Submitted on Wednesday 30 September 2026: 1–7 October are holidays, 10 October (Saturday) a make-up day.
    submitted_at = dt.datetime(2026, 9, 30, 10, tzinfo=dt.UTC)
    due = review_due(submitted_at, complex=False)
    assert due == calendar.add_working_days(dt.date(2026, 9, 30), 7)
    assert due.date > dt.date(2026, 10, 9)  # not the naive 7 calendar days
    assert review_due(submitted_at, complex=True).date == calendar.add_working_days(dt.date(2026, 9, 30), 10).date


def test_an_overdue_opinion_is_recorded_against_the_reviewer(case_world: CaseWorld) -> None:
    w, b = case_world, case_world.bureau
    case = to_review(w)
    qualify(w)
    review = submitted(w, case)
    review_take(actor=b.reviewer, review=review)
    LegalReview.objects.filter(pk=review.pk).update(due_on=dt.date(2026, 1, 5))  # as if submitted long ago
    review.refresh_from_db()
    # (the row now differs from its ledger entry: the opinion below writes a new state and entry)
    review = review_decide(actor=b.reviewer, review=review, checklist=all_ok(), outcome="pass", opinion="同意")
    assert review.overdue
    assert ReviewerRecord.objects.get(review=review).kind == "overdue"


def test_an_unqualified_reviewer_is_refused(case_world: CaseWorld) -> None:
    w, b = case_world, case_world.bureau
    case = to_review(w)
    review = submitted(w, case)
    with pytest.raises(PermissionDenied) as refused:
        review_take(actor=b.reviewer, review=review)
    assert "尚未登记为具备资格" in str(refused.value)
    with pytest.raises(ValidationError) as invalid:  # a first-time reviewer needs the legal-profession qualification
        reviewer_qualify(
            actor=b.leader,
            user=b.reviewer,
            agency=b.agency,
            qualified=True,
            first_time=True,
            appointed_on=dt.date(2026, 1, 1),
        )
    assert "法律职业资格" in str(invalid.value)
    with pytest.raises(PermissionDenied):
        review_take(actor=b.officer, review=review)
    qualify(w)
    assert review_take(actor=b.reviewer, review=review).reviewer == b.reviewer


def test_a_request_needs_complete_materials_and_a_major_proposal(case_world: CaseWorld) -> None:
    w, b = case_world, case_world.bureau
    case = to_review(w, amount="20000", band=1)  # an organisation, under the threshold, inside the band
    with pytest.raises(InvalidTransition) as refused:
        review_request(actor=b.officer, case=case)
    assert "不属于重大执法决定" in str(refused.value)
    assert LegalReview.objects.count() == 0


# --- the gate, from every entry point ----------------------------------------------------------------------------


@pytest.fixture
def decided_then_changed(case_world: CaseWorld) -> tuple[CaseWorld, Case, IssuedDocument]:
    """A major case that passed review, was decided (the decision issued) and whose proposal then changed."""
    w, b = case_world, case_world.bureau
    case = to_review(w)
    passed(w, case)
    case = decide_step(w, case)
    case = case_advance(actor=b.leader, case=case, target="decide")
    decision = case_document_issue(actor=b.head, case=case, template_code="penalty_decision", fields=DECISION_FIELDS)
    case = case_penalty_propose(actor=b.head, case=case, amount="190000", band=2, sanctions=["fine"])
    return w, case, decision


def _decisions() -> int:
    return IssuedDocument.objects.filter(template_code="penalty_decision").count()


def test_gate_direct_services(decided_then_changed: tuple[CaseWorld, Case, IssuedDocument]) -> None:
    w, case, decision = decided_then_changed
    b = w.bureau
    before = (_decisions(), Entry.objects.count())
    with pytest.raises(ValidationError, match="须经法制审核通过"):
        case_document_issue(actor=b.head, case=case, template_code="penalty_decision", fields=DECISION_FIELDS)
    with pytest.raises(ValidationError, match="须经法制审核通过"):  # the document service itself, around the case
        document_issue(
            actor=b.head,
            agency=b.agency,
            template_code="penalty_decision",
            context={"party_name": "盘锦示例化工有限公司", "party_address": "示例路1号", **DECISION_FIELDS},
            kind="罚",
            subject=f"cases.case:{case.pk}",
        )
    with pytest.raises(ValidationError, match="只能在本机关的案件中制发"):  # a decision claimed to be of no case
        document_issue(
            actor=b.head,
            agency=b.agency,
            template_code="penalty_decision",
            context=DECISION_FIELDS,
            kind="罚",
            subject="registry.officer:1",
        )
    with pytest.raises(ValidationError, match="须经法制审核通过"):  # serving the decision issued before the change
        document_serve_record(
            actor=b.officer, document=decision, method="direct", served_at=timezone.now(), recipient="周示例"
        )
    with pytest.raises(ValidationError, match="须经法制审核通过"):  # and taking the decision step
        case_advance(actor=b.head, case=case, target="serve")
    assert (_decisions(), Entry.objects.count()) == before


def test_gate_workspace(decided_then_changed: tuple[CaseWorld, Case, IssuedDocument], client: Client) -> None:
    w, case, _decision = decided_then_changed
    client.force_login(w.bureau.head)
    before = (_decisions(), Entry.objects.count())
    url = reverse("cases:case_action", args=[case.pk, "document"])
    response = client.post(url, {"template_code": "penalty_decision", **DECISION_FIELDS}, follow=True)
    assert "须经法制审核通过" in response.content.decode()
    response = client.post(reverse("cases:case_action", args=[case.pk, "advance"]), {"target": "serve"}, follow=True)
    assert "须经法制审核通过" in response.content.decode()
    assert (_decisions(), Entry.objects.count()) == before


def test_gate_admin_is_read_only(decided_then_changed: tuple[CaseWorld, Case, IssuedDocument], client: Client) -> None:
    w, _case, _decision = decided_then_changed
    client.force_login(w.bureau.superuser)
    before = (_decisions(), LegalReview.objects.count())
    for model in ("cases/issueddocument", "review/legalreview", "cases/case"):
        response = client.post(f"/admin/{model}/add/", {})
        assert response.status_code == 403, model
    assert (_decisions(), LegalReview.objects.count()) == before


def test_gate_api_and_commands_offer_no_way_to_issue_or_serve(client: Client) -> None:
    """No API operation and no management command issues, signs or serves a document: the workspace and the
    services above are the only ways, and both are guarded. (If one is added, it must call the services.)"""
    from django.core.management import get_commands

    spec = client.get("/api/v1/openapi.json").json()
    writes = [
        (path, method)
        for path, operations in spec["paths"].items()
        for method in operations
        if method in ("post", "put", "patch", "delete")
    ]
    assert writes  # the API does write (lists, uploads) …
    assert not [w for w in writes if "document" in w[0] or "case" in w[0]]  # … but nothing of cases or documents
    commands = {name for name, app in get_commands().items() if app.startswith("sanxiang")}
    assert commands == {
        "serve",
        "seed_demo",
        "ledger",
        "calendar",
        "export",
        "import",
        "case",
        "exchange",  # receivers and delivery of pushes
        "annual-report",  # the annual statistics
        "evaluate-cases",  # case-file evaluation
        "draw-verify",  # recompute a published random draw
        "dashboard-rebuild",  # the dashboard's monthly summary
    }


def test_a_coordinated_review_cannot_be_escalated_again(case_world: CaseWorld) -> None:
    w, b = case_world, case_world.bureau
    case = to_review(w)
    qualify(w)
    review = submitted(w, case)
    review_take(actor=b.reviewer, review=review)
    review = review_decide(
        actor=b.reviewer,
        review=review,
        checklist=all_ok(discretion_proper="罚款偏重"),
        outcome="fail",
        opinion="不通过",
    )
    review = review_disagree(actor=b.head, review=review, opinion="罚款适当")
    review = review_coordinate(actor=b.leader, review=review, outcome="fail", opinion="维持审核意见")
    assert not ReviewerRecord.objects.filter(review=review).exists()  # the leaders upheld the reviewer
    with pytest.raises(InvalidTransition, match="不能再次提请协调"):
        review_disagree(actor=b.head, review=review, opinion="仍不同意")


def test_training_and_catalogue_lines_keep_to_their_people_and_agency(case_world: CaseWorld) -> None:
    from sanxiang.review.models import MajorDecisionRule
    from sanxiang.review.services import reviewer_training_add, rule_save

    b = case_world.bureau
    with pytest.raises(ValidationError, match="不是本机关的法制审核人员"):
        reviewer_training_add(
            actor=b.leader,
            user=b.officer,
            agency=b.agency,
            held_on=dt.date(2026, 5, 1),
            hours="4",
            topic="培训",
            organiser="市司法局",
        )
    national = MajorDecisionRule.objects.get(code="ZD-001")
    with pytest.raises(PermissionDenied):  # a deployment-wide line, whatever agency the caller names
        rule_save(
            actor=b.reviewer,
            agency=b.agency,
            rule=national,
            data={"code": "ZD-001", "name": "改", "basis": "x", "fine_person_min": "1"},
        )


def test_the_review_app_owns_the_decision_gates() -> None:
    """The cases app leaves these gates to the review; without its checks they would refuse every decision."""
    from sanxiang.cases.gates import DECISION_GATES, GATE_CHECKS
    from sanxiang.review import gates

    assert GATE_CHECKS["legal_review_passed"] is gates.legal_review_passed
    assert GATE_CHECKS["collective_discussion_required"] is gates.collective_discussion_required
    assert {GATE_CHECKS[key] for key in DECISION_GATES} == {gates.legal_review_passed, gates.collective_discussion_held}


def test_one_assessment_per_evaluation_of_a_case_gates(
    decided_then_changed: tuple[CaseWorld, Case, IssuedDocument], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The decision step's two gates and the transition's read the same assessment (its queries once, not twice)."""
    from sanxiang.cases.gates import transition_blockers
    from sanxiang.cases.processes import PROCESSES
    from sanxiang.review import gates

    w, case, _decision = decided_then_changed
    calls: list[int] = []

    def counted(case: Case, **kwargs: Any) -> Any:
        calls.append(case.pk)
        return assess(case, **kwargs)

    monkeypatch.setattr(gates, "assess", counted)
    (to_serve,) = PROCESSES[case.process_key].exits("decide")
    reasons = transition_blockers(case, to_serve, actor=w.bureau.head)
    assert any("须经法制审核通过" in r for r in reasons)
    assert calls == [case.pk]
