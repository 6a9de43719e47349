"""``sanxiang import <list> FILE.xlsx --agency <name> --actor <username> [--dry-run]``: all or nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from sanxiang.core.errors import PermissionDenied, ValidationError
from sanxiang.registry.management.commands._common import agency_named, user_named
from sanxiang.registry.specs import ALL_LISTS
from sanxiang.registry.xlsx import import_workbook


class Command(BaseCommand):
    help = (
        "从 .xlsx 工作簿导入公示清单：新条目为草稿，已公示条目的修改提交法规科审核；"
        "任何一行有误则全部不写入，并列出每一行的错误。"
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("list", choices=sorted(ALL_LISTS), help="清单")
        parser.add_argument("file", help=".xlsx 文件")
        parser.add_argument("--agency", help="执法主体名称（执法主体清单可省略）")
        parser.add_argument("--actor", required=True, help="操作人的用户名（按其权限导入，并记入留痕）")
        parser.add_argument("--dry-run", action="store_true", help="只检查并报告，不写入")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"文件“{path}”不存在。")
        actor = user_named(options["actor"])
        agency = agency_named(options["agency"])
        if agency is None and options["list"] != "agencies":
            raise CommandError("请用 --agency 指定执法主体名称。")
        try:
            with path.open("rb") as handle:
                result = import_workbook(
                    actor=actor, spec_key=options["list"], agency=agency, file=handle, dry_run=options["dry_run"]
                )
        except (PermissionDenied, ValidationError) as exc:
            raise CommandError(exc.message) from exc
        if not result.ok:
            for message in result.messages:
                self.stderr.write(message)
            raise CommandError(f"导入失败：共{len(result.errors)}处错误，未写入任何数据。")
        prefix = "检查通过（未写入）：" if options["dry_run"] else "导入完成："
        self.stdout.write(self.style.SUCCESS(prefix + result.summary()))
