"""Rows of the exchange's ledgered models for the ledger's tamper test (sanxiang/ledger/tests/test_verify.py).

Two receivers (the last one's agency can point at another agency), two messages (the replay's message can point at
the other one) and one replay.
"""

from __future__ import annotations

import tempfile
from typing import Any

from django.test import override_settings
from django.utils import timezone

from sanxiang.exchange.delivery import Answer, deliver_due
from sanxiang.exchange.models import Message
from sanxiang.exchange.services import message_replay, receiver_add
from sanxiang.registry.tests.factories import item_data, publish


def _accept(url: str, body: bytes, headers: dict[str, str], timeout: float) -> Answer:
    return Answer(status=200)


def extend(bureau: Any) -> None:
    with override_settings(SANXIANG_EXCHANGE_SECRET_DIR=tempfile.mkdtemp(prefix="sanxiang-exchange-world-")):
        receiver_add(
            actor=bureau.superuser,
            agency=None,
            name="市信用平台",
            url="https://credit.example/push",
            topics=["registry.*"],
        )
        receiver, _ = receiver_add(
            actor=bureau.reviewer,
            agency=bureau.agency,
            name="区行政执法公示平台",
            url="https://publicity.example/push",
            topics="registry.items registry.officers",
            note="区司法局运维",
        )
        publish("items", bureau=bureau, data=item_data(bureau, code="XZCF-901"))
        publish("items", bureau=bureau, data=item_data(bureau, code="XZCF-902"))
        deliver_due(now=timezone.now(), send=_accept)
        message = Message.objects.filter(receiver=receiver).order_by("ledger_seq").first()
        assert message is not None
        message_replay(actor=bureau.reviewer, message=message, reason="对方平台数据恢复")
