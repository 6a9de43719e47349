"""``sanxiang evaluate-cases [--agency ID …] [--year Y]``: score, as the system, every case closed in a year (案卷评查).

Default: every enforcement agency, the current year. Each case is scored against its agency's current checklist; a
case whose outcome did not change keeps its evaluation (nothing is written). A text progress bar goes to stderr.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from sanxiang.ledger.verify import TextProgress
from sanxiang.oversight import annual
from sanxiang.oversight import evaluation_services as services


class Command(BaseCommand):
    help = "案卷评查：按评查标准自动评查某年度办结的案件（默认：全部执法主体、本年度）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--agency", action="append", default=[], help="执法主体的编号或名称（可重复）")
        parser.add_argument("--year", type=int, default=None, help="办结年度，如 2026（默认本年度）")

    def handle(self, *args: Any, **options: Any) -> None:
        year = options["year"] or timezone.localdate().year
        if not 2000 <= year <= timezone.localdate().year:
            raise CommandError(f"年度应在2000年至{timezone.localdate().year}年之间。")
        agencies = annual.enforcement_agencies_named(options["agency"])
        if not agencies.exists():
            raise CommandError("没有找到指定的执法主体。")
        progress = TextProgress(self.stderr._out)
        total = 0
        for agency in agencies.order_by("name", "pk"):
            progress.phase(f"{agency.name} {year}年", len(services.closed_cases(agency, year)))
            done = services.evaluate_closed(
                actor=services.SYSTEM, agency=agency, year=year, progress=lambda _i, _n: progress.advance()
            )
            progress.done()
            failed = sum(1 for e in done if e.failed)
            total += len(done)
            self.stdout.write(f"{agency.name}：已评查{len(done)}件，其中{failed}件有不符合项。")
        self.stdout.write(f"合计评查{total}件。")
