"""The disclosure app's routers under /api/v1/ (public: open data without login; staff: signed-in staff).

Public: the published decisions (事后公开) — list and full-text search with the portal's filters, one decision, and
the bulk export of a filtered list as CSV or JSON (streamed). The same four steps as ``registry.apis``: parse the
input (query parameters), read through the published-only selectors (404 alike for missing and expired), render an
explicit output schema.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest, StreamingHttpResponse
from ninja import Field, Query, Router, Schema

from sanxiang.core.errors import NotFound
from sanxiang.disclosure import selectors
from sanxiang.disclosure.models import Publication, PublicationState
from sanxiang.disclosure.selectors import Filters
from sanxiang.registry.apis import ErrorOut

public_router = Router(tags=["事后公开"])
staff_router = Router(tags=["事后公开"])


class PublicationFilters(Schema):
    q: str = Field(
        "", description="关键词：当事人、案由、文书号或公开内容中的词（两个字及以上；多个词用空格分隔，须全部出现）"
    )
    agency: int | None = Field(None, description="执法主体编号")
    kind: Literal["", "penalty", "licence", "coercion", "inspection"] = Field("", description="决定类别")
    sanction: str = Field("", description="处罚种类（Sanction 值，如 fine、warning）")
    decided_from: dt.date | None = Field(None, description="决定日期起（含）")
    decided_to: dt.date | None = Field(None, description="决定日期止（含）")

    def filters(self) -> Filters:
        return Filters(
            q=self.q,
            agency_id=self.agency,
            kind=self.kind,
            sanction=self.sanction,
            decided_from=self.decided_from,
            decided_to=self.decided_to,
        ).clean()


class PageIn(Schema):
    page: int = Field(1, ge=1, description="页码，从 1 开始")
    page_size: int = Field(20, ge=1, le=100, description="每页条数（不超过 100）")


class FulfilmentOut(Schema):
    on: str
    text: str


class PublicationSummaryOut(Schema):
    """One row of the list: the heading; a withdrawn decision also its withdrawal date and reason."""

    id: int
    agency_id: int
    agency_name: str
    decision_kind: str
    decision_kind_display: str
    decision_number: str
    title: str
    party: str
    party_code: str
    sanctions: list[str]
    amount: str | None = Field(description="罚款金额（元），无罚款为 null")
    decided_on: dt.date
    published_on: dt.date
    state: str = Field(description="published 公开中 / withdrawn 已撤下")
    withdrawn_on: dt.date | None
    withdraw_reason: str

    @staticmethod
    def resolve_decision_kind_display(obj: Publication) -> str:
        return str(obj.get_decision_kind_display())

    @staticmethod
    def resolve_amount(obj: Publication) -> str | None:
        return selectors.amount_text(obj) or None


class PublicationOut(PublicationSummaryOut):
    """One decision as published: a withdrawn one without its text and fulfilment."""

    expires_on: dt.date
    text: str
    fulfilment: list[FulfilmentOut]

    @staticmethod
    def resolve_text(obj: Publication) -> str:
        return "" if obj.state == PublicationState.WITHDRAWN else obj.text

    @staticmethod
    def resolve_fulfilment(obj: Publication) -> list[dict[str, Any]]:
        if obj.state == PublicationState.WITHDRAWN:
            return []
        return [{"on": str(item.get("on", "")), "text": str(item.get("text", ""))} for item in obj.fulfilment or []]


class PublicationPageOut(Schema):
    items: list[PublicationSummaryOut]
    count: int = Field(
        description=f"符合条件的条数；超过 {selectors.COUNT_CAP} 条时为 {selectors.COUNT_CAP}，且 more 为 true"
    )
    more: bool
    page: int
    page_size: int


@public_router.get(
    "/publications/",
    response=PublicationPageOut,
    operation_id="public_publications_list",
    summary="行政执法决定公开：列表与全文检索",
    description="按公开日期由新到旧；已撤下的决定只含标题信息和撤下原因，到期下线的不列出。",
)
def publications_list(
    request: HttpRequest, filters: Query[PublicationFilters], paging: Query[PageIn]
) -> dict[str, Any]:
    page = selectors.publication_page(filters.filters(), page=paging.page, page_size=paging.page_size)
    return {
        "items": page.items,
        "count": page.count,
        "more": page.more,
        "page": page.number,
        "page_size": page.page_size,
    }


def _export(filters: Filters, fmt: str) -> StreamingHttpResponse:
    chunks, content_type = selectors.export_stream(filters, fmt)
    response = StreamingHttpResponse(chunks, content_type=content_type)
    response.headers["Content-Disposition"] = f'attachment; filename="publications.{fmt}"'
    return response


@public_router.get(
    "/publications/export.csv",
    response={200: None},
    operation_id="public_publications_export_csv",
    summary="行政执法决定公开：批量导出 CSV",
    description="筛选条件同列表；UTF-8（带 BOM，Excel 可直接打开），逐行输出。",
    openapi_extra={"responses": {"200": {"description": "CSV", "content": {"text/csv": {}}}}},
)
def publications_export_csv(request: HttpRequest, filters: Query[PublicationFilters]) -> StreamingHttpResponse:
    return _export(filters.filters(), "csv")


@public_router.get(
    "/publications/export.json",
    response={200: None},
    operation_id="public_publications_export_json",
    summary="行政执法决定公开：批量导出 JSON",
    description='筛选条件同列表；`{"items": [...]}`，每项字段同单条查询（另有 url），逐条输出。',
    openapi_extra={"responses": {"200": {"description": "JSON", "content": {"application/json": {}}}}},
)
def publications_export_json(request: HttpRequest, filters: Query[PublicationFilters]) -> StreamingHttpResponse:
    return _export(filters.filters(), "json")


@public_router.get(
    "/publications/{int:publication_id}/",
    response={200: PublicationOut, 404: ErrorOut},
    operation_id="public_publication_get",
    summary="行政执法决定公开：单条",
)
def publication_get(request: HttpRequest, publication_id: int) -> Publication:
    publication = selectors.public_publication(publication_id)
    if publication is None:
        raise NotFound("未找到该公开信息（可能已到期下线）。")
    return publication
