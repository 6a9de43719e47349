"""``sanxiang exchange``: receivers configured from the console (recorded like any change) and the delivery run."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from sanxiang.conftest import Bureau
from sanxiang.exchange import secrets
from sanxiang.exchange.models import Receiver
from sanxiang.exchange.tests.conftest import SECRET, PushServer
from sanxiang.ledger.models import Entry
from sanxiang.registry.tests.factories import officer_data, publish


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("exchange", *args, stdout=out)
    return out.getvalue()


def test_receiver_add_list_disable_and_deliver(bureau: Bureau, server: PushServer, tmp_path: Path) -> None:
    secret_file = tmp_path / "secret.txt"
    secret_file.write_text(SECRET + "\n")
    out = run(
        "receiver-add", "区公示平台", server.url, "--topics", "registry.officers",
        "--agency", bureau.agency.name, "--secret-file", str(secret_file), "--actor", "reviewer",
    )  # fmt: skip
    assert "已新增接收方：区公示平台" in out and SECRET not in out
    receiver = Receiver.objects.get()
    assert receiver.secret_fingerprint == secrets.fingerprint(SECRET)
    assert Entry.objects.filter(action="exchange_receiver.create", actor_id=bureau.reviewer.pk).count() == 1

    publish("officers", bureau=bureau, data=officer_data(bureau))
    assert "待发送 1" in run("receiver-list")
    assert "送达 1 条" in run("deliver", "--once")
    assert len(server.accepted) == 1 and server.accepted[0].signature_valid()
    assert "已送达 1" in run("receiver-list")

    run("receiver-disable", "区公示平台", "--reason", "平台迁移", "--actor", "reviewer")
    assert not Receiver.objects.get().active


def test_a_generated_secret_is_printed_once(bureau: Bureau) -> None:
    out = run("receiver-add", "市信用平台", "https://credit.example/push", "--topics", "*", "--actor", "root")
    secret = out.split("签名密钥（只显示这一次）：")[1].strip()
    assert secrets.fingerprint(secret) == Receiver.objects.get().secret_fingerprint
    assert Receiver.objects.get().agency_id is None


def test_refusals_are_clear_and_write_nothing(bureau: Bureau) -> None:
    with pytest.raises(CommandError, match="只有系统管理员"):
        run("receiver-add", "市信用平台", "https://credit.example/push", "--topics", "*", "--actor", "reviewer")
    with pytest.raises(CommandError, match="只有本机构法规科"):
        run(
            "receiver-add", "区平台", "https://x.example/", "--topics", "*",
            "--agency", bureau.agency.name, "--actor", "clerk",
        )  # fmt: skip
    with pytest.raises(CommandError, match="没有名为“不存在”的接收方"):
        run("receiver-disable", "不存在", "--reason", "x", "--actor", "reviewer")
    assert not Receiver.objects.exists()


def test_an_intranet_host_name_is_a_valid_address(bureau: Bureau) -> None:
    run("receiver-add", "内网平台", "http://gs-platform:8080/push", "--topics", "*", "--actor", "root")
    assert Receiver.objects.get().url == "http://gs-platform:8080/push"
