"""The portal in a real browser: Playwright driving Debian's headless Chromium against pytest-django's live server.

Data is created inside each test through the services (the ``publisher`` fixture: create → submit → approve).
No sleeps: Playwright's expectations wait for the page.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from pyzbar.pyzbar import decode

from sanxiang.portal.tests.conftest import item_data, officer_data

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Playwright's sync API runs an event loop in this thread; Django would otherwise refuse ORM calls from it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

playwright_sync = pytest.importorskip("playwright.sync_api")
expect = playwright_sync.expect


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    # A CSP violation or a script error shows up here; the portal must have none.
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.console_errors = errors
    yield page
    context.close()


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    context = browser.new_context(
        viewport={"width": 375, "height": 812}, device_scale_factor=2, is_mobile=True, has_touch=True
    )
    yield context.new_page()
    context.close()


def test_home_opens_and_leads_to_the_lists(live_server, page, bureau, publisher):
    publisher.publish("officers", officer_data())
    page.goto(live_server.url + "/")
    expect(page).to_have_title("行政执法公示 · 三项制度")
    expect(page.get_by_role("heading", name="行政执法公示", level=1)).to_be_visible()
    expect(page.get_by_role("link", name="兴隆台区应急管理局")).to_be_visible()
    page.get_by_role("link", name="人员资格清单").click()
    expect(page).to_have_url(live_server.url + "/officers/")
    expect(page.locator("#results")).to_contain_text("张建国")
    assert page.console_errors == []


def test_searching_the_officer_list_updates_the_results_in_place(live_server, page, bureau, publisher):
    publisher.publish("officers", officer_data("21110320230001", "张建国"))
    publisher.publish("officers", officer_data("21110320230002", "李秀英"))
    page.goto(live_server.url + reverse("portal:list", args=["officers"]))
    results = page.locator("#results")
    expect(results).to_contain_text("李秀英")
    # Wait for htmx to initialise, and mark the window: a full page load would lose the mark.
    page.wait_for_function("() => window.htmx !== undefined")
    page.evaluate("() => { window.__stillSamePage = true; }")

    page.get_by_label("关键词").fill("建国")
    page.get_by_label("关键词").press("Enter")

    expect(results).to_contain_text("共 1 条")
    expect(results).to_contain_text("张建国")
    expect(results).not_to_contain_text("李秀英")
    expect(page).to_have_url(re.compile(r"/officers/\?q=%E5%BB%BA%E5%9B%BD(&|$)"))
    assert page.evaluate("() => window.__stillSamePage") is True  # htmx swapped the results, no reload
    assert page.console_errors == []


def test_paging_swaps_the_results_in_place_and_keeps_the_search(live_server, page, bureau, publisher):
    for n in range(23):
        publisher.publish("officers", officer_data(f"P-{n:03d}", f"执法员{n:03d}"))
    publisher.publish("officers", officer_data("Q-001", "李秀英"))
    page.goto(live_server.url + reverse("portal:list", args=["officers"]) + "?q=执法员")
    results = page.locator("#results")
    expect(results).to_contain_text("第 1/2 页")
    page.wait_for_function("() => window.htmx !== undefined")
    page.evaluate("() => { window.__stillSamePage = true; }")

    results.get_by_role("link", name="下一页").click()

    expect(results).to_contain_text("第 2/2 页")
    expect(results.locator("tbody tr")).to_have_count(3)
    expect(results).not_to_contain_text("李秀英")
    expect(page).to_have_url(re.compile(r"[?&]page=2"))
    assert page.evaluate("() => window.__stillSamePage") is True
    assert page.console_errors == []


def test_searching_works_without_javascript(live_server, browser, bureau, publisher):
    publisher.publish("items", item_data(bureau, code="X-1", name="对危化品经营单位未建立事故隐患排查治理制度的处罚"))
    publisher.publish("items", item_data(bureau, code="X-2", name="对非煤矿山企业未按规定配备安全管理人员的处罚"))
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + reverse("portal:list", args=["items"]))
    page.get_by_label("关键词").fill("危化")
    page.get_by_role("button", name="查询").click()
    expect(page.locator("#results")).to_contain_text("危化品经营单位")
    expect(page.locator("#results")).not_to_contain_text("非煤矿山")
    context.close()


def test_qr_code_decodes_to_the_verification_page_of_the_officer(live_server, page, settings, bureau, publisher):
    settings.PUBLIC_BASE_URL = live_server.url
    officer = publisher.publish("officers", officer_data())
    page.goto(live_server.url + reverse("portal:certificate-qr", args=[officer.certificate_number]))
    expect(page.get_by_role("img", name="扫码核验 张建国 的执法证")).to_be_visible()

    png = page.request.get(live_server.url + reverse("portal:certificate-qr-png", args=[officer.certificate_number]))
    assert png.ok and png.headers["content-type"] == "image/png"
    symbols = decode(Image.open(io.BytesIO(png.body())))
    assert len(symbols) == 1
    url = symbols[0].data.decode()
    assert url == live_server.url + "/verify/certificate/21110320230001/"

    page.goto(url)
    expect(page.locator(".verify__name")).to_have_text("张建国")
    expect(page.locator(".verify__state-value")).to_have_text("有效")
    expect(page.get_by_text("兴隆台区应急管理局")).to_be_visible()
    assert page.console_errors == []


def test_expired_certificate_is_marked_not_valid(live_server, page, bureau, publisher):
    today = timezone.localdate()
    officer = publisher.publish(
        "officers",
        officer_data(
            "21110320200007",
            "王过期",
            valid_from=today - dt.timedelta(days=900),
            valid_until=today - dt.timedelta(days=3),
        ),
    )
    page.goto(live_server.url + reverse("portal:verify-certificate", args=[officer.certificate_number]))
    expect(page.locator(".verify__state-value")).to_have_text("已过期")
    expect(page.locator("article.verify")).to_have_class("verify verify--bad")
    expect(page.get_by_role("status")).to_contain_text("不能")
    # The list shows the state too.
    page.goto(live_server.url + reverse("portal:list", args=["officers"]))
    expect(page.locator("#results .badge")).to_have_text("已过期")


def test_pages_have_no_horizontal_scroll_on_a_phone(live_server, phone, bureau, publisher):
    item = publisher.publish("items", item_data(bureau))
    officer = publisher.publish("officers", officer_data(department_id=bureau.section.pk))
    publisher.change("items", item, {"time_limit_days": 60})
    urls = [
        reverse("portal:home"),
        reverse("portal:list", args=["items"]),
        reverse("portal:list", args=["officers"]),
        reverse("portal:detail", args=["items", item.pk]),
        reverse("portal:detail", args=["agencies", bureau.agency.pk]),
        reverse("portal:verify-certificate", args=[officer.certificate_number]),
        reverse("portal:certificate-qr", args=[officer.certificate_number]),
    ]
    for url in urls:
        phone.goto(live_server.url + url)
        expect(phone.locator("main h1").first).to_be_visible()
        widths = phone.evaluate(
            "() => ({scroll: document.documentElement.scrollWidth, view: document.documentElement.clientWidth})"
        )
        assert widths["view"] == 375
        assert widths["scroll"] <= widths["view"], f"{url} scrolls sideways: {widths}"
