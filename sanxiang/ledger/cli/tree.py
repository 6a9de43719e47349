"""``sanxiang ledger tree``: the log's current size and root."""

from __future__ import annotations

from typing import Any

from sanxiang.ledger import merkle
from sanxiang.ledger.selectors import DatabaseNodes
from sanxiang.ledger.services import tree_size

HELP = "显示日志当前的叶子数与根哈希。"


def add_arguments(parser: Any) -> None:
    return None


def handle(command: Any, **options: Any) -> int:
    size = tree_size()
    root = merkle.root(DatabaseNodes(), size)
    command.stdout.write(f"size {size}\nroot {root.hex()}")
    return 0
