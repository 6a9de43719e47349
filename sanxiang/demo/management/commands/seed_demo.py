"""``sanxiang seed_demo``: seed the demo deployment (idempotent) and print the demo logins."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from sanxiang.demo.seed import logins_table, seed


class Command(BaseCommand):
    help = "Seed 兴隆台区应急管理局 and its neighbours through the services (idempotent) and print the demo logins."

    def handle(self, *args: Any, **options: Any) -> None:
        result = seed()
        if result.created:
            summary = "，".join(f"{kind} {count}" for kind, count in sorted(result.created.items()))
            self.stdout.write(self.style.SUCCESS(f"演示数据已写入 / demo data seeded: {summary}"))
        else:
            self.stdout.write(
                self.style.SUCCESS("演示数据已是最新，未作修改 / demo data already seeded, nothing changed")
            )
        self.stdout.write(f"演示账号保存在 / demo logins kept in {result.logins_path}")
        self.stdout.write(logins_table(result.logins))
