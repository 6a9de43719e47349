"""Staff pages and API of the exchange: who may see and do what (the permission suite), and what the pages show."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from sanxiang.conftest import Bureau
from sanxiang.core.testing import Endpoint, Request, html_expect
from sanxiang.exchange.delivery import Answer, deliver_due
from sanxiang.exchange.models import Message, MessageState, Receiver, Replay
from sanxiang.exchange.tests.conftest import add_receiver
from sanxiang.ledger.services import tree_size
from sanxiang.registry.tests.factories import officer_data, publish


def _accept(url: str, body: bytes, headers: dict[str, str], timeout: float) -> Answer:
    return Answer(status=200)


@pytest.fixture
def delivered(bureau: Bureau) -> Message:
    receiver = add_receiver(bureau, "https://publicity.example/push")
    publish("officers", bureau=bureau, data=officer_data(bureau))
    deliver_due(now=timezone.now(), send=_accept)
    message = Message.objects.get(receiver=receiver)
    assert message.state == MessageState.DELIVERED
    return message


def readers(b: Bureau) -> dict[str, Any]:
    """Legal section, office and administrator read; other roles and another agency's people do not."""
    return {
        "permitted": [b.reviewer, b.office_clerk, b.admin, b.superuser],
        "no_permission": [b.officer, b.head, b.leader, b.supervisor],
        "constrained": [b.outsider],
    }


def keepers(b: Bureau) -> dict[str, Any]:
    """Legal section and administrator change; the office only reads."""
    return {
        "permitted": [b.reviewer],
        "no_permission": [b.officer, b.head, b.office_clerk, b.supervisor],
        "constrained": [b.outsider],
    }


def _shows(text: str) -> Callable[[Any], bool]:
    return lambda response: text in response.content.decode()


PAGES: list[Callable[[Bureau, Message], Endpoint]] = [
    lambda b, m: Endpoint(
        Request("get", "/staff/exchange/"),
        permitted=readers(b)["permitted"],
        no_permission=readers(b)["no_permission"],
        constrained=[b.outsider],
        shows=_shows(f"/staff/exchange/receivers/{m.receiver_id}/"),
    ),
    lambda b, m: Endpoint(Request("get", f"/staff/exchange/receivers/{m.receiver_id}/"), **readers(b)),
    lambda b, m: Endpoint(Request("get", f"/staff/exchange/receivers/{m.receiver_id}/?state=delivered"), **readers(b)),
    lambda b, m: Endpoint(Request("get", f"/staff/exchange/messages/{m.pk}/"), **readers(b)),
    lambda b, m: Endpoint(
        Request("post", f"/staff/exchange/messages/{m.pk}/replay/", {"reason": "对方数据丢失"}, format="form"),
        **keepers(b),
    ),
    lambda b, m: Endpoint(
        Request("post", f"/staff/exchange/receivers/{m.receiver_id}/disable/", {"reason": "迁移"}, format="form"),
        **keepers(b),
    ),
    lambda b, m: Endpoint(
        Request(
            "post",
            f"/staff/exchange/receivers/{m.receiver_id}/edit/",
            {"url": "https://new.example/push", "topics": "registry.*", "note": ""},
            format="form",
        ),
        **keepers(b),
    ),
    lambda b, m: Endpoint(
        Request("post", f"/staff/exchange/receivers/{m.receiver_id}/rotate/", {}, format="form"), **keepers(b)
    ),
    lambda b, m: Endpoint(
        Request(
            "post",
            "/staff/exchange/receivers/new/",
            {"name": "信用平台", "url": "https://credit.example/push", "topics": "registry.officers"},
            format="form",
        ),
        permitted=[b.reviewer],
        no_permission=[b.officer, b.head, b.office_clerk, b.supervisor],
    ),
]

APIS: list[Callable[[Bureau, Message], Endpoint]] = [
    lambda b, m: Endpoint(
        Request("get", "/api/v1/staff/exchange/receivers/"),
        permitted=readers(b)["permitted"],
        no_permission=readers(b)["no_permission"],
        constrained=[b.outsider],
        shows=_shows(m.receiver.url),
    ),
    lambda b, m: Endpoint(Request("get", f"/api/v1/staff/exchange/receivers/{m.receiver_id}/messages/"), **readers(b)),
    lambda b, m: Endpoint(Request("get", f"/api/v1/staff/exchange/messages/{m.pk}/"), **readers(b)),
    lambda b, m: Endpoint(
        Request("post", f"/api/v1/staff/exchange/messages/{m.pk}/replay/", {"reason": "对方数据丢失"}), **keepers(b)
    ),
]


@pytest.mark.parametrize("build", PAGES, ids=[f"page{i}" for i in range(len(PAGES))])
def test_page_permissions(client: Client, bureau: Bureau, delivered: Message, build: Any) -> None:
    build(bureau, delivered).check(client, expect=html_expect(), unchanged=tree_size)


@pytest.mark.parametrize("build", APIS, ids=[f"api{i}" for i in range(len(APIS))])
def test_api_permissions(client: Client, bureau: Bureau, delivered: Message, build: Any) -> None:
    build(bureau, delivered).check(client, unchanged=tree_size)


def test_the_secret_is_shown_once_and_the_receiver_pushes_only_its_agency(client: Client, bureau: Bureau) -> None:
    client.force_login(bureau.reviewer)
    response = client.post(
        "/staff/exchange/receivers/new/",
        {"name": "区公示平台", "url": "https://publicity.example/push", "topics": "registry.officers, registry.items"},
    )
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    receiver = Receiver.objects.get()
    assert (receiver.agency_id, receiver.topics) == (bureau.agency.pk, ["registry.items", "registry.officers"])
    text = response.content.decode()
    assert "只显示这一次" in text
    page = client.get(f"/staff/exchange/receivers/{receiver.pk}/").content.decode()
    secret = text.split('<code class="ws-secret">')[1].split("</code>")[0]
    assert len(secret) >= 32 and secret not in page


def test_only_the_deployment_administrator_adds_a_receiver_for_every_agency(client: Client, bureau: Bureau) -> None:
    data = {"name": "市信用平台", "url": "https://credit.example/push", "topics": "*", "all_agencies": "on"}
    client.force_login(bureau.reviewer)
    assert client.post("/staff/exchange/receivers/new/", data).status_code == 403
    client.force_login(bureau.superuser)
    assert client.post("/staff/exchange/receivers/new/", data).status_code == 200
    assert Receiver.objects.get().agency_id is None


def test_bad_input_is_refused_in_chinese_and_writes_nothing(client: Client, bureau: Bureau) -> None:
    client.force_login(bureau.reviewer)
    before = tree_size()
    response = client.post(
        "/staff/exchange/receivers/new/",
        {"name": "区公示平台", "url": "ftp://publicity.example/", "topics": "registry.nothing", "secret": "short"},
    )
    assert response.status_code == 422
    text = response.content.decode()
    assert (
        "接收地址应为 http:// 或 https://" in text
        and "主题“registry.nothing”不存在" in text
        and "密钥至少16个字符" in text
    )
    assert tree_size() == before and not Receiver.objects.exists()


def test_outbox_page_shows_states_and_the_message_page_its_attempts(
    client: Client, bureau: Bureau, delivered: Message
) -> None:
    publish("officers", bureau=bureau, data=officer_data(bureau, certificate_number="21110320190002", name="李明"))
    client.force_login(bureau.office_clerk)
    page = client.get(f"/staff/exchange/receivers/{delivered.receiver_id}/").content.decode()
    assert "已送达" in page and "待发送" in page
    only_pending = client.get(f"/staff/exchange/receivers/{delivered.receiver_id}/?state=pending").content.decode()
    assert f"/staff/exchange/messages/{delivered.pk}/" not in only_pending
    message_page = client.get(f"/staff/exchange/messages/{delivered.pk}/").content.decode()
    assert str(delivered.key) in message_page and "送达" in message_page
    assert "重新推送</button>" not in message_page  # the office reads, does not replay
    client.force_login(bureau.reviewer)
    message_page = client.get(f"/staff/exchange/messages/{delivered.pk}/").content.decode()
    assert "重新推送</button>" in message_page and "csrfmiddlewaretoken" in message_page


def test_replay_through_the_page_needs_a_reason_and_then_requeues(
    client: Client, bureau: Bureau, delivered: Message
) -> None:
    client.force_login(bureau.reviewer)
    response = client.post(f"/staff/exchange/messages/{delivered.pk}/replay/", {"reason": ""})
    assert response.status_code == 422 and not Replay.objects.exists()
    response = client.post(f"/staff/exchange/messages/{delivered.pk}/replay/", {"reason": "对方数据丢失"})
    assert response.status_code == 302
    delivered.refresh_from_db()
    assert delivered.state == MessageState.PENDING and Replay.objects.get().reason == "对方数据丢失"


def test_replay_needs_the_csrf_token(bureau: Bureau, delivered: Message) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(bureau.reviewer)
    assert client.post(f"/staff/exchange/messages/{delivered.pk}/replay/", {"reason": "x"}).status_code == 403
    assert not Replay.objects.exists()


def test_public_schema_and_topics(client: Client) -> None:
    schema = client.get("/api/v1/public/exchange/schema.json").json()
    assert schema["title"].startswith("Sanxiang pushed message")
    topics = {t["topic"]: t["actions"] for t in client.get("/api/v1/public/exchange/topics/").json()}
    assert "officer.certificate_suspend" in topics["registry.officers"]


def test_api_replay_of_an_undelivered_message_is_a_conflict(client: Client, bureau: Bureau) -> None:
    receiver = add_receiver(bureau, "https://publicity.example/push")
    publish("officers", bureau=bureau, data=officer_data(bureau))
    message = Message.objects.get(receiver=receiver)
    client.force_login(bureau.reviewer)
    response = client.post(
        f"/api/v1/staff/exchange/messages/{message.pk}/replay/", {"reason": "x"}, content_type="application/json"
    )
    assert response.status_code == 409 and "自动重试" in response.json()["detail"]
    detail = client.get(f"/api/v1/staff/exchange/messages/{message.pk}/").json()
    assert detail["state"] == "pending" and detail["attempts"] == [] and detail["envelope"]["id"] == str(message.key)
