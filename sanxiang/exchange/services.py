"""Writes of the exchange app: receivers and replays, each in one transaction with its permission check and ledger
entry. (Messages and attempts are written by the outbox listener and the delivery, see ``models``.)"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from django.db import transaction
from django.utils import timezone

from sanxiang.core.errors import InvalidTransition, ValidationError, full_clean_or_raise
from sanxiang.exchange import secrets
from sanxiang.exchange.access import require_keeper
from sanxiang.exchange.models import Message, MessageState, Receiver, Replay, subscribed
from sanxiang.exchange.topics import TOPIC_NAME, topic_names
from sanxiang.ledger.services import record
from sanxiang.org.models import Agency


def clean_topics(value: Any) -> list[str]:
    """A list of topic names or patterns (``*``, ``registry.*``); a string may separate them by commas or spaces."""
    if isinstance(value, str):
        value = [part for part in re.split(r"[\s,，、]+", value) if part]
    if not isinstance(value, list | tuple) or not value:
        raise ValidationError({"topics": ["至少订阅一个主题。"]})
    known = topic_names()
    result: list[str] = []
    for raw in value:
        pattern = str(raw).strip()
        if pattern != "*":
            name = pattern[:-2] if pattern.endswith(".*") else pattern
            if not TOPIC_NAME.match(name) or not any(subscribed(pattern, topic) for topic in known):
                raise ValidationError(
                    {"topics": [f"主题“{pattern}”不存在。可订阅的主题：{'、'.join(known) or '（无）'}，或 *。"]}
                )
        if pattern not in result:
            result.append(pattern)
    return sorted(result)


def clean_url(value: Any) -> str:
    url = str(value or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError({"url": ["接收地址应为 http:// 或 https:// 开头的完整网址。"]})
    if parts.username or parts.password:
        raise ValidationError({"url": ["接收地址中不能包含用户名或密码（用密钥签名）。"]})
    return url


def _clean_name(value: Any, *, exclude_pk: int | None = None) -> str:
    name = str(value or "").strip()
    if not name:
        raise ValidationError({"name": ["请填写接收方名称。"]})
    others = Receiver.objects.filter(name=name)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    if others.exists():
        raise ValidationError({"name": [f"已有名为“{name}”的接收方。"]})
    return name


def _locked(receiver: Receiver) -> Receiver:
    return Receiver.objects.select_for_update().get(pk=receiver.pk)


@transaction.atomic
def receiver_add(
    *,
    actor: Any,
    agency: Agency | None,
    name: str,
    url: str,
    topics: Any,
    secret: str = "",
    note: str = "",
) -> tuple[Receiver, str]:
    """A new active receiver; returns it and its secret (generated when none is given: show it once, it is not
    stored anywhere the application shows again)."""
    require_keeper(actor, agency)
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    for key, clean, raw in (
        ("name", _clean_name, name),
        ("url", clean_url, url),
        ("topics", clean_topics, topics),
        ("secret", secrets.clean_secret, secret),
    ):
        try:
            cleaned[key] = clean(raw)
        except ValidationError as exc:
            for field, messages in exc.errors.items():
                errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    receiver = Receiver(
        name=cleaned["name"],
        url=cleaned["url"],
        topics=cleaned["topics"],
        agency=agency,
        active=True,
        secret_fingerprint=secrets.fingerprint(cleaned["secret"]),
        note=str(note or "").strip(),
        created_at=now,
        changed_at=now,
    )
    full_clean_or_raise(receiver)
    receiver.save()
    secrets.store(receiver.pk, cleaned["secret"])
    record(actor=actor, action="exchange_receiver.create", subject=receiver)
    return receiver, cleaned["secret"]


@transaction.atomic
def receiver_update(*, actor: Any, receiver: Receiver, data: dict[str, Any]) -> Receiver:
    """Change the name, address, topics or note (``data`` holds the fields to change)."""
    receiver = _locked(receiver)
    require_keeper(actor, receiver.agency_id)
    unknown = sorted(set(data) - {"name", "url", "topics", "note"})
    if unknown:
        raise ValidationError({name: ["不能修改该字段。"] for name in unknown})
    if "name" in data:
        receiver.name = _clean_name(data["name"], exclude_pk=receiver.pk)
    if "url" in data:
        receiver.url = clean_url(data["url"])
    if "topics" in data:
        receiver.topics = clean_topics(data["topics"])
    if "note" in data:
        receiver.note = str(data["note"] or "").strip()
    receiver.changed_at = timezone.now()
    full_clean_or_raise(receiver)
    receiver.save()
    record(actor=actor, action="exchange_receiver.update", subject=receiver)
    return receiver


@transaction.atomic
def receiver_disable(*, actor: Any, receiver: Receiver, reason: str) -> Receiver:
    """Stop pushing to the receiver: no new messages are written for it, and its waiting ones are held."""
    if not str(reason or "").strip():
        raise ValidationError({"reason": ["停用接收方须说明原因。"]})
    receiver = _locked(receiver)
    require_keeper(actor, receiver.agency_id)
    if not receiver.active:
        raise InvalidTransition("该接收方已停用。")
    receiver.active = False
    receiver.changed_at = timezone.now()
    receiver.save(update_fields=["active", "changed_at"])
    record(actor=actor, action="exchange_receiver.disable", subject=receiver, note=reason.strip())
    return receiver


@transaction.atomic
def receiver_enable(*, actor: Any, receiver: Receiver, note: str = "") -> Receiver:
    """Resume: held messages go out in order; changes made while it was disabled were not written for it."""
    receiver = _locked(receiver)
    require_keeper(actor, receiver.agency_id)
    if receiver.active:
        raise InvalidTransition("该接收方已启用。")
    receiver.active = True
    receiver.changed_at = timezone.now()
    receiver.save(update_fields=["active", "changed_at"])
    record(actor=actor, action="exchange_receiver.enable", subject=receiver, note=note)
    return receiver


@transaction.atomic
def receiver_secret_rotate(*, actor: Any, receiver: Receiver, secret: str = "") -> tuple[Receiver, str]:
    """A new signing secret (given, or generated and returned to be shown once)."""
    receiver = _locked(receiver)
    require_keeper(actor, receiver.agency_id)
    value = secrets.clean_secret(secret)
    receiver.secret_fingerprint = secrets.fingerprint(value)
    receiver.changed_at = timezone.now()
    receiver.save(update_fields=["secret_fingerprint", "changed_at"])
    secrets.store(receiver.pk, value)
    record(actor=actor, action="exchange_receiver.secret_rotate", subject=receiver)
    return receiver, value


@transaction.atomic
def message_replay(*, actor: Any, message: Message, reason: str) -> Replay:
    """Send a delivered message again, with the same key (the receiver may have lost it): it goes back to the head
    of its receiver's queue and out before anything newer."""
    if not str(reason or "").strip():
        raise ValidationError({"reason": ["重新推送须说明原因。"]})
    message = Message.objects.select_for_update().select_related("receiver").get(pk=message.pk)
    require_keeper(actor, message.receiver.agency_id)
    if message.state != MessageState.DELIVERED:
        raise InvalidTransition("该消息尚未送达，正在按计划自动重试，无需重新推送。")
    now = timezone.now()
    replay = Replay.objects.create(message=message, requested_by=actor, requested_at=now, reason=reason.strip())
    Message.objects.filter(pk=message.pk).update(
        state=MessageState.PENDING, failures=0, next_attempt_at=now, leased_until=None
    )
    record(actor=actor, action="exchange_replay.create", subject=replay, note=replay.reason)
    return replay
