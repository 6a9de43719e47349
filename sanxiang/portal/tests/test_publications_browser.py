"""The publications list in a real browser: every filter runs the htmx search; the page works without JavaScript.

Also checks that a flush (the end of every transactional test) leaves no orphan index rows behind.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from typing import Any

import pytest

from sanxiang.conftest import Bureau
from sanxiang.disclosure.models import DecisionKind
from sanxiang.disclosure.tests.test_search import make_publication

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
playwright_sync = pytest.importorskip("playwright.sync_api")
expect = playwright_sync.expect


def test_every_filter_searches_with_htmx_and_the_form_works_without_js(
    browser: Any, live_server: Any, bureau: Bureau
) -> None:
    make_publication(bureau, title="罚款的处罚决定", decided_on=dt.date(2026, 1, 5))
    make_publication(
        bureau, title="准予许可的决定", decision_kind=DecisionKind.LICENCE, sanctions=[], decided_on=dt.date(2026, 2, 5)
    )
    make_publication(bureau, title="警告的处罚决定", sanctions=["warning"], decided_on=dt.date(2026, 3, 5))
    url = live_server.url + "/publications/"

    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto(url)
    results = page.locator("#results")
    expect(results).to_contain_text("共 3 条")
    page.select_option("#filter-kind", "licence")  # not the first select: each one must trigger
    expect(page).to_have_url(re.compile(r"kind=licence"))
    expect(results).to_contain_text("准予许可的决定")
    expect(results).not_to_contain_text("警告的处罚决定")
    page.select_option("#filter-kind", "")
    page.select_option("#filter-sanction", "warning")
    expect(results).to_contain_text("共 1 条")
    expect(results).to_contain_text("警告的处罚决定")
    page.fill("#filter-from", "2026-01-01")
    expect(page).to_have_url(re.compile(r"from=2026-01-01"))
    assert errors == []
    context.close()

    plain = browser.new_context(locale="zh-CN", java_script_enabled=False)
    page = plain.new_page()
    page.goto(url)
    page.fill("#filter-q", "处罚")
    page.click("button[type=submit]")
    expect(page.locator("#results")).to_contain_text("共 2 条")
    plain.close()


def test_a_flush_leaves_no_orphan_index_rows(db: Any) -> None:
    # Runs after the test above, whose rows Django's flush deleted: the index must be empty again.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM disclosure_listing")
        assert cursor.fetchone()[0] == 0
