"""The staff page (login and role; preview; publish through the form, refusals shown, nothing written) and the public
pages (only published reports; tables and bars; downloads that open — openpyxl reads the .xlsx back, the CSV parses —
and say exactly what the page says)."""

from __future__ import annotations

import csv
import io
import json
from html.parser import HTMLParser
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from sanxiang.conftest import Bureau, make_user
from sanxiang.core.testing import Request, assert_permissions, html_expect
from sanxiang.ledger.models import Entry
from sanxiang.oversight import presentation
from sanxiang.oversight.models import AnnualReport, AnnualReportState
from sanxiang.oversight.services import annual_report_publish
from sanxiang.oversight.tests.conftest import YEAR, Prepared


def ledger_size() -> int:
    return Entry.objects.count()


class Tables(HTMLParser):
    """The text of every table row of a page: [[cell, …], …] per table."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self.row: list[str] | None = None
        self.cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.row = []
        elif tag in ("td", "th") and self.row is not None:
            self.cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self.cell is not None and self.row is not None:
            self.row.append("".join(self.cell).strip())
            self.cell = None
        elif tag == "tr" and self.row is not None:
            self.tables[-1].append([c for c in self.row if c])
            self.row = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


def page_tables(html: str) -> list[list[list[str]]]:
    parser = Tables()
    parser.feed(html)
    return parser.tables


# --- the staff page ----------------------------------------------------------------------------------------------------


def test_staff_page_needs_login_and_a_role(client: Client, bureau: Bureau) -> None:
    nobody = make_user("nobody")
    assert_permissions(
        client,
        Request("get", reverse("oversight:annual")),
        permitted=[bureau.officer, bureau.reviewer, bureau.leader, bureau.supervisor, bureau.outsider],
        no_permission=[nobody],
        expect=html_expect(),
    )


def test_publish_needs_the_legal_section_or_a_leader_of_the_agency_shown(client: Client, bureau: Bureau) -> None:
    data = {"agency": bureau.agency.pk, "year": YEAR, "reason": ""}
    assert_permissions(
        client,
        Request("post", reverse("oversight:annual_publish"), data, format="form"),
        permitted=[bureau.reviewer],
        no_permission=[make_user("nobody"), bureau.officer, bureau.head, bureau.office_clerk, bureau.supervisor],
        constrained=[bureau.outsider],  # a legal reviewer, of the other agency
        expect=html_expect(),
        unchanged=ledger_size,
    )
    assert AnnualReport.objects.get().agency == bureau.agency


def test_staff_page_previews_the_current_year_and_publishes(client: Client, prepared: Prepared) -> None:
    bureau = prepared.bureau
    client.force_login(bureau.leader)
    page = client.get(reverse("oversight:annual"))
    text = page.content.decode()
    assert page.status_code == 200 and "尚未结束" in text and "发布年度行政执法数据" in text
    past = client.get(reverse("oversight:annual"), {"year": YEAR}).content.decode()
    assert "年度已结束" in past
    live = page_tables(past)[0]  # the cases by kind, as computed now
    assert live[1:] == [[str(c) for c in row] for row in presentation.tables(_live(bureau))[0].rows]
    response = client.post(reverse("oversight:annual_publish"), {"agency": bureau.agency.pk, "year": YEAR})
    assert response.status_code == 302
    again = client.post(reverse("oversight:annual_publish"), {"agency": bureau.agency.pk, "year": YEAR})
    assert again.status_code == 400 and "如需更正" in again.content.decode()
    assert AnnualReport.objects.count() == 1
    fixed = client.post(
        reverse("oversight:annual_publish"), {"agency": bureau.agency.pk, "year": YEAR, "reason": "补录"}
    )
    assert fixed.status_code == 302
    assert list(AnnualReport.objects.order_by("version").values_list("state", flat=True)) == [
        AnnualReportState.SUPERSEDED,
        AnnualReportState.PUBLISHED,
    ]


def _live(bureau: Bureau) -> dict[str, Any]:
    from sanxiang.oversight import annual

    return annual.agency_figures(agency=bureau.agency, year=YEAR)


def test_a_reader_of_several_agencies_sees_them_side_by_side(client: Client, prepared: Prepared) -> None:
    client.force_login(prepared.bureau.superuser)
    text = client.get(reverse("oversight:annual"), {"year": YEAR}).content.decode()
    assert "各执法主体对比" in text
    assert prepared.agencies["a"].name in text and prepared.agencies["b"].name in text


# --- the public pages ----------------------------------------------------------------------------------------------


@pytest.fixture
def published(prepared: Prepared) -> AnnualReport:
    return annual_report_publish(actor=prepared.bureau.reviewer, agency=prepared.bureau.agency, year=YEAR)


def test_public_sees_only_published_reports(client: Client, prepared: Prepared, published: AnnualReport) -> None:
    other = prepared.bureau.other_agency
    listing = client.get(reverse("portal:annual-list")).content.decode()
    assert prepared.bureau.agency.name in listing and other.name not in listing
    assert client.get(reverse("portal:annual-detail", args=[published.agency_id, YEAR])).status_code == 200
    for url in (
        reverse("portal:annual-detail", args=[other.pk, YEAR]),
        reverse("portal:annual-detail", args=[published.agency_id, YEAR - 1]),
        reverse("portal:annual-download", args=[other.pk, YEAR, "csv"]),
        reverse("portal:annual-download", args=[published.agency_id, YEAR, "pdf"]),
        reverse("portal:annual-detail", args=[published.agency_id, YEAR]) + "?version=9",
        reverse("portal:annual-detail", args=[published.agency_id, YEAR]) + "?version=x",
    ):
        assert client.get(url).status_code == 404, url


def test_the_empty_list_says_so(client: Client, bureau: Bureau) -> None:
    assert "暂无已发布" in client.get(reverse("portal:annual-list")).content.decode()


def test_page_shows_the_tables_with_bars(client: Client, published: AnnualReport) -> None:
    response = client.get(reverse("portal:annual-detail", args=[published.agency_id, YEAR]))
    text = response.content.decode()
    assert "annual-bar--w100" in text and "style=" not in text  # bars by class (strict CSP)
    shown = page_tables(text)
    expected = presentation.tables(published.figures)
    assert len(shown) == len(expected)
    for table, rows in zip(expected, shown, strict=True):
        assert rows[0] == table.headers
        assert rows[1:] == [[str(c) for c in row] for row in table.rows]


def _csv_blocks(body: bytes) -> dict[str, list[list[str]]]:
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    blocks: dict[str, list[list[str]]] = {}
    current: list[list[str]] | None = None
    for row in rows:
        if len(row) == 1 and row[0][:2] in ("一、", "二、", "三、", "四、"):
            current = blocks.setdefault(row[0], [])
        elif not row or (len(row) == 1 and row[0].startswith("注：")):
            continue
        elif current is not None:
            current.append(row)
    return blocks


def test_downloads_open_and_match_the_page(client: Client, published: AnnualReport) -> None:
    url = reverse("portal:annual-detail", args=[published.agency_id, YEAR])
    shown = page_tables(client.get(url).content.decode())
    titles = [t.title for t in presentation.tables(published.figures)]

    body = client.get(reverse("portal:annual-download", args=[published.agency_id, YEAR, "csv"]))
    assert body["Content-Type"].startswith("text/csv") and "attachment" in body["Content-Disposition"]
    blocks = _csv_blocks(body.content)
    assert [blocks[title] for title in titles] == shown

    xlsx = client.get(reverse("portal:annual-download", args=[published.agency_id, YEAR, "xlsx"]))
    book = load_workbook(io.BytesIO(xlsx.content), read_only=True)
    assert len(book.sheetnames) == len(titles)
    for sheet, rows in zip(book.worksheets, shown, strict=True):
        values = [[("" if v is None else str(v)) for v in row] for row in sheet.iter_rows(values_only=True)]
        header = values.index(rows[0])
        body_rows = [[c for c in r if c] for r in values[header : header + len(rows)]]
        assert [[_same_number(c) for c in r] for r in body_rows] == [[_same_number(c) for c in r] for r in rows]

    data = json.loads(client.get(reverse("portal:annual-download", args=[published.agency_id, YEAR, "json"])).content)
    assert data["figures"] == published.figures and data["figures_sha256"] == published.figures_sha256


def _same_number(text: str) -> str:
    """The sheet stores amounts as numbers ("142200.5"); compare them as decimals."""
    from decimal import Decimal, InvalidOperation

    try:
        return str(Decimal(text).normalize())
    except InvalidOperation:
        return text


def test_a_superseded_version_stays_readable_and_points_to_the_current(
    client: Client, prepared: Prepared, published: AnnualReport
) -> None:
    annual_report_publish(actor=prepared.bureau.leader, agency=prepared.bureau.agency, year=YEAR, reason="补录")
    url = reverse("portal:annual-detail", args=[published.agency_id, YEAR])
    old = client.get(url, {"version": 1}).content.decode()
    assert "本版本已被更正" in old
    current = client.get(url).content.decode()
    assert "第2版更正说明：补录" in current
    old_csv = client.get(reverse("portal:annual-download", args=[published.agency_id, YEAR, "csv"]), {"version": 1})
    assert old_csv.status_code == 200 and "版本,1" in old_csv.content.decode("utf-8-sig")


# --- the API -------------------------------------------------------------------------------------------------------


def test_public_api_gives_published_reports_only(client: Client, prepared: Prepared, published: AnnualReport) -> None:
    listing = client.get("/api/v1/public/annual-reports/").json()
    assert [(r["agency_id"], r["year"], r["version"]) for r in listing] == [(published.agency_id, YEAR, 1)]
    one = client.get(f"/api/v1/public/annual-reports/{published.agency_id}/{YEAR}/").json()
    assert one["figures"] == published.figures and one["figures_sha256"] == published.figures_sha256
    other = prepared.bureau.other_agency.pk
    assert client.get(f"/api/v1/public/annual-reports/{other}/{YEAR}/").status_code == 404


def test_staff_api_previews_readable_agencies_and_publishes(client: Client, prepared: Prepared) -> None:
    bureau = prepared.bureau
    url = "/api/v1/staff/annual-figures/"
    assert client.get(url, {"agency": bureau.agency.pk, "year": YEAR}).status_code in (401, 403)
    client.force_login(bureau.officer)
    live = client.get(url, {"agency": bureau.agency.pk, "year": YEAR}).json()
    assert live["cases"]["decided"] == 11
    assert client.get(url, {"agency": bureau.other_agency.pk, "year": YEAR}).status_code == 404
    body = {"agency": bureau.agency.pk, "year": YEAR}
    size = ledger_size()
    assert client.post("/api/v1/staff/annual-reports/", body, content_type="application/json").status_code == 403
    assert ledger_size() == size
    client.force_login(bureau.reviewer)
    created = client.post("/api/v1/staff/annual-reports/", body, content_type="application/json")
    assert created.status_code == 201 and created.json()["version"] == 1
    again = client.post("/api/v1/staff/annual-reports/", body, content_type="application/json")
    assert again.status_code == 422 and "如需更正" in again.json()["errors"]["reason"][0]


def test_public_list_queries_do_not_grow_with_the_reports(client: Client, prepared: Prepared) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    bureau = prepared.bureau

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("portal:annual-list")).status_code == 200
        return len(captured.captured_queries)

    annual_report_publish(actor=bureau.reviewer, agency=bureau.agency, year=YEAR)
    one = queries()
    annual_report_publish(actor=bureau.superuser, agency=bureau.other_agency, year=YEAR)
    annual_report_publish(actor=bureau.reviewer, agency=bureau.agency, year=YEAR - 1)
    annual_report_publish(actor=bureau.reviewer, agency=bureau.agency, year=YEAR, reason="更正")
    assert queries() == one
