"""``sanxiang ledger public-key [--all]``: print the verifier key(s) in signed-note form."""

from __future__ import annotations

from typing import Any

from sanxiang.ledger.signing import current_verifier_key, verifier_keys

HELP = "输出检查点验证公钥（signed-note 验证密钥格式）；--all 同时列出已轮换的旧公钥。"


def add_arguments(parser: Any) -> None:
    parser.add_argument("--all", action="store_true", help="列出全部公钥（旧的在前，当前的在最后）")


def handle(command: Any, **options: Any) -> int:
    for key in verifier_keys() if options.get("all") else [current_verifier_key()]:
        command.stdout.write(key)
    return 0
