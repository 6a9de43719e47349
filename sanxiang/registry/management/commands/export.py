"""``sanxiang export <list> FILE.xlsx [--agency <name>]``: the list as staff keep it in Excel."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from sanxiang.registry.management.commands._common import agency_named
from sanxiang.registry.specs import ALL_LISTS
from sanxiang.registry.xlsx import entries_for_export, export_workbook


class Command(BaseCommand):
    help = "把公示清单导出为 .xlsx 工作簿（可再导入；不指定执法主体时导出全部机构的条目）。"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("list", choices=sorted(ALL_LISTS), help="清单")
        parser.add_argument("file", help="要写入的 .xlsx 文件")
        parser.add_argument("--agency", help="执法主体名称")

    def handle(self, *args: Any, **options: Any) -> None:
        agency = agency_named(options["agency"])
        entries = entries_for_export(spec_key=options["list"], agency=agency)
        data = export_workbook(spec_key=options["list"], entries=entries)
        Path(options["file"]).write_bytes(data)
        self.stdout.write(self.style.SUCCESS(f"已导出{entries.count()}条到 {options['file']}。"))
