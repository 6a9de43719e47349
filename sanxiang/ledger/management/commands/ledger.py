"""``sanxiang ledger <subcommand>``: the tamper-evident log's console (subcommands live in ``sanxiang.ledger.cli``)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sanxiang.ledger.cli import subcommands


class Command(BaseCommand):
    help = "全过程记录（防篡改日志）：签名检查点、校验、导出证据包。"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")
        for name, module in subcommands().items():
            child = sub.add_parser(name, help=getattr(module, "HELP", ""))
            module.add_arguments(child)

    def handle(self, *args: Any, **options: Any) -> None:
        name = options.pop("subcommand")
        status = subcommands()[name].handle(self, **options)
        if status:
            raise CommandError(f"ledger {name} 未通过（退出码 {status}）。", returncode=int(status))
