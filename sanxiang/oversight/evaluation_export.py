"""评议考核: the annual assessment export of case-file evaluation — an .xlsx workbook of one agency's year.

Sheet 科室汇总: per department, the cases evaluated, the average score and scoring rate, for each checklist point the
number of cases that failed it, and the manual findings (count and total deduction). Sheet 案件明细: one row per
evaluated case with its score and each point's result. Only the current evaluation of each case counts.
"""

from __future__ import annotations

import io
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Sum
from openpyxl import Workbook
from openpyxl.styles import Font

from sanxiang.org.models import Agency
from sanxiang.oversight import evaluation
from sanxiang.oversight.models import CaseEvaluation, ManualFinding

NO_DEPARTMENT = "（未确定科室）"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class DepartmentRow:
    name: str
    cases: int = 0
    score: Decimal = Decimal(0)
    max_score: Decimal = Decimal(0)
    failed: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    findings: int = 0
    deduction: Decimal = Decimal(0)

    @property
    def average(self) -> Decimal:
        return (self.score / self.cases).quantize(Decimal("0.01")) if self.cases else Decimal(0)

    @property
    def rate(self) -> str:
        return f"{self.score * 100 / self.max_score:.1f}%" if self.max_score else "—"


def evaluations(agency: Agency | int, year: int) -> list[CaseEvaluation]:
    return list(
        CaseEvaluation.objects.filter(agency=agency, year=year, current=True)
        .select_related("case", "department")
        .order_by("department__name", "case__number")
    )


def point_columns(rows: list[CaseEvaluation]) -> list[tuple[str, str]]:
    """(key, label) of every checklist point that occurs, in the checks' order."""
    labels: dict[str, str] = {}
    for row in rows:
        for p in row.points:
            labels.setdefault(p["key"], p["label"])
    return [(key, labels[key]) for key in evaluation.CHECKS if key in labels]


def department_summary(rows: list[CaseEvaluation]) -> list[DepartmentRow]:
    by_name: dict[str, DepartmentRow] = {}
    findings = {
        case_id: (count, total or Decimal(0))
        for case_id, count, total in ManualFinding.objects.filter(case_id__in=[r.case_id for r in rows])
        .values("case_id")
        .annotate(count=Count("id"), total=Sum("deduction"))
        .values_list("case_id", "count", "total")
    }
    for row in rows:
        name = row.department.name if row.department else NO_DEPARTMENT
        summary = by_name.setdefault(name, DepartmentRow(name))
        summary.cases += 1
        summary.score += row.score
        summary.max_score += row.max_score
        for p in row.points:
            if p["result"] == evaluation.FAIL:
                summary.failed[p["key"]] += 1
        count, total = findings.get(row.case_id, (0, Decimal(0)))
        summary.findings += count
        summary.deduction += total
    return sorted(by_name.values(), key=lambda d: d.name)


def workbook(agency: Agency, year: int) -> bytes:
    rows = evaluations(agency, year)
    columns = point_columns(rows)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "科室汇总"
    sheet.append([f"{agency.name}{year}年度案卷评查结果（评议考核）"])
    sheet["A1"].font = Font(bold=True)
    header = ["科室", "评查案件数", "平均得分", "得分率", *[f"不符合：{label}" for _k, label in columns]]
    sheet.append([*header, "人工评查意见数", "人工扣分合计"])
    for d in department_summary(rows):
        sheet.append(
            [
                d.name,
                d.cases,
                float(d.average),
                d.rate,
                *[d.failed.get(key, 0) for key, _label in columns],
                d.findings,
                float(d.deduction),
            ]
        )
    cases = book.create_sheet("案件明细")
    cases.append(
        ["案件编号", "案由", "科室", "得分", "满分", "不符合项数", *[label for _k, label in columns], "评查时间"]
    )
    labels = evaluation.RESULT_LABELS
    for row in rows:
        results: dict[str, Any] = {p["key"]: labels.get(p["result"], p["result"]) for p in row.points}
        cases.append(
            [
                row.case.number,
                row.case.title,
                row.department.name if row.department else NO_DEPARTMENT,
                float(row.score),
                float(row.max_score),
                row.failed,
                *[results.get(key, "") for key, _label in columns],
                row.evaluated_at.astimezone().strftime("%Y-%m-%d %H:%M"),
            ]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
