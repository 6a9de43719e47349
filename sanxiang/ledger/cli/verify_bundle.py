"""``sanxiang ledger verify-bundle OUT.zip``: check an export bundle without the database."""

from __future__ import annotations

from typing import Any

from sanxiang.ledger.bundle import verify_bundle

HELP = "离线校验证据包（不访问数据库）：清单哈希、叶子哈希、包含证明、检查点签名、文件哈希。"


def add_arguments(parser: Any) -> None:
    parser.add_argument("bundle", metavar="OUT.zip", help="证据包")
    parser.add_argument(
        "--key", action="append", dest="keys", help="信任的验证公钥（签名注记格式，可重复）；缺省用包内 keys.txt"
    )


def handle(command: Any, **options: Any) -> int:
    problems = verify_bundle(options["bundle"], trusted_keys=options.get("keys"))
    for problem in problems:
        command.stdout.write(f"不符：{problem}")
    if problems:
        command.stdout.write(command.style.ERROR(f"证据包校验未通过：{len(problems)} 处不符。"))
        return 1
    command.stdout.write(command.style.SUCCESS("证据包校验通过。"))
    return 0
