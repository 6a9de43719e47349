"""The annual figures as tables: one shape for the pages (with CSS bars), the CSV, the .xlsx and the JSON download,
so that every download says exactly what the page shows."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

Cell = int | str


@dataclass
class Table:
    key: str
    title: str
    headers: list[str]
    rows: list[list[Cell]]
    bar_column: int | None = None  # the column drawn as a bar (its share of the largest value in the column)
    bar_scale: Decimal | None = None  # a fixed 100% (rates) instead of the column's largest value
    notes: list[str] = field(default_factory=list)

    def bars(self) -> list[tuple[list[Cell], int]]:
        """Each row with its bar width in whole percent (0–100) of the column's largest value."""
        if self.bar_column is None:
            return [(row, 0) for row in self.rows]
        values = [_number(row[self.bar_column]) for row in self.rows]
        top = self.bar_scale or max(values, default=Decimal(0))
        return [
            (row, min(100, round(v * 100 / top)) if top > 0 else 0) for row, v in zip(self.rows, values, strict=True)
        ]


def _number(value: Cell) -> Decimal:
    try:
        return Decimal(str(value).rstrip("%"))
    except ArithmeticError:
        return Decimal(0)


def rate(on_time: int, late: int) -> str:
    """Share of finished items finished in time, one decimal ("—" when nothing finished)."""
    done = on_time + late
    if done == 0:
        return "—"
    return f"{Decimal(on_time * 100) / done:.1f}%"


def average(total: str, count: int) -> str:
    return f"{Decimal(total) / count:.2f}" if count else "0.00"


def tables(figures: dict[str, Any]) -> list[Table]:
    cases = figures["cases"]
    penalties = figures["penalties"]
    kinds = Table(
        "cases",
        "一、执法案件数量（按类别）",
        ["类别", "立案", "作出决定", "办结"],
        [[k["label"], k["opened"], k["decided"], k["closed"]] for k in cases["kinds"]]
        + [["合计", cases["opened"], cases["decided"], cases["closed"]]],
        bar_column=2,
    )
    kinds.notes.append("行政检查以检查结束为作出决定；行政许可以作出准予或者不予许可决定为准，不予受理只计入办结。")
    sanctions = Table(
        "sanctions",
        "二、行政处罚决定（按处罚种类）",
        ["处罚种类", "决定数"],
        [[s["label"], s["count"]] for s in penalties["sanctions"]],
        bar_column=1,
    )
    sanctions.notes.append(
        f"行政处罚决定共{penalties['decided']}件，其中一般程序{penalties['general']}件、简易程序{penalties['summary']}件；"
        "一件决定并处多种处罚的，分别计入各处罚种类。"
    )
    fines = penalties["fines"]
    money = Table(
        "fines",
        "三、罚款金额",
        ["项目", "数值"],
        [
            ["处以罚款的决定（件）", fines["count"]],
            ["罚款总额（元）", fines["total"]],
            ["平均每件罚款（元）", average(fines["total"], fines["count"])],
        ],
    )
    rows = []
    for row in figures["timeliness"]:
        running = row.get("running", 0)
        overdue = row.get("overdue", 0)
        rows.append([row["label"], row["on_time"], row["late"], running, overdue, rate(row["on_time"], row["late"])])
    timeliness = Table(
        "timeliness",
        "四、按期办结情况",
        ["事项", "按期", "逾期", "尚未到期", "逾期未办", "按期率"],
        rows,
        bar_column=5,
        bar_scale=Decimal(100),
    )
    timeliness.notes.extend(f"{row['label']}：{row['basis']}" for row in figures["timeliness"])
    timeliness.notes.append("按期率 = 按期 ÷（按期 + 逾期）；尚未到期、逾期未办的不计入。")
    publication = next((r for r in figures["timeliness"] if r["key"] == "publication"), None)
    if publication and publication.get("withheld"):
        timeliness.notes.append(
            f"依法不予公开的决定{publication['withheld']}件（如当事人为未成年人），不计入公示按期率。"
        )
    timeliness.notes.extend(figures.get("notes", []))
    return [kinds, sanctions, money, timeliness]


def title_of(figures: dict[str, Any]) -> str:
    return f"{figures['agency']['name']}{figures['year']}年度行政执法数据"


def csv_bytes(figures: dict[str, Any], *, meta: list[list[Cell]]) -> bytes:
    """UTF-8 with a byte-order mark (Excel opens the Chinese correctly); one block per table."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([title_of(figures)])
    writer.writerows(meta)
    for table in tables(figures):
        writer.writerow([])
        writer.writerow([table.title])
        writer.writerow(table.headers)
        writer.writerows(table.rows)
        for note in table.notes:
            writer.writerow([f"注：{note}"])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def xlsx_bytes(figures: dict[str, Any], *, meta: list[list[Cell]]) -> bytes:
    """One sheet per table, the title and the report's particulars on top of each."""
    book = Workbook()
    first = True
    for table in tables(figures):
        sheet = book.active if first else book.create_sheet()
        first = False
        assert sheet is not None
        sheet.title = table.title.split("、", 1)[-1][:31]
        sheet.append([title_of(figures)])
        sheet["A1"].font = Font(bold=True, size=14)
        for row in meta:
            sheet.append(row)
        sheet.append([])
        sheet.append(table.headers)
        for cell in sheet[sheet.max_row]:
            cell.font = Font(bold=True)
        for row in table.rows:
            sheet.append([_xlsx_value(value) for value in row])
        for note in table.notes:
            sheet.append([f"注：{note}"])
        sheet.column_dimensions["A"].width = 32
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _xlsx_value(value: Cell) -> Any:
    # Amounts are strings in the figures (exact decimals); the sheet gets numbers so that it sums.
    if isinstance(value, str):
        try:
            if value and value[0].isdigit() and "%" not in value:
                return Decimal(value)
        except ArithmeticError:
            return value
    return value


def json_bytes(document: dict[str, Any]) -> bytes:
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")
