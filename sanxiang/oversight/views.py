"""Staff pages of the oversight app (/staff/oversight/): the annual enforcement statistics — a live preview of any
year for the agency being worked on (and, for those who read several agencies, every one of them side by side), the
versions published so far, and the publish / correct form for the legal section and the leaders."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from sanxiang.core.errors import ValidationError
from sanxiang.org.access import has_role, readable_agencies
from sanxiang.org.models import Agency
from sanxiang.oversight import annual, presentation, selectors, services
from sanxiang.staff.desk import Desk
from sanxiang.staff.frame import error_messages, staff_view

NAV = "oversight"
YEARS_BACK = 10


def _agency(desk: Desk) -> Agency:
    if desk.agency is None:
        raise Http404("没有可查看的执法主体。")
    return desk.agency


def _year(value: Any, default: int) -> int:
    try:
        year = int(value)
    except (TypeError, ValueError):
        return default
    return year if services.FIRST_YEAR <= year <= default else default


def _page(
    request: HttpRequest,
    desk: Desk,
    *,
    agency: Agency | None = None,
    errors: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    agency = agency or _agency(desk)
    this_year = timezone.localdate().year
    year = _year(request.GET.get("year"), this_year)
    others = [
        a for a in readable_agencies(desk.user).filter(is_enforcement_body=True).order_by("name", "pk") if a != agency
    ]
    # One computation for every agency shown: the working agency's tables and, for readers of several agencies,
    # the comparison (the decision limits are per case: see oversight.annual).
    by_agency = annual.figures_for(year=year, agencies=[agency, *others])
    figures = by_agency[agency.pk]
    comparison = (
        [{"agency": a, "figures": by_agency[a.pk], "rows": _summary(by_agency[a.pk])} for a in [agency, *others]]
        if others
        else []
    )
    total = annual.total_of(by_agency.values()) if others else None
    can_publish = has_role(desk.user, agency, services.PUBLISHERS)
    context = {
        "desk": desk,
        "nav_active": NAV,
        "agency": agency,
        "year": year,
        "years": list(range(this_year, this_year - YEARS_BACK, -1)),
        "publish_years": list(range(this_year - 1, this_year - YEARS_BACK, -1)),
        "figures": figures,
        "tables": presentation.tables(figures),
        "comparison": comparison,
        "total_rows": _summary(total) if total else None,
        "reports": selectors.agency_reports(agency.pk),
        "can_publish": can_publish,
        "errors": errors or [],
        "posted": request.POST if errors else {},
    }
    return render(request, "oversight/annual.html", context, status=status)


def _summary(figures: dict[str, Any]) -> list[Any]:
    """One line of the by-agency comparison: decisions, penalties, fines, on-time rates."""
    rates = {row["key"]: presentation.rate(row["on_time"], row["late"]) for row in figures["timeliness"]}
    return [
        figures["cases"]["opened"],
        figures["cases"]["decided"],
        figures["penalties"]["decided"],
        figures["penalties"]["fines"]["total"],
        rates.get("case_decision", "—"),
        rates.get("publication", "—"),
        rates.get("legal_review", "—"),
    ]


@staff_view
@require_GET
def annual_page(request: HttpRequest, desk: Desk) -> HttpResponse:
    return _page(request, desk)


@staff_view
@require_POST
def annual_publish(request: HttpRequest, desk: Desk) -> HttpResponse:
    # The agency the form was shown for: one of the user's readable agencies (404 alike for another's), so a page
    # left open while the working agency was switched in another tab publishes what it showed.
    agency = next((a for a in desk.choices if str(a.pk) == request.POST.get("agency", "")), None)
    if agency is None:
        raise Http404("没有可查看的执法主体。")
    try:
        year = int(request.POST.get("year", ""))
    except ValueError:
        year = -1
    try:
        report = services.annual_report_publish(
            actor=request.user, agency=agency, year=year, reason=request.POST.get("reason", "")
        )
    except ValidationError as exc:
        return _page(request, desk, agency=agency, errors=error_messages(exc), status=400)
    label = f"{report.year}年度行政执法数据" + (f"（第{report.version}版）" if report.version > 1 else "")
    messages.success(request, f"已发布{label}。")
    return redirect(reverse("oversight:annual") + f"?year={report.year}&agency={agency.pk}")
