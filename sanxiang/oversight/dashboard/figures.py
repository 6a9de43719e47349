"""A scope's figures (``Figures``): its monthly summary rows added up over a window (``merged``), what the charts
are drawn from."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sanxiang.oversight.dashboard.scopes import Window


@dataclass
class Figures:
    """A scope's figures over a window, added up from its monthly rows (``merged``).

    Counts are of the window's months. Open items (``undecided`` cases, ``unpublished`` decisions, ``unreplied``
    complaints) are of every month, each with its due day (a day number) and whether its month is in the window:
    the on-time rates count those of the window, the overdue lists all of them."""

    opened: dict[tuple[dt.date, str], int] = field(default_factory=lambda: defaultdict(int))
    closed: dict[tuple[dt.date, str], int] = field(default_factory=lambda: defaultdict(int))
    decided: dict[tuple[dt.date, str], dict[str, Any]] = field(default_factory=dict)
    done: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))
    unserved: list[int] = field(default_factory=list)
    undecided: list[tuple[int, int, list[int], bool]] = field(default_factory=list)
    unpublished: list[tuple[int, int, list[int], bool]] = field(default_factory=list)
    unreplied: list[tuple[int, bool, int | None, int | None, bool]] = field(default_factory=list)
    major_total: int = 0
    major_reviewed: int = 0
    major_missing: list[tuple[int, str]] = field(default_factory=list)
    evaluation: list[tuple[Any, ...]] = field(default_factory=list)


def merged(rows: Sequence[tuple[int, dt.date, dict[str, Any]]], w: Window) -> Figures:
    """The scope's figures from its rows: counts of the window's months added up, open items of every row kept with
    whether their month lies in the window."""
    out = Figures()
    window_months = set(w.months)
    for _agency_id, month, data in rows:
        inside = month in window_months
        for day, case_id, officers in data["undecided"]:
            out.undecided.append((day, case_id, officers, inside))
        for day, case_id, officers in data["unpublished"]:
            out.unpublished.append((day, case_id, officers, inside))
        for due, closed, department_id, assignee_id in data["unreplied"]:
            out.unreplied.append((due, closed, department_id, assignee_id, inside))
        if not inside:
            continue
        for kind, n in data["opened"].items():
            out.opened[(month, kind)] += n
        for kind, n in data["closed"].items():
            out.closed[(month, kind)] += n
        for kind, (n, fines, fined) in data["decided"].items():
            bucket = out.decided.setdefault((month, kind), {"n": 0, "fines": Decimal(0), "fined": 0})
            bucket["n"] += n
            bucket["fines"] += Decimal(fines)
            bucket["fined"] += fined
        for key in ("decision", "publication", "review", "complaint"):
            for name, n in data[key].items():
                out.done[key][name] += n
        for name, n in data["service"].items():
            out.done["service"][name] += n
        out.unserved.extend(data["unserved"])
        major = data["major"]
        out.major_total += major["total"]
        out.major_reviewed += major["reviewed"]
        out.major_missing.extend((pk, decided_at) for pk, decided_at in major["missing"])
        out.evaluation.extend(tuple(row) for row in data["evaluation"])
    return out
