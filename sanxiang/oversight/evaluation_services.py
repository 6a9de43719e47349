"""Writes of case-file evaluation (案卷评查): checklists, scores, manual findings. Each change has its ledger entry.

* ``checklist_current`` — the agency's current checklist, else the deployment's; the default one (from
  ``evaluation.default_points``) is created the first time it is needed.
* ``checklist_save`` — evaluators or legal reviewers save a new version of their agency's checklist.
* ``evaluate_case`` — score a closed case against the current checklist; when nothing changed (same checklist, same
  outcomes, same findings) the current evaluation is returned and nothing is written, otherwise a new evaluation
  becomes current and the earlier one is kept (``current`` cleared).
* ``evaluate_closed`` — every case of an agency closed in a year, with a progress callback.
* ``finding_add`` — an evaluator's manual finding, with its deduction; the case is scored again.
* ``on_case_event`` — the case-event hook: a case is scored by the system when it reaches its end step.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Max, Sum
from django.utils import timezone

from sanxiang.cases.models import Case, CaseOfficer
from sanxiang.cases.processes import PROCESSES
from sanxiang.core.errors import InvalidTransition, ValidationError
from sanxiang.core.values import clean_text
from sanxiang.ledger.services import record
from sanxiang.org.access import require_role
from sanxiang.org.models import Agency, Department, Role
from sanxiang.oversight import evaluation
from sanxiang.oversight.models import CaseEvaluation, EvaluationChecklist, ManualFinding

SYSTEM = None
EVALUATORS = (Role.EVALUATOR, Role.LEGAL_REVIEWER, Role.LEADER)  # may score cases
CHECKLIST_EDITORS = (Role.EVALUATOR, Role.LEGAL_REVIEWER)
FINDERS = (Role.EVALUATOR,)
LABEL_MAX = 40
BASIS_MAX = 500
TEXT_MAX = 2000
WEIGHT_MAX = Decimal("100")


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    if not number.is_finite() or number != number.quantize(Decimal("0.01")):
        return None
    return number


# --- checklists -----------------------------------------------------------------------------------------------------


def checklist_latest(agency: Agency | None) -> EvaluationChecklist | None:
    rows = EvaluationChecklist.objects.filter(agency=agency)
    found: EvaluationChecklist | None = rows.order_by("-version").first()
    if found is None and agency is not None:
        found = EvaluationChecklist.objects.filter(agency=None).order_by("-version").first()
    return found


@transaction.atomic
def checklist_current(agency: Agency | None) -> EvaluationChecklist:
    """The checklist cases of ``agency`` are scored against (the default one created on first use)."""
    found = checklist_latest(agency)
    if found is not None:
        return found
    row = EvaluationChecklist.objects.create(
        agency=None, version=1, points=evaluation.default_points(), created_at=timezone.now(), created_by=None
    )
    record(actor=SYSTEM, action="evaluation.checklist_save", subject=row, note="默认案卷评查标准")
    return row


def clean_points(points: Any) -> list[dict[str, Any]]:
    """``points`` checked: a list of ``{key, label, weight, basis}`` with known, distinct keys (ValidationError)."""
    if not isinstance(points, list) or not points:
        raise ValidationError({"points": ["评查标准至少要有一个评查项目。"]})
    errors: list[str] = []
    cleaned: list[dict[str, Any]] = []
    seen: set[str] = set()
    for number, point in enumerate(points, start=1):
        if not isinstance(point, dict):
            errors.append(f"第{number}项格式不正确。")
            continue
        key = str(point.get("key") or "")
        if key not in evaluation.CHECKS:
            errors.append(f"第{number}项：未知的评查项目“{key}”。")
            continue
        if key in seen:
            errors.append(f"第{number}项：评查项目“{evaluation.CHECKS[key].label}”重复。")
            continue
        seen.add(key)
        label = clean_text(str(point.get("label") or ""))
        if not label or len(label) > LABEL_MAX:
            errors.append(f"第{number}项：请填写名称（不超过{LABEL_MAX}字）。")
        weight = _decimal(point.get("weight"))
        if weight is None or not 0 <= weight <= WEIGHT_MAX:
            errors.append(f"第{number}项“{label or key}”：分值应为0至100之间、最多两位小数的数字。")
        basis = clean_text(str(point.get("basis") or ""))
        if len(basis) > BASIS_MAX:
            errors.append(f"第{number}项“{label or key}”：依据不超过{BASIS_MAX}字。")
        cleaned.append({"key": key, "label": label, "weight": str(weight), "basis": basis})
    if errors:
        raise ValidationError({"points": errors})
    if sum(Decimal(p["weight"]) for p in cleaned) <= 0:
        raise ValidationError({"points": ["各项分值之和应大于0。"]})
    return cleaned


@transaction.atomic
def checklist_save(*, actor: Any, agency: Agency, points: Any) -> EvaluationChecklist:
    """A new version of ``agency``'s checklist (the earlier versions stay, with the evaluations scored on them)."""
    require_role(actor, agency, CHECKLIST_EDITORS, "只有本机关的案卷评查员或法制审核人员可以修改评查标准。")
    cleaned = clean_points(points)
    agency = Agency.objects.select_for_update().get(pk=agency.pk)
    current = checklist_latest(agency)
    if current is not None and current.points == cleaned:
        raise ValidationError({"points": ["评查标准没有变化，无需保存新版本。"]})
    version = (EvaluationChecklist.objects.filter(agency=agency).aggregate(top=Max("version"))["top"] or 0) + 1
    row = EvaluationChecklist.objects.create(
        agency=agency, version=version, points=cleaned, created_at=timezone.now(), created_by=actor
    )
    record(actor=actor, action="evaluation.checklist_save", subject=row, note=f"第{version}版")
    return row


# --- scoring --------------------------------------------------------------------------------------------------------


def case_department(case: Case) -> Department | None:
    """The department that handled the case: the item's handling department, else its first officer's."""
    if case.item.handling_department_id is not None:
        return case.item.handling_department
    row = (
        CaseOfficer.objects.filter(case=case, officer__department__isnull=False)
        .select_related("officer__department")
        .order_by("pk")
        .first()
    )
    return row.officer.department if row is not None else None


def score_of(points: list[dict[str, Any]], deduction: Decimal) -> tuple[Decimal, Decimal, int]:
    """(score, max_score, failed): passed weight less ``deduction`` (never below 0), applicable weight, fails."""
    passed = sum((Decimal(p["weight"]) for p in points if p["result"] == evaluation.PASS), Decimal(0))
    applicable = sum((Decimal(p["weight"]) for p in points if p["result"] != evaluation.NA), Decimal(0))
    failed = sum(1 for p in points if p["result"] == evaluation.FAIL)
    return max(passed - deduction, Decimal(0)).quantize(Decimal("0.01")), applicable.quantize(Decimal("0.01")), failed


def deductions(case: Case) -> Decimal:
    total = ManualFinding.objects.filter(case=case).aggregate(total=Sum("deduction"))["total"]
    return Decimal(total or 0)


@transaction.atomic
def evaluate_case(*, actor: Any, case: Case, today: dt.date | None = None) -> CaseEvaluation:
    """Score closed ``case`` against its agency's current checklist (no write when nothing changed)."""
    case = Case.objects.select_related("agency", "item").get(pk=case.pk)
    if actor is not SYSTEM:
        require_role(actor, case.agency, EVALUATORS, "只有本机关的案卷评查员、法制审核人员或局领导可以评查案卷。")
    if case.closed_at is None:
        raise InvalidTransition(f"案件{case.number}尚未办结，办结后才能评查。")
    checklist = checklist_current(case.agency)
    points = evaluation.run_checks(case, checklist.points, today=today)
    score, max_score, failed = score_of(points, deductions(case))
    current = CaseEvaluation.objects.select_for_update().filter(case=case, current=True).first()
    if (
        current is not None
        and current.checklist_id == checklist.pk
        and current.points == points
        and current.score == score
        and current.max_score == max_score
    ):
        return current
    now = timezone.now()
    if current is not None:
        current.current = False
        current.save(update_fields=["current"])
        record(actor=actor, action="evaluation.supersede", subject=current, note="重新评查")
    department = case_department(case)
    row = CaseEvaluation.objects.create(
        case=case,
        agency=case.agency,
        department=department,
        year=timezone.localdate(case.closed_at).year,
        checklist=checklist,
        points=points,
        score=score,
        max_score=max_score,
        failed=failed,
        current=True,
        evaluated_at=now,
        evaluated_by=actor,
    )
    record(
        actor=actor, action="evaluation.score", subject=row, note=f"{case.number} {score}/{max_score}，不符合{failed}项"
    )
    return row


def closed_cases(agency: Agency, year: int) -> list[Case]:
    start = timezone.make_aware(dt.datetime(year, 1, 1))
    end = timezone.make_aware(dt.datetime(year + 1, 1, 1))
    return list(Case.objects.filter(agency=agency, closed_at__gte=start, closed_at__lt=end).order_by("closed_at", "pk"))


def evaluate_closed(
    *, actor: Any, agency: Agency, year: int, progress: Callable[[int, int], object] | None = None
) -> list[CaseEvaluation]:
    """Score every case of ``agency`` closed in ``year`` (each in its own transaction); ``progress(done, total)``."""
    if actor is not SYSTEM:
        require_role(actor, agency, EVALUATORS, "只有本机关的案卷评查员、法制审核人员或局领导可以评查案卷。")
    cases = closed_cases(agency, year)
    results = []
    for done, case in enumerate(cases, start=1):
        results.append(evaluate_case(actor=actor, case=case))
        if progress is not None:
            progress(done, len(cases))
    if not cases and progress is not None:
        progress(0, 0)
    return results


@transaction.atomic
def finding_add(*, actor: Any, case: Case, text: str, point_key: str = "", deduction: Any = 0) -> ManualFinding:
    """An evaluator's own finding on ``case`` (its deduction comes off the score at once)."""
    case = Case.objects.select_related("agency").get(pk=case.pk)
    require_role(actor, case.agency, FINDERS, "只有本机关的案卷评查员可以登记人工评查意见。")
    errors: dict[str, list[str]] = {}
    if case.closed_at is None:
        errors["case"] = [f"案件{case.number}尚未办结，办结后才能评查。"]
    text = clean_text(text)
    if not text:
        errors["text"] = ["请填写评查意见。"]
    elif len(text) > TEXT_MAX:
        errors["text"] = [f"评查意见不超过{TEXT_MAX}字。"]
    point_key = clean_text(point_key)
    if point_key and point_key not in evaluation.CHECKS:
        errors["point_key"] = ["未知的评查项目。"]
    value = _decimal(deduction if deduction not in (None, "") else 0)
    if value is None or not 0 <= value <= WEIGHT_MAX:
        errors["deduction"] = ["扣分应为0至100之间、最多两位小数的数字。"]
    if errors:
        raise ValidationError(errors)
    assert value is not None
    finding = ManualFinding.objects.create(
        case=case, point_key=point_key, text=text, deduction=value, recorded_at=timezone.now(), recorded_by=actor
    )
    record(actor=actor, action="evaluation.finding_add", subject=finding, note=f"扣{value}分：{text[:80]}")
    evaluate_case(actor=actor, case=case)
    return finding


def on_case_event(event: Any) -> None:
    """The case-event hook: score a case when it reaches an end step (closed, archived)."""
    if event.kind != "advance" or event.target not in PROCESSES[event.case.process_key].ends:
        return
    evaluate_case(actor=SYSTEM, case=event.case)
