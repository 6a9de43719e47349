"""The demo's rollout tracker (``oversight.demo.seed``) on a bureau shaped like the demo's: every plan task, the first
two phases done with evidence links that open on the portal, a few weeks of reports with one department missing
this week, two findings (one rectified); a re-run writes nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.test import Client
from django.urls import reverse

from sanxiang.conftest import Bureau, make_agency, make_user
from sanxiang.ledger.models import Entry
from sanxiang.ledger.verify import verify
from sanxiang.org.models import AgencyNature, Department, DepartmentKind, Role, RoleAssignment
from sanxiang.oversight import demo
from sanxiang.oversight import rollout_services as s
from sanxiang.oversight.models import (
    FindingState,
    ProgressReport,
    RolloutPhase,
    RolloutStatus,
    RolloutTask,
    SupervisionFinding,
)


def demo_world(b: Bureau) -> dict[str, Any]:
    for name, kind in (
        (demo.MISSING_THIS_WEEK, DepartmentKind.ENFORCEMENT),
        ("执法监察一中队", DepartmentKind.SQUAD),
        ("应急管理保障中心", DepartmentKind.OTHER),
    ):
        Department.objects.create(agency=b.agency, name=name, kind=kind)
    RoleAssignment.objects.create(user=b.head, agency=b.agency, role=Role.DEPARTMENT_HEAD, department=b.section)
    RoleAssignment.objects.create(user=b.office_clerk, agency=b.agency, role=Role.OFFICE, department=b.office)
    city = make_agency("盘锦市应急管理局", nature=AgencyNature.ADMINISTRATIVE, is_enforcement_body=False)
    city.supervises.set([b.agency])
    return {
        "legal": b.reviewer,
        "head": b.head,
        "office": b.office_clerk,
        "supervisor": b.supervisor,
        "city-supervisor": make_user("city-supervisor", city, Role.SUPERVISOR),
    }


def counts() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in (Entry, RolloutTask, ProgressReport, SupervisionFinding)}


def test_the_demo_tracker_and_a_rerun_writes_nothing(bureau: Bureau) -> None:
    users = demo_world(bureau)
    counted: dict[str, int] = {}

    def count(kind: str) -> None:
        counted[kind] = counted.get(kind, 0) + 1

    demo.seed(agency=bureau.agency, users=users, count=count)
    tasks = list(RolloutTask.objects.filter(agency=bureau.agency))
    assert len(tasks) == 38 == counted["rollout task"]
    assert set(demo.outcomes()) < {t.ref for t in tasks}  # no misspelt ref silently skipped
    statuses = {t.status for t in tasks}
    assert statuses == {RolloutStatus.DONE, RolloutStatus.IN_PROGRESS, RolloutStatus.NOT_STARTED}
    early = [t for t in tasks if t.phase in (RolloutPhase.DEPLOY, RolloutPhase.REVISE)]
    assert early and all(t.status == RolloutStatus.DONE and (t.evidence_url or t.evidence_note) for t in early)
    links = {t.evidence_url for t in tasks if t.evidence_url}
    assert {"/officers/", "/items/", "/inspection-items/", "/flowcharts/"} <= links
    for link in links:  # each opens on the public site
        assert Client().get(link).status_code == 200, link
    assert Entry.objects.filter(action="rollout.task_update").count() == len(demo.outcomes())

    week = s.this_week()
    assert [d.name for d in s.missing_reports(bureau.agency, week)] == [demo.MISSING_THIS_WEEK]
    for weeks_ago in (1, 2, 3):
        assert s.missing_reports(bureau.agency, week - dt.timedelta(weeks=weeks_ago)) == []
    assert ProgressReport.objects.filter(agency=bureau.agency).count() == counted["progress report"]
    assert {r.submitted_by for r in ProgressReport.objects.filter(department=bureau.section)} == {bureau.head}

    findings = list(SupervisionFinding.objects.filter(agency=bureau.agency).order_by("pk"))
    assert [f.state for f in findings] == [FindingState.RECTIFIED, FindingState.OPEN]
    assert {f.body.name for f in findings} == {"兴隆台区司法局", "盘锦市应急管理局"}
    assert not any(s.finding_overdue(f) for f in findings)
    assert [p for p in verify().problems if p.concerns.startswith("oversight.")] == []

    before = counts()
    demo.seed(agency=bureau.agency, users=users, count=count)
    assert counts() == before


def test_the_pages_over_the_demo_tracker_take_a_bounded_number_of_queries(
    bureau: Bureau, django_assert_max_num_queries: Any
) -> None:
    """38 tasks with their departments, 27 reports, 2 findings: no query per row (12, 11, 8 and 10 measured)."""
    demo.seed(agency=bureau.agency, users=demo_world(bureau), count=lambda kind: None)
    client = Client()
    client.force_login(bureau.reviewer)
    task = RolloutTask.objects.get(agency=bureau.agency, ref="四(三)")
    pages = [reverse(n) for n in ("oversight:rollout", "oversight:rollout_reports", "oversight:rollout_findings")]
    for url in [*pages, reverse("oversight:rollout_task", args=[task.pk])]:
        client.get(url)  # the session's first request loads the desk
        with django_assert_max_num_queries(14):
            assert client.get(url).status_code == 200
