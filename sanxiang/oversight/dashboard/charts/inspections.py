"""Random-inspection coverage (read live from this year's published plans): targets the quotas call for, drawn,
and with a result."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.db.models import Count, Q

from sanxiang.inspections import draw as draw_rules
from sanxiang.inspections.models import DrawnTarget, DrawState, PlanState, SamplingPlan, Target
from sanxiang.oversight.dashboard.chart import Chart, rate
from sanxiang.oversight.dashboard.scopes import Window


def inspection_chart(ids: Sequence[int], w: Window, *, single: bool) -> Chart:
    """This year's published plans: the targets their quotas call for in each scheduled draw, against the targets
    drawn and those with a result."""

    year = w.today.year
    plans = list(
        SamplingPlan.objects.filter(agency_id__in=list(ids), year=year, state=PlanState.PUBLISHED)
        .annotate(draw_count=Count("draws", filter=~Q(draws__state=DrawState.CANCELLED), distinct=True))
        .values("pk", "agency_id", "agency__name", "code", "title", "classes", "regions", "sectors", "draw_count")
    )
    # The active pool by agency, risk class, region and sector (a few hundred groups), so that each plan's quota is
    # taken over the targets its regions and sectors select, as the draw takes it.
    pool: dict[tuple[int, str], list[tuple[str, str, int]]] = defaultdict(list)
    for r in (
        Target.objects.filter(agency_id__in=list(ids), active=True)
        .order_by()
        .values("agency_id", "risk", "region", "sector")
        .annotate(n=Count("pk"))
    ):
        pool[(r["agency_id"], r["risk"])].append((r["region"], r["sector"], r["n"]))
    drawn = {
        r["draw__plan_id"]: r
        for r in DrawnTarget.objects.filter(draw__plan__agency_id__in=list(ids), draw__plan__year=year)
        .exclude(draw__state=DrawState.CANCELLED)
        .order_by()
        .values("draw__plan_id")
        .annotate(n=Count("pk"), done=Count("pk", filter=~Q(result="")))
    }
    groups: dict[Any, list[Any]] = {}
    for plan in plans:  # plans are a handful per agency; their quotas are configuration, not records
        per_draw = 0
        for entry in plan["classes"] or []:
            regions, sectors = set(plan["regions"] or []), set(plan["sectors"] or [])
            eligible = sum(
                n
                for region, sector, n in pool.get((plan["agency_id"], str(entry.get("risk"))), [])
                if (not regions or region in regions) and (not sectors or sector in sectors)
            )
            if "ratio" in entry:
                quota = draw_rules.ClassQuota(str(entry["risk"]), None, draw_rules._ratio(str(entry["ratio"])))
            else:
                quota = draw_rules.ClassQuota(str(entry.get("risk")), int(entry.get("count") or 0), None)
            per_draw += draw_rules.quota(quota, eligible)
        label = f"{plan['code']} {plan['title']}" if single else plan["agency__name"]
        got = drawn.get(plan["pk"], {})
        row = groups.setdefault(label, [label, 0, 0, 0])
        row[1] += per_draw * plan["draw_count"]
        row[2] += got.get("n", 0)
        row[3] += got.get("done", 0)
    rows = [[*r, rate(r[3], r[1]) if r[1] else rate(r[3], r[2])] for r in sorted(groups.values(), key=lambda r: r[0])]
    return Chart(
        key="inspections",
        title=f"双随机抽查完成情况（{year}年度计划）",
        note="本年度已公布的抽查计划：计划户数 = 每批次按各风险类别数量或比例应抽户数（比例按计划抽查区域、行业内的在库对象数计）× 未作废批次数；"
        "已抽取为抽中对象数，已有结果为登记了检查结果的抽中对象数；完成率 = 已有结果 ÷ 计划户数（计划未列数量时 ÷ 已抽取）。",
        header=["抽查计划" if single else "执法主体", "计划户数", "已抽取", "已有检查结果", "完成率（%）"],
        rows=rows,
        style="bar",
        series=[1, 2, 3],
        horizontal=not single or len(rows) > 6,
    )
