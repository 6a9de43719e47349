"""The public report in Chromium: no CSP or script errors, the bars drawn to scale by class, phone width without
horizontal scrolling of the page, and the print view without the download links."""

from __future__ import annotations

import os
from typing import Any

import pytest
from django.urls import reverse

from sanxiang.oversight.services import annual_report_publish
from sanxiang.oversight.tests.conftest import YEAR, prepare, standard_complaints, standard_specs

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
# Playwright's sync API runs an event loop in this thread; the ORM calls of the test itself are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
playwright_sync = pytest.importorskip("playwright.sync_api")


def test_report_page_draws_bars_and_prints_without_downloads(browser: Any, live_server: Any, bureau: Any) -> None:
    prepare(bureau, standard_specs(), standard_complaints())
    report = annual_report_publish(actor=bureau.reviewer, agency=bureau.agency, year=YEAR)
    context = browser.new_context(viewport={"width": 375, "height": 812}, is_mobile=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(live_server.url + reverse("portal:annual-detail", args=[report.agency_id, YEAR]))
    assert page.locator("h1").inner_text().endswith(f"{YEAR}年度行政执法数据")
    assert errors == []
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    context.close()

    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    page.goto(live_server.url + reverse("portal:annual-detail", args=[report.agency_id, YEAR]))
    total = page.locator("#cases .annual-bar--w100").first.bounding_box()
    penalty = page.locator("#cases tbody tr").first.locator(".annual-bar").bounding_box()
    assert total is not None and penalty is not None
    # 行政处罚 decided 7 of 11 in all: its bar is 64% of the total's
    assert penalty["width"] == pytest.approx(total["width"] * 64 / 100, abs=2)
    if os.environ.get("SANXIANG_SCREENSHOTS"):
        page.screenshot(path=os.path.join(os.environ["SANXIANG_SCREENSHOTS"], "annual-report.png"), full_page=True)
    page.emulate_media(media="print")
    assert not page.locator(".annual-downloads").is_visible()
    assert page.locator("#timeliness table").is_visible()
    context.close()
