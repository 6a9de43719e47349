"""``sanxiang annual-report YEAR [--agency ID …] [--publish [--reason TEXT]]`` and ``sanxiang annual-report
--schedule``: the annual enforcement statistics from the console.

Without ``--publish`` it prints the live figures as JSON (any year, the current one included). With ``--publish`` it
publishes, as the system, the reports of the given agencies (default: every enforcement agency) that are not yet
published; with ``--reason`` it publishes a corrected version of those that are. ``--schedule`` queues the
1 January task (``oversight.tasks``) for the database worker.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sanxiang.core.errors import ValidationError
from sanxiang.oversight import annual, services, tasks
from sanxiang.oversight.models import AnnualReport, AnnualReportState


class Command(BaseCommand):
    help = "年度行政执法数据：输出统计数据（JSON），或以系统身份发布；--schedule 安排每年1月1日自动发布。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("year", nargs="?", type=int, help="年度，如 2026")
        parser.add_argument("--agency", action="append", default=[], help="执法主体的编号或名称（可重复）")
        parser.add_argument("--publish", action="store_true", help="发布（每个执法主体每年一次）")
        parser.add_argument("--reason", default="", help="与 --publish 同用：发布更正版并公开此说明")
        parser.add_argument("--schedule", action="store_true", help="安排每年1月1日自动发布上一年度数据的后台任务")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["schedule"]:
            queued = tasks.schedule_annual_reports()
            when = tasks.next_run()
            self.stdout.write(
                f"已安排于 {when:%Y-%m-%d %H:%M} 自动发布。"
                if queued
                else "已有待运行的自动发布任务（或后台任务不支持定时），未重复安排。"
            )
            if options["year"] is None:
                return
        year = options["year"]
        if year is None:
            raise CommandError("请给出年度，如 sanxiang annual-report 2026。")
        agencies = list(annual.enforcement_agencies())
        if options["agency"]:
            agencies = list(annual.enforcement_agencies_named(options["agency"]))
            if len(agencies) == 0:
                raise CommandError("没有找到指定的执法主体。")
        if not options["publish"]:
            figures = annual.figures_for(year=year, agencies=agencies)
            self.stdout.write(json.dumps([figures[a.pk] for a in agencies], ensure_ascii=False, indent=2))
            return
        published = set(
            AnnualReport.objects.filter(year=year, state=AnnualReportState.PUBLISHED).values_list(
                "agency_id", flat=True
            )
        )
        failed = 0
        for agency in agencies:
            if agency.pk in published and not options["reason"]:
                self.stdout.write(f"{agency.name}：{year}年度已发布，跳过（更正请加 --reason）。")
                continue
            try:
                report = services.annual_report_publish(
                    actor=services.SYSTEM,
                    agency=agency,
                    year=year,
                    reason=options["reason"] if agency.pk in published else "",
                )
            except ValidationError as exc:
                failed += 1
                self.stderr.write(f"{agency.name}：{exc.message}")
                continue
            self.stdout.write(f"{agency.name}：已发布{year}年度第{report.version}版。")
        if failed:
            raise CommandError(f"{failed}个执法主体未能发布。", returncode=1)
