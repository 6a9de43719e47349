"""``sanxiang ledger expire-uploads``: delete the bytes of uploads left unfinished past their time and mark them expired."""

from __future__ import annotations

from typing import Any

from sanxiang.ledger.uploads import upload_expire_due

HELP = "清理过期未完成的上传：删除其临时文件并标记为已过期（部分上传从不成为证据）。"


def add_arguments(parser: Any) -> None:
    return None


def handle(command: Any, **options: Any) -> int:
    expired = upload_expire_due()
    command.stdout.write(f"expired {expired}")
    return 0
