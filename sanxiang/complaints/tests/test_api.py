"""The complaints API: public filing (multipart) and tracking, staff list/detail/actions, in the API's error shape."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from sanxiang.complaints.models import Complaint, ComplaintState
from sanxiang.complaints.tests.conftest import complaint_data, file, upload
from sanxiang.conftest import Bureau
from sanxiang.ledger.models import Entry

pytestmark = pytest.mark.django_db

PUBLIC = "/api/v1/public/complaints/"
STAFF = "/api/v1/staff/complaints/"


def test_public_filing_returns_the_code_once_and_tracking_follows_it(client: Client, bureau: Bureau) -> None:
    data: dict[str, Any] = complaint_data(bureau)
    data["attachments"] = [upload(), upload("b.txt", b"text", "text/plain")]
    response = client.post(PUBLIC, data)
    assert response.status_code == 201, response.content
    body = response.json()
    code = body["code"]
    assert len(code) == 19
    assert body["tracking"]["state"] == "received" and body["tracking"]["attachments"] == 2
    tracked = client.get(PUBLIC + "track/", {"code": code})
    assert tracked.status_code == 200
    payload = tracked.json()
    assert payload["state_display"] == "待受理"
    assert payload["due_on"] == Complaint.objects.get().due_on.isoformat()
    assert "complainant_name" not in payload and "李秀兰" not in tracked.content.decode()
    missing = client.get(PUBLIC + "track/", {"code": "AAAA-BBBB-CCCC-DDDD"})
    assert missing.status_code == 404 and "查询码" in missing.json()["detail"]


def test_public_filing_errors_are_422_in_chinese_and_write_nothing(client: Client, bureau: Bureau) -> None:
    response = client.post(PUBLIC, complaint_data(bureau, text="字" * 5001))
    assert response.status_code == 422
    assert response.json()["errors"]["text"][0].startswith("内容不能超过 5000 个字符")
    data: dict[str, Any] = complaint_data(bureau)
    data["attachments"] = [upload(f"{n}.jpg", bytes([n + 1])) for n in range(4)]
    response = client.post(PUBLIC, data)
    assert response.status_code == 422
    assert response.json()["errors"]["attachments"] == ["最多可上传 3 个附件，您选择了 4 个。"]
    response = client.post(PUBLIC, complaint_data(bureau, kind="nonsense"))
    assert response.status_code == 422
    assert not Complaint.objects.exists()


def test_public_filing_rate_limit_is_429(client: Client, bureau: Bureau, settings: Any) -> None:
    settings.SANXIANG_COMPLAINT_RATE_PER_HOUR = 1
    assert client.post(PUBLIC, complaint_data(bureau)).status_code == 201
    response = client.post(PUBLIC, complaint_data(bureau))
    assert response.status_code == 429
    assert "每小时最多可提交 1 件" in response.json()["detail"]


def test_staff_api_needs_login_and_answers_by_role(client: Client, bureau: Bureau) -> None:
    complaint = file(bureau, complainant_name="欧阳明华").complaint
    assert client.get(STAFF).status_code == 401
    client.force_login(bureau.outsider)
    assert client.get(STAFF).json()["count"] == 0
    assert client.get(f"{STAFF}{complaint.pk}/").status_code == 404
    client.force_login(bureau.leader)
    listing = client.get(STAFF).json()
    assert listing["count"] == 1 and listing["items"][0]["due_status"] == "due"
    detail = client.get(f"{STAFF}{complaint.pk}/").json()
    assert detail["complainant_name"] == "欧阳明华"
    response = client.post(f"{STAFF}{complaint.pk}/accept/", {}, content_type="application/json")
    assert response.status_code == 403
    assert response.json()["detail"] == "只有本机关办公室的工作人员可以办理投诉举报。"


def test_staff_api_actions_in_order(client: Client, bureau: Bureau) -> None:
    complaint = file(bureau).complaint
    client.force_login(bureau.office_clerk)
    one = f"{STAFF}{complaint.pk}/"

    def post(path: str, body: dict[str, Any]) -> Any:
        return client.post(one + path, body, content_type="application/json")

    assert post("reply/", {"text": "太早"}).status_code == 409
    assert post("accept/", {"note": "受理"}).json()["state"] == "accepted"
    assert post("assign/", {}).status_code == 422
    assigned = post("assign/", {"department": bureau.section.pk, "assignee": bureau.head.pk}).json()
    assert assigned["department"]["name"] == "执法监察科" and assigned["assignee"]["id"] == bureau.head.pk
    note = post("notes/", {"text": "已核查"})
    assert note.status_code == 201 and note.json()["text"] == "已核查"
    assert post("reply/", {"text": "已处理"}).json()["reply"] == "已处理"
    closed = post("close/", {}).json()
    assert closed["state"] == ComplaintState.CLOSED and closed["due_status"] == "on_time"
    assert post("close/", {"unknown": 1}).status_code == 422
    assert Entry.objects.filter(action__startswith="complaint.").count() == 6


def test_staff_api_refuse_and_filters(client: Client, bureau: Bureau) -> None:
    first = file(bureau).complaint
    second = file(bureau).complaint
    Complaint.objects.filter(pk=second.pk).update(due_on=timezone.localdate() - dt.timedelta(days=1))
    client.force_login(bureau.office_clerk)
    assert client.post(f"{STAFF}{first.pk}/refuse/", {"reason": ""}, content_type="application/json").status_code == 422
    refused = client.post(f"{STAFF}{first.pk}/refuse/", {"reason": "不属于本机关职责"}, content_type="application/json")
    assert refused.json()["state"] == "refused"
    assert [c["id"] for c in client.get(STAFF, {"status": "overdue"}).json()["items"]] == [second.pk]
    assert [c["id"] for c in client.get(STAFF, {"status": "replied"}).json()["items"]] == [first.pk]
    tracked = client.get(PUBLIC + "track/", {"code": "x"})
    assert tracked.status_code == 404


def test_openapi_lists_the_complaint_paths(client: Client) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in (PUBLIC, PUBLIC + "track/", STAFF, STAFF + "{complaint_id}/reply/"):
        assert path in paths, path
