"""A department head in Chromium makes a plan on the form, publishes it, publishes the commitment, lets the observer
enter a value and draws; the draw page then shows the selection with links to the opened cases, and fits a phone."""

from __future__ import annotations

import os
from typing import Any

import pytest

from sanxiang.inspections.models import Draw, DrawState, SamplingPlan
from sanxiang.inspections.tests.conftest import InspectionWorld

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
playwright_sync = pytest.importorskip("playwright.sync_api")
expect = playwright_sync.expect

PHONE = {"width": 375, "height": 812}


def fits(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


def test_head_plans_and_draws(live_server: Any, browser: Any, inspection_world: InspectionWorld) -> None:
    w = inspection_world
    context = browser.new_context(locale="zh-CN", viewport={"width": 1200, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(live_server.url + "/staff/login/")
    page.get_by_label("用户名").fill("head")
    page.get_by_label("密码").fill("pw-head")
    page.get_by_role("button", name="登录").click()

    page.goto(live_server.url + "/staff/inspections/")
    page.get_by_role("link", name="新建抽查计划").click()
    page.get_by_label("计划编号").fill("SJJH-2026-201")
    page.get_by_label("计划名称").fill("2026年危险化学品双随机抽查")
    page.get_by_label(w.item.name).check()
    page.get_by_label("检查立案事项").select_option(str(w.cases.items["inspection"].pk))
    page.get_by_label("A类", exact=True).select_option("count")
    page.get_by_label("A类户数或比例").fill("2")
    page.get_by_label("B类", exact=True).select_option("ratio")
    page.get_by_label("B类户数或比例").fill("0.5")
    page.get_by_label("抽查频次").fill("每年一次")
    page.get_by_role("button", name="保存计划").click()
    expect(page.get_by_role("heading", name="2026年危险化学品双随机抽查", level=1)).to_be_visible()
    expect(page.locator(".ws-fields")).to_contain_text("A类：2户")
    expect(page.locator(".ws-fields")).to_contain_text("B类：50%")

    page.get_by_role("button", name="公布计划").click()
    expect(page.locator(".ws-fields")).to_contain_text("已公布")
    page.get_by_role("button", name="公布抽取承诺").click()
    expect(page.get_by_role("heading", name="第1批随机抽取", level=1)).to_be_visible()
    draw = Draw.objects.get(plan=SamplingPlan.objects.get(code="SJJH-2026-201"))
    expect(page.locator(".ix-hash").first).to_have_text(draw.commitment)

    page.get_by_label("见证人", exact=True).fill("监督员张三")
    page.get_by_label("见证人输入值").fill("730412")
    page.get_by_role("button", name="开始抽取").click()
    rows = page.locator("#selection tbody tr")
    expect(rows).to_have_count(4)
    draw.refresh_from_db()
    assert draw.state == DrawState.DRAWN
    for drawn in draw.drawn.select_related("target", "case"):
        assert drawn.case is not None
        expect(page.locator(f'#selection a[href="/staff/cases/{drawn.case.pk}/"]')).to_have_count(1)
        expect(page.locator("#selection")).to_contain_text(drawn.target.uscc)
    page.get_by_role("button", name="重新计算核对").click()
    expect(page.locator("[data-verify=ok]")).to_contain_text("一致")

    phone = browser.new_context(
        locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True, storage_state=context.storage_state()
    )
    small = phone.new_page()
    small.goto(live_server.url + f"/staff/inspections/draws/{draw.pk}/")
    expect(small.locator("#selection tbody tr")).to_have_count(4)
    assert fits(small)
    for path in ("/staff/inspections/", "/staff/inspections/plans/new/", f"/staff/inspections/plans/{draw.plan_id}/"):
        small.goto(live_server.url + path)
        assert fits(small), path
    assert errors == []
    phone.close()
    context.close()
