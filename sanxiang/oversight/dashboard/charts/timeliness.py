"""The on-time rates (按期率): for each time limit — the decision limit, service of the decision, publication,
legal review, complaint replies — the items done on time and late, and those not done, overdue or running."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db.models import Count, Q

from sanxiang.oversight.dashboard.chart import Chart, rate
from sanxiang.oversight.dashboard.dates import day_number
from sanxiang.oversight.dashboard.figures import Figures
from sanxiang.oversight.dashboard.scopes import Window
from sanxiang.review.models import LegalReview, ReviewState


def _reviews_waiting(ids: Sequence[int], w: Window) -> dict[str, int]:
    """Reviews submitted and not decided, past their limit or within it (today's state: read when shown)."""

    return LegalReview.objects.filter(
        case__agency_id__in=list(ids), state=ReviewState.SUBMITTED, decided_at__isnull=True, due_on__isnull=False
    ).aggregate(overdue=Count("pk", filter=Q(due_on__lt=w.today)), running=Count("pk", filter=Q(due_on__gte=w.today)))


def _open_counts(days: Iterable[int], w: Window) -> dict[str, int]:
    today = day_number(w.today)
    out = {"overdue": 0, "running": 0}
    for day in days:
        out["overdue" if day < today else "running"] += 1
    return out


TIMELINESS = (
    ("case_decision", "行政处罚九十日内作出决定", "近十二个月立案的一般程序行政处罚案件；自立案之日起九十日（加经批准延长的天数），按决定书制发日判断。"),
    ("decision_service", "处罚决定书七个工作日内送达", "近十二个月制发的一般程序行政处罚决定书；首次送达日不晚于制发后第七个工作日。"),
    ("publication", "执法决定按期公示", "近十二个月作出的决定的公示任务；公开日期不晚于公开期限（许可、处罚七个工作日，其他二十个工作日）。不予公开的不计。"),
    ("legal_review", "法制审核按期完成", "近十二个月作出结论的法制审核（按审核时是否超期）；审核中且已过审核期限的计为逾期未完成。"),
    ("complaint_reply", "投诉举报按期答复", "近十二个月收到的投诉举报；答复日（本地日期）不晚于答复期限。不予受理的不计。"),
)  # fmt: skip


def timeliness_chart(fig: Figures, ids: Sequence[int], w: Window) -> Chart:
    counts: dict[str, dict[str, int]] = {
        "case_decision": {
            **fig.done["decision"],
            **_open_counts((d for d, _c, _o, inside in fig.undecided if inside), w),
        },
        "decision_service": {**fig.done["service"], **_open_counts(fig.unserved, w)},
        "publication": {
            **fig.done["publication"],
            **_open_counts((d for d, _c, _o, inside in fig.unpublished if inside), w),
        },
        "legal_review": {**fig.done["review"], **_reviews_waiting(ids, w)},
        "complaint_reply": {
            **fig.done["complaint"],
            **_open_counts((d for d, _closed, _dept, _who, inside in fig.unreplied if inside), w),
        },
    }
    rows = []
    notes = []
    for key, label, note in TIMELINESS:
        c = counts[key]
        on_time, late, overdue, running = (int(c.get(k) or 0) for k in ("on_time", "late", "overdue", "running"))
        rows.append([label, on_time, late, overdue, running, rate(on_time, on_time + late + overdue)])
        notes.append(f"{label}：{note}")
    return Chart(
        key="timeliness",
        title="按期率",
        note="按期率 = 按期完成 ÷（按期完成 + 逾期完成 + 逾期未完成）；期限内尚未完成的不计入。" + " ".join(notes),
        header=["事项", "按期完成", "逾期完成", "逾期未完成", "期限内未完成", "按期率（%）"],
        rows=rows,
        style="rate",
        series=[5],
        horizontal=True,
    )
