"""``sanxiang case export NUMBER OUT.zip [--user USERNAME]``: a sealed case file as a bundle, checkable offline."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError

from sanxiang.cases.casefile_export import case_file_export
from sanxiang.cases.models import Case
from sanxiang.core.errors import SanxiangError
from sanxiang.ledger.bundle import BundleError
from sanxiang.org.models import User

HELP = "导出已归档案件的案卷：全部记录、包含证明、签名检查点、公钥、文书与音像文件及卷内目录，供离线校验。"


def add_arguments(parser: Any) -> None:
    parser.add_argument("number", metavar="NUMBER", help="案件编号，如 兴应急案〔2026〕3号")
    parser.add_argument("out", metavar="OUT.zip", help="输出的证据包")
    parser.add_argument(
        "--user", metavar="USERNAME", help="以该用户的身份导出（须能查阅该案件）；缺省为系统（控制台操作员）"
    )


def handle(command: Any, **options: Any) -> int:
    number = options["number"].strip()
    case = Case.objects.filter(number=number).first()
    if case is None:
        raise CommandError(f"没有编号为 {number} 的案件。")
    actor = None
    if options.get("user"):
        actor = User.objects.filter(username=options["user"], is_active=True).first()
        if actor is None:
            raise CommandError(f"没有启用的用户 {options['user']}。")
    try:
        exported = case_file_export(actor=actor, case=case, out=options["out"])
    except (BundleError, SanxiangError) as exc:
        raise CommandError(str(getattr(exc, "message", exc))) from exc
    command.stdout.write(
        f"已导出 {exported.subject}：记录 {exported.entries} 条，文件 {exported.files} 个，"
        f"证明对应检查点大小 {exported.checkpoint_size} → {exported.path}"
    )
    return 0
