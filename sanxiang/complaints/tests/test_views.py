"""The public pages (form, one-time receipt, tracking) and the staff pages (list, detail, actions, attachments)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sanxiang.complaints import services
from sanxiang.complaints.models import Complaint, ComplaintState
from sanxiang.complaints.tests.conftest import complaint_data, file, upload
from sanxiang.conftest import Bureau
from sanxiang.ledger.models import Entry

pytestmark = pytest.mark.django_db

NEW = "/complaints/new/"
RECEIPT = "/complaints/receipt/"
TRACK = "/complaints/track/"
CODE = re.compile(r'id="cp-code">([0-9A-Z-]{19})<')


def post_form(client: Client, bureau: Bureau, files: list[Any] | None = None, **extra: Any) -> Any:
    data: dict[str, Any] = complaint_data(bureau, **extra)
    if files:
        data["attachments"] = files
    return client.post(NEW, data)


def test_routes_are_the_portals() -> None:
    assert reverse("portal:complaint-new") == NEW
    assert reverse("portal:complaint-track") == TRACK
    assert reverse("complaints:list") == "/staff/complaints/"


def test_form_lists_published_agencies_and_keeps_csrf(bureau: Bureau) -> None:
    client = Client(enforce_csrf_checks=True)
    page = client.get(NEW + f"?agency={bureau.agency.pk}")
    html = page.content.decode()
    assert page.status_code == 200
    assert "csrfmiddlewaretoken" in html
    assert f'<option value="{bureau.agency.pk}" selected>兴隆台区应急管理局</option>' in html
    assert "兴隆台区司法局" not in html  # not an enforcement body
    refused = client.post(NEW, complaint_data(bureau))
    assert refused.status_code == 403  # no CSRF token: refused
    assert not Complaint.objects.exists()


def test_filing_in_the_page_shows_the_code_once_and_it_tracks(client: Client, bureau: Bureau) -> None:
    response = post_form(client, bureau, files=[upload(), upload("b.pdf", b"%PDF", "application/pdf")])
    assert response.status_code == 302 and response["Location"] == RECEIPT
    receipt = client.get(RECEIPT)
    html = receipt.content.decode()
    assert receipt.status_code == 200
    assert "no-store" in receipt["Cache-Control"]
    code = CODE.search(html).group(1)  # type: ignore[union-attr]
    assert "李秀兰" not in html and "13912345678" not in html
    assert "附件</dt><dd>2 个" in html
    again = client.get(RECEIPT)
    assert again.status_code == 410 and code not in again.content.decode()
    tracked = client.post(TRACK, {"code": code.lower().replace("-", "")})
    assert tracked.status_code == 200
    assert "待受理" in tracked.content.decode()


def test_bad_input_on_the_page_is_shown_in_chinese_and_nothing_is_written(client: Client, bureau: Bureau) -> None:
    response = post_form(client, bureau, text="", kind="")
    html = response.content.decode()
    assert response.status_code == 422
    assert "请填写投诉举报内容。" in html
    assert "请选择类别" in html
    assert "提交未成功，未保存任何内容" in html
    assert not Complaint.objects.exists()
    big = upload("big.mp4", b"\0" * (10 * 1024 * 1024 + 1), "video/mp4")
    response = post_form(client, bureau, files=[big])
    assert response.status_code == 422
    assert "超过单个附件 10 MB 的上限" in response.content.decode()
    assert not Complaint.objects.exists()


def test_rate_limit_on_the_page_is_429_with_a_chinese_message(client: Client, bureau: Bureau, settings: Any) -> None:
    settings.SANXIANG_COMPLAINT_RATE_PER_HOUR = 2
    assert post_form(client, bureau).status_code == 302
    assert post_form(client, bureau).status_code == 302
    response = post_form(client, bureau)
    assert response.status_code == 429
    assert "每小时最多可提交 2 件" in response.content.decode()
    assert Complaint.objects.count() == 2
    other = Client(REMOTE_ADDR="192.0.2.44")
    assert post_form(other, bureau).status_code == 302


def test_tracking_page_shows_status_dates_reply_never_identity_or_notes(client: Client, bureau: Bureau) -> None:
    filed = file(bureau, complainant_name="欧阳明华", complainant_contact="zhang@example.cn")
    clerk = bureau.office_clerk
    complaint = services.complaint_accept(actor=clerk, complaint=filed.complaint)
    services.complaint_assign(actor=clerk, complaint=complaint, department=bureau.section, assignee=bureau.head)
    services.complaint_note_add(actor=bureau.head, complaint=complaint, text="内部：调取视频核查")
    services.complaint_reply(actor=clerk, complaint=complaint, text="经核查，已责令改正并批评教育。")
    html = client.post(TRACK, {"code": filed.code}).content.decode()
    assert "已答复" in html
    assert "经核查，已责令改正并批评教育。" in html
    assert complaint.due_on.strftime("%Y-%m-%d") in html
    for secret in ("欧阳明华", "zhang@example.cn", "内部：调取视频核查", "执法监察科", "未出示执法证件"):
        assert secret not in html, secret


def test_tracking_an_unknown_code_is_404_in_chinese(client: Client, bureau: Bureau) -> None:
    response = client.post(TRACK, {"code": "AAAA-BBBB-CCCC-DDDD"})
    assert response.status_code == 404
    assert "未找到与该查询码对应的投诉举报" in response.content.decode()
    assert client.get(TRACK).status_code == 200


# --- staff ------------------------------------------------------------------------------------------------------------


def test_staff_list_needs_login_and_a_reading_role(client: Client, bureau: Bureau) -> None:
    file(bureau)
    assert client.get("/staff/complaints/").status_code == 302
    client.force_login(bureau.officer)
    assert "TS" not in client.get("/staff/complaints/").content.decode().split("<main")[1]
    client.force_login(bureau.office_clerk)
    html = client.get("/staff/complaints/").content.decode()
    assert "投诉执法人员执法行为" in html and "待受理" in html


def test_staff_list_filters_and_marks_overdue(client: Client, bureau: Bureau) -> None:
    due = file(bureau).complaint
    late = file(bureau).complaint
    Complaint.objects.filter(pk=late.pk).update(due_on=timezone.localdate() - dt.timedelta(days=2))
    client.force_login(bureau.leader)
    html = client.get("/staff/complaints/?status=overdue").content.decode()
    assert late.reference in html and due.reference not in html and "已超期" in html
    html = client.get("/staff/complaints/?status=due").content.decode()
    assert due.reference in html and late.reference not in html


def test_detail_shows_identity_to_staff_and_hides_it_from_other_agencies(client: Client, bureau: Bureau) -> None:
    complaint = file(bureau, complainant_name="欧阳明华").complaint
    url = f"/staff/complaints/{complaint.pk}/"
    client.force_login(bureau.outsider)
    assert client.get(url).status_code == 404
    client.force_login(bureau.officer)
    assert client.get(url).status_code == 404
    client.force_login(bureau.reviewer)
    html = client.get(url).content.decode()
    assert "欧阳明华" in html
    assert "act-accept" not in html  # the legal section reads, does not handle
    client.force_login(bureau.office_clerk)
    assert "act-accept" in client.get(url).content.decode()


def test_staff_actions_through_the_pages(client: Client, bureau: Bureau) -> None:
    complaint = file(bureau).complaint
    client.force_login(bureau.office_clerk)
    base = f"/staff/complaints/{complaint.pk}/"
    assert client.post(base + "accept/", {"note": ""}).status_code == 302
    response = client.post(base + "assign/", {"department": "", "assignee": ""})
    assert response.status_code == 422
    assert "请选择承办科室或承办人。" in response.content.decode()
    assign = {"department": bureau.section.pk, "assignee": bureau.head.pk, "note": "请核查"}
    assert client.post(base + "assign/", assign).status_code == 302
    assert client.post(base + "note/", {"text": "已联系当事人"}).status_code == 302
    assert client.post(base + "reply/", {"text": "已处理"}).status_code == 302
    assert client.post(base + "close/", {"note": ""}).status_code == 302
    assert client.post(base + "explode/", {}).status_code == 404
    complaint.refresh_from_db()
    assert complaint.state == ComplaintState.CLOSED
    actions = list(
        Entry.objects.filter(subject_type="complaints.complaint", subject_id=str(complaint.pk)).values_list(
            "action", flat=True
        )
    )
    assert actions == ["complaint.file", "complaint.accept", "complaint.assign", "complaint.reply", "complaint.close"]


def test_a_reader_posting_an_action_gets_403(client: Client, bureau: Bureau) -> None:
    complaint = file(bureau).complaint
    client.force_login(bureau.leader)
    assert client.post(f"/staff/complaints/{complaint.pk}/accept/", {}).status_code == 403
    assert Complaint.objects.get(pk=complaint.pk).state == ComplaintState.RECEIVED


def test_attachment_download_is_recorded_and_refused_to_others(client: Client, bureau: Bureau) -> None:
    complaint = file(bureau, files=(upload("证据.jpg", b"photo-bytes"),)).complaint
    url = f"/staff/complaints/{complaint.pk}/attachments/1/"
    client.force_login(bureau.officer)
    assert client.get(url).status_code == 404
    client.force_login(bureau.office_clerk)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"photo-bytes"  # type: ignore[attr-defined]
    assert Entry.objects.filter(action="blob.download", actor_id=bureau.office_clerk.pk).count() == 1
    assert client.get(f"/staff/complaints/{complaint.pk}/attachments/2/").status_code == 404


def test_staff_list_pages_by_fifty(client: Client, bureau: Bureau, settings: Any) -> None:
    settings.SANXIANG_COMPLAINT_RATE_PER_HOUR = 100
    for _ in range(51):
        file(bureau)
    client.force_login(bureau.office_clerk)
    first = client.get("/staff/complaints/").content.decode()
    assert first.count('href="/staff/complaints/') - first.count('href="/staff/complaints/?') >= 50
    assert "第 1 / 2 页" in first
    second = client.get("/staff/complaints/?page=2").content.decode()
    assert "第 2 / 2 页" in second
