"""Major decisions reviewed: the share of major enforcement decisions that passed a legal review, and the
list of those that did not."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from sanxiang.cases.models import Case
from sanxiang.oversight.dashboard.chart import LIST_LIMIT, Chart, rate
from sanxiang.oversight.dashboard.figures import Figures


def major_charts(fig: Figures, *, case_url: Any) -> list[Chart]:
    reviewed, total = fig.major_reviewed, fig.major_total
    summary = Chart(
        key="major_review",
        title="重大执法决定法制审核率",
        note="近十二个月作出决定的重大执法决定案件（案件标为重大或经重大执法决定评估为重大）中，有审核结论为通过"
        "（含局领导协调后通过）的法制审核的比例。应为100%，例外见下表。",
        header=["项目", "重大执法决定", "经法制审核通过", "未经审核通过", "审核率（%）"],
        rows=[["重大执法决定", total, reviewed, total - reviewed, rate(reviewed, total)]],
        style="",
    )
    first = sorted(
        ((dt.datetime.fromisoformat(moment), pk) for pk, moment in fig.major_missing), key=lambda m: (m[0], m[1])
    )[:LIST_LIMIT]
    details = {
        row["pk"]: row
        for row in Case.objects.filter(pk__in=[pk for _m, pk in first]).values("pk", "number", "title", "agency__name")
    }
    missing = [(moment, details[pk]) for moment, pk in first if pk in details]
    exceptions = Chart(
        key="major_exceptions",
        title="未经法制审核通过即作出决定的重大执法决定",
        note=f"最多列出{LIST_LIMIT}件，按决定时间排列。",
        header=["案件编号", "案由", "执法主体", "决定时间"],
        rows=[
            [m["number"], m["title"], m["agency__name"], timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")]
            for moment, m in missing
        ],
        style="",
        links={i: case_url(m["pk"]) for i, (_moment, m) in enumerate(missing)},
    )
    return [summary, exceptions]
