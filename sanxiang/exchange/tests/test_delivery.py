"""The outbox and its delivery: written in the change's transaction, sent in order with signatures and idempotency
keys, retried with backoff without losing anything, replayed with the same key."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from sanxiang.conftest import Bureau
from sanxiang.core.errors import InvalidTransition, PermissionDenied
from sanxiang.exchange import secrets
from sanxiang.exchange.delivery import Answer, _claim, backoff, deliver_due, next_due
from sanxiang.exchange.models import Attempt, Message, MessageState
from sanxiang.exchange.services import message_replay, receiver_disable, receiver_enable, receiver_secret_rotate
from sanxiang.exchange.tests.conftest import SECRET, Clock, PushServer, add_receiver
from sanxiang.ledger.models import Entry
from sanxiang.registry.services import officer_certificate_suspend
from sanxiang.registry.tests.factories import officer_data, publish

NAMES = ("王建国", "李明", "赵晓东", "孙立新")


def publish_officers(bureau: Bureau, count: int, start: int = 1) -> list[Any]:
    return [
        publish(
            "officers",
            bureau=bureau,
            data=officer_data(bureau, name=NAMES[(i - 1) % 4], certificate_number=f"211103201900{i:02d}"),
        )
        for i in range(start, start + count)
    ]


def run_until_idle(clock: Clock, *, until: dt.datetime | None = None, rounds: int = 200) -> int:
    """Deliver what is due, then jump the clock to the next due moment (no sleeping); returns the rounds run."""
    for n in range(rounds):
        deliver_due(now=clock.now)
        due = next_due()
        if due is None or (until is not None and due >= until):
            return n + 1
        clock.to(due)
    raise AssertionError("the outbox did not drain")


def queued(receiver: Any) -> list[Message]:
    return list(Message.objects.filter(receiver=receiver).order_by("ledger_seq", "id"))


def test_a_receiver_failing_five_times_then_accepting_gets_each_message_once_in_order(bureau: Bureau) -> None:
    push = PushServer(respond=lambda n: 500 if n < 5 else 200).start()
    try:
        receiver = add_receiver(bureau, push.url)
        officers = publish_officers(bureau, 3)
        messages = queued(receiver)
        assert len(messages) == 3
        clock = Clock(timezone.now())
        run_until_idle(clock)
    finally:
        push.stop()

    assert [r.status for r in push.requests] == [500] * 5 + [200] * 3
    # The first message is retried alone: the ones behind it wait (strict order per receiver).
    assert [r.key for r in push.requests[:6]] == [str(messages[0].key)] * 6
    assert len({r.body for r in push.requests[:6]}) == 1  # the same bytes on every attempt
    # Each message accepted exactly once, in ledger order, with its own key.
    assert [r.key for r in push.accepted] == [str(m.key) for m in messages]
    seqs = [r.envelope["ledger_seq"] for r in push.accepted]
    assert seqs == sorted(seqs) and len(set(seqs)) == 3
    assert [r.envelope["payload"]["entry"]["id"] for r in push.accepted] == [o.pk for o in officers]
    assert all(r.envelope["id"] == r.key for r in push.requests)
    # Signed with the receiver's secret over timestamp + "." + body; another secret does not verify.
    assert all(r.signature_valid() for r in push.requests)
    assert not any(r.signature_valid("another-secret-0123456789") for r in push.requests)
    assert all(r.headers["Content-Type"].startswith("application/json") for r in push.requests)
    # The attempt log: five failures 10, 20, 40, 80, 160 s apart, then the delivery.
    attempts = list(Attempt.objects.filter(message=messages[0]).order_by("started_at"))
    assert [a.status_code for a in attempts] == [500] * 5 + [200]
    assert [a.delivered for a in attempts] == [False] * 5 + [True]
    gaps = [(b.started_at - a.started_at).total_seconds() for a, b in itertools.pairwise(attempts)]
    assert gaps == [10, 20, 40, 80, 160]
    assert [int(r.headers["X-Sanxiang-Timestamp"]) for r in push.requests[:6]] == [
        int(a.started_at.timestamp()) for a in attempts
    ]
    assert {m.state for m in queued(receiver)} == {MessageState.DELIVERED}
    # Nothing is sent twice afterwards.
    assert deliver_due(now=clock.advance(days=2)).delivered == 0
    assert len(push.requests) == 8


def test_a_receiver_down_for_a_day_loses_nothing_and_catches_up_in_order(bureau: Bureau) -> None:
    probe = PushServer().start()
    port = probe.port
    probe.stop()  # nothing listens on the port: connections are refused
    receiver = add_receiver(bureau, f"http://127.0.0.1:{port}/push")
    officers = publish_officers(bureau, 3)
    officer_certificate_suspend(actor=bureau.reviewer, officer=officers[0], reason="涉嫌违法执法，暂扣待查")
    messages = queued(receiver)
    assert len(messages) == 4

    start = timezone.now()
    clock = Clock(start)
    run_until_idle(clock, until=start + dt.timedelta(days=1))
    attempts = list(Attempt.objects.filter(message__receiver=receiver).order_by("started_at"))
    assert len(attempts) >= 30  # retried all day …
    assert {a.message_id for a in attempts} == {messages[0].pk}  # … the head only, the rest wait behind it
    assert all(a.status_code is None and a.error for a in attempts)
    gaps = [(b.started_at - a.started_at).total_seconds() for a, b in itertools.pairwise(attempts)]
    assert max(gaps) == 3600 and gaps == sorted(gaps)
    assert not Message.objects.filter(receiver=receiver, state=MessageState.DELIVERED).exists()

    push = PushServer(port=port).start()  # back after a day
    try:
        due = next_due()
        assert due is not None and due - clock.now <= dt.timedelta(hours=1)
        run_until_idle(Clock(due))
    finally:
        push.stop()
    assert [r.key for r in push.accepted] == [str(m.key) for m in messages]
    assert [r.envelope["action"] for r in push.accepted] == ["officer.publish"] * 3 + ["officer.certificate_suspend"]
    assert push.accepted[-1].envelope["payload"]["entry"]["certificate_state"] == "suspended"
    assert all(r.signature_valid() for r in push.accepted)


def test_a_rolled_back_change_writes_no_message(bureau: Bureau, server: PushServer) -> None:
    receiver = add_receiver(bureau, server.url)
    (officer,) = publish_officers(bureau, 1)
    assert len(queued(receiver)) == 1

    class Abort(Exception):
        pass

    with pytest.raises(Abort), transaction.atomic():
        officer_certificate_suspend(actor=bureau.reviewer, officer=officer, reason="暂扣")
        assert len(queued(receiver)) == 2  # written in the change's own transaction …
        raise Abort
    assert len(queued(receiver)) == 1  # … and gone with it
    run_until_idle(Clock(timezone.now()))
    assert [r.envelope["action"] for r in server.accepted] == ["officer.publish"]


def test_delivery_is_queued_after_commit_and_the_task_delivers(
    bureau: Bureau, server: PushServer, django_capture_on_commit_callbacks: Any
) -> None:
    from django_tasks_db.models import DBTaskResult

    from sanxiang.exchange.outbox import _deliver_soon
    from sanxiang.exchange.tasks import deliver_pending

    add_receiver(bureau, server.url)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        publish_officers(bureau, 1)
    assert _deliver_soon in callbacks
    with django_capture_on_commit_callbacks(execute=True):
        publish_officers(bureau, 1, start=2)
    assert DBTaskResult.objects.filter(task_path=deliver_pending.module_path).exists()
    assert deliver_pending.call() == {"delivered": 2, "failed": 0, "waiting": 0}
    assert len(server.accepted) == 2


def test_no_write_queues_delivery_when_nobody_subscribes(
    bureau: Bureau, django_capture_on_commit_callbacks: Any
) -> None:
    from sanxiang.exchange.outbox import _deliver_soon

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        publish_officers(bureau, 1)
    assert _deliver_soon not in callbacks
    assert not Message.objects.exists()


def test_replay_sends_the_same_message_with_the_same_key_and_is_recorded(bureau: Bureau, server: PushServer) -> None:
    receiver = add_receiver(bureau, server.url)
    publish_officers(bureau, 2)
    first, second = queued(receiver)
    with pytest.raises(InvalidTransition):
        message_replay(actor=bureau.reviewer, message=first, reason="对方数据丢失")  # not delivered yet
    clock = Clock(timezone.now())
    run_until_idle(clock)
    assert len(server.accepted) == 2
    with pytest.raises(PermissionDenied):
        message_replay(actor=bureau.office_clerk, message=first, reason="对方数据丢失")
    with pytest.raises(PermissionDenied):
        message_replay(actor=bureau.outsider, message=first, reason="对方数据丢失")

    replay = message_replay(actor=bureau.reviewer, message=first, reason="对方平台恢复备份后数据丢失")
    entry = Entry.objects.get(action="exchange_replay.create")
    assert (entry.subject_type, entry.subject_id, entry.actor_id) == (
        "exchange.replay",
        str(replay.pk),
        bureau.reviewer.pk,
    )
    run_until_idle(Clock(timezone.now() + dt.timedelta(seconds=1)))
    assert [r.key for r in server.accepted] == [str(first.key), str(second.key), str(first.key)]
    assert server.accepted[2].body == server.accepted[0].body
    assert server.accepted[2].signature_valid()
    first.refresh_from_db()
    assert first.state == MessageState.DELIVERED and first.attempts.count() == 2


def test_messages_follow_the_receivers_topics_and_agency(bureau: Bureau, server: PushServer) -> None:
    from sanxiang.registry.tests.factories import power_data

    officers_only = add_receiver(bureau, server.url, topics="registry.officers", name="人员平台")
    everything = add_receiver(bureau, server.url, topics="*", name="全部", actor=bureau.superuser, agency=None)
    other = add_receiver(
        bureau, server.url, topics="*", name="双台子平台", actor=bureau.outsider, agency=bureau.other_agency
    )
    publish_officers(bureau, 1)
    publish("powers", bureau=bureau, data=power_data())
    assert [m.topic for m in queued(officers_only)] == ["registry.officers"]
    assert [m.topic for m in queued(everything)] == ["registry.officers", "registry.powers"]
    assert queued(other) == []
    # One change, one message id for every receiver.
    assert queued(officers_only)[0].key == queued(everything)[0].key


def test_a_disabled_receiver_gets_no_new_messages_and_its_queue_waits(bureau: Bureau, server: PushServer) -> None:
    receiver = add_receiver(bureau, server.url)
    publish_officers(bureau, 1)
    receiver_disable(actor=bureau.reviewer, receiver=receiver, reason="对方平台迁移")
    publish_officers(bureau, 1, start=2)
    assert len(queued(receiver)) == 1
    assert deliver_due(now=timezone.now()).delivered == 0
    receiver_enable(actor=bureau.reviewer, receiver=receiver)
    assert deliver_due(now=timezone.now()).delivered == 1
    assert [e.action for e in Entry.objects.filter(subject_type="exchange.receiver").order_by("seq")] == [
        "exchange_receiver.create",
        "exchange_receiver.disable",
        "exchange_receiver.enable",
    ]


def test_a_replaced_secret_file_holds_the_queue_until_the_secret_is_rotated(bureau: Bureau, server: PushServer) -> None:
    receiver = add_receiver(bureau, server.url)
    publish_officers(bureau, 1)
    secrets.secret_path(receiver.pk).write_text("someone-else-s-secret-0123456789")
    report = deliver_due(now=timezone.now())
    assert report.failed == 1 and server.requests == []
    assert "指纹不符" in Attempt.objects.get().error
    assert queued(receiver)[0].state == MessageState.RETRYING
    _, secret = receiver_secret_rotate(actor=bureau.reviewer, receiver=receiver)
    assert secret != SECRET
    run_until_idle(Clock(timezone.now()))
    assert len(server.accepted) == 1 and server.accepted[0].signature_valid(secret)


def test_a_message_being_sent_is_not_claimed_twice(bureau: Bureau, server: PushServer) -> None:
    receiver = add_receiver(bureau, server.url)
    publish_officers(bureau, 2)
    now = timezone.now()
    assert _claim(receiver, now) is not None
    assert _claim(receiver, now) is None  # the head is leased; the second message may not overtake it
    assert deliver_due(now=now).delivered == 0


def test_a_redirect_is_not_a_delivery(bureau: Bureau) -> None:
    push = PushServer(respond=lambda n: 302).start()
    try:
        receiver = add_receiver(bureau, push.url)
        publish_officers(bureau, 1)
        report = deliver_due(now=timezone.now())
    finally:
        push.stop()
    assert report.failed == 1
    assert queued(receiver)[0].state == MessageState.RETRYING


def test_the_sender_gets_the_documented_headers(bureau: Bureau) -> None:
    receiver = add_receiver(bureau, "https://platform.example/push")
    publish_officers(bureau, 1)
    seen: list[tuple[str, bytes, dict[str, str], float]] = []

    def fake(url: str, body: bytes, headers: dict[str, str], timeout: float) -> Answer:
        seen.append((url, body, headers, timeout))
        return Answer(status=204)

    now = timezone.now()
    assert deliver_due(now=now, send=fake).delivered == 1
    ((url, body, headers, timeout),) = seen
    message = queued(receiver)[0]
    assert url == "https://platform.example/push" and timeout == 5
    assert headers["Idempotency-Key"] == str(message.key)
    assert headers["X-Sanxiang-Timestamp"] == str(int(now.timestamp()))
    assert json.loads(body) == message.envelope


# --- the backoff schedule ----------------------------------------------------------------------------------------------


def test_backoff_doubles_from_the_first_wait_up_to_the_cap() -> None:
    assert [backoff(n).total_seconds() for n in range(1, 12)] == [
        10,
        20,
        40,
        80,
        160,
        320,
        640,
        1280,
        2560,
        3600,
        3600,
    ]
    assert backoff(10_000).total_seconds() == 3600


def test_backoff_follows_the_settings(settings: Any) -> None:
    settings.SANXIANG_EXCHANGE_BACKOFF_FIRST = 3
    settings.SANXIANG_EXCHANGE_BACKOFF_MAX = 20
    assert [backoff(n).total_seconds() for n in range(1, 6)] == [3, 6, 12, 20, 20]


@hypothesis_settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.integers(min_value=1, max_value=10_000))
def test_backoff_never_shrinks_and_never_passes_the_cap(failures: int) -> None:
    assert 10 <= backoff(failures).total_seconds() <= 3600
    assert backoff(failures) <= backoff(failures + 1)


def test_messages_behind_a_failing_one_wait_even_when_they_are_due(bureau: Bureau) -> None:
    push = PushServer(respond=lambda n: 503 if n == 0 else 200).start()
    try:
        receiver = add_receiver(bureau, push.url)
        publish_officers(bureau, 3)
        first = queued(receiver)[0]
        clock = Clock(timezone.now())
        assert deliver_due(now=clock.now).failed == 1
        # The others are due, the first is not (it waits its backoff): nothing may overtake it.
        for seconds in (1, 5, 9):
            assert deliver_due(now=clock.now + dt.timedelta(seconds=seconds)).delivered == 0
        assert [r.key for r in push.requests] == [str(first.key)]
        assert deliver_due(now=clock.advance(seconds=10)).delivered == 3
    finally:
        push.stop()
    assert [r.key for r in push.accepted] == [str(m.key) for m in queued(receiver)]


def test_the_task_queues_itself_for_the_next_retry(bureau: Bureau) -> None:
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from sanxiang.exchange.tasks import deliver_pending

    push = PushServer(respond=lambda n: 503).start()
    try:
        receiver = add_receiver(bureau, push.url)
        publish_officers(bureau, 1)
        assert deliver_pending.call() == {"delivered": 0, "failed": 1, "waiting": 0}
    finally:
        push.stop()
    message = queued(receiver)[0]
    waiting = DBTaskResult.objects.get(task_path=deliver_pending.module_path, status=TaskResultStatus.READY)
    assert waiting.run_after == message.next_attempt_at
    # Asking again for the same or a later moment queues nothing more.
    from sanxiang.exchange.tasks import schedule_delivery

    schedule_delivery(at=message.next_attempt_at + dt.timedelta(seconds=5))
    assert DBTaskResult.objects.filter(task_path=deliver_pending.module_path).count() == 1
