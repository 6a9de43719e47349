"""Published decisions on the portal and the open-data API: search and list, detail, Atom feed, CSV/JSON export.

Publications are written by ``disclosure.tests.test_search.make_publication`` (ORM + ledger record, so the search
index is kept by the listener as the services keep it).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from django.urls import reverse

from sanxiang.conftest import Bureau
from sanxiang.disclosure.models import DecisionKind, Publication
from sanxiang.disclosure.tests.test_search import expire, make_publication, withdraw

ATOM = "{http://www.w3.org/2005/Atom}"
LIST_URL = "/publications/"


@pytest.fixture
def world(bureau: Bureau) -> dict[str, Publication]:
    fined = make_publication(
        bureau,
        title="盘锦恒达物流有限公司未按规定进行安全生产教育和培训案",
        party="盘锦恒达物流有限公司",
        decided_on=dt.date(2026, 2, 3),
        fulfilment=[{"on": "2026-02-20", "text": "当事人已全额缴纳罚款。"}],
    )
    warned = make_publication(
        bureau,
        title="双台子某加工厂未设置安全警示标志案",
        party="王某",
        party_code="",
        text="当事人未在危险场所设置安全警示标志，给予警告。",
        sanctions=["warning"],
        amount=None,
        agency=bureau.other_agency,
        decided_on=dt.date(2026, 3, 4),
    )
    licence = make_publication(
        bureau,
        title="危险化学品经营许可决定",
        party="盘锦鑫源化工有限公司",
        text="准予行政许可。",
        decision_kind=DecisionKind.LICENCE,
        sanctions=[],
        amount=None,
        decided_on=dt.date(2026, 4, 5),
    )
    revoked = withdraw(
        bureau,
        make_publication(
            bureau, title="宏远建材有限公司违法案", party="宏远建材有限公司", decided_on=dt.date(2026, 1, 2)
        ),
        reason="复议机关撤销原行政处罚决定",
    )
    old = expire(bureau, make_publication(bureau, title="过期的决定", decided_on=dt.date(2020, 1, 2)))
    return {"fined": fined, "warned": warned, "licence": licence, "revoked": revoked, "old": old}


def titles(html: str) -> list[str]:
    return re.findall(r'<td data-label="案由"><a href="/publications/\d+/">([^<]+)</a>', html)


# --- list and search ---------------------------------------------------------------------------------------------


def test_list_newest_first_without_expired(client: Any, world: dict[str, Publication]) -> None:
    response = client.get(LIST_URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert titles(html) == [
        "危险化学品经营许可决定",
        "双台子某加工厂未设置安全警示标志案",
        "盘锦恒达物流有限公司未按规定进行安全生产教育和培训案",
        "宏远建材有限公司违法案",
    ]
    assert "过期的决定" not in html
    assert "已撤下 " in html  # the withdrawn row says so
    assert 'href="/publications/feed.atom"' in html


def test_two_character_search_on_the_page(client: Any, world: dict[str, Publication]) -> None:
    html = client.get(LIST_URL, {"q": "违法"}).content.decode()
    # 违法 is in the fined decision's text and in the withdrawn one's title (its text is gone).
    assert titles(html) == ["盘锦恒达物流有限公司未按规定进行安全生产教育和培训案", "宏远建材有限公司违法案"]
    assert titles(client.get(LIST_URL, {"q": "警示"}).content.decode()) == ["双台子某加工厂未设置安全警示标志案"]
    empty = client.get(LIST_URL, {"q": "危险废物"}).content.decode()
    assert titles(empty) == []
    assert "没有找到符合条件的执法决定" in empty


def test_filters_on_the_page(client: Any, bureau: Bureau, world: dict[str, Publication]) -> None:
    assert titles(client.get(LIST_URL, {"agency": bureau.other_agency.pk}).content.decode()) == [
        "双台子某加工厂未设置安全警示标志案"
    ]
    assert titles(client.get(LIST_URL, {"kind": "licence"}).content.decode()) == ["危险化学品经营许可决定"]
    assert titles(client.get(LIST_URL, {"sanction": "warning"}).content.decode()) == [
        "双台子某加工厂未设置安全警示标志案"
    ]
    between = client.get(LIST_URL, {"from": "2026-02-01", "to": "2026-03-31"}).content.decode()
    assert titles(between) == [
        "双台子某加工厂未设置安全警示标志案",
        "盘锦恒达物流有限公司未按规定进行安全生产教育和培训案",
    ]
    # Nonsense in the query string is no filter, never an error.
    assert len(titles(client.get(LIST_URL, {"from": "yesterday", "agency": "x", "page": "-3"}).content.decode())) == 4


def test_pagination_works_without_js_and_htmx_gets_the_fragment(client: Any, bureau: Bureau) -> None:
    for i in range(23):
        make_publication(bureau, title=f"第{i:02d}号测试决定", decided_on=dt.date(2026, 1, 1) + dt.timedelta(days=i))
    first = client.get(LIST_URL).content.decode()
    assert titles(first)[0] == "第22号测试决定"
    assert 'href="?page=2"' in first
    second = client.get(LIST_URL, {"page": "2"}).content.decode()
    assert titles(second) == ["第02号测试决定", "第01号测试决定", "第00号测试决定"]
    fragment = client.get(LIST_URL, {"page": "2"}, headers={"HX-Request": "true"})
    body = fragment.content.decode()
    assert "<html" not in body and titles(body) == titles(second)
    assert "HX-Request" in fragment.headers["Vary"]


def test_list_query_count_does_not_grow_with_rows(
    client: Any, bureau: Bureau, django_assert_max_num_queries: Any
) -> None:
    for i in range(20):
        make_publication(bureau, decided_on=dt.date(2026, 1, 1) + dt.timedelta(days=i))
    with django_assert_max_num_queries(4):  # count, page keys, rows, agencies
        assert client.get(LIST_URL, {"q": "违法"}).status_code == 200


# --- detail ------------------------------------------------------------------------------------------------------


def _fields(html: str) -> dict[str, str]:
    return {m[1]: m[2].strip() for m in re.finditer(r'data-record-field="([a-z_]+)"[^>]*>([^<]*)<', html)}


def test_detail_shows_every_field_marked(client: Any, world: dict[str, Publication]) -> None:
    publication = world["fined"]
    html = client.get(f"/publications/{publication.pk}/").content.decode()
    fields = _fields(html)
    assert fields == {
        "title": publication.title,
        "agency_name": publication.agency_name,
        "decision_number": publication.decision_number,
        "party": publication.party,
        "party_code": publication.party_code,
        "amount": "20000",  # the record's canonical decimal
        "decided_on": "2026-02-03",
        "published_on": "2026-02-06",
        "expires_on": publication.expires_on.isoformat(),
        "text": publication.text,
    }
    assert "行政处罚决定" in html and "罚款" in html and "公开中" in html
    assert "2026-02-20" in html and "当事人已全额缴纳罚款。" in html
    assert "portal/publications.css" in html


def test_withdrawn_detail_shows_heading_and_reason_only(client: Any, world: dict[str, Publication]) -> None:
    publication = world["revoked"]
    html = client.get(f"/publications/{publication.pk}/").content.decode()
    assert "撤下公告" in html and "复议机关撤销原行政处罚决定" in html
    fields = _fields(html)
    assert fields["withdrawn_on"] == str(publication.withdrawn_on)
    assert fields["party"] == "宏远建材有限公司"
    assert "text" not in fields
    assert "存在未按规定对从业人员" not in html  # the decision's text


def test_expired_and_missing_are_404(client: Any, world: dict[str, Publication]) -> None:
    assert client.get(f"/publications/{world['old'].pk}/").status_code == 404
    assert client.get("/publications/999999/").status_code == 404


# --- Atom feed ---------------------------------------------------------------------------------------------------


def test_feed_is_atom_with_stable_ids(client: Any, world: dict[str, Publication], settings: Any) -> None:
    settings.PUBLIC_BASE_URL = "https://zfgs.example.gov.cn"
    response = client.get("/publications/feed.atom")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)  # noqa: S314 - our own feed
    assert root.tag == f"{ATOM}feed"
    assert root.findtext(f"{ATOM}id", "").startswith("tag:")
    assert root.findtext(f"{ATOM}updated")
    entries = root.findall(f"{ATOM}entry")
    by_id = {e.findtext(f"{ATOM}id"): e for e in entries}
    assert len(entries) == 4  # not the expired one
    for key in ("fined", "warned", "licence", "revoked"):
        entry = by_id[f"tag:zfgs.example.gov.cn,2026:publication/{world[key].pk}"]
        assert entry.findtext(f"{ATOM}updated")
        assert entry.find(f"{ATOM}link").get("href").endswith(f"/publications/{world[key].pk}/")  # type: ignore[union-attr]
    revoked = by_id[f"tag:zfgs.example.gov.cn,2026:publication/{world['revoked'].pk}"]
    assert revoked.findtext(f"{ATOM}title", "").startswith("【已撤下】")
    assert revoked.findtext(f"{ATOM}updated", "").startswith(str(world["revoked"].withdrawn_on))
    assert "复议机关撤销原行政处罚决定" in revoked.findtext(f"{ATOM}summary", "")
    # Latest change first; the withdrawn decision (published 2026-01-05) is dated by its withdrawal (2026-02-04).
    updated = [e.findtext(f"{ATOM}updated", "") for e in entries]
    assert updated == sorted(updated, reverse=True)
    assert [e.findtext(f"{ATOM}id", "").rsplit("/", 1)[1] for e in entries] == [
        str(world[key].pk) for key in ("licence", "warned", "fined", "revoked")
    ]


# --- exports -----------------------------------------------------------------------------------------------------


def _csv(response: Any) -> list[dict[str, str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(body[1:])))


def test_csv_export_matches_the_filtered_list(client: Any, world: dict[str, Publication]) -> None:
    for query in ({}, {"q": "违法"}, {"sanction": "warning"}, {"kind": "licence"}, {"q": "不存在的词"}):
        listed = titles(client.get(LIST_URL, query).content.decode())
        response = client.get("/publications/export.csv", query)
        assert response.status_code == 200
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert "attachment" in response["Content-Disposition"]
        rows = _csv(response)
        assert [r["案由"] for r in rows] == listed
    by_id = {r["编号"]: r for r in _csv(client.get("/publications/export.csv"))}
    revoked = by_id[str(world["revoked"].pk)]
    assert (
        revoked["状态"] == "已撤下"
        and revoked["公开内容"] == ""
        and revoked["撤下原因"] == "复议机关撤销原行政处罚决定"
    )
    assert by_id[str(world["fined"].pk)]["处罚种类"] == "罚款"
    assert by_id[str(world["fined"].pk)]["罚款金额（元）"] == "20000"


def test_json_export_matches_the_filtered_list(client: Any, world: dict[str, Publication]) -> None:
    for query in ({}, {"q": "违法"}, {"agency": str(world["warned"].agency_id)}):
        listed = titles(client.get(LIST_URL, query).content.decode())
        response = client.get("/publications/export.json", query)
        data = json.loads(b"".join(response.streaming_content))
        assert [item["title"] for item in data["items"]] == listed
    data = json.loads(b"".join(client.get("/publications/export.json").streaming_content))
    fined = next(item for item in data["items"] if item["id"] == world["fined"].pk)
    assert fined["fulfilment"] == [{"on": "2026-02-20", "text": "当事人已全额缴纳罚款。"}]
    assert fined["url"].endswith(f"/publications/{world['fined'].pk}/")


# --- API ---------------------------------------------------------------------------------------------------------


def test_api_list_and_search(client: Any, world: dict[str, Publication]) -> None:
    data = client.get("/api/v1/public/publications/", {"q": "违法", "page_size": 1}).json()
    assert (data["count"], data["more"], data["page"], data["page_size"]) == (2, False, 1, 1)
    assert [item["id"] for item in data["items"]] == [world["fined"].pk]
    page2 = client.get("/api/v1/public/publications/", {"q": "违法", "page_size": 1, "page": 2}).json()
    assert [item["id"] for item in page2["items"]] == [world["revoked"].pk]
    assert page2["items"][0]["withdraw_reason"] == "复议机关撤销原行政处罚决定"
    licence = client.get("/api/v1/public/publications/", {"kind": "licence"}).json()
    assert [item["title"] for item in licence["items"]] == ["危险化学品经营许可决定"]
    dated = client.get("/api/v1/public/publications/", {"decided_from": "2026-03-01"}).json()
    assert [item["id"] for item in dated["items"]] == [world["licence"].pk, world["warned"].pk]
    assert client.get("/api/v1/public/publications/", {"kind": "bogus"}).status_code == 422


def test_api_detail(client: Any, world: dict[str, Publication]) -> None:
    fined = client.get(f"/api/v1/public/publications/{world['fined'].pk}/").json()
    assert fined["text"] == world["fined"].text
    assert fined["amount"] == "20000" and fined["sanctions"] == ["fine"]
    assert fined["fulfilment"] == [{"on": "2026-02-20", "text": "当事人已全额缴纳罚款。"}]
    revoked = client.get(f"/api/v1/public/publications/{world['revoked'].pk}/").json()
    assert revoked["state"] == "withdrawn" and revoked["text"] == "" and revoked["fulfilment"] == []
    missing = client.get(f"/api/v1/public/publications/{world['old'].pk}/")
    assert missing.status_code == 404 and "detail" in missing.json()


def test_api_export_and_openapi(client: Any, world: dict[str, Publication]) -> None:
    response = client.get("/api/v1/public/publications/export.csv", {"q": "警示"})
    assert [r["案由"] for r in _csv(response)] == ["双台子某加工厂未设置安全警示标志案"]
    data = json.loads(b"".join(client.get("/api/v1/public/publications/export.json").streaming_content))
    assert len(data["items"]) == 4
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in (
        "/api/v1/public/publications/",
        "/api/v1/public/publications/{publication_id}/",
        "/api/v1/public/publications/export.csv",
        "/api/v1/public/publications/export.json",
    ):
        assert path in paths, path


def test_navigation_links_the_publications(client: Any, db: Any) -> None:
    assert f'href="{reverse("portal:publications")}"' in client.get("/").content.decode()


def test_remembered_pages_follow_every_change(client: Any, bureau: Bureau) -> None:
    first = make_publication(bureau, title="第一份决定", decided_on=dt.date(2026, 1, 1))
    assert titles(client.get(LIST_URL, {"q": "决定"}).content.decode()) == ["第一份决定"]
    second = make_publication(bureau, title="第二份决定", decided_on=dt.date(2026, 2, 1))
    assert titles(client.get(LIST_URL, {"q": "决定"}).content.decode()) == ["第二份决定", "第一份决定"]
    withdraw(bureau, second)
    assert "已撤下" in client.get(LIST_URL, {"q": "决定"}).content.decode()
    expire(bureau, first)
    assert titles(client.get(LIST_URL, {"q": "决定"}).content.decode()) == ["第二份决定"]
    assert "共 <strong>1</strong> 条" in client.get(LIST_URL, {"q": "决定"}).content.decode()
