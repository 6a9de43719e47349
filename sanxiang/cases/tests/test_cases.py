"""Opening a case: officers' eligibility (two, certified, covering the item's category and the place), parties,
persons, recusal and replacement, permissions; a refusal writes nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest

from sanxiang.cases.models import Case, CaseOfficer, CasePerson, Party, RecusalDecision
from sanxiang.cases.processes import PROCESSES
from sanxiang.cases.rules import officer_eligibility
from sanxiang.cases.selectors import access_case, case_officers_short, cases_visible_to
from sanxiang.cases.services import (
    case_officer_add,
    case_open,
    case_recusal_decide,
    case_recusal_request,
)
from sanxiang.conftest import Bureau
from sanxiang.core.errors import InvalidTransition, NotFound, PermissionDenied, ValidationError
from sanxiang.ledger.models import Entry
from sanxiang.org.listing import entry_create
from sanxiang.registry.models import EnforcementItem, Officer
from sanxiang.registry.services import officer_certificate_suspend
from sanxiang.registry.specs import ITEMS
from sanxiang.registry.tests import factories as f

COMPANY = {
    "kind": "organisation",
    "name": "盘锦示例化工有限公司",
    "uscc": "91110000802100433B",
    "phone": "0427-2825000",
}
ADULT_ID = "21110319800101123X"
MINOR_ID = "211103201001011234"


@dataclass
class World:
    bureau: Bureau
    item: EnforcementItem
    wang: Officer
    li: Officer
    zhang: Officer


def _officer(bureau: Bureau, name: str, number: str, **extra: Any) -> Officer:
    data = f.officer_data(bureau, name=name, certificate_number=number, **extra)
    officer: Officer = f.publish("officers", bureau=bureau, data=data)
    return officer


@pytest.fixture
def world(bureau: Bureau) -> World:
    item = f.publish("items", bureau=bureau, data=f.item_data(bureau))
    return World(
        bureau=bureau,
        item=item,
        wang=_officer(bureau, "王建国", "21110320190001"),
        li=_officer(bureau, "李明", "21110320190002"),
        zhang=_officer(bureau, "张伟", "21110320190003"),
    )


def open_case(w: World, **changes: Any) -> Case:
    arguments: dict[str, Any] = {
        "actor": w.bureau.officer,
        "agency": w.bureau.agency,
        "process_key": "penalty-general",
        "item": w.item,
        "title": "某公司未按规定开展安全生产教育和培训案",
        "place_region": "211103",
        "place_address": "盘锦市兴隆台区示例路1号",
        "officers": [w.wang, w.li],
        "parties": [COMPANY],
        **changes,
    }
    return case_open(**arguments)


def _counts() -> tuple[int, ...]:
    return tuple(m.objects.count() for m in (Case, Party, CasePerson, CaseOfficer, Entry))


@contextmanager
def writes_nothing() -> Iterator[None]:
    before = _counts()
    yield
    assert _counts() == before


def refused(w: World, error: type[Exception] = ValidationError, **changes: Any) -> str:
    with writes_nothing(), pytest.raises(error) as caught:
        open_case(w, **changes)
    return str(caught.value)


# --- opening -------------------------------------------------------------------------------------------------------


def test_case_opened_with_two_eligible_officers(world: World) -> None:
    entries = Entry.objects.count()
    case = open_case(
        world,
        parties=[COMPANY, {"kind": "person", "name": "刘示例", "id_number": ADULT_ID, "address": "兴隆台区"}],
        persons=[{"role": "witness", "name": "赵示例", "id_number": ADULT_ID, "note": "车间主任"}],
    )
    process = PROCESSES["penalty-general"]
    assert case.state == process.start
    assert case.process_digest == process.digest
    assert case.number == f"兴应急案〔{case.year}〕1号"
    assert case.opened_by == world.bureau.officer
    assert [row.officer for row in case.officers.order_by("officer__name")] == [world.li, world.wang]
    assert case.parties.count() == 2
    person = case.parties.get(kind="person")
    assert person.birth_date == dt.date(1980, 1, 1)
    assert case.persons.get().name == "赵示例"
    # One entry for the case, one per party, person and officer.
    assert Entry.objects.count() - entries == 1 + 2 + 1 + 2
    actions = list(Entry.objects.filter(subject_type="cases.case").values_list("action", flat=True))
    assert actions == ["case.open"]
    second = open_case(world)
    assert second.number == f"兴应急案〔{case.year}〕2号"
    assert not case_officers_short(case)


def test_refused_with_one_certified_and_one_expired_officer(world: World) -> None:
    expired = _officer(
        world.bureau, "孙过期", "21110320150009", valid_from=dt.date(2015, 1, 1), valid_until=dt.date(2025, 12, 31)
    )
    message = refused(world, officers=[world.wang, expired])
    assert "孙过期的执法证已过期" in message


def test_refused_when_categories_do_not_cover_the_item(world: World) -> None:
    licensing = _officer(world.bureau, "周许可", "21110320190010", categories=["licence"])
    message = refused(world, officers=[world.wang, licensing])
    assert "周许可的执法类别不含行政处罚" in message


def test_refused_when_region_does_not_cover_the_place(world: World) -> None:
    message = refused(world, place_region="211102")
    assert "王建国的执法区域不含 211102" in message
    assert "李明的执法区域不含 211102" in message
    # A city-wide certificate covers every district of the city.
    citywide = _officer(world.bureau, "吴全市", "21110020190011", region="211100")
    assert officer_eligibility(officer=citywide, item=world.item, place_region="211102", on=dt.date(2026, 11, 24)) == []


def test_refused_with_fewer_than_two(world: World) -> None:
    assert "执法人员不得少于2名" in refused(world, officers=[world.wang])
    assert "执法人员不得少于2名" in refused(world, officers=[world.wang, world.wang])


def test_suspended_certificate_refused(world: World) -> None:
    officer_certificate_suspend(actor=world.bureau.reviewer, officer=world.li, reason="涉嫌违规执法")
    assert "李明的执法证已被暂扣" in refused(world)


def test_item_must_be_published_and_match_the_process(world: World) -> None:
    assert "不能按" in refused(world, process_key="inspection")
    assert "没有“nonesuch”这一办案流程" in refused(world, process_key="nonesuch")
    draft = entry_create(
        actor=world.bureau.reviewer, spec=ITEMS, agency=world.bureau.agency, data=f.item_data(world.bureau, code="X-2")
    )
    assert "不是兴隆台区应急管理局已公示的执法事项" in refused(world, item=draft)


# --- parties -------------------------------------------------------------------------------------------------------


def test_bad_uscc_refused_in_chinese(world: World) -> None:
    message = refused(world, parties=[{**COMPANY, "uscc": "91110000802100433C"}])
    assert "当事人盘锦示例化工有限公司：统一社会信用代码校验位错误" in message


def test_bad_id_number_refused_in_chinese(world: World) -> None:
    message = refused(world, parties=[{"kind": "person", "name": "刘示例", "id_number": "211103198001011233"}])
    assert "当事人刘示例：居民身份证号码校验位错误" in message
    assert "须填写至少一名当事人" in refused(world, parties=[])
    assert "不能填写该字段" in refused(world, parties=[{**COMPANY, "secret": "x"}])
    assert "类型应为单位或自然人" in refused(world, parties=[{**COMPANY, "kind": "robot"}])
    assert "身份应为证人或其他人员" in refused(world, persons=[{"role": "judge", "name": "某"}])


def test_minor_detected_by_birth_date(world: World) -> None:
    case = open_case(world, parties=[COMPANY, {"kind": "person", "name": "小明", "id_number": MINOR_ID}])
    minor = case.parties.get(kind="person")
    assert minor.birth_date == dt.date(2010, 1, 1)
    assert minor.is_minor(on=dt.date(2026, 11, 24))
    assert minor.is_minor(on=dt.date(2027, 12, 31))
    assert not minor.is_minor(on=dt.date(2028, 1, 1))
    assert not case.parties.get(kind="organisation").is_minor(on=dt.date(2026, 11, 24))


# --- recusal and replacement ---------------------------------------------------------------------------------------


def test_recusal_request_decision_and_replacement(world: World) -> None:
    b = world.bureau
    case = open_case(world)
    with pytest.raises(PermissionDenied):
        case_recusal_request(actor=b.office_clerk, case=case, officer=world.li, reason="亲属")
    row = case_recusal_request(
        actor=b.officer, case=case, officer=world.li, reason="与当事人法定代表人系亲属", applicant="当事人"
    )
    assert row.recusal_pending
    with pytest.raises(InvalidTransition):
        case_recusal_request(actor=b.officer, case=case, officer=world.li, reason="再次申请")
    with pytest.raises(PermissionDenied):
        case_recusal_decide(actor=b.officer, case=case, officer=world.li, approve=True, note="")
    row = case_recusal_decide(actor=b.head, case=case, officer=world.li, approve=True, note="情况属实")
    assert row.recusal_decision == RecusalDecision.APPROVE
    assert not row.active
    assert case_officers_short(case)
    # The replacement passes the same checks as at opening.
    licensing = _officer(b, "周许可", "21110320190010", categories=["licence"])
    with writes_nothing(), pytest.raises(ValidationError, match="周许可的执法类别不含行政处罚"):
        case_officer_add(actor=b.head, case=case, officer=licensing)
    with pytest.raises(ValidationError, match="已在本案回避"):
        case_officer_add(actor=b.head, case=case, officer=world.li)
    with pytest.raises(PermissionDenied):
        case_officer_add(actor=b.officer, case=case, officer=world.zhang)
    case_officer_add(actor=b.leader, case=case, officer=world.zhang)
    assert not case_officers_short(case)
    with pytest.raises(ValidationError, match="已是本案的执法人员"):
        case_officer_add(actor=b.head, case=case, officer=world.zhang)


def test_refused_recusal_needs_a_reason_and_keeps_the_officer(world: World) -> None:
    b = world.bureau
    case = open_case(world)
    with pytest.raises(ValidationError, match="须说明回避理由"):
        case_recusal_request(actor=b.officer, case=case, officer=world.wang, reason=" ")
    case_recusal_request(actor=b.officer, case=case, officer=world.wang, reason="本人提出")
    with pytest.raises(ValidationError, match="不予回避须说明理由"):
        case_recusal_decide(actor=b.leader, case=case, officer=world.wang, approve=False, note="")
    row = case_recusal_decide(actor=b.leader, case=case, officer=world.wang, approve=False, note="理由不成立")
    assert row.active and row.recusal_decision == RecusalDecision.REFUSE
    with pytest.raises(InvalidTransition):
        case_recusal_decide(actor=b.leader, case=case, officer=world.wang, approve=True, note="")
    with pytest.raises(ValidationError, match="张伟不是本案的执法人员"):
        case_recusal_request(actor=b.officer, case=case, officer=world.zhang, reason="x")


# --- permissions and visibility ------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["outsider", "office_clerk", "supervisor", "reviewer"])
def test_who_may_not_open(world: World, persona: str) -> None:
    refused(world, PermissionDenied, actor=getattr(world.bureau, persona))


def test_head_may_open_and_visibility_is_agency_scoped(world: World) -> None:
    b = world.bureau
    case = open_case(world, actor=b.head)
    assert list(cases_visible_to(b.officer)) == [case]
    assert list(cases_visible_to(b.supervisor)) == [case]  # supervises the bureau: reads, cannot open
    assert list(cases_visible_to(b.outsider)) == []
    assert access_case(user=b.officer, case_id=case.pk) == case
    for user, case_id in ((b.outsider, case.pk), (b.officer, case.pk + 1000), (b.officer, "x")):
        with pytest.raises(NotFound):
            access_case(user=user, case_id=case_id)
