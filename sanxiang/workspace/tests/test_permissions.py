"""Every staff URL: anonymous → login, no role → 403, another agency's entry → 404, the permitted persona → OK."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import reverse

from sanxiang.conftest import client_for
from sanxiang.core.models import PublicationStatus
from sanxiang.core.testing import Endpoint, Request, html_expect
from sanxiang.ledger.models import Entry
from sanxiang.registry import services
from sanxiang.registry.models import Device, EnforcementItem, Officer
from sanxiang.registry.specs import ALL_LISTS
from sanxiang.workspace.tests.permissions import STAFF_URLCONFS, StaffUrl, route_names


def fixed(*args: object) -> Callable[[Any, Any], list[Any]]:
    return lambda bureau, entries: list(args)


def ITEM(bureau: Any, entries: Any) -> list[Any]:
    return ["items", entries.item.pk]


def OFFICER(bureau: Any, entries: Any) -> list[Any]:
    return [entries.officer.pk]


@pytest.fixture(autouse=True)
def devices(request: Any) -> None:
    """Body cameras in three states, made before the test measures the ledger (the route table names them)."""
    if "entries" not in request.fixturenames:
        return
    bureau, entries = request.getfixturevalue("bureau"), request.getfixturevalue("entries")
    clerk = bureau.office_clerk
    made = [
        services.device_register(
            actor=clerk, agency=bureau.agency, data={"asset_number": number, "model_name": "DSJ-A8"}
        )
        for number in ("JLY-001", "JLY-002", "JLY-003")
    ]
    services.device_assign(actor=clerk, device=made[1], officer=entries.officer)
    services.device_repair(actor=clerk, device=made[2], reason="屏幕损坏")


def _device(number: str) -> Callable[[Any, Any], list[Any]]:
    return lambda bureau, entries: [Device.objects.get(asset_number=number).pk]


DEVICE, ASSIGNED, REPAIRING = _device("JLY-001"), _device("JLY-002"), _device("JLY-003")


@dataclass(frozen=True)
class AssignUrl(StaffUrl):
    """Assigning names the officer by id, known only once the fixtures exist."""

    def request(self, bureau: Any, entries: Any) -> Request:
        return Request(self.method, self.url(bureau, entries), {"officer": entries.officer.pk}, format="form")


DEVICE_POST: dict[str, Any] = {"method": "post", "permitted": "office_clerk", "permitted_status": (302,)}


@pytest.fixture(autouse=True)
def a_case(request: Any, devices: None) -> None:
    """A case at its opening step, on the published item, with the published officer and a second one (neither is
    an account of the ``bureau`` personas, so the officer persona is not on the case)."""
    if "entries" not in request.fixturenames:
        return
    from sanxiang.cases.services import case_open
    from sanxiang.registry.specs import OFFICERS
    from sanxiang.registry.tests.conftest import officer_data, publish

    bureau, entries = request.getfixturevalue("bureau"), request.getfixturevalue("entries")
    second = services.entry_create(
        actor=bureau.reviewer,
        spec=OFFICERS,
        agency=bureau.agency,
        data=officer_data(bureau, name="李执法", certificate_number="21110300003"),
    )
    second = publish(OFFICERS, second, bureau.reviewer, bureau.reviewer)
    case_open(
        actor=bureau.head,
        agency=bureau.agency,
        process_key="penalty-general",
        item=entries.item,
        title="未建立事故隐患排查治理制度案",
        place_region="211103",
        place_address="盘锦市兴隆台区示例路1号",
        officers=[entries.officer, second],
        parties=[{"kind": "organisation", "name": "盘锦示例化工有限公司", "uscc": "91110000802100433B"}],
    )


def CASE(bureau: Any, entries: Any) -> list[Any]:
    from sanxiang.cases.models import Case

    return [Case.objects.get(title="未建立事故隐患排查治理制度案").pk]


STAFF_URLS = [
    StaffUrl("home"),
    *[StaffUrl("entry_list", fixed(key)) for key in ALL_LISTS],
    StaffUrl("entry_create", fixed("items")),
    StaffUrl("entry_create", fixed("complaint-channels"), permitted="office_clerk"),
    StaffUrl("entry_detail", ITEM, object_url=True),
    StaffUrl("entry_detail", lambda b, e: ["agencies", b.agency.pk], object_url=True),
    StaffUrl("entry_edit", ITEM, permitted="head", object_url=True),
    StaffUrl("entry_import", fixed("items")),
    StaffUrl("entry_export", fixed("officers"), permitted="officer"),
    StaffUrl(
        "entry_submit",
        lambda b, e: ["complaint-channels", e.channel.pk],
        method="post",
        permitted="office_clerk",
        permitted_status=(302,),
        object_url=True,
    ),
    StaffUrl("entry_approve", ITEM, method="post", permitted_status=(302,), object_url=True),
    StaffUrl(
        "entry_return", ITEM, method="post", data={"note": "依据条款有误"}, permitted_status=(302,), object_url=True
    ),
    StaffUrl(
        "entry_withdraw", ITEM, method="post", data={"reason": "职责调整"}, permitted_status=(302,), object_url=True
    ),
    StaffUrl(
        "officer_suspend", OFFICER, method="post", data={"reason": "涉嫌违纪"}, permitted_status=(302,), object_url=True
    ),
    StaffUrl(
        "officer_revoke",
        OFFICER,
        method="post",
        data={"reason": "调离执法岗位"},
        permitted_status=(302,),
        object_url=True,
    ),
    StaffUrl(
        "officer_reinstate",
        lambda b, e: [e.suspended.pk],
        method="post",
        data={"reason": "调查结束"},
        permitted_status=(302,),
        object_url=True,
    ),
    StaffUrl(
        "officer_annual_review",
        OFFICER,
        method="post",
        data={"year": "2025", "passed": "1"},
        permitted_status=(302,),
        object_url=True,
    ),
    StaffUrl(
        "agency_district_review",
        lambda b, e: [e.entrusted.pk],
        method="post",
        data={"reference": "兴司审〔2026〕1号"},
        permitted_status=(302,),
        object_url=True,
    ),
    StaffUrl("processes", permitted="officer"),
    StaffUrl("device_list", permitted="officer"),
    StaffUrl("device_register", data={"asset_number": "JLY-100", "model_name": "DSJ-A8"}, **DEVICE_POST),
    StaffUrl("device_detail", DEVICE, permitted="officer", object_url=True),
    AssignUrl("device_assign", DEVICE, object_url=True, **DEVICE_POST),
    StaffUrl("device_return", ASSIGNED, data={"reason": "任务结束"}, object_url=True, **DEVICE_POST),
    StaffUrl("device_repair", DEVICE, data={"reason": "屏幕损坏"}, object_url=True, **DEVICE_POST),
    StaffUrl("device_repaired", REPAIRING, object_url=True, **DEVICE_POST),
    StaffUrl("device_retire", DEVICE, data={"reason": "电池老化"}, object_url=True, **DEVICE_POST),
    StaffUrl("case_tasks", permitted="officer"),
    StaffUrl("case_list", permitted="officer"),
    StaffUrl("case_open", permitted="officer"),
    StaffUrl("case_detail", CASE, permitted="officer", object_url=True),
    # an open case has no case file yet: back to its page with the reason
    StaffUrl("case_file_download", CASE, permitted="officer", permitted_status=(302,), object_url=True),
    StaffUrl(
        "case_action",
        lambda b, e: [*CASE(b, e), "approve"],
        method="post",
        data={"note": "同意立案"},
        permitted="head",
        permitted_status=(302,),
        object_url=True,
    ),
]


def test_the_suite_covers_every_staff_route():
    names = set().union(*(route_names(urlconf) for urlconf in STAFF_URLCONFS.values()))
    assert names - {"login", "logout"} == {u.name for u in STAFF_URLS}


def ledger_size() -> int:
    return Entry.objects.count()


@pytest.mark.parametrize("staff_url", STAFF_URLS, ids=lambda u: u.id)
def test_permission_suite(client, bureau, entries, nobody, staff_url: StaffUrl):
    """Anonymous → login; no role, or only reading → refused; another agency → refused; the permitted persona → OK.

    Refused requests write nothing (the ledger does not grow)."""
    writes = staff_url.method == "post" or staff_url.name in ("entry_create", "entry_edit", "entry_import")
    Endpoint(
        request=staff_url.request(bureau, entries),
        permitted=[getattr(bureau, staff_url.permitted)],
        no_permission=[nobody, bureau.officer] if writes else [nobody],
        constrained=[bureau.outsider] if staff_url.object_url else [],
    ).check(client, expect=html_expect(), unchanged=ledger_size)


@pytest.mark.parametrize("staff_url", STAFF_URLS, ids=lambda u: u.id)
def test_user_without_a_role_gets_403(bureau, entries, nobody, staff_url: StaffUrl):
    response = staff_url.request(bureau, entries).send(client_for(nobody))
    assert response.status_code == 403
    assert "没有分配任何角色" in response.content.decode()


@pytest.mark.parametrize("staff_url", [u for u in STAFF_URLS if u.object_url], ids=lambda u: u.id)
def test_another_agencys_entry_is_404(bureau, entries, staff_url: StaffUrl):
    response = staff_url.request(bureau, entries).send(client_for(bureau.outsider))
    assert response.status_code == 404


@pytest.mark.parametrize("staff_url", STAFF_URLS, ids=lambda u: u.id)
def test_permitted_status(bureau, entries, staff_url: StaffUrl):
    response = staff_url.request(bureau, entries).send(client_for(getattr(bureau, staff_url.permitted)))
    assert response.status_code in staff_url.permitted_status


WRITE_URLS = [u for u in STAFF_URLS if u.method == "post" or u.name in ("entry_create", "entry_edit", "entry_import")]


@pytest.mark.parametrize("staff_url", WRITE_URLS, ids=lambda u: u.id)
def test_an_officer_of_the_agency_may_read_but_not_write(bureau, entries, staff_url: StaffUrl):
    """A role in the agency is not enough to change its lists: the services refuse and nothing is written."""
    before = Entry.objects.count()
    response = staff_url.request(bureau, entries).send(client_for(bureau.officer))
    assert response.status_code in (403, 404)
    if response.status_code == 403:
        assert "无权操作" in response.content.decode()  # the reason, in the workspace's frame
    assert Entry.objects.count() == before
    entries.officer.refresh_from_db()
    assert entries.officer.suspended_at is None and entries.officer.revoked_at is None


def test_hidden_buttons_match_the_services(bureau, entries):
    """An officer sees the entry but no workflow buttons; the reviewer sees approve / return / withdraw."""
    pk = entries.item.pk
    url = reverse("registry:entry_detail", args=["items", pk])
    actions = [
        reverse(f"registry:entry_{name}", args=["items", pk]) for name in ("approve", "return", "withdraw", "edit")
    ]
    officer_page = client_for(bureau.officer).get(url).content.decode()
    assert entries.item.name in officer_page
    assert not [a for a in actions if a in officer_page]
    reviewer_page = client_for(bureau.reviewer).get(url).content.decode()
    assert [a for a in actions if a in reviewer_page] == actions


def test_supervisor_reads_the_supervised_agency_but_cannot_act(bureau, entries):
    client = client_for(bureau.supervisor)
    url = f"/staff/lists/items/?agency={bureau.agency.pk}"
    assert entries.item.name in client.get(url).content.decode()
    response = client.post(f"/staff/officers/{entries.officer.pk}/suspend/", {"reason": "x"})
    assert response.status_code == 403
    assert Officer.objects.get(pk=entries.officer.pk).suspended_at is None
    assert entries.item.status == PublicationStatus.PUBLISHED


def test_a_refusal_says_why_in_chinese(bureau, entries):
    response = client_for(bureau.office_clerk).post(reverse("registry:entry_approve", args=["items", entries.item.pk]))
    assert response.status_code == 403
    assert "只有法规科审核人员可以审核公示内容" in response.content.decode()
    assert EnforcementItem.objects.get(pk=entries.item.pk).pending is not None
