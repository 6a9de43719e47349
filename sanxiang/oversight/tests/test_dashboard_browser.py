"""The dashboard in Chromium: the leader signs in, the overview draws its ECharts charts (SVG) from the json_script
data with no console or CSP error, and on a phone the page itself does not scroll sideways (tables scroll inside)."""

from __future__ import annotations

import os
from typing import Any

import pytest
from django.urls import reverse

from sanxiang.oversight.tests.test_dashboard import build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
playwright_sync = pytest.importorskip("playwright.sync_api")


def test_overview_draws_charts_without_errors(browser: Any, live_server: Any, bureau: Any) -> None:
    build_world(bureau)
    for viewport in ({"width": 1280, "height": 900}, {"width": 375, "height": 812}):
        context = browser.new_context(locale="zh-CN", viewport=viewport)
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m, seen=errors: seen.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e, seen=errors: seen.append(str(e)))
        page.goto(live_server.url + "/staff/login/")
        page.get_by_label("用户名").fill("leader")
        page.get_by_label("密码").fill("pw-leader")
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(lambda url: "/login" not in url)
        page.goto(live_server.url + reverse("oversight:dashboard"))
        page.locator("[data-chart] svg").first.wait_for()
        charts = page.locator("[data-chart]").count()
        assert charts >= 10
        assert page.locator("[data-chart] svg").count() == charts  # every chart drawn
        assert (
            page.locator("#chart-cases_opened [data-chart] svg rect, #chart-cases_opened [data-chart] svg path").count()
            > 0
        )
        assert errors == []
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        if os.environ.get("SANXIANG_SCREENSHOTS"):
            name = f"dashboard-{viewport['width']}.png"
            page.screenshot(path=os.path.join(os.environ["SANXIANG_SCREENSHOTS"], name), full_page=True)
        context.close()
