"""The permission suite (``sanxiang.core.testing``) run against every staff endpoint of the API.

Each row builds the endpoint's target in the state the action needs, then checks: anonymous → 401; signed in
without the permission (no role at all, an officer, the supervising justice bureau that only reads) → 403/404;
the same role in another agency → 404; the permitted user → 2xx. Refused requests must leave the ledger unchanged.
A last test keeps the table complete: every staff operation in the OpenAPI document has a row here.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from sanxiang.conftest import make_user
from sanxiang.core.models import PublicationStatus
from sanxiang.core.testing import Endpoint, Request
from sanxiang.org.models import Agency
from sanxiang.registry import services
from sanxiang.registry.specs import ALL_LISTS
from sanxiang.registry.tests.test_api import api_payload, ledger_size, make_entry

PATCHES: dict[str, dict[str, Any]] = {
    "agencies": {"sector": "安全生产监督管理"},
    "powers": {"name": "对安全生产违法行为的行政处罚"},
    "items": {"time_limit_days": 60},
    "inspection-items": {"frequency": "每年两次"},
    "officers": {"post": "执法监察科科长"},
    "templates": {"description": "适用于一般程序"},
    "complaint-channels": {"hours": "工作日 8:30-17:00"},
    "recording-rules": {"requirement": "required"},
    "recording-places": {"cameras": "高清摄像头3个"},
}
AGENCY_BODY = {
    "name": "兴隆台区消防救援大队",
    "nature": "administrative",
    "subject_category": "statutory",
    "level": "district",
}
ACTION_BODIES: dict[str, dict[str, Any]] = {
    "submit": {},
    "approve": {"note": "同意"},
    "return": {"note": "请补充执法依据的条款。"},
    "withdraw": {"reason": "事项已取消"},
    "suspend": {"reason": "涉嫌违规执法"},
    "reinstate": {"note": "调查结束"},
    "revoke": {"reason": "调离执法岗位"},
    "annual-review": {"year": 2025, "passed": True},
}
# The state an entry must be in for the action to succeed.
ACTION_STATE = {
    "submit": PublicationStatus.DRAFT,
    "approve": PublicationStatus.SUBMITTED,
    "return": PublicationStatus.SUBMITTED,
    "withdraw": PublicationStatus.PUBLISHED,
    "suspend": PublicationStatus.PUBLISHED,
    "reinstate": PublicationStatus.PUBLISHED,
    "revoke": PublicationStatus.PUBLISHED,
    "annual-review": PublicationStatus.PUBLISHED,
}
OFFICER_ACTIONS = ("suspend", "reinstate", "revoke", "annual-review")


def target(key: str, bureau: Any, state: str) -> Any:
    if key == "agencies":
        Agency.objects.filter(pk=bureau.agency.pk).update(status=state)
        return bureau.agency
    return make_entry(key, bureau, state=state)


def _ids(body: Any) -> set[tuple[str, int]]:
    return {(row.get("list", ""), row["id"]) for row in body["items"]}


def shows_row(obj: Any, list_key: str = "") -> Callable[[Any], bool]:
    def shows(response: Any) -> bool:
        return (list_key, obj.pk) in _ids(json.loads(response.content))

    return shows


Builder = Callable[[Any, Any], Endpoint]
ROWS: dict[str, Builder] = {}


def row(method: str, path: str) -> Callable[[Builder], Builder]:
    def register(build: Builder) -> Builder:
        ROWS[f"{method} /api/v1/staff{path}"] = build
        return build

    return register


def _list_rows(key: str) -> None:
    base = f"/{key}/"
    one = base + "{entry_id}/"

    def url(path: str, obj: Any) -> str:
        return "/api/v1/staff" + path.replace("{entry_id}", str(obj.pk))

    @row("GET", base)
    def staff_list(bureau: Any, nobody: Any) -> Endpoint:
        obj = target(key, bureau, PublicationStatus.DRAFT)
        return Endpoint(
            Request("get", url(base, obj)),
            permitted=[bureau.reviewer, bureau.officer, bureau.supervisor],
            no_permission=[nobody],
            constrained=[bureau.outsider],
            shows=shows_row(obj),
        )

    @row("GET", one)
    def staff_get(bureau: Any, nobody: Any) -> Endpoint:
        obj = target(key, bureau, PublicationStatus.DRAFT)
        return Endpoint(
            Request("get", url(one, obj)),
            permitted=[bureau.reviewer, bureau.officer, bureau.supervisor],
            no_permission=[nobody],
            constrained=[bureau.outsider],
        )

    if key == "agencies":

        @row("POST", base)
        def agency_create(bureau: Any, nobody: Any) -> Endpoint:
            # Only the deployment administrator adds agencies: an agency's own legal section may not.
            return Endpoint(
                Request("post", "/api/v1/staff/agencies/", AGENCY_BODY),
                permitted=[bureau.superuser],
                no_permission=[nobody, bureau.officer, bureau.reviewer, bureau.admin, bureau.supervisor],
            )

    elif key != "templates":

        @row("POST", base)
        def create(bureau: Any, nobody: Any) -> Endpoint:
            return Endpoint(
                Request("post", f"/api/v1/staff/{key}/", api_payload(key, bureau, n=7)),
                permitted=[bureau.reviewer],
                no_permission=[nobody, bureau.officer, bureau.supervisor],
                constrained=[bureau.outsider],
            )

    @row("PATCH", one)
    def update(bureau: Any, nobody: Any) -> Endpoint:
        obj = target(key, bureau, PublicationStatus.DRAFT)
        return Endpoint(
            Request("patch", url(one, obj), PATCHES[key]),
            permitted=[bureau.reviewer],
            no_permission=[nobody, bureau.officer, bureau.supervisor],
            constrained=[bureau.outsider],
        )

    for action in ("submit", "approve", "return", "withdraw"):
        _action_row(key, action, one + f"{action}/", url)

    if key == "officers":
        for action in OFFICER_ACTIONS:
            _action_row(key, action, one + f"{action}/", url)


def _action_row(key: str, action: str, path: str, url: Callable[[str, Any], str]) -> None:
    @row("POST", path)
    def act(bureau: Any, nobody: Any) -> Endpoint:
        obj = target(key, bureau, ACTION_STATE[action])
        if action == "reinstate":
            services.officer_certificate_suspend(actor=bureau.reviewer, officer=obj, reason="调查")
        # A department head keeps enforcement items but never reviews them.
        reviewers_only = action in ("approve", "return", "withdraw")
        no_permission = [nobody, bureau.officer, bureau.supervisor] + ([bureau.head] if reviewers_only else [])
        return Endpoint(
            Request("post", url(path, obj), ACTION_BODIES[action]),
            permitted=[bureau.reviewer],
            no_permission=no_permission,
            constrained=[bureau.outsider],
        )


for _key in ALL_LISTS:
    _list_rows(_key)


@row("GET", "/review-queue/")
def review_queue(bureau: Any, nobody: Any) -> Endpoint:
    obj = target("powers", bureau, PublicationStatus.SUBMITTED)
    return Endpoint(
        Request("get", "/api/v1/staff/review-queue/"),
        permitted=[bureau.reviewer],
        # An officer and the supervisor may open the queue, but it holds nothing they could review.
        no_permission=[nobody, bureau.officer, bureau.supervisor],
        constrained=[bureau.outsider],
        shows=shows_row(obj, "powers"),
    )


@row("GET", "/me/")
def me(bureau: Any, nobody: Any) -> Endpoint:
    # Open to anyone signed in (it only describes the caller); the suite still checks the anonymous refusal.
    return Endpoint(Request("get", "/api/v1/staff/me/"), permitted=[bureau.officer, nobody])


@pytest.mark.parametrize("operation", sorted(ROWS))
def test_staff_endpoint_permissions(client, bureau, operation):
    endpoint = ROWS[operation](bureau, make_user("nobody"))
    report = endpoint.check(client, unchanged=ledger_size)
    statuses = report.statuses()
    assert statuses["anonymous"] == 401
    if endpoint.constrained and endpoint.shows is None:
        # Another agency's entry is answered exactly like a missing one.
        assert statuses[f"constrained:{bureau.outsider.username}"] == 404


def test_every_staff_operation_has_a_row(client):
    document = json.loads(client.get("/api/v1/openapi.json").content)
    operations = {
        f"{method.upper()} {path}"
        for path, item in document["paths"].items()
        if path.startswith(REGISTRY_STAFF)
        for method in item
    }
    assert operations == set(ROWS)


# The registry's staff routes (the lists, the review queue, the signed-in user); the other apps' staff routes are in
# their own permission suites (complaints, exchange, oversight).
REGISTRY_STAFF = (
    *(f"/api/v1/staff/{key}/" for key in ALL_LISTS),
    "/api/v1/staff/review-queue/",
    "/api/v1/staff/me/",
)
