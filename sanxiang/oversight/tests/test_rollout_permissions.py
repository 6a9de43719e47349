"""The permission suite (``core.testing``) over every rollout route: anonymous → the login page, no permission →
403/404, another agency's record → 404 (or not shown), the permitted persona succeeds; refusals write nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.http import HttpResponse
from django.test import Client
from django.urls import get_resolver, reverse
from django.utils import timezone

from sanxiang.conftest import Bureau, make_agency, make_user
from sanxiang.core.testing import Endpoint, Request, html_expect
from sanxiang.ledger.models import Entry
from sanxiang.org.models import Role, RoleAssignment
from sanxiang.oversight import rollout_services as s
from sanxiang.oversight.models import RolloutTask, SupervisionFinding


@dataclass
class World:
    b: Bureau
    nobody: Any
    member: Any  # on the staff of the bureau's enforcement section
    stranger: Any  # a supervisor of a body that does not supervise the bureau
    task: RolloutTask
    finding: SupervisionFinding


@pytest.fixture
def world(bureau: Bureau) -> World:
    s.rollout_seed(bureau.agency, actor=bureau.reviewer)
    member = make_user("section-member")
    RoleAssignment.objects.create(user=member, agency=bureau.agency, role=Role.OFFICER, department=bureau.section)
    elsewhere = make_agency("某市司法局", is_enforcement_body=False)
    today = timezone.localdate()
    finding = s.finding_record(
        actor=bureau.supervisor,
        agency=bureau.agency,
        body=s.supervising_bodies(bureau.supervisor, bureau.agency)[0],
        found_on=today,
        text="督导发现：流程图未更新",
        due_on=today,
    )
    return World(
        b=bureau,
        nobody=make_user("nobody"),
        member=member,
        stranger=make_user("stranger", elsewhere, Role.SUPERVISOR),
        task=RolloutTask.objects.get(agency=bureau.agency, ref="二(一)4(1)"),
        finding=finding,
    )


def _shows(text: str) -> Callable[[HttpResponse], bool]:
    return lambda response: text in response.content.decode()


def _tasks(w: World) -> Endpoint:
    task_url = reverse("oversight:rollout_task", args=[w.task.pk])
    return Endpoint(
        Request("get", reverse("oversight:rollout")),
        permitted=[w.b.officer, w.b.reviewer],
        no_permission=[w.nobody],
        constrained=[w.b.outsider],  # sees its own agency's (empty) tracker
        shows=_shows(task_url),
    )


def _task(w: World) -> Endpoint:
    return Endpoint(
        Request("get", reverse("oversight:rollout_task", args=[w.task.pk])),
        permitted=[w.b.officer, w.b.supervisor],
        no_permission=[w.nobody],
        constrained=[w.b.outsider],
    )


def _task_update(w: World) -> Endpoint:
    url = reverse("oversight:rollout_task_update", args=[w.task.pk])
    return Endpoint(
        Request("post", url, {"status": "in_progress", "evidence_note": "推进中"}, format="form"),
        permitted=[w.b.reviewer],
        no_permission=[w.nobody, w.b.officer, w.member, w.b.supervisor, w.b.evaluator],
        constrained=[w.b.outsider],
    )


def _seed(w: World) -> Endpoint:
    return Endpoint(
        Request("post", reverse("oversight:rollout_seed") + f"?agency={w.b.agency.pk}", format="form"),
        permitted=[w.b.leader],
        no_permission=[w.nobody, w.b.officer, w.b.supervisor, w.b.evaluator],
    )


def _reports(w: World) -> Endpoint:
    s.progress_report_submit(actor=w.member, department=w.b.section, week=s.this_week(), text="本周进度甲乙丙")
    return Endpoint(
        Request("get", reverse("oversight:rollout_reports")),
        permitted=[w.b.officer, w.b.reviewer],
        no_permission=[w.nobody],
        constrained=[w.b.outsider],
        shows=_shows("本周进度甲乙丙"),
    )


def _report_submit(w: World) -> Endpoint:
    data = {"department": w.b.section.pk, "week": s.this_week().isoformat(), "text": "进度"}
    return Endpoint(
        Request("post", reverse("oversight:rollout_report_submit"), data, format="form"),
        permitted=[w.member],
        no_permission=[w.nobody, w.b.officer, w.b.head, w.b.supervisor],
        constrained=[w.b.outsider],
    )


def _findings(w: World) -> Endpoint:
    return Endpoint(
        Request("get", reverse("oversight:rollout_findings")),
        permitted=[w.b.officer, w.b.reviewer],
        no_permission=[w.nobody],
        constrained=[w.b.outsider],
        shows=_shows("督导发现：流程图未更新"),
    )


def _finding_record(w: World) -> Endpoint:
    today = timezone.localdate().isoformat()
    url = reverse("oversight:rollout_finding_record") + f"?agency={w.b.agency.pk}"
    return Endpoint(
        Request("post", url, {"found_on": today, "due_on": today, "text": "问题"}, format="form"),
        permitted=[w.b.supervisor],
        no_permission=[w.nobody, w.b.reviewer, w.b.leader, w.b.officer],
        constrained=[w.stranger],
    )


def _finding_rectify(w: World) -> Endpoint:
    url = reverse("oversight:rollout_finding_rectify", args=[w.finding.pk])
    data = {"rectification": "已整改", "rectified_on": timezone.localdate().isoformat()}
    return Endpoint(
        Request("post", url, data, format="form"),
        permitted=[w.b.reviewer],
        no_permission=[w.nobody, w.b.officer, w.b.supervisor, w.member],
        constrained=[w.b.outsider],
    )


ENDPOINTS: dict[str, Callable[[World], Endpoint]] = {
    "rollout": _tasks,
    "rollout_task": _task,
    "rollout_task_update": _task_update,
    "rollout_seed": _seed,
    "rollout_reports": _reports,
    "rollout_report_submit": _report_submit,
    "rollout_findings": _findings,
    "rollout_finding_record": _finding_record,
    "rollout_finding_rectify": _finding_rectify,
}


def test_the_suite_covers_every_rollout_route() -> None:
    names = {p.name for p in get_resolver("sanxiang.oversight.rollout_urls").url_patterns}  # type: ignore[union-attr]
    assert names == set(ENDPOINTS)


@pytest.mark.parametrize("name", list(ENDPOINTS))
def test_permission_suite(client: Client, world: World, name: str) -> None:
    if name == "rollout_seed":  # so that the permitted run has something to write (the task's departments again)
        world.task.departments.clear()
    ENDPOINTS[name](world).check(client, expect=html_expect(), unchanged=Entry.objects.count)
