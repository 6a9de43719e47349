"""Public pages of the annual enforcement statistics (年度行政执法数据): the list of published reports by year and
agency, one report as tables with bars, and its downloads (.xlsx, CSV with a byte-order mark, JSON). Only published
reports are shown (``oversight.selectors``); a superseded version stays readable with a pointer to the current one.
"""

from __future__ import annotations

import datetime as dt
from itertools import groupby
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from sanxiang.core.errors import NotFound
from sanxiang.oversight import presentation, selectors
from sanxiang.oversight.models import AnnualReport

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json; charset=utf-8",
}


def as_of_display(report: AnnualReport) -> str:
    """When the figures were computed, in local time to the minute (the frozen figures carry it as ISO 8601)."""
    try:
        return f"{dt.datetime.fromisoformat(report.figures.get('as_of', '')):%Y-%m-%d %H:%M}"
    except (TypeError, ValueError):
        return ""


def _report(agency_id: int, year: int, version: Any) -> AnnualReport:
    try:
        return selectors.public_report(agency_id=agency_id, year=year, version=version or None)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _meta(report: AnnualReport) -> list[list[presentation.Cell]]:
    rows: list[list[presentation.Cell]] = [
        ["执法主体", report.agency.name],
        ["年度", report.year],
        ["版本", report.version],
        ["发布时间", f"{timezone.localtime(report.published_at):%Y-%m-%d %H:%M}"],
        ["数据截至", as_of_display(report)],
        ["数据摘要（SHA-256）", report.figures_sha256],
    ]
    if report.reason:
        rows.append(["更正说明", report.reason])
    return rows


@require_GET
def annual_list(request: HttpRequest) -> HttpResponse:
    reports = list(selectors.public_reports())
    years = [
        {"year": year, "rows": [(r, _line(r.figures)) for r in group]}
        for year, group in groupby(reports, key=lambda r: r.year)
    ]
    return render(request, "portal/annual/list.html", {"years": years, "nav": "annual"})


def _line(figures: dict[str, Any]) -> dict[str, Any]:
    rates = {row["key"]: presentation.rate(row["on_time"], row["late"]) for row in figures["timeliness"]}
    return {
        "decided": figures["cases"]["decided"],
        "penalties": figures["penalties"]["decided"],
        "fines": figures["penalties"]["fines"]["total"],
        "publication": rates.get("publication", "—"),
    }


@require_GET
def annual_detail(request: HttpRequest, agency_id: int, year: int) -> HttpResponse:
    report = _report(agency_id, year, request.GET.get("version"))
    context = {
        "report": report,
        "figures": report.figures,
        "title": presentation.title_of(report.figures),
        "tables": presentation.tables(report.figures),
        "versions": selectors.report_versions(report),
        "meta": _meta(report),
        "as_of": as_of_display(report),
        "nav": "annual",
    }
    return render(request, "portal/annual/detail.html", context)


@require_GET
def annual_download(request: HttpRequest, agency_id: int, year: int, fmt: str) -> HttpResponse:
    if fmt not in FORMATS:
        raise Http404("不支持该格式。")
    report = _report(agency_id, year, request.GET.get("version"))
    if fmt == "csv":
        body = presentation.csv_bytes(report.figures, meta=_meta(report))
    elif fmt == "xlsx":
        body = presentation.xlsx_bytes(report.figures, meta=_meta(report))
    else:
        document = {
            "agency": report.agency.name,
            "agency_id": report.agency_id,
            "year": report.year,
            "version": report.version,
            "state": report.state,
            "published_at": timezone.localtime(report.published_at).isoformat(timespec="seconds"),
            "reason": report.reason,
            "figures_sha256": report.figures_sha256,
            "figures": report.figures,
        }
        body = presentation.json_bytes(document)
    response = HttpResponse(body, content_type=FORMATS[fmt])
    filename = f"annual-report-{report.agency_id}-{report.year}-v{report.version}.{fmt}"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
