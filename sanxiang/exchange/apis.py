"""The exchange app's routers under /api/v1/: the message schema and topics (public), receivers, outboxes, attempt
logs and replay (staff: the legal section, the office and the administrator of the receiver's agency)."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.security import django_auth

from sanxiang.core.errors import NotFound, PermissionDenied
from sanxiang.exchange import selectors, services
from sanxiang.exchange.access import is_reader
from sanxiang.exchange.topics import actions_of, topic_names

public_router = Router(tags=["exchange"])
staff_router = Router(tags=["exchange"], auth=django_auth)


def schema_path() -> Path:
    return Path(settings.REPO_DIR) / "docs" / "exchange-schema.json"


@cache
def message_schema() -> dict[str, Any]:
    """docs/exchange-schema.json (the documented JSON Schema of every pushed message)."""
    return dict(json.loads(schema_path().read_text(encoding="utf-8")))


class TopicOut(Schema):
    topic: str
    actions: list[str]


class ErrorOut(Schema):
    detail: str
    errors: dict[str, list[str]] | None = None


@public_router.get(
    "/exchange/schema.json", response={200: dict[str, Any], 404: ErrorOut}, summary="推送消息的 JSON Schema"
)
def schema(request: HttpRequest) -> Any:
    try:
        return message_schema()
    except OSError as exc:  # a deployment installed without docs/
        raise NotFound("本部署未附带消息格式文档（docs/exchange-schema.json）。") from exc


@public_router.get("/exchange/topics/", response=list[TopicOut], summary="可订阅的推送主题及其动作")
def topics(request: HttpRequest) -> list[TopicOut]:
    return [TopicOut(topic=name, actions=actions_of(name)) for name in topic_names()]


class ReceiverOut(Schema):
    id: int
    name: str
    url: str
    topics: list[str]
    agency_id: int | None
    active: bool
    secret_fingerprint: str = Field(description="签名密钥的 SHA-256（密钥本身从不返回）")
    pending: int
    retrying: int
    delivered: int


class MessageOut(Schema):
    id: int
    key: uuid.UUID = Field(description="消息标识，即 Idempotency-Key")
    receiver_id: int
    topic: str
    action: str
    ledger_seq: int
    leaf_hash: str
    state: str
    failures: int
    created_at: dt.datetime
    next_attempt_at: dt.datetime
    delivered_at: dt.datetime | None


class AttemptOut(Schema):
    started_at: dt.datetime
    duration_ms: int
    status_code: int | None
    error: str
    delivered: bool


class MessageDetailOut(MessageOut):
    envelope: dict[str, Any]
    attempts: list[AttemptOut]


class ReplayIn(Schema):
    reason: str = Field(min_length=1, max_length=1000)


def _reader(request: HttpRequest) -> Any:
    user = request.user
    if not is_reader(user):
        raise PermissionDenied("只有法规科、办公室和系统管理员可以查看数据推送。")
    return user


def _receiver_out(row: selectors.ReceiverRow) -> ReceiverOut:
    r = row.receiver
    return ReceiverOut(
        id=r.pk,
        name=r.name,
        url=r.url,
        topics=list(r.topics),
        agency_id=r.agency_id,
        active=r.active,
        secret_fingerprint=r.secret_fingerprint,
        pending=row.pending,
        retrying=row.retrying,
        delivered=row.delivered,
    )


@staff_router.get("/exchange/receivers/", response=list[ReceiverOut], summary="接收方（本人可查看的）")
def receivers(request: HttpRequest) -> list[ReceiverOut]:
    return [_receiver_out(row) for row in selectors.receiver_rows(_reader(request))]


@staff_router.get(
    "/exchange/receivers/{int:receiver_id}/messages/",
    response={200: list[MessageOut], 403: ErrorOut, 404: ErrorOut},
    summary="接收方的推送队列（最新在前，最多 200 条；state 可为 pending / retrying / delivered）",
)
def receiver_messages(request: HttpRequest, receiver_id: int, state: str = "") -> Any:
    receiver = selectors.receiver_for(_reader(request), receiver_id)
    return list(selectors.outbox(receiver, state)[:200])


@staff_router.get(
    "/exchange/messages/{int:message_id}/",
    response={200: MessageDetailOut, 403: ErrorOut, 404: ErrorOut},
    summary="一条消息及其发送记录",
)
def message(request: HttpRequest, message_id: int) -> Any:
    found = selectors.message_for(_reader(request), message_id)
    return {
        **MessageOut.from_orm(found).model_dump(),
        "envelope": found.envelope,
        "attempts": [AttemptOut.from_orm(a).model_dump() for a in selectors.attempts_of(found)],
    }


@staff_router.post(
    "/exchange/messages/{int:message_id}/replay/",
    response={200: MessageOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="重新推送已送达的消息（同一幂等键，记入留痕）",
)
def replay(request: HttpRequest, message_id: int, payload: ReplayIn) -> Any:
    found = selectors.message_for(_reader(request), message_id)
    services.message_replay(actor=request.user, message=found, reason=payload.reason)
    found.refresh_from_db()
    return found
