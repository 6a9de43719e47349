"""The permission suite (NetBox's ``utilities/testing``): one check, run against every API endpoint and staff view.

For one request it asserts, in this order:

1. **anonymous** — refused: 401/403 for the API; for HTML views a redirect to the login page (``html_expect()``);
2. **no permission** (signed in, but without the role: no role at all, a clerk, a supervisor who only reads) —
   403 or 404;
3. **constrained** (the right role, but in another agency) — 404 or 403, never the other agency's data;
4. **permitted** — 2xx (or, for HTML, a 2xx or a redirect that is not to the login page).

Refused requests must change nothing: pass ``unchanged`` (a snapshot callable, e.g. the size of the ledger, which
every write appends to) and it is compared before and after each refused request. For list pages that answer 200 to
everyone but filter the rows, pass ``shows`` (does the response show the target row?): a refused user may then get a
2xx as long as ``shows`` is false, and the permitted user must get ``shows`` true.

It knows nothing of our models: personas are any users, the request is a ``Request`` (method, URL, body) or any
callable taking the test client. Typical use, parametrised over a table of endpoints::

    @pytest.mark.parametrize("build", ENDPOINTS, ids=...)
    def test_permissions(client, bureau, build):
        endpoint = build(bureau)   # -> Endpoint(request=Request("post", url, data), permitted=[bureau.reviewer], ...)
        endpoint.check(client, unchanged=ledger_size)

For an HTML view: ``endpoint.check(client, expect=html_expect())`` (anonymous must be redirected to ``settings.LOGIN_URL``) and
``Request("post", url, data, format="form")``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import resolve_url
from django.test import Client

Sender = Callable[[Client], HttpResponse]


@dataclass(frozen=True)
class Request:
    """One HTTP request: ``format`` is ``json`` (API), ``form`` (urlencoded HTML form) or ``multipart``."""

    method: str
    url: str
    data: Any = None
    format: Literal["json", "form", "multipart"] = "json"

    def send(self, client: Client) -> HttpResponse:
        method = self.method.lower()
        call = getattr(client, method)
        if method in ("get", "head"):
            response: HttpResponse = call(self.url, self.data or {})
        elif self.format == "json":
            body = json.dumps(self.data if self.data is not None else {}, default=str)
            response = call(self.url, body, content_type="application/json")
        elif self.format == "form":
            body = urlencode(self.data or {}, doseq=True)
            response = call(self.url, body, content_type="application/x-www-form-urlencoded")
        else:  # multipart, as a browser sends a form with files
            response = call(self.url, self.data or {})
        return response

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.url}"


@dataclass(frozen=True)
class Expect:
    """Which answers count as refused and as allowed."""

    anonymous: Collection[int]
    denied: Collection[int]
    ok: Collection[int]
    # Where an anonymous user must be redirected (HTML views); ``None``: no redirect is acceptable.
    login_url: str | None = None


API = Expect(anonymous=(401, 403), denied=(403, 404), ok=range(200, 300))


def html_expect() -> Expect:
    """For server-rendered views: anonymous → redirect to the login page; success may redirect (POST/redirect/GET)."""
    return Expect(
        anonymous=(302, 401, 403),
        denied=(403, 404),
        ok=(*range(200, 300), 302, 303),
        login_url=str(resolve_url(settings.LOGIN_URL)),
    )


@dataclass
class Outcome:
    who: str
    status: int
    problem: str = ""


@dataclass
class Report:
    """What each persona got; ``failures`` is empty when the endpoint behaves."""

    request: str
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.problem]

    def statuses(self) -> dict[str, int]:
        return {o.who: o.status for o in self.outcomes}

    def __str__(self) -> str:
        lines = [f"permission suite: {self.request}"]
        lines += [f"  {o.who:<36} {o.status}  {o.problem or 'ok'}" for o in self.outcomes]
        return "\n".join(lines)


def _label(kind: str, user: Any) -> str:
    name = user.get_username() if hasattr(user, "get_username") else str(user)
    return f"{kind}:{name}"


def _redirects_to(response: HttpResponse, url: str) -> bool:
    location = response.get("Location", "") or ""
    return location.split("?", 1)[0].endswith(url.split("?", 1)[0])


def run_permission_suite(
    client: Client,
    request: Request | Sender,
    *,
    permitted: Iterable[Any],
    no_permission: Iterable[Any] = (),
    constrained: Iterable[Any] = (),
    expect: Expect = API,
    unchanged: Callable[[], object] | None = None,
    shows: Callable[[HttpResponse], bool] | None = None,
    anonymous: bool = True,
) -> Report:
    """Send ``request`` as each persona and report what went wrong (see the module docstring for the rules).

    ``permitted`` users go last, after every refusal has been checked against the unchanged state; give one
    permitted user for a request that changes state (a second submit of the same entry would be refused).
    """
    send: Sender = request.send if isinstance(request, Request) else request
    report = Report(request=str(request) if isinstance(request, Request) else getattr(request, "__name__", "request"))

    def refused(who: str, response: HttpResponse, allowed: Collection[int], before: object) -> None:
        status = response.status_code
        problem = ""
        if status in expect.ok and shows is not None and status not in allowed:
            if shows(response):
                problem = "shows the target to a user who may not see it"
        elif status not in allowed:
            problem = f"expected one of {sorted(allowed)}"
        elif (
            status in (301, 302, 303)
            and expect.login_url is not None
            and who == "anonymous"
            and not _redirects_to(response, expect.login_url)
        ):
            problem = f"redirects to {response.get('Location')!r}, not to the login page"
        if not problem and unchanged is not None and unchanged() != before:
            problem = "a refused request changed state"
        report.outcomes.append(Outcome(who, status, problem))

    if anonymous:
        client.logout()
        before = unchanged() if unchanged else None
        refused("anonymous", send(client), expect.anonymous, before)

    for kind, users in (("no-permission", no_permission), ("constrained", constrained)):
        for user in users:
            client.force_login(user)
            before = unchanged() if unchanged else None
            refused(_label(kind, user), send(client), expect.denied, before)

    for user in permitted:
        client.force_login(user)
        response = send(client)
        status = response.status_code
        problem = ""
        if status not in expect.ok:
            problem = f"expected success, body: {_body(response)}"
        elif expect.login_url is not None and status in (301, 302, 303) and _redirects_to(response, expect.login_url):
            problem = "permitted user was sent to the login page"
        elif shows is not None and not shows(response):
            problem = "permitted user does not see the target"
        report.outcomes.append(Outcome(_label("permitted", user), status, problem))
    client.logout()
    return report


def assert_permissions(client: Client, request: Request | Sender, **kwargs: Any) -> Report:
    """``run_permission_suite`` that fails the test with the whole table when any persona got the wrong answer."""
    report = run_permission_suite(client, request, **kwargs)
    if report.failures:
        raise AssertionError(str(report))
    return report


def _body(response: HttpResponse) -> str:
    content = getattr(response, "content", b"")
    return content[:300].decode("utf-8", "replace") if isinstance(content, bytes) else ""


@dataclass(frozen=True)
class Endpoint:
    """One row of a permission table: the request and who is who for it."""

    request: Request | Sender
    permitted: Sequence[Any]
    no_permission: Sequence[Any] = ()
    constrained: Sequence[Any] = ()
    shows: Callable[[HttpResponse], bool] | None = None

    def check(self, client: Client, *, expect: Expect = API, unchanged: Callable[[], object] | None = None) -> Report:
        return assert_permissions(
            client,
            self.request,
            permitted=self.permitted,
            no_permission=self.no_permission,
            constrained=self.constrained,
            shows=self.shows,
            expect=expect,
            unchanged=unchanged,
        )
