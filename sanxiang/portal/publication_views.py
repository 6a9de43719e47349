"""Published decisions on the portal (事后公开): search and list, detail, Atom feed, bulk export.

Every read goes through ``disclosure.selectors`` (published-only; a withdrawn decision is its withdrawal notice; an
expired one is gone). The list answers htmx requests with the results fragment and works as a plain GET form and
links without JavaScript, like the other lists (``views.entry_list``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import feedgenerator, timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET

from sanxiang.cases.models import Sanction
from sanxiang.disclosure import selectors
from sanxiang.disclosure.models import DecisionKind, Publication, PublicationState
from sanxiang.disclosure.selectors import KIND_LABELS, Filters, amount_text, sanctions_text
from sanxiang.registry.selectors import public_agencies

PAGE_SIZE = 20
# The filters the list, the exports and the API read from a query string.
FILTER_PARAMS = ("q", "agency", "kind", "sanction", "from", "to")


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _date_or_none(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def filters_from(query: QueryDict) -> Filters:
    """The visitor's filters from a query string; anything unreadable is no filter (never an error page)."""
    return Filters(
        q=query.get("q", ""),
        agency_id=_int_or_none(query.get("agency")),
        kind=query.get("kind", ""),
        sanction=query.get("sanction", ""),
        decided_from=_date_or_none(query.get("from")),
        decided_to=_date_or_none(query.get("to")),
    ).clean()


def _is_fragment_request(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-History-Restore-Request") != "true"


def row(publication: Publication) -> dict[str, Any]:
    withdrawn = publication.state == PublicationState.WITHDRAWN
    return {
        "url": reverse("portal:publication", args=[publication.pk]),
        "number": publication.decision_number,
        "title": publication.title,
        "party": publication.party,
        "agency": publication.agency_name,
        "kind": KIND_LABELS.get(publication.decision_kind, publication.decision_kind),
        "sanctions": "" if withdrawn else sanctions_text(publication.sanctions),
        "decided_on": publication.decided_on,
        "withdrawn": withdrawn,
        "withdrawn_on": publication.withdrawn_on,
    }


def page_links(number: int, last: int) -> list[int | None]:
    """Page numbers to link: the first, the last, two either side of the current one; None for a gap."""
    links: list[int | None] = []
    for n in range(1, last + 1):
        if n in (1, last) or abs(n - number) <= 2:
            links.append(n)
        elif abs(n - number) == 3:
            links.append(None)
    return links


def _export_query(request: HttpRequest) -> str:
    query = QueryDict(mutable=True)
    for name in FILTER_PARAMS:
        if request.GET.get(name):
            query[name] = request.GET[name]
    return query.urlencode()


@require_GET
def publication_list(request: HttpRequest) -> HttpResponse:
    filters = filters_from(request.GET)
    page = selectors.publication_page(filters, page=_int_or_none(request.GET.get("page")) or 1, page_size=PAGE_SIZE)
    export_query = _export_query(request)
    context: dict[str, Any] = {
        "title": "行政执法决定公开",
        "filters": filters,
        "q": filters.q,
        "page": page,
        "rows": [row(p) for p in page.items],
        "page_links": page_links(page.number, page.num_pages),
        "filtered": filters.active,
        "export_query": ("?" + export_query) if export_query else "",
        "nav": "publications",
    }
    if _is_fragment_request(request):
        response = render(request, "portal/publications/_results.html", context)
    else:
        context["agencies"] = list(public_agencies().filter(is_enforcement_body=True).values_list("pk", "name"))
        context["kinds"] = DecisionKind.choices
        context["sanctions"] = Sanction.choices
        context["decided_from"] = request.GET.get("from", "") if filters.decided_from else ""
        context["decided_to"] = request.GET.get("to", "") if filters.decided_to else ""
        response = render(request, "portal/publications/list.html", context)
    patch_vary_headers(response, ("HX-Request", "HX-History-Restore-Request"))
    return response


@require_GET
def publication_detail(request: HttpRequest, pk: int) -> HttpResponse:
    publication = selectors.public_publication(pk)
    if publication is None:
        raise Http404("未找到该公开信息（可能已到期下线）。")
    withdrawn = publication.state == PublicationState.WITHDRAWN
    return render(
        request,
        "portal/publications/detail.html",
        {
            "obj": publication,
            "title": publication.title,
            "withdrawn": withdrawn,
            "kind": KIND_LABELS.get(publication.decision_kind, publication.decision_kind),
            "state": PublicationState(publication.state).label,
            "sanctions": sanctions_text(publication.sanctions),
            "amount": amount_text(publication),
            "fulfilment": [] if withdrawn else list(publication.fulfilment or []),
            "nav": "publications",
        },
    )


# --- Atom feed (for the bureau's WeChat / Weibo channels, plan 二(一)) ---------------------------------------------


def _moment(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(0, 0)))


def _tag_authority() -> str:
    host = settings.PUBLIC_BASE_URL.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
    return host or "localhost"


class PublicationFeed(Feed):
    """新公开的行政执法决定与撤下公告 (Atom 1.0). Entry ids are tag URIs that never change, so a withdrawal
    arrives as an update of the decision's entry (same id, later ``updated``)."""

    feed_type = feedgenerator.Atom1Feed
    title = "行政执法决定公开"
    subtitle = "新公开的行政执法决定及撤下公告"
    author_name = "行政执法公示平台"

    def link(self) -> str:
        return reverse("portal:publications")

    def feed_url(self) -> str:
        return reverse("portal:publications-feed")

    def feed_guid(self) -> str:
        return f"tag:{_tag_authority()},2026:publications"

    def items(self) -> list[Publication]:
        return selectors.feed_publications()

    def item_title(self, item: Publication) -> str:
        prefix = "【已撤下】" if item.state == PublicationState.WITHDRAWN else ""
        return f"{prefix}{item.title}"

    def item_description(self, item: Publication) -> str:
        kind = KIND_LABELS.get(item.decision_kind, item.decision_kind)
        head = f"{item.agency_name} {kind} {item.decision_number}，当事人：{item.party}，决定日期：{item.decided_on}。"
        if item.state == PublicationState.WITHDRAWN:
            return f"{head}该决定已于 {item.withdrawn_on} 撤下，原因：{item.withdraw_reason}"
        return f"{head}处罚种类：{sanctions_text(item.sanctions)}。" if item.sanctions else head

    def item_link(self, item: Publication) -> str:
        return reverse("portal:publication", args=[item.pk])

    def item_guid(self, item: Publication) -> str:
        return f"tag:{_tag_authority()},2026:publication/{item.pk}"

    item_guid_is_permalink = False

    def item_pubdate(self, item: Publication) -> dt.datetime:
        return _moment(item.published_on)

    def item_updateddate(self, item: Publication) -> dt.datetime:
        return _moment(selectors.changed_on(item))

    def item_author_name(self, item: Publication) -> str:
        return item.agency_name

    def item_categories(self, item: Publication) -> list[str]:
        return [str(KIND_LABELS.get(item.decision_kind, item.decision_kind))]


publication_feed = PublicationFeed()


# --- bulk export (CSV with a BOM for Excel, JSON), streamed ----------------------------------------------------------


def export_response(filters: Filters, fmt: str) -> StreamingHttpResponse:
    chunks, content_type = selectors.export_stream(filters, fmt)
    response = StreamingHttpResponse(chunks, content_type=content_type)
    stamp = timezone.localdate().strftime("%Y%m%d")
    response.headers["Content-Disposition"] = f'attachment; filename="publications-{stamp}.{fmt}"'
    return response


@require_GET
def publication_export(request: HttpRequest, fmt: str) -> StreamingHttpResponse:
    return export_response(filters_from(request.GET), fmt)
