"""The annual figures against counts computed here from the prepared specs (two agencies, every kind, several
sanctions and amounts, late and on-time items, items just outside the year), the year boundary in Beijing time, the
deployment's total, and a bounded number of queries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from sanxiang.cases.models import Sanction
from sanxiang.conftest import Bureau
from sanxiang.oversight import annual
from sanxiang.oversight.tests.conftest import SHANGHAI, YEAR, Prepared, Spec, at, in_year, iter_specs, prepare

AS_OF = at(YEAR + 1, 3, 1)  # everything of the year due by then


def figures(prepared: Prepared, agency: str, year: int = YEAR) -> dict[str, Any]:
    return annual.agency_figures(agency=prepared.agencies[agency], year=year, as_of=AS_OF)


def row(fig: dict[str, Any], key: str) -> dict[str, Any]:
    return next(r for r in fig["timeliness"] if r["key"] == key)


@pytest.mark.parametrize("agency", ["a", "b"])
def test_case_counts_by_kind_match_the_specs(prepared: Prepared, agency: str) -> None:
    fig = figures(prepared, agency)
    specs = list(iter_specs(prepared, agency))
    for kind in fig["cases"]["kinds"]:
        mine = [s for s in specs if s.kind == kind["key"]]
        assert kind["opened"] == sum(in_year(s.opened) for s in mine), kind
        assert kind["decided"] == sum(in_year(s.decided) for s in mine), kind
        assert kind["closed"] == sum(in_year(s.closed) for s in mine), kind
    assert fig["cases"]["decided"] == sum(in_year(s.decided) for s in specs)
    assert fig["cases"]["opened"] == sum(in_year(s.opened) for s in specs)
    assert fig["cases"]["closed"] == sum(in_year(s.closed) for s in specs)


def test_the_prepared_world_is_not_trivial(prepared: Prepared) -> None:
    fig = figures(prepared, "a")
    assert {k["key"]: k["decided"] for k in fig["cases"]["kinds"]} == {
        "penalty": 7,  # 5 general (one opened the year before) + 2 summary; the one decided next January is out
        "coercion": 1,
        "inspection": 1,
        "licence": 2,
    }


@pytest.mark.parametrize("agency", ["a", "b"])
def test_penalties_by_sanction_and_fines_match_the_specs(prepared: Prepared, agency: str) -> None:
    fig = figures(prepared, agency)["penalties"]
    decided = [s for s in iter_specs(prepared, agency) if s.kind == "penalty" and in_year(s.decided)]
    assert fig["decided"] == len(decided)
    assert fig["summary"] == sum(s.process == "penalty-summary" for s in decided)
    assert fig["general"] == sum(s.process == "penalty-general" for s in decided)
    by_sanction = {s["key"]: s["count"] for s in fig["sanctions"]}
    assert by_sanction == {value: sum(value in s.sanctions for s in decided) for value in Sanction.values}
    fined = [s.amount for s in decided if s.amount]
    assert fig["fines"] == {"count": len(fined), "total": f"{sum(fined, Decimal(0)):.2f}"}


def test_the_fine_figures_for_the_bureau_are_these_numbers(prepared: Prepared) -> None:
    fig = figures(prepared, "a")["penalties"]
    # 50000 + 12000.50 + 80000 + 200 (the 7777 is decided the next year; warnings and the confiscation have no fine)
    assert fig["fines"] == {"count": 4, "total": "142200.50"}
    counts = {s["key"]: s["count"] for s in fig["sanctions"]}
    assert counts["confiscation"] == 1 and counts["large_confiscation"] == 1  # one code is not found in the other
    assert counts["fine"] == 4 and counts["warning"] == 3


@pytest.mark.parametrize("agency", ["a", "b"])
def test_on_time_rows_match_the_specs(prepared: Prepared, agency: str) -> None:
    fig = figures(prepared, agency)
    decided = [s for s in iter_specs(prepared, agency) if in_year(s.decided)]

    def days(s: Spec) -> int:
        assert s.decided is not None
        return (s.decided.date() - s.opened.date()).days

    general = [s for s in decided if s.process == "penalty-general"]
    assert row(fig, "case_decision")["on_time"] == sum(days(s) <= 90 for s in general)
    assert row(fig, "case_decision")["late"] == sum(days(s) > 90 for s in general)
    licences = [s for s in decided if s.process == "licence"]
    assert all(days(s) <= 20 or days(s) >= 45 for s in licences)  # clearly inside 20 working days, or clearly past
    assert row(fig, "licence_decision")["on_time"] == sum(days(s) <= 20 for s in licences)
    assert row(fig, "licence_decision")["late"] == sum(days(s) >= 45 for s in licences)
    published = [s for s in decided if s.published_late is not None]
    assert row(fig, "publication")["on_time"] == sum(s.published_late is False for s in published)
    assert row(fig, "publication")["late"] == sum(s.published_late is True for s in published)
    assert row(fig, "publication")["overdue"] == sum(s.publication_unpublished for s in decided)
    reviews = [s for s in decided if s.review_overdue is not None]
    assert row(fig, "legal_review")["on_time"] == sum(s.review_overdue is False for s in reviews)
    assert row(fig, "legal_review")["late"] == sum(s.review_overdue is True for s in reviews)


@pytest.mark.parametrize("agency", ["a", "b"])
def test_complaint_replies_match_the_specs(prepared: Prepared, agency: str) -> None:
    reply = row(figures(prepared, agency), "complaint_reply")
    mine = [c for c in prepared.complaints if c.agency == agency and in_year(c.received) and not c.refused]
    replied = [c for c in mine if c.replied is not None]
    assert reply["on_time"] == sum(c.replied.astimezone(SHANGHAI).date() <= c.due for c in replied if c.replied)
    assert reply["late"] == sum(c.replied.astimezone(SHANGHAI).date() > c.due for c in replied if c.replied)
    assert reply["overdue"] == sum(c.replied is None and c.due < AS_OF.date() for c in mine)


def test_the_on_time_rows_of_the_bureau_are_these_numbers(prepared: Prepared) -> None:
    fig = figures(prepared, "a")
    assert (row(fig, "case_decision")["on_time"], row(fig, "case_decision")["late"]) == (4, 1)
    assert (row(fig, "licence_decision")["on_time"], row(fig, "licence_decision")["late"]) == (1, 1)
    publication = row(fig, "publication")
    assert (publication["on_time"], publication["late"], publication["overdue"]) == (6, 3, 1)
    assert (row(fig, "legal_review")["on_time"], row(fig, "legal_review")["late"]) == (2, 1)
    complaints = row(fig, "complaint_reply")
    # replied at 23:50 on the due day is in time, 00:10 the next day is late (Beijing time, not UTC)
    assert (complaints["on_time"], complaints["late"], complaints["overdue"]) == (1, 1, 1)


def test_an_unpublished_decision_not_yet_due_is_running_not_overdue(prepared: Prepared) -> None:
    decided_on = dt.date(YEAR, 8, 1)
    early = annual.agency_figures(agency=prepared.agencies["a"], year=YEAR, as_of=at(YEAR, 8, 5))
    assert row(early, "publication")["running"] == 1 and row(early, "publication")["overdue"] == 0
    assert decided_on.year == YEAR


def test_a_decision_at_2330_on_31_december_beijing_time_counts_in_that_year(bureau: Bureau) -> None:
    late_night = at(YEAR, 12, 31, 23, 30)  # 15:30 UTC
    new_year = at(YEAR + 1, 1, 1, 0, 10)  # 16:10 UTC on 31 December
    assert new_year.astimezone(dt.UTC).year == YEAR  # counted in UTC it would be the old year
    prepared = prepare(
        bureau,
        [
            Spec(
                "a", "penalty-summary", late_night - dt.timedelta(hours=1), late_night, None, ("fine",), Decimal("100")
            ),
            Spec("a", "penalty-summary", new_year - dt.timedelta(minutes=50), new_year, None, ("fine",), Decimal("50")),
        ],
    )
    old = annual.agency_figures(agency=prepared.agencies["a"], year=YEAR)
    new = annual.agency_figures(agency=prepared.agencies["a"], year=YEAR + 1)
    assert old["penalties"]["fines"] == {"count": 1, "total": "100.00"}
    assert new["penalties"]["fines"] == {"count": 1, "total": "50.00"}
    assert old["cases"]["opened"] == 2 and new["cases"]["opened"] == 0  # opened 22:30 and 23:20 on 31 December


def test_the_deployment_total_is_the_sum_of_the_agencies(prepared: Prepared) -> None:
    everything = annual.deployment_figures(year=YEAR, as_of=AS_OF)
    names = [f["agency"]["name"] for f in everything["agencies"]]
    assert prepared.agencies["a"].name in names and prepared.agencies["b"].name in names
    total = everything["total"]
    a, b = figures(prepared, "a"), figures(prepared, "b")
    assert total["cases"]["decided"] == a["cases"]["decided"] + b["cases"]["decided"]
    assert Decimal(total["penalties"]["fines"]["total"]) == Decimal(a["penalties"]["fines"]["total"]) + Decimal(
        b["penalties"]["fines"]["total"]
    )
    assert row(total, "publication")["on_time"] == row(a, "publication")["on_time"] + row(b, "publication")["on_time"]


def test_queries_do_not_grow_with_the_cases(bureau: Bureau, django_assert_max_num_queries: Any) -> None:
    def count_queries(n: int) -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            annual.figures_for(year=YEAR, agencies=[bureau.agency, bureau.other_agency], as_of=AS_OF)
        return len(captured.captured_queries)

    specs = [
        Spec("a", "penalty-general", at(YEAR, 1, 10), at(YEAR, 3, 1), None, ("fine",), Decimal("100"), False)
        for _ in range(3)
    ]
    prepare(bureau, specs)
    few = count_queries(3)
    prepare(bureau, specs * 4)
    assert count_queries(15) == few
