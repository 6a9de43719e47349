"""Staff pages of case-file evaluation (案卷评查), under /staff/oversight/evaluation/.

Evaluators, legal reviewers and leaders of the agency read and score; supervisors of the agency read only. Manual
findings are the evaluators' own; the checklist is edited by evaluators and legal reviewers (a save is a new
version). Every write goes through ``oversight.evaluation_services``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.db.models import Avg, Count, Q, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from sanxiang.cases.models import Case
from sanxiang.core.errors import InvalidTransition, PermissionDenied, ValidationError
from sanxiang.org.access import has_role, readable_agencies
from sanxiang.org.models import Agency, Department, Role
from sanxiang.oversight import evaluation, evaluation_export
from sanxiang.oversight import evaluation_services as services
from sanxiang.oversight.models import CaseEvaluation, ManualFinding
from sanxiang.staff.desk import Desk
from sanxiang.staff.frame import error_messages, staff_view

NAV = "evaluation"
YEARS_BACK = 10


def _agency(desk: Desk) -> Agency:
    if desk.agency is None:
        raise Http404("没有可查看的执法主体。")
    return desk.agency


def can_read(user: Any, agency: Agency) -> bool:
    if has_role(user, agency, services.EVALUATORS):
        return True
    supervising = any(has_role(user, a, (Role.SUPERVISOR,)) for a in readable_agencies(user))
    return supervising and readable_agencies(user).filter(pk=agency.pk).exists()


def _require_read(desk: Desk, agency: Agency) -> None:
    if not can_read(desk.user, agency):
        raise PermissionDenied("只有本机关的案卷评查员、法制审核人员、局领导或监督人员可以查看案卷评查结果。")


def _year(value: Any) -> int:
    this_year = timezone.localdate().year
    try:
        year = int(value)
    except (TypeError, ValueError):
        return this_year
    return year if this_year - YEARS_BACK < year <= this_year else this_year


def _context(desk: Desk, agency: Agency, **extra: Any) -> dict[str, Any]:
    return {
        "desk": desk,
        "nav_active": NAV,
        "agency": agency,
        "can_score": has_role(desk.user, agency, services.EVALUATORS),
        "can_find": has_role(desk.user, agency, services.FINDERS),
        "can_edit_checklist": has_role(desk.user, agency, services.CHECKLIST_EDITORS),
        **extra,
    }


@staff_view
@require_GET
def evaluation_list(request: HttpRequest, desk: Desk) -> HttpResponse:
    agency = _agency(desk)
    _require_read(desk, agency)
    year = _year(request.GET.get("year"))
    rows = CaseEvaluation.objects.filter(agency=agency, year=year, current=True).select_related("case", "department")
    departments = list(Department.objects.filter(agency=agency).order_by("name"))
    department = request.GET.get("department", "")
    failed_point = request.GET.get("failed", "")
    summary = list(
        rows.values("department__name")
        .annotate(cases=Count("id"), average=Avg("score"), failed=Sum("failed"))
        .order_by("department__name")
    )
    if department.isdigit():
        rows = rows.filter(department_id=int(department))
    shown = list(rows.order_by("score", "case__number"))
    if failed_point in evaluation.CHECKS:
        shown = [r for r in shown if any(p["key"] == failed_point and p["result"] == evaluation.FAIL for p in r.points)]
    this_year = timezone.localdate().year
    context = _context(
        desk,
        agency,
        year=year,
        years=list(range(this_year, this_year - YEARS_BACK, -1)),
        rows=shown,
        summary=[{**s, "average": Decimal(s["average"] or 0).quantize(Decimal("0.01"))} for s in summary],
        departments=departments,
        department=department,
        failed_point=failed_point,
        checks=[(c.key, c.label) for c in evaluation.CHECKS.values()],
        unevaluated=Case.objects.filter(agency=agency, closed_at__isnull=False)
        .filter(~Q(evaluations__current=True))
        .count(),
    )
    return render(request, "oversight/evaluation/list.html", context)


def _case(desk: Desk, pk: int) -> Case:
    case = Case.objects.select_related("agency").filter(pk=pk, agency__in=readable_agencies(desk.user)).first()
    if case is None:
        raise Http404("没有该案件。")
    _require_read(desk, case.agency)
    return case


def _case_page(
    request: HttpRequest, desk: Desk, case: Case, *, errors: list[str] | None = None, status: int = 200
) -> HttpResponse:
    evaluated = CaseEvaluation.objects.filter(case=case, current=True).select_related("checklist").first()
    points = []
    if evaluated is not None:
        for p in evaluated.points:
            points.append({**p, "result_label": evaluation.RESULT_LABELS.get(p["result"], p["result"])})
    context = _context(
        desk,
        case.agency,
        case=case,
        evaluated=evaluated,
        points=points,
        findings=list(ManualFinding.objects.filter(case=case).select_related("recorded_by")),
        history=list(CaseEvaluation.objects.filter(case=case, current=False).order_by("-evaluated_at")[:10]),
        checks=[(c.key, c.label) for c in evaluation.CHECKS.values()],
        errors=errors or [],
        posted=request.POST if errors else {},
    )
    return render(request, "oversight/evaluation/case.html", context, status=status)


@staff_view
@require_GET
def evaluation_case(request: HttpRequest, desk: Desk, pk: int) -> HttpResponse:
    return _case_page(request, desk, _case(desk, pk))


@staff_view
@require_POST
def evaluation_rescore(request: HttpRequest, desk: Desk, pk: int) -> HttpResponse:
    case = _case(desk, pk)
    try:
        evaluated = services.evaluate_case(actor=request.user, case=case)
    except (ValidationError, InvalidTransition) as exc:
        return _case_page(request, desk, case, errors=error_messages(exc), status=400)
    messages.success(request, f"已评查：{evaluated.score}/{evaluated.max_score}分。")
    return redirect("oversight:evaluation_case", pk=case.pk)


@staff_view
@require_POST
def evaluation_finding(request: HttpRequest, desk: Desk, pk: int) -> HttpResponse:
    case = _case(desk, pk)
    try:
        services.finding_add(
            actor=request.user,
            case=case,
            point_key=request.POST.get("point_key", ""),
            text=request.POST.get("text", ""),
            deduction=request.POST.get("deduction", "0"),
        )
    except (ValidationError, InvalidTransition) as exc:
        return _case_page(request, desk, case, errors=error_messages(exc), status=400)
    messages.success(request, "已登记人工评查意见。")
    return redirect("oversight:evaluation_case", pk=case.pk)


def _checklist_page(
    request: HttpRequest, desk: Desk, agency: Agency, *, errors: list[str] | None = None, status: int = 200
) -> HttpResponse:
    current = services.checklist_latest(agency)
    points = current.points if current is not None else evaluation.default_points()
    in_use = {p["key"] for p in points}
    rows = [{**p, "used": True} for p in points] + [
        {"key": c.key, "label": c.label, "weight": c.weight, "basis": c.basis, "used": False}
        for c in evaluation.CHECKS.values()
        if c.key not in in_use
    ]
    context = _context(desk, agency, checklist=current, rows=rows, errors=errors or [])
    return render(request, "oversight/evaluation/checklist.html", context, status=status)


@staff_view
@require_GET
def evaluation_checklist(request: HttpRequest, desk: Desk) -> HttpResponse:
    agency = _agency(desk)
    _require_read(desk, agency)
    return _checklist_page(request, desk, agency)


@staff_view
@require_POST
def evaluation_checklist_save(request: HttpRequest, desk: Desk) -> HttpResponse:
    agency = _agency(desk)
    points = [
        {
            "key": key,
            "label": request.POST.get(f"label_{key}", ""),
            "weight": request.POST.get(f"weight_{key}", ""),
            "basis": request.POST.get(f"basis_{key}", ""),
        }
        for key in evaluation.CHECKS
        if request.POST.get(f"use_{key}")
    ]
    try:
        saved = services.checklist_save(actor=request.user, agency=agency, points=points)
    except ValidationError as exc:
        return _checklist_page(request, desk, agency, errors=error_messages(exc), status=400)
    messages.success(request, f"已保存评查标准第{saved.version}版。")
    return redirect("oversight:evaluation_checklist")


@staff_view
@require_GET
def evaluation_export_view(request: HttpRequest, desk: Desk) -> HttpResponse:
    agency = _agency(desk)
    _require_read(desk, agency)
    year = _year(request.GET.get("year"))
    response = HttpResponse(evaluation_export.workbook(agency, year), content_type=evaluation_export.XLSX)
    response["Content-Disposition"] = f'attachment; filename="evaluation-{agency.pk}-{year}.xlsx"'
    return response


def list_url(year: int) -> str:
    return reverse("oversight:evaluation_list") + f"?year={year}"
