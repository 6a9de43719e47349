"""What is pushed: the registry's public versions only, under documented topics, in messages the schema accepts."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from django.conf import settings
from django.utils import timezone

from sanxiang.conftest import Bureau
from sanxiang.exchange.delivery import deliver_due
from sanxiang.exchange.models import Message
from sanxiang.exchange.tests.conftest import PushServer, add_receiver
from sanxiang.exchange.topics import register_topic, topic_for, topic_names
from sanxiang.org.listing import entry_approve, entry_create, entry_submit, entry_update, entry_withdraw
from sanxiang.registry.services import officer_annual_review_record, officer_certificate_suspend
from sanxiang.registry.specs import ALL_LISTS
from sanxiang.registry.tests.factories import channel_data, item_data, officer_data, power_data, publish

OFFICERS = ALL_LISTS["officers"]


def schema() -> dict[str, Any]:
    return dict(json.loads((Path(settings.REPO_DIR) / "docs" / "exchange-schema.json").read_text(encoding="utf-8")))


def validator() -> jsonschema.protocols.Validator:
    document = schema()
    cls = jsonschema.validators.validator_for(document)
    cls.check_schema(document)
    return cls(document, format_checker=cls.FORMAT_CHECKER)


def envelopes() -> list[dict[str, Any]]:
    return [m.envelope for m in Message.objects.order_by("ledger_seq", "id")]


def test_every_list_is_a_topic_with_its_actions() -> None:
    names = topic_names()
    assert {f"registry.{key}" for key in ALL_LISTS} <= set(names)
    for action in ("officer.publish", "officer.withdraw", "officer.certificate_revoke", "agency.district_review"):
        assert topic_for(action) is not None
    assert topic_for("officer.create") is None and topic_for("officer.change_submitted") is None


def test_no_message_for_an_unpublished_draft_or_a_staged_change(bureau: Bureau) -> None:
    receiver = add_receiver(bureau, "http://127.0.0.1:9/push")
    draft = entry_create(actor=bureau.reviewer, spec=OFFICERS, agency=bureau.agency, data=officer_data(bureau))
    # A pushed action on a draft: the topic exists, but the builder finds nothing public.
    assert topic_for("officer.annual_review") is not None
    officer_annual_review_record(actor=bureau.reviewer, officer=draft, year=2025, passed=False)
    entry_submit(actor=bureau.reviewer, spec=OFFICERS, obj=draft)
    assert not Message.objects.exists()

    published = entry_approve(actor=bureau.reviewer, spec=OFFICERS, obj=draft)
    entry_update(actor=bureau.reviewer, spec=OFFICERS, obj=published, data={"name": "王建军", "post": "科长"})
    officer_certificate_suspend(actor=bureau.reviewer, officer=published, reason="涉嫌违法执法")
    sent = [m.envelope for m in Message.objects.filter(receiver=receiver).order_by("ledger_seq")]
    assert [e["action"] for e in sent] == ["officer.publish", "officer.certificate_suspend"]
    assert [e["payload"]["entry"]["name"] for e in sent] == ["王建国", "王建国"]  # the published version …
    assert "王建军" not in json.dumps(sent, ensure_ascii=False)  # … never the staged change
    assert sent[1]["payload"]["entry"]["certificate_state"] == "suspended"
    assert "pending" not in sent[1]["payload"]["entry"] and "status" not in sent[1]["payload"]["entry"]

    entry_approve(actor=bureau.reviewer, spec=OFFICERS, obj=published)  # the change published: now it is pushed
    latest = Message.objects.order_by("-ledger_seq").first()
    assert latest is not None and latest.envelope["payload"]["entry"]["name"] == "王建军"


def test_nothing_of_an_agency_the_public_cannot_see(bureau: Bureau) -> None:
    from sanxiang.conftest import make_agency
    from sanxiang.core.models import PublicationStatus

    hidden = make_agency("某区应急管理局（未公示）", status=PublicationStatus.DRAFT, region="211104")
    add_receiver(bureau, "http://127.0.0.1:9/push", actor=bureau.superuser, agency=None, topics="*")
    powers = ALL_LISTS["powers"]
    power = entry_create(actor=bureau.superuser, spec=powers, agency=hidden, data=power_data())
    entry_submit(actor=bureau.superuser, spec=powers, obj=power)
    entry_approve(actor=bureau.superuser, spec=powers, obj=power)
    assert topic_for("power.publish") is not None
    assert not Message.objects.exists()
    publish("powers", bureau=bureau, data=power_data())
    assert Message.objects.count() == 1


def test_produced_messages_validate_against_the_documented_schema(bureau: Bureau) -> None:
    push = PushServer().start()
    try:
        add_receiver(bureau, push.url, topics="*")
        (officer,) = [publish("officers", bureau=bureau, data=officer_data(bureau))]
        officer_certificate_suspend(actor=bureau.reviewer, officer=officer, reason="涉嫌违法执法")
        publish("items", bureau=bureau, data=item_data(bureau))
        channel = publish("complaint-channels", bureau=bureau, data=channel_data())
        entry_withdraw(actor=bureau.reviewer, spec=ALL_LISTS["complaint-channels"], obj=channel, reason="电话已停用")
        deliver_due(now=timezone.now())
    finally:
        push.stop()
    produced = envelopes()
    assert [e["action"] for e in produced] == [
        "officer.publish",
        "officer.certificate_suspend",
        "item.publish",
        "complaint_channel.publish",
        "complaint_channel.withdraw",
    ]
    check = validator()
    for envelope in produced + [r.envelope for r in push.accepted]:
        errors = [e.message for e in check.iter_errors(envelope)]
        assert errors == [], (envelope["action"], errors)
    withdrawn = produced[-1]["payload"]
    assert (withdrawn["status"], withdrawn["entry"], withdrawn["reason"]) == ("withdrawn", None, "电话已停用")
    assert produced[0]["agency"] == {"id": bureau.agency.pk, "name": bureau.agency.name, "uscc": bureau.agency.uscc}
    assert len(push.accepted) == 5


@pytest.mark.parametrize(
    "spoil",
    [
        lambda e: e.pop("leaf_hash"),
        lambda e: e.update(leaf_hash="xyz"),
        lambda e: e.update(id="not-a-uuid"),
        lambda e: e.update(ledger_seq=-1),
        lambda e: e.update(occurred_at="2026-11-24 10:00"),
        lambda e: e.update(extra=1),
        lambda e: e["payload"].update(status="draft"),
        lambda e: e["payload"].update(entry=None),  # published without the entry
        lambda e: e["payload"].pop("list"),
    ],
)
def test_the_schema_rejects_a_spoiled_message(bureau: Bureau, spoil: Any) -> None:
    add_receiver(bureau, "http://127.0.0.1:9/push")
    publish("officers", bureau=bureau, data=officer_data(bureau))
    good = envelopes()[0]
    check = validator()
    assert check.is_valid(good)
    bad = copy.deepcopy(good)
    spoil(bad)
    assert not check.is_valid(bad)


def test_register_topic_checks_names_and_keeps_one_topic_per_action() -> None:
    def build(entry: Any, subject: Any) -> dict[str, Any] | None:
        return None

    with pytest.raises(ValueError):
        register_topic("Publication Publish", topic="publication", build=build)
    with pytest.raises(ValueError):
        register_topic("officer.publish", topic="publication", build=build)  # already registry.officers
    with pytest.raises(ValueError):
        register_topic("x.y", topic="Bad Topic", build=build)


def test_a_topic_registered_by_another_app_is_pushed_with_its_payload(bureau: Bureau) -> None:
    from sanxiang.exchange.topics import _TOPICS

    calls: list[str] = []

    def build(entry: Any, subject: Any) -> dict[str, Any]:
        calls.append(entry.action)
        return {"certificate_number": subject.certificate_number}

    register_topic("officer.update", topic="test-topic", build=build)
    try:
        receiver = add_receiver(bureau, "http://127.0.0.1:9/push", topics="test-topic")
        entry_create(actor=bureau.reviewer, spec=OFFICERS, agency=bureau.agency, data=officer_data(bureau))
        draft = OFFICERS.model.objects.get()
        entry_update(actor=bureau.reviewer, spec=OFFICERS, obj=draft, data={"post": "科长"})
    finally:
        _TOPICS.pop("officer.update")
    (message,) = Message.objects.filter(receiver=receiver)
    assert calls == ["officer.update"]
    assert message.envelope["payload"] == {"certificate_number": "21110320190001"}
    assert message.envelope["topic"] == "test-topic" and message.agency_id == bureau.agency.pk
