"""Published decisions on the portal (事后公开): search and list, detail, Atom feed, bulk export.

Every read goes through ``disclosure.selectors`` (published-only; a withdrawn decision is its withdrawal notice; an
expired one is gone). The list answers htmx requests with the results fragment and works as a plain GET form and
links without JavaScript, like the other lists (``views.entry_list``).
"""

from __future__ import annotations

import datetime as dt
import functools
from html import escape  # the standard library's: plain str in, str out (Django's wraps each call)
from typing import Any

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import feedgenerator, timezone
from django.utils.cache import patch_vary_headers
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET

from sanxiang.cases.models import Sanction
from sanxiang.disclosure import search, selectors
from sanxiang.disclosure.models import DecisionKind, Publication, PublicationState
from sanxiang.disclosure.selectors import KIND_LABELS, Filters, amount_text, sanctions_text
from sanxiang.inspections.selectors import drawn_target_for_publication
from sanxiang.registry.selectors import public_agencies

PAGE_SIZE = 20
PAGE_MEMO_SIZE = 1024  # rendered list pages each process remembers (until the index changes)
AGENCY_CACHE_KEY = "portal:publications:agencies"
AGENCY_CACHE_SECONDS = 60
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


_ROW = (
    '<tr{}><td data-label="案由"><a href="{}">{}</a>{}</td><td data-label="当事人">{}</td>'
    '<td data-label="决定文书号">{}</td><td data-label="执法主体">{}</td><td data-label="决定类别">{}</td>'
    '<td data-label="处罚种类">{}</td><td data-label="决定日期">{}</td></tr>\n'
)
_WITHDRAWN_BADGE = ' <span class="badge badge--bad">已撤下 {}</span>'


@functools.lru_cache(maxsize=4096)
def _escaped(value: str) -> str:
    """``escape`` for the values rows repeat (agencies, kinds, sanctions, dates): each escaped once per process."""
    return escape(value)


@functools.lru_cache(maxsize=256)
def _kind_cell(kind: str) -> str:
    return escape(str(KIND_LABELS.get(kind, kind)))


@functools.lru_cache(maxsize=1024)
def _sanctions_cell(codes: tuple[str, ...]) -> str:
    return escape(sanctions_text(list(codes)))


def rows_html(rows: list[selectors.ListRow]) -> SafeString:
    """The results table's rows, built here rather than by template tags: a page is 20 rows of 7 cells, and this is
    the part of the list page that costs (docs/search.md, "Speed"). Every value is escaped (the repeated ones through
    a per-process memory)."""
    base = reverse("portal:publications")
    parts = []
    for r in rows:
        parts.append(
            _ROW.format(
                ' class="is-withdrawn"' if r.withdrawn else "",
                f"{base}{r.id}/",
                escape(r.title),
                _WITHDRAWN_BADGE.format(_escaped(r.withdrawn_on)) if r.withdrawn else "",
                escape(r.party),
                escape(r.decision_number) or "—",
                _escaped(r.agency_name),
                _kind_cell(r.decision_kind),
                "—" if r.withdrawn else _sanctions_cell(tuple(r.sanctions)),
                _escaped(r.decided_on),
            )
        )
    return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped


def _options(choices: list[tuple[Any, str]], selected: Any) -> SafeString:
    return mark_safe(  # noqa: S308 - values and labels escaped here
        "".join(
            f'<option value="{escape(str(value))}"{" selected" if value == selected else ""}>{escape(str(label))}</option>'
            for value, label in choices
        )
    )


@functools.cache
def _urls() -> dict[str, str]:
    """The list page's own links, reversed once per process (the urlconf does not change while it runs)."""
    return {
        "home": reverse("portal:home"),
        "feed": reverse("portal:publications-feed"),
        "csv": reverse("portal:publications-export-csv"),
        "json": reverse("portal:publications-export-json"),
    }


def _agency_choices() -> list[tuple[int, str]]:
    choices = cache.get(AGENCY_CACHE_KEY)
    if choices is None:
        choices = list(public_agencies().filter(is_enforcement_body=True).values_list("pk", "name"))
        cache.set(AGENCY_CACHE_KEY, choices, AGENCY_CACHE_SECONDS)
    return list(choices)


def page_links(number: int, last: int) -> list[int | None]:
    """Page numbers to link: the first, the last, two either side of the current one; None for a gap."""
    shown = sorted({1, last, *range(max(1, number - 2), min(last, number + 2) + 1)})
    links: list[int | None] = []
    for n in shown:
        if links and n - (links[-1] or 0) > 1:
            links.append(None)
        links.append(n)
    return links


def _page_href(base: str, number: int) -> str:
    return f"?{base}page={number}"


def _export_query(request: HttpRequest) -> str:
    query = QueryDict(mutable=True)
    for name in FILTER_PARAMS:
        if request.GET.get(name):
            query[name] = request.GET[name]
    return query.urlencode()


_pages = selectors.Memo(PAGE_MEMO_SIZE)


@require_GET
def publication_list(request: HttpRequest) -> HttpResponse:
    """The list and the search. A rendered page is remembered by this process for its exact query until the index
    changes (``selectors.Memo``: one primary-key read of the index version per request): it depends on nothing else
    — no user, no session, no messages."""
    fragment = _is_fragment_request(request)
    version = search.index_version()
    key = (fragment, request.get_full_path())
    html = _pages.get(version, key) if getattr(settings, "PUBLICATION_PAGE_MEMO", True) else None
    if html is None:
        html = _render_list(request, fragment, version)
        _pages.put(version, key, html)
    response = HttpResponse(html)
    patch_vary_headers(response, ("HX-Request", "HX-History-Restore-Request"))
    return response


def _render_list(request: HttpRequest, fragment: bool, version: int) -> str:
    filters = filters_from(request.GET)
    rows, page = selectors.publication_rows(
        filters, page=_int_or_none(request.GET.get("page")) or 1, page_size=PAGE_SIZE, version=version
    )
    export_query = _export_query(request)
    base = export_query + "&" if export_query else ""  # the filters, then the page
    context: dict[str, Any] = {
        "path": request.path,
        "urls": _urls(),
        "title": "行政执法决定公开",
        "filters": filters,
        "q": filters.q,
        "page": page,
        # Numbers as text: the template would localise each one (a lookup of the active language per number).
        "count": str(page.count),
        "number": str(page.number),
        "num_pages": str(page.num_pages),
        "rows": rows_html(rows) if rows else "",
        "page_links": [(n, str(n), _page_href(base, n) if n else "") for n in page_links(page.number, page.num_pages)],
        "previous_href": _page_href(base, page.number - 1) if page.has_previous else "",
        "next_href": _page_href(base, page.number + 1) if page.has_next else "",
        "filtered": filters.active,
        "export_query": ("?" + export_query) if export_query else "",
        "nav": "publications",
    }
    # Rendered without the context processors (request, user, messages): the public list uses none of them.
    if fragment:
        return render_to_string("portal/publications/_results.html", context)
    context["agency_options"] = _options(_agency_choices(), filters.agency_id)
    context["kind_options"] = _options(DecisionKind.choices, filters.kind)
    context["sanction_options"] = _options(Sanction.choices, filters.sanction)
    context["decided_from"] = request.GET.get("from", "") if filters.decided_from else ""
    context["decided_to"] = request.GET.get("to", "") if filters.decided_to else ""
    return render_to_string("portal/publications/list.html", context)


@require_GET
def publication_detail(request: HttpRequest, pk: int) -> HttpResponse:
    publication = selectors.public_publication(pk)
    if publication is None:
        raise Http404("未找到该公开信息（可能已到期下线）。")
    withdrawn = publication.state == PublicationState.WITHDRAWN
    # An inspection result from a random draw (双随机) links back to its draw's page.
    drawn = (
        drawn_target_for_publication(task_id=publication.task_id)
        if publication.decision_kind == DecisionKind.INSPECTION
        else None
    )
    return render(
        request,
        "portal/publications/detail.html",
        {
            "drawn": drawn,
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
