"""The oversight dashboards' staff pages (issue 8): the overview of one scope (a bureau, a supervising body's
agencies, the deployment) with every chart and its table, and one CSV per chart with the same scope.

The user's roles decide the scopes offered (``dashboard.scopes_for``); a scope the user may not see is a 404 alike
for missing and not-yours. The figures are read-only aggregates (``oversight.dashboard``), so no service is called.
"""

from __future__ import annotations

import csv
import io

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET

from sanxiang.oversight import dashboard
from sanxiang.staff.desk import Desk
from sanxiang.staff.frame import staff_view

NAV = "dashboard"


def _scope(request: HttpRequest, desk: Desk) -> dashboard.Scope:
    scope = dashboard.scope_for(desk.user, request.GET.get("scope"))
    if scope is None:
        raise Http404("没有可查看的统计范围。")
    return scope


def _rows_html(chart: dashboard.Chart) -> SafeString:
    """The table body, written here rather than by template loops: the deployment's page has thousands of cells,
    and the template engine spent about a third of the page's time on them. Every value is escaped."""
    if not chart.rows:
        return format_html('<tr><td colspan="{}">无数据</td></tr>', len(chart.header))
    parts = []
    for i, row in enumerate(chart.rows):
        label = escape(row[0])
        link = chart.links.get(i, "")
        if link:
            label = format_html('<a href="{}">{}</a>', link, label)
        cells = "".join(f'<td class="dash-num">{escape(cell)}</td>' for cell in row[1:])
        parts.append(f'<tr><th scope="row">{label}</th>{cells}</tr>')
    return mark_safe("\n".join(parts))  # noqa: S308 - built from escaped values only


def _case_url(pk: int) -> str:
    return reverse("cases:case_detail", args=[pk])


@staff_view
@require_GET
def overview(request: HttpRequest, desk: Desk) -> HttpResponse:
    scope = _scope(request, desk)
    charts = dashboard.charts_for(scope, case_url=_case_url)
    window = dashboard.window()
    context = {
        "desk": desk,
        "nav_active": NAV,
        "scope": scope,
        "scopes": dashboard.scopes_for(desk.user),
        "charts": [
            {
                "chart": c,
                "id": f"chart-{c.key}",
                "data_id": f"chart-{c.key}-data",
                "data": c.data(),
                "rows_html": _rows_html(c),
            }
            for c in charts
        ],
        "first_month": dashboard.month_label(window.first_day),
        "today": window.today,
    }
    return render(request, "oversight/dashboard/overview.html", context)


@staff_view
@require_GET
def chart_csv(request: HttpRequest, desk: Desk, key: str) -> HttpResponse:
    """One chart's table as CSV (UTF-8 with a BOM, so that Excel opens the Chinese text)."""
    if key not in dashboard.CHART_KEYS:
        raise Http404("没有这个图表。")
    scope = _scope(request, desk)
    chart = dashboard.chart_for(scope, key, case_url=_case_url)
    if chart is None:
        raise Http404("没有这个图表。")
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(chart.header)
    writer.writerows([["" if cell is None else cell for cell in row] for row in chart.rows])
    response = HttpResponse(("\ufeff" + buffer.getvalue()).encode("utf-8"), content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = (
        f'attachment; filename="dashboard-{key}-{scope.key.replace(":", "-")}-{stamp}.csv"'
    )
    return response
