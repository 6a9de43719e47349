"""Delivering the outbox: signed POSTs, strictly in order per receiver, retried with backoff forever.

For each active receiver, its first undelivered message (in ``(ledger_seq, id)`` order) is sent once it is due; on a
2xx answer it is delivered and the next one is sent, otherwise it waits ``backoff(failures)`` and the ones behind it
wait too. A message is claimed by a short lease (a conditional UPDATE) before the request and the request is made
outside any transaction, so a slow receiver never holds a database lock and two workers never send the same
receiver's messages at once. The clock is a parameter (``now=``): tests advance it instead of sleeping.

Each request::

    POST <url>
    Content-Type: application/json
    Idempotency-Key: <message id>
    X-Sanxiang-Timestamp: <unix seconds>
    X-Sanxiang-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>

The body is the envelope's RFC 8785 canonical JSON, the same bytes on every attempt.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from sanxiang.core.canonical import canonical_json
from sanxiang.exchange import secrets
from sanxiang.exchange.models import Attempt, Message, MessageState, Receiver

MAX_ERROR_CHARS = 500


def backoff(failures: int) -> dt.timedelta:
    """The wait after the ``failures``-th failure in a row: FIRST, 2×FIRST, 4×FIRST … capped at MAX (seconds)."""
    first = max(1, int(settings.SANXIANG_EXCHANGE_BACKOFF_FIRST))
    cap = max(first, int(settings.SANXIANG_EXCHANGE_BACKOFF_MAX))
    if failures <= 0:
        return dt.timedelta(0)
    # Beyond 2**32 the cap has long been reached; the exponent is bounded so the number stays small.
    seconds = first * (2 ** min(failures - 1, 32))
    return dt.timedelta(seconds=min(seconds, cap))


def lease_time() -> dt.timedelta:
    return dt.timedelta(seconds=2 * int(settings.SANXIANG_EXCHANGE_TIMEOUT) + 30)


def body_of(message: Message) -> bytes:
    return canonical_json(message.envelope)


def signature(secret: bytes, timestamp: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret, timestamp.encode("ascii") + b"." + body, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Answer:
    """What one POST got: an HTTP status, or none and an error."""

    status: int | None
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


Sender = Callable[[str, bytes, dict[str, str], float], Answer]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is not an acceptance: urllib would turn the POST into a GET and count its 200 as delivered."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def http_post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> Answer:
    if not url.lower().startswith(("http://", "https://")):
        return Answer(status=None, error="接收地址不是 http:// 或 https:// 网址。")
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 (http(s) only)
    try:
        with _opener.open(request, timeout=timeout) as response:
            response.read(65536)
            return Answer(status=int(response.status))
    except urllib.error.HTTPError as exc:
        try:
            detail = exc.read(MAX_ERROR_CHARS).decode("utf-8", "replace")
        except Exception:  # a broken error body is still an HTTP status
            detail = ""
        finally:
            exc.close()
        return Answer(status=int(exc.code), error=detail[:MAX_ERROR_CHARS])
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", None) or exc
        return Answer(status=None, error=f"{type(exc).__name__}: {reason}"[:MAX_ERROR_CHARS])


@dataclass
class Report:
    delivered: int = 0
    failed: int = 0
    # The receivers whose head message is not due yet or is being sent by another worker.
    waiting: int = 0
    sent_keys: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, int]:
        return {"delivered": self.delivered, "failed": self.failed, "waiting": self.waiting}


def head_of(receiver: Receiver) -> Message | None:
    """The receiver's first undelivered message."""
    return (
        Message.objects.filter(receiver=receiver)
        .exclude(state=MessageState.DELIVERED)
        .order_by("ledger_seq", "id")
        .first()
    )


def _claim(receiver: Receiver, now: dt.datetime) -> Message | None:
    """The head message, leased to this worker, if it is due and nobody else holds it."""
    head = head_of(receiver)
    if head is None or head.next_attempt_at > now:
        return None
    if head.leased_until is not None and head.leased_until > now:
        return None
    claimed = (
        Message.objects.filter(pk=head.pk, state=head.state, failures=head.failures)
        .filter(Q(leased_until__isnull=True) | Q(leased_until__lte=now))
        .update(leased_until=now + lease_time())
    )
    return head if claimed == 1 else None


def send_one(message: Message, *, now: dt.datetime, send: Sender = http_post) -> Attempt:
    """One attempt at ``message`` (already claimed), its result written: delivered, or retried after backoff."""
    receiver = message.receiver
    body = body_of(message)
    started = time.monotonic()
    try:
        secret = secrets.load(receiver.pk, receiver.secret_fingerprint)
    except secrets.SecretUnavailable as exc:
        answer = Answer(status=None, error=str(exc))
    else:
        timestamp = str(int(now.timestamp()))
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "sanxiang-exchange/1",
            "Idempotency-Key": str(message.key),
            "X-Sanxiang-Timestamp": timestamp,
            "X-Sanxiang-Signature": signature(secret, timestamp, body),
            "X-Sanxiang-Topic": message.topic,
        }
        answer = send(receiver.url, body, headers, float(settings.SANXIANG_EXCHANGE_TIMEOUT))
    duration_ms = int((time.monotonic() - started) * 1000)
    with transaction.atomic():
        attempt = Attempt.objects.create(
            message=message,
            started_at=now,
            duration_ms=duration_ms,
            status_code=answer.status,
            error=answer.error if not answer.ok else "",
            delivered=answer.ok,
        )
        if answer.ok:
            Message.objects.filter(pk=message.pk).update(
                state=MessageState.DELIVERED, delivered_at=now, leased_until=None, failures=0
            )
        else:
            failures = message.failures + 1
            Message.objects.filter(pk=message.pk).update(
                state=MessageState.RETRYING,
                failures=failures,
                next_attempt_at=now + backoff(failures),
                leased_until=None,
            )
    return attempt


def deliver_due(
    *,
    now: dt.datetime | None = None,
    send: Sender = http_post,
    receivers: list[Receiver] | None = None,
    limit: int = 1000,
) -> Report:
    """Send every due message, in order per receiver, at most ``limit`` attempts in all; the clock is ``now``."""
    report = Report()
    if receivers is None:
        undelivered = Message.objects.exclude(state=MessageState.DELIVERED).values("receiver_id")
        receivers = list(Receiver.objects.filter(active=True, pk__in=undelivered).order_by("pk"))
    budget = limit
    for receiver in receivers:
        if not receiver.active:
            continue
        while budget > 0:
            moment = now or timezone.now()
            message = _claim(receiver, moment)
            if message is None:
                if head_of(receiver) is not None:
                    report.waiting += 1
                break
            message.receiver = receiver
            budget -= 1
            attempt = send_one(message, now=moment, send=send)
            if not attempt.delivered:
                report.failed += 1
                break
            report.delivered += 1
            report.sent_keys.append(str(message.key))
    return report


def next_due() -> dt.datetime | None:
    """When the earliest waiting head message of an active receiver is due (None: nothing to send)."""
    earliest: dt.datetime | None = None
    undelivered = Message.objects.exclude(state=MessageState.DELIVERED)
    for receiver in Receiver.objects.filter(active=True, pk__in=undelivered.values("receiver_id")):
        head = head_of(receiver)
        if head is None:
            continue
        due = max(head.next_attempt_at, head.leased_until or head.next_attempt_at)
        if earliest is None or due < earliest:
            earliest = due
    return earliest
