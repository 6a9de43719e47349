"""Rollout tracker pages: login required, the task list by phase with overdue markers, the task page with the plan's
text, evidence and record, and the forms (status, weekly report, finding, rectification): refusals shown in Chinese
with what was typed, nothing written; the right people see the forms."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sanxiang.conftest import Bureau, make_user
from sanxiang.ledger.models import Entry
from sanxiang.org.models import Role, RoleAssignment
from sanxiang.oversight import rollout_services as s
from sanxiang.oversight.models import FindingState, ProgressReport, RolloutStatus, RolloutTask, SupervisionFinding


def client_for(user: Any, agency: Any = None) -> Client:
    client = Client()
    client.force_login(user)
    if agency is not None:
        client.get(reverse("oversight:rollout"), {"agency": agency.pk})
    return client


@pytest.fixture
def seeded(bureau: Bureau) -> Bureau:
    s.rollout_seed(bureau.agency, actor=bureau.reviewer)
    return bureau


def task(b: Bureau, ref: str) -> RolloutTask:
    return RolloutTask.objects.get(agency=b.agency, ref=ref)


URLS = ("oversight:rollout", "oversight:rollout_reports", "oversight:rollout_findings")


def test_pages_need_a_login_and_a_role(seeded: Bureau) -> None:
    for name in URLS:
        response = Client().get(reverse(name))
        assert response.status_code == 302 and "login" in response["Location"]
    page = reverse("oversight:rollout_task", args=[task(seeded, "三(一)").pk])
    assert Client().get(page).status_code == 302
    nobody = make_user("nobody")
    assert client_for(nobody).get(reverse("oversight:rollout")).status_code == 403
    assert client_for(seeded.outsider).get(page).status_code == 404  # another agency's task: not found, alike
    assert Client().post(reverse("oversight:rollout_seed")).status_code == 302
    assert Client().post(reverse("oversight:rollout_task_update", args=[task(seeded, "三(一)").pk])).status_code == 302


def test_the_task_list_by_phase_with_overdue_markers(seeded: Bureau) -> None:
    b = seeded
    s.rollout_task_update(actor=b.reviewer, task=task(b, "二(一)3(5)"), status="done", evidence_url="/officers/")
    response = client_for(b.officer).get(reverse("oversight:rollout"))
    text = response.content.decode()
    assert response.status_code == 200
    for label in ("安排部署阶段", "制修订相关制度阶段", "全面实施阶段"):
        assert label in text
    assert "持续推动阶段" not in text  # no task of the plan is in it
    assert text.count('href="/staff/oversight/rollout/tasks/') == 38
    assert text.count("rollout-badge--overdue") == 37  # every task but the done one is past its 2019 date
    assert (
        'href="/officers/"' in text and "执法科室（行政处罚流程图）；法规科（行政强制流程图、行政检查流程图）" in text
    )
    assert "责任科室：执法监察科" in text  # 二(一)4(1) "各具有…职能的科室、单位" resolved
    assert "责任科室：法规科</span>" not in text  # 法规科 → 法规科 is not said twice
    assert "从实施方案导入任务" not in text  # the officer may not, and nothing is missing
    assert "rollout.css" in text
    overdue = client_for(b.officer).get(reverse("oversight:rollout"), {"status": "overdue"}).content.decode()
    assert overdue.count('href="/staff/oversight/rollout/tasks/') == 37
    done = client_for(b.officer).get(reverse("oversight:rollout"), {"status": "done"}).content.decode()
    assert done.count('href="/staff/oversight/rollout/tasks/') == 1


def test_seeding_from_the_page(bureau: Bureau) -> None:
    page = client_for(bureau.reviewer).get(reverse("oversight:rollout")).content.decode()
    assert "尚未建立" in page and "从实施方案导入任务（38项）" in page
    assert client_for(bureau.officer).post(reverse("oversight:rollout_seed")).status_code == 403
    assert not RolloutTask.objects.exists()
    response = client_for(bureau.reviewer).post(reverse("oversight:rollout_seed"), follow=True)
    assert "已导入或更新38项任务" in response.content.decode()
    assert RolloutTask.objects.filter(agency=bureau.agency).count() == 38


def test_the_task_page_and_its_form(seeded: Bureau) -> None:
    b = seeded
    row = task(b, "二(一)3(6)")
    url = reverse("oversight:rollout_task", args=[row.pk])
    page = client_for(b.reviewer).get(url).content.decode()
    assert "编制我局各类《行政执法流程图》" in page and "导入任务" in page and "更新状态与成果" in page
    assert "执法监察科" in page and "2019-07-31" in page
    assert "更新状态与成果" not in client_for(b.officer).get(url).content.decode()  # read only

    update = reverse("oversight:rollout_task_update", args=[row.pk])
    before = Entry.objects.count()
    bad = client_for(b.reviewer).post(
        update, {"status": "done", "evidence_url": "https://example.com/flow", "evidence_note": "流程图三张"}
    )
    text = bad.content.decode()
    assert bad.status_code == 400 and "成果链接应为本平台公示网站的网址或本站路径" in text
    assert 'value="https://example.com/flow"' in text and "流程图三张</textarea>" in text  # input kept
    assert Entry.objects.count() == before
    assert client_for(b.officer).post(update, {"status": "done", "evidence_note": "x"}).status_code == 403

    good = client_for(b.reviewer).post(
        update, {"status": "done", "evidence_url": "/flowcharts/", "evidence_note": "流程图三张"}, follow=True
    )
    text = good.content.decode()
    assert "已更新任务二(一)3(6)" in text and 'href="/flowcharts/"' in text and "更新状态与成果" in text
    assert "未开始 → 已完成" in text  # the record
    assert task(b, "二(一)3(6)").status == RolloutStatus.DONE


def test_weekly_reports_page_shows_who_has_not_reported_and_refuses_a_second_report(seeded: Bureau) -> None:
    b, week = seeded, s.this_week()
    RoleAssignment.objects.create(user=b.head, agency=b.agency, role=Role.DEPARTMENT_HEAD, department=b.section)
    page = client_for(b.head).get(reverse("oversight:rollout_reports")).content.decode()
    assert "本周未报送的科室" in page
    for name in ("法规科", "执法监察科", "办公室"):
        assert f'rollout-chip--missing">{name}<' in page
    assert f'<option value="{b.section.pk}"' in page and f'<option value="{b.legal.pk}"' not in page
    assert 'min="2019-09-02"' in page and 'step="7"' in page  # the date picker offers Mondays (step counts from min)

    submit = reverse("oversight:rollout_report_submit")
    data = {"department": b.section.pk, "week": week.isoformat(), "text": "本周统一文书文本。", "problems": ""}
    response = client_for(b.head).post(submit, data, follow=True)
    assert "已报送执法监察科" in response.content.decode()
    page = response.content.decode()
    assert 'rollout-chip--missing">执法监察科<' not in page and "本周统一文书文本。" in page

    before = Entry.objects.count()
    again = client_for(b.head).post(submit, {**data, "text": "第二份"})
    text = again.content.decode()
    assert again.status_code == 400 and "每周只报送一次" in text and "第二份</textarea>" in text
    assert Entry.objects.count() == before and ProgressReport.objects.count() == 1
    forbidden = client_for(b.head).post(submit, {**data, "department": b.legal.pk})
    assert forbidden.status_code == 403
    missing = client_for(b.head).post(submit, {**data, "department": "x"})
    assert missing.status_code == 400 and "请选择报送科室" in missing.content.decode()
    last_week = client_for(b.officer).get(
        reverse("oversight:rollout_reports"), {"week": (week - dt.timedelta(days=5)).isoformat()}
    )
    assert "该周未报送的科室" in last_week.content.decode()
    assert 'rollout-chip--missing">执法监察科<' in last_week.content.decode()


def test_findings_recorded_by_the_supervisor_and_rectified_by_the_agency(seeded: Bureau) -> None:
    b, today = seeded, timezone.localdate()
    supervisor = client_for(b.supervisor, b.agency)
    page = supervisor.get(reverse("oversight:rollout_findings")).content.decode()
    assert "登记督导发现的问题" in page and "兴隆台区司法局" in page
    assert (
        "登记督导发现的问题" not in client_for(b.reviewer).get(reverse("oversight:rollout_findings")).content.decode()
    )

    record = reverse("oversight:rollout_finding_record")
    bad = supervisor.post(record, {"found_on": today.isoformat(), "text": "案卷音像记录未归档", "due_on": ""})
    assert bad.status_code == 400 and "请填写整改期限" in bad.content.decode()
    assert "案卷音像记录未归档</textarea>" in bad.content.decode()
    assert not SupervisionFinding.objects.exists()
    assert client_for(b.reviewer).post(record, {"text": "x"}).status_code == 403
    due = today - dt.timedelta(days=1)
    supervisor.post(
        record,
        {
            "found_on": (today - dt.timedelta(days=9)).isoformat(),
            "text": "案卷音像记录未归档",
            "due_on": due.isoformat(),
        },
    )
    finding = SupervisionFinding.objects.get()
    page = client_for(b.reviewer).get(reverse("oversight:rollout_findings")).content.decode()
    assert "rollout-finding--overdue" in page and "登记整改情况" in page
    assert "登记整改情况" not in supervisor.get(reverse("oversight:rollout_findings")).content.decode()

    rectify = reverse("oversight:rollout_finding_rectify", args=[finding.pk])
    assert supervisor.post(rectify, {"rectification": "x", "rectified_on": today.isoformat()}).status_code == 403
    bad = client_for(b.reviewer).post(rectify, {"rectification": "已补传归档", "rectified_on": "2000-01-01"})
    assert bad.status_code == 400 and "不能早于发现日期" in bad.content.decode()
    assert "已补传归档</textarea>" in bad.content.decode()
    client_for(b.reviewer).post(rectify, {"rectification": "已补传归档", "rectified_on": today.isoformat()})
    finding.refresh_from_db()
    assert finding.state == FindingState.RECTIFIED
    page = client_for(b.officer).get(reverse("oversight:rollout_findings")).content.decode()
    assert "已补传归档" in page and "逾期整改" in page and "rollout-finding--overdue" not in page
    again = client_for(b.reviewer).post(rectify, {"rectification": "再", "rectified_on": today.isoformat()})
    assert again.status_code == 400 and "不能重复登记" in again.content.decode()
