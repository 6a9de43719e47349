"""The case-file evaluation charts: recordings where required, and evaluation scores, per department."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from sanxiang.oversight.dashboard.chart import Chart, department_names, rate
from sanxiang.oversight.dashboard.figures import Figures


def evaluation_charts(fig: Figures, *, single: bool) -> list[Chart]:
    """Case-file evaluation per department, from the window's evaluation rows."""
    names = department_names([r[0] for r in fig.evaluation], single)
    recordings: dict[int | None, dict[str, int]] = defaultdict(lambda: {"pass": 0, "fail": 0})
    scores: dict[int | None, list[Any]] = defaultdict(lambda: [0, Decimal(0), Decimal(0), 0])
    for dept, recording, n, score, top, failed in fig.evaluation:
        if recording in ("pass", "fail"):
            recordings[dept][recording] += n
        s = scores[dept]
        s[0] += n
        s[1] += Decimal(score)
        s[2] += Decimal(top)
        s[3] += failed
    rec_rows: list[list[Any]] = sorted(
        (
            [names.get(d, str(d)), c["pass"] + c["fail"], c["pass"], c["fail"], rate(c["pass"], c["pass"] + c["fail"])]
            for d, c in recordings.items()
        ),
        key=lambda r: r[0],
    )
    total_pass = sum(c["pass"] for c in recordings.values())
    total_all = sum(c["pass"] + c["fail"] for c in recordings.values())
    rec_rows.append(["合计", total_all, total_pass, total_all - total_pass, rate(total_pass, total_all)])
    score_rows: list[list[Any]] = sorted(
        (
            [names.get(d, str(d)), n, rate(int(score * 100), int(top * 100)), failed]
            for d, (n, score, top, failed) in scores.items()
        ),
        key=lambda r: r[0],
    )
    return [
        Chart(
            key="recordings",
            title="应当音像记录的环节有音像记录",
            note="近十二个月办结案件的现行案卷评查结果中“音像记录”一项：流程定义或音像记录事项清单要求记录的已办环节均有音像记录的案卷比例（不适用的案卷不计）。",
            header=["科室", "须音像记录的案卷", "音像记录齐全", "有缺失", "齐全率（%）"],
            rows=rec_rows,
            style="rate",
            series=[4],
            horizontal=True,
        ),
        Chart(
            key="evaluation",
            title="案卷评查（按承办科室）",
            note="近十二个月办结案件的现行案卷评查结果：平均得分率 = 得分合计 ÷ 满分合计；不符合项数为自动评查未通过的项目数之和。",
            header=["承办科室", "评查案卷数", "平均得分率（%）", "不符合项数"],
            rows=score_rows,
            style="rate",
            series=[2],
            horizontal=True,
        ),
    ]
