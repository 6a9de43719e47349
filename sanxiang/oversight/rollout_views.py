"""Staff pages of the rollout tracker (推行工作台账), under /staff/oversight/rollout/.

Everyone who may read the chosen agency (its staff, supervisors of a body that supervises it) reads the tasks, the
weekly reports and the findings. Writes go through ``oversight.rollout_services``, which check who may do them; a
refused form is shown again with what was typed and the reasons in Chinese (status 400), and writes nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from sanxiang.core.errors import InvalidTransition, PermissionDenied, ValidationError
from sanxiang.ledger.selectors import entries_for
from sanxiang.org.access import access_object, has_role, user_label
from sanxiang.org.models import Agency, Department
from sanxiang.oversight import rollout
from sanxiang.oversight import rollout_services as services
from sanxiang.oversight.models import (
    FindingState,
    ProgressReport,
    RolloutPhase,
    RolloutStatus,
    RolloutTask,
    SupervisionFinding,
)
from sanxiang.staff.desk import Desk
from sanxiang.staff.frame import error_messages, staff_view

NAV = "rollout"
WEEKS_SHOWN = 8
ACTIONS = {
    "rollout.task_create": "导入任务",
    "rollout.task_departments": "重新对应责任科室",
    "rollout.task_update": "更新状态与成果",
}
STATUS_CLASSES: dict[str, str] = {
    RolloutStatus.NOT_STARTED: "rollout-status--not-started",
    RolloutStatus.IN_PROGRESS: "rollout-status--in-progress",
    RolloutStatus.DONE: "rollout-status--done",
}


def _agency(desk: Desk) -> Agency:
    if desk.agency is None:
        raise Http404("没有可查看的执法主体。")
    return desk.agency


def _context(desk: Desk, agency: Agency, **extra: Any) -> dict[str, Any]:
    return {"desk": desk, "nav_active": NAV, "agency": agency, "today": timezone.localdate(), **extra}


def _week(value: Any) -> dt.date:
    try:
        day = dt.date.fromisoformat(str(value or ""))
    except ValueError:
        return services.this_week()
    return min(services.week_start(day), services.this_week())


# --- tasks --------------------------------------------------------------------------------------------------------


@staff_view
@require_GET
def rollout_tasks(request: HttpRequest, desk: Desk) -> HttpResponse:
    agency = _agency(desk)
    today = timezone.localdate()
    tasks = list(RolloutTask.objects.filter(agency=agency).prefetch_related("departments").order_by("due_on", "pk"))
    status = request.GET.get("status", "")
    if status == "overdue":
        tasks = [t for t in tasks if services.task_overdue(t, today)]
    elif status in RolloutStatus.values:
        tasks = [t for t in tasks if t.status == status]
    rows: list[dict[str, Any]] = []
    for t in tasks:
        departments = [d.name for d in t.departments.all()]
        rows.append(
            {
                "task": t,
                "overdue": services.task_overdue(t, today),
                "status_class": STATUS_CLASSES.get(t.status, ""),
                # the departments, where they say more than the plan's own words (法规科 → 法规科 is not shown twice)
                "departments": departments if set(departments) != set(t.units) else [],
            }
        )
    phases = []
    for phase in RolloutPhase:
        shown = [r for r in rows if r["task"].phase == phase.value]
        if shown:
            phases.append(
                {"key": phase.value, "label": phase.label, "due": rollout.PHASE_DUE[phase.value], "rows": shown}
            )
    everything = RolloutTask.objects.filter(agency=agency)
    counts = {s.value: everything.filter(status=s.value).count() for s in RolloutStatus}
    context = _context(
        desk,
        agency,
        phases=phases,
        status=status,
        statuses=RolloutStatus.choices,
        counts=[(label, counts[value]) for value, label in RolloutStatus.choices],
        total=sum(counts.values()),
        overdue=sum(1 for t in everything.exclude(status=RolloutStatus.DONE) if services.task_overdue(t, today)),
        can_seed=has_role(desk.user, agency, services.MANAGERS),
        plan_count=len(rollout.plan_tasks()),
    )
    return render(request, "oversight/rollout/tasks.html", context)


@staff_view
@require_POST
def rollout_seed(request: HttpRequest, desk: Desk) -> HttpResponse:
    agency = _agency(desk)
    done = services.rollout_seed(agency, actor=request.user)
    messages.success(request, f"已导入或更新{len(done)}项任务。" if done else "实施方案任务均已在台账中，未作修改。")
    return redirect("oversight:rollout")


def _task(desk: Desk, pk: int) -> RolloutTask:
    return access_object(desk.user, RolloutTask.objects.select_related("agency", "updated_by"), pk)


def _task_page(
    request: HttpRequest, desk: Desk, task: RolloutTask, *, errors: list[str] | None = None, status: int = 200
) -> HttpResponse:
    names: dict[int | None, str] = {}
    history = []
    for entry in entries_for(task).order_by("-seq"):
        if entry.actor_id not in names:
            names[entry.actor_id] = user_label(entry.actor_id)
        state = entry.state if isinstance(entry.state, dict) else {}
        history.append(
            {
                "seq": entry.seq,
                "time": entry.time,
                "actor": names[entry.actor_id],
                "action": ACTIONS.get(entry.action, entry.action),
                "note": entry.note,
                "status": RolloutStatus(state["status"]).label if state.get("status") in RolloutStatus.values else "",
                "evidence_url": state.get("evidence_url") or "",
                "evidence_note": state.get("evidence_note") or "",
            }
        )
    posted = request.POST if errors else {}
    context = _context(
        desk,
        task.agency,
        task=task,
        overdue=services.task_overdue(task),
        status_class=STATUS_CLASSES.get(task.status, ""),
        departments=list(task.departments.order_by("pk")),
        history=history,
        can_update=services.may_update_task(desk.user, task),
        statuses=RolloutStatus.choices,
        form={
            "status": posted.get("status", task.status) if posted else task.status,
            "evidence_url": posted.get("evidence_url", "") if posted else task.evidence_url,
            "evidence_note": posted.get("evidence_note", "") if posted else task.evidence_note,
        },
        errors=errors or [],
    )
    return render(request, "oversight/rollout/task.html", context, status=status)


@staff_view
@require_GET
def rollout_task(request: HttpRequest, desk: Desk, pk: int) -> HttpResponse:
    return _task_page(request, desk, _task(desk, pk))


@staff_view
@require_POST
def rollout_task_update(request: HttpRequest, desk: Desk, pk: int) -> HttpResponse:
    task = _task(desk, pk)
    try:
        services.rollout_task_update(
            actor=request.user,
            task=task,
            status=request.POST.get("status", ""),
            evidence_url=request.POST.get("evidence_url", ""),
            evidence_note=request.POST.get("evidence_note", ""),
        )
    except ValidationError as exc:
        return _task_page(request, desk, task, errors=error_messages(exc), status=400)
    messages.success(request, f"已更新任务{task.ref}。")
    return redirect("oversight:rollout_task", pk=task.pk)


# --- weekly progress reports ------------------------------------------------------------------------------------------


def _reports_page(
    request: HttpRequest,
    desk: Desk,
    agency: Agency,
    week: dt.date,
    *,
    errors: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    current = services.this_week()
    reports = list(
        ProgressReport.objects.filter(agency=agency, week_start=week).select_related("department", "submitted_by")
    )
    weeks = [current - dt.timedelta(weeks=n) for n in range(WEEKS_SHOWN)]
    reported = {
        (row["week_start"]): row["n"]
        for row in ProgressReport.objects.filter(agency=agency, week_start__in=weeks)
        .values("week_start")
        .order_by()
        .annotate(n=Count("id"))
    }
    owing = len(services.reporting_departments(agency))
    posted = request.POST if errors else {}
    context = _context(
        desk,
        agency,
        week=week,
        week_end=week + dt.timedelta(days=6),
        current=current,
        previous=week - dt.timedelta(weeks=1),
        next=week + dt.timedelta(weeks=1) if week < current else None,
        reports=reports,
        missing=services.missing_reports(agency, week),
        weeks=[{"start": w, "reported": reported.get(w, 0)} for w in weeks],
        owing=owing,
        my_departments=services.report_departments(desk.user, agency),
        form={
            "department": posted.get("department", ""),
            "week": posted.get("week", week.isoformat()) if posted else week.isoformat(),
            "text": posted.get("text", ""),
            "problems": posted.get("problems", ""),
        },
        errors=errors or [],
        starts=rollout.WEEKLY_REPORTS_FROM,
    )
    return render(request, "oversight/rollout/reports.html", context, status=status)


@staff_view
@require_GET
def rollout_reports(request: HttpRequest, desk: Desk) -> HttpResponse:
    agency = _agency(desk)
    return _reports_page(request, desk, agency, _week(request.GET.get("week")))


@staff_view
@require_POST
def rollout_report_submit(request: HttpRequest, desk: Desk) -> HttpResponse:
    agency = _agency(desk)
    week = _week(request.POST.get("week"))
    wanted = _int(request.POST.get("department"))
    if wanted is None:
        return _reports_page(request, desk, agency, week, errors=["请选择报送科室。"], status=400)
    department = Department.objects.filter(agency=agency, pk=wanted).first()
    if department is None:  # another agency's, or none: not found alike
        raise Http404("没有该科室。")
    try:
        report = services.progress_report_submit(
            actor=request.user,
            department=department,
            week=request.POST.get("week", ""),
            text=request.POST.get("text", ""),
            problems=request.POST.get("problems", ""),
        )
    except ValidationError as exc:
        return _reports_page(request, desk, agency, week, errors=error_messages(exc), status=400)
    messages.success(request, f"已报送{department.name}{report.week_start.isoformat()}这一周的工作进度。")
    return redirect(f"{reverse('oversight:rollout_reports')}?week={report.week_start.isoformat()}")


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# --- supervision findings ---------------------------------------------------------------------------------------------


def _findings_page(
    request: HttpRequest,
    desk: Desk,
    agency: Agency,
    *,
    errors: list[str] | None = None,
    rectify_errors: dict[int, list[str]] | None = None,
    status: int = 200,
) -> HttpResponse:
    today = timezone.localdate()
    findings = list(
        SupervisionFinding.objects.filter(agency=agency)
        .select_related("body", "recorded_by", "rectified_by")
        .order_by("state", "due_on", "pk")
    )
    rectify_errors = rectify_errors or {}
    posted = request.POST if (errors or rectify_errors) else {}
    failed_pk = next(iter(rectify_errors), None)
    rows = [
        {
            "finding": f,
            "overdue": services.finding_overdue(f, today),
            "late": f.rectified_on is not None and f.rectified_on > f.due_on,
            "errors": rectify_errors.get(f.pk, []),
            "rectification": posted.get("rectification", "") if f.pk == failed_pk else "",
            "rectified_on": posted.get("rectified_on", "") if f.pk == failed_pk else today.isoformat(),
        }
        for f in findings
    ]
    bodies = services.supervising_bodies(desk.user, agency)
    context = _context(
        desk,
        agency,
        rows=rows,
        open_count=sum(1 for f in findings if f.state == FindingState.OPEN),
        overdue_count=sum(1 for r in rows if r["overdue"]),
        bodies=bodies,
        can_rectify=has_role(desk.user, agency, services.RECTIFIERS),
        form={
            "body": posted.get("body", "") if errors else "",
            "found_on": posted.get("found_on", "") if errors else today.isoformat(),
            "due_on": posted.get("due_on", "") if errors else "",
            "text": posted.get("text", "") if errors else "",
        },
        errors=errors or [],
    )
    return render(request, "oversight/rollout/findings.html", context, status=status)


@staff_view
@require_GET
def rollout_findings(request: HttpRequest, desk: Desk) -> HttpResponse:
    return _findings_page(request, desk, _agency(desk))


@staff_view
@require_POST
def rollout_finding_record(request: HttpRequest, desk: Desk) -> HttpResponse:
    agency = _agency(desk)
    bodies = services.supervising_bodies(desk.user, agency)
    wanted = _int(request.POST.get("body"))
    body = next((b for b in bodies if b.pk == wanted), bodies[0] if len(bodies) == 1 and wanted is None else None)
    if body is None:
        if not bodies:
            raise PermissionDenied("只有督导该机关的监督机关的监督人员可以登记督导发现的问题。")
        return _findings_page(request, desk, agency, errors=["请选择督导机关。"], status=400)
    try:
        services.finding_record(
            actor=request.user,
            agency=agency,
            body=body,
            found_on=request.POST.get("found_on", ""),
            text=request.POST.get("text", ""),
            due_on=request.POST.get("due_on", ""),
        )
    except ValidationError as exc:
        return _findings_page(request, desk, agency, errors=error_messages(exc), status=400)
    messages.success(request, "已登记督导发现的问题。")
    return redirect("oversight:rollout_findings")


@staff_view
@require_POST
def rollout_finding_rectify(request: HttpRequest, desk: Desk, pk: int) -> HttpResponse:
    finding = access_object(desk.user, SupervisionFinding.objects.select_related("agency"), pk)
    try:
        services.finding_rectify(
            actor=request.user,
            finding=finding,
            rectification=request.POST.get("rectification", ""),
            rectified_on=request.POST.get("rectified_on", ""),
        )
    except (ValidationError, InvalidTransition) as exc:
        return _findings_page(
            request, desk, finding.agency, rectify_errors={finding.pk: error_messages(exc)}, status=400
        )
    messages.success(request, "已登记整改情况。")
    return redirect("oversight:rollout_findings")
