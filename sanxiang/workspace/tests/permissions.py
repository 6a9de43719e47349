"""A permission suite over every staff URL (NetBox's ``utilities/testing/views.py`` idea, for our personas).

Each ``StaffUrl`` names a route, how to build its arguments from the fixtures, its method, and which persona is
permitted. ``check_*`` functions are the assertions, so that a shared suite (``sanxiang.core.testing``, being
written) can replace them without touching the table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from django.test import Client
from django.urls import reverse


@dataclass(frozen=True)
class StaffUrl:
    name: str
    args: Callable[[Any, Any], list[Any]] = lambda bureau, entries: []
    method: str = "get"
    data: dict[str, Any] = field(default_factory=dict)
    permitted: str = "reviewer"  # a persona of the ``bureau`` fixture allowed to use it
    permitted_status: tuple[int, ...] = (200,)
    object_url: bool = False  # names one entry: another agency's staff get 404

    @property
    def id(self) -> str:
        return f"{self.method}:{self.name}"

    def url(self, bureau: Any, entries: Any) -> str:
        return reverse(f"workspace:{self.name}", args=self.args(bureau, entries))


def call(client: Client, staff_url: StaffUrl, url: str) -> Any:
    if staff_url.method == "post":
        return client.post(url, staff_url.data)
    return client.get(url)


def check_anonymous(client: Client, staff_url: StaffUrl, url: str) -> None:
    response = call(client, staff_url, url)
    assert response.status_code == 302, (url, response.status_code)
    assert response["Location"] == f"{reverse('workspace:login')}?next={quote(url)}"


def check_forbidden(client: Client, staff_url: StaffUrl, url: str) -> None:
    response = call(client, staff_url, url)
    assert response.status_code == 403, (url, response.status_code)


def check_not_found(client: Client, staff_url: StaffUrl, url: str) -> None:
    response = call(client, staff_url, url)
    assert response.status_code == 404, (url, response.status_code)


def check_permitted(client: Client, staff_url: StaffUrl, url: str) -> Any:
    response = call(client, staff_url, url)
    assert response.status_code in staff_url.permitted_status, (url, response.status_code)
    return response
