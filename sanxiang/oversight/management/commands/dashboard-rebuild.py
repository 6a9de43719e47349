"""``sanxiang dashboard-rebuild [--agency ID …]``: recompute the dashboard's monthly summary from the records.

The summary is kept up to date on its own (``oversight.dashboard.summary``); this command recomputes every month of
every enforcement agency (or of those named) from its first case or complaint to this month, e.g. after restoring a
backup or loading records outside the services. A text progress bar goes to stderr.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from sanxiang.ledger.verify import TextProgress
from sanxiang.oversight import annual
from sanxiang.oversight.dashboard.dates import month_of
from sanxiang.oversight.dashboard.summary.refresh import history_months, rebuild


class Command(BaseCommand):
    help = "重新计算统计分析的月度汇总（默认：全部执法主体）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--agency", action="append", default=[], help="执法主体的编号或名称（可重复）")

    def handle(self, *args: Any, **options: Any) -> None:
        agencies = annual.enforcement_agencies_named(options["agency"])
        if not agencies.exists():
            raise CommandError("没有找到指定的执法主体。")
        ids = list(agencies.order_by("pk").values_list("pk", flat=True))
        this_month = month_of(timezone.localdate())
        months = sum(len(history_months(pk, this_month)) for pk in ids)
        progress = TextProgress(self.stderr._out)
        progress.phase("月度汇总", months)
        done = rebuild(ids, progress=lambda _n: progress.advance())
        progress.done()
        self.stdout.write(f"已重新计算{len(ids)}个执法主体的{done}个月度汇总。")
