"""Rollout tracker services: the plan's tasks seeded once per agency with their departments, status and evidence
updates (who may, which links), weekly reports (one per department and week, who has not reported), supervision
findings and their rectification; each write with its ledger entry, each refusal writing nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from sanxiang.conftest import Bureau, make_agency, make_user
from sanxiang.core.errors import InvalidTransition, PermissionDenied, ValidationError
from sanxiang.ledger.models import Entry
from sanxiang.ledger.verify import verify
from sanxiang.org.models import Department, DepartmentKind, Role, RoleAssignment
from sanxiang.oversight import rollout
from sanxiang.oversight import rollout_services as s
from sanxiang.oversight.models import FindingState, ProgressReport, RolloutStatus, RolloutTask, SupervisionFinding


def entries(action: str) -> int:
    return Entry.objects.filter(action=action).count()


def task(bureau: Bureau, ref: str) -> RolloutTask:
    return RolloutTask.objects.get(agency=bureau.agency, ref=ref)


def names(departments: Any) -> set[str]:
    return {d.name for d in departments}


def in_department(user: Any, department: Department, role: str = Role.DEPARTMENT_HEAD) -> Any:
    RoleAssignment.objects.create(user=user, agency=department.agency, role=role, department=department)
    return user


def assert_oversight_rows_verify() -> None:
    report = verify()
    assert [p for p in report.problems if p.concerns.startswith("oversight.")] == []


@pytest.fixture
def seeded(bureau: Bureau) -> Bureau:
    s.rollout_seed(bureau.agency, actor=bureau.reviewer)
    return bureau


# --- seeding ------------------------------------------------------------------------------------------------------


def test_seed_creates_every_plan_task_with_its_departments_once(bureau: Bureau) -> None:
    centre = Department.objects.create(agency=bureau.agency, name="应急管理保障中心", kind=DepartmentKind.OTHER)
    created = s.rollout_seed(bureau.agency, actor=bureau.reviewer)
    plan = rollout.plan_tasks()
    assert len(created) == len(plan) == RolloutTask.objects.filter(agency=bureau.agency).count() == 38
    assert entries("rollout.task_create") == 38
    for spec in plan:
        row = task(bureau, spec.ref)
        assert (row.title, row.text, row.units, row.phase, row.due_on) == (
            spec.title,
            spec.text,
            spec.unit_labels,
            spec.phase,
            spec.due_on,
        )
        assert row.status == RolloutStatus.NOT_STARTED
    assert names(task(bureau, "二(一)3(8)").departments.all()) == {"办公室"}
    assert names(task(bureau, "二(一)3(5)").departments.all()) == {"法规科"}
    assert names(task(bureau, "二(一)2").departments.all()) == {"法规科", "执法监察科"}  # no squad in this bureau
    assert names(task(bureau, "二(一)4(1)").departments.all()) == {"执法监察科"}  # "各具有…职能的科室、单位"
    assert names(task(bureau, "四(三)").departments.all()) == {"法规科", "执法监察科", "办公室", centre.name}
    assert not task(bureau, "二(一)1").departments.filter(agency=bureau.other_agency).exists()
    assert_oversight_rows_verify()

    before = Entry.objects.count()
    assert s.rollout_seed(bureau.agency, actor=bureau.reviewer) == []  # a re-run writes nothing
    assert Entry.objects.count() == before
    assert RolloutTask.objects.filter(agency=bureau.agency).count() == 38

    # A squad set up later: the tasks naming 中队 or the enforcing units are re-resolved, nothing else is touched.
    squad = Department.objects.create(agency=bureau.agency, name="执法监察一中队", kind=DepartmentKind.SQUAD)
    changed = s.rollout_seed(bureau.agency, actor=bureau.reviewer)
    assert {t.ref for t in changed} >= {"二(一)2", "二(一)3(2)", "二(二)2", "二(一)4(1)", "四(二)"}
    assert "二(一)3(8)" not in {t.ref for t in changed}
    assert squad in task(bureau, "二(一)2").departments.all()
    assert squad in task(bureau, "四(三)").departments.all()
    assert entries("rollout.task_departments") == len(changed)
    assert_oversight_rows_verify()


def test_seed_is_for_the_legal_section_or_leaders_and_per_agency(bureau: Bureau) -> None:
    for user in (bureau.officer, bureau.head, bureau.outsider, bureau.supervisor):
        with pytest.raises(PermissionDenied):
            s.rollout_seed(bureau.agency, actor=user)
    assert not RolloutTask.objects.exists() and not Entry.objects.filter(action__startswith="rollout.").exists()
    s.rollout_seed(bureau.agency, actor=bureau.leader)
    s.rollout_seed(bureau.other_agency, actor=bureau.outsider)
    assert RolloutTask.objects.filter(agency=bureau.other_agency).count() == 38


def test_units_map_by_name_then_suffix_then_kind(bureau: Bureau) -> None:
    squad = Department.objects.create(agency=bureau.agency, name="执法监察二中队", kind=DepartmentKind.SQUAD)
    other = Department.objects.create(agency=bureau.agency, name="综合科", kind=DepartmentKind.OTHER)
    departments = list(Department.objects.filter(agency=bureau.agency))
    unit = rollout.Unit
    assert s.unit_departments(unit("法规科"), departments) == [bureau.legal]
    assert s.unit_departments(unit("中队"), departments) == [squad]
    assert s.unit_departments(unit("执法科室", "行政处罚流程图"), departments) == [bureau.section]
    assert set(s.unit_departments(unit("局各科室"), departments)) == {
        bureau.legal,
        bureau.section,
        bureau.office,
        squad,
    }
    assert s.unit_departments(unit("各职能科室"), departments) == [bureau.section, squad]
    assert s.unit_departments(unit("保障中心"), departments) == []  # this bureau has none
    assert other not in s.unit_departments(unit("各具有行政处罚、行政强制、行政检查等职能的科室、单位"), departments)


# --- status and evidence --------------------------------------------------------------------------------------------


def test_status_update_with_evidence_is_recorded(seeded: Bureau, settings: Any) -> None:
    b = seeded
    row = task(b, "二(一)3(5)")
    updated = s.rollout_task_update(
        actor=b.reviewer, task=row, status=RolloutStatus.DONE, evidence_url="/officers/", evidence_note="已公示"
    )
    assert (updated.status, updated.evidence_url, updated.updated_by) == (RolloutStatus.DONE, "/officers/", b.reviewer)
    entry = Entry.objects.filter(action="rollout.task_update", subject_id=str(row.pk)).get()
    assert entry.state["status"] == "done" and entry.state["evidence_url"] == "/officers/"
    assert "未开始 → 已完成" in entry.note
    assert not s.task_overdue(updated, dt.date(2030, 1, 1))
    portal = settings.PUBLIC_BASE_URL + "/items/"
    s.rollout_task_update(actor=b.leader, task=task(b, "二(一)3(2)"), status=RolloutStatus.DONE, evidence_url=portal)
    assert task(b, "二(一)3(2)").evidence_url == portal
    assert_oversight_rows_verify()


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example/items/",
        "javascript:alert(1)",
        "//evil.example/items/",
        "/no-such-page/at/all/",
        "items/",
        "http://127.0.0.1:8000.evil.example/items/",
        "/items/ x",
    ],
)
def test_evidence_must_be_a_portal_url_or_a_path_of_this_site(seeded: Bureau, url: str) -> None:
    before = Entry.objects.count()
    with pytest.raises(ValidationError) as caught:
        s.rollout_task_update(actor=seeded.reviewer, task=task(seeded, "二(一)3(5)"), status="done", evidence_url=url)
    assert caught.value.errors["evidence_url"][0].startswith(("成果链接应为", "本站没有"))
    assert Entry.objects.count() == before and task(seeded, "二(一)3(5)").status == RolloutStatus.NOT_STARTED


def test_done_needs_evidence_and_an_unchanged_update_is_refused(seeded: Bureau) -> None:
    b, row = seeded, task(seeded, "三(一)")
    with pytest.raises(ValidationError, match="请填写成果链接"):
        s.rollout_task_update(actor=b.reviewer, task=row, status=RolloutStatus.DONE)
    with pytest.raises(ValidationError, match="请选择任务状态"):
        s.rollout_task_update(actor=b.reviewer, task=row, status="finished")
    s.rollout_task_update(actor=b.reviewer, task=row, status=RolloutStatus.IN_PROGRESS)
    with pytest.raises(ValidationError, match="无变化"):
        s.rollout_task_update(actor=b.reviewer, task=row, status=RolloutStatus.IN_PROGRESS)
    assert entries("rollout.task_update") == 1
    assert s.task_overdue(task(b, "三(一)"))  # due 2019-06-30, not done


def test_who_may_update_a_task(seeded: Bureau) -> None:
    b = seeded
    section_task, legal_task = task(b, "二(一)4(1)"), task(b, "二(一)3(5)")
    for user in (b.officer, b.head, b.outsider, b.supervisor, b.evaluator):
        with pytest.raises(PermissionDenied):
            s.rollout_task_update(actor=user, task=section_task, status=RolloutStatus.IN_PROGRESS)
    head = in_department(make_user("section-head"), b.section)
    s.rollout_task_update(actor=head, task=section_task, status=RolloutStatus.IN_PROGRESS)
    with pytest.raises(PermissionDenied):
        s.rollout_task_update(actor=head, task=legal_task, status=RolloutStatus.IN_PROGRESS)
    clerk = in_department(make_user("office-clerk"), b.office, Role.OFFICE)
    s.rollout_task_update(actor=clerk, task=task(b, "二(一)3(8)"), status=RolloutStatus.IN_PROGRESS)
    s.rollout_task_update(actor=b.superuser, task=legal_task, status=RolloutStatus.IN_PROGRESS)
    assert entries("rollout.task_update") == 3


# --- weekly reports -----------------------------------------------------------------------------------------------


def test_one_report_per_department_and_week_a_second_refused_in_chinese(seeded: Bureau) -> None:
    b, week = seeded, s.this_week()
    member = in_department(make_user("section-staff"), b.section, Role.OFFICER)
    report = s.progress_report_submit(actor=member, department=b.section, week=week, text="本周完成文书统一。")
    assert (report.week_start, report.department, report.agency) == (week, b.section, b.agency)
    assert entries("rollout.report_submit") == 1
    before = Entry.objects.count()
    with pytest.raises(ValidationError) as caught:
        s.progress_report_submit(actor=b.reviewer, department=b.section, week=week.isoformat(), text="再报一次")
    assert caught.value.errors["week"] == [f"执法监察科已报送{week.isoformat()}这一周的工作进度，每周只报送一次。"]
    assert Entry.objects.count() == before and ProgressReport.objects.count() == 1
    # last week may still be reported (late), by the legal section recording what it received
    s.progress_report_submit(actor=b.reviewer, department=b.section, week=week - dt.timedelta(weeks=1), text="补报")
    assert ProgressReport.objects.count() == 2


def test_report_weeks_and_texts_are_checked(seeded: Bureau) -> None:
    b, week = seeded, s.this_week()
    cases = [
        (week + dt.timedelta(days=1), "不是周一"),
        (week + dt.timedelta(weeks=1), "尚未开始"),
        (dt.date(2019, 8, 26), "自2019年9月起"),
        ("not a date", "请选择报送的周"),
    ]
    for value, message in cases:
        with pytest.raises(ValidationError, match=message):
            s.progress_report_submit(actor=b.reviewer, department=b.legal, week=value, text="进度")
    with pytest.raises(ValidationError, match="请填写工作进度"):
        s.progress_report_submit(actor=b.reviewer, department=b.legal, week=week, text="  ")
    s.progress_report_submit(actor=b.reviewer, department=b.legal, week=rollout.WEEKLY_REPORTS_FROM, text="首周")
    for user in (b.officer, b.head, b.outsider, b.supervisor):  # no role in the department, not the legal section
        with pytest.raises(PermissionDenied):
            s.progress_report_submit(actor=user, department=b.section, week=week, text="进度")
    assert ProgressReport.objects.count() == 1


def test_missing_reports_are_the_departments_with_open_tasks_that_have_not_reported(seeded: Bureau) -> None:
    b, week = seeded, s.this_week()
    idle = Department.objects.create(agency=b.agency, name="综合科", kind=DepartmentKind.OTHER)  # no task
    assert s.missing_reports(b.agency, week) == [b.legal, b.section, b.office]
    s.progress_report_submit(actor=b.reviewer, department=b.section, week=week, text="进度")
    assert s.missing_reports(b.agency, week) == [b.legal, b.office]
    assert s.missing_reports(b.agency, week + dt.timedelta(days=3)) == [b.legal, b.office]  # any day of the week
    assert s.missing_reports(b.agency, week - dt.timedelta(weeks=1)) == [b.legal, b.section, b.office]
    # The office's tasks all done: it owes no report any more.
    for ref in ("二(一)3(8)", "二(二)3(2)", "四(一)", "四(二)", "四(三)", "三(二)"):
        s.rollout_task_update(actor=b.reviewer, task=task(b, ref), status=RolloutStatus.DONE, evidence_note="完成")
    assert s.missing_reports(b.agency, week) == [b.legal]
    assert idle not in s.missing_reports(b.agency, week)


# --- supervision findings -------------------------------------------------------------------------------------------


def test_a_supervising_body_records_a_finding_and_the_agency_rectifies_it(bureau: Bureau) -> None:
    b, today = bureau, timezone.localdate()
    body = s.supervising_bodies(b.supervisor, b.agency)[0]
    finding = s.finding_record(
        actor=b.supervisor,
        agency=b.agency,
        body=body,
        found_on=today - dt.timedelta(days=30),
        text="人员资格清单未及时更新。",
        due_on=(today - dt.timedelta(days=1)).isoformat(),
    )
    assert finding.state == FindingState.OPEN and s.finding_overdue(finding)
    assert not s.finding_overdue(finding, today - dt.timedelta(days=1))
    assert entries("rollout.finding_record") == 1
    for user in (b.supervisor, b.officer, b.outsider, b.head):
        with pytest.raises(PermissionDenied):
            s.finding_rectify(actor=user, finding=finding, rectification="已整改", rectified_on=today)
    with pytest.raises(ValidationError) as caught:
        s.finding_rectify(actor=b.reviewer, finding=finding, rectification="", rectified_on=today + dt.timedelta(1))
    assert set(caught.value.errors) == {"rectification", "rectified_on"}
    done = s.finding_rectify(
        actor=b.reviewer, finding=finding, rectification="已更新清单并重新公示。", rectified_on=today
    )
    assert (done.state, done.rectified_on, done.rectified_by) == (FindingState.RECTIFIED, today, b.reviewer)
    assert not s.finding_overdue(done)
    entry = Entry.objects.get(action="rollout.finding_rectify")
    assert entry.state["state"] == "rectified" and "逾期整改" in entry.note
    with pytest.raises(InvalidTransition):
        s.finding_rectify(actor=b.leader, finding=done, rectification="再次", rectified_on=today)
    assert entries("rollout.finding_rectify") == 1
    assert_oversight_rows_verify()


def test_only_supervisors_of_a_body_that_supervises_the_agency_record_findings(bureau: Bureau) -> None:
    b, today = bureau, timezone.localdate()
    body = s.supervising_bodies(b.supervisor, b.agency)[0]
    elsewhere = make_agency("某市司法局", is_enforcement_body=False)
    stranger = make_user("stranger", elsewhere, Role.SUPERVISOR)  # a supervisor, but not of this agency
    assert s.supervising_bodies(stranger, b.agency) == []
    for user, as_body in ((stranger, elsewhere), (stranger, body), (b.reviewer, body), (b.leader, body)):
        with pytest.raises(PermissionDenied):
            s.finding_record(actor=user, agency=b.agency, body=as_body, found_on=today, text="问题", due_on=today)
    with pytest.raises(PermissionDenied):  # supervises b.agency, not the other agency
        s.finding_record(actor=b.supervisor, agency=b.other_agency, body=body, found_on=today, text="问", due_on=today)
    with pytest.raises(ValidationError) as caught:
        s.finding_record(
            actor=b.supervisor,
            agency=b.agency,
            body=body,
            found_on=today + dt.timedelta(days=1),
            text="",
            due_on="",
        )
    assert set(caught.value.errors) == {"found_on", "due_on", "text"}
    with pytest.raises(ValidationError, match="整改期限不能早于发现日期"):
        s.finding_record(
            actor=b.supervisor, agency=b.agency, body=body, found_on=today, text="问题", due_on=today - dt.timedelta(1)
        )
    assert not SupervisionFinding.objects.exists() and entries("rollout.finding_record") == 0
