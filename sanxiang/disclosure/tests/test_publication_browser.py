"""A published decision verified in the browser (核验本条记录): the record the page shows, hashed with vendored
JavaScript (no crypto.subtle), walked up its inclusion proof and checked against the signed checkpoint; one changed
byte of the record, or a withdrawn publication's page showing the old text, fails."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from sanxiang.disclosure import services
from sanxiang.disclosure.models import Publication, PublicationTask
from sanxiang.disclosure.tests.conftest import CaseWorld, decide_summary
from sanxiang.ledger.checkpoints import checkpoint_sign
from sanxiang.portal.tests.test_record_proof_browser import (
    STEPS,
    _assert_failed,
    _verify,
    ledger_dirs,
    page,
)

__all__ = ["ledger_dirs", "page"]

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def publication(case_world: CaseWorld) -> Publication:
    task = PublicationTask.objects.get(case=decide_summary(case_world))
    published = services.publication_publish(actor=case_world.bureau.reviewer, task=task, violation_on=task.decided_on)
    assert published is not None
    services.publication_fulfil(
        actor=case_world.bureau.reviewer, publication=published, on=timezone.localdate(), text="已缴纳罚款"
    )
    checkpoint_sign()
    published.refresh_from_db()
    return published


def _open(page: Any, live_server: Any, publication: Publication) -> Any:
    page.goto(live_server.url + reverse("portal:publication", args=[publication.pk]))
    block = page.locator("[data-record-proof]")
    playwright_expect(block.get_by_role("heading", name="核验本条记录")).to_be_visible()
    return block


def playwright_expect(locator: Any) -> Any:
    from playwright.sync_api import expect

    return expect(locator)


def test_a_published_decision_verifies_and_one_changed_byte_fails(live_server, page, publication):
    block = _open(page, live_server, publication)
    assert _verify(block) == dict.fromkeys(STEPS, True)
    playwright_expect(block.locator("[data-record-result]")).to_have_attribute("data-outcome", "pass")
    assert page.console_errors == []

    # One byte of the shown record: an ASCII digit of the decision date in the raw record (the hashed text).
    day = publication.decided_on.isoformat()
    changed = day[:-1] + ("0" if day[-1] != "0" else "1")
    page.reload()
    block = _open(page, live_server, publication)
    page.evaluate(
        """([day, changed]) => {
          const pre = document.querySelector("[data-record-json]");
          pre.textContent = pre.textContent.replace('"decided_on":"' + day + '"', '"decided_on":"' + changed + '"');
        }""",
        [day, changed],
    )
    outcome = _verify(block)
    assert outcome["记录摘要一致"] is False
    _assert_failed(block)


def test_a_page_showing_other_text_than_the_record_fails(live_server, page, publication):
    block = _open(page, live_server, publication)
    page.evaluate("() => { document.querySelector('[data-record-field=\"party\"]').textContent = '张三'; }")
    outcome = _verify(block)
    assert outcome == {**dict.fromkeys(STEPS, True), "页面显示内容与原始记录一致": False}
    _assert_failed(block)


def test_a_withdrawn_decision_verifies_as_withdrawn(live_server, page, publication, case_world):
    b = case_world.bureau
    today = timezone.localdate()
    services.decision_revoked(actor=b.reviewer, publication=publication, reason="revoked", revoked_on=today)
    services.publication_withdraw(actor=b.reviewer, publication=publication, public_reason="经行政复议撤销")
    checkpoint_sign()
    block = _open(page, live_server, publication)
    playwright_expect(page.locator("#withdrawal-heading")).to_be_visible()
    assert "已缴纳罚款" not in page.content()  # the text and fulfilment are gone from the page…
    assert _verify(block) == dict.fromkeys(STEPS, True)  # …and the withdrawn record is what the log holds now
