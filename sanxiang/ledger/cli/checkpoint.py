"""``sanxiang ledger checkpoint [--size N]``: sign a checkpoint now and print the signed note."""

from __future__ import annotations

from typing import Any

from sanxiang.ledger.checkpoints import checkpoint_sign

HELP = "立即签名一个检查点（默认覆盖当前全部记录），并输出签名后的检查点。"


def add_arguments(parser: Any) -> None:
    parser.add_argument("--size", type=int, default=None, help="签名的树大小（默认当前叶子数）")


def handle(command: Any, **options: Any) -> int:
    try:
        checkpoint = checkpoint_sign(size=options.get("size"))
    except ValueError as exc:
        command.stderr.write(str(exc))
        return 2
    command.stdout.write(checkpoint.note, ending="")
    return 0
