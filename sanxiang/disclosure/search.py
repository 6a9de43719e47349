"""Chinese full-text search of publications: our own tokens (CJK bigrams) in FTS5 on SQLite, ``tsvector`` on PostgreSQL.

Neither database can tokenise Chinese the way a reader searches it: SQLite's FTS5 ``trigram`` tokenizer cannot match a
two-character term such as 违法, and PostgreSQL has no Chinese parser. So the text is tokenised here, the same way on
both, and the database only stores and intersects tokens (docs/search.md):

* a field is normalised (NFKC, case-folded) and reduced to its letters and digits — punctuation and spaces are not
  searchable, and a query is reduced the same way, so 〔2024〕12号 is found by ``2024 12`` or ``202412``;
* the tokens are the overlapping character pairs of what remains (违法行为 → 违法 法行 行为), followed by the last
  character alone (so that a one-character query, matched as a token prefix, also finds a field's last character);
* a query term of n ≥ 2 characters is the phrase of its n − 1 pairs: consecutive pairs are consecutive tokens
  exactly where the term occurs, so any substring (of two or more letters or digits) of an indexed field is found,
  and nothing else. Several terms (separated by spaces) must all occur.

Index rows live in two tables that the migration ``0002_search_index`` creates outside the ORM:

* ``disclosure_listing`` — one compact row per listed publication (published or withdrawn; expired ones have none),
  keyed by ``sort_key`` = (published_on, id) packed into one integer, so "newest first" is the primary key's order;
  it holds the filter columns (agency, kind, decided_on, sanctions as bits) and, on PostgreSQL, the ``tsvector``
  (GIN-indexed);
* ``disclosure_search`` — on SQLite only, an FTS5 table whose ``rowid`` is the same ``sort_key`` (FTS5 walks its
  matches in rowid order, so a search ordered newest first stops after one page).

The ledger calls ``_on_record`` inside the transaction of every recorded change (``connect``), so the index changes
with the publication and its entry, or not at all. A withdrawn publication is indexed by its heading and the
withdrawal reason only (never its text); an expired one is removed.
"""

from __future__ import annotations

import secrets
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections

SORT_SHIFT = 1 << 32  # sort_key = published_on.toordinal() * SORT_SHIFT + id (ids stay below 2**32)
MAX_TERMS = 8
MAX_TERM_CHARS = 40
# PostgreSQL stores positions 1..16383 and at most 256 positions per lexeme (docs/search.md).
PG_MAX_POS = 16383
PG_MAX_POSITIONS = 255
PG_FIELD_GAP = 2  # positions skipped between fields, so that no phrase spans two fields

# The indexed columns, in FTS5 column order.
FIELDS = ("title", "party", "number", "body")

# Sanctions as bits, in a fixed order that must not change (stored in disclosure_listing.sanction_bits).
SANCTION_ORDER = (
    "warning",
    "fine",
    "confiscation",
    "large_confiscation",
    "licence_suspension",
    "licence_revocation",
    "stop_production",
    "closure",
)


def sanction_bit(code: str) -> int:
    return 1 << SANCTION_ORDER.index(code) if code in SANCTION_ORDER else 0


def sanction_bits(codes: Iterable[str]) -> int:
    bits = 0
    for code in codes:
        bits |= sanction_bit(code)
    return bits


# --- tokens ------------------------------------------------------------------------------------------------------


def normalise(value: str) -> str:
    """What of ``value`` is searchable: NFKC, case-folded, letters and digits only."""
    folded = unicodedata.normalize("NFKC", value).casefold()
    return "".join(ch for ch in folded if ch.isalnum())


def field_tokens(value: str) -> list[str]:
    """The tokens of one field: its overlapping character pairs, then its last character alone."""
    chars = normalise(value)
    if not chars:
        return []
    return [chars[i : i + 2] for i in range(len(chars) - 1)] + [chars[-1]]


def query_terms(q: str) -> list[str]:
    """The normalised terms of a visitor's query (split on spaces; empty ones dropped; bounded)."""
    terms: list[str] = []
    for raw in q.split()[:MAX_TERMS]:
        term = normalise(raw)[:MAX_TERM_CHARS]
        if term and term not in terms:
            terms.append(term)
    return terms


def _pairs(term: str) -> list[str]:
    return [term[i : i + 2] for i in range(len(term) - 1)]


def fts5_query(terms: Sequence[str]) -> str:
    """An FTS5 MATCH expression: each term a phrase of its pairs (one character: a token prefix), all required."""
    parts = []
    for term in terms:
        parts.append(f'"{term}"*' if len(term) == 1 else '"' + " ".join(_pairs(term)) + '"')
    return " AND ".join(parts)


def tsquery_literal(terms: Sequence[str]) -> str:
    """A ``tsquery`` literal: each term its pairs joined by ``<->`` (followed by), all required."""
    parts = []
    for term in terms:
        parts.append(f"'{term}':*" if len(term) == 1 else "(" + " <-> ".join(f"'{p}'" for p in _pairs(term)) + ")")
    return " & ".join(parts)


def tsvector_literal(fields: Sequence[str]) -> str:
    """A ``tsvector`` literal of the fields' tokens with their positions, fields kept apart by a gap."""
    positions: dict[str, list[int]] = {}
    pos = 0
    for value in fields:
        tokens = field_tokens(value)
        if not tokens:
            continue
        pos += PG_FIELD_GAP
        for token in tokens:
            pos += 1
            seen = positions.setdefault(token, [])
            if len(seen) < PG_MAX_POSITIONS:
                seen.append(min(pos, PG_MAX_POS))
    return " ".join(f"'{token}':{','.join(map(str, sorted(set(ps))))}" for token, ps in positions.items())


# --- what is indexed ---------------------------------------------------------------------------------------------


def sort_key(publication: Any) -> int:
    return int(publication.published_on.toordinal()) * SORT_SHIFT + int(publication.pk)


def indexed_fields(publication: Any) -> tuple[str, str, str, str]:
    """(title, party, number, body): a withdrawn publication's body is the withdrawal reason, never its text."""
    body = publication.text if publication.state == "published" else publication.withdraw_reason
    return (publication.title, publication.party, publication.decision_number, body)


LISTED_STATES = ("published", "withdrawn")  # PublicationState values; expired publications are not listed


def is_listed(publication: Any) -> bool:
    return publication.state in LISTED_STATES


def listing_row(publication: Any) -> tuple[Any, ...]:
    return (
        sort_key(publication),
        publication.pk,
        publication.agency_id,
        publication.decision_kind,
        publication.decided_on,
        sanction_bits(publication.sanctions or []),
        publication.state == "withdrawn",
    )


def _bump_version(cursor: Any) -> None:
    cursor.execute("UPDATE disclosure_search_version SET version = %s WHERE id = 1", [secrets.randbits(62)])


def index_version(*, using: str = DEFAULT_DB_ALIAS) -> int:
    """The index's current version: a random number replaced with every change of the index (not a counter, so that
    a rolled-back change cannot leave a number that once meant other contents)."""
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT version FROM disclosure_search_version WHERE id = 1")
        found = cursor.fetchone()
    return 0 if found is None else int(found[0])


def index_publication(publication: Any, *, using: str | None = None, bump: bool = True) -> None:
    """Bring the index rows of one publication up to date with the row (in the caller's transaction)."""
    connection = connections[using or publication._state.db or DEFAULT_DB_ALIAS]
    vendor = connection.vendor
    with connection.cursor() as cursor:
        if bump:
            _bump_version(cursor)
        cursor.execute("SELECT sort_key FROM disclosure_listing WHERE publication_id = %s", [publication.pk])
        for (old,) in cursor.fetchall():
            cursor.execute("DELETE FROM disclosure_listing WHERE sort_key = %s", [old])
            if vendor == "sqlite":
                cursor.execute("DELETE FROM disclosure_search WHERE rowid = %s", [old])
        if not is_listed(publication):
            return
        row = listing_row(publication)
        fields = indexed_fields(publication)
        if vendor == "postgresql":
            cursor.execute(
                "INSERT INTO disclosure_listing (sort_key, publication_id, agency_id, decision_kind, decided_on, "
                "sanction_bits, withdrawn, tokens) VALUES (%s, %s, %s, %s, %s, %s, %s, %s::tsvector)",
                [*row, tsvector_literal(fields)],
            )
        else:
            cursor.execute(
                "INSERT INTO disclosure_listing (sort_key, publication_id, agency_id, decision_kind, decided_on, "
                "sanction_bits, withdrawn) VALUES (%s, %s, %s, %s, %s, %s, %s)",
                list(row),
            )
            cursor.execute(
                "INSERT INTO disclosure_search (rowid, title, party, number, body) VALUES (%s, %s, %s, %s, %s)",
                [row[0], *(" ".join(field_tokens(value)) for value in fields)],
            )


def reindex_all(*, using: str = DEFAULT_DB_ALIAS, batch: int = 2000, model: Any = None) -> int:
    """Rebuild the whole index from the publications (after a restore or a bulk load); returns the rows indexed."""
    from sanxiang.disclosure.models import Publication

    model = model or Publication
    connection = connections[using]
    with connection.cursor() as cursor:
        if _has_version_table(connection):
            _bump_version(cursor)
        cursor.execute("DELETE FROM disclosure_listing")
        if connection.vendor == "sqlite":
            cursor.execute("DELETE FROM disclosure_search")
    count = 0
    for publication in model.objects.using(using).order_by("pk").iterator(chunk_size=batch):
        if is_listed(publication):
            index_publication(publication, using=using, bump=False)
            count += 1
    return count


def _has_version_table(connection: Any) -> bool:
    # Migration 0002 rebuilds the index before 0003 has created the version table.
    return "disclosure_search_version" in connection.introspection.table_names()


def _on_record(entry: Any, subject: Any) -> None:
    from sanxiang.disclosure.models import Publication

    if isinstance(subject, Publication):
        index_publication(subject)


def _after_flush(sender: Any, using: str = DEFAULT_DB_ALIAS, **kwargs: Any) -> None:
    """Empty the index when there are no publications at all.

    Django's ``flush`` (run after every ``TransactionTestCase``) empties the tables it knows — not these — and then
    sends ``post_migrate``. With no publication left, any index row would be an orphan. One cheap check otherwise.
    """
    connection = connections[using]
    tables = set(connection.introspection.table_names())
    if not {"disclosure_publication", "disclosure_listing"} <= tables:
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM disclosure_publication LIMIT 1")
        if cursor.fetchone() is not None:
            return
        cursor.execute("SELECT 1 FROM disclosure_listing LIMIT 1")
        if cursor.fetchone() is None:
            return
        cursor.execute("DELETE FROM disclosure_listing")
        if connection.vendor == "sqlite":
            cursor.execute("DELETE FROM disclosure_search")
        if "disclosure_search_version" in tables:
            _bump_version(cursor)


def connect() -> None:
    """Register what keeps the search index current (called from ``DisclosureConfig.ready``)."""
    from django.db.models.signals import post_migrate

    from sanxiang.ledger.registry import register_record_listener

    register_record_listener(_on_record)
    post_migrate.connect(_after_flush, dispatch_uid="disclosure-search-after-flush")
