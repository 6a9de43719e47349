"""``sanxiang exchange``: configure receivers and deliver the outbox.

    sanxiang exchange receiver-add NAME URL --topics "registry.* publication" --actor USERNAME
                                   [--agency 执法主体名称] [--secret-file FILE] [--note ...]
    sanxiang exchange receiver-list
    sanxiang exchange receiver-disable NAME --reason ... --actor USERNAME
    sanxiang exchange receiver-enable NAME --actor USERNAME
    sanxiang exchange deliver [--once]

Without ``--agency`` a receiver gets every agency's information and only a deployment administrator may add it.
Without ``--secret-file`` a secret is generated and printed once. ``deliver`` sends what is due and, without
``--once``, keeps running, waking when the next message is due (at most every ``--poll`` seconds).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from sanxiang.core.errors import InvalidTransition, PermissionDenied, ValidationError
from sanxiang.exchange import services
from sanxiang.exchange.delivery import deliver_due, next_due
from sanxiang.exchange.models import MessageState, Receiver
from sanxiang.org.models import Agency, User


def _user(username: str) -> User:
    user = User.objects.filter(username=username).first()
    if user is None or not user.is_active:
        raise CommandError(f"没有用户名为“{username}”的有效用户。")
    return user


def _receiver(name: str) -> Receiver:
    receiver = Receiver.objects.filter(name=name.strip()).first()
    if receiver is None:
        raise CommandError(f"没有名为“{name}”的接收方。")
    return receiver


class Command(BaseCommand):
    help = "数据推送：配置接收方（新增、列出、停用、启用）并发送待推送的消息。"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")
        add = sub.add_parser("receiver-add", help="新增接收方")
        add.add_argument("name")
        add.add_argument("url")
        add.add_argument("--topics", required=True, help="订阅主题，逗号或空格分隔（registry.*、publication、*）")
        add.add_argument("--agency", default="", help="执法主体名称；不填则推送全部主体的信息（须系统管理员）")
        add.add_argument("--secret-file", default="", help="含签名密钥的文件；不填则生成并显示一次")
        add.add_argument("--note", default="")
        add.add_argument("--actor", required=True, help="操作人用户名（记入留痕）")
        sub.add_parser("receiver-list", help="列出接收方及其队列")
        disable = sub.add_parser("receiver-disable", help="停用接收方")
        disable.add_argument("name")
        disable.add_argument("--reason", required=True)
        disable.add_argument("--actor", required=True)
        enable = sub.add_parser("receiver-enable", help="启用接收方")
        enable.add_argument("name")
        enable.add_argument("--actor", required=True)
        deliver = sub.add_parser("deliver", help="发送到期的消息")
        deliver.add_argument("--once", action="store_true", help="发送一轮后退出")
        deliver.add_argument("--poll", type=float, default=30.0, help="持续运行时最长的等待秒数")

    def handle(self, *args: Any, **options: Any) -> None:
        sub = options["subcommand"]
        try:
            if sub == "receiver-add":
                self._add(options)
            elif sub == "receiver-list":
                self._list()
            elif sub == "receiver-disable":
                receiver = services.receiver_disable(
                    actor=_user(options["actor"]), receiver=_receiver(options["name"]), reason=options["reason"]
                )
                self.stdout.write(f"已停用：{receiver.name}")
            elif sub == "receiver-enable":
                receiver = services.receiver_enable(actor=_user(options["actor"]), receiver=_receiver(options["name"]))
                self.stdout.write(f"已启用：{receiver.name}")
            elif sub == "deliver":
                self._deliver(once=options["once"], poll=options["poll"])
        except (ValidationError, PermissionDenied, InvalidTransition) as exc:
            raise CommandError(exc.message) from exc

    def _add(self, options: dict[str, Any]) -> None:
        agency = None
        if options["agency"]:
            agency = Agency.objects.filter(name=options["agency"].strip()).first()
            if agency is None:
                raise CommandError(f"没有名为“{options['agency']}”的执法主体。")
        secret = ""
        if options["secret_file"]:
            try:
                secret = Path(options["secret_file"]).read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise CommandError(f"读不到密钥文件：{exc}") from exc
            if not secret:
                raise CommandError("密钥文件是空的。")
        receiver, value = services.receiver_add(
            actor=_user(options["actor"]),
            agency=agency,
            name=options["name"],
            url=options["url"],
            topics=options["topics"],
            secret=secret,
            note=options["note"],
        )
        self.stdout.write(f"已新增接收方：{receiver.name}（编号 {receiver.pk}），订阅：{'、'.join(receiver.topics)}")
        if not options["secret_file"]:
            self.stdout.write(f"签名密钥（只显示这一次）：{value}")

    def _list(self) -> None:
        receivers = Receiver.objects.select_related("agency").order_by("name")
        if not receivers:
            self.stdout.write("尚未配置接收方。")
        for r in receivers:
            states = {s: r.messages.filter(state=s).count() for s in MessageState.values}
            self.stdout.write(
                f"{r.pk}\t{r.name}\t{'启用' if r.active else '停用'}\t{r.url}\t"
                f"{r.agency.name if r.agency else '全部执法主体'}\t{','.join(r.topics)}\t"
                f"待发送 {states['pending']} · 重试中 {states['retrying']} · 已送达 {states['delivered']}"
            )

    def _deliver(self, *, once: bool, poll: float) -> None:
        while True:
            report = deliver_due()
            self.stdout.write(
                f"送达 {report.delivered} 条，失败 {report.failed} 次，等待中的接收方 {report.waiting} 个"
            )
            if once:
                return
            due = next_due()
            wait = poll if due is None else min(poll, max(0.5, (due - timezone.now()).total_seconds()))
            time.sleep(wait)
