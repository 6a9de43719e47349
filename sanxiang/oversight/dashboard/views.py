"""The oversight dashboards' staff pages (issue 8): the overview of one scope (a bureau, a supervising body's
agencies, the deployment) with every chart and its table, and one CSV per chart with the same scope.

The user's roles decide the scopes offered (``scopes.scopes_for``); a scope the user may not see is a 404 alike
for missing and not-yours. The figures are read-only aggregates (``dashboard.page``), so no service is called.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from sanxiang.oversight.dashboard.dates import month_label
from sanxiang.oversight.dashboard.page import CHART_KEYS, chart_for, charts_for
from sanxiang.oversight.dashboard.scopes import Scope, scope_for, scopes_for, window
from sanxiang.oversight.dashboard.tables import csv_bytes, rows_html
from sanxiang.staff.desk import Desk
from sanxiang.staff.frame import staff_view

NAV = "dashboard"


def _scope(request: HttpRequest, desk: Desk) -> Scope:
    scope = scope_for(desk.user, request.GET.get("scope"))
    if scope is None:
        raise Http404("没有可查看的统计范围。")
    return scope


def _case_url(pk: int) -> str:
    return reverse("cases:case_detail", args=[pk])


@staff_view
@require_GET
def overview(request: HttpRequest, desk: Desk) -> HttpResponse:
    scope = _scope(request, desk)
    charts = charts_for(scope, case_url=_case_url)
    shown = window()
    context = {
        "desk": desk,
        "nav_active": NAV,
        "scope": scope,
        "scopes": scopes_for(desk.user),
        "charts": [
            {
                "chart": c,
                "id": f"chart-{c.key}",
                "data_id": f"chart-{c.key}-data",
                "data": c.data(),
                "rows_html": rows_html(c),
            }
            for c in charts
        ],
        "first_month": month_label(shown.first_day),
        "today": shown.today,
    }
    return render(request, "oversight/dashboard/overview.html", context)


@staff_view
@require_GET
def chart_csv(request: HttpRequest, desk: Desk, key: str) -> HttpResponse:
    """One chart's table as CSV (``tables.csv_bytes``)."""
    if key not in CHART_KEYS:
        raise Http404("没有这个图表。")
    scope = _scope(request, desk)
    chart = chart_for(scope, key, case_url=_case_url)
    if chart is None:
        raise Http404("没有这个图表。")
    response = HttpResponse(csv_bytes(chart), content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = (
        f'attachment; filename="dashboard-{key}-{scope.key.replace(":", "-")}-{stamp}.csv"'
    )
    return response
