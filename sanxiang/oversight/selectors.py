"""Reads of the oversight app. The public sees only ``AnnualReport`` rows (each is a published version)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from sanxiang.core.errors import NotFound
from sanxiang.oversight.models import AnnualReport, AnnualReportState

SUBJECT_TYPE = "oversight.annualreport"


def annual_report_is_public(subject_type: str, subject_id: str) -> bool:
    """Every annual report row is a published version (current or superseded): its ledger entries are public."""
    return subject_type == SUBJECT_TYPE


def public_reports() -> QuerySet[AnnualReport]:
    """The current version of every published report, newest year first."""
    return (
        AnnualReport.objects.filter(state=AnnualReportState.PUBLISHED)
        .select_related("agency")
        .order_by("-year", "agency__name", "agency_id")
    )


def public_report(*, agency_id: Any, year: Any, version: Any = None) -> AnnualReport:
    """The current version (or ``version``) of an agency's report of ``year``; ``NotFound`` if there is none."""
    try:
        filters: dict[str, Any] = {"agency_id": int(agency_id), "year": int(year)}
        if version is None:
            filters["state"] = AnnualReportState.PUBLISHED
        else:
            filters["version"] = int(version)
    except (TypeError, ValueError) as exc:
        raise NotFound("没有找到该年度行政执法数据。") from exc
    report = AnnualReport.objects.select_related("agency").filter(**filters).first()
    if report is None:
        raise NotFound("没有找到该年度行政执法数据。")
    return report


def report_versions(report: AnnualReport) -> list[AnnualReport]:
    return list(AnnualReport.objects.filter(agency_id=report.agency_id, year=report.year).order_by("version"))


def agency_reports(agency_id: int) -> list[AnnualReport]:
    return list(
        AnnualReport.objects.filter(agency_id=agency_id).select_related("published_by").order_by("-year", "-version")
    )
