"""Reads of the record."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connections, models, router
from django.db.models import QuerySet

from sanxiang.ledger.models import Entry, Node


def entries_for(subject: models.Model, *, actions: Iterable[str] | None = None) -> QuerySet[Entry]:
    qs = Entry.objects.filter(subject_type=subject._meta.label_lower, subject_id=str(subject.pk))
    if actions is not None:
        qs = qs.filter(action__in=list(actions))
    return qs.order_by("seq")


def latest_entry(subject: models.Model) -> Entry | None:
    return entries_for(subject).last()


@dataclass(frozen=True)
class Change:
    """One field that differs between two consecutive recorded states."""

    field: str
    before: Any
    after: Any


def diff_states(before: dict[str, Any] | None, after: dict[str, Any], *, ignore: Iterable[str] = ()) -> list[Change]:
    skipped = set(ignore)
    before = before or {}
    return [
        Change(field=key, before=before.get(key), after=after.get(key))
        for key in sorted(set(before) | set(after))
        if key not in skipped and before.get(key) != after.get(key)
    ]


# Fixed identifiers (quoted the ANSI way, as both SQLite and PostgreSQL read them) and placeholders only: every value
# is a bound parameter.
_SELECT_NODES = 'SELECT "level", "index", "hash" FROM "ledger_node" WHERE '
_NODE_TERM = '("level" = %s AND "index" = %s)'


class DatabaseNodes:
    """The stored tree as a ``merkle.NodeReader``: any set of nodes in one query (per 500 keys).

    One raw ``SELECT`` with an OR of ``(level = ? AND "index" = ?)`` terms: SQLite answers it with one search of the
    unique (level, index) index per term ("MULTI-INDEX OR"), PostgreSQL with a BitmapOr of index scans. On SQLite a
    proof's query takes about 0.1 ms, where building it from the ORM's ``Q`` objects cost ~1.7 ms of Python and a
    row-value ``(level, "index") IN (VALUES ...)`` makes SQLite scan the whole table (bench/ledger.py,
    docs/performance.md).
    """

    MAX_KEYS_PER_QUERY = 500

    def get_nodes(self, keys: Sequence[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
        if not keys:
            return {}
        connection = connections[router.db_for_read(Node)]
        found: dict[tuple[int, int], bytes] = {}
        step = self.MAX_KEYS_PER_QUERY
        with connection.cursor() as cursor:
            for start in range(0, len(keys), step):
                chunk = keys[start : start + step]
                params: list[int] = []
                for level, index in chunk:
                    params.append(int(level))
                    params.append(int(index))
                cursor.execute(_SELECT_NODES + " OR ".join([_NODE_TERM] * len(chunk)), params)
                for level, index, h in cursor.fetchall():
                    found[(level, index)] = bytes(h)
        return found


def entry_by_leaf_hash(leaf_hash_hex: str) -> Entry | None:
    return Entry.objects.filter(leaf_hash=leaf_hash_hex.lower()).first()
