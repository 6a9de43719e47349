"""Writes of the oversight app: publishing an agency's annual enforcement statistics (年度行政执法数据).

* ``annual_report_publish`` — the legal section (法制审核人员) or a leader publishes an agency's figures of a finished
  year, frozen as computed at that moment; once per agency and year. A correction is a new version with its public
  reason; the earlier version is marked superseded (both stay on the portal). Each change has its ledger entry.
* ``annual_reports_publish_due`` — what the 1 January task does (``oversight.tasks``): every enforcement agency
  without a report for the year gets one, published by the system (no actor), so the figures are out well before
  31 January. The legal section corrects them if needed.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from sanxiang.core.canonical import canonical_json, sha256_hex
from sanxiang.core.errors import ValidationError
from sanxiang.core.values import clean_text
from sanxiang.ledger.services import record
from sanxiang.org.access import require_role
from sanxiang.org.models import Agency, Role
from sanxiang.oversight import annual
from sanxiang.oversight.models import AnnualReport, AnnualReportState

PUBLISHERS = (Role.LEGAL_REVIEWER, Role.LEADER)
SYSTEM = None  # the actor of what the system does on its own (the 1 January task)
FIRST_YEAR = 2000
REASON_MAX = 2000


def _check_year(year: Any) -> int:
    if isinstance(year, bool) or not isinstance(year, int):
        raise ValidationError({"year": ["年度应为四位数字的年份。"]})
    current = timezone.localdate().year
    if year < FIRST_YEAR:
        raise ValidationError({"year": [f"年度不能早于{FIRST_YEAR}年。"]})
    if year >= current:
        raise ValidationError({"year": [f"{year}年尚未结束，只能发布{current - 1}年及以前年度的统计数据。"]})
    return year


@transaction.atomic
def annual_report_publish(*, actor: Any, agency: Agency, year: int, reason: str = "") -> AnnualReport:
    """Publish ``agency``'s statistics of ``year`` (a finished year), or a corrected version with ``reason``."""
    if actor is not SYSTEM:
        require_role(actor, agency, PUBLISHERS, "只有本机关的法制审核人员或局领导可以发布年度行政执法数据。")
    year = _check_year(year)
    agency = Agency.objects.get(pk=agency.pk)
    if not agency.is_enforcement_body:
        raise ValidationError({"agency": ["该机构不是执法主体，没有年度行政执法数据。"]})
    reason = clean_text(reason)
    if len(reason) > REASON_MAX:
        raise ValidationError({"reason": [f"更正说明不能超过{REASON_MAX}字。"]})
    versions = AnnualReport.objects.select_for_update().filter(agency=agency, year=year)
    current = versions.filter(state=AnnualReportState.PUBLISHED).first()
    if current is not None and not reason:
        raise ValidationError(
            {
                "reason": [
                    f"{agency.name}{year}年度行政执法数据已于{timezone.localtime(current.published_at):%Y-%m-%d}发布；如需更正，请填写更正说明后发布更正版。"
                ]
            }
        )
    if current is None and reason:
        raise ValidationError({"reason": [f"{year}年度数据尚未发布，不是更正，无需填写更正说明。"]})
    now = timezone.now()
    figures = annual.agency_figures(agency=agency, year=year, as_of=now)
    version = (versions.aggregate(top=Max("version"))["top"] or 0) + 1
    if current is not None:
        current.state = AnnualReportState.SUPERSEDED
        current.superseded_at = now
        current.save(update_fields=["state", "superseded_at"])
        record(
            actor=actor,
            action="annual_report.supersede",
            subject=current,
            note=f"{year}年度 第{version}版更正：{reason}",
        )
    try:
        with transaction.atomic():
            report = AnnualReport.objects.create(
                agency=agency,
                year=year,
                version=version,
                state=AnnualReportState.PUBLISHED,
                figures=figures,
                figures_sha256=sha256_hex(canonical_json(figures)),
                reason=reason,
                published_by=actor,
                published_at=now,
            )
    except IntegrityError as exc:  # another publisher got there first
        raise ValidationError({"__all__": [f"{year}年度数据刚刚已由他人发布，请刷新后查看。"]}) from exc
    note = f"{agency.name}{year}年度行政执法数据" + (f"（第{version}版，更正：{reason}）" if version > 1 else "")
    record(actor=actor, action="annual_report.publish", subject=report, note=note)
    return report


def annual_reports_publish_due(*, year: int | None = None) -> list[AnnualReport]:
    """Publish, as the system, the reports of ``year`` (default: last year) that no one has published yet."""
    year = year if year is not None else timezone.localdate().year - 1
    done = set(AnnualReport.objects.filter(year=year).values_list("agency_id", flat=True))
    published = []
    for agency in annual.enforcement_agencies().exclude(pk__in=done):
        published.append(annual_report_publish(actor=SYSTEM, agency=agency, year=year))
    return published
