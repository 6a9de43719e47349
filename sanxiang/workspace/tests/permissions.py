"""The table of staff URLs that the shared permission suite (``sanxiang.core.testing``) runs against.

Each ``StaffUrl`` names a route, how to build its arguments from the fixtures, its method and body, and which
persona of the ``bureau`` fixture is permitted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.urls import get_resolver, reverse

from sanxiang.core.testing import Request

# The staff routes' URL modules, each mounted at /staff/ under its own namespace.
STAFF_URLCONFS = {
    "workspace": "sanxiang.workspace.urls",
    "registry": "sanxiang.registry.urls",
    "cases": "sanxiang.cases.urls",
}


def route_names(urlconf: str) -> set[str]:
    return {name for p in get_resolver(urlconf).url_patterns if (name := getattr(p, "name", None))}


def namespace_of(name: str) -> str:
    return next(ns for ns, urlconf in STAFF_URLCONFS.items() if name in route_names(urlconf))


@dataclass(frozen=True)
class StaffUrl:
    name: str
    args: Callable[[Any, Any], list[Any]] = lambda bureau, entries: []
    method: str = "get"
    data: dict[str, Any] = field(default_factory=dict)
    permitted: str = "reviewer"
    permitted_status: tuple[int, ...] = (200,)
    object_url: bool = False  # names one entry: another agency's staff get 404

    @property
    def id(self) -> str:
        return f"{self.method}:{self.name}"

    def url(self, bureau: Any, entries: Any) -> str:
        return reverse(f"{namespace_of(self.name)}:{self.name}", args=self.args(bureau, entries))

    def request(self, bureau: Any, entries: Any) -> Request:
        return Request(self.method, self.url(bureau, entries), self.data, format="form")
