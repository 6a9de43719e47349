"""Writes (and the few reads they need) of the rollout tracker: the plan's tasks, weekly progress reports, supervision
findings (issue 8; plan 二–四). Every write checks its permission and appends its ledger entry in its transaction.

* ``rollout_seed`` — an agency's ``RolloutTask`` rows from ``rollout.plan_tasks()``, each plan unit resolved to the
  agency's departments (``unit_departments``). Idempotent: a task already on file is left alone unless the agency's
  departments changed so that its resolution differs (then only its departments are updated, with an entry).
* ``rollout_task_update`` — status and evidence (a link to the published list or rule, and a note). The legal section
  and the leaders update any task; a department head or the office updates the tasks of a department they belong to.
* ``progress_report_submit`` — plan 四(三): "自9月起，每周向法规科报送工作进度". One report per department and week
  (the week starts on Monday); a second one is refused. Staff of the department, or the legal section recording a
  report it received, submit it.
* ``missing_reports`` — the departments responsible for an open task that have not reported in a week.
* ``finding_record`` / ``finding_rectify`` — plan 三(三)2: a supervising body (a supervisor of an agency that
  ``supervises`` this one) records what it found; the agency's legal section or leaders record the rectification.

Unit → department (``unit_departments``): a department whose name is the unit's name, else whose name ends with it
(保障中心 → 应急管理保障中心, 中队 → 执法监察一中队), else the departments of the kinds the plan's descriptions mean
(``UNIT_KINDS``: 执法科室 → enforcement sections, "各具有行政处罚…职能的科室、单位" and 各职能科室 → enforcement sections
and squads, 局各科室 → every section). Inactive departments are never responsible.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import Resolver404, resolve
from django.utils import timezone

from sanxiang.core.errors import InvalidTransition, PermissionDenied, ValidationError
from sanxiang.core.values import clean_text
from sanxiang.ledger.services import record, record_many
from sanxiang.org.access import agencies_with_role, has_role, is_deployment_admin
from sanxiang.org.models import Agency, Department, DepartmentKind, Role, RoleAssignment
from sanxiang.oversight import rollout
from sanxiang.oversight.models import (
    FindingState,
    ProgressReport,
    RolloutStatus,
    RolloutTask,
    SupervisionFinding,
)

SYSTEM = None
MANAGERS = (Role.LEGAL_REVIEWER, Role.LEADER)  # the legal section runs the tracker (plan 四(三)), leaders oversee
DEPARTMENT_UPDATERS = (Role.DEPARTMENT_HEAD, Role.OFFICE)  # for the tasks of their own department
RECORDERS = (Role.LEGAL_REVIEWER,)  # record a department's report received on paper
RECTIFIERS = (Role.LEGAL_REVIEWER, Role.LEADER)
TEXT_MAX = 2000
URL_MAX = 500

_ENFORCING: set[str] = {DepartmentKind.ENFORCEMENT, DepartmentKind.SQUAD}
UNIT_KINDS: dict[str, set[str]] = {
    "法规科": {DepartmentKind.LEGAL},
    "办公室": {DepartmentKind.OFFICE},
    "执法科室": {DepartmentKind.ENFORCEMENT},
    "中队": {DepartmentKind.SQUAD},
    "各具有行政处罚、行政强制、行政检查等职能的科室、单位": _ENFORCING,
    "各具有行政处罚、行政强制、行政检查等职能的科室": _ENFORCING,
    "各职能科室": _ENFORCING,
    "局各科室": {DepartmentKind.LEGAL, DepartmentKind.ENFORCEMENT, DepartmentKind.SQUAD, DepartmentKind.OFFICE},
}


# --- dates --------------------------------------------------------------------------------------------------------


def week_start(day: dt.date) -> dt.date:
    """The Monday of ``day``'s week."""
    return day - dt.timedelta(days=day.weekday())


def this_week() -> dt.date:
    return week_start(timezone.localdate())


def task_overdue(task: RolloutTask, today: dt.date | None = None) -> bool:
    return task.status != RolloutStatus.DONE and (today or timezone.localdate()) > task.due_on


def finding_overdue(finding: SupervisionFinding, today: dt.date | None = None) -> bool:
    return finding.state == FindingState.OPEN and (today or timezone.localdate()) > finding.due_on


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(clean_text(value))
    except ValueError:
        return None


def _text(errors: dict[str, list[str]], field: str, value: Any, label: str, *, required: bool = True) -> str:
    text = clean_text(value)
    if required and not text:
        errors[field] = [f"请填写{label}。"]
    elif len(text) > TEXT_MAX:
        errors[field] = [f"{label}不超过{TEXT_MAX}字。"]
    return text


# --- tasks --------------------------------------------------------------------------------------------------------


def unit_departments(unit: rollout.Unit, departments: Iterable[Department]) -> list[Department]:
    """The departments of ``departments`` (the agency's active ones) that answer for ``unit`` (see the docstring)."""
    departments = list(departments)
    for matches in (
        [d for d in departments if d.name == unit.name],
        [d for d in departments if d.name.endswith(unit.name)],
        [d for d in departments if d.kind in UNIT_KINDS.get(unit.name, set())],
    ):
        if matches:
            return matches
    return []


def task_departments(spec: rollout.TaskSpec, departments: Iterable[Department]) -> list[Department]:
    departments = list(departments)
    found: dict[int, Department] = {}
    for unit in spec.units:
        for department in unit_departments(unit, departments):
            found.setdefault(department.pk, department)
    return sorted(found.values(), key=lambda d: d.pk)


def _may_manage(actor: Any, agency: Agency) -> bool:
    return actor is SYSTEM or has_role(actor, agency, MANAGERS)


@transaction.atomic
def rollout_seed(agency: Agency, *, actor: Any = SYSTEM) -> list[RolloutTask]:
    """Create ``agency``'s tasks from the plan (those missing); returns the tasks created or re-resolved."""
    if not _may_manage(actor, agency):
        raise PermissionDenied("只有本机关的法制审核人员或局领导可以导入实施方案任务。")
    agency = Agency.objects.select_for_update().get(pk=agency.pk)
    departments = list(Department.objects.filter(agency=agency, active=True).order_by("pk"))
    existing = {t.ref: t for t in RolloutTask.objects.filter(agency=agency).prefetch_related("departments")}
    now = timezone.now()
    created: list[RolloutTask] = []
    changed: list[RolloutTask] = []
    for spec in rollout.plan_tasks():
        wanted = task_departments(spec, departments)
        task = existing.get(spec.ref)
        if task is None:
            task = RolloutTask.objects.create(
                agency=agency,
                ref=spec.ref,
                section=spec.section,
                title=spec.title,
                text=spec.text,
                units=spec.unit_labels,
                phase=spec.phase,
                due_on=spec.due_on,
                updated_at=now,
                updated_by=None if actor is SYSTEM else actor,
            )
            task.departments.set(wanted)
            created.append(task)
        elif {d.pk for d in task.departments.all()} != {d.pk for d in wanted}:
            task.departments.set(wanted)
            changed.append(task)
    record_many(
        actor=actor,
        action="rollout.task_create",
        subjects=created,
        notes=[f"{t.ref} {t.title}（{'、'.join(t.units)}）" for t in created],
    )
    record_many(
        actor=actor,
        action="rollout.task_departments",
        subjects=changed,
        notes=[f"{t.ref} 责任科室按本机关科室重新对应" for t in changed],
    )
    return created + changed


def may_update_task(actor: Any, task: RolloutTask) -> bool:
    if has_role(actor, task.agency_id, MANAGERS):
        return True
    if not getattr(actor, "is_authenticated", False):
        return False
    return RoleAssignment.objects.filter(
        user=actor,
        active=True,
        agency_id=task.agency_id,
        role__in=DEPARTMENT_UPDATERS,
        department__in=task.departments.all(),
    ).exists()


def clean_evidence_url(value: Any) -> str:
    """A link to the portal (``PUBLIC_BASE_URL``…) or a path of this site (``/items/``), that resolves to a page.

    Raises ``ValidationError`` (field ``evidence_url``) for anything else: another site, a scheme other than http(s),
    a path the site does not serve.
    """
    text = clean_text(value)
    if not text:
        return ""
    refused = ValidationError({"evidence_url": ["成果链接应为本平台公示网站的网址或本站路径（如 /items/）。"]})
    if len(text) > URL_MAX or any(c.isspace() or ord(c) < 32 for c in text):
        raise refused
    parts = urlsplit(text)
    base = urlsplit(settings.PUBLIC_BASE_URL)
    if parts.scheme or parts.netloc:
        same_site = (
            parts.scheme in ("http", "https") and parts.netloc.lower() == base.netloc.lower() and not parts.username
        )
        base_path = base.path.rstrip("/")
        if not same_site or not (parts.path == base_path or parts.path.startswith(base_path + "/")):
            raise refused
        path = parts.path[len(base_path) :] or "/"
    elif text.startswith("/") and not text.startswith("//") and "\\" not in text:
        path = parts.path
    else:
        raise refused
    try:
        resolve(path)
    except Resolver404:
        raise ValidationError({"evidence_url": [f"本站没有“{path}”这个页面，请检查成果链接。"]}) from None
    return text


@transaction.atomic
def rollout_task_update(
    *, actor: Any, task: RolloutTask, status: str, evidence_url: str = "", evidence_note: str = ""
) -> RolloutTask:
    """Set ``task``'s status and evidence. Done needs a link or a note; an update that changes nothing is refused."""
    task = RolloutTask.objects.select_for_update().select_related("agency").get(pk=task.pk)
    if not may_update_task(actor, task):
        raise PermissionDenied("只有本机关法制审核人员、局领导或该任务责任科室的负责人可以更新推行任务。")
    errors: dict[str, list[str]] = {}
    if status not in RolloutStatus.values:
        errors["status"] = ["请选择任务状态。"]
    try:
        url = clean_evidence_url(evidence_url)
    except ValidationError as exc:
        errors.update(exc.errors)
        url = ""
    note = _text(errors, "evidence_note", evidence_note, "完成情况", required=False)
    if status == RolloutStatus.DONE and not errors and not (url or note):
        errors["evidence_url"] = ["标记为已完成时，请填写成果链接（公示的清单或制度）或完成情况。"]
    if errors:
        raise ValidationError(errors)
    if (task.status, task.evidence_url, task.evidence_note) == (status, url, note):
        raise ValidationError("任务状态和成果均无变化，未保存。")
    before = task.get_status_display()
    task.status, task.evidence_url, task.evidence_note = status, url, note
    task.updated_at, task.updated_by = timezone.now(), actor
    task.save(update_fields=["status", "evidence_url", "evidence_note", "updated_at", "updated_by"])
    summary = f"{before} → {task.get_status_display()}" if before != task.get_status_display() else "更新成果"
    record(actor=actor, action="rollout.task_update", subject=task, note=f"{task.ref} {summary}")
    return task


def open_tasks(agency: Agency) -> QuerySet[RolloutTask]:
    return RolloutTask.objects.filter(agency=agency).exclude(status=RolloutStatus.DONE)


# --- weekly progress reports (plan 四(三)) --------------------------------------------------------------------------


def reporting_departments(agency: Agency) -> QuerySet[Department]:
    """Departments responsible for an open task: those that owe a weekly report."""
    return (
        Department.objects.filter(agency=agency, active=True, pk__in=open_tasks(agency).values("departments"))
        .distinct()
        .order_by("pk")
    )


def missing_reports(agency: Agency, week: dt.date) -> list[Department]:
    """The departments responsible for an open task that have not reported for the week starting ``week``."""
    week = week_start(week)
    reported = ProgressReport.objects.filter(agency=agency, week_start=week).values("department_id")
    return list(reporting_departments(agency).exclude(pk__in=reported))


def may_report(actor: Any, department: Department) -> bool:
    if has_role(actor, department.agency_id, RECORDERS):
        return True
    if not getattr(actor, "is_authenticated", False):
        return False
    return RoleAssignment.objects.filter(user=actor, active=True, department=department).exists()


def report_departments(actor: Any, agency: Agency) -> list[Department]:
    """The departments ``actor`` may report for (all of them for the legal section)."""
    rows = Department.objects.filter(agency=agency, active=True).order_by("pk")
    if has_role(actor, agency, RECORDERS):
        return list(rows)
    if not getattr(actor, "is_authenticated", False):
        return []
    mine = RoleAssignment.objects.filter(user=actor, active=True).values("department_id")
    return list(rows.filter(pk__in=mine))


@transaction.atomic
def progress_report_submit(
    *, actor: Any, department: Department, week: Any, text: str, problems: str = ""
) -> ProgressReport:
    """Department ``department``'s progress report for the week starting on Monday ``week`` (once a week)."""
    department = Department.objects.select_related("agency").get(pk=department.pk)
    if not department.active:
        raise ValidationError({"department": ["该科室已停用。"]})
    if not may_report(actor, department):
        raise PermissionDenied("只有本科室的工作人员或法规科可以报送本科室的工作进度。")
    errors: dict[str, list[str]] = {}
    day = _date(week)
    if day is None:
        errors["week"] = ["请选择报送的周（周一的日期）。"]
    elif day.weekday() != 0:
        errors["week"] = [f"{day.isoformat()}不是周一，请填写该周周一的日期。"]
    elif day < rollout.WEEKLY_REPORTS_FROM:
        errors["week"] = [f"实施方案自2019年9月起每周报送，{day.isoformat()}早于报送开始的周。"]
    elif day > this_week():
        errors["week"] = ["不能报送尚未开始的周。"]
    body = _text(errors, "text", text, "工作进度")
    issues = _text(errors, "problems", problems, "发现的问题", required=False)
    if errors:
        raise ValidationError(errors)
    assert day is not None
    duplicate = ValidationError(
        {"week": [f"{department.name}已报送{day.isoformat()}这一周的工作进度，每周只报送一次。"]}
    )
    if ProgressReport.objects.filter(department=department, week_start=day).exists():
        raise duplicate
    try:
        with transaction.atomic():
            report = ProgressReport.objects.create(
                agency=department.agency,
                department=department,
                week_start=day,
                text=body,
                problems=issues,
                submitted_at=timezone.now(),
                submitted_by=actor,
            )
    except IntegrityError:  # the same report submitted at the same moment by someone else
        raise duplicate from None
    record(actor=actor, action="rollout.report_submit", subject=report, note=f"{department.name} {day.isoformat()}周")
    return report


# --- supervision findings (plan 三(三)2) ---------------------------------------------------------------------------


def supervising_bodies(actor: Any, agency: Agency) -> list[Agency]:
    """The bodies that supervise ``agency`` in which ``actor`` is a supervisor (every one for the administrator)."""
    bodies = Agency.objects.filter(supervises=agency).order_by("name")
    if is_deployment_admin(actor):
        return list(bodies)
    return list(bodies.filter(pk__in=agencies_with_role(actor, (Role.SUPERVISOR,)).values("pk")))


@transaction.atomic
def finding_record(
    *, actor: Any, agency: Agency, body: Agency, found_on: Any, text: str, due_on: Any
) -> SupervisionFinding:
    """A supervising body's finding in ``agency``, with the date it is to be rectified by."""
    if body.pk not in {b.pk for b in supervising_bodies(actor, agency)}:
        raise PermissionDenied("只有督导该机关的监督机关的监督人员可以登记督导发现的问题。")
    errors: dict[str, list[str]] = {}
    found, due, today = _date(found_on), _date(due_on), timezone.localdate()
    if found is None:
        errors["found_on"] = ["请填写发现日期。"]
    elif found > today:
        errors["found_on"] = ["发现日期不能晚于今天。"]
    if due is None:
        errors["due_on"] = ["请填写整改期限。"]
    elif found is not None and due < found:
        errors["due_on"] = ["整改期限不能早于发现日期。"]
    body_text = _text(errors, "text", text, "发现的问题")
    if errors:
        raise ValidationError(errors)
    assert found is not None and due is not None
    finding = SupervisionFinding.objects.create(
        agency=agency,
        body=body,
        found_on=found,
        text=body_text,
        due_on=due,
        recorded_at=timezone.now(),
        recorded_by=actor,
    )
    record(actor=actor, action="rollout.finding_record", subject=finding, note=f"{body.name}：{body_text[:80]}")
    return finding


def may_rectify(actor: Any, finding: SupervisionFinding) -> bool:
    return has_role(actor, finding.agency_id, RECTIFIERS)


@transaction.atomic
def finding_rectify(
    *, actor: Any, finding: SupervisionFinding, rectification: str, rectified_on: Any
) -> SupervisionFinding:
    """The agency's rectification of an open finding: open → rectified, with what was done and when."""
    finding = SupervisionFinding.objects.select_for_update().get(pk=finding.pk)
    if not may_rectify(actor, finding):
        raise PermissionDenied("只有本机关的法制审核人员或局领导可以登记整改情况。")
    if finding.state != FindingState.OPEN:
        raise InvalidTransition("该问题已登记整改，不能重复登记。")
    errors: dict[str, list[str]] = {}
    done_on = _date(rectified_on)
    if done_on is None:
        errors["rectified_on"] = ["请填写整改完成日期。"]
    elif done_on > timezone.localdate():
        errors["rectified_on"] = ["整改完成日期不能晚于今天。"]
    elif done_on < finding.found_on:
        errors["rectified_on"] = ["整改完成日期不能早于发现日期。"]
    text = _text(errors, "rectification", rectification, "整改情况")
    if errors:
        raise ValidationError(errors)
    finding.state = FindingState.RECTIFIED
    finding.rectification, finding.rectified_on, finding.rectified_by = text, done_on, actor
    finding.save(update_fields=["state", "rectification", "rectified_on", "rectified_by"])
    late = "（逾期整改）" if done_on is not None and done_on > finding.due_on else ""
    record(actor=actor, action="rollout.finding_rectify", subject=finding, note=f"已整改{late}：{text[:80]}")
    return finding
