"""A general-procedure penalty case from opening to archive, through the workspace pages in a real browser.

Playwright drives Debian's headless Chromium against pytest-django's live server; the officer and the head sign in
through the login form, each on a tablet-sized window. The recording is uploaded through the page's uploader (hashed
in the browser, sent in chunks, with progress). No sleeps: Playwright's expectations wait for the page.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
from typing import Any

import pytest
from django.utils import timezone

from sanxiang.cases.models import Case, Recording
from sanxiang.cases.tests.conftest import CaseWorld

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Playwright's sync API runs an event loop in this thread; Django would otherwise refuse ORM calls from it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

playwright_sync = pytest.importorskip("playwright.sync_api")
expect = playwright_sync.expect

TABLET = {"width": 1024, "height": 768}
LOCAL = "%Y-%m-%dT%H:%M:%S"
FACTS = "该公司未按规定对新入职的3名从业人员进行安全生产教育和培训即安排上岗作业。"
WANG, LI = "王建国（21110320190001）", "李明（21110320190002）"


class Person:
    """One signed-in browser window, and what a person does on the case page."""

    def __init__(self, browser: Any, base: str, username: str, viewport: dict[str, int] = TABLET) -> None:
        self.context = browser.new_context(locale="zh-CN", viewport=viewport, has_touch=True)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.base = base
        self.page.goto(base + "/staff/login/")
        self.page.get_by_label("用户名").fill(username)
        self.page.get_by_label("密码").fill("pw-" + username)
        self.page.get_by_role("button", name="登录").click()
        expect(self.page.get_by_role("link", name="案件", exact=True)).to_be_visible()

    def open_case_page(self, case: Case) -> None:
        self.page.goto(f"{self.base}/staff/cases/{case.pk}/")

    def said(self, text: str) -> None:
        expect(self.page.locator(".ws-message").first).to_contain_text(text)

    def open_action(self, action: str) -> Any:
        card = self.page.locator(f"#act-{action}")
        if card.get_attribute("open") is None:
            card.locator("summary").click()
        return card

    def issue(self, name: str, **values: str) -> None:
        card = self.open_action("document")
        card.locator("#document-choice").select_option(label=name)
        card.get_by_role("button", name="填写此文书").click()
        form = self.page.locator("form[data-document]")
        expect(form.get_by_role("heading", name=name)).to_be_visible()
        for field, value in values.items():
            form.locator(f"[name={field}]").fill(value)
        for element in form.locator("input[required][type=text], textarea[required]").all():
            if not element.input_value():
                element.fill("见案卷材料")
        form.get_by_role("button", name=f"制发{name}").click()
        self.said(f"已制发{name}")

    def approve(self, note: str = "同意") -> None:
        card = self.open_action("approve")
        card.locator("[name=note]").fill(note)
        card.get_by_role("button", name="批准").click()
        self.said("已审批")

    def advance(self, name: str, step: str) -> None:
        self.page.locator("#step").get_by_role("button", name=name).click()
        self.said(f"已进入“{step}”")

    def serve(self, document: str, recipient: str = "周示例") -> None:
        card = self.open_action("serve")
        option = card.locator("[name=document] option", has_text=document)
        card.locator("[name=document]").select_option(option.get_attribute("value"))
        card.locator("[name=method]").select_option(label="直接送达")
        card.locator("[name=recipient]").fill(recipient)
        card.get_by_role("button", name="记录送达").click()
        self.said("已记录送达")


def local(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime(LOCAL)


def test_general_procedure_penalty_case_from_opening_to_archive(live_server, browser, case_world: CaseWorld):
    w = case_world
    officer = Person(browser, live_server.url, "officer")
    head = Person(browser, live_server.url, "head")
    page = officer.page

    # 立案 through the opening form, from the case list.
    page.get_by_role("link", name="案件", exact=True).click()
    page.get_by_role("link", name="立案", exact=True).click()
    page.get_by_label("办案流程").select_option("penalty-general")
    page.get_by_label("执法事项").select_option(str(w.items["penalty"].pk))
    page.get_by_label("案由").fill("盘锦示例化工有限公司未按规定开展安全生产教育和培训案")
    page.get_by_label("发生地行政区划代码").fill("211103")
    page.get_by_label("发生地地址").fill("盘锦市兴隆台区示例路1号")
    page.get_by_label(WANG).check()
    page.get_by_label(LI).check()
    page.locator("[name='party-0-kind']").select_option("organisation")
    page.locator("[name='party-0-name']").fill("盘锦示例化工有限公司")
    page.locator("[name='party-0-uscc']").fill("91110000802100433B")
    page.locator("[name='party-0-legal_representative']").fill("周示例")
    page.locator("[name='party-0-address']").fill("盘锦市兴隆台区示例路1号")
    page.get_by_role("button", name="立案", exact=True).click()
    officer.said("已立案")
    case = Case.objects.get()
    expect(page.locator("#step-h")).to_have_text("当前环节：立案")
    expect(page.locator(".ws-steps__current")).to_have_text("立案")
    expect(page.locator("#step .ws-blockers").first).to_contain_text("尚未制发立案审批表")

    officer.issue("立案审批表", case_source="日常检查发现", facts=FACTS)
    head.open_case_page(case)
    head.approve("同意立案")
    officer.open_case_page(case)
    officer.advance("批准立案", "调查取证")

    # 调查取证 on site: both certificates shown, the recording uploaded with progress and registered, the fine.
    for who in (WANG, LI):
        card = officer.open_action("certificate")
        card.locator("[name=officer]").select_option(label=who)
        card.get_by_role("button", name="记录出示证件").click()
        officer.said("已记录出示执法证件")
    card = officer.open_action("recording")
    footage = b"\x00\x00\x00\x18ftypmp42" + os.urandom(300_000)
    card.locator("#recording-file").set_input_files(
        files=[{"name": "DSJ-0001.mp4", "mimeType": "video/mp4", "buffer": footage}]
    )
    card.get_by_role("button", name="上传").click()
    expect(card.locator("[data-uploader-status]")).to_contain_text("上传完成", timeout=30_000)
    expect(card.locator("progress")).to_have_attribute("value", "100")
    expect(card.locator("#recording-sha256")).to_have_value(hashlib.sha256(footage).hexdigest())
    start = timezone.now() + dt.timedelta(seconds=5)
    card.locator("[name=officer]").select_option(label=WANG)
    card.locator("[name=device]").select_option(str(w.cameras[w.wang.pk].pk))
    card.locator("[name=started_at]").fill(local(start))
    card.locator("[name=ended_at]").fill(local(start + dt.timedelta(minutes=2)))
    card.get_by_role("button", name="登记音像记录").click()
    officer.said("已登记音像记录")
    assert Recording.objects.get(case=case).blob_id == hashlib.sha256(footage).hexdigest()
    card = officer.open_action("penalty")
    card.locator("[name=amount]").fill("20000")
    card.locator("[name=band]").select_option("1")
    card.get_by_role("button", name="保存拟处罚").click()
    officer.said("已记录拟处罚金额")
    officer.advance("调查终结，提出处理意见", "案件审查（法制审核）")

    # 案件审查 → 告知: the notice served, the party waives its rights.
    officer.issue("案件处理呈批表", facts=FACTS, evidence="询问笔录、培训档案", decision="拟处罚款人民币贰万元")
    officer.advance("审查通过，拟予处罚", "告知（陈述申辩、听证告知）")
    officer.issue(
        "行政处罚告知书",
        facts=FACTS,
        evidence="询问笔录、培训档案",
        decision="拟处罚款人民币贰万元",
        contact_person="王建国",
        contact_phone="0427-2825001",
    )
    officer.serve("行政处罚告知书")
    card = officer.open_action("fact")
    card.locator("[name=kind]").select_option("statement_waived")
    card.locator("[name=note]").fill("当事人书面放弃陈述申辩和听证")
    card.get_by_role("button", name="记录").click()
    officer.said("已记录")
    officer.advance("作出决定", "决定")

    # 决定, by the head.
    head.open_case_page(case)
    head.issue(
        "行政处罚决定书",
        facts=FACTS,
        evidence="询问笔录、培训档案",
        decision="罚款人民币贰万元",
        payment_deadline_days="15",
        payment_bank="中国工商银行盘锦分行",
        payment_account="0712001009000000001",
        review_body="盘锦市兴隆台区人民政府",
        court="盘锦市兴隆台区人民法院",
    )
    head.advance("送达决定书", "送达")

    # 送达, 执行, 结案 with the head's approval, 归档.
    officer.open_case_page(case)
    officer.issue("送达回执", service_place="当事人住所", service_method="直接送达", server_names="王建国、李明")
    officer.serve("行政处罚决定书")
    officer.advance("执行", "执行")
    officer.advance("执行完毕，申请结案", "结案")
    officer.issue("结案审批表", decision="罚款人民币贰万元", execution_status="已缴纳", closing_reason="执行完毕")
    head.open_case_page(case)
    head.approve("同意结案")
    officer.open_case_page(case)
    officer.advance("立卷归档", "归档")

    expect(page.locator("[data-case-state]")).to_have_text("已办结 · 归档")
    expect(page.locator("#step-h")).to_contain_text("归档")
    expect(page.locator("#step")).to_contain_text("归档封存")
    timeline = page.locator(".ws-timeline")
    expect(timeline).to_contain_text("立案")
    expect(timeline).to_contain_text("登记音像记录")
    expect(timeline).to_contain_text("案卷归档封存")
    expect(page.get_by_role("link", name="公开核验").first).to_be_visible()
    assert page.locator("#acts-h").count() == 0  # nothing more can be done on a closed case
    case.refresh_from_db()
    assert case.state == "archive" and case.closed_at is not None
    assert officer.errors == [] and head.errors == []

    # On a phone the archived case page does not scroll sideways.
    phone = browser.new_context(
        viewport={"width": 375, "height": 812}, device_scale_factor=2, is_mobile=True, has_touch=True
    )
    small = phone.new_page()
    small.context.add_cookies(officer.context.cookies())
    small.goto(f"{live_server.url}/staff/cases/{case.pk}/")
    expect(small.locator("[data-case-state]")).to_have_text("已办结 · 归档")
    assert small.evaluate("document.documentElement.scrollWidth") <= 375
    phone.close()
    officer.context.close()
    head.context.close()


def test_uploader_resumes_after_a_broken_chunk_and_hashes_as_python_does(live_server, browser, case_world: CaseWorld):
    """A two-chunk file whose second chunk is lost once on the way: the uploader asks the server how far it got,
    sends the rest from there, completes, and fills in the verified SHA-256. Its own SHA-256 (for big files and plain
    http) agrees with hashlib at the padding edges."""
    from sanxiang.cases.workflow import case_advance, case_approve, case_document_issue

    w = case_world
    case = w.open()
    case_document_issue(
        actor=w.bureau.officer,
        case=case,
        template_code="case_opening_approval",
        fields={"case_source": "举报", "facts": FACTS},
    )
    case_approve(actor=w.bureau.head, case=case)
    case_advance(actor=w.bureau.officer, case=case, target="investigate")

    officer = Person(browser, live_server.url, "officer")
    page = officer.page
    officer.open_case_page(case)
    lost: list[str] = []

    def lose_once(route: Any) -> None:
        if not lost:
            lost.append(route.request.url)
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route(re.compile(r".*/uploads/[0-9a-f-]+/\?offset=8388608$"), lose_once)
    card = officer.open_action("recording")
    content = os.urandom(9 * 1024 * 1024)  # two chunks of the uploader's 8 MiB
    card.locator("#recording-file").set_input_files(
        files=[{"name": "DSJ-0002.mp4", "mimeType": "video/mp4", "buffer": content}]
    )
    card.get_by_role("button", name="上传").click()
    expect(card.locator("[data-uploader-status]")).to_contain_text("上传完成", timeout=60_000)
    expect(card.locator("#recording-sha256")).to_have_value(hashlib.sha256(content).hexdigest())
    assert len(lost) == 1  # the second chunk was lost once, and sent again

    for data in [b"", b"abc", *(bytes(n % 256 for n in range(size)) for size in (55, 56, 63, 64, 65, 1000))]:
        assert (
            page.evaluate("b => window.SanxiangSha256(new Uint8Array(b))", list(data))
            == hashlib.sha256(data).hexdigest()
        )
    million = page.evaluate("() => window.SanxiangSha256(new Uint8Array(1000000).fill(97))")
    assert million == hashlib.sha256(b"a" * 1_000_000).hexdigest()
    assert officer.errors == [] or all("net::ERR" in e or "Failed to load" in e for e in officer.errors)

    # The open case page, with its forms, does not scroll sideways on a phone either.
    phone = browser.new_context(viewport={"width": 375, "height": 812}, is_mobile=True, has_touch=True)
    small = phone.new_page()
    small.context.add_cookies(officer.context.cookies())
    small.goto(f"{live_server.url}/staff/cases/{case.pk}/")
    small.locator("#act-recording summary").click()
    expect(small.locator("#recording-file")).to_be_visible()
    assert small.evaluate("document.documentElement.scrollWidth") <= 375
    phone.close()
    officer.context.close()
