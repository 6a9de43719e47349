"""``sanxiang ledger verify [--files]``: check the whole record; exit 0 only when everything holds."""

from __future__ import annotations

from typing import Any

from sanxiang.ledger.verify import Problem, TextProgress, verify

HELP = "校验全部记录：重算默克尔树，核对签名检查点、各留痕数据行的当前状态；--files 同时重算证据文件哈希。"


def add_arguments(parser: Any) -> None:
    parser.add_argument("--files", action="store_true", help="同时重新计算每个证据文件的 SHA-256 与 SM3")
    parser.add_argument("--no-progress", action="store_true", help="不显示进度")


def handle(command: Any, **options: Any) -> int:
    stderr = command.stderr
    progress = None if options.get("no_progress") else TextProgress(_Stream(stderr))

    def show(problem: Problem) -> None:
        if progress is not None and progress.tty:
            stderr.write("\r\x1b[K", ending="")  # clear the bar's line before printing over it
        command.stdout.write(f"不符：{problem}")

    report = verify(files=options.get("files", False), progress=progress, on_problem=show)
    if report.ok:
        command.stdout.write(command.style.SUCCESS(report.summary()))
        return 0
    command.stdout.write(command.style.ERROR(report.summary()))
    return 1


class _Stream:
    """Django's ``OutputWrapper`` adds a newline to each write; the progress bar writes its own."""

    def __init__(self, wrapper: Any) -> None:
        self.wrapper = wrapper

    def write(self, text: str) -> None:
        self.wrapper.write(text, ending="")

    def flush(self) -> None:
        self.wrapper.flush()

    def isatty(self) -> bool:
        return bool(self.wrapper.isatty())
