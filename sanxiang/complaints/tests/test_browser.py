"""A complaint filed in a real browser and followed by its code (Playwright driving Debian's headless Chromium against
pytest-django's live server; the staff's actions go through the services). No sleeps: expectations wait."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sanxiang.complaints import services
from sanxiang.complaints.models import Complaint

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

playwright_sync = pytest.importorskip("playwright.sync_api")
expect = playwright_sync.expect


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})  # a phone's width
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.console_errors = errors
    yield page
    context.close()


def test_a_complaint_filed_in_the_browser_is_followed_by_its_code(live_server, page, bureau, tmp_path: Path):
    photo = tmp_path / "现场照片.jpg"
    photo.write_bytes(b"\xff\xd8\xff photo")
    page.goto(f"{live_server.url}/complaints/new/?agency={bureau.agency.pk}")
    expect(page.get_by_role("heading", name="投诉举报", level=1)).to_be_visible()
    page.get_by_label("投诉执法人员执法行为").check()
    expect(page.get_by_label("执法主体")).to_have_value(str(bureau.agency.pk))
    page.get_by_label("投诉举报内容").fill("执法人员检查时未出示执法证件，且态度粗暴。")
    page.get_by_label("附件").set_input_files(str(photo))
    page.get_by_label("您的姓名").fill("欧阳明华")
    page.get_by_label("联系方式").fill("13800000001")
    page.get_by_role("button", name="提交").click()

    expect(page.get_by_role("heading", name="投诉举报回执")).to_be_visible()
    code = page.locator("#cp-code").inner_text().strip()
    assert re.fullmatch(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){3}", code)
    expect(page.locator("main")).not_to_contain_text("欧阳明华")
    expect(page.get_by_role("button", name="打印回执")).to_be_visible()

    complaint = Complaint.objects.get()
    assert complaint.complainant_name == "欧阳明华" and complaint.attachments.count() == 1

    # Followed by its code before any staff action…
    page.get_by_role("link", name="去查询").click()
    page.get_by_label("查询码").fill(code.lower())
    page.get_by_role("button", name="查询").click()
    expect(page.locator(".cp-state")).to_have_text("待受理")

    # …and after the office accepts and replies (through the services).
    clerk = bureau.office_clerk
    complaint = services.complaint_accept(actor=clerk, complaint=complaint)
    services.complaint_reply(actor=clerk, complaint=complaint, text="经核查，已对相关执法人员批评教育。")
    page.goto(f"{live_server.url}/complaints/track/")
    page.get_by_label("查询码").fill(code.replace("-", " "))
    page.get_by_role("button", name="查询").click()
    expect(page.locator(".cp-state")).to_have_text("已答复")
    main = page.locator("main")
    expect(main).to_contain_text("经核查，已对相关执法人员批评教育。")
    expect(main).to_contain_text(complaint.due_on.strftime("%Y-%m-%d"))
    expect(main).not_to_contain_text("欧阳明华")
    expect(main).not_to_contain_text("13800000001")
    assert page.console_errors == []


def test_a_refused_input_is_explained_and_the_page_keeps_what_was_typed(live_server, page, bureau):
    page.goto(f"{live_server.url}/complaints/new/")
    page.get_by_label("投诉执法人员执法行为").check()
    page.get_by_label("执法主体").select_option(label="兴隆台区应急管理局")
    page.get_by_label("被投诉的执法人员").fill("赵无名")  # not a published officer: refused by the server
    page.get_by_label("投诉举报内容").fill("检查时索要财物。")
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_role("alert").first).to_contain_text("提交未成功，未保存任何内容")
    expect(page.locator("main")).to_contain_text("已公示的执法人员中未找到“赵无名”")
    expect(page.get_by_label("投诉举报内容")).to_have_value("检查时索要财物。")
    assert not Complaint.objects.exists()
    # The refusal is answered 422 (which Chromium logs as a failed load); nothing else may appear (no CSP violation).
    assert [e for e in page.console_errors if "status of 422" not in e] == []
