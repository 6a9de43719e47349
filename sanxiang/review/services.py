"""Legal review services (plan 二(三)): the catalogue, assessments, the review from request to outcome, disagreement
and the leaders' coordination, reviewers' qualifications and training, collective discussion.

Every function is keyword-only, checks the actor's role, writes in one transaction with one ledger entry per row, and
refuses with a Chinese message that leaves nothing written.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from sanxiang.cases.gates import active_officers, eligible_officer_ids
from sanxiang.cases.models import Case, CaseDocument, CaseOfficer, Circumstance, Recording, Sanction
from sanxiang.cases.processes import PROCESSES, Kind
from sanxiang.core import calendar
from sanxiang.core.errors import InvalidTransition, PermissionDenied, ValidationError
from sanxiang.core.values import clean_codes, clean_text, clean_yuan, parse_amount
from sanxiang.ledger.services import record
from sanxiang.org.access import has_role, is_deployment_admin, require_role
from sanxiang.org.models import Agency, Role, User
from sanxiang.review.catalogue import Assessment, assess, assessment_json
from sanxiang.review.checklist import CHECKLIST
from sanxiang.review.gates import collective_required, passed_review
from sanxiang.review.models import (
    CollectiveDiscussion,
    LegalReview,
    MajorAssessment,
    MajorDecisionRule,
    Outcome,
    RecordKind,
    ReviewerQualification,
    ReviewerRecord,
    ReviewerTraining,
    ReviewState,
)

REVIEW_DAYS = 7  # Liaoning: 7 working days (DOMAIN.md), the default
REVIEW_EXTRA_DAYS = 3  # +3 working days when the case is marked complex
OPEN_STATES = (ReviewState.PRELIMINARY, ReviewState.HEAD, ReviewState.SUBMITTED, ReviewState.ESCALATED)
# Steps at which a case's proposal can go to review: after the investigation, before the decision is made.
REQUEST_STEPS = ("review", "notify", "hearing", "collective", "decide")
CATALOGUE_KEEPERS = (Role.ADMINISTRATOR, Role.LEGAL_REVIEWER)
RULE_FIELDS = (
    "code",
    "name",
    "case_kind",
    "level",
    "sector",
    "fine_person_min",
    "fine_organisation_min",
    "sanctions",
    "hearing_held",
    "circumstances",
    "basis",
)


# --- the catalogue (目录清单) ---------------------------------------------------------------------------------------


@transaction.atomic
def rule_save(
    *, actor: Any, data: dict[str, Any], agency: Agency | None = None, rule: MajorDecisionRule | None = None
) -> MajorDecisionRule:
    """Add or change a line of the catalogue. Deployment-wide lines (``agency=None``) are the administrator's; an
    agency's own lines its legal section's or administrator's. A changed line keeps its agency."""
    if rule is not None:
        agency = rule.agency
    if agency is None:
        if not is_deployment_admin(actor):
            raise PermissionDenied("只有系统管理员可以维护适用于全部执法主体的目录。")
    else:
        require_role(actor, agency, CATALOGUE_KEEPERS, "只有法制审核人员或系统管理员可以维护重大执法决定目录。")
    unknown = sorted(set(data) - set(RULE_FIELDS))
    errors: dict[str, list[str]] = {name: ["不能填写该字段。"] for name in unknown}
    code, name, basis = clean_text(data.get("code")), clean_text(data.get("name")), clean_text(data.get("basis"))
    if not code or len(code) > 40:
        errors["code"] = ["请填写编码（不超过 40 个字符）。"]
    elif MajorDecisionRule.objects.filter(code=code).exclude(pk=rule.pk if rule is not None else 0).exists():
        errors["code"] = [f"编码 {code} 已被使用。"]
    if not name:
        errors["name"] = ["请填写情形。"]
    if not basis:
        errors["basis"] = ["请填写依据。"]
    kind = clean_text(data.get("case_kind"))
    if kind and kind not in Kind.__members__.values():
        errors["case_kind"] = ["案件类别不正确。"]
    person = clean_yuan(data.get("fine_person_min"), "fine_person_min", errors)
    organisation = clean_yuan(data.get("fine_organisation_min"), "fine_organisation_min", errors)
    sanctions = clean_codes(data.get("sanctions"), Sanction.values, "sanctions", errors)
    circumstances = clean_codes(data.get("circumstances"), Circumstance.values, "circumstances", errors)
    hearing = bool(data.get("hearing_held"))
    if not errors and person is None and organisation is None and not sanctions and not circumstances and not hearing:
        errors["__all__"] = ["请至少设定一个触发条件（罚款数额、处罚种类、听证或情形）。"]
    if errors:
        raise ValidationError(errors)
    row = rule or MajorDecisionRule(agency=agency)
    row.code, row.name, row.basis = code, name, basis
    row.case_kind, row.level, row.sector = kind, clean_text(data.get("level")), clean_text(data.get("sector"))
    row.fine_person_min, row.fine_organisation_min = person, organisation
    row.sanctions, row.circumstances, row.hearing_held = sanctions, circumstances, hearing
    row.active = True
    row.updated_at = timezone.now()
    row.save()
    record(actor=actor, action="review.rule_save", subject=row, note=f"{row.code} {row.name}")
    return row


@transaction.atomic
def rule_deactivate(*, actor: Any, rule: MajorDecisionRule, note: str) -> MajorDecisionRule:
    rule = MajorDecisionRule.objects.select_for_update().get(pk=rule.pk)
    if rule.agency_id is None:
        if not is_deployment_admin(actor):
            raise PermissionDenied("只有系统管理员可以维护适用于全部执法主体的目录。")
    else:
        require_role(actor, rule.agency_id, CATALOGUE_KEEPERS, "只有法制审核人员或系统管理员可以维护重大执法决定目录。")
    if not clean_text(note):
        raise ValidationError({"note": ["请说明停用理由。"]})
    rule.active = False
    rule.updated_at = timezone.now()
    rule.save(update_fields=["active", "updated_at"])
    record(actor=actor, action="review.rule_deactivate", subject=rule, note=clean_text(note))
    return rule


# --- assessment -----------------------------------------------------------------------------------------------------


def assessment_record(actor: Any, case: Case) -> MajorAssessment:
    """Record the assessment of ``case``'s proposal (the cases app calls this whenever the proposal changes)."""
    assessment = assess(case)
    row = MajorAssessment.objects.create(
        case=case,
        proposal_digest=assessment.digest,
        major=assessment.major,
        reasons=assessment_json(assessment),
        assessed_by=actor,
        assessed_at=timezone.now(),
    )
    record(
        actor=actor,
        action="review.assess",
        subject=row,
        note=("重大执法决定：" + assessment.text) if assessment.major else "不属于重大执法决定",
    )
    return row


# --- materials --------------------------------------------------------------------------------------------------------


def materials_check(case: Case) -> list[dict[str, Any]]:
    """What the legal section needs, checked against the case: [{item, ok, detail}]."""
    issued = set(CaseDocument.objects.filter(case=case).values_list("document__template_code", flat=True))
    today = timezone.localdate()
    eligible = eligible_officer_ids(case, today)
    recordings = Recording.objects.filter(case=case).count()
    evidence_docs = issued & {"inquiry_record", "survey_record", "sampling_voucher", "site_inspection_record"}
    items = [
        ("立案审批表", "case_opening_approval" in issued, "已制发" if "case_opening_approval" in issued else "未制发"),
        (
            "案件处理呈批表（调查终结报告）",
            "case_handling_approval" in issued,
            "已制发" if "case_handling_approval" in issued else "未制发",
        ),
        (
            "拟处理决定",
            case.amount_proposed is not None and bool(case.sanctions),
            "已确定" if case.sanctions else "尚未确定拟处罚种类和金额",
        ),
        (
            "证据材料",
            bool(evidence_docs) or recordings > 0,
            f"笔录、记录{len(evidence_docs)}种，音像记录{recordings}件",
        ),
        ("执法人员资格", len(eligible) >= 2, f"今日符合条件的承办人员{len(eligible)}名"),
    ]
    return [{"item": item, "ok": ok, "detail": detail} for item, ok, detail in items]


# --- the review ---------------------------------------------------------------------------------------------------------


def _locked(review: LegalReview) -> LegalReview:
    return LegalReview.objects.select_for_update().select_related("case__agency").get(pk=review.pk)


def _state(review: LegalReview, *states: str) -> None:
    if review.state not in states:
        raise InvalidTransition(f"该法制审核当前为“{review.get_state_display()}”，不能办理此操作。")


def _on_case(actor: Any, case: Case) -> bool:
    user_id = getattr(actor, "pk", None)
    return user_id is not None and CaseOfficer.objects.filter(case=case, active=True, officer__user_id=user_id).exists()


@transaction.atomic
def review_request(*, actor: Any, case: Case, complex: bool = False, note: str = "") -> LegalReview:
    """送审: an officer of the case (or the department head) sends the proposed decision of a major case to review."""
    case = Case.objects.select_for_update().select_related("agency", "item").get(pk=case.pk)
    if not (_on_case(actor, case) or has_role(actor, case.agency_id, (Role.DEPARTMENT_HEAD,))):
        raise PermissionDenied("只有本案承办人员或科室负责人可以送审。")
    process = PROCESSES[case.process_key]
    if case.closed_at is not None or case.state not in REQUEST_STEPS:
        raise InvalidTransition(
            f"案件处于“{process.step(case.state).name}”环节，不能送法制审核（调查终结后、作出决定前送审）。"
        )
    if LegalReview.objects.filter(case=case, state__in=OPEN_STATES).exists():
        raise InvalidTransition("本案已有正在进行的法制审核。")
    assessment = assess(case)
    if not assessment.major:
        raise InvalidTransition("本案的拟决定不属于重大执法决定，无需法制审核。")
    if passed_review(case, assessment.digest) is not None:
        raise InvalidTransition("本案现拟决定已经审核通过。")
    materials = materials_check(case)
    missing = [f"{m['item']}：{m['detail']}" for m in materials if not m["ok"]]
    if missing:
        raise ValidationError({"materials": [f"送审材料不齐全：{'；'.join(missing)}。"]})
    last = LegalReview.objects.filter(case=case).aggregate(m=Max("round"))["m"] or 0
    review = LegalReview.objects.create(
        case=case,
        round=last + 1,
        proposal_digest=assessment.digest,
        reasons=assessment_json(assessment),
        state=ReviewState.PRELIMINARY,
        complex=bool(complex),
        materials=materials,
        requested_by=actor,
        requested_at=timezone.now(),
    )
    record(actor=actor, action="review.request", subject=review, note=clean_text(note) or assessment.text)
    return review


@transaction.atomic
def review_preliminary(*, actor: Any, review: LegalReview, approve: bool, opinion: str) -> LegalReview:
    """初审 by the department's preliminary reviewer: on to the head, or back to the officers."""
    review = _locked(review)
    require_role(actor, review.case.agency_id, (Role.PRELIMINARY_REVIEWER,), "只有初审员可以初审。")
    _state(review, ReviewState.PRELIMINARY)
    opinion = clean_text(opinion)
    if not opinion:
        raise ValidationError({"opinion": ["请填写初审意见。"]})
    review.preliminary_by, review.preliminary_at, review.preliminary_opinion = actor, timezone.now(), opinion
    review.state = ReviewState.HEAD if approve else ReviewState.RETURNED
    if not approve:
        review.outcome = Outcome.RETURN
        review.opinion = opinion
        review.decided_at = review.preliminary_at
    review.save()
    record(actor=actor, action="review.preliminary", subject=review, note=opinion)
    return review


def review_period_days(*, complex: bool = False) -> int:
    """Working days for a review: 7 (a local rule may set another number through
    ``SANXIANG_DEADLINE_DAYS["legal_review"]``), 3 more when the case is marked complex."""
    from django.conf import settings

    base = int(getattr(settings, "SANXIANG_DEADLINE_DAYS", {}).get("legal_review", REVIEW_DAYS))
    return base + (REVIEW_EXTRA_DAYS if complex else 0)


def review_due(submitted: dt.datetime, *, complex: bool) -> calendar.Deadline:
    """The last day of the review, counted in working days from the day of submission (which does not count)."""
    days = review_period_days(complex=complex)
    return calendar.add_working_days(timezone.localdate(submitted), days)


@transaction.atomic
def review_head_sign(*, actor: Any, review: LegalReview, opinion: str = "") -> LegalReview:
    """科室负责人签署 and submission to the legal section; the review period starts."""
    review = _locked(review)
    require_role(actor, review.case.agency_id, (Role.DEPARTMENT_HEAD,), "只有科室负责人可以签署送审。")
    _state(review, ReviewState.HEAD)
    now = timezone.now()
    due = review_due(now, complex=review.complex)
    review.head_by, review.head_at, review.head_opinion = actor, now, clean_text(opinion)
    review.submitted_at, review.due_on, review.due_provisional = now, due.date, due.provisional
    review.state = ReviewState.SUBMITTED
    review.save()
    record(actor=actor, action="review.submit", subject=review, note=f"审核期限至{due.date:%Y年%m月%d日}")
    return review


def reviewer_refusal(user: Any, agency: Agency | int) -> str | None:
    """Why ``user`` may not review for ``agency`` (``None`` when it may)."""
    if not has_role(user, agency, (Role.LEGAL_REVIEWER,)):
        return "只有法制审核人员可以审核。"
    agency_id = agency if isinstance(agency, int) else agency.pk
    qualification = ReviewerQualification.objects.filter(
        user_id=getattr(user, "pk", 0) or 0, agency_id=agency_id
    ).first()
    if qualification is None or not qualification.qualified:
        return "您尚未登记为具备资格的法制审核人员（初次从事法制审核的，应当取得法律职业资格）。"
    return None


@transaction.atomic
def review_take(*, actor: Any, review: LegalReview) -> LegalReview:
    """承办: a qualified legal reviewer takes the review."""
    review = _locked(review)
    refusal = reviewer_refusal(actor, review.case.agency_id)
    if refusal:
        raise PermissionDenied(refusal)
    _state(review, ReviewState.SUBMITTED)
    if review.reviewer_id is not None:
        raise InvalidTransition("该法制审核已有承办人。")
    review.reviewer, review.taken_at = actor, timezone.now()
    review.save(update_fields=["reviewer", "taken_at"])
    record(actor=actor, action="review.take", subject=review)
    return review


def _require_reviewer(actor: Any, review: LegalReview) -> None:
    refusal = reviewer_refusal(actor, review.case.agency_id)
    if refusal:
        raise PermissionDenied(refusal)
    if review.reviewer_id != getattr(actor, "pk", None):
        raise PermissionDenied("只有该审核的承办人可以办理。")


@transaction.atomic
def review_consult(*, actor: Any, review: LegalReview, adviser: User, question: str) -> LegalReview:
    """征求法律顾问意见 (optional)."""
    review = _locked(review)
    _require_reviewer(actor, review)
    _state(review, ReviewState.SUBMITTED)
    if not has_role(adviser, review.case.agency_id, (Role.LEGAL_ADVISER,)):
        raise ValidationError({"adviser": ["该用户不是本机关的法律顾问。"]})
    question = clean_text(question)
    if not question:
        raise ValidationError({"question": ["请填写咨询事项。"]})
    review.adviser, review.adviser_question = adviser, question
    review.adviser_opinion, review.adviser_at = "", None
    review.save(update_fields=["adviser", "adviser_question", "adviser_opinion", "adviser_at"])
    record(actor=actor, action="review.consult", subject=review, note=question)
    return review


@transaction.atomic
def review_adviser_opinion(*, actor: Any, review: LegalReview, opinion: str) -> LegalReview:
    review = _locked(review)
    if review.adviser_id is None or review.adviser_id != getattr(actor, "pk", None):
        raise PermissionDenied("只有被征求意见的法律顾问可以出具意见。")
    _state(review, ReviewState.SUBMITTED)
    opinion = clean_text(opinion)
    if not opinion:
        raise ValidationError({"opinion": ["请填写法律顾问意见。"]})
    review.adviser_opinion, review.adviser_at = opinion, timezone.now()
    review.save(update_fields=["adviser_opinion", "adviser_at"])
    record(actor=actor, action="review.adviser_opinion", subject=review, note=opinion)
    return review


def _clean_checklist(checklist: Any) -> tuple[dict[str, dict[str, Any]], dict[str, list[str]]]:
    errors: dict[str, list[str]] = {}
    if not isinstance(checklist, dict):
        return {}, {"checklist": ["审核要点意见格式不正确。"]}
    unknown = sorted(set(checklist) - {point.key for point in CHECKLIST})
    if unknown:
        errors["checklist"] = [f"未知的审核要点：{'、'.join(unknown)}。"]
    clean: dict[str, dict[str, Any]] = {}
    for point in CHECKLIST:
        value = checklist.get(point.key)
        if not isinstance(value, dict) or not isinstance(value.get("ok"), bool):
            errors[f"checklist.{point.key}"] = [f"请对“{point.name}”作出判断。"]
            continue
        opinion = clean_text(value.get("opinion"))
        if not value["ok"] and not opinion:
            errors[f"checklist.{point.key}"] = [f"“{point.name}”存在问题的，须写明意见。"]
        clean[point.key] = {"ok": value["ok"], "opinion": opinion}
    return clean, errors


@transaction.atomic
def review_decide(
    *, actor: Any, review: LegalReview, checklist: dict[str, Any], outcome: str, opinion: str
) -> LegalReview:
    """审核意见: an opinion on every point of the checklist and the outcome (pass, return for correction, fail).

    A pass needs every point in order and binds to the proposal it reviewed. An opinion after the period is recorded
    as overdue against the reviewer.
    """
    review = _locked(review)
    _require_reviewer(actor, review)
    _state(review, ReviewState.SUBMITTED)
    clean, errors = _clean_checklist(checklist)
    if outcome not in Outcome.values:
        errors["outcome"] = ["审核结论应为通过、退回补正或不通过。"]
    opinion = clean_text(opinion)
    if not opinion:
        errors["opinion"] = ["请填写审核意见。"]
    if not errors:
        faults = [point.name for point in CHECKLIST if not clean[point.key]["ok"]]
        if outcome == Outcome.PASS and faults:
            errors["outcome"] = [f"审核要点存在问题（{'、'.join(faults)}），不能审核通过。"]
        if outcome != Outcome.PASS and not faults:
            errors["outcome"] = ["退回补正或不通过的，须指出存在问题的审核要点。"]
        from sanxiang.cases.workflow import proposal_digest

        if outcome == Outcome.PASS and proposal_digest(review.case) != review.proposal_digest:
            errors["outcome"] = ["送审后拟决定已变更，不能审核通过；请退回补正后重新送审。"]
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    review.checklist, review.outcome, review.opinion, review.decided_at = clean, outcome, opinion, now
    review.state = {
        Outcome.PASS: ReviewState.PASSED,
        Outcome.RETURN: ReviewState.RETURNED,
        Outcome.FAIL: ReviewState.FAILED,
    }[Outcome(outcome)]
    review.overdue = review.due_on is not None and timezone.localdate(now) > review.due_on
    review.save()
    record(actor=actor, action="review.decide", subject=review, note=f"{Outcome(outcome).label}：{opinion}")
    if review.overdue:
        assert review.due_on is not None
        row = ReviewerRecord.objects.create(
            reviewer=actor,
            review=review,
            kind=RecordKind.OVERDUE,
            note=f"审核期限{review.due_on:%Y年%m月%d日}，{timezone.localdate(now):%Y年%m月%d日}出具意见",
            recorded_at=now,
        )
        record(actor=actor, action="review.reviewer_record", subject=row, note=row.note)
    return review


@transaction.atomic
def review_disagree(*, actor: Any, review: LegalReview, opinion: str) -> LegalReview:
    """承办机构不同意审核意见: the department head sends both opinions to the bureau leaders (plan 二(三)5)."""
    review = _locked(review)
    require_role(actor, review.case.agency_id, (Role.DEPARTMENT_HEAD,), "只有科室负责人可以提请局领导协调。")
    _state(review, ReviewState.RETURNED, ReviewState.FAILED)
    if review.coordinated_at is not None:
        raise InvalidTransition("局领导已作出协调决定，不能再次提请协调。")
    if review.reviewer_id is None:
        raise InvalidTransition("初审退回的，由承办人员补正后重新送审。")
    opinion = clean_text(opinion)
    if not opinion:
        raise ValidationError({"opinion": ["请写明承办机构的意见和理由。"]})
    review.department_opinion, review.disagreed_by, review.disagreed_at = opinion, actor, timezone.now()
    review.state = ReviewState.ESCALATED
    review.save()
    record(actor=actor, action="review.disagree", subject=review, note=opinion)
    return review


@transaction.atomic
def review_coordinate(*, actor: Any, review: LegalReview, outcome: str, opinion: str) -> LegalReview:
    """局领导协调决定 on an escalated review; a reversed opinion is recorded against the reviewer."""
    review = _locked(review)
    require_role(actor, review.case.agency_id, (Role.LEADER,), "只有局领导可以作出协调决定。")
    _state(review, ReviewState.ESCALATED)
    if outcome not in Outcome.values:
        raise ValidationError({"outcome": ["协调结论应为通过、退回补正或不通过。"]})
    opinion = clean_text(opinion)
    if not opinion:
        raise ValidationError({"opinion": ["请填写协调意见。"]})
    from sanxiang.cases.workflow import proposal_digest

    if outcome == Outcome.PASS and proposal_digest(review.case) != review.proposal_digest:
        raise ValidationError({"outcome": ["送审后拟决定已变更，不能以原送审内容通过。"]})
    now = timezone.now()
    review.coordinated_by, review.coordinated_at = actor, now
    review.coordinated_outcome, review.coordinated_opinion = outcome, opinion
    review.state = {
        Outcome.PASS: ReviewState.PASSED,
        Outcome.RETURN: ReviewState.RETURNED,
        Outcome.FAIL: ReviewState.FAILED,
    }[Outcome(outcome)]
    review.save()
    record(actor=actor, action="review.coordinate", subject=review, note=f"{Outcome(outcome).label}：{opinion}")
    if outcome != review.outcome and review.reviewer_id is not None:
        row = ReviewerRecord.objects.create(
            reviewer_id=review.reviewer_id,
            review=review,
            kind=RecordKind.REVERSED,
            note=f"审核意见“{Outcome(review.outcome).label}”经局领导协调改为“{Outcome(outcome).label}”",
            recorded_at=now,
        )
        record(actor=actor, action="review.reviewer_record", subject=row, note=row.note)
    return review


# --- reviewers ----------------------------------------------------------------------------------------------------------


@transaction.atomic
def reviewer_qualify(
    *,
    actor: Any,
    user: User,
    agency: Agency,
    qualified: bool,
    first_time: bool,
    appointed_on: dt.date,
    legal_qualification_number: str = "",
    note: str = "",
) -> ReviewerQualification:
    """登记 a legal reviewer's qualification (by a leader or the administrator)."""
    require_role(actor, agency, (Role.LEADER, Role.ADMINISTRATOR), "只有局领导或系统管理员可以登记审核人员资格。")
    number = clean_text(legal_qualification_number)
    errors: dict[str, list[str]] = {}
    if not has_role(user, agency, (Role.LEGAL_REVIEWER,)):
        errors["user"] = ["该用户不是本机关的法制审核人员。"]
    if qualified and first_time and not number:
        errors["legal_qualification_number"] = ["初次从事法制审核工作的人员，应当取得法律职业资格（请填写证书编号）。"]
    if not isinstance(appointed_on, dt.date):
        errors["appointed_on"] = ["请填写任职日期。"]
    if errors:
        raise ValidationError(errors)
    row = ReviewerQualification.objects.filter(user=user, agency=agency).first() or ReviewerQualification(
        user=user, agency=agency
    )
    row.qualified, row.first_time, row.appointed_on = bool(qualified), bool(first_time), appointed_on
    row.legal_qualification_number, row.note = number, clean_text(note)
    row.updated_by, row.updated_at = actor, timezone.now()
    row.save()
    record(
        actor=actor,
        action="review.reviewer_qualify",
        subject=row,
        note="具备审核资格" if qualified else "不具备审核资格",
    )
    return row


@transaction.atomic
def reviewer_training_add(
    *, actor: Any, user: User, agency: Agency, held_on: dt.date, hours: Any, topic: str, organiser: str
) -> ReviewerTraining:
    require_role(actor, agency, (Role.LEADER, Role.ADMINISTRATOR, Role.LEGAL_REVIEWER), "您不能登记培训记录。")
    errors: dict[str, list[str]] = {}
    if not has_role(user, agency, (Role.LEGAL_REVIEWER,)):
        errors["user"] = ["该用户不是本机关的法制审核人员。"]
    amount = parse_amount(hours)
    if amount is None or amount <= 0:
        errors["hours"] = ["请填写学时。"]
    if not clean_text(topic):
        errors["topic"] = ["请填写培训内容。"]
    if not clean_text(organiser):
        errors["organiser"] = ["请填写组织单位。"]
    if not isinstance(held_on, dt.date):
        errors["held_on"] = ["请填写培训日期。"]
    if errors or amount is None:
        raise ValidationError(errors)
    row = ReviewerTraining.objects.create(
        user=user,
        agency=agency,
        held_on=held_on,
        hours=amount,
        topic=clean_text(topic),
        organiser=clean_text(organiser),
        recorded_by=actor,
        recorded_at=timezone.now(),
    )
    record(actor=actor, action="review.training_add", subject=row, note=row.topic)
    return row


# --- collective discussion (集体讨论) --------------------------------------------------------------------------------


@transaction.atomic
def collective_record(
    *,
    actor: Any,
    case: Case,
    held_at: dt.datetime,
    place: str,
    host: str,
    attendees: list[str],
    opinions: list[dict[str, str]],
    conclusion: str,
) -> CollectiveDiscussion:
    """记录 the leaders' collective discussion of a major case whose current proposal passed review."""
    case = Case.objects.select_for_update().select_related("agency").get(pk=case.pk)
    require_role(actor, case.agency_id, (Role.LEADER,), "只有局领导可以记录集体讨论。")
    if case.closed_at is not None:
        raise InvalidTransition("案件已办结。")
    assessment: Assessment = assess(case)
    if not collective_required(case, assessment):
        raise InvalidTransition("本案不需要集体讨论。")
    if assessment.major and passed_review(case, assessment.digest) is None:
        raise InvalidTransition("重大执法决定应当先经法制审核通过，再提交集体讨论。")
    errors: dict[str, list[str]] = {}
    names = [clean_text(a) for a in attendees if clean_text(a)] if isinstance(attendees, list) else []
    if len(names) < 3:
        errors["attendees"] = ["请填写出席人员（不少于三人）。"]
    clean_opinions = []
    for index, item in enumerate(opinions if isinstance(opinions, list) else []):
        name = clean_text(item.get("name")) if isinstance(item, dict) else ""
        opinion = clean_text(item.get("opinion")) if isinstance(item, dict) else ""
        if not name or not opinion:
            errors[f"opinions.{index}"] = ["每条意见须写明发言人和意见。"]
        clean_opinions.append({"name": name, "opinion": opinion})
    if not clean_opinions:
        errors["opinions"] = ["请记录出席人员的意见。"]
    if not clean_text(conclusion):
        errors["conclusion"] = ["请填写讨论结论。"]
    if not clean_text(place) or not clean_text(host):
        errors["host"] = ["请填写地点和主持人。"]
    if not isinstance(held_at, dt.datetime) or timezone.is_naive(held_at):
        errors["held_at"] = ["请填写讨论时间。"]
    if errors:
        raise ValidationError(errors)
    document = (
        CaseDocument.objects.filter(case=case, document__template_code="collective_discussion_record")
        .order_by("-pk")
        .first()
    )
    row = CollectiveDiscussion.objects.create(
        case=case,
        proposal_digest=assessment.digest,
        held_at=held_at,
        place=clean_text(place),
        host=clean_text(host),
        attendees=names,
        opinions=clean_opinions,
        conclusion=clean_text(conclusion),
        record=document.document if document else None,
        recorded_by=actor,
        recorded_at=timezone.now(),
    )
    record(actor=actor, action="review.collective", subject=row, note=row.conclusion)
    return row


def officers_on(case: Case) -> list[str]:
    return [row.officer.name for row in active_officers(case)]
