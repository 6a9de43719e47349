"""``sanxiang case <subcommand>``: cases from the console (subcommands live in ``sanxiang.cases.management.subcommands``)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sanxiang.cases.management.subcommands import subcommands


class Command(BaseCommand):
    help = "执法办案：导出已归档案件的案卷证据包。"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")
        for name, module in subcommands().items():
            child = sub.add_parser(name, help=getattr(module, "HELP", ""))
            module.add_arguments(child)

    def handle(self, *args: Any, **options: Any) -> None:
        name = options.pop("subcommand")
        status = subcommands()[name].handle(self, **options)
        if status:
            raise CommandError(f"case {name} 未通过（退出码 {status}）。", returncode=int(status))
