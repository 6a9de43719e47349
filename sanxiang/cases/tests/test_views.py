"""The case pages: tasks and deadlines, the case list, opening a case, the case page and every action on it.

Each action is tried as the person who may do it (it goes through) and as someone who may not, or with bad input
(refused in Chinese, next to its form, and the ledger does not grow). Another agency's staff get 404.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from sanxiang.cases.models import Case, CaseApproval, CaseOfficer, CertificateShown, DocumentService, Recording
from sanxiang.cases.processes import PROCESSES
from sanxiang.cases.tests.conftest import ALL_CATEGORIES, COMPANY, PERSON, CaseWorld, upload
from sanxiang.cases.workflow import (
    case_advance,
    case_approve,
    case_document_issue,
    case_document_serve,
    case_fact_record,
    case_penalty_propose,
)
from sanxiang.conftest import client_for, make_user
from sanxiang.ledger.models import Entry
from sanxiang.org.models import Role
from sanxiang.registry.tests import factories as f

FACTS = {"facts": "该公司未按规定对新入职的3名从业人员进行安全生产教育和培训即安排上岗作业。", "evidence": "询问笔录"}
LOCAL = "%Y-%m-%dT%H:%M:%S"


def url(name: str, *args: Any) -> str:
    return reverse(f"{'workspace' if name == 'home' else 'cases'}:{name}", args=args)


def act(case: Case, action: str) -> str:
    return url("case_action", case.pk, action)


def local(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime(LOCAL)


def entries() -> int:
    return Entry.objects.count()


def to_investigate(w: CaseWorld) -> Case:
    case = w.open()
    case_document_issue(
        actor=w.bureau.officer,
        case=case,
        template_code="case_opening_approval",
        fields={"case_source": "日常检查发现", **FACTS},
    )
    case_approve(actor=w.bureau.head, case=case)
    client_for(w.bureau.officer).post(act(case, "advance"), {"target": "investigate"})
    case.refresh_from_db()
    assert case.state == "investigate"
    return case


def to_decide(w: CaseWorld, case: Case) -> Case:
    """Through the services, from opening to the head's decision step."""
    officer = w.bureau.officer

    def issue(code: str, **fields: str) -> Any:
        return case_document_issue(actor=officer, case=case, template_code=code, fields={**FACTS, **fields})

    issue("case_opening_approval", case_source="举报")
    case_approve(actor=w.bureau.head, case=case)
    case_advance(actor=officer, case=case, target="investigate")
    w.on_site(case)
    case_penalty_propose(actor=officer, case=case, amount="20000", band=1)
    case_advance(actor=officer, case=case, target="review")
    issue("case_handling_approval", decision="拟罚款人民币贰万元")
    case_advance(actor=officer, case=case, target="notify")
    notice = issue(
        "penalty_notice", decision="拟罚款人民币贰万元", contact_person="王建国", contact_phone="0427-2825001"
    )
    case_document_serve(
        actor=officer, case=case, document=notice, method="direct", served_at=timezone.now(), recipient="周示例"
    )
    case_fact_record(actor=officer, case=case, kind="statement_waived", note="书面放弃")
    return case_advance(actor=officer, case=case, target="decide")


# --- tasks and list -------------------------------------------------------------------------------------------------


def test_tasks_show_my_cases_and_link_from_home(case_world: CaseWorld) -> None:
    w = case_world
    case = w.open()
    page = client_for(w.bureau.officer).get(url("case_tasks"))
    assert page.status_code == 200
    text = page.content.decode()
    assert case.number in text and "待我办理" in text and "逾期与即将到期" in text
    home = client_for(w.bureau.officer).get(url("home")).content.decode()
    assert url("case_tasks") in home
    # Once the case waits for the head, it is the officer's to follow, not to do.
    case = to_decide(w, case)
    text = client_for(w.bureau.officer).get(url("case_tasks")).content.decode()
    waiting = text[text.index("等待他人办理") :]
    todo = text[text.index("待我办理") : text.index("等待他人办理")]
    assert case.number in waiting and case.number not in todo and "科室负责人" in waiting
    assert case.number in text[text.index("待我办理") :]
    assert case.number in client_for(w.bureau.head).get(url("case_tasks")).content.decode()
    # Someone of another agency sees nothing of it.
    assert case.number not in client_for(w.bureau.outsider).get(url("case_tasks")).content.decode()
    # An officer of the agency who is not on the case has nothing to do on it.
    other = make_user("officer3", w.bureau.agency, Role.OFFICER)
    assert case.number not in client_for(other).get(url("case_tasks")).content.decode()


def test_tasks_show_overdue_deadlines(case_world: CaseWorld, monkeypatch: Any) -> None:
    from sanxiang.cases import deadlines

    w = case_world
    case = w.open()
    later = timezone.localdate() + dt.timedelta(days=120)  # the 90-day case limit has passed by then
    monkeypatch.setattr(
        "sanxiang.cases.views.lists.deadlines_attention",
        lambda user: deadlines.deadlines_attention(user, today=later),
    )
    text = client_for(w.bureau.head).get(url("case_tasks")).content.decode()
    assert "ws-status--deadline-overdue" in text and case.number in text
    assert "ws-status--deadline-overdue" not in client_for(w.bureau.outsider).get(url("case_tasks")).content.decode()


def test_case_list_filters_and_searches(case_world: CaseWorld) -> None:
    w = case_world
    penalty = w.open()
    inspection = w.open("inspection", title="对示例公司的监督检查")
    client = client_for(w.bureau.officer)
    text = client.get(url("case_list")).content.decode()
    assert penalty.number in text and inspection.number in text
    text = client.get(url("case_list"), {"kind": "inspection"}).content.decode()
    assert inspection.number in text and penalty.number not in text
    text = client.get(url("case_list"), {"q": "监督检查"}).content.decode()
    assert inspection.number in text and penalty.number not in text
    text = client.get(url("case_list"), {"q": "示例化工"}).content.decode()  # the party's name
    assert penalty.number in text
    text = client.get(url("case_list"), {"state": "closed"}).content.decode()
    assert penalty.number not in text and "没有符合条件的案件" in text
    text = client.get(url("case_list"), {"scope": "mine"}).content.decode()
    assert penalty.number in text
    assert penalty.number not in client_for(w.bureau.outsider).get(url("case_list")).content.decode()


def test_case_list_queries_do_not_grow_with_cases(case_world: CaseWorld) -> None:
    w = case_world
    client = client_for(w.bureau.officer)
    w.open()
    client.get(url("case_list"))  # warm the session and the desk
    with CaptureQueriesContext(connection) as few:
        assert client.get(url("case_list")).status_code == 200
    for n in range(4):
        w.open(title=f"第{n}件", parties=[COMPANY, PERSON])
    with CaptureQueriesContext(connection) as many:
        assert client.get(url("case_list")).status_code == 200
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


# --- opening a case -------------------------------------------------------------------------------------------------


def _open_data(w: CaseWorld, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "process_key": "penalty-general",
        "item": w.items["penalty"].pk,
        "title": "未按规定开展安全生产教育和培训案",
        "place_region": "211103",
        "place_address": "盘锦市兴隆台区示例路1号",
        "officers": [w.wang.pk, w.li.pk],
        **{f"party-0-{k}": v for k, v in COMPANY.items()},
        **{f"party-1-{k}": v for k, v in PERSON.items()},
        "person-0-role": "witness",
        "person-0-name": "赵见证",
    }
    data.update(changes)
    return data


def test_open_a_case_with_two_parties_and_a_witness(case_world: CaseWorld) -> None:
    w = case_world
    client = client_for(w.bureau.officer)
    form = client.get(url("case_open"))
    assert form.status_code == 200 and w.items["penalty"].name in form.content.decode()
    response = client.post(url("case_open"), _open_data(w))
    assert response.status_code == 302
    case = Case.objects.get()
    assert response["Location"] == url("case_detail", case.pk)
    assert [p.name for p in case.parties.order_by("pk")] == [COMPANY["name"], PERSON["name"]]
    assert [p.name for p in case.persons.all()] == ["赵见证"]
    assert CaseOfficer.objects.filter(case=case, active=True).count() == 2


def test_open_refused_in_chinese_and_nothing_written(case_world: CaseWorld) -> None:
    w = case_world
    client = client_for(w.bureau.officer)
    before = entries()
    response = client.post(url("case_open"), _open_data(w, officers=[w.wang.pk], **{"party-0-uscc": "123"}))
    assert response.status_code == 422
    text = response.content.decode()
    assert "执法人员不得少于2名" in text
    assert "统一社会信用代码" in text
    assert entries() == before and not Case.objects.exists()
    # an item of another kind than the process
    response = client.post(url("case_open"), _open_data(w, item=w.items["licence"].pk))
    assert response.status_code == 422 and "不能按" in response.content.decode()
    assert entries() == before


def test_open_refused_to_roles_that_may_not(case_world: CaseWorld) -> None:
    w = case_world
    assert client_for(w.bureau.reviewer).get(url("case_open")).status_code == 403
    before = entries()
    assert client_for(w.bureau.reviewer).post(url("case_open"), _open_data(w)).status_code == 403
    assert entries() == before


# --- the case page --------------------------------------------------------------------------------------------------


def test_case_page_shows_the_case_its_process_and_what_is_needed(case_world: CaseWorld) -> None:
    w = case_world
    case = w.open()
    response = client_for(w.bureau.officer).get(url("case_detail", case.pk))
    assert response.status_code == 200
    text = response.content.decode()
    assert case.number in text and COMPANY["name"] in text and "王建国" in text and "李明" in text
    assert 'aria-current="step"' in text and "ws-current" in text  # the current step, in the list and the chart
    assert "尚未制发立案审批表" in text and "须经行政机关负责人批准" in text
    assert "批准立案" in text  # the transition, with its blockers
    assert "制发文书" in text and 'data-document="case_opening_approval"' in text
    assert "办案记录" in text and "立案" in text  # the timeline
    # the officer is no head: no approval form; the head gets one
    assert 'id="act-approve"' not in text
    assert 'id="act-approve"' in client_for(w.bureau.head).get(url("case_detail", case.pk)).content.decode()


def test_case_page_is_404_for_another_agency(case_world: CaseWorld) -> None:
    case = case_world.open()
    assert client_for(case_world.bureau.outsider).get(url("case_detail", case.pk)).status_code == 404
    assert client_for(case_world.bureau.outsider).get(url("case_detail", 999999)).status_code == 404


def test_officer_not_on_the_case_sees_no_forms_and_is_refused(case_world: CaseWorld) -> None:
    w = case_world
    case = w.open()
    other = make_user("officer3", w.bureau.agency, Role.OFFICER)
    client = client_for(other)
    text = client.get(url("case_detail", case.pk)).content.decode()
    assert "您不是本案的承办人员" in text and 'id="act-document"' not in text
    before = entries()
    response = client.post(
        act(case, "document"), {"template_code": "case_opening_approval", "case_source": "举报", **FACTS}
    )
    assert response.status_code == 403 and "不是本案的承办人员" in response.content.decode()
    assert entries() == before


def test_outsider_posting_an_action_gets_404(case_world: CaseWorld) -> None:
    case = case_world.open()
    before = entries()
    assert client_for(case_world.bureau.outsider).post(act(case, "approve"), {"note": "同意"}).status_code == 404
    assert client_for(case_world.bureau.head).post(act(case, "nonsense"), {}).status_code == 404
    assert entries() == before


def test_issue_document_refused_then_issued(case_world: CaseWorld) -> None:
    w = case_world
    case = w.open()
    client = client_for(w.bureau.officer)
    form = client.get(url("case_detail", case.pk), {"document": "case_opening_approval"}).content.decode()
    assert 'name="case_source"' in form and 'name="party_name"' not in form  # the case fills the party
    before = entries()
    response = client.post(act(case, "document"), {"template_code": "case_opening_approval", **FACTS})
    assert response.status_code == 422 and "未能完成" in response.content.decode()
    assert entries() == before
    response = client.post(act(case, "document"), {"template_code": "penalty_decision", **FACTS})
    assert response.status_code == 422 and "不制发" in response.content.decode()
    response = client.post(
        act(case, "document"), {"template_code": "case_opening_approval", "case_source": "日常检查发现", **FACTS}
    )
    assert response.status_code == 302
    page = client.get(url("case_detail", case.pk)).content.decode()
    assert "立案审批表" in page and "公开核验" in page and ".docx" in page
    assert "尚未制发立案审批表" not in page


def test_approve_and_advance(case_world: CaseWorld) -> None:
    w = case_world
    case = w.open()
    officer, head = client_for(w.bureau.officer), client_for(w.bureau.head)
    before = entries()
    response = officer.post(act(case, "advance"), {"target": "investigate"})
    assert response.status_code == 422 and "尚未制发立案审批表" in response.content.decode()
    assert entries() == before
    assert officer.post(act(case, "approve"), {"note": "同意"}).status_code == 403  # not a head
    assert head.post(act(case, "approve"), {"note": "同意立案"}).status_code == 302
    assert CaseApproval.objects.filter(case=case).count() == 1
    response = head.post(act(case, "approve"), {"note": "再批"})
    assert response.status_code == 422 and "已经审批" in response.content.decode()
    case_document_issue(
        actor=w.bureau.officer,
        case=case,
        template_code="case_opening_approval",
        fields={"case_source": "举报", **FACTS},
    )
    response = officer.post(act(case, "advance"), {"target": "investigate", "note": "开始调查"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == "investigate"
    response = officer.post(act(case, "advance"), {"target": "decide"})
    assert response.status_code == 422 and "只能进入" in response.content.decode()


def test_certificate_and_recording(case_world: CaseWorld) -> None:
    w = case_world
    case = to_investigate(w)
    client = client_for(w.bureau.officer)
    now = timezone.now()
    data = {"officer": w.wang.pk, "shown_at": local(now), "place": case.place_address}
    assert client.post(act(case, "certificate"), data).status_code == 302
    assert client.post(act(case, "certificate"), {**data, "officer": w.li.pk}).status_code == 302
    assert CertificateShown.objects.filter(case=case).count() == 2
    before = entries()
    response = client.post(act(case, "certificate"), {**data, "place": ""})
    assert response.status_code == 422 and entries() == before
    blob = upload(w.bureau.officer, b"footage of the inspection")
    recording = {
        "sha256": blob.sha256,
        "officer": w.wang.pk,
        "device": w.cameras[w.wang.pk].pk,
        "place": case.place_address,
        "started_at": local(now),
        "ended_at": local(now + dt.timedelta(minutes=2)),
    }
    before = entries()
    response = client.post(act(case, "recording"), {**recording, "sha256": "0" * 64})
    assert response.status_code == 422 and "请先上传音像文件" in response.content.decode()
    response = client.post(act(case, "recording"), {**recording, "ended_at": local(now - dt.timedelta(minutes=1))})
    assert response.status_code == 422 and "结束时间应晚于开始时间" in response.content.decode()
    assert entries() == before
    assert client.post(act(case, "recording"), recording).status_code == 302
    assert Recording.objects.filter(case=case).count() == 1
    page = client.get(url("case_detail", case.pk)).content.decode()
    assert "本环节应当音像记录" not in page and "出示执法证件（已记录" not in page


def test_penalty_proposal_checks_the_band(case_world: CaseWorld) -> None:
    w = case_world
    case = to_investigate(w)
    client = client_for(w.bureau.officer)
    page = client.get(url("case_detail", case.pk)).content.decode()
    assert "第1档" in page
    before = entries()
    response = client.post(act(case, "penalty"), {"amount": "999999", "band": "1"})
    assert response.status_code == 422 and "须说明理由" in response.content.decode()
    assert entries() == before
    assert client.post(act(case, "penalty"), {"amount": "20000", "band": "1"}).status_code == 302
    case.refresh_from_db()
    assert case.amount_proposed == 20000 and case.discretion_band == 1


def test_serve_a_document_with_a_receipt(case_world: CaseWorld) -> None:
    w = case_world
    case = w.open()
    document = case_document_issue(
        actor=w.bureau.officer,
        case=case,
        template_code="case_opening_approval",
        fields={"case_source": "举报", **FACTS},
    )
    client = client_for(w.bureau.officer)
    data = {"document": document.pk, "method": "direct", "served_at": local(timezone.now()), "recipient": "周示例"}
    before = entries()
    response = client.post(act(case, "serve"), {**data, "receipt_sha256": "f" * 64})
    assert response.status_code == 422 and "请先上传" in response.content.decode() and entries() == before
    receipt = upload(w.bureau.officer, b"scanned receipt", "image/jpeg")
    assert client.post(act(case, "serve"), {**data, "receipt_sha256": receipt.sha256}).status_code == 302
    assert DocumentService.objects.get(document=document).receipt_id == receipt.sha256


def test_facts_extensions_recusal_and_officers(case_world: CaseWorld) -> None:
    w = case_world
    case = w.open()
    head, officer = client_for(w.bureau.head), client_for(w.bureau.officer)
    # A fact that does not belong to this step is refused.
    before = entries()
    response = officer.post(act(case, "fact"), {"kind": "statement_waived", "occurred_at": local(timezone.now())})
    assert response.status_code == 422 and entries() == before
    # Extensions: heads only; the case limit may be extended.
    data = {"deadline_key": "case_decision", "days": "30", "reason": "案情复杂"}
    assert officer.post(act(case, "extend"), data).status_code == 403
    assert head.post(act(case, "extend"), data).status_code == 302
    response = head.post(act(case, "extend"), {**data, "reason": ""})
    assert response.status_code == 422
    # Recusal: recorded by the officer, decided by the head; a third officer is assigned.
    assert (
        officer.post(act(case, "recusal_request"), {"officer": w.li.pk, "reason": "与当事人有亲属关系"}).status_code
        == 302
    )
    response = head.post(act(case, "recusal_decide"), {"officer": w.li.pk, "decision": "refuse"})
    assert response.status_code == 422 and "须说明理由" in response.content.decode()
    assert officer.post(act(case, "recusal_decide"), {"officer": w.li.pk, "decision": "approve"}).status_code == 403
    assert head.post(act(case, "recusal_decide"), {"officer": w.li.pk, "decision": "approve"}).status_code == 302
    assert not CaseOfficer.objects.get(case=case, officer=w.li).active
    page = head.get(url("case_detail", case.pk)).content.decode()
    assert "已回避" in page and "不足2名" in page
    response = head.post(act(case, "officer_add"), {"officer": w.li.pk})
    assert response.status_code == 422  # recused: no longer offered, and the service would refuse it too
    zhao = f.publish(
        "officers",
        bureau=w.bureau,
        data=f.officer_data(w.bureau, name="赵新", certificate_number="21110320190003", categories=ALL_CATEGORIES),
    )
    before = entries()
    assert officer.post(act(case, "officer_add"), {"officer": zhao.pk}).status_code == 403
    assert entries() == before
    assert head.post(act(case, "officer_add"), {"officer": zhao.pk}).status_code == 302
    assert "不足2名" not in head.get(url("case_detail", case.pk)).content.decode()


def test_case_page_and_tasks_queries_do_not_grow_with_the_record(case_world: CaseWorld) -> None:
    """More certificates, recordings, officers' cases and timeline entries: the same number of queries."""
    w = case_world
    case = to_investigate(w)
    client = client_for(w.bureau.officer)
    client.get(url("case_detail", case.pk))
    with CaptureQueriesContext(connection) as few:
        assert client.get(url("case_detail", case.pk)).status_code == 200
    with CaptureQueriesContext(connection) as few_tasks:
        assert client.get(url("case_tasks")).status_code == 200
    start = w.show_certificates(case)
    w.record(case, start=start)
    w.record(case, start=start + dt.timedelta(minutes=3))
    for n in range(3):
        w.open(title=f"第{n}件")
    with CaptureQueriesContext(connection) as many:
        assert client.get(url("case_detail", case.pk)).status_code == 200
    with CaptureQueriesContext(connection) as many_tasks:
        assert client.get(url("case_tasks")).status_code == 200
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]
    assert len(many_tasks) == len(few_tasks), [q["sql"] for q in many_tasks.captured_queries]


def test_actions_need_the_csrf_token(case_world: CaseWorld) -> None:
    from django.test import Client

    case = case_world.open()
    client = Client(enforce_csrf_checks=True)
    client.force_login(case_world.bureau.head)
    before = entries()
    assert client.post(act(case, "approve"), {"note": "同意"}).status_code == 403
    assert entries() == before
    page = client.get(url("case_detail", case.pk)).content.decode()
    assert 'name="csrfmiddlewaretoken"' in page


@pytest.mark.parametrize("process_key", sorted(PROCESSES))
def test_every_process_renders_its_case_page(case_world: CaseWorld, process_key: str) -> None:
    case = case_world.open(process_key)
    for user in (case_world.bureau.officer, case_world.bureau.head):
        response = client_for(user).get(url("case_detail", case.pk))
        assert response.status_code == 200
        assert PROCESSES[process_key].name in response.content.decode()


def test_a_required_list_field_is_a_json_list(case_world: CaseWorld) -> None:
    w = case_world
    case = to_investigate(w)
    client = client_for(w.bureau.officer)
    page = client.get(url("case_detail", case.pk), {"document": "sampling_voucher"}).content.decode()
    assert 'name="items"' in page and "JSON 列表" in page
    data = {"template_code": "sampling_voucher", "sampling_place": "当事人仓库"}
    before = entries()
    response = client.post(act(case, "document"), {**data, "items": "名称：样品"})
    assert response.status_code == 422 and "JSON 列表" in response.content.decode() and entries() == before
    items = '[{"name": "安全培训档案", "spec": "A4", "quantity": "1份", "note": ""}]'
    assert client.post(act(case, "document"), {**data, "items": items}).status_code == 302


def test_a_sealed_case_file_downloads_as_a_bundle_that_verifies(case_world: CaseWorld, tmp_path: Any) -> None:
    from sanxiang.cases.workflow import case_advance
    from sanxiang.ledger.bundle import verify_bundle

    w, b = case_world, case_world.bureau
    case = w.open("licence", title="危险化学品经营许可申请（不予受理）")
    client = client_for(b.officer)
    assert client.get(url("case_file_download", case.pk)).status_code == 302  # not yet sealed
    case = case_advance(actor=b.officer, case=case, target="reject")
    case = case_advance(actor=b.head, case=case, target="archive")
    page = client.get(url("case_detail", case.pk)).content.decode()
    assert url("case_file_download", case.pk) in page
    response = client.get(url("case_file_download", case.pk))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    bundle = tmp_path / "case.zip"
    bundle.write_bytes(b"".join(response.streaming_content))  # type: ignore[attr-defined]
    assert verify_bundle(bundle) == []
    assert Entry.objects.filter(action="case.file_export", actor_id=b.officer.pk).count() == 1
    assert client_for(b.outsider).get(url("case_file_download", case.pk)).status_code == 404


def test_case_page_shows_whether_the_proposal_is_major_and_links_the_review(case_world: CaseWorld) -> None:
    from sanxiang.cases.workflow import case_penalty_propose

    w = case_world
    case = to_investigate(w)
    client = client_for(w.bureau.officer)
    case_penalty_propose(actor=w.bureau.officer, case=case, amount="20000", band=1)
    page = client.get(url("case_detail", case.pk)).content.decode()
    assert "不属于重大执法决定" in page and reverse("review:request", args=[case.pk]) not in page
    case_penalty_propose(actor=w.bureau.officer, case=case, amount="150000", band=2)
    page = client.get(url("case_detail", case.pk)).content.decode()
    assert "属于<strong>重大执法决定</strong>" in page and "达到50,000元" in page
    assert reverse("review:request", args=[case.pk]) in page
