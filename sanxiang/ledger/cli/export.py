"""``sanxiang ledger export SUBJECT OUT.zip``: a BagIt-style bundle of one subject's record, checkable offline."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError

from sanxiang.ledger.bundle import BundleError, export_bundle

HELP = "导出某一对象（如 registry.officer:12）的全部记录、包含证明、签名检查点、公钥与证据文件，供离线校验。"


def add_arguments(parser: Any) -> None:
    parser.add_argument("subject", metavar="SUBJECT", help="对象，写作 应用.模型:编号，如 registry.officer:12")
    parser.add_argument("out", metavar="OUT.zip", help="输出的证据包")


def handle(command: Any, **options: Any) -> int:
    try:
        exported = export_bundle(options["subject"], options["out"])
    except BundleError as exc:
        raise CommandError(str(exc)) from exc
    command.stdout.write(
        f"已导出 {exported.subject}：记录 {exported.entries} 条，文件 {exported.files} 个，"
        f"证明对应检查点大小 {exported.checkpoint_size} → {exported.path}"
    )
    return 0
