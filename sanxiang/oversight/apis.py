"""The oversight app's routers under /api/v1/ (public: open data without login; staff: signed-in staff).

Public: ``GET /public/annual-reports/`` (the current version of every published annual report, without figures) and
``GET /public/annual-reports/{agency_id}/{year}/`` (one report with its frozen figures; ``?version=N`` for an earlier
one) — the same content as the portal's JSON download. Staff: ``GET /staff/annual-figures/?agency=&year=`` (the live
figures of an agency the user may read: the preview of the staff page) and ``POST /staff/annual-reports/`` (publish
or correct, through ``annual_report_publish``, which checks the role and writes the ledger entry).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.security import django_auth

from sanxiang.core.errors import NotFound, PermissionDenied
from sanxiang.org.access import is_staff_user, readable_agencies
from sanxiang.oversight import annual, selectors, services
from sanxiang.oversight.models import AnnualReport
from sanxiang.registry.apis import ERRORS, InputSchema

public_router = Router(tags=["年度行政执法数据"])
staff_router = Router(tags=["年度行政执法数据"], auth=django_auth)


class ReportOut(Schema):
    agency_id: int
    agency: str
    year: int
    version: int
    state: str = Field(description="published 现行版本；superseded 已被更正")
    published_at: dt.datetime
    reason: str = Field(description="更正说明（第一版为空）")
    figures_sha256: str = Field(description="figures 规范 JSON（RFC 8785）的 SHA-256")
    url: str = Field(description="公示网站上的页面")


class ReportDetailOut(ReportOut):
    figures: dict[str, Any] = Field(description="发布时固定的统计数据（结构见 docs/annual-report.md）")


def _out(report: AnnualReport) -> dict[str, Any]:
    return {
        "agency_id": report.agency_id,
        "agency": report.agency.name,
        "year": report.year,
        "version": report.version,
        "state": report.state,
        "published_at": timezone.localtime(report.published_at),
        "reason": report.reason,
        "figures_sha256": report.figures_sha256,
        "url": reverse("portal:annual-detail", args=[report.agency_id, report.year])
        + (f"?version={report.version}" if report.state != "published" else ""),
    }


@public_router.get(
    "/annual-reports/",
    response=list[ReportOut],
    operation_id="public_annual_reports",
    summary="已发布的年度行政执法数据（各执法主体各年度的现行版本）",
)
def annual_reports(request: HttpRequest) -> list[dict[str, Any]]:
    return [_out(report) for report in selectors.public_reports()]


@public_router.get(
    "/annual-reports/{agency_id}/{year}/",
    response={200: ReportDetailOut, **ERRORS},
    operation_id="public_annual_report",
    summary="一个执法主体一个年度的年度行政执法数据",
)
def annual_report(request: HttpRequest, agency_id: int, year: int, version: int | None = None) -> dict[str, Any]:
    report = selectors.public_report(agency_id=agency_id, year=year, version=version)
    return {**_out(report), "figures": report.figures}


class FiguresQuery(Schema):
    agency: int
    year: int | None = Field(None, description="默认为本年度（实时预览）")


def _staff(request: HttpRequest) -> Any:
    if not is_staff_user(request.user):
        raise PermissionDenied("您的账号没有分配任何角色。")
    return request.user


@staff_router.get(
    "/annual-figures/",
    response={200: dict[str, Any], **ERRORS},
    operation_id="staff_annual_figures",
    summary="年度行政执法数据实时预览（未发布）",
)
def annual_figures(request: HttpRequest, query: Query[FiguresQuery]) -> dict[str, Any]:
    user = _staff(request)
    agency = readable_agencies(user).filter(pk=query.agency, is_enforcement_body=True).first()
    if agency is None:
        raise NotFound("没有找到该执法主体。")
    return annual.agency_figures(agency=agency, year=query.year or timezone.localdate().year)


class PublishIn(InputSchema):
    agency: int
    year: int
    reason: str = Field("", description="更正说明：发布更正版时必填，随数据公开")


@staff_router.post(
    "/annual-reports/",
    response={201: ReportDetailOut, **ERRORS},
    operation_id="staff_annual_report_publish",
    summary="发布（或更正）年度行政执法数据",
)
def annual_report_publish(request: HttpRequest, payload: PublishIn) -> Status[dict[str, Any]]:
    user = _staff(request)
    agency = readable_agencies(user).filter(pk=payload.agency).first()
    if agency is None:
        raise NotFound("没有找到该执法主体。")
    report = services.annual_report_publish(actor=user, agency=agency, year=payload.year, reason=payload.reason)
    return Status(201, {**_out(report), "figures": report.figures})
