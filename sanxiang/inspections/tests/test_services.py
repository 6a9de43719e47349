"""The random-inspection services through the database: the target pool, plans, the inspector pool on the draw's
date, conflicts and recusals, the yearly cap, the commitment and the draw (tampering, the committed day, the
observer's value, cancellation, understaffed targets) and the inspection cases a draw opens."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from sanxiang.cases.models import Case, CaseOfficer, Party
from sanxiang.cases.services import case_recusal_decide, case_recusal_request
from sanxiang.conftest import make_user
from sanxiang.core.errors import InvalidTransition, PermissionDenied, ValidationError
from sanxiang.inspections import draw as drawing
from sanxiang.inspections import services
from sanxiang.inspections.models import Conflict, Draw, DrawnTarget, DrawSecret, DrawState, SamplingPlan, Target
from sanxiang.inspections.services import (
    conflict_add,
    draw_cancel,
    draw_commit,
    draw_document,
    draw_verify,
    eligible_officers,
    inspector_snapshot,
    plan_create,
    plan_publish,
    target_remove,
    target_save,
)
from sanxiang.inspections.tests.conftest import InspectionWorld, make_uscc, target_data
from sanxiang.inspections.tests.helpers import (  # noqa: F401 - evidence_in_tmp is an autouse fixture
    EVERY_CLASS,
    actions,
    add_officer,
    barred,
    commit_and_draw,
    company,
    evidence_in_tmp,
    perform,
    today_plus,
)
from sanxiang.ledger.evidence import evidence_storage
from sanxiang.ledger.models import Entry
from sanxiang.org.listing import entry_create, entry_withdraw
from sanxiang.org.models import Role
from sanxiang.registry.services import officer_certificate_revoke, officer_certificate_suspend
from sanxiang.registry.specs import ALL_LISTS
from sanxiang.registry.tests import factories as f

SCRIPT = Path(__file__).resolve().parents[3] / "docs" / "draw_verify.py"


def messages(exc: pytest.ExceptionInfo[Any]) -> str:
    return str(exc.value)


def by_serial(w: InspectionWorld, serial: int) -> Target:
    return w.targets[serial - 1]


# --- the target pool -------------------------------------------------------------------------------------------


def _wrong_check_digit(code: str) -> str:
    return code[:17] + ("0" if code[17] != "0" else "1")


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (lambda d: {**d, "uscc": _wrong_check_digit(d["uscc"])}, "uscc", "统一社会信用代码校验位错误"),
        (lambda d: {**d, "uscc": d["uscc"][:17]}, "uscc", "统一社会信用代码应为18位"),
        (lambda d: {**d, "region": "2111"}, "region", "应为6位数字"),
        (lambda d: {**d, "risk": "E"}, "risk", "风险分类应为 A、B、C 或 D"),
        (lambda d: {**d, "name": "  "}, "name", "须填写名称"),
        (lambda d: {**d, "owner": "某人"}, "owner", "不能填写该字段"),
    ],
    ids=["check-digit", "length", "region", "risk", "name", "unknown-field"],
)
def test_target_save_refuses_bad_input_in_chinese_and_writes_nothing(inspection_world, change, field, message):
    w = inspection_world
    data = change(target_data(100))
    before = (Target.objects.count(), Entry.objects.count())
    with pytest.raises(ValidationError) as refused:
        target_save(actor=w.bureau.officer, agency=w.bureau.agency, data=data)
    assert message in " ".join(refused.value.errors[field])
    assert (Target.objects.count(), Entry.objects.count()) == before


def test_the_check_digit_is_checked_not_only_the_shape(inspection_world):
    w = inspection_world
    good = target_data(101)
    target, created = target_save(actor=w.bureau.officer, agency=w.bureau.agency, data=good)
    assert created and target.uscc == good["uscc"]
    bad = {**target_data(102), "uscc": _wrong_check_digit(make_uscc(102))}
    with pytest.raises(ValidationError):
        target_save(actor=w.bureau.officer, agency=w.bureau.agency, data=bad)
    assert not Target.objects.filter(uscc=bad["uscc"]).exists()


def test_same_uscc_updates_the_target_with_one_entry_and_an_unchanged_save_writes_none(inspection_world):
    w = inspection_world
    target = by_serial(w, 5)
    data = target_data(5)
    count = Target.objects.count()
    # Lower case and surrounding spaces are the same code.
    same, changed = target_save(
        actor=w.bureau.officer, agency=w.bureau.agency, data={**data, "uscc": f" {data['uscc'].lower()} "}
    )
    assert (same.pk, changed) == (target.pk, False)
    assert Entry.objects.filter(action="target.update", subject_id=str(target.pk)).count() == 0

    updated, changed = target_save(
        actor=w.bureau.office_clerk, agency=w.bureau.agency, data={**data, "risk": "d", "name": "盘锦新名有限公司"}
    )
    assert changed and updated.pk == target.pk and Target.objects.count() == count
    target.refresh_from_db()
    assert (target.risk, target.name) == ("D", "盘锦新名有限公司")
    updates = Entry.objects.filter(action="target.update", subject_id=str(target.pk))
    assert updates.count() == 1 and updates.get().actor_id == w.bureau.office_clerk.pk


def test_target_remove_keeps_the_row_and_the_next_snapshot_leaves_it_out(inspection_world):
    w = inspection_world
    target = by_serial(w, 4)
    with pytest.raises(ValidationError) as refused:
        target_remove(actor=w.bureau.officer, target=target, reason=" ")
    assert "须填写移出名录库的原因" in messages(refused)
    target_remove(actor=w.bureau.officer, target=target, reason="已注销")
    target.refresh_from_db()
    assert not target.active and Target.objects.filter(pk=target.pk).exists()
    assert Entry.objects.filter(action="target.remove", subject_id=str(target.pk)).get().note == "已注销"
    with pytest.raises(InvalidTransition):
        target_remove(actor=w.bureau.officer, target=target, reason="再次移出")

    draw = draw_commit(actor=w.bureau.head, plan=w.plan(classes=EVERY_CLASS))
    snapshot = services.load_snapshot(draw.targets_sha256)
    assert target.uscc not in {t["id"] for t in snapshot} and draw.target_count == 11
    # Saved again, it is back in the pool.
    _, changed = target_save(actor=w.bureau.officer, agency=w.bureau.agency, data=target_data(4))
    assert changed and target.uscc in {t["id"] for t in services.target_snapshot(w.bureau.agency)}


@pytest.mark.parametrize("who", ["supervisor", "outsider", "reviewer"])
def test_only_pool_keepers_of_the_agency_write_the_pool(inspection_world, who):
    w = inspection_world
    actor = getattr(w.bureau, who)
    before = (Target.objects.count(), Entry.objects.count())
    with pytest.raises(PermissionDenied) as refused:
        target_save(actor=actor, agency=w.bureau.agency, data=target_data(200))
    assert "检查对象名录库" in messages(refused)
    with pytest.raises(PermissionDenied):
        target_remove(actor=actor, target=by_serial(w, 1), reason="移出")
    assert (Target.objects.count(), Entry.objects.count()) == before
    assert Target.objects.get(pk=by_serial(w, 1).pk).active


# --- plans -----------------------------------------------------------------------------------------------------


def test_an_unpublished_inspection_item_cannot_be_planned(inspection_world):
    w = inspection_world
    draft = entry_create(
        actor=w.bureau.reviewer,
        spec=ALL_LISTS["inspection-items"],
        agency=w.bureau.agency,
        data=f.inspection_item_data(code="SJ-002", name="烟花爆竹经营单位安全条件检查"),
    )
    before = (SamplingPlan.objects.count(), Entry.objects.count())
    with pytest.raises(ValidationError) as refused:
        w.plan(items=[w.item.pk, draft.pk])
    assert "只能对已公示的抽查事项制定计划" in messages(refused) and "烟花爆竹经营单位安全条件检查" in messages(refused)
    assert (SamplingPlan.objects.count(), Entry.objects.count()) == before


def test_an_item_withdrawn_after_the_plan_was_published_blocks_the_commitment(inspection_world):
    w = inspection_world
    plan = w.plan()
    entry_withdraw(actor=w.bureau.reviewer, spec=ALL_LISTS["inspection-items"], obj=w.item, reason="事项调整")
    with pytest.raises(ValidationError) as refused:
        draw_commit(actor=w.bureau.head, plan=plan)
    assert "已不在公示中，不能抽取" in messages(refused)
    assert not Draw.objects.exists() and not DrawSecret.objects.exists()


def test_a_draft_plan_cannot_be_published_once_its_item_is_withdrawn(inspection_world):
    w = inspection_world
    plan = w.plan(publish=False)
    entry_withdraw(actor=w.bureau.reviewer, spec=ALL_LISTS["inspection-items"], obj=w.item, reason="事项调整")
    with pytest.raises(ValidationError) as refused:
        plan_publish(actor=w.bureau.head, plan=plan)
    assert "不能公布计划" in messages(refused)
    plan.refresh_from_db()
    assert plan.state == "draft"


@pytest.mark.parametrize("kind", ["penalty", "licence"])
def test_the_case_item_must_be_a_published_inspection_item(inspection_world, kind):
    w = inspection_world
    with pytest.raises(ValidationError) as refused:
        w.plan(case_item=w.cases.items[kind].pk)
    assert "不是已公示的行政检查类执法事项" in " ".join(refused.value.errors["case_item"])
    entry_withdraw(actor=w.bureau.reviewer, spec=ALL_LISTS["items"], obj=w.cases.items["inspection"], reason="事项调整")
    with pytest.raises(ValidationError) as refused:
        w.plan()
    assert "不是已公示的行政检查类执法事项" in " ".join(refused.value.errors["case_item"])
    assert not SamplingPlan.objects.exists()


@pytest.mark.parametrize(
    ("classes", "field"),
    [
        ([{"risk": "A", "ratio": "1.5"}], "classes"),
        ([{"risk": "A", "count": -1}], "classes"),
        ([{"risk": "A", "count": 1}, {"risk": "A", "count": 2}], "classes"),
        ([{"risk": "A", "ratio": 0.5}], "classes"),
        ([{"risk": "E", "count": 1}], "classes"),
        ([], "classes"),
    ],
    ids=["ratio-over-1", "negative-count", "duplicate-class", "float-ratio", "unknown-class", "none"],
)
def test_bad_quotas_are_refused_in_chinese(inspection_world, classes, field):
    w = inspection_world
    before = (SamplingPlan.objects.count(), Entry.objects.count())
    with pytest.raises(ValidationError) as refused:
        w.plan(classes=classes)
    text = " ".join(refused.value.errors[field])
    assert any("\u4e00" <= ch <= "\u9fff" for ch in text), text
    assert (SamplingPlan.objects.count(), Entry.objects.count()) == before


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"items": ["abc"]}, "items", "抽查事项应为本机构随机抽查事项清单中的事项"),
        ({"items": ["²"]}, "items", "抽查事项应为本机构随机抽查事项清单中的事项"),
        ({"items": []}, "items", "须选择至少一个抽查事项"),
        ({"items": [999999]}, "items", "抽查事项应为本机构随机抽查事项清单中的事项"),
        ({"classes": ["A"]}, "classes", "风险类别应为 A、B、C 或 D"),
        ({"classes": [{"risk": "A"}]}, "classes", ""),
        ({"case_item": "abc"}, "case_item", "须选择本机构的行政检查类执法事项"),
        ({"regions": ["2111"]}, "regions", "应为6位数字"),
        ({"year": "明年"}, "year", "年度应为四位数字"),
    ],
    ids=[
        "item-text",
        "item-superscript",
        "no-item",
        "unknown-item",
        "class-text",
        "no-quota",
        "case-item",
        "region",
        "year",
    ],
)
def test_malformed_plans_are_refused_in_chinese_not_with_a_crash(inspection_world, change, field, message):
    # items "abc" raised ValueError and a class that is not an object AttributeError before the fix.
    w = inspection_world
    before = (SamplingPlan.objects.count(), Entry.objects.count())
    with pytest.raises(ValidationError) as refused:
        w.plan(**change)
    text = " ".join(refused.value.errors[field])
    assert message in text and any("\u4e00" <= ch <= "\u9fff" for ch in text)
    assert (SamplingPlan.objects.count(), Entry.objects.count()) == before


def test_another_agencys_item_cannot_be_planned(inspection_world):
    w = inspection_world
    reviewer = make_user("reviewer2", w.bureau.other_agency, Role.LEGAL_REVIEWER)
    other = f.publish(
        "inspection-items",
        bureau=SimpleNamespace(reviewer=reviewer),
        agency=w.bureau.other_agency,
        data=f.inspection_item_data(code="SJ-9"),
    )
    assert other.is_published
    with pytest.raises(ValidationError) as refused:
        w.plan(items=[w.item.pk, other.pk])
    assert "抽查事项应为本机构随机抽查事项清单中的事项" in messages(refused)


def test_fewer_than_two_inspectors_per_target_is_refused(inspection_world):
    with pytest.raises(ValidationError) as refused:
        inspection_world.plan(inspectors_per_target=1)
    assert "每户检查人员不得少于2名" in messages(refused)


@pytest.mark.parametrize("who", ["officer", "reviewer", "office_clerk", "supervisor", "outsider"])
def test_only_planners_create_and_publish_plans(inspection_world, who):
    w = inspection_world
    actor = getattr(w.bureau, who)
    draft = w.plan(publish=False)
    data = {
        "code": "SJJH-X",
        "title": "计划",
        "year": 2026,
        "items": [w.item.pk],
        "case_item": w.cases.items["inspection"].pk,
        "classes": [{"risk": "A", "count": 1}],
        "frequency": "每年一次",
    }
    before = (SamplingPlan.objects.count(), Entry.objects.count())
    with pytest.raises(PermissionDenied):
        plan_create(actor=actor, agency=w.bureau.agency, data=data)
    with pytest.raises(PermissionDenied):
        plan_publish(actor=actor, plan=draft)
    assert (SamplingPlan.objects.count(), Entry.objects.count()) == before
    draft.refresh_from_db()
    assert draft.state == "draft"
    # The leader may.
    assert plan_publish(actor=w.bureau.leader, plan=draft).state == "published"
    with pytest.raises(InvalidTransition):
        plan_publish(actor=w.bureau.leader, plan=draft)


def test_a_draft_plan_cannot_be_committed(inspection_world):
    w = inspection_world
    plan = w.plan(publish=False)
    with pytest.raises(ValidationError) as refused:
        draw_commit(actor=w.bureau.head, plan=plan)
    assert "只有已公布的抽查计划可以抽取" in messages(refused)
    assert not Draw.objects.exists()


@pytest.mark.parametrize("who", ["reviewer", "supervisor", "outsider", "leader"])
def test_only_drawers_commit(inspection_world, who):
    w = inspection_world
    plan = w.plan()
    with pytest.raises(PermissionDenied):
        draw_commit(actor=getattr(w.bureau, who), plan=plan)
    assert not Draw.objects.exists()


# --- the inspector pool on the draw's date ------------------------------------------------------------------------


def test_the_inspector_pool_is_the_valid_covering_officers_on_the_draw_date(inspection_world):
    w = inspection_world
    b = w.bureau
    expiring = add_officer(w, "吴五", "21110320199001", valid_until=today_plus(5))
    suspended = add_officer(w, "郑六", "21110320199002")
    officer_certificate_suspend(actor=b.reviewer, officer=suspended, reason="涉嫌违纪")
    revoked = add_officer(w, "冯七", "21110320199003")
    officer_certificate_revoke(actor=b.reviewer, officer=revoked, reason="调离执法岗位")
    draft = add_officer(w, "陈八", "21110320199004", publish=False)
    withdrawn = add_officer(w, "褚九", "21110320199005")
    entry_withdraw(actor=b.reviewer, spec=ALL_LISTS["officers"], obj=withdrawn, reason="调离")
    no_inspection = add_officer(w, "卫十", "21110320199006")
    no_inspection.categories = ["penalty"]
    no_inspection.save(update_fields=["categories"])  # a certificate without 行政检查 (set directly: fixture only)
    elsewhere = add_officer(w, "蒋十一", "21110320199007", region="211200")
    never = {o.certificate_number for o in (suspended, revoked, draft, withdrawn, no_inspection)}

    plan = w.plan(classes=EVERY_CLASS)
    today = {o.certificate_number for o in eligible_officers(plan, today_plus(0))}
    later = {o.certificate_number for o in eligible_officers(plan, today_plus(10))}
    assert not never & (today | later)
    assert expiring.certificate_number in today and expiring.certificate_number not in later
    assert {o.certificate_number for o in w.officers} <= today & later

    # The commitment for a later day takes that day's pool.
    future = draw_commit(actor=b.head, plan=plan, draw_on=today_plus(10))
    assert future.draw_on == today_plus(10)
    pool = {i["id"]: i["regions"] for i in services.load_snapshot(future.inspectors_sha256)}
    assert expiring.certificate_number not in pool and not never & set(pool)
    # An officer whose region covers none of the pool's places is in the pool with no region: never drawn.
    assert pool[elsewhere.certificate_number] == []
    assert pool[w.officers[4].certificate_number] == ["211102"]  # 孙三 (211102)
    assert pool[w.officers[2].certificate_number] == ["211102", "211103"]  # 赵一 (211100 covers both)

    # Today's draw, of every target: nobody outside the pool, nobody outside their region.
    draw = commit_and_draw(w, plan)
    pool = {i["id"]: i["regions"] for i in services.load_snapshot(draw.inspectors_sha256)}
    assert expiring.certificate_number in pool
    regions = {t.uscc: t.region for t in w.targets}
    for row in draw.selection:
        assert not never & set(row["inspectors"])
        assert elsewhere.certificate_number not in row["inspectors"]
        for cert in row["inspectors"]:
            assert regions[row["target"]] in pool[cert]
    assert len(draw.selection) == 12


def test_inspector_snapshot_lists_only_covered_pool_regions(inspection_world):
    w = inspection_world
    snap = inspector_snapshot(w.officers, ["211103", "211102", "211103"])
    regions = {i["id"]: i["regions"] for i in snap}
    assert regions[w.cases.wang.certificate_number] == ["211103"]
    assert regions[w.officers[5].certificate_number] == ["211102", "211103"]  # 周四 (211100)
    assert [i["id"] for i in snap] == sorted(regions)


# --- conflicts and recusals ------------------------------------------------------------------------------------


def recuse(w: InspectionWorld, target: Target, officer: Any) -> Case:
    """An approved recusal of ``officer`` from a (penalty) case whose party is ``target``."""
    case = w.cases.open(parties=[company(target)], officers=[w.cases.wang, w.cases.li, officer])
    case_recusal_request(actor=w.bureau.officer, case=case, officer=officer, reason="与当事人有利害关系")
    case_recusal_decide(actor=w.bureau.head, case=case, officer=officer, approve=True, note="同意回避")
    return case


def test_conflicts_and_approved_recusals_are_in_the_plan_and_never_drawn_together(inspection_world):
    w = inspection_world
    wang, li, zhao = w.officers[0], w.officers[1], w.officers[2]
    target = by_serial(w, 4)  # risk A, region 211103: wang, li, 赵一, 钱二, 周四 cover it
    conflict_add(actor=w.bureau.head, officer=wang, target=target, reason="其配偶在该公司任职")
    conflict_add(actor=w.bureau.leader, officer=zhao, target=target, reason="曾在该公司任职")
    recuse(w, target, li)
    # A recusal not approved does not count.
    other = by_serial(w, 8)
    case = w.cases.open(parties=[company(other)])
    case_recusal_request(actor=w.bureau.officer, case=case, officer=li, reason="申请回避")
    case_recusal_decide(actor=w.bureau.head, case=case, officer=li, approve=False, note="理由不成立")

    plan = w.plan(classes=[{"risk": "A", "ratio": "1"}])
    draw = draw_commit(actor=w.bureau.head, plan=plan)
    pairs = barred(draw.plan_document)
    assert pairs == {
        (wang.certificate_number, target.uscc),
        (zhao.certificate_number, target.uscc),
        (li.certificate_number, target.uscc),
    }
    draw = perform(w, draw)
    assert target.uscc in [row["target"] for row in draw.selection]
    for row in draw.selection:
        assert not {(cert, row["target"]) for cert in row["inspectors"]} & pairs
    # Only 钱二 and 周四 remain for that target.
    chosen = next(row["inspectors"] for row in draw.selection if row["target"] == target.uscc)
    assert sorted(chosen) == sorted([w.officers[3].certificate_number, w.officers[5].certificate_number])
    assert draw_verify(draw).ok


def test_conflict_add_refuses_duplicates_blank_reasons_other_agencies_and_non_planners(inspection_world):
    w = inspection_world
    target = by_serial(w, 1)
    conflict_add(actor=w.bureau.head, officer=w.officers[0], target=target, reason="亲属")
    with pytest.raises(ValidationError) as refused:
        conflict_add(actor=w.bureau.head, officer=w.officers[0], target=target, reason="亲属")
    assert "已登记" in messages(refused)
    with pytest.raises(ValidationError) as refused:
        conflict_add(actor=w.bureau.head, officer=w.officers[1], target=target, reason=" ")
    assert "须填写回避事由" in messages(refused)
    with pytest.raises(PermissionDenied):
        conflict_add(actor=w.bureau.officer, officer=w.officers[1], target=target, reason="亲属")
    assert Conflict.objects.count() == 1


# --- the yearly cap ---------------------------------------------------------------------------------------------


def test_a_target_inspected_up_to_the_cap_this_year_is_not_drawn_and_the_cap_is_a_setting(inspection_world, settings):
    w = inspection_world
    capped = by_serial(w, 8)  # risk A
    for _ in range(2):
        w.cases.open("inspection", parties=[company(capped)], title="日常检查")
    w.cases.open("penalty-general", parties=[company(by_serial(w, 4))])  # not an inspection: does not count
    plan = w.plan(classes=[{"risk": "A", "ratio": "1"}])

    draw = commit_and_draw(w, plan)
    assert [capped.uscc, 2] in draw.plan_document["inspected_this_year"]
    assert draw.plan_document["yearly_cap"] == 2
    assert by_serial(w, 4).uscc not in dict(draw.plan_document["inspected_this_year"])
    selected = [row["target"] for row in draw.selection]
    assert capped.uscc not in selected and sorted(selected) == sorted([by_serial(w, 4).uscc, by_serial(w, 12).uscc])

    settings.SANXIANG_INSPECTION_YEARLY_CAP = 3
    draw = commit_and_draw(w, plan)
    assert draw.plan_document["yearly_cap"] == 3
    assert capped.uscc in [row["target"] for row in draw.selection]
    # The draw's own cases count too: every A target now has one more inspection.
    counts = services.inspected_this_year([t.uscc for t in w.targets], 2026)
    assert counts[capped.uscc] == 3 and counts[by_serial(w, 4).uscc] == 2


# --- the commitment and the draw ------------------------------------------------------------------------------


def test_the_commitment_publishes_hashes_and_keeps_the_seed_apart_until_the_draw(inspection_world):
    w = inspection_world
    draw = draw_commit(actor=w.bureau.head, plan=w.plan())
    assert draw.state == DrawState.COMMITTED and draw.bureau_seed == "" and draw.selection == []
    secret = DrawSecret.objects.get(pk=draw.secret_id)
    seed = bytes.fromhex(secret.bureau_seed)
    assert len(seed) == 32 and hashlib.sha256(seed).hexdigest() == draw.seed_sha256
    assert draw.commitment == drawing.commitment(
        draw.seed_sha256, draw.targets_sha256, draw.inspectors_sha256, draw.plan_sha256
    )
    assert drawing.plan_hash(draw.plan_document) == draw.plan_sha256
    for digest in (draw.targets_sha256, draw.inspectors_sha256):
        with evidence_storage().open(services.snapshot_name(digest), "rb") as handle:
            data = handle.read()
        assert hashlib.sha256(data).hexdigest() == digest
        assert data == drawing.canonical_json(json.loads(data))
    assert draw.target_count == 12 and draw.inspector_count == 6
    # Before the draw the public document carries the commitment only, not the seed.
    doc = draw_document(draw)
    assert "bureau_seed" not in doc and doc["commitment"] == draw.commitment
    assert not draw_verify(draw).ok
    # The ledger's copy of the draw has no seed either.
    state = Entry.objects.get(action="draw.commit").state
    assert secret.bureau_seed not in json.dumps(state)

    drawn = perform(w, draw)
    assert drawn.bureau_seed == secret.bureau_seed
    assert drawn.final_seed == drawing.final_seed(seed, drawn.observer_value).hex()


def _rewrite(digest: str, data: bytes) -> None:
    path = Path(evidence_storage().path(services.snapshot_name(digest)))
    os.chmod(path, 0o640)
    path.write_bytes(data)


@pytest.mark.parametrize("which", ["targets_sha256", "inspectors_sha256"])
def test_a_snapshot_file_changed_after_the_commitment_stops_the_draw(inspection_world, which):
    w = inspection_world
    draw = draw_commit(actor=w.bureau.head, plan=w.plan())
    digest = getattr(draw, which)
    items = services.load_snapshot(digest)
    path = Path(evidence_storage().path(services.snapshot_name(digest)))
    assert "/evidence/draws/" in str(path)  # this test's own directory (helpers.evidence_in_tmp)
    assert path.stat().st_mode & 0o777 == 0o440  # read-only on disk
    _rewrite(digest, drawing.canonical_json(items[:-1]))  # one row taken out
    with pytest.raises(ValidationError) as refused:
        perform(w, draw)
    assert "名录在公布承诺后被改动，不能抽取" in messages(refused)
    draw.refresh_from_db()
    assert draw.state == DrawState.COMMITTED and draw.bureau_seed == ""
    assert not Case.objects.filter(process_key="inspection").exists() and not DrawnTarget.objects.exists()
    assert actions("draw.perform") == 0

    _rewrite(digest, b"not json")
    with pytest.raises(ValidationError) as refused:
        perform(w, draw)
    assert "已损坏" in messages(refused)


def test_a_plan_document_changed_in_the_database_stops_the_draw(inspection_world):
    w = inspection_world
    draw = draw_commit(actor=w.bureau.head, plan=w.plan())
    document = dict(draw.plan_document)
    document["conflicts"] = []
    document["classes"] = [{"risk": "A", "count": 3}]
    Draw.objects.filter(pk=draw.pk).update(plan_document=document)
    with pytest.raises(ValidationError) as refused:
        perform(w, draw)
    assert "抽取参数与承诺时公布的哈希不符" in messages(refused)
    assert not Case.objects.filter(process_key="inspection").exists()
    assert Draw.objects.get(pk=draw.pk).state == DrawState.COMMITTED


def test_a_snapshot_and_its_hash_changed_together_still_break_the_commitment(inspection_world):
    # Before the fix the draw re-hashed each snapshot against the hash column only, so a pool rewritten with its
    # hash column passed and the draw ran on it; the commitment itself is now recomputed.
    w = inspection_world
    draw = draw_commit(actor=w.bureau.head, plan=w.plan())
    items = services.load_snapshot(draw.targets_sha256)
    changed = [t for t in items if t["risk"] != "A"]
    digest = drawing.snapshot_hash(changed)
    services._store_snapshot(drawing.canonical_json(drawing.canonical_snapshot(changed)), digest)
    Draw.objects.filter(pk=draw.pk).update(targets_sha256=digest)
    with pytest.raises(ValidationError) as refused:
        perform(w, draw)
    assert "承诺在公布后被改动，不能抽取" in messages(refused)
    assert not DrawnTarget.objects.exists() and Draw.objects.get(pk=draw.pk).state == DrawState.COMMITTED


def test_a_seed_changed_after_the_commitment_stops_the_draw(inspection_world):
    w = inspection_world
    draw = draw_commit(actor=w.bureau.head, plan=w.plan())
    DrawSecret.objects.filter(pk=draw.secret_id).update(bureau_seed=drawing.new_seed().hex())
    with pytest.raises(ValidationError) as refused:
        perform(w, draw)
    assert "种子哈希不符" in messages(refused)
    assert not DrawnTarget.objects.exists()


def test_the_draw_uses_the_committed_snapshot_not_the_live_pool(inspection_world):
    w = inspection_world
    plan = w.plan(classes=[{"risk": "A", "ratio": "1"}])
    draw = draw_commit(actor=w.bureau.head, plan=plan)
    late, _ = target_save(actor=w.bureau.officer, agency=w.bureau.agency, data=target_data(104))  # risk A
    assert late.risk == "A"
    target_remove(actor=w.bureau.officer, target=by_serial(w, 12), reason="已迁出")
    draw = perform(w, draw)
    selected = [row["target"] for row in draw.selection]
    assert late.uscc not in selected
    assert sorted(selected) == sorted(t.uscc for t in w.targets if t.risk == "A")
    assert draw_verify(draw).ok
    # A new commitment takes the pool as it is now.
    again = commit_and_draw(w, plan)
    selected = [row["target"] for row in again.selection]
    assert late.uscc in selected and by_serial(w, 12).uscc not in selected


def test_the_published_document_recomputes_to_the_same_selection_here_and_with_the_script(inspection_world, tmp_path):
    w = inspection_world
    draw = commit_and_draw(w, w.plan())
    doc = draw_document(draw)
    assert {"bureau_seed", "observer_value", "targets", "inspectors", "plan", "selection"} <= set(doc)
    check = drawing.verify(doc)
    assert check.ok and check.selection == draw.selection
    assert draw_verify(draw).ok

    path = tmp_path / "draw.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    proc = subprocess.run([sys.executable, str(SCRIPT), str(path)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "结论：全部一致" in proc.stdout
    rows = [line.split("\t") for line in proc.stdout.splitlines() if line[:1].isdigit() and "\t" in line]
    assert [(r[1], r[2].split("、")) for r in rows] == [(s["target"], s["inspectors"]) for s in draw.selection]

    # A selection changed in the database no longer verifies, here or with the script.
    forged = [dict(row) for row in draw.selection]
    forged[0]["inspectors"] = list(reversed(forged[0]["inspectors"]))
    Draw.objects.filter(pk=draw.pk).update(selection=forged)
    draw.refresh_from_db()
    assert not draw_verify(draw).ok
    path.write_text(json.dumps(draw_document(draw), ensure_ascii=False), encoding="utf-8")
    proc = subprocess.run([sys.executable, str(SCRIPT), str(path)], capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0


def test_the_draw_is_made_on_the_committed_day_only(inspection_world):
    w = inspection_world
    plan = w.plan()
    with pytest.raises(ValidationError) as refused:
        draw_commit(actor=w.bureau.head, plan=plan, draw_on=today_plus(-1))
    assert "抽取日期不能早于今天" in messages(refused)
    draw = draw_commit(actor=w.bureau.head, plan=plan, draw_on=today_plus(1))
    with pytest.raises(ValidationError) as refused:
        perform(w, draw)
    assert "今天不能抽取" in messages(refused)
    draw.refresh_from_db()
    assert draw.state == DrawState.COMMITTED and not DrawnTarget.objects.exists()


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("监督员李四", "", "须由见证人当场输入一个值"),
        ("监督员李四", "   ", "须由见证人当场输入一个值"),
        ("监督员李四", "7" * 201, "不能超过200个字符"),
        ("", "731", "须填写见证人"),
        ("李" * 101, "731", "见证人姓名不能超过100个字"),
    ],
    ids=["empty", "blank", "too-long", "no-name", "name-too-long"],
)
def test_the_observer_must_enter_a_value_of_at_most_200_characters(inspection_world, name, value, message):
    w = inspection_world
    draw = draw_commit(actor=w.bureau.head, plan=w.plan())
    with pytest.raises(ValidationError) as refused:
        services.draw_perform(actor=w.bureau.head, draw=draw, observer_name=name, observer_value=value)
    assert message in messages(refused)
    draw.refresh_from_db()
    assert draw.state == DrawState.COMMITTED and not DrawnTarget.objects.exists()


def test_the_observer_value_is_kept_as_entered_at_200_characters(inspection_world):
    w = inspection_world
    value = " 见证" + "9" * 197
    assert len(value) == 200
    draw = commit_and_draw(w, w.plan(), value)
    assert draw.observer_value == value
    assert draw_verify(draw).ok


def test_a_draw_is_made_once(inspection_world):
    w = inspection_world
    draw = commit_and_draw(w, w.plan())
    cases = Case.objects.count()
    with pytest.raises(InvalidTransition):
        perform(w, draw, "另一个值")
    assert Case.objects.count() == cases and actions("draw.perform") == 1
    with pytest.raises(InvalidTransition):
        draw_cancel(actor=w.bureau.head, draw=draw, reason="重抽")


def test_cancel_publishes_the_seed_and_a_cancelled_draw_cannot_be_made(inspection_world):
    w = inspection_world
    draw = draw_commit(actor=w.bureau.head, plan=w.plan(), draw_on=today_plus(3))
    with pytest.raises(PermissionDenied):
        draw_cancel(actor=w.bureau.officer, draw=draw, reason="抽取日期有误")
    with pytest.raises(ValidationError) as refused:
        draw_cancel(actor=w.bureau.head, draw=draw, reason="  ")
    assert "须填写作废原因" in messages(refused)
    draw = draw_cancel(actor=w.bureau.head, draw=draw, reason="抽取日期有误")
    assert draw.state == DrawState.CANCELLED and draw.cancel_reason == "抽取日期有误"
    assert hashlib.sha256(bytes.fromhex(draw.bureau_seed)).hexdigest() == draw.seed_sha256
    assert Entry.objects.get(action="draw.cancel").state["bureau_seed"] == draw.bureau_seed
    with pytest.raises(InvalidTransition):
        perform(w, draw)
    with pytest.raises(InvalidTransition):
        draw_cancel(actor=w.bureau.head, draw=draw, reason="再次作废")
    # A new commitment of the same plan is the next number.
    assert draw_commit(actor=w.bureau.head, plan=draw.plan).number == 2


def test_understaffed_targets_refuse_the_commitment_naming_them(inspection_world):
    w = inspection_world
    short = by_serial(w, 3)  # risk D, region 211102: only 赵一, 孙三 and 周四 cover it
    conflict_add(actor=w.bureau.head, officer=w.officers[2], target=short, reason="亲属")
    conflict_add(actor=w.bureau.head, officer=w.officers[4], target=short, reason="亲属")
    plan = w.plan(classes=[{"risk": "D", "count": 1}])
    with pytest.raises(ValidationError) as refused:
        draw_commit(actor=w.bureau.head, plan=plan)
    assert "1户检查对象" in messages(refused) and short.uscc in messages(refused)
    assert not Draw.objects.exists() and not DrawSecret.objects.exists()
    # A plan that cannot select it commits.
    assert draw_commit(actor=w.bureau.head, plan=w.plan(classes=[{"risk": "A", "count": 1}]))
    # Three inspectors per target: the 211102 targets have three covering officers, minus one suspended.
    officer_certificate_suspend(actor=w.bureau.reviewer, officer=w.officers[5], reason="暂扣")
    plan3 = w.plan(classes=[{"risk": "C", "count": 1}], inspectors_per_target=3)
    with pytest.raises(ValidationError) as refused:
        draw_commit(actor=w.bureau.head, plan=plan3)
    # Only 6 of the C targets (2, 6, 10) is in 211102; the 211103 ones keep wang, li, 赵一 and 钱二.
    assert "1户检查对象" in messages(refused) and by_serial(w, 6).uscc in messages(refused)
    assert by_serial(w, 2).uscc not in messages(refused) and by_serial(w, 10).uscc not in messages(refused)


# --- the cases a draw opens --------------------------------------------------------------------------------------


def test_one_inspection_case_per_selected_target_with_the_drawn_inspectors(inspection_world):
    w = inspection_world
    plan = w.plan()
    draw = commit_and_draw(w, plan)
    assert len(draw.selection) == 4  # A: 2 of 3; B: ⌈3 × 0.5⌉ = 2
    rows = list(DrawnTarget.objects.filter(draw=draw).order_by("position"))
    assert [(r.position, r.target.uscc, r.inspectors) for r in rows] == [
        (n, s["target"], s["inspectors"]) for n, s in enumerate(draw.selection, start=1)
    ]
    assert Case.objects.filter(process_key="inspection").count() == 4
    for row in rows:
        case = row.case
        assert case is not None and case.process_key == "inspection" and case.state == "prepare"
        assert case.item_id == plan.case_item_id and case.agency_id == w.bureau.agency.pk
        assert case.place_region == row.target.region and case.place_address == row.target.address
        certs = list(
            CaseOfficer.objects.filter(case=case, active=True)
            .order_by("pk")
            .values_list("officer__certificate_number", flat=True)
        )
        assert sorted(certs) == sorted(row.inspectors) and len(set(certs)) == 2
        party = Party.objects.get(case=case)
        assert (party.kind, party.uscc, party.name) == ("organisation", row.target.uscc, row.target.name)
        assert "第1批" in case.title and row.target.name in case.title
    assert actions("draw.assign") == 4 and actions("draw.perform") == 1
    assert {r.target.risk for r in rows[:2]} == {"A"} and {r.target.risk for r in rows[2:]} == {"B"}


def test_zero_inspectors_per_target_is_refused_not_taken_for_the_default(inspection_world: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        inspection_world.plan(inspectors_per_target=0)
    assert "不得少于2名" in str(exc.value)
    assert inspection_world.plan(inspectors_per_target="").inspectors_per_target == 2
