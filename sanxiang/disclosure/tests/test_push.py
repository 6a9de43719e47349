"""Publications pushed to the district platform: one message per publish, fulfilment and withdrawal, written in the
change's transaction, delivered in order to a real receiver on loopback with the record the portal shows."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from sanxiang.core.canonical import canonical_state
from sanxiang.disclosure import services
from sanxiang.disclosure.models import PublicationTask
from sanxiang.disclosure.tests.conftest import CaseWorld, decide_summary
from sanxiang.exchange.delivery import deliver_due
from sanxiang.exchange.models import Message
from sanxiang.exchange.tests.conftest import PushServer, _secrets_in_tmp, add_receiver, server
from sanxiang.exchange.tests.test_topics import validator

__all__ = ["_secrets_in_tmp", "server"]


def test_publication_changes_are_pushed_in_order_with_the_public_record(
    case_world: CaseWorld, server: PushServer, settings: Any
) -> None:
    b = case_world.bureau
    add_receiver(b, server.url, topics="publication")
    task = PublicationTask.objects.get(case=decide_summary(case_world))
    assert not Message.objects.exists()  # a task is staff-only: nothing to push
    publication = services.publication_publish(actor=b.reviewer, task=task, violation_on=task.decided_on)
    assert publication is not None
    today = timezone.localdate()
    services.publication_fulfil(actor=b.reviewer, publication=publication, on=today, text="已缴纳罚款")
    services.decision_revoked(actor=b.reviewer, publication=publication, reason="changed", revoked_on=today)
    publication = services.publication_withdraw(actor=b.reviewer, publication=publication, public_reason="变更")
    assert list(Message.objects.order_by("ledger_seq").values_list("action", flat=True)) == [
        "publication.publish",
        "publication.fulfil",
        "publication.withdraw",
    ]
    report = deliver_due()
    assert report.delivered == 3
    received = [r.envelope for r in server.accepted]
    assert [e["action"] for e in received] == ["publication.publish", "publication.fulfil", "publication.withdraw"]
    assert all(r.signature_valid() for r in server.accepted)
    last = received[-1]["payload"]
    assert last["record"] == canonical_state(publication) and last["state"] == "withdrawn"
    assert last["record"]["text"] == "" and received[0]["payload"]["record"]["text"] != ""
    assert last["url"] == f"{settings.PUBLIC_BASE_URL}/publications/{publication.pk}/"
    # Every message follows the documented schema (docs/exchange-schema.json), and a spoiled record does not.
    check = validator()
    for envelope in received:
        check.validate(envelope)
    spoiled = {**received[0], "payload": {**received[0]["payload"], "record": {"text": 1}}}
    assert not check.is_valid(spoiled)
