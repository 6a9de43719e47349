"""Overdue items as of today, by department and by officer: undecided penalty cases past the decision limit,
unpublished decisions, unreplied complaints."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sanxiang.org.models import User
from sanxiang.oversight.dashboard.chart import LIST_LIMIT, TOP, Chart, department_names
from sanxiang.oversight.dashboard.dates import day_number
from sanxiang.oversight.dashboard.figures import Figures
from sanxiang.oversight.dashboard.scopes import Window
from sanxiang.registry.models import Officer


def overdue_charts(fig: Figures, w: Window, *, single: bool) -> list[Chart]:
    """Items past their limit and not done: undecided general-procedure penalties past the decision limit (each active
    case officer, and the officer's department), unpublished publication tasks past due (the case's officers),
    unreplied complaints past due (the assigned department and person)."""

    today = day_number(w.today)
    # An officer counts each late case once (a case with two late publication tasks is one case).
    by_officer: list[dict[int, set[int]]] = [defaultdict(set), defaultdict(set)]
    for column, items in enumerate((fig.undecided, fig.unpublished)):
        for due_day, case_id, officers, _inside in items:
            if due_day < today:
                for officer_id in officers:
                    by_officer[column][officer_id].add(case_id)
    complaints: dict[tuple[int | None, int | None], int] = defaultdict(int)
    for due_day, closed, department_id, assignee_id, _inside in fig.unreplied:
        if due_day < today and not closed:
            complaints[(department_id, assignee_id)] += 1
    officer_ids = set(by_officer[0]) | set(by_officer[1])
    officer_rows = {
        pk: (name, department_id)
        for pk, name, department_id in Officer.objects.filter(pk__in=officer_ids).values_list(
            "pk", "name", "department_id"
        )
    }
    users = {
        pk: full_name or username
        for pk, full_name, username in User.objects.filter(
            pk__in=[a for _d, a in complaints if a is not None]
        ).values_list("pk", "full_name", "username")
    }
    # An assignee who is also an enforcement officer is one person: the officer's row.
    assignee_officers = {
        user_id: (pk, name)
        for user_id, pk, name in Officer.objects.filter(user_id__in=list(users)).values_list("user_id", "pk", "name")
    }
    depts: dict[int | None, list[int]] = defaultdict(lambda: [0, 0, 0])
    people: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for column, counts in enumerate(by_officer):
        for officer_id, cases in counts.items():
            name, department_id = officer_rows.get(officer_id, ("?", None))
            depts[department_id][column] += len(cases)
            people[f"{name}#o{officer_id}"][column] += len(cases)
    for (department_id, assignee_id), n in complaints.items():
        depts[department_id][2] += n
        if assignee_id in assignee_officers:
            officer_id, name = assignee_officers[assignee_id]
            people[f"{name}#o{officer_id}"][2] += n
            continue
        person = users.get(assignee_id) if assignee_id is not None else None
        people[f"{person or '（未交办）'}#u{assignee_id}"][2] += n
    names = department_names(depts, single)
    header = ["超期未作出处罚决定的案件", "超期未公开的决定", "超期未答复的投诉举报", "合计"]
    dept_rows: list[list[Any]] = [[names.get(d, str(d)), *c, sum(c)] for d, c in depts.items()]
    dept_rows.sort(key=lambda r: (-r[-1], r[0]))
    person_rows: list[list[Any]] = [[p.rsplit("#", 1)[0], *c, sum(c)] for p, c in people.items()]
    person_rows.sort(key=lambda r: (-r[-1], r[0]))
    note = (
        "截至今日已过期限仍未完成的事项：一般程序行政处罚案件超过立案后九十日（含批准延长）未作出决定（计入每名在办承办人员"
        "及其科室）；公示任务过了公开期限仍未公开（计入案件承办人员）；投诉举报过了答复期限未答复（计入承办科室和承办人）。"
    )
    return [
        Chart(
            key="overdue_departments",
            title="超期事项（按科室）",
            note=note + f"按合计排列，图中显示前{TOP}个。",
            header=["科室", *header],
            rows=dept_rows,
            style="stack",
            series=[1, 2, 3],
            horizontal=True,
            limit=TOP,
        ),
        Chart(
            key="overdue_officers",
            title="超期事项（按承办人员）",
            note=note + f"按合计排列，最多列出{LIST_LIMIT}人。",
            header=["承办人员", *header],
            rows=person_rows[:LIST_LIMIT],
            style="stack",
            series=[1, 2, 3],
            horizontal=True,
            limit=TOP,
        ),
    ]
