"""The case charts: cases opened, decided and closed by kind and local month, and the fines of the decisions."""

from __future__ import annotations

from decimal import Decimal

from sanxiang.cases.processes import KIND_LABELS, Kind
from sanxiang.oversight.dashboard.chart import Chart
from sanxiang.oversight.dashboard.dates import month_label
from sanxiang.oversight.dashboard.figures import Figures
from sanxiang.oversight.dashboard.scopes import Window


def case_charts(fig: Figures, w: Window) -> list[Chart]:
    opened = {key: {"n": n} for key, n in fig.opened.items()}
    closed = {key: {"n": n} for key, n in fig.closed.items()}
    decided = dict(fig.decided)
    for (month, kind), value in closed.items():  # an inspection is decided when it ends
        if kind == Kind.INSPECTION.value:
            decided[(month, kind)] = {"n": value["n"], "fines": Decimal(0), "fined": Decimal(0)}
    kinds = list(Kind)
    header = ["月份", *(KIND_LABELS[k] for k in kinds), "合计"]
    charts = []
    for key, title, source in (
        ("opened", "立案数（按类别、月份）", opened),
        ("decided", "作出决定数（按类别、月份）", decided),
        ("closed", "办结数（按类别、月份）", closed),
    ):
        rows = []
        for month in w.months:
            counts = [int(source.get((month, k.value), {}).get("n", 0)) for k in kinds]
            rows.append([month_label(month), *counts, sum(counts)])
        charts.append(
            Chart(
                key=f"cases_{key}",
                title=title,
                note=CASE_NOTES[key],
                header=header,
                rows=rows,
                style="stack",
                series=list(range(1, len(kinds) + 1)),
            )
        )
    fine_rows = []
    for month in w.months:
        total = sum((v["fines"] for (m, _k), v in decided.items() if m == month), Decimal(0))
        count = sum(int(v["fined"]) for (m, _k), v in decided.items() if m == month)
        fine_rows.append([month_label(month), count, f"{total:.2f}"])
    charts.append(
        Chart(
            key="fines",
            title="罚款（按决定月份）",
            note="作出处罚决定的案件中拟罚款金额大于零的案件数和金额（决定作出后拟罚款金额即决定金额，同年度统计口径）。",
            header=["月份", "罚款案件数", "罚款金额（元）"],
            rows=fine_rows,
            style="bar",
            series=[2],
        )
    )
    return charts


CASE_NOTES = {
    "opened": "立案时间在该月（本地时间）的案件。",
    "decided": "作出决定的时刻在该月：行政处罚、行政强制为首份决定书制发时间，行政许可为进入“送达、颁证”的时间，行政检查为办结时间。",
    "closed": "办结时间在该月的案件。",
}
