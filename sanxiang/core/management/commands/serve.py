"""``sanxiang serve``: gunicorn and the task worker together, as production runs them; Ctrl-C stops both."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand


def schedule_background_work() -> list[str]:
    """Queue the self-scheduling background work (publication expiry, the 1 January annual reports): each app whose
    config has ``schedule_background()`` queues its next run unless one is queued (idempotent). Returns the apps."""
    scheduled = []
    for config in apps.get_app_configs():
        schedule = getattr(config, "schedule_background", None)
        if callable(schedule):
            schedule()
            scheduled.append(config.label)
    return scheduled


class Command(BaseCommand):
    help = "Serve the site with gunicorn and run the background task worker (Ctrl-C stops both)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--bind", default="127.0.0.1:8000")
        parser.add_argument("--workers", type=int, default=2)

    def handle(self, *args: Any, **options: Any) -> None:
        bin_dir = Path(sys.executable).parent
        logins = Path(settings.DATA_DIR) / "demo-logins.txt"
        if logins.exists():
            self.stdout.write(logins.read_text(encoding="utf-8"))
        schedule_background_work()
        self.stdout.write(self.style.SUCCESS(f"Sanxiang 已启动：http://{options['bind']}/  （Ctrl-C 停止）"))
        processes = [
            subprocess.Popen(  # noqa: S603 - our own executables, fixed arguments
                [
                    str(bin_dir / "gunicorn"),
                    "sanxiang.config.wsgi",
                    "--bind",
                    options["bind"],
                    "--workers",
                    str(options["workers"]),
                    "--access-logfile",
                    "-",
                ]
            ),
            subprocess.Popen([str(bin_dir / "sanxiang"), "db_worker"]),  # noqa: S603
        ]

        def stop(signum: int, frame: Any) -> None:
            for process in processes:
                if process.poll() is None:
                    process.send_signal(signal.SIGTERM)

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while all(p.poll() is None for p in processes):
                try:
                    processes[0].wait(timeout=1)
                except subprocess.TimeoutExpired:
                    continue
        finally:
            stop(signal.SIGTERM, None)
            for process in processes:
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
