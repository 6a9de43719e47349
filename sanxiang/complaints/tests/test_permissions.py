"""The permission suite (``core.testing``) over every staff page and staff API endpoint of the complaints: anonymous
refused, readers without the office role refused for actions, the office of another agency refused alike, the
permitted persona succeeds, and no refused request changes anything (the ledger does not grow)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from sanxiang.complaints import services
from sanxiang.complaints.models import Complaint, ComplaintState
from sanxiang.complaints.tests.conftest import file, upload
from sanxiang.conftest import Bureau, make_user
from sanxiang.core.testing import API, Endpoint, Expect, Request, html_expect
from sanxiang.ledger.models import Entry
from sanxiang.org.models import Role

pytestmark = pytest.mark.django_db

NON_READERS = ("officer", "head", "evaluator", "preliminary_reviewer")
READERS = ("office_clerk", "reviewer", "leader", "supervisor")


def ledger_size() -> int:
    return Entry.objects.count()


def _complaint(bureau: Bureau, state: str) -> Complaint:
    complaint = file(bureau, files=(upload(),)).complaint
    if state in (ComplaintState.ACCEPTED, ComplaintState.REPLIED):
        complaint = services.complaint_accept(actor=bureau.office_clerk, complaint=complaint)
    if state == ComplaintState.REPLIED:
        complaint = services.complaint_reply(actor=bureau.office_clerk, complaint=complaint, text="答复")
    return complaint


def _people(bureau: Bureau, names: tuple[str, ...]) -> list[Any]:
    return [getattr(bureau, name) for name in names]


# (id, state the complaint must be in, path under the complaint, body, html format)
ACTIONS: list[tuple[str, str, str, dict[str, Any]]] = [
    ("accept", ComplaintState.RECEIVED, "accept/", {"note": ""}),
    ("refuse", ComplaintState.RECEIVED, "refuse/", {"reason": "不属于本机关职责"}),
    ("assign", ComplaintState.ACCEPTED, "assign/", {"department": None, "assignee": None, "note": ""}),
    ("reply", ComplaintState.ACCEPTED, "reply/", {"text": "答复内容"}),
    ("close", ComplaintState.REPLIED, "close/", {"note": ""}),
]


def _body(bureau: Bureau, name: str, body: dict[str, Any]) -> dict[str, Any]:
    if name == "assign":
        return {**body, "department": bureau.section.pk, "assignee": bureau.head.pk}
    return body


@pytest.fixture
def other_office(bureau: Bureau) -> Any:
    return make_user("clerk-other", bureau.other_agency, Role.OFFICE)


def _check(client: Client, endpoint: Endpoint, expect: Expect) -> None:
    endpoint.check(client, expect=expect, unchanged=ledger_size)


@pytest.mark.parametrize("api", [False, True], ids=["page", "api"])
def test_reading_one_complaint(client: Client, bureau: Bureau, other_office: Any, api: bool) -> None:
    complaint = _complaint(bureau, ComplaintState.RECEIVED)
    url = f"/api/v1/staff/complaints/{complaint.pk}/" if api else f"/staff/complaints/{complaint.pk}/"
    endpoint = Endpoint(
        request=Request("get", url),
        permitted=_people(bureau, READERS),
        no_permission=_people(bureau, NON_READERS),
        constrained=[other_office, bureau.outsider],
    )
    _check(client, endpoint, API if api else html_expect())


@pytest.mark.parametrize("api", [False, True], ids=["page", "api"])
def test_the_list_shows_complaints_only_to_readers(
    client: Client, bureau: Bureau, other_office: Any, api: bool
) -> None:
    complaint = _complaint(bureau, ComplaintState.RECEIVED)
    url = "/api/v1/staff/complaints/" if api else "/staff/complaints/"
    shows: Callable[[Any], bool]
    if api:

        def shows(response: Any) -> bool:
            return any(item["id"] == complaint.pk for item in response.json()["items"])

    else:

        def shows(response: Any) -> bool:
            return f'href="/staff/complaints/{complaint.pk}/"' in response.content.decode()

    endpoint = Endpoint(
        request=Request("get", url),
        permitted=[bureau.office_clerk, bureau.reviewer, bureau.leader],
        no_permission=_people(bureau, NON_READERS),
        constrained=[other_office, bureau.outsider],
        shows=shows,
    )
    _check(client, endpoint, API if api else html_expect())


@pytest.mark.parametrize(("name", "state", "path", "body"), ACTIONS, ids=[a[0] for a in ACTIONS])
@pytest.mark.parametrize("api", [False, True], ids=["page", "api"])
def test_actions_are_the_offices(
    client: Client, bureau: Bureau, other_office: Any, api: bool, name: str, state: str, path: str, body: dict
) -> None:
    complaint = _complaint(bureau, state)
    data = _body(bureau, name, body)
    if api:
        request = Request("post", f"/api/v1/staff/complaints/{complaint.pk}/{path}", data)
    else:
        form = {k: ("" if v is None else v) for k, v in data.items()}
        request = Request("post", f"/staff/complaints/{complaint.pk}/{path}", form, format="form")
    endpoint = Endpoint(
        request=request,
        permitted=[bureau.office_clerk],
        no_permission=[*_people(bureau, NON_READERS), bureau.reviewer, bureau.leader, bureau.supervisor],
        constrained=[other_office],
    )
    _check(client, endpoint, API if api else html_expect())


@pytest.mark.parametrize("api", [False, True], ids=["page", "api"])
def test_handling_notes_are_the_offices_and_the_assignees(
    client: Client, bureau: Bureau, other_office: Any, api: bool
) -> None:
    complaint = _complaint(bureau, ComplaintState.ACCEPTED)
    services.complaint_assign(actor=bureau.office_clerk, complaint=complaint, assignee=bureau.head)
    if api:
        request = Request("post", f"/api/v1/staff/complaints/{complaint.pk}/notes/", {"text": "记录"})
    else:
        request = Request("post", f"/staff/complaints/{complaint.pk}/note/", {"text": "记录"}, format="form")
    endpoint = Endpoint(
        request=request,
        permitted=[bureau.office_clerk, bureau.head],
        no_permission=[bureau.officer, bureau.reviewer, bureau.leader, bureau.supervisor],
        constrained=[other_office],
    )
    _check(client, endpoint, API if api else html_expect())


def test_attachments(client: Client, bureau: Bureau, other_office: Any) -> None:
    complaint = _complaint(bureau, ComplaintState.RECEIVED)
    endpoint = Endpoint(
        request=Request("get", f"/staff/complaints/{complaint.pk}/attachments/1/"),
        permitted=[bureau.office_clerk, bureau.leader],
        no_permission=_people(bureau, NON_READERS),
        constrained=[other_office],
    )
    # A permitted download is itself recorded (blob.download), so the ledger check covers the refusals only.
    endpoint.check(client, expect=html_expect())
    sha = complaint.attachments.get().blob_id
    evidence = Endpoint(
        request=Request("get", f"/api/v1/evidence/blobs/{sha}/"),
        permitted=[bureau.office_clerk],
        no_permission=[bureau.officer, bureau.head],
        constrained=[other_office],
    )
    evidence.check(client, expect=API)
