"""The dashboard's monthly summary (``oversight.dashboard.summary``) follows the records it is computed from: changes
made through the services are noted in their transactions and the months they touch recomputed before the page
reads them, so a page shows exactly what a rebuild from the records shows; a change of definitions recomputes the
rows; months leave nothing behind."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from sanxiang.conftest import Bureau
from sanxiang.ledger.tests.conftest import ledgered_bureau  # noqa: F401 - fixture
from sanxiang.ledger.tests.test_verify import ledger_dirs, world  # noqa: F401 - fixtures
from sanxiang.org.models import Agency
from sanxiang.oversight.dashboard.page import charts_for
from sanxiang.oversight.dashboard.scopes import Scope, window
from sanxiang.oversight.dashboard.summary.refresh import fingerprint, rebuild, recompute
from sanxiang.oversight.models import DashboardChange, DashboardMonth
from sanxiang.oversight.tests.test_dashboard import build_world


def deployment() -> Scope:
    ids = tuple(Agency.objects.filter(is_enforcement_body=True).order_by("pk").values_list("pk", flat=True))
    return Scope("all", "deployment", "全部", ids)


def tables(scope: Scope, **kwargs: Any) -> dict[str, list[list[Any]]]:
    return {c.key: c.rows for c in charts_for(scope, **kwargs)}


def total(rows: list[list[Any]]) -> int:
    return sum(int(row[-1]) for row in rows)


@pytest.fixture
def summary_before(ledgered_bureau: Bureau) -> dict[str, list[list[Any]]]:  # noqa: F811 - the imported fixture
    """The summary of every month of the window, computed before ``world`` makes its records (ask for this fixture
    before ``world``)."""
    scope = deployment()
    w = window()
    recompute([(a, m) for a in scope.agency_ids for m in w.months])
    return tables(scope)


@pytest.mark.django_db
def test_changes_made_through_the_services_reach_the_page(summary_before: Any, world: Bureau) -> None:  # noqa: F811
    """``world`` runs cases, documents and their service, legal reviews, publications, complaints and evaluations
    through the services. Each change is noted; the page recomputes the months they touch and shows what a rebuild
    from the records shows."""
    assert DashboardChange.objects.filter(kind="case").exists()
    assert DashboardChange.objects.filter(kind="complaint").exists()
    scope = deployment()
    kept = tables(scope)
    assert not DashboardChange.objects.exists()  # consumed
    assert total(kept["cases_opened"]) > total(summary_before["cases_opened"]) == 0
    assert kept != summary_before
    rebuild()
    assert tables(scope) == kept


@pytest.mark.django_db
def test_a_change_of_definitions_recomputes_the_rows(bureau: Bureau, settings: Any) -> None:
    """The decision limit is part of each row's fingerprint: with another limit every row is recomputed before it is
    read, and the decisions are judged against the new limit."""
    build_world(bureau)
    scope = deployment()
    before = tables(scope)["timeliness"][0]
    stamp = fingerprint()
    settings.SANXIANG_DEADLINE_DAYS = {"case_decision": 1}
    assert fingerprint() != stamp
    after = tables(scope)["timeliness"][0]
    assert set(DashboardMonth.objects.values_list("fingerprint", flat=True)) == {fingerprint()}
    # With one day to decide, decisions made days after opening are late: fewer on time, more late.
    assert after[1] < before[1]
    assert after[2] > before[2]


@pytest.mark.django_db
def test_overdue_follows_the_date_without_recomputing(bureau: Bureau) -> None:
    """What is overdue is worked out when the page is shown, from the due days the rows keep: four months later more
    items are overdue (cases opened in the last 90 days pass their limit) and no existing row is recomputed."""
    build_world(bureau)
    scope = deployment()
    today = timezone.localdate()
    before = tables(scope, today=today)
    computed = dict(DashboardMonth.objects.values_list("pk", "computed_at"))
    later = tables(scope, today=today + dt.timedelta(days=120))
    assert dict(DashboardMonth.objects.filter(pk__in=computed).values_list("pk", "computed_at")) == computed
    assert total(later["overdue_departments"]) > total(before["overdue_departments"])


@pytest.mark.django_db
def test_a_rebuild_writes_every_month_once(bureau: Bureau) -> None:
    build_world(bureau)
    months = rebuild()
    rows = DashboardMonth.objects.count()
    assert months == rows > 12
    assert rebuild() == months
    assert DashboardMonth.objects.count() == rows


@pytest.mark.django_db
def test_table_cells_are_escaped(bureau: Bureau) -> None:
    """The tables are written by the view, not the template: a department's name is shown as text, never as markup."""
    from django.test import Client
    from django.urls import reverse

    from sanxiang.org.models import Department

    built = build_world(bureau)
    department = next(iter(built.departments.values()))
    Department.objects.filter(pk=department.pk).update(name="<i>一中队</i>")
    client = Client()
    client.force_login(bureau.superuser)
    page = client.get(reverse("oversight:dashboard")).content.decode()
    assert "&lt;i&gt;一中队&lt;/i&gt;" in page
    assert "<i>一中队</i>" not in page


@pytest.mark.django_db
def test_an_assignee_who_is_an_officer_is_one_person(bureau: Bureau) -> None:
    """A late complaint assigned to the user of an officer with late cases is counted on that officer's row, not on a
    second row under the user's name."""
    from sanxiang.complaints.models import Complaint
    from sanxiang.org.models import User
    from sanxiang.registry.models import Officer

    build_world(bureau)
    scope = Scope("a", "agency", "a", (bureau.agency.pk,))
    rows = {r[0]: r[1:4] for r in tables(scope)["overdue_officers"]}
    name = next(n for n, counts in rows.items() if counts[0] > 0)
    officer = Officer.objects.get(agency=bureau.agency, name=name)
    user = User.objects.create_user(username="assignee-officer", password="x", full_name="用户显示名")
    Officer.objects.filter(pk=officer.pk).update(user=user)
    late = Complaint.objects.filter(
        agency=bureau.agency, replied_at__isnull=True, due_on__lt=timezone.localdate()
    ).exclude(state="refused")
    assert late.exists()
    Complaint.objects.filter(pk=late.first().pk).update(assignee=user)  # type: ignore[union-attr]
    rebuild()
    after = {r[0]: r[1:4] for r in tables(scope)["overdue_officers"]}
    assert after[name] == [rows[name][0], rows[name][1], rows[name][2] + 1]
    assert "用户显示名" not in after


@pytest.mark.django_db
def test_the_rebuild_command(bureau: Bureau) -> None:
    import io

    from django.core.management import CommandError, call_command

    build_world(bureau)
    out, err = io.StringIO(), io.StringIO()
    call_command("dashboard-rebuild", "--agency", str(bureau.agency.pk), stdout=out, stderr=err)
    months = DashboardMonth.objects.filter(agency=bureau.agency).count()
    assert months > 12 and not DashboardMonth.objects.exclude(agency=bureau.agency).exists()
    assert f"已重新计算1个执法主体的{months}个月度汇总" in out.getvalue()
    assert "月度汇总" in err.getvalue()  # the progress bar
    with pytest.raises(CommandError, match="没有找到指定的执法主体"):
        call_command("dashboard-rebuild", "--agency", "不存在的机关", stdout=out, stderr=err)
