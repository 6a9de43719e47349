"""``sanxiang calendar show YEAR`` · ``set YEAR FILE.csv --actor USERNAME [--confirmed] [--source ...]`` · ``seed``.

Lives in ``org`` (not ``core``) because it calls ``sanxiang.org.calendar_services``; core may not import org.
The CSV has the columns ``date,kind,name`` (a header row with these names is optional): ``2027-02-08,holiday,春节``,
``2027-02-20,workday,春节``. ``kind`` may also be written 休/休息日/节假日 or 班/上班/调休上班日. All or nothing: a bad
row is named with its line number and nothing is written.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sanxiang.core import calendar
from sanxiang.core.errors import PermissionDenied, ValidationError
from sanxiang.core.models import CalendarDayKind
from sanxiang.org.calendar_services import DayInput, calendar_seed, calendar_year_set
from sanxiang.org.models import User

KIND_WORDS: dict[str, str] = {
    "holiday": CalendarDayKind.HOLIDAY,
    "休": CalendarDayKind.HOLIDAY,
    "休息日": CalendarDayKind.HOLIDAY,
    "节假日": CalendarDayKind.HOLIDAY,
    "workday": CalendarDayKind.WORKDAY,
    "班": CalendarDayKind.WORKDAY,
    "上班": CalendarDayKind.WORKDAY,
    "调休上班日": CalendarDayKind.WORKDAY,
}
ORIGIN_LABEL = {"database": "数据库", "builtin": "内置数据", "estimate": "推算"}
WEEKDAYS = "一二三四五六日"


def read_csv(text: str) -> list[DayInput]:
    """Parse ``date,kind,name`` rows; raise one ``CommandError`` naming every bad line."""
    rows: list[DayInput] = []
    errors: list[str] = []
    for line_no, cells in enumerate(csv.reader(io.StringIO(text)), start=1):
        cells = [c.strip() for c in cells]
        if not any(cells) or cells[0].startswith("#"):
            continue
        if line_no == 1 and cells[0].lower() in {"date", "日期"}:
            continue
        if len(cells) < 2 or len(cells) > 3:
            errors.append(f"第{line_no}行：应为“日期,类别,名称”三列。")
            continue
        try:
            day = dt.date.fromisoformat(cells[0])
        except ValueError:
            errors.append(f"第{line_no}行：日期“{cells[0]}”无效，应写作 2027-02-08。")
            continue
        kind = KIND_WORDS.get(cells[1].lower())
        if kind is None:
            errors.append(f"第{line_no}行：类别“{cells[1]}”无效，应为 holiday（休息日）或 workday（调休上班日）。")
            continue
        rows.append((day, str(kind), cells[2] if len(cells) == 3 else ""))
    if errors:
        raise CommandError("文件有误，未写入任何内容：\n" + "\n".join(errors))
    return rows


class Command(BaseCommand):
    help = "工作日日历（法定节假日与调休上班日）：查看、按国务院通知设定某年安排、写入内置年份。"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")
        show = sub.add_parser("show", help="显示某年的节假日与调休上班日及其来源")
        show.add_argument("year", type=int)
        set_ = sub.add_parser("set", help="用 CSV（date,kind,name）替换某年的安排（全部成功或全部不写入）")
        set_.add_argument("year", type=int)
        set_.add_argument("file", help="CSV 文件（UTF-8）")
        set_.add_argument("--confirmed", action="store_true", help="已按国务院通知录入（确认后不再标为暂定）")
        set_.add_argument("--source", default="", help="依据，如：国办发明电〔2025〕7号")
        set_.add_argument("--actor", required=True, help="系统管理员的用户名（记入留痕）")
        sub.add_parser("seed", help="把内置数据（chinese-calendar）中尚未入库的年份写入数据库（可重复运行）")

    def handle(self, *args: Any, **options: Any) -> None:
        name = options["subcommand"]
        if name == "show":
            self._show(options["year"])
        elif name == "set":
            self._set(options)
        else:
            written = calendar_seed(actor=None)
            self.stdout.write(self.style.SUCCESS(f"已写入{len(written)}个年度。" if written else "无需写入。"))

    def _show(self, year: int) -> None:
        schedule = calendar.year_schedule(year)
        status = "已确认" if schedule.confirmed else "未确认（据此计算的期限为暂定）"
        self.stdout.write(f"{year}年：{status}；来源：{ORIGIN_LABEL[schedule.origin]}；{schedule.source}")
        for day, (kind, label) in sorted(schedule.days.items()):
            kind_label = CalendarDayKind(kind).label
            self.stdout.write(f"{day.isoformat()} 星期{WEEKDAYS[day.weekday()]} {kind_label} {label}".rstrip())

    def _set(self, options: dict[str, Any]) -> None:
        path = Path(options["file"])
        try:
            text = path.read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise CommandError(f"无法读取文件 {path}：{exc.strerror or exc}") from exc
        except UnicodeDecodeError as exc:
            raise CommandError(f"文件 {path} 不是 UTF-8 编码。") from exc
        days = read_csv(text)
        actor = User.objects.filter(username=options["actor"], is_active=True).first()
        if actor is None:
            raise CommandError(f"没有用户名为“{options['actor']}”的有效用户。")
        try:
            row = calendar_year_set(
                actor=actor,
                year=options["year"],
                days=days,
                confirmed=options["confirmed"],
                source=options["source"],
            )
        except (ValidationError, PermissionDenied) as exc:
            raise CommandError(f"未写入：{exc.message}") from exc
        state = "已确认" if row.confirmed else "未确认"
        self.stdout.write(self.style.SUCCESS(f"已设定{row.year}年的安排：{len(days)}个日期，{state}。"))
