"""``sanxiang draw-verify <draw id>`` or ``--file published.json``: recompute a published draw (docs/draw.md §9).

Prints each recomputed hash with 一致/不一致, the final seed and the selection; exits 0 only when all match.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sanxiang.inspections import draw as drawing


class Command(BaseCommand):
    help = "重新计算一次公开的随机抽取（承诺值、各摘要、最终种子和抽取结果），全部一致时退出码为 0。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("draw_id", nargs="?", type=int, help="随机抽取编号")
        parser.add_argument("--file", help="公开的抽取数据文件（draw.json）")

    def _document(self, options: dict[str, Any]) -> dict[str, Any]:
        if options.get("file"):
            try:
                doc = json.loads(Path(options["file"]).read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise CommandError(f"无法读取抽取数据文件：{exc}", returncode=1) from None
            if not isinstance(doc, dict):
                raise CommandError("抽取数据文件不是一个 JSON 对象。", returncode=1)
            return doc
        if options.get("draw_id") is None:
            raise CommandError("请给出随机抽取编号，或用 --file 指定抽取数据文件。", returncode=1)
        from sanxiang.inspections import selectors
        from sanxiang.inspections.models import DrawState
        from sanxiang.inspections.services import draw_document

        found = selectors.public_draw(options["draw_id"])
        if found is None:
            raise CommandError(f"随机抽取 {options['draw_id']} 不存在。", returncode=1)
        if found.state != DrawState.DRAWN:
            raise CommandError("该次抽取尚未完成（或已作废），只能核对承诺值，无法重新计算结果。", returncode=1)
        return draw_document(found)

    def handle(self, *args: Any, **options: Any) -> None:
        doc = self._document(options)
        ok = True

        def line(label: str, value: str, published: Any) -> None:
            nonlocal ok
            same = value == published
            ok = ok and same
            self.stdout.write(f"{label}：{value}  {'一致' if same else '不一致'}")

        try:
            seed = bytes.fromhex(str(doc.get("bureau_seed", "")))
            line("种子摘要 seed_sha256", drawing.seed_hash(seed), doc.get("seed_sha256"))
            t = drawing.snapshot_hash(doc["targets"], "检查对象名录")
            line("检查对象名录摘要 targets_sha256", t, doc.get("targets_sha256"))
            i = drawing.snapshot_hash(doc["inspectors"], "检查人员名录")
            line("检查人员名录摘要 inspectors_sha256", i, doc.get("inspectors_sha256"))
            p = drawing.plan_hash(doc["plan"])
            line("抽取参数摘要 plan_sha256", p, doc.get("plan_sha256"))
            c = drawing.commitment(
                str(doc.get("seed_sha256")),
                str(doc.get("targets_sha256")),
                str(doc.get("inspectors_sha256")),
                str(doc.get("plan_sha256")),
            )
            line("承诺值 commitment", c, doc.get("commitment"))
            final = drawing.final_seed(seed, str(doc.get("observer_value", "")))
            self.stdout.write(f"最终种子：{final.hex()}")
            result = drawing.draw(final, doc["targets"], doc["inspectors"], doc["plan"]).selection()
        except Exception as exc:  # any malformed document is a failed check, reported in Chinese
            detail = "；".join(getattr(exc, "messages", None) or [str(exc)])
            raise CommandError(f"抽取数据不完整或格式错误：{detail}", returncode=1) from None
        same = result == doc.get("selection")
        ok = ok and same
        self.stdout.write(f"抽取结果：{'一致' if same else '不一致'}")
        for row in result:
            self.stdout.write(f"  {row['target']}：{'、'.join(row['inspectors'])}")
        if not ok:
            raise CommandError("核验未通过：至少一项不一致。", returncode=1)
        self.stdout.write("核验通过：全部一致。")
