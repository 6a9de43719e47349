"""Reads of the exchange app for the staff pages and the API (always through ``access``: what the user may read)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet

from sanxiang.core.errors import NotFound
from sanxiang.exchange.access import readable_messages, readable_receivers
from sanxiang.exchange.models import Attempt, Message, MessageState, Receiver


@dataclass(frozen=True)
class ReceiverRow:
    receiver: Receiver
    pending: int
    retrying: int
    delivered: int


def receiver_rows(user: Any) -> list[ReceiverRow]:
    qs = readable_receivers(user).annotate(
        n_pending=Count("messages", filter=Q(messages__state=MessageState.PENDING)),
        n_retrying=Count("messages", filter=Q(messages__state=MessageState.RETRYING)),
        n_delivered=Count("messages", filter=Q(messages__state=MessageState.DELIVERED)),
    )
    return [
        ReceiverRow(receiver=r, pending=r.n_pending, retrying=r.n_retrying, delivered=r.n_delivered)
        for r in qs.order_by("name")
    ]


def receiver_for(user: Any, pk: Any) -> Receiver:
    receiver = readable_receivers(user).filter(pk=_int(pk)).first()
    if receiver is None:
        raise NotFound()
    return receiver


def message_for(user: Any, pk: Any) -> Message:
    message = readable_messages(user).filter(pk=_int(pk)).first()
    if message is None:
        raise NotFound()
    return message


def outbox(receiver: Receiver, state: str = "") -> QuerySet[Message]:
    """The receiver's messages, newest first, with their attempt counts (filtered by ``state`` when valid)."""
    qs = receiver.messages.annotate(n_attempts=Count("attempts")).order_by("-ledger_seq", "-id")
    if state in MessageState.values:
        qs = qs.filter(state=state)
    return qs


def attempts_of(message: Message) -> QuerySet[Attempt]:
    return message.attempts.order_by("-started_at", "-id")


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1
