"""Writing the outbox: the ledger's record listener turns each pushed entry into one message per subscribed receiver.

It runs inside the recording transaction, after the change and its entry are written, so a rolled-back change
writes no message and a committed one cannot be lost. Delivery is queued once per transaction, after commit.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from typing import Any

from django.db import transaction

from sanxiang.core.canonical import format_datetime
from sanxiang.exchange.models import Message, MessageState, Receiver
from sanxiang.exchange.topics import topic_for
from sanxiang.org.models import Agency

logger = logging.getLogger(__name__)

ENVELOPE_VERSION = 1


def agency_ref(agency_id: int | None) -> dict[str, Any] | None:
    if agency_id is None:
        return None
    agency = Agency.objects.filter(pk=agency_id).only("name", "uscc").first()
    if agency is None:
        return None
    return {"id": agency.pk, "name": agency.name, "uscc": agency.uscc}


def envelope(
    *, key: uuid.UUID, topic: str, entry: Any, agency_id: int | None, payload: dict[str, Any]
) -> dict[str, Any]:
    """The message as sent (docs/exchange-schema.json)."""
    occurred: dt.datetime = entry.time
    return {
        "version": ENVELOPE_VERSION,
        "id": str(key),
        "topic": topic,
        "action": entry.action,
        "ledger_seq": entry.seq,
        "leaf_hash": entry.leaf_hash,
        "occurred_at": format_datetime(occurred),
        "agency": agency_ref(agency_id),
        "payload": payload,
    }


_tables_ready: set[str] = set()  # database aliases where the exchange's tables are known to exist


def _tables_exist() -> bool:
    """False only while migrating a new database, before the exchange's first migration (a data migration of an
    earlier app may record a pushed action: there is nobody to push to yet)."""
    connection = transaction.get_connection()
    if connection.alias in _tables_ready:
        return True
    if Receiver._meta.db_table in connection.introspection.table_names():
        _tables_ready.add(connection.alias)
        return True
    return False


def on_recorded(entry: Any, subject: Any) -> None:
    """The ledger's record listener (``sanxiang.ledger.registry.register_record_listener``)."""
    topic = topic_for(entry.action)
    if topic is None or not _tables_exist():
        return
    agency_id = topic.agency_id(subject)
    receivers = [
        r
        for r in Receiver.objects.filter(active=True).only("pk", "topics", "agency_id")
        if r.subscribes(topic.topic) and (r.agency_id is None or r.agency_id == agency_id)
    ]
    if not receivers:
        return
    payload = topic.build(entry, subject)
    if payload is None:
        return
    key = uuid.uuid4()
    body = envelope(key=key, topic=topic.topic, entry=entry, agency_id=agency_id, payload=payload)
    Message.objects.bulk_create(
        [
            Message(
                key=key,
                receiver=receiver,
                topic=topic.topic,
                action=entry.action,
                ledger_seq=entry.seq,
                leaf_hash=entry.leaf_hash,
                agency_id=agency_id,
                envelope=body,
                created_at=entry.time,
                state=MessageState.PENDING,
                next_attempt_at=entry.time,
            )
            for receiver in receivers
        ]
    )
    _deliver_on_commit()


def _deliver_soon() -> None:
    from sanxiang.exchange.tasks import schedule_delivery

    try:
        schedule_delivery()
    except Exception:  # after commit: a queueing failure must not fail the write (the deliver command catches up)
        logger.exception("could not queue the exchange delivery task")


def _deliver_on_commit() -> None:
    """Once per transaction (as the ledger's checkpoint scheduling)."""
    connection = transaction.get_connection()
    current = set(connection.savepoint_ids)
    if any(func is _deliver_soon and sids <= current for sids, func, _ in connection.run_on_commit):
        return
    transaction.on_commit(_deliver_soon, robust=True)
