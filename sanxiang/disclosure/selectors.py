"""Public reads of publications (事后公开): published-only, through the search index of ``disclosure.search``.

The portal, the feed, the exports and the open-data API read publications only here. Listed are published and
withdrawn publications (a withdrawn one is shown as its withdrawal notice: heading, date and reason, no text);
expired ones are not listed and their pages are 404. Newest first means (published_on, id) descending, which is the
order of the index's primary key, so every page — searched or filtered — is read in index order and stops after a
page. Counts are capped (``COUNT_CAP``): beyond it the portal says "more than" and asks for narrower filters, so no
request counts a million rows.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any, NamedTuple

from django.conf import settings
from django.db import connection
from django.db.models import QuerySet
from django.urls import reverse

from sanxiang.cases.models import Sanction
from sanxiang.core.canonical import to_json_value
from sanxiang.disclosure import search
from sanxiang.disclosure.models import DecisionKind, Publication, PublicationState

COUNT_CAP = 2000
COUNT_MEMO_SIZE = 4096  # counts each process remembers (until the index changes)
KIND_LABELS = dict(DecisionKind.choices)
SANCTION_LABELS = dict(Sanction.choices)
LIST_FIELDS = (
    "id",
    "agency_id",
    "agency_name",
    "decision_kind",
    "decision_number",
    "title",
    "party",
    "party_code",
    "sanctions",
    "amount",
    "decided_on",
    "published_on",
    "state",
    "withdrawn_on",
    "withdraw_reason",
    "expires_on",
)


@dataclass(frozen=True)
class Filters:
    """What a visitor asked for; every field optional. Unknown kinds and sanctions are dropped by ``clean``."""

    q: str = ""
    agency_id: int | None = None
    kind: str = ""
    sanction: str = ""
    decided_from: dt.date | None = None
    decided_to: dt.date | None = None

    def clean(self) -> Filters:
        return replace(
            self,
            q=self.q.strip()[:100],
            kind=self.kind if self.kind in DecisionKind.values else "",
            sanction=self.sanction if self.sanction in search.SANCTION_ORDER else "",
        )

    @property
    def terms(self) -> list[str]:
        return search.query_terms(self.q)

    @property
    def active(self) -> bool:
        return bool(self.terms or self.agency_id or self.kind or self.sanction or self.decided_from or self.decided_to)


def _where(filters: Filters) -> tuple[str, str, list[Any]]:
    """(FROM clause, WHERE clause, parameters) selecting the listing rows ``l`` that match ``filters``."""
    clauses: list[str] = []
    params: list[Any] = []
    terms = filters.terms
    if terms and connection.vendor == "sqlite":
        # The FTS5 table drives (CROSS JOIN keeps it outer): it yields matches in rowid = sort_key order.
        source = "disclosure_search s CROSS JOIN disclosure_listing l ON l.sort_key = s.rowid"
        plans = search.plan_terms(terms, lambda token: search.token_frequency(token, using=connection.alias))
        clauses.append("disclosure_search MATCH %s")
        params.append(search.fts5_query(plans))
        for plan in plans:
            if plan.tokens:  # a term searched by its selective tokens: each candidate checked for the whole term
                clauses.append("(" + " OR ".join(f"instr(' ' || s.{c} || ' ', %s) > 0" for c in search.FIELDS) + ")")
                params.extend([search.row_pattern(plan.term)] * len(search.FIELDS))
    else:
        source = "disclosure_listing l"
        if terms:
            clauses.append("l.tokens @@ %s::tsquery")
            params.append(search.tsquery_literal(terms))
    if filters.agency_id:
        clauses.append("l.agency_id = %s")
        params.append(filters.agency_id)
    if filters.kind:
        clauses.append("l.decision_kind = %s")
        params.append(filters.kind)
    if filters.sanction:
        clauses.append("(l.sanction_bits & %s) <> 0")
        params.append(search.sanction_bit(filters.sanction))
    if filters.decided_from:
        clauses.append("l.decided_on >= %s")
        params.append(filters.decided_from)
    if filters.decided_to:
        clauses.append("l.decided_on <= %s")
        params.append(filters.decided_to)
    if filters.decided_from and filters.decided_to and filters.decided_from > filters.decided_to:
        clauses.insert(0, "1 = 0")  # an empty range: the databases skip the query instead of walking every match
    elif filters.decided_from or filters.decided_to:
        # The sort keys a publication decided in the range can have (publication delays bound them): the walk, newest
        # first, starts at the range's newest possible row and stops at its oldest.
        key = "s.rowid" if terms and connection.vendor == "sqlite" else "l.sort_key"
        low, high = search.sort_key_range(filters.decided_from, filters.decided_to, using=connection.alias)
        for bound, op in ((low, ">="), (high, "<=")):
            if bound is not None:
                clauses.append(f"{key} {op} %s")
                params.append(bound)
    return source, (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def _key_column(filters: Filters) -> str:
    """The sort key of the driving table (FTS5 applies rowid ranges and order itself; the join would not)."""
    return "s.rowid" if filters.terms and connection.vendor == "sqlite" else "l.sort_key"


def _keys_sql(filters: Filters, source: str, where: str, key: str, *, few: bool) -> str:
    """The page's keys, newest first. With few matches of a search on PostgreSQL (the count was not capped), all of
    them from the GIN index, then sorted: PostgreSQL would otherwise walk the sort-key index newest first and test
    every row's tsvector, which for a rare phrase of common pairs (a decision number) reads the whole table."""
    if few and filters.terms and connection.vendor == "postgresql":
        return (
            f"WITH m AS MATERIALIZED (SELECT l.publication_id, l.sort_key FROM {source}{where}) "  # noqa: S608
            "SELECT publication_id, sort_key FROM m ORDER BY sort_key DESC LIMIT %s OFFSET %s"
        )
    return f"SELECT l.publication_id, l.sort_key FROM {source}{where} ORDER BY {key} DESC LIMIT %s OFFSET %s"  # noqa: S608


def matching_keys(
    filters: Filters, *, limit: int, offset: int = 0, before: int | None = None, few: bool = False
) -> list[tuple[int, int]]:
    """(publication id, sort key) of the matches, newest first; ``before`` continues after a sort key (keyset);
    ``few``: the caller knows there are at most ``COUNT_CAP`` matches."""
    source, where, params = _where(filters)
    key = _key_column(filters)
    if before is not None:
        where += (" AND " if where else " WHERE ") + f"{key} < %s"
        params.append(before)
    sql = _keys_sql(filters, source, where, key, few=few)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, limit, offset])
        return [(int(pk), int(key)) for pk, key in cursor.fetchall()]


def matching_count(filters: Filters, *, cap: int = COUNT_CAP) -> tuple[int, bool]:
    """How many publications match, counted up to ``cap``: (count, whether there are more)."""
    source, where, params = _where(filters)
    sql = f"SELECT count(*) FROM (SELECT 1 FROM {source}{where} LIMIT %s) t"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, cap + 1])
        (count,) = cursor.fetchone()
    return (cap, True) if count > cap else (int(count), False)


def _in_order(ids: list[int], rows: QuerySet[Publication]) -> list[Publication]:
    by_id = {row.pk: row for row in rows}
    return [by_id[pk] for pk in ids if pk in by_id]


def listed_publications() -> QuerySet[Publication]:
    """Every publication the public may see a page of (published or withdrawn), newest first."""
    return Publication.objects.filter(state__in=search.LISTED_STATES).order_by("-published_on", "-id")


@dataclass(frozen=True)
class ResultPage:
    """One page of a public list or search: rows newest first, and a count capped at ``COUNT_CAP``."""

    items: list[Publication]
    number: int
    page_size: int
    count: int
    more: bool  # more than ``count`` match (the count was capped)

    @property
    def num_pages(self) -> int:
        return max(1, -(-self.count // self.page_size))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.num_pages

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def has_other_pages(self) -> bool:
        return self.num_pages > 1

    @property
    def page_range(self) -> range:
        return range(1, self.num_pages + 1)


class Memo:
    """A small per-process LRU memory of what was computed from the index, valid for one index version.

    Every process checks the version (one primary-key read, ``search.index_version``) before using what it
    remembers; a change of the index in any process replaces the version, so nothing stale is ever served."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.version: int | None = None
        self.items: OrderedDict[Any, Any] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, version: int, key: Any) -> Any:
        with self.lock:
            if version != self.version:
                self.items.clear()
                self.version = version
                return None
            found = self.items.get(key)
            if found is not None:
                self.items.move_to_end(key)
            return found

    def put(self, version: int, key: Any, value: Any) -> None:
        with self.lock:
            if version != self.version:
                self.items.clear()
                self.version = version
            self.items[key] = value
            if len(self.items) > self.size:
                self.items.popitem(last=False)


_counts = Memo(COUNT_MEMO_SIZE)


def cached_count(filters: Filters, *, cap: int = COUNT_CAP, version: int | None = None) -> tuple[int, bool]:
    """``matching_count``, remembered by this process until the index changes."""
    version = search.index_version() if version is None else version
    key = (cap, filters)
    found = _counts.get(version, key)
    if found is None:
        found = matching_count(filters, cap=cap)
        _counts.put(version, key, found)
    return found[0], found[1]


def _number(count: int, page: int, page_size: int) -> int:
    return min(max(1, page), max(1, -(-count // page_size)))


def publication_page(filters: Filters, *, page: int = 1, page_size: int = 20) -> ResultPage:
    """The ``page``-th page (from 1) of the listed publications matching ``filters``; past the end: the last page."""
    count, more = cached_count(filters)
    number = _number(count, page, page_size)
    keys = matching_keys(filters, limit=page_size, offset=(number - 1) * page_size, few=not more)
    ids = [pk for pk, _ in keys]
    rows = Publication.objects.filter(pk__in=ids).only(*LIST_FIELDS) if ids else Publication.objects.none()
    return ResultPage(items=_in_order(ids, rows), number=number, page_size=page_size, count=count, more=more)


class ListRow(NamedTuple):
    """What a results table shows of one publication (read in the page's one query, no model instances)."""

    id: int
    title: str
    party: str
    decision_number: str
    agency_name: str
    decision_kind: str
    sanctions: list[str]
    decided_on: str
    withdrawn: bool
    withdrawn_on: str


def _iso(value: Any) -> str:
    return "" if value is None else value if isinstance(value, str) else value.isoformat()


def publication_rows(
    filters: Filters, *, page: int = 1, page_size: int = 20, version: int | None = None
) -> tuple[list[ListRow], ResultPage]:
    """The portal's page: its rows read with the index in one query, and the (remembered, capped) count."""
    count, more = cached_count(filters, version=version)
    number = _number(count, page, page_size)
    source, where, params = _where(filters)
    key = _key_column(filters)
    # The page's keys first (index only, sorted, offset and limit), then their 20 rows: joining the publication before
    # the LIMIT would read every skipped or sorted row of the big table.
    keys = _keys_sql(filters, source, where, key, few=not more)
    sql = (
        "SELECT p.id, p.title, p.party, p.decision_number, p.agency_name, p.decision_kind, p.sanctions, "  # noqa: S608
        f"p.decided_on, p.state, p.withdrawn_on FROM ({keys}) k "
        f"{'CROSS JOIN' if connection.vendor == 'sqlite' else 'JOIN'} disclosure_publication p "
        "ON p.id = k.publication_id ORDER BY k.sort_key DESC"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, page_size, (number - 1) * page_size])
        fetched = cursor.fetchall()
    rows = [
        ListRow(
            id=pk,
            title=title,
            party=party,
            decision_number=decision_number,
            agency_name=agency_name,
            decision_kind=kind,
            sanctions=json.loads(sanctions) if isinstance(sanctions, str) else list(sanctions or []),
            decided_on=_iso(decided_on),
            withdrawn=state == PublicationState.WITHDRAWN,
            withdrawn_on=_iso(withdrawn_on),
        )
        for pk, title, party, decision_number, agency_name, kind, sanctions, decided_on, state, withdrawn_on in fetched
    ]
    return rows, ResultPage(items=[], number=number, page_size=page_size, count=count, more=more)


def iter_matching(filters: Filters, *, chunk: int = 1000, full: bool = True) -> Iterator[Publication]:
    """Every listed publication matching ``filters``, newest first, read in chunks by keyset (constant memory)."""
    before: int | None = None
    few = not matching_count(filters)[1]
    while True:
        keys = matching_keys(filters, limit=chunk, before=before, few=few)
        if not keys:
            return
        ids = [pk for pk, _ in keys]
        rows = Publication.objects.filter(pk__in=ids)
        if not full:
            rows = rows.only(*LIST_FIELDS)
        yield from _in_order(ids, rows)
        if len(keys) < chunk:
            return
        before = keys[-1][1]


def public_publication(pk: int) -> Publication | None:
    """A publication's public page: None for a missing or expired one."""
    return listed_publications().filter(pk=pk).first()


def feed_publications(limit: int = 50) -> list[Publication]:
    """The newest publications and withdrawals for the Atom feed, latest change first (a withdrawal updates its
    entry: same id, new ``updated``)."""
    newest = list(listed_publications()[:limit])
    withdrawn = list(
        Publication.objects.filter(state=PublicationState.WITHDRAWN).order_by("-withdrawn_on", "-id")[:limit]
    )
    merged = {row.pk: row for row in [*newest, *withdrawn]}
    return sorted(merged.values(), key=lambda row: (changed_on(row), row.pk), reverse=True)[:limit]


def changed_on(publication: Publication) -> dt.date:
    """The date of a publication's latest public change: its withdrawal, else its publication."""
    if publication.state == PublicationState.WITHDRAWN and publication.withdrawn_on:
        return max(publication.withdrawn_on, publication.published_on)
    return publication.published_on


def is_withdrawn(publication: Publication) -> bool:
    return publication.state == PublicationState.WITHDRAWN


def sanctions_text(codes: list[str]) -> str:
    return "、".join(str(SANCTION_LABELS.get(code, code)) for code in codes) or "—"


def amount_text(publication: Publication) -> str:
    """The fine as the record holds it (the ledger's canonical decimal: no trailing zeros), or empty."""
    return "" if publication.amount is None else str(to_json_value(publication.amount))


# --- bulk export (CSV with a BOM so that Excel reads the Chinese, JSON), streamed ---------------------------------------

EXPORT_COLUMNS = (
    ("id", "编号"),
    ("agency_name", "执法主体"),
    ("decision_kind", "决定类别"),
    ("decision_number", "决定文书号"),
    ("title", "案由"),
    ("party", "当事人"),
    ("party_code", "统一社会信用代码"),
    ("sanctions", "处罚种类"),
    ("amount", "罚款金额（元）"),
    ("decided_on", "决定日期"),
    ("published_on", "公开日期"),
    ("state", "状态"),
    ("withdrawn_on", "撤下日期"),
    ("withdraw_reason", "撤下原因"),
    ("expires_on", "公开截止日期"),
    ("text", "公开内容"),
    ("fulfilment", "履行情况"),
    ("url", "网址"),
)


def export_record(publication: Publication) -> dict[str, Any]:
    """One exported publication: the public record's fields (a withdrawn one has no text) and its address."""
    withdrawn = publication.state == PublicationState.WITHDRAWN
    return {
        "id": publication.pk,
        "agency_name": publication.agency_name,
        "decision_kind": publication.decision_kind,
        "decision_number": publication.decision_number,
        "title": publication.title,
        "party": publication.party,
        "party_code": publication.party_code,
        "sanctions": list(publication.sanctions or []),
        "amount": amount_text(publication) or None,
        "decided_on": publication.decided_on.isoformat(),
        "published_on": publication.published_on.isoformat(),
        "state": publication.state,
        "withdrawn_on": publication.withdrawn_on.isoformat() if publication.withdrawn_on else None,
        "withdraw_reason": publication.withdraw_reason,
        "expires_on": publication.expires_on.isoformat(),
        "text": "" if withdrawn else publication.text,
        "fulfilment": [] if withdrawn else to_json_value(list(publication.fulfilment or [])),
        "url": settings.PUBLIC_BASE_URL + reverse("portal:publication", args=[publication.pk]),
    }


def _csv_cells(record: dict[str, Any]) -> list[str]:
    cells = []
    for key, _label in EXPORT_COLUMNS:
        value = record[key]
        if key == "decision_kind":
            value = KIND_LABELS.get(value, value)
        elif key == "state":
            value = PublicationState(value).label
        elif key == "sanctions":
            value = sanctions_text(value) if value else ""
        elif key == "fulfilment":
            value = "\n".join(f"{item.get('on', '')} {item.get('text', '')}" for item in value)
        cells.append("" if value is None else str(value))
    return cells


def csv_lines(filters: Filters) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([label for _key, label in EXPORT_COLUMNS])
    yield "\ufeff" + buffer.getvalue()
    for publication in iter_matching(filters):
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(_csv_cells(export_record(publication)))
        yield buffer.getvalue()


def json_chunks(filters: Filters) -> Iterator[str]:
    yield '{"items": ['
    first = True
    for publication in iter_matching(filters):
        yield ("" if first else ",\n") + json.dumps(export_record(publication), ensure_ascii=False)
        first = False
    yield "]}\n"


def export_stream(filters: Filters, fmt: str) -> tuple[Iterator[str], str]:
    """(chunks, content type) of the export of every listed publication matching ``filters``, newest first."""
    if fmt == "csv":
        return csv_lines(filters), "text/csv; charset=utf-8"
    return json_chunks(filters), "application/json; charset=utf-8"
