"""``sanxiang ledger export SUBJECT [SUBJECT ...] OUT.zip``: a BagIt-style bundle of subjects' records, checkable
offline."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError

from sanxiang.ledger.bundle import BundleError, export_bundle

HELP = "导出一个或多个对象（如 registry.officer:12）的全部记录、包含证明、签名检查点、公钥与证据文件，供离线校验。"


def add_arguments(parser: Any) -> None:
    parser.add_argument(
        "subjects", metavar="SUBJECT", nargs="+", help="对象，写作 应用.模型:编号，如 registry.officer:12（可多个）"
    )
    parser.add_argument("out", metavar="OUT.zip", help="输出的证据包")
    parser.add_argument("--title", default=None, help="证据包的标题（写入 bag-info.txt 的 External-Description）")


def handle(command: Any, **options: Any) -> int:
    try:
        exported = export_bundle(options["subjects"], options["out"], title=options.get("title"))
    except BundleError as exc:
        raise CommandError(str(exc)) from exc
    command.stdout.write(
        f"已导出 {exported.subject}：记录 {exported.entries} 条，文件 {exported.files} 个，"
        f"证明对应检查点大小 {exported.checkpoint_size} → {exported.path}"
    )
    return 0
