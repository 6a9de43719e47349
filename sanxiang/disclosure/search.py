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

import re
import secrets
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from typing import Any, NamedTuple

from django.db import DEFAULT_DB_ALIAS, connections

SORT_SHIFT = 1 << 32  # sort_key = published_on.toordinal() * SORT_SHIFT + id (ids stay below 2**32)
MAX_TERMS = 8
MAX_TERM_CHARS = 40
# PostgreSQL stores positions 1..16383 and at most 256 positions per lexeme (docs/search.md).
PG_MAX_POS = 16383
PG_MAX_POSITIONS = 255
PG_FIELD_GAP = 2  # positions skipped between fields, so that no phrase spans two fields
# Digit runs are also indexed as suffix tokens of RUN_TOKEN_MIN..RUN_TOKEN_CHARS digits (``run_tokens``).
RUN_TOKEN_MIN = 3
RUN_TOKEN_CHARS = 12
_DIGIT_RUN = re.compile("[0-9]+")
# Query plans (``plan_terms``): token frequencies are counted up to PROBE_CAP rows; a run token held by at most
# FEW_ROWS rows stands for its term outright, else when checking its rows (VERIFY_COST phrase steps each) is cheaper
# than the phrase; PLAN_TOKENS of the rarest at most.
PROBE_CAP = 4000
FEW_ROWS = 200
VERIFY_COST = 8
PLAN_TOKENS = 2
FREQUENCY_MEMO_SIZE = 1 << 16

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


def digit_runs(chars: str) -> list[tuple[int, int]]:
    """(start, end) of each maximal run of ASCII digits in normalised ``chars``."""
    return [(m.start(), m.end()) for m in _DIGIT_RUN.finditer(chars)]


def run_tokens(chars: str) -> list[str]:
    """The suffix tokens of the digit runs of normalised ``chars``: from every position of a run, the rest of the run
    cut at ``RUN_TOKEN_CHARS`` characters, when at least ``RUN_TOKEN_MIN`` (2019123 → 2019123 019123 19123 9123 123).

    Never two characters long, so they are never taken for pairs: a pair phrase cannot match them. They let a query
    holding a run of digits look for one selective token instead of a phrase of pairs that nearly every decision has
    (the digits of a decision number: ``query_plan``)."""
    tokens: list[str] = []
    for start, end in digit_runs(chars):
        for i in range(start, end - RUN_TOKEN_MIN + 1):
            token = chars[i : min(end, i + RUN_TOKEN_CHARS)]
            if token not in tokens:
                tokens.append(token)
    return tokens


def field_tokens(value: str) -> list[str]:
    """The tokens of one field: its overlapping character pairs, its last character alone, then the suffix tokens of
    its digit runs (``run_tokens``)."""
    chars = normalise(value)
    if not chars:
        return []
    return [chars[i : i + 2] for i in range(len(chars) - 1)] + [chars[-1]] + run_tokens(chars)


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


def term_run_tokens(term: str) -> list[str]:
    """The run tokens (``run_tokens``) that every occurrence of ``term`` implies: a run of at least ``RUN_TOKEN_MIN``
    digits that the term ends with a non-digit (2019123号: the field's run ends with 2019123, so that suffix is a
    token) or that is at least ``RUN_TOKEN_CHARS`` long (its first ``RUN_TOKEN_CHARS`` digits are a token). A run
    that may go on in the field (the term ends with it, shorter) implies no token: the term's pairs stand for it."""
    tokens = []
    for start, end in digit_runs(term):
        if end - start >= RUN_TOKEN_MIN and (end < len(term) or end - start >= RUN_TOKEN_CHARS):
            tokens.append(term[start : min(end, start + RUN_TOKEN_CHARS)])
    return tokens


class TermPlan(NamedTuple):
    """How one query term is searched on SQLite. ``tokens`` empty: as the phrase of its pairs (exact). Otherwise FTS5
    looks for the rows holding these selective run tokens, which every occurrence of the term implies, and each
    candidate's fields are checked for the whole term (``row_pattern``): a decision number such as 〔2019〕123号 then
    costs the few rows holding 2019123, not a walk through every row holding its digit pairs (nearly all)."""

    term: str
    tokens: tuple[str, ...] = ()


def plan_terms(terms: Sequence[str], frequency: Callable[[str], int]) -> list[TermPlan]:
    """A plan per term (``frequency`` counts a token's rows up to ``PROBE_CAP``). A term is searched by its run
    tokens when the rarest is held by at most ``FEW_ROWS`` rows, or checking its rows (``VERIFY_COST`` times a phrase
    step each) costs less than the phrase's walk along its rarest pair; else by its phrase."""
    plans = []
    for term in terms:
        runs = sorted((frequency(token), token) for token in dict.fromkeys(term_run_tokens(term)))
        if runs and runs[0][0] > FEW_ROWS:
            walk = min(frequency(pair) for pair in dict.fromkeys(_pairs(term)))
            if runs[0][0] * VERIFY_COST >= walk:
                runs = []
        plans.append(TermPlan(term, tuple(token for _, token in runs[:PLAN_TOKENS])))
    return plans


def fts5_query(plans: Sequence[TermPlan]) -> str:
    """An FTS5 MATCH expression, all terms required: a term's selective tokens, or the phrase of its pairs (one
    character: a token prefix)."""
    parts: list[str] = []
    for plan in plans:
        if plan.tokens:
            parts.extend(f'"{token}"' for token in plan.tokens)
        elif len(plan.term) == 1:
            parts.append(f'"{plan.term}"*')
        else:
            parts.append('"' + " ".join(_pairs(plan.term)) + '"')
    return " AND ".join(parts)


def row_pattern(term: str) -> str:
    """What an FTS5 column's content (its tokens joined by spaces) holds, wrapped in spaces, exactly where the field
    holds ``term``: its pairs, space-separated and space-delimited. Pairs are the only two-character tokens and
    follow each other only in the field's order, so the match is token-aligned and exact."""
    return " " + " ".join(_pairs(term)) + " "


def tsquery_literal(terms: Sequence[str]) -> str:
    """A ``tsquery`` literal: each term its pairs joined by ``<->`` (followed by) and the run tokens it implies (so
    that the GIN index starts from a selective token), all required."""
    parts = []
    for term in terms:
        if len(term) == 1:
            parts.append(f"'{term}':*")
            continue
        phrase = "(" + " <-> ".join(f"'{p}'" for p in _pairs(term)) + ")"
        parts.extend([*(f"'{token}'" for token in dict.fromkeys(term_run_tokens(term))), phrase])
    return " & ".join(parts)


# --- token frequencies (the plans' estimates) -----------------------------------------------------------------------

_frequencies: OrderedDict[tuple[str, str], int] = OrderedDict()
_frequencies_lock = threading.Lock()


def token_frequency(token: str, *, using: str = DEFAULT_DB_ALIAS) -> int:
    """How many rows of the FTS5 index hold ``token``, counted up to ``PROBE_CAP`` (SQLite). Remembered by the
    process (LRU) across index changes: it only steers a plan, whose results are the same either way."""
    key = (using, token)
    with _frequencies_lock:
        found = _frequencies.get(key)
        if found is not None:
            _frequencies.move_to_end(key)
            return found
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM (SELECT 1 FROM disclosure_search WHERE disclosure_search MATCH %s LIMIT %s) t",
            [f'"{token}"', PROBE_CAP],
        )
        (count,) = cursor.fetchone()
    with _frequencies_lock:
        _frequencies[key] = int(count)
        if len(_frequencies) > FREQUENCY_MEMO_SIZE:
            _frequencies.popitem(last=False)
    return int(count)


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


# --- publication delays: sort-key bounds for a decided-on range ------------------------------------------------------
#
# The sort key orders by publication date, a decided-on filter reads the decision date. The version row also holds
# the least and greatest delay (published_on − decided_on, in days) of the listed publications — widened by every
# index write in its transaction, recomputed by ``reindex_all`` — so a decided-on range becomes a sort-key range
# (``sort_key_range``) and a search walks only the rows published within it, not every match newer than the range.

_DELAYS_SQL = {
    "sqlite": "SELECT min(d), max(d) FROM (SELECT (sort_key >> 32) - CAST(julianday(decided_on) - 1721424.5 AS integer)"
    " AS d FROM disclosure_listing) t",
    "postgresql": "SELECT min(d), max(d) FROM (SELECT (sort_key >> 32) - (decided_on - DATE '0001-01-01' + 1) AS d "
    "FROM disclosure_listing) t",
}


def delay(publication: Any) -> int:
    return int(publication.published_on.toordinal()) - int(publication.decided_on.toordinal())


def _widen_delays(cursor: Any, days: int) -> None:
    cursor.execute(
        "UPDATE disclosure_search_version SET "
        "min_delay = CASE WHEN min_delay IS NULL OR min_delay > %s THEN %s ELSE min_delay END, "
        "max_delay = CASE WHEN max_delay IS NULL OR max_delay < %s THEN %s ELSE max_delay END WHERE id = 1",
        [days, days, days, days],
    )


def refresh_delays(*, using: str = DEFAULT_DB_ALIAS) -> None:
    """Recompute the delay bounds from the listed rows (after a rebuild or a bulk load; None when there are none)."""
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute(_DELAYS_SQL[connection.vendor])
        least, greatest = cursor.fetchone()
        cursor.execute(
            "UPDATE disclosure_search_version SET min_delay = %s, max_delay = %s WHERE id = 1", [least, greatest]
        )


def sort_key_range(
    decided_from: Any, decided_to: Any, *, using: str = DEFAULT_DB_ALIAS
) -> tuple[int | None, int | None]:
    """(least, greatest) sort key of a listed publication decided within the range (either end may be None), from the
    delay bounds; (None, None) when there is no listed publication."""
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT min_delay, max_delay FROM disclosure_search_version WHERE id = 1")
        found = cursor.fetchone()
    if found is None or found[0] is None:
        return None, None
    least, greatest = int(found[0]), int(found[1])
    low = (decided_from.toordinal() + least) * SORT_SHIFT if decided_from else None
    high = (decided_to.toordinal() + greatest + 1) * SORT_SHIFT - 1 if decided_to else None
    return low, high


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
        if bump:  # the live path (``reindex_all`` recomputes the delays once at its end)
            _widen_delays(cursor, delay(publication))
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
    if _has_delay_columns(connection):
        refresh_delays(using=using)
    return count


def _has_version_table(connection: Any) -> bool:
    # Migration 0002 rebuilds the index before 0003 has created the version table.
    return "disclosure_search_version" in connection.introspection.table_names()


def _has_delay_columns(connection: Any) -> bool:
    # Migrations 0002 and 0004 rebuild the index before 0005 has added the delay columns.
    if not _has_version_table(connection):
        return False
    with connection.cursor() as cursor:
        columns = connection.introspection.get_table_description(cursor, "disclosure_search_version")
    return any(column.name == "max_delay" for column in columns)


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
