"""Oversight dashboards (issue 8): the figures leaders, the legal section and supervising bodies look at, for one
agency, for a supervising body's agencies, or for the whole deployment, over the last twelve months.

Every figure is aggregated in the database (``annotate`` with ``Count``/``Sum`` and ``filter=``, grouped by agency
and local month) into the monthly summary (``oversight.dashboard_summary``, decision 0010), which a page brings up to
date and reads: a fixed number of queries per page whatever the number of records. This module turns the summed
rows (``Figures``) into tables and charts, and reads the few live figures (certificates, inspection plans, reviews
waiting). docs/dashboards.md states each figure's definition; the definitions are the owning apps' own:

* opened / decided / closed and fines — ``oversight.annual`` (``decision_moment``: the first decision document for
  penalties and coercion, the licence's 决定 → 送达、颁证 entry, the end of an inspection);
* the 90-day decision limit — ``cases.deadlines`` (``case_decision``: calendar days from the local day of opening,
  plus approved extensions, met when decided on or before the due day);
* service of the decision — ``cases.deadlines`` (``decision_service``: 7 working days from the decision's issue to
  its first service, through the working-day calendar);
* publication — ``disclosure`` (``PublicationTask.due_on`` against ``Publication.published_on``), as the annual
  statistics count it;
* legal review — ``review`` (``LegalReview.overdue``, set by the review app when it decides);
* complaint replies — ``complaints`` (``Complaint.due_on`` against the local day of ``replied_at``; refused ones
  left out);
* recordings where required and case-file scores — ``oversight.evaluation`` (the current ``CaseEvaluation`` of each
  closed case, its ``recordings`` point);
* certificate expiries — ``registry.Officer.valid_until``;
* random-inspection coverage — ``inspections`` (the plan's quotas, ``draw.quota``, against ``DrawnTarget``).

A ``Chart`` is one figure: a table (header and rows) that the page shows, the CSV repeats and ``dashboard.js`` draws.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case as Choose
from django.db.models import (
    CharField,
    Count,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Coalesce
from django.utils import timezone

from sanxiang.cases import deadlines
from sanxiang.cases.models import Case, DeadlineExtension
from sanxiang.cases.processes import KIND_LABELS, PROCESSES, Kind
from sanxiang.org.access import is_deployment_admin
from sanxiang.org.models import Agency, Role, RoleAssignment

MONTHS = 12
EXPIRY_DAYS = (60, 90)
LIST_LIMIT = 100  # rows of a list (exceptions, officers, expiring certificates) shown and exported
TOP = 20  # departments / officers in an overdue chart
RECORDING_POINT = "recordings"  # the case-file evaluation's point (oversight.evaluation.CHECKS)
DECISION_PROCESS = "penalty-general"  # the process with the 90-day decision limit and the 7-day service limit


def clear_memo() -> None:
    """The dashboard keeps no memo between requests (bench/dashboard.py calls this hook if it exists)."""


# --- scopes ----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """What a page counts: ``agency`` (a bureau), ``supervised`` (a supervising body's agencies) or ``deployment``."""

    key: str
    kind: str
    label: str
    agency_ids: tuple[int, ...]

    @property
    def single(self) -> bool:
        return len(self.agency_ids) == 1


def scopes_for(user: Any) -> list[Scope]:
    """The scopes ``user`` may choose, the default first: the deployment for its administrator, a supervising
    body's agencies for a supervisor, else the user's own agency; then each agency within them."""
    agencies = {a.pk: a for a in Agency.objects.filter(is_enforcement_body=True).order_by("name", "pk")}
    out: list[Scope] = []
    if is_deployment_admin(user):
        out.append(Scope("all", "deployment", "全部执法主体", tuple(agencies)))
        out.extend(Scope(f"agency:{pk}", "agency", a.name, (pk,)) for pk, a in agencies.items())
        return out
    rows = list(RoleAssignment.objects.filter(user=user, active=True).values_list("agency_id", "role"))
    bodies = sorted({agency_id for agency_id, role in rows if role == Role.SUPERVISOR})
    supervised: dict[int, list[int]] = defaultdict(list)
    for body_id, agency_id in Agency.supervises.through.objects.filter(from_agency_id__in=bodies).values_list(
        "from_agency_id", "to_agency_id"
    ):
        if agency_id in agencies:
            supervised[body_id].append(agency_id)
    names = dict(Agency.objects.filter(pk__in=bodies).values_list("pk", "name"))
    own = [pk for pk in agencies if pk in {agency_id for agency_id, _role in rows}]
    for body_id in bodies:
        ids = sorted(supervised[body_id], key=list(agencies).index)
        if ids:
            out.append(Scope(f"supervised:{body_id}", "supervised", f"{names[body_id]}监督的执法主体", tuple(ids)))
    seen: set[int] = set()
    for pk in [*own, *(pk for body_id in bodies for pk in supervised[body_id])]:
        if pk not in seen:
            seen.add(pk)
            out.append(Scope(f"agency:{pk}", "agency", agencies[pk].name, (pk,)))
    return out


def scope_for(user: Any, key: str | None) -> Scope | None:
    """The scope named ``key`` if ``user`` may see it (the default without a key); None when not allowed."""
    scopes = scopes_for(user)
    if not scopes:
        return None
    if not key:
        return scopes[0]
    return next((s for s in scopes if s.key == key), None)


# --- windows and day arithmetic in SQL -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """The last ``MONTHS`` local calendar months, the current one included, as an aware ``[start, end)``."""

    today: dt.date
    start: dt.datetime
    end: dt.datetime
    months: tuple[dt.date, ...]  # the first day of each month, oldest first

    @property
    def first_day(self) -> dt.date:
        return self.months[0]


def window(today: dt.date | None = None) -> Window:
    day = today or timezone.localdate()
    months = []
    y, m = day.year, day.month
    for _ in range(MONTHS):
        months.append(dt.date(y, m, 1))
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    months.reverse()
    zone = timezone.get_default_timezone()
    start = dt.datetime.combine(months[0], dt.time(), tzinfo=zone)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=zone)
    return Window(today=day, start=start, end=end, months=tuple(months))


class LocalDay(Func):
    """The local calendar day (``TIME_ZONE``) of a datetime as a day number (days since 1970-01-01), so that day
    differences are integer arithmetic on both databases. SQLite shifts by the zone's current UTC offset (China has
    one offset all year); PostgreSQL converts with the zone itself."""

    output_field = IntegerField()

    def as_sql(self, compiler: Any, connection: Any, *args: Any, **extra: Any) -> Any:  # PostgreSQL
        sql, params = compiler.compile(self.source_expressions[0])
        return f"((({sql}) AT TIME ZONE %s)::date - DATE '1970-01-01')", [*params, settings.TIME_ZONE]

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        sql, params = compiler.compile(self.source_expressions[0])
        return f"CAST(julianday({sql}, %s) - 2440587.5 AS INTEGER)", [*params, _sqlite_offset()]


class DayNumber(Func):
    """A date column as a day number (days since 1970-01-01), to compare with ``LocalDay``."""

    output_field = IntegerField()

    def as_sql(self, compiler: Any, connection: Any, *args: Any, **extra: Any) -> Any:
        sql, params = compiler.compile(self.source_expressions[0])
        return f"(({sql})::date - DATE '1970-01-01')", params

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        sql, params = compiler.compile(self.source_expressions[0])
        return f"CAST(julianday({sql}) - 2440587.5 AS INTEGER)", params


def _sqlite_offset() -> str:
    offset = timezone.localtime(timezone.now()).utcoffset() or dt.timedelta(0)
    return f"{int(offset.total_seconds()):+d} seconds"


class LocalMonth(Func):
    """``TruncMonth`` in the local zone as text ``YYYY-MM``: on SQLite with its own ``strftime`` (Django's
    ``TruncMonth(tzinfo=…)`` calls a Python function per row there, which is what made the page slow), on PostgreSQL
    with ``to_char`` of the zone's local time."""

    output_field = CharField()

    def as_sql(self, compiler: Any, connection: Any, *args: Any, **extra: Any) -> Any:
        sql, params = compiler.compile(self.source_expressions[0])
        return f"to_char(({sql}) AT TIME ZONE %s, 'YYYY-MM')", [*params, settings.TIME_ZONE]

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        sql, params = compiler.compile(self.source_expressions[0])
        return f"strftime('%%Y-%%m', {sql}, %s)", [*params, _sqlite_offset()]


def day_number(day: dt.date) -> int:
    return (day - dt.date(1970, 1, 1)).days


def from_day_number(n: int) -> dt.date:
    return dt.date(1970, 1, 1) + dt.timedelta(days=n)


# --- charts ------------------------------------------------------------------------------------------------------------


@dataclass
class Chart:
    """One figure: a table (``header``, ``rows``: the first cell labels the row) and how ``dashboard.js`` draws it.

    ``series`` are the indexes of the columns drawn; ``style`` is ``bar``, ``stack`` (stacked bars), ``line`` or
    ``rate`` (bars of percentages); ``style`` empty: a table only. ``links`` maps a row index to a URL for its label.
    """

    key: str
    title: str
    note: str
    header: list[str]
    rows: list[list[Any]]
    style: str = "bar"
    series: list[int] = field(default_factory=list)
    horizontal: bool = False
    links: dict[int, str] = field(default_factory=dict)
    limit: int = 0  # rows drawn (the table keeps them all); 0: every row

    def data(self) -> dict[str, Any]:
        """What the page hands to ``dashboard.js`` (``json_script``)."""
        rows = self.rows[: self.limit] if self.limit else self.rows
        return {
            "style": self.style,
            "horizontal": self.horizontal,
            "categories": [str(row[0]) for row in rows],
            "series": [{"name": self.header[i], "data": [_number(row[i]) for row in rows]} for i in self.series],
        }

    @property
    def drawn(self) -> bool:
        return bool(self.style and self.series and self.rows)


def _number(value: Any) -> float | int | None:
    if value is None or value == "—":
        return None
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, int | float):
        return value
    text = str(value).rstrip("%")
    try:
        return float(text)
    except ValueError:
        return None


def rate(done: int, total: int) -> str:
    """A percentage with one decimal, or — when nothing counts."""
    if total <= 0:
        return "—"
    return f"{Decimal(done * 100) / Decimal(total):.1f}"


def month_label(day: dt.date) -> str:
    return f"{day.year}-{day.month:02d}"


def _month_key(value: Any) -> dt.date | None:
    """The first day of the month from ``LocalMonth``'s ``YYYY-MM``."""
    if not value:
        return None
    year, month = str(value).split("-")[:2]
    return dt.date(int(year), int(month), 1)


def kind_of(process_key: str) -> Kind | None:
    process = PROCESSES.get(process_key)
    return process.kind if process else None


# --- cases by kind and month, fines ------------------------------------------------------------------------------------


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


# --- the figures of a scope --------------------------------------------------------------------------------------------


@dataclass
class Figures:
    """A scope's figures over a window, added up from its monthly rows (``dashboard_summary.merged``).

    Counts are of the window's months. Open items (``undecided`` cases, ``unpublished`` decisions, ``unreplied``
    complaints) are of every month, each with its due day (a day number) and whether its month is in the window:
    the on-time rates count those of the window, the overdue lists all of them."""

    opened: dict[tuple[dt.date, str], int] = field(default_factory=lambda: defaultdict(int))
    closed: dict[tuple[dt.date, str], int] = field(default_factory=lambda: defaultdict(int))
    decided: dict[tuple[dt.date, str], dict[str, Any]] = field(default_factory=dict)
    done: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))
    unserved: list[int] = field(default_factory=list)
    undecided: list[tuple[int, int, list[int], bool]] = field(default_factory=list)
    unpublished: list[tuple[int, int, list[int], bool]] = field(default_factory=list)
    unreplied: list[tuple[int, bool, int | None, int | None, bool]] = field(default_factory=list)
    major_total: int = 0
    major_reviewed: int = 0
    major_missing: list[tuple[int, str]] = field(default_factory=list)
    evaluation: list[tuple[Any, ...]] = field(default_factory=list)


# --- on-time rates: what each month's row holds -----------------------------------------------------------------------


def _extension_days(case_ref: str) -> Any:
    """Approved extensions of the case's decision limit (days, summed; 0 without), for the case at ``case_ref``."""
    return Coalesce(
        Subquery(
            DeadlineExtension.objects.filter(case_id=OuterRef(case_ref), deadline_key="case_decision")
            .order_by()
            .values("case_id")
            .annotate(total=Sum("days"))
            .values("total")[:1],
            output_field=IntegerField(),
        ),
        Value(0),
    )


def limit_days(key: str) -> int:
    """The configured days of the general-procedure penalty's time limit ``key`` (``case_decision``, ``decision_service``)."""
    process = PROCESSES[DECISION_PROCESS]
    rule = next(s.deadline for s in process.steps if s.deadline and s.deadline.key == key)
    return deadlines.configured_days(rule)


def _reviews_waiting(ids: Sequence[int], w: Window) -> dict[str, int]:
    """Reviews submitted and not decided, past their limit or within it (today's state: read when shown)."""
    from sanxiang.review.models import LegalReview, ReviewState

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


# --- major decisions reviewed ------------------------------------------------------------------------------------------


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


# --- case-file evaluation: recordings and scores -------------------------------------------------------------------------


def _recording_result() -> Any:
    """The ``recordings`` point's result of an evaluation as one SQL expression: the point's position in
    ``points`` is its position in the evaluation's checklist version (``evaluation.run_checks`` keeps the order), so
    each checklist version (a handful of configuration rows) gives one ``points -> i -> result`` lookup — a single
    JSON access per row instead of unnesting every point."""
    from sanxiang.oversight.models import EvaluationChecklist

    whens = []
    for pk, points in EvaluationChecklist.objects.values_list("pk", "points"):
        keys = [p.get("key") if isinstance(p, dict) else None for p in points or []]
        if RECORDING_POINT in keys:
            whens.append(When(checklist_id=pk, then=KT(f"points__{keys.index(RECORDING_POINT)}__result")))
    if not whens:
        return Value("")
    return Choose(*whens, default=Value(""), output_field=CharField())


def _department_names(dept_ids: Iterable[int | None], single: bool) -> dict[int | None, str]:
    from sanxiang.org.models import Department

    ids = [d for d in set(dept_ids) if d is not None]
    names: dict[int | None, str] = {None: "（未定科室）"}
    for pk, name, short, agency_name in Department.objects.filter(pk__in=ids).values_list(
        "pk", "name", "agency__short_name", "agency__name"
    ):
        names[pk] = name if single else f"{short or agency_name}·{name}"
    return names


def evaluation_charts(fig: Figures, *, single: bool) -> list[Chart]:
    """Case-file evaluation per department, from the window's evaluation rows."""
    names = _department_names([r[0] for r in fig.evaluation], single)
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


# --- overdue items by department and by officer --------------------------------------------------------------------------


def overdue_charts(fig: Figures, w: Window, *, single: bool) -> list[Chart]:
    """Items past their limit and not done: undecided general-procedure penalties past the decision limit (each active
    case officer, and the officer's department), unpublished publication tasks past due (the case's officers),
    unreplied complaints past due (the assigned department and person)."""
    from sanxiang.org.models import User
    from sanxiang.registry.models import Officer

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
    names = _department_names(depts, single)
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


# --- certificates ------------------------------------------------------------------------------------------------------------


def certificate_charts(ids: Sequence[int], w: Window, *, single: bool) -> list[Chart]:
    from sanxiang.registry.models import Officer

    soon, later = (w.today + dt.timedelta(days=d) for d in EXPIRY_DAYS)
    officers = Officer.objects.filter(agency_id__in=list(ids), revoked_at__isnull=True)
    rows = list(
        officers.order_by()
        .values("department_id")
        .annotate(
            expired=Count("pk", filter=Q(valid_until__lt=w.today)),
            d60=Count("pk", filter=Q(valid_until__gte=w.today, valid_until__lte=soon)),
            d90=Count("pk", filter=Q(valid_until__gte=w.today, valid_until__lte=later)),
        )
        .filter(Q(expired__gt=0) | Q(d90__gt=0))
    )
    names = _department_names([r["department_id"] for r in rows], single)
    by_dept = sorted(
        ([names.get(r["department_id"], "?"), r["d60"], r["d90"], r["expired"]] for r in rows), key=lambda r: r[0]
    )
    expiring = list(
        officers.filter(valid_until__gte=w.today, valid_until__lte=later)
        .order_by("valid_until", "name", "pk")
        .values("name", "certificate_number", "agency__name", "department__name", "valid_until")[:LIST_LIMIT]
    )
    return [
        Chart(
            key="certificates",
            title="执法证件到期（按科室）",
            note=f"未注销的执法证件中，有效期至今日起{EXPIRY_DAYS[0]}日内、{EXPIRY_DAYS[1]}日内（含{EXPIRY_DAYS[0]}日内）到期的，以及已过期的。",
            header=["科室", f"{EXPIRY_DAYS[0]}日内到期", f"{EXPIRY_DAYS[1]}日内到期", "已过期"],
            rows=by_dept,
            style="bar",
            series=[1, 2, 3],
            horizontal=True,
        ),
        Chart(
            key="certificates_list",
            title=f"{EXPIRY_DAYS[1]}日内到期的执法证件",
            note=f"按到期日排列，最多列出{LIST_LIMIT}人。",
            header=["姓名", "执法证号", "执法主体", "科室", "有效期至"],
            rows=[
                [
                    o["name"],
                    o["certificate_number"],
                    o["agency__name"],
                    o["department__name"] or "",
                    o["valid_until"].isoformat(),
                ]
                for o in expiring
            ],
            style="",
        ),
    ]


# --- random inspections ---------------------------------------------------------------------------------------------------


def inspection_chart(ids: Sequence[int], w: Window, *, single: bool) -> Chart:
    """This year's published plans: the targets their quotas call for in each scheduled draw, against the targets
    drawn and those with a result."""
    from sanxiang.inspections import draw as draw_rules
    from sanxiang.inspections.models import DrawnTarget, DrawState, PlanState, SamplingPlan, Target

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


# --- the whole page ----------------------------------------------------------------------------------------------------------


@contextmanager
def _read_only_figures() -> Iterator[None]:
    """One transaction for a page's figures; on PostgreSQL without JIT compilation (``SET LOCAL``: this transaction
    only). The planner's estimates for the correlated subqueries exceed ``jit_above_cost``, and compiling them took
    about a second per query — more than running them (measured at 100,000 cases)."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
        yield


def charts_for(scope: Scope, *, today: dt.date | None = None, case_url: Any = None) -> list[Chart]:
    """Every chart of the overview page for ``scope`` (a fixed number of queries)."""
    with _read_only_figures():
        return _charts(scope, today=today, case_url=case_url)


def _charts(scope: Scope, *, today: dt.date | None, case_url: Any) -> list[Chart]:
    from sanxiang.oversight import dashboard_summary

    w = window(today)
    ids = scope.agency_ids
    url = case_url or (lambda pk: "")
    fig = dashboard_summary.scope_figures(ids, w)
    return [
        *case_charts(fig, w),
        timeliness_chart(fig, ids, w),
        *major_charts(fig, case_url=url),
        *evaluation_charts(fig, single=scope.single),
        *overdue_charts(fig, w, single=scope.single),
        *certificate_charts(ids, w, single=scope.single),
        inspection_chart(ids, w, single=scope.single),
    ]


CHART_KEYS = (
    "cases_opened",
    "cases_decided",
    "cases_closed",
    "fines",
    "timeliness",
    "major_review",
    "major_exceptions",
    "recordings",
    "evaluation",
    "overdue_departments",
    "overdue_officers",
    "certificates",
    "certificates_list",
    "inspections",
)


def chart_for(scope: Scope, key: str, *, today: dt.date | None = None, case_url: Any = None) -> Chart | None:
    """One chart by key (for its CSV): the page's charts (read from the monthly summary, so no dearer than one)."""
    if key not in CHART_KEYS:
        return None
    return next((c for c in charts_for(scope, today=today, case_url=case_url) if c.key == key), None)
