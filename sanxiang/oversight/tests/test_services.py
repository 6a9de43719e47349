"""Publishing the annual figures: once per agency and year, a correction as a new version (nothing deleted), each
change ledgered, only the legal section or a leader of the agency, only finished years; the 1 January task and the
console command."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from sanxiang.conftest import Bureau
from sanxiang.core.canonical import canonical_json, sha256_hex
from sanxiang.core.errors import PermissionDenied, ValidationError
from sanxiang.ledger.models import Entry
from sanxiang.ledger.verify import verify
from sanxiang.oversight import annual, tasks
from sanxiang.oversight.models import AnnualReport, AnnualReportState
from sanxiang.oversight.services import annual_report_publish, annual_reports_publish_due
from sanxiang.oversight.tests.conftest import YEAR, Prepared, at


def entries(report: AnnualReport) -> list[Entry]:
    return list(Entry.objects.filter(subject_type="oversight.annualreport", subject_id=str(report.pk)).order_by("seq"))


def assert_reports_verify() -> None:
    """The verifier finds every report's state equal to its latest entry (the prepared cases are written with the
    ORM without entries for each row, so only this app's rows are asked about)."""
    report = verify()
    assert report.rows > 0
    assert [p for p in report.problems if p.concerns.startswith("oversight.")] == []


def test_publish_freezes_the_figures_and_records_them(prepared: Prepared) -> None:
    bureau = prepared.bureau
    report = annual_report_publish(actor=bureau.reviewer, agency=bureau.agency, year=YEAR)
    assert report.version == 1 and report.state == AnnualReportState.PUBLISHED
    live = annual.agency_figures(agency=bureau.agency, year=YEAR)
    assert report.figures["cases"] == live["cases"] and report.figures["penalties"] == live["penalties"]
    assert report.figures_sha256 == sha256_hex(canonical_json(report.figures))
    [entry] = entries(report)
    assert (entry.action, entry.actor_id) == ("annual_report.publish", bureau.reviewer.pk)
    assert_reports_verify()


def test_publish_is_once_per_agency_and_year(prepared: Prepared) -> None:
    bureau = prepared.bureau
    annual_report_publish(actor=bureau.leader, agency=bureau.agency, year=YEAR)
    size = Entry.objects.count()
    with pytest.raises(ValidationError, match=r"已于.*发布；如需更正"):
        annual_report_publish(actor=bureau.reviewer, agency=bureau.agency, year=YEAR)
    assert AnnualReport.objects.count() == 1 and Entry.objects.count() == size
    # another agency and another year are their own reports
    annual_report_publish(actor=bureau.superuser, agency=bureau.other_agency, year=YEAR)
    annual_report_publish(actor=bureau.leader, agency=bureau.agency, year=YEAR - 1)
    assert AnnualReport.objects.filter(state=AnnualReportState.PUBLISHED).count() == 3


def test_a_correction_is_a_new_version_and_nothing_is_deleted(prepared: Prepared) -> None:
    bureau = prepared.bureau
    first = annual_report_publish(actor=bureau.reviewer, agency=bureau.agency, year=YEAR)
    with pytest.raises(ValidationError, match="不是更正"):
        annual_report_publish(actor=bureau.superuser, agency=bureau.other_agency, year=YEAR, reason="更正")
    second = annual_report_publish(actor=bureau.leader, agency=bureau.agency, year=YEAR, reason="补录两件许可决定")
    first.refresh_from_db()
    assert (first.state, second.state, second.version, second.reason) == (
        AnnualReportState.SUPERSEDED,
        AnnualReportState.PUBLISHED,
        2,
        "补录两件许可决定",
    )
    assert first.superseded_at == second.published_at
    assert [e.action for e in entries(first)] == ["annual_report.publish", "annual_report.supersede"]
    assert [e.action for e in entries(second)] == ["annual_report.publish"]
    assert_reports_verify()


@pytest.mark.parametrize("who", ["officer", "head", "office_clerk", "supervisor", "outsider", "evaluator"])
def test_only_the_legal_section_or_a_leader_of_the_agency_publishes(bureau: Bureau, who: str) -> None:
    size = Entry.objects.count()
    with pytest.raises(PermissionDenied):
        annual_report_publish(actor=getattr(bureau, who), agency=bureau.agency, year=YEAR)
    assert not AnnualReport.objects.exists() and Entry.objects.count() == size


@pytest.mark.parametrize(
    ("year", "message"),
    [
        (timezone.localdate().year, "尚未结束"),
        (timezone.localdate().year + 1, "尚未结束"),
        (1999, "不能早于"),
        ("2025", "四位"),
    ],
)
def test_only_a_finished_year_can_be_published(bureau: Bureau, year: Any, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        annual_report_publish(actor=bureau.reviewer, agency=bureau.agency, year=year)
    assert not AnnualReport.objects.exists()


def test_an_agency_that_is_not_an_enforcement_body_has_no_report(bureau: Bureau) -> None:
    supervisor_body = bureau.supervisor.role_assignments.get().agency
    with pytest.raises(ValidationError, match="不是执法主体"):
        annual_report_publish(actor=bureau.superuser, agency=supervisor_body, year=YEAR)


def test_the_january_task_publishes_what_is_missing_once(prepared: Prepared) -> None:
    bureau = prepared.bureau
    annual_report_publish(actor=bureau.reviewer, agency=bureau.agency, year=YEAR)
    ids = tasks.publish_annual_reports.call(year=YEAR, reschedule=False)
    [report] = AnnualReport.objects.filter(pk__in=ids)
    assert report.agency == bureau.other_agency and report.published_by is None
    assert entries(report)[0].actor_id is None
    assert annual_reports_publish_due(year=YEAR) == []  # nothing left: the task can run again harmlessly
    assert AnnualReport.objects.filter(year=YEAR).count() == 2


def test_next_run_is_the_next_first_of_january_in_local_time() -> None:
    zone = timezone.get_default_timezone()
    assert tasks.next_run(at(2026, 11, 24)) == at(2027, 1, 1, 1, 0).astimezone(zone)
    assert tasks.next_run(at(2027, 1, 1, 0, 30)) == at(2027, 1, 1, 1, 0).astimezone(zone)
    assert tasks.next_run(at(2027, 1, 1, 1, 0)) == at(2028, 1, 1, 1, 0).astimezone(zone)


def test_schedule_queues_one_run(bureau: Bureau) -> None:
    from django_tasks_db.models import DBTaskResult

    out = io.StringIO()
    call_command("annual-report", "--schedule", stdout=out)
    call_command("annual-report", "--schedule", stdout=out)
    queued = DBTaskResult.objects.filter(task_path=tasks.publish_annual_reports.module_path)
    assert queued.count() == 1
    assert queued.get().run_after == tasks.next_run()


def test_the_command_prints_figures_and_publishes(prepared: Prepared) -> None:
    bureau = prepared.bureau
    out = io.StringIO()
    call_command("annual-report", str(YEAR), "--agency", bureau.agency.name, stdout=out)
    [printed] = json.loads(out.getvalue())
    assert printed["cases"] == annual.agency_figures(agency=bureau.agency, year=YEAR)["cases"]
    assert not AnnualReport.objects.exists()
    call_command("annual-report", str(YEAR), "--publish", stdout=io.StringIO())
    assert AnnualReport.objects.filter(year=YEAR, state=AnnualReportState.PUBLISHED).count() == 2
    out = io.StringIO()
    call_command("annual-report", str(YEAR), "--publish", "--agency", str(bureau.agency.pk), stdout=out)
    assert "跳过" in out.getvalue()
    call_command(
        "annual-report", str(YEAR), "--publish", "--agency", str(bureau.agency.pk), "--reason", "更正", stdout=out
    )
    assert AnnualReport.objects.get(agency=bureau.agency, state=AnnualReportState.PUBLISHED).version == 2
    with pytest.raises(CommandError):
        call_command(
            "annual-report", str(timezone.localdate().year), "--publish", stdout=io.StringIO(), stderr=io.StringIO()
        )
