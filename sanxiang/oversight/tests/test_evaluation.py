"""案卷评查: a good closed case file scores full marks; bad ones, each missing one thing, fail exactly that point,
and the point names the ledger entries it rests on. Cases are run through the real services; what a case file
cannot lack through the services (a document, a certificate showing, a recording) is removed afterwards, and changes
to the proposal are written with their ledger entry as the services would."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from unittest import mock

import pytest
from django.db import transaction
from django.utils import timezone

from sanxiang.cases.models import Case, CaseDocument, CertificateShown, Recording
from sanxiang.cases.services import case_open
from sanxiang.cases.workflow import case_advance, case_approve
from sanxiang.core.errors import InvalidTransition, PermissionDenied, ValidationError
from sanxiang.disclosure import services as disclosure
from sanxiang.disclosure.models import PublicationTask
from sanxiang.disclosure.tests.conftest import (
    PERSON,
    CaseWorld,
    decide_summary,
    quick_pdf,  # noqa: F401 (the fixture, shared)
)
from sanxiang.ledger.models import Entry
from sanxiang.ledger.services import record
from sanxiang.oversight import evaluation
from sanxiang.oversight import evaluation_services as services
from sanxiang.oversight.models import CaseEvaluation, EvaluationChecklist, ManualFinding
from sanxiang.registry.models import Officer

FULL = {"documents", "two_officers", "certificate_shown", "recordings", "deadlines", "publication", "discretion"}


def entry(case: Case, action: str, **state: Any) -> Entry:
    """The case's ledger entry of ``action`` whose recorded state has ``state`` (e.g. the advance into a step)."""
    rows = Entry.objects.filter(subject_type="cases.case", subject_id=str(case.pk), action=action).order_by("seq")
    found = [e for e in rows if all(e.state.get(k) == v for k, v in state.items())]
    assert found, (action, state)
    return found[-1]


def point(evaluated: CaseEvaluation, key: str) -> dict[str, Any]:
    return next(p for p in evaluated.points if p["key"] == key)


def closed_summary(w: CaseWorld, *, publish: bool = True, late_publication: bool = False) -> Case:
    """A summary-procedure penalty decided, delivered, executed, filed and archived; its decision published."""
    officer = w.bureau.officer
    case = decide_summary(w)
    w.on_site(case)
    case = case_advance(actor=officer, case=case, target="deliver")
    w.on_site(case)
    case = case_advance(actor=officer, case=case, target="execute")
    case = case_advance(actor=officer, case=case, target="file")
    if publish:
        task = PublicationTask.objects.get(case=case)
        if late_publication:  # as the disclosure tests do: the due day moved back before publishing
            PublicationTask.objects.filter(pk=task.pk).update(due_on=timezone.localdate() - dt.timedelta(days=3))
            task.refresh_from_db()
        disclosure.publication_publish(actor=w.bureau.reviewer, task=task, violation_on=task.decided_on)
    return case_advance(actor=officer, case=case, target="archive")


def current(case: Case) -> CaseEvaluation:
    return CaseEvaluation.objects.get(case=case, current=True)


def rescore(w: CaseWorld, case: Case) -> CaseEvaluation:
    return services.evaluate_case(actor=w.bureau.evaluator, case=case)


# --- the good case file ------------------------------------------------------------------------------------------


def test_a_good_case_file_scores_full_marks_when_it_is_archived(case_world: CaseWorld) -> None:
    case = closed_summary(case_world)
    evaluated = current(case)  # scored by the close hook, by the system
    assert evaluated.evaluated_by is None and evaluated.year == timezone.localdate(case.closed_at).year
    results = {p["key"]: p["result"] for p in evaluated.points}
    assert {k for k, r in results.items() if r == "pass"} == FULL
    assert results["review"] == results["collective"] == "na"
    assert evaluated.failed == 0
    assert evaluated.score == evaluated.max_score == Decimal(sum(evaluation.CHECKS[k].weight for k in FULL))
    # each point names the entries it rests on
    decision = CaseDocument.objects.get(case=case, document__template_code="penalty_decision")
    added = Entry.objects.get(subject_type="cases.casedocument", subject_id=str(decision.pk))
    assert point(evaluated, "documents")["entries"] == [added.seq]
    shown = Entry.objects.filter(action="case.certificate_shown", subject_type="cases.certificateshown")
    assert point(evaluated, "certificate_shown")["entries"] == sorted(e.seq for e in shown)
    assert len(point(evaluated, "certificate_shown")["entries"]) == 6  # two officers at three on-site steps
    published = Entry.objects.get(action="publication.publish")
    assert published.seq in point(evaluated, "publication")["entries"]
    assert point(evaluated, "discretion")["entries"] == [entry(case, "case.penalty_propose").seq]
    assigned = Entry.objects.filter(action="case.officer_assign")
    assert point(evaluated, "two_officers")["entries"] == sorted(e.seq for e in assigned)
    entries = Entry.objects.filter(subject_type="oversight.caseevaluation", action="evaluation.score")
    assert [e.subject_id for e in entries] == [str(evaluated.pk)]


def test_scoring_again_when_nothing_changed_writes_nothing(case_world: CaseWorld) -> None:
    case = closed_summary(case_world)
    first = current(case)
    before = Entry.objects.count()
    again = rescore(case_world, case)
    assert again.pk == first.pk and Entry.objects.count() == before


# --- bad case files, each missing one thing -----------------------------------------------------------------------


def only_failure(evaluated: CaseEvaluation) -> str:
    failed = [p["key"] for p in evaluated.points if p["result"] == "fail"]
    assert evaluated.failed == len(failed)
    assert evaluated.score == evaluated.max_score - sum(Decimal(point(evaluated, k)["weight"]) for k in failed)
    assert len(failed) == 1, failed
    return failed[0]


def test_a_missing_document_is_found_at_the_step_that_went_ahead_without_it(case_world: CaseWorld) -> None:
    case = closed_summary(case_world)
    CaseDocument.objects.filter(case=case, document__template_code="penalty_decision").delete()
    evaluated = rescore(case_world, case)
    assert only_failure(evaluated) == "documents"
    found = point(evaluated, "documents")
    assert "“当场决定”环节未制发行政处罚决定书" in found["detail"]
    assert found["entries"] == [entry(case, "case.advance", state="deliver").seq]
    old = CaseEvaluation.objects.get(case=case, current=False)
    assert old.score == old.max_score  # the earlier result is kept
    assert Entry.objects.filter(action="evaluation.supersede", subject_id=str(old.pk)).exists()


def test_a_missing_certificate_showing_is_found(case_world: CaseWorld) -> None:
    case = closed_summary(case_world)
    gone = CertificateShown.objects.filter(case=case, step_key="deliver").order_by("pk").last()
    assert gone is not None
    gone_entry = Entry.objects.get(subject_type="cases.certificateshown", subject_id=str(gone.pk))
    gone.delete()
    evaluated = rescore(case_world, case)
    assert only_failure(evaluated) == "certificate_shown"
    found = point(evaluated, "certificate_shown")
    assert "“当场交付”环节出示执法证件的执法人员1名" in found["detail"]
    assert entry(case, "case.advance", state="execute").seq in found["entries"]
    assert gone_entry.seq not in found["entries"]


def test_a_missing_recording_is_found(case_world: CaseWorld) -> None:
    case = closed_summary(case_world)
    gone = Recording.objects.get(case=case, step_key="identify")
    gone_entry = Entry.objects.get(subject_type="cases.recording", subject_id=str(gone.pk))
    gone.delete()
    evaluated = rescore(case_world, case)
    assert only_failure(evaluated) == "recordings"
    found = point(evaluated, "recordings")
    assert "“当场认定违法事实”环节应当音像记录，没有音像记录" in found["detail"]
    assert entry(case, "case.advance", state="decide").seq in found["entries"]
    kept = Entry.objects.filter(action="case.recording_add").exclude(pk=gone_entry.pk)
    assert {e.seq for e in kept} <= set(found["entries"]) and gone_entry.seq not in found["entries"]


def test_a_late_publication_is_found(case_world: CaseWorld) -> None:
    case = closed_summary(case_world, late_publication=True)
    evaluated = current(case)
    assert only_failure(evaluated) == "publication"
    found = point(evaluated, "publication")
    assert "才公开" in found["detail"]
    assert Entry.objects.get(action="publication.publish").seq in found["entries"]


def test_a_major_case_without_a_passed_review_is_found(case_world: CaseWorld) -> None:
    case = closed_summary(case_world)
    with transaction.atomic():
        Case.objects.filter(pk=case.pk).update(major=True, major_reason="涉及重大公共利益")
        marked = record(
            actor=case_world.bureau.head, action="case.penalty_propose", subject=Case.objects.get(pk=case.pk)
        )
    evaluated = rescore(case_world, case)
    failed = {p["key"] for p in evaluated.points if p["result"] == "fail"}
    assert failed == {"review", "collective"}  # a major case also goes to the collective discussion
    found = point(evaluated, "review")
    assert "涉及重大公共利益" in found["detail"] and "法制审核" in found["detail"]
    decision = CaseDocument.objects.get(case=case, document__template_code="penalty_decision")
    added = Entry.objects.get(subject_type="cases.casedocument", subject_id=str(decision.pk))
    assert found["entries"] == sorted([marked.seq, added.seq])
    collective = point(evaluated, "collective")
    assert "集体讨论" in collective["detail"] and added.seq in collective["entries"]


def test_an_officer_without_a_valid_certificate_for_the_item_is_found(case_world: CaseWorld) -> None:
    case = closed_summary(case_world)
    _kept, *others = case.officers.order_by("pk").values_list("officer_id", flat=True)  # CaseOfficer rows
    assert others
    # every certificate but the first officer's no longer covers penalties
    Officer.objects.filter(pk__in=others).update(categories=[])
    evaluated = rescore(case_world, case)
    assert only_failure(evaluated) == "two_officers"
    found = point(evaluated, "two_officers")
    assert "只有1名" in found["detail"]
    assigned = Entry.objects.filter(action="case.officer_assign", subject_type="cases.caseofficer")
    assert found["entries"] == sorted(e.seq for e in assigned) and found["entries"]


def test_a_fine_outside_its_band_without_a_reason_is_found(case_world: CaseWorld) -> None:
    case = closed_summary(case_world)
    with transaction.atomic():
        Case.objects.filter(pk=case.pk).update(
            amount_proposed=Decimal("10000"), discretion_band=2, discretion_reason=""
        )
        changed = record(
            actor=case_world.bureau.officer, action="case.penalty_propose", subject=Case.objects.get(pk=case.pk)
        )
    evaluated = rescore(case_world, case)
    assert only_failure(evaluated) == "discretion"
    found = point(evaluated, "discretion")
    assert "超出裁量基准第2档" in found["detail"] and "没有记录理由" in found["detail"]
    assert found["entries"] == [changed.seq]
    with transaction.atomic():
        Case.objects.filter(pk=case.pk).update(discretion_reason="当事人拒不改正，情节严重")
        record(actor=case_world.bureau.officer, action="case.penalty_propose", subject=Case.objects.get(pk=case.pk))
    assert point(rescore(case_world, case), "discretion")["result"] == "pass"


def test_a_late_licence_decision_is_found(case_world: CaseWorld) -> None:
    w, b = case_world, case_world.bureau
    past = timezone.now() - dt.timedelta(days=60)
    with mock.patch.object(timezone, "now", return_value=past):
        case = case_open(
            actor=b.officer,
            agency=b.agency,
            process_key="licence",
            item=w.items["licence"],
            title="危险化学品经营许可申请",
            place_region="211103",
            place_address="盘锦市兴隆台区示例路1号",
            officers=[w.wang, w.li],
            parties=[PERSON],
        )
        case = case_advance(actor=b.officer, case=case, target="accept")
    case = case_advance(actor=b.officer, case=case, target="examine")
    case = case_advance(actor=b.officer, case=case, target="decide")
    case_approve(actor=b.head, case=case, note="准予许可")
    case = case_advance(actor=b.head, case=case, target="issue")
    case = case_advance(actor=b.officer, case=case, target="archive")
    evaluated = current(case)
    assert only_failure(evaluated) == "deadlines"
    found = point(evaluated, "deadlines")
    assert "作出许可决定期限" in found["detail"] and "行政许可法第四十二条" in found["detail"]
    assert found["entries"] == [entry(case, "case.advance", state="issue").seq]
    assert point(evaluated, "certificate_shown")["result"] == "na"  # no on-site step
    assert point(evaluated, "publication")["result"] == "na"  # still within its period


# --- checklists, findings, permissions ----------------------------------------------------------------------------


def test_a_new_checklist_version_rescores_against_it(case_world: CaseWorld) -> None:
    b = case_world.bureau
    case = closed_summary(case_world)
    default = current(case).checklist
    assert default.agency is None and default.version == 1
    points = [dict(p) for p in default.points if p["key"] != "collective"]
    points[0]["weight"] = "30"
    points[0]["label"] = "文书规范"
    with pytest.raises(PermissionDenied):
        services.checklist_save(actor=b.officer, agency=b.agency, points=points)
    with pytest.raises(ValidationError) as bad:
        services.checklist_save(actor=b.evaluator, agency=b.agency, points=[*points, {"key": "x", "weight": "1"}])
    assert "未知的评查项目" in str(bad.value.errors)
    with pytest.raises(ValidationError):
        services.checklist_save(actor=b.evaluator, agency=b.agency, points=[{**points[0], "weight": "-1"}])
    assert EvaluationChecklist.objects.count() == 1
    saved = services.checklist_save(actor=b.reviewer, agency=b.agency, points=points)
    assert (saved.agency_id, saved.version) == (b.agency.pk, 1)
    second = services.checklist_save(
        actor=b.evaluator, agency=b.agency, points=[{**points[0], "weight": "25"}, *points[1:]]
    )
    assert second.version == 2
    evaluated = rescore(case_world, case)
    assert evaluated.checklist_id == second.pk
    assert point(evaluated, "documents")["label"] == "文书规范" and point(evaluated, "documents")["weight"] == "25"
    assert "collective" not in {p["key"] for p in evaluated.points}
    assert evaluated.score == evaluated.max_score == Decimal("90.00")
    assert CaseEvaluation.objects.filter(case=case).count() == 2


def test_manual_findings_deduct_and_only_evaluators_add_them(case_world: CaseWorld) -> None:
    b = case_world.bureau
    case = closed_summary(case_world)
    full = current(case).score
    for who in (b.officer, b.reviewer, b.outsider):
        with pytest.raises(PermissionDenied):
            services.finding_add(actor=who, case=case, text="询问笔录未由当事人逐页签名", deduction="2")
    for bad in ({"text": ""}, {"deduction": "abc"}, {"deduction": "101"}, {"point_key": "nope"}):
        with pytest.raises(ValidationError):
            services.finding_add(actor=b.evaluator, case=case, **{"text": "意见", "deduction": "1", **bad})
    assert not ManualFinding.objects.exists()
    services.finding_add(
        actor=b.evaluator, case=case, point_key="documents", text="询问笔录未由当事人逐页签名", deduction="2.5"
    )
    evaluated = current(case)
    assert evaluated.score == full - Decimal("2.5") and evaluated.max_score == full
    assert Entry.objects.filter(action="evaluation.finding_add").count() == 1


def test_only_closed_cases_of_ones_own_agency_are_scored(case_world: CaseWorld) -> None:
    b = case_world.bureau
    open_case = decide_summary(case_world)
    with pytest.raises(InvalidTransition):
        services.evaluate_case(actor=b.evaluator, case=open_case)
    case = closed_summary(case_world)
    for who in (b.officer, b.outsider, b.supervisor):
        with pytest.raises(PermissionDenied):
            services.evaluate_case(actor=who, case=case)
    for who in (b.evaluator, b.reviewer, b.leader):
        assert services.evaluate_case(actor=who, case=case).current


def test_evaluate_closed_scores_every_case_of_the_year_with_progress(case_world: CaseWorld) -> None:
    b = case_world.bureau
    cases = [closed_summary(case_world), closed_summary(case_world)]
    decide_summary(case_world)  # still open: not scored
    seen: list[tuple[int, int]] = []
    year = timezone.localdate().year
    done = services.evaluate_closed(
        actor=b.evaluator, agency=b.agency, year=year, progress=lambda i, n: seen.append((i, n))
    )
    assert sorted(e.case_id for e in done) == sorted(c.pk for c in cases)
    assert seen == [(1, 2), (2, 2)]
    assert services.evaluate_closed(actor=b.evaluator, agency=b.agency, year=year - 1) == []
