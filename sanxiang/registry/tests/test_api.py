"""The JSON API of the published lists: open data shows published entries only; staff keep the lists through it."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sanxiang.config.api import api
from sanxiang.conftest import make_agency, make_user
from sanxiang.core.models import PublicationStatus
from sanxiang.ledger.models import Entry
from sanxiang.org.listing import entry_approve, entry_create, entry_submit
from sanxiang.org.models import Agency, SubjectCategory
from sanxiang.registry import services
from sanxiang.registry.models import EnforcementItem, Power
from sanxiang.registry.specs import ALL_LISTS
from sanxiang.registry.tests import factories as f

API = "/api/v1"
LIST_KEYS = tuple(ALL_LISTS)


def ledger_size() -> int:
    return Entry.objects.count()


def service_data(key: str, bureau: Any, n: int = 1) -> dict[str, Any]:
    """Valid service input for a list entry; ``n`` keeps codes and certificate numbers unique."""
    if key == "powers":
        return f.power_data(code=f"QZ-{n:03}")
    if key == "items":
        return f.item_data(bureau, code=f"XZCF-{n:03}")
    if key == "inspection-items":
        return f.inspection_item_data(code=f"SJ-{n:03}")
    if key == "officers":
        return f.officer_data(bureau, certificate_number=f"2111032019{n:04}")
    if key == "templates":
        return {"code": f"WS-{n:03}", "name": "行政处罚决定书", "order": n, "file": ContentFile(b"PK", name="t.docx")}
    if key == "complaint-channels":
        return f.channel_data(name=f"监督举报{n}")
    if key == "recording-rules":
        return f.recording_rule_data(code=f"YX-{n:03}")
    if key == "recording-places":
        return f.recording_place_data(name=f"询问室{n}")
    raise KeyError(key)


def make_entry(
    key: str, bureau: Any, *, state: str, n: int = 1, agency: Agency | None = None, actor: Any = None
) -> Any:
    """An entry of list ``key`` in ``state`` (draft / submitted / published / withdrawn), made through the services."""
    spec = ALL_LISTS[key]
    actor = actor or bureau.reviewer
    if key == "agencies":
        return make_agency(f"测试机构{n}", status=state)
    obj = entry_create(actor=actor, spec=spec, agency=agency or bureau.agency, data=service_data(key, bureau, n))
    if state == PublicationStatus.DRAFT:
        return obj
    obj = entry_submit(actor=actor, spec=spec, obj=obj)
    if state == PublicationStatus.SUBMITTED:
        return obj
    obj = entry_approve(actor=actor, spec=spec, obj=obj)
    if state == PublicationStatus.WITHDRAWN:
        obj = services.entry_withdraw(actor=actor, spec=spec, obj=obj, reason="测试撤下")
    return obj


def api_payload(key: str, bureau: Any, n: int = 1, **extra: Any) -> dict[str, Any]:
    """The API's create body for list ``key`` (foreign keys named without ``_id``, plus ``agency``)."""
    data = service_data(key, bureau, n)
    renames = {"handling_department_id": "handling_department", "department_id": "department", "power_id": "power"}
    body = {renames.get(k, k): v for k, v in data.items()}
    body["agency"] = bureau.agency.pk
    return json.loads(json.dumps({**body, **extra}, default=str))


def post(client: Client, url: str, data: Any = None) -> Any:
    return client.post(url, json.dumps(data or {}), content_type="application/json")


def patch(client: Client, url: str, data: Any) -> Any:
    return client.patch(url, json.dumps(data), content_type="application/json")


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


# --- open data -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", LIST_KEYS)
def test_public_list_and_detail_show_published_entries_only(client, bureau, key):
    published = make_entry(key, bureau, state="published", n=1) if key != "agencies" else bureau.agency
    hidden = [make_entry(key, bureau, state=s, n=i) for i, s in enumerate(("draft", "submitted", "withdrawn"), 2)]

    response = client.get(f"{API}/public/{key}/")
    assert response.status_code == 200
    ids = {row["id"] for row in response.json()["items"]}
    assert published.pk in ids
    assert not ids & {obj.pk for obj in hidden}
    assert client.get(f"{API}/public/{key}/{published.pk}/").json()["id"] == published.pk
    for obj in hidden:
        response = client.get(f"{API}/public/{key}/{obj.pk}/")
        assert response.status_code == 404
        assert response.json() == {"detail": "未找到该记录。"}
        assert client.get(f"{API}/public/{key}/{obj.pk}/history/").status_code == 404


def test_public_lists_hide_entries_of_unpublished_and_unreviewed_entrusted_agencies(client, bureau):
    entrusted = make_agency(
        "兴隆台区应急管理综合行政执法队", subject_category=SubjectCategory.ENTRUSTED, entrusted_by=bureau.agency
    )
    make_user("squad-legal", entrusted, "legal_reviewer")
    actor = make_user("squad-admin", entrusted, "legal_reviewer")
    power = make_entry("powers", bureau, state="published", agency=entrusted, actor=actor)
    assert client.get(f"{API}/public/powers/{power.pk}/").status_code == 404
    assert entrusted.pk not in {a["id"] for a in client.get(f"{API}/public/agencies/").json()["items"]}
    Agency.objects.filter(pk=entrusted.pk).update(district_reviewed_at=dt.datetime(2026, 1, 5, tzinfo=dt.UTC))
    assert client.get(f"{API}/public/powers/{power.pk}/").status_code == 200


def test_review_queue_shows_entrusted_lists_to_the_entrusting_reviewer_in_constant_queries(client, bureau):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    entrusted = make_agency(
        "兴隆台区应急管理综合行政执法队", subject_category=SubjectCategory.ENTRUSTED, entrusted_by=bureau.agency
    )
    actor = make_user("squad-legal", entrusted, "legal_reviewer")
    client.force_login(bureau.reviewer)

    def queue() -> tuple[int, list[int]]:
        with CaptureQueriesContext(connection) as queries:
            items = client.get(f"{API}/staff/review-queue/").json()["items"]
        return len(queries), [row["id"] for row in items if row["agency"]["id"] == entrusted.pk]

    powers = [make_entry("powers", bureau, state="submitted", n=n, agency=entrusted, actor=actor) for n in (1, 2)]
    few, ids = queue()
    assert ids == [p.pk for p in powers]
    powers += [make_entry("powers", bureau, state="submitted", n=n, agency=entrusted, actor=actor) for n in (3, 4, 5)]
    many, ids = queue()
    assert ids == [p.pk for p in powers]
    assert many == few  # the entrusting agency is fetched with each entry, not once per entry


INTERNAL_FIELDS = {"pending", "review_note", "reviewed_by_id", "user_id", "user", "status", "suspension_reason"}


@pytest.mark.parametrize("key", LIST_KEYS)
def test_public_output_has_no_internal_fields(client, bureau, key):
    obj = make_entry(key, bureau, state="published") if key != "agencies" else bureau.agency
    body = client.get(f"{API}/public/{key}/{obj.pk}/").json()
    assert not INTERNAL_FIELDS & set(body)
    listed = client.get(f"{API}/public/{key}/").json()["items"][0]
    assert set(listed) == set(body)


def test_search_filters_and_pagination(client, bureau):
    for n, (name, category) in enumerate(
        (
            ("危险化学品经营许可", "licence"),
            ("未按规定培训从业人员的处罚", "penalty"),
            ("未设置安全警示标志的处罚", "penalty"),
        ),
        1,
    ):
        extra = {"service_guide": "申请材料：……"} if category == "licence" else {}
        obj = entry_create(
            actor=bureau.reviewer,
            spec=ALL_LISTS["items"],
            agency=bureau.agency,
            data=f.item_data(bureau, code=f"X-{n}", name=name, category=category, **extra),
        )
        entry_approve(
            actor=bureau.reviewer,
            spec=ALL_LISTS["items"],
            obj=entry_submit(actor=bureau.reviewer, spec=ALL_LISTS["items"], obj=obj),
        )
    other_dept = bureau.other_agency.departments.create(name="执法科", kind="enforcement")
    other = entry_create(
        actor=bureau.outsider,
        spec=ALL_LISTS["items"],
        agency=bureau.other_agency,
        data=f.item_data(bureau, code="Y-1", handling_department_id=other_dept.pk),
    )
    entry_approve(
        actor=bureau.outsider,
        spec=ALL_LISTS["items"],
        obj=entry_submit(actor=bureau.outsider, spec=ALL_LISTS["items"], obj=other),
    )

    def names(**params: Any) -> list[str]:
        response = client.get(f"{API}/public/items/", params)
        assert response.status_code == 200
        return [row["name"] for row in response.json()["items"]]

    # A two-character Chinese term matches (DESIGN.md: the trigram tokenizer would not).
    assert names(q="培训") == ["未按规定培训从业人员的处罚", f.item_data(bureau)["name"]]
    assert names(q="许可") == ["危险化学品经营许可"]
    assert len(names(category="penalty")) == 3
    assert names(category="licence") == ["危险化学品经营许可"]
    assert set(names(agency=bureau.other_agency.pk)) == {f.item_data(bureau)["name"]}

    page = client.get(f"{API}/public/items/", {"page": 2, "page_size": 3}).json()
    assert (page["count"], page["page"], page["page_size"], len(page["items"])) == (4, 2, 3, 1)
    first = client.get(f"{API}/public/items/", {"page": 1, "page_size": 3}).json()["items"]
    assert not {r["id"] for r in first} & {r["id"] for r in page["items"]}

    bad = client.get(f"{API}/public/items/", {"category": "fine", "page_size": 1000})
    assert bad.status_code == 422
    assert bad.json()["errors"]["category"][0].startswith("取值无效")
    assert bad.json()["errors"]["page_size"] == ["应不大于100。"]


def test_public_list_query_count_does_not_grow_with_rows(client, bureau):
    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"{API}/public/items/").status_code == 200
        return len(ctx.captured_queries)

    make_entry("items", bureau, state="published", n=1)
    few = queries()
    for n in range(2, 6):
        make_entry("items", bureau, state="published", n=n)
    assert queries() == few


def test_officers_filter_by_certificate_category(client, bureau):
    inspector = make_entry("officers", bureau, state="published", n=1)
    spec = ALL_LISTS["officers"]
    licensing = entry_create(
        actor=bureau.reviewer,
        spec=spec,
        agency=bureau.agency,
        data=f.officer_data(bureau, name="李娜", certificate_number="21110320190099", categories=["licence"]),
    )
    entry_approve(actor=bureau.reviewer, spec=spec, obj=entry_submit(actor=bureau.reviewer, spec=spec, obj=licensing))

    def ids(**params: Any) -> set[int]:
        return {row["id"] for row in client.get(f"{API}/public/officers/", params).json()["items"]}

    assert ids(category="inspection") == {inspector.pk}
    assert ids(category="licence") == {licensing.pk}
    assert ids() == {inspector.pk, licensing.pk}
    assert ids(q="李娜") == {licensing.pk}


def test_item_output_is_structured(client, bureau):
    item = make_entry("items", bureau, state="published")
    body = client.get(f"{API}/public/items/{item.pk}/").json()
    assert body["legal_basis"] == [{"law": "中华人民共和国安全生产法", "article": "第九十七条第（三）项"}]
    assert body["discretion_benchmark"][1]["fine_max"] == "200000"
    assert body["handling_department"] == {"id": bureau.section.pk, "name": "执法监察科"}
    assert body["time_limit"] == {"days": 90, "kind": "calendar"}
    assert body["agency"] == {"id": bureau.agency.pk, "name": "兴隆台区应急管理局"}
    assert body["category_display"] == "行政处罚"


def test_certificate_verification(client, bureau):
    officer = make_entry("officers", bureau, state="published")
    number = officer.certificate_number
    body = client.get(f"{API}/public/certificates/{number}/").json()
    assert (body["state"], body["valid"], body["name"]) == ("valid", True, "王建国")
    assert body["checked_on"] == timezone.localdate().isoformat()

    services.officer_certificate_suspend(actor=bureau.reviewer, officer=officer, reason="涉嫌违规执法")
    body = client.get(f"{API}/public/certificates/{number}/").json()
    assert (body["state"], body["state_display"], body["valid"]) == ("suspended", "暂扣", False)
    assert "涉嫌" not in json.dumps(body, ensure_ascii=False)

    expired = make_entry("officers", bureau, state="published", n=2)
    type(expired).objects.filter(pk=expired.pk).update(valid_until=dt.date(2020, 12, 31))
    body = client.get(f"{API}/public/certificates/{expired.certificate_number}/").json()
    assert (body["state"], body["valid"]) == ("expired", False)
    assert client.get(f"{API}/public/officers/{expired.pk}/").json()["certificate_state"] == "expired"

    draft = make_entry("officers", bureau, state="draft", n=3)
    for missing in (draft.certificate_number, "0000"):
        response = client.get(f"{API}/public/certificates/{missing}/")
        assert response.status_code == 404
        assert "执法证号" in response.json()["detail"]


def test_public_history_lists_published_versions_with_changed_fields(client, bureau):
    power = make_entry("powers", bureau, state="published")
    spec = ALL_LISTS["powers"]
    services.entry_update(actor=bureau.reviewer, spec=spec, obj=power, data={"name": "对安全生产违法行为的处罚"})
    history = client.get(f"{API}/public/powers/{power.pk}/history/").json()
    assert len(history) == 1  # a staged change is not public yet
    services.entry_approve(actor=bureau.reviewer, spec=spec, obj=Power.objects.get(pk=power.pk))
    history = client.get(f"{API}/public/powers/{power.pk}/history/").json()
    assert [v["action"] for v in history] == ["publish", "publish"]
    newest = history[0]
    assert newest["changes"] == [
        {"field": "name", "label": "权力名称", "before": f.power_data()["name"], "after": "对安全生产违法行为的处罚"}
    ]
    assert newest["actor"] == "reviewer"
    assert newest["action_display"] == "审核通过并公示"


# --- staff -----------------------------------------------------------------------------------------------------------


def test_staff_list_shows_every_state_of_readable_agencies_only(client, bureau):
    draft = make_entry("powers", bureau, state="draft", n=1)
    published = make_entry("powers", bureau, state="published", n=2)
    client.force_login(bureau.officer)
    rows = client.get(f"{API}/staff/powers/").json()["items"]
    assert {(r["id"], r["status"]) for r in rows} == {(draft.pk, "draft"), (published.pk, "published")}
    assert rows[0]["status_display"] in {"草稿", "已公示"}
    assert [r["id"] for r in client.get(f"{API}/staff/powers/", {"status": "draft"}).json()["items"]] == [draft.pk]
    client.force_login(bureau.supervisor)  # the district justice bureau reads the agencies it supervises
    assert len(client.get(f"{API}/staff/powers/").json()["items"]) == 2
    client.force_login(bureau.outsider)
    assert client.get(f"{API}/staff/powers/").json()["items"] == []
    assert client.get(f"{API}/staff/powers/{draft.pk}/").status_code == 404


def test_anonymous_and_non_staff_are_refused(client, bureau):
    response = client.get(f"{API}/staff/powers/")
    assert (response.status_code, response.json()) == (401, {"detail": "请先登录。"})
    client.force_login(make_user("nobody"))
    response = client.get(f"{API}/staff/powers/")
    assert response.status_code == 403
    assert "工作人员" in response.json()["detail"]


def test_csrf_is_enforced_for_session_writes(bureau):
    client = Client(enforce_csrf_checks=True)
    client.force_login(bureau.reviewer)
    assert client.get(f"{API}/staff/powers/").status_code == 200
    before = ledger_size()
    response = post(client, f"{API}/staff/powers/", api_payload("powers", bureau))
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert ledger_size() == before
    client.get("/api/v1/openapi.json")  # any page; then send the token as a browser would
    token = client.cookies.get("csrftoken")
    if token is None:
        from django.middleware.csrf import _get_new_csrf_string

        client.cookies["csrftoken"] = token_value = _get_new_csrf_string()
    else:
        token_value = token.value
    response = client.post(
        f"{API}/staff/powers/",
        json.dumps(api_payload("powers", bureau)),
        content_type="application/json",
        headers={"X-CSRFToken": token_value},
    )
    assert response.status_code == 201


@pytest.mark.parametrize(
    ("key", "change", "field", "message"),
    [
        ("items", {"legal_basis": []}, "legal_basis", "至少填写一项执法依据（法律法规名称及条款）。"),
        ("items", {"name": None}, "name", "应为文本。"),
        ("items", {"time_limit_days": "九十"}, "time_limit_days", "应为整数。"),
        ("items", {"category": "fine"}, "category", "取值无效"),
        ("items", {"status": "published"}, "status", "不能设置该字段。"),
        ("officers", {"valid_from": "2024-13-01"}, "valid_from", "日期格式无效，应为 YYYY-MM-DD。"),
        ("officers", {"valid_until": "2020-01-01"}, "valid_until", "有效期至不能早于有效期起。"),
        ("officers", {"categories": ["罚款"]}, "categories", "取值无效"),
        ("complaint-channels", {"email": "not-mail"}, "email", "电子邮箱"),
        ("complaint-channels", {"phone": "abc"}, "phone", ""),
        ("inspection-items", {"ratio_percent": "150"}, "ratio_percent", "抽查比例应大于0且不超过100。"),
        ("powers", {"code": ""}, "code", ""),
    ],
)
def test_bad_input_is_422_with_chinese_field_errors_and_writes_nothing(client, bureau, key, change, field, message):
    client.force_login(bureau.reviewer)
    model = ALL_LISTS[key].model
    before = (ledger_size(), model.objects.count())
    response = post(client, f"{API}/staff/{key}/", api_payload(key, bureau, **change))
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["detail"] == "输入有误，请检查标注的字段。"
    assert message in body["errors"][field][0]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["errors"][field][0])
    assert (ledger_size(), model.objects.count()) == before


def test_missing_fields_and_bad_json(client, bureau):
    client.force_login(bureau.reviewer)
    response = post(client, f"{API}/staff/powers/", {"agency": bureau.agency.pk})
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert errors["name"] == ["该字段是必填项。"]
    assert set(errors) == {"code", "name", "category", "basis", "responsibilities"}
    response = client.post(f"{API}/staff/powers/", "{not json", content_type="application/json")
    assert (response.status_code, response.json()) == (400, {"detail": "请求内容无法解析，请发送有效的 JSON。"})
    assert not Power.objects.exists()


def test_patch_validation_and_unknown_entries(client, bureau):
    channel = make_entry("complaint-channels", bureau, state="draft")
    client.force_login(bureau.office_clerk)
    before = ledger_size()
    response = patch(client, f"{API}/staff/complaint-channels/{channel.pk}/", {"postcode": "12"})
    assert response.status_code == 422
    assert response.json()["errors"]["postcode"]
    assert ledger_size() == before
    assert patch(client, f"{API}/staff/complaint-channels/99999/", {"hours": "全天"}).status_code == 404
    response = patch(client, f"{API}/staff/complaint-channels/{channel.pk}/", {"hours": "工作日 8:30-17:00"})
    assert response.status_code == 200
    assert response.json()["hours"] == "工作日 8:30-17:00"
    assert ledger_size() == before + 1


def test_full_workflow_through_the_api(client, bureau):
    items = f"{API}/staff/items"
    # A department head drafts an enforcement item for the legal section to review.
    client.force_login(bureau.head)
    response = post(client, f"{items}/", api_payload("items", bureau))
    assert response.status_code == 201, response.content
    item = response.json()
    assert (item["status"], item["handling_department"]["id"]) == ("draft", bureau.section.pk)
    url = f"{items}/{item['id']}"
    assert post(client, f"{url}/submit/").json()["status"] == "submitted"
    assert post(client, f"{url}/approve/").status_code == 403  # only the legal section approves

    client.force_login(bureau.reviewer)
    queue = client.get(f"{API}/staff/review-queue/").json()
    assert [(r["list"], r["id"], r["kind"]) for r in queue["items"]] == [("items", item["id"], "new")]
    response = post(client, f"{url}/return/", {"note": " "})
    assert response.status_code == 422
    assert response.json()["errors"] == {"note": ["退回时必须填写审核意见。"]}
    returned = post(client, f"{url}/return/", {"note": "请补充裁量基准的适用情形。"}).json()
    assert (returned["status"], returned["review_note"]) == ("returned", "请补充裁量基准的适用情形。")

    client.force_login(bureau.head)
    assert patch(client, f"{url}/", {"time_limit_days": 60}).json()["time_limit"]["days"] == 60
    post(client, f"{url}/submit/")
    client.force_login(bureau.reviewer)
    published = post(client, f"{url}/approve/", {"note": "同意公示"}).json()
    assert (published["status"], published["version"]) == ("published", 1)
    client.logout()
    assert client.get(f"{API}/public/items/{item['id']}/").json()["time_limit"]["days"] == 60

    # Dynamic management: a change to a published item is staged; the public keeps the published version.
    client.force_login(bureau.head)
    staged = patch(client, f"{url}/", {"time_limit_days": 30}).json()
    assert staged["pending"] == {"time_limit_days": 30}
    assert client.get(f"{API}/public/items/{item['id']}/").json()["time_limit"]["days"] == 60
    response = post(client, f"{url}/submit/")
    assert response.status_code == 409
    assert response.json() == {"detail": "只有草稿或退回修改的条目可以提交审核。"}
    client.force_login(bureau.reviewer)
    assert client.get(f"{API}/staff/review-queue/").json()["items"][0]["kind"] == "change"
    assert post(client, f"{url}/approve/").json()["version"] == 2
    assert client.get(f"{API}/public/items/{item['id']}/").json()["time_limit"]["days"] == 30
    assert client.get(f"{API}/staff/review-queue/").json()["count"] == 0

    assert post(client, f"{url}/withdraw/", {"reason": ""}).status_code == 422
    assert post(client, f"{url}/withdraw/", {"reason": "事项已取消"}).json()["status"] == "withdrawn"
    assert client.get(f"{API}/public/items/{item['id']}/").status_code == 404
    actions = list(Entry.objects.filter(subject_type="registry.enforcementitem").values_list("action", flat=True))
    assert actions == [
        "item.create",
        "item.submit",
        "item.return",
        "item.update",
        "item.submit",
        "item.publish",
        "item.change_submitted",
        "item.publish",
        "item.withdraw",
    ]
    assert EnforcementItem.objects.get().status == "withdrawn"  # nothing is deleted


def test_officer_certificate_actions(client, bureau):
    officer = make_entry("officers", bureau, state="published")
    url = f"{API}/staff/officers/{officer.pk}"
    verify = f"{API}/public/certificates/{officer.certificate_number}/"
    client.force_login(bureau.reviewer)
    assert post(client, f"{url}/suspend/", {"reason": ""}).status_code == 422
    body = post(client, f"{url}/suspend/", {"reason": "涉嫌违规执法，调查期间暂扣"}).json()
    assert (body["certificate_state"], body["suspension_reason"]) == ("suspended", "涉嫌违规执法，调查期间暂扣")
    assert client.get(verify).json()["state"] == "suspended"
    assert post(client, f"{url}/suspend/", {"reason": "再次"}).status_code == 409
    assert post(client, f"{url}/reinstate/", {"note": "调查结束"}).json()["certificate_state"] == "valid"
    year = dt.date.today().year - 1
    failed = post(client, f"{url}/annual-review/", {"year": year, "passed": False}).json()
    assert (failed["annual_review_year"], failed["certificate_state"]) == (year, "review_failed")
    assert post(client, f"{url}/annual-review/", {"year": 1999, "passed": True}).json()["errors"]["year"]
    assert post(client, f"{url}/revoke/", {"reason": "调离执法岗位"}).json()["certificate_state"] == "revoked"
    assert client.get(verify).json()["valid"] is False


def test_agency_created_by_the_deployment_administrator_only(client, bureau):
    body = {
        "name": "兴隆台区消防救援大队",
        "nature": "administrative",
        "subject_category": "statutory",
        "level": "district",
    }
    client.force_login(bureau.reviewer)
    assert post(client, f"{API}/staff/agencies/", body).status_code == 403
    client.force_login(bureau.superuser)
    response = post(client, f"{API}/staff/agencies/", body)
    assert response.status_code == 201
    assert response.json()["status"] == "draft"
    response = post(client, f"{API}/staff/agencies/", {**body, "name": "受委托队", "subject_category": "entrusted"})
    assert response.status_code == 422
    assert response.json()["errors"]["entrusted_by"] == ["受委托组织须注明委托机关。"]


def test_template_metadata_is_edited_through_the_api(client, bureau):
    template = make_entry("templates", bureau, state="draft")
    client.force_login(bureau.reviewer)
    body = patch(
        client,
        f"{API}/staff/templates/{template.pk}/",
        {"placeholders": [{"name": "party_name", "label": "当事人名称", "required": True}]},
    ).json()
    assert body["placeholders"] == [{"name": "party_name", "label": "当事人名称", "required": True}]
    assert body["file_url"] == f"/templates/{template.pk}/download/"
    assert post(client, f"{API}/staff/templates/", {"agency": bureau.agency.pk}).status_code == 405


# --- OpenAPI ---------------------------------------------------------------------------------------------------------


def expected_paths() -> set[str]:
    paths = {"/api/v1/public/certificates/{number}/", "/api/v1/staff/review-queue/", "/api/v1/staff/me/"}
    for key in ALL_LISTS:
        paths |= {
            f"/api/v1/public/{key}/",
            f"/api/v1/public/{key}/{{entry_id}}/",
            f"/api/v1/public/{key}/{{entry_id}}/history/",
            f"/api/v1/staff/{key}/",
            f"/api/v1/staff/{key}/{{entry_id}}/",
        }
        paths |= {f"/api/v1/staff/{key}/{{entry_id}}/{a}/" for a in ("submit", "approve", "return", "withdraw")}
    paths |= {f"/api/v1/staff/officers/{{entry_id}}/{a}/" for a in ("suspend", "reinstate", "revoke", "annual-review")}
    return paths


@pytest.fixture
def openapi(client: Client) -> dict[str, Any]:
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = json.loads(response.content)
    return document


def test_openapi_document_lists_every_path(openapi):
    assert openapi["openapi"].startswith("3.")
    documented = set(openapi["paths"])
    # The lists' routes, exactly: nothing missing, nothing extra under a list's own prefixes.
    list_prefixes = tuple(f"/api/v1/{side}/{key}/" for side in ("public", "staff") for key in ALL_LISTS)
    extras = {"/api/v1/public/certificates/{number}/", "/api/v1/staff/review-queue/", "/api/v1/staff/me/"}
    assert {path for path in documented if path.startswith(list_prefixes)} | extras == expected_paths()
    assert extras <= documented
    operation_ids = [op["operationId"] for item in openapi["paths"].values() for op in item.values()]
    assert len(operation_ids) == len(set(operation_ids))
    # Every route any app's routers serve is documented, and every documented path is served.
    served = {"/api/v1/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", str(p.pattern)) for p in api.urls[0]}
    assert served - {"/api/v1/", "/api/v1/openapi.json", "/api/v1/docs"} == documented


def _resolve(openapi: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = openapi["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _assert_conforms(openapi: dict[str, Any], schema: dict[str, Any], value: Any, where: str) -> None:
    """A small structural check: declared properties present, nothing undeclared, nested objects and arrays too."""
    schema = _resolve(openapi, schema)
    for variant in schema.get("anyOf", []):
        if _resolve(openapi, variant).get("type") == "null" and value is None:
            return
    if "anyOf" in schema:
        schema = next(_resolve(openapi, v) for v in schema["anyOf"] if _resolve(openapi, v).get("type") != "null")
    kind = schema.get("type")
    if kind == "object" and "properties" in schema:
        assert isinstance(value, dict), where
        assert set(schema.get("required", [])) <= set(value), f"{where}: missing {set(schema['required']) - set(value)}"
        assert set(value) <= set(schema["properties"]), f"{where}: undeclared {set(value) - set(schema['properties'])}"
        for name, sub in schema["properties"].items():
            _assert_conforms(openapi, sub, value[name], f"{where}.{name}")
    elif kind == "array":
        assert isinstance(value, list), where
        for i, element in enumerate(value):
            _assert_conforms(openapi, schema["items"], element, f"{where}[{i}]")
    elif kind in {"string", "integer", "boolean"}:
        assert isinstance(value, {"string": str, "integer": int, "boolean": bool}[kind]), f"{where}: {value!r}"


@pytest.mark.parametrize("key", LIST_KEYS)
def test_public_responses_conform_to_the_openapi_document(client, bureau, openapi, key):
    obj = make_entry(key, bureau, state="published") if key != "agencies" else bureau.agency
    for path, url in (
        (f"/api/v1/public/{key}/{{entry_id}}/", f"{API}/public/{key}/{obj.pk}/"),
        (f"/api/v1/public/{key}/", f"{API}/public/{key}/"),
        (f"/api/v1/public/{key}/{{entry_id}}/history/", f"{API}/public/{key}/{obj.pk}/history/"),
    ):
        schema = openapi["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        _assert_conforms(openapi, schema, client.get(url).json(), path)


def test_staff_and_certificate_responses_conform(client, bureau, openapi):
    officer = make_entry("officers", bureau, state="published")
    path = "/api/v1/public/certificates/{number}/"
    schema = openapi["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    _assert_conforms(
        openapi, schema, client.get(f"{API}/public/certificates/{officer.certificate_number}/").json(), path
    )
    client.force_login(bureau.reviewer)
    path = "/api/v1/staff/officers/{entry_id}/suspend/"
    schema = openapi["paths"][path]["post"]["responses"]["200"]["content"]["application/json"]["schema"]
    _assert_conforms(
        openapi, schema, post(client, f"{API}/staff/officers/{officer.pk}/suspend/", {"reason": "调查"}).json(), path
    )
    error_schema = openapi["paths"][path]["post"]["responses"]["422"]["content"]["application/json"]["schema"]
    _assert_conforms(
        openapi, error_schema, post(client, f"{API}/staff/officers/{officer.pk}/suspend/", {}).json(), path
    )
