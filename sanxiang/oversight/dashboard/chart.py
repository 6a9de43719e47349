"""A dashboard figure (``Chart``): a table that the page shows, the CSV repeats and ``dashboard.js`` draws; with
what the tables share (percentages, department labels, list lengths)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sanxiang.org.models import Department

LIST_LIMIT = 100  # rows of a list (exceptions, officers, expiring certificates) shown and exported
TOP = 20  # departments / officers in an overdue chart


@dataclass
class Chart:
    """One figure: a table (``header``, ``rows``: the first cell labels the row) and how ``dashboard.js`` draws it.

    ``series`` are the indexes of the columns drawn; ``style`` is ``bar``, ``stack`` (stacked bars), ``line`` or
    ``rate`` (bars of percentages); ``style`` empty: a table only. ``links`` maps a row index to a URL for its label.
    """

    key: str
    title: str
    note: str
    header: list[str]
    rows: list[list[Any]]
    style: str = "bar"
    series: list[int] = field(default_factory=list)
    horizontal: bool = False
    links: dict[int, str] = field(default_factory=dict)
    limit: int = 0  # rows drawn (the table keeps them all); 0: every row

    def data(self) -> dict[str, Any]:
        """What the page hands to ``dashboard.js`` (``json_script``)."""
        rows = self.rows[: self.limit] if self.limit else self.rows
        return {
            "style": self.style,
            "horizontal": self.horizontal,
            "categories": [str(row[0]) for row in rows],
            "series": [{"name": self.header[i], "data": [_number(row[i]) for row in rows]} for i in self.series],
        }

    @property
    def drawn(self) -> bool:
        return bool(self.style and self.series and self.rows)


def _number(value: Any) -> float | int | None:
    if value is None or value == "—":
        return None
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, int | float):
        return value
    text = str(value).rstrip("%")
    try:
        return float(text)
    except ValueError:
        return None


def rate(done: int, total: int) -> str:
    """A percentage with one decimal, or — when nothing counts."""
    if total <= 0:
        return "—"
    return f"{Decimal(done * 100) / Decimal(total):.1f}"


def department_names(dept_ids: Iterable[int | None], single: bool) -> dict[int | None, str]:
    """Row labels of departments: the name in a one-agency scope, ``<agency short name>·<name>`` in a larger one."""
    ids = [d for d in set(dept_ids) if d is not None]
    names: dict[int | None, str] = {None: "（未定科室）"}
    for pk, name, short, agency_name in Department.objects.filter(pk__in=ids).values_list(
        "pk", "name", "agency__short_name", "agency__name"
    ):
        names[pk] = name if single else f"{short or agency_name}·{name}"
    return names
