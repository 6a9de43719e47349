"""Reads of the record."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import Q, QuerySet

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


class DatabaseNodes:
    """The stored tree as a ``merkle.NodeReader``: any set of nodes in one query."""

    def get_nodes(self, keys: Sequence[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
        if not keys:
            return {}
        condition = Q()
        for level, index in keys:
            condition |= Q(level=level, index=index)
        return {
            (n.level, n.index): bytes(n.hash) for n in Node.objects.filter(condition).only("level", "index", "hash")
        }


def entry_by_leaf_hash(leaf_hash_hex: str) -> Entry | None:
    return Entry.objects.filter(leaf_hash=leaf_hash_hex.lower()).first()
