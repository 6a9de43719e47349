"""``sanxiang ledger verify`` finds and names every change made behind the services, directly in SQL.

Each test builds a realistic record through the services, then plays an attacker with database rights: on PostgreSQL
the ledger tables' append-only triggers are switched off for the statement (``session_replication_role = replica``,
which needs the superuser the attacker is assumed to have); on SQLite there is no such guard to switch off.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import hashlib
import importlib
import importlib.util
import io
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.db import connection, models, transaction
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from sanxiang.cases.documents import document_issue, document_serve_record
from sanxiang.cases.onsite import case_certificate_shown, case_recording_add
from sanxiang.cases.services import case_open, case_recusal_decide, case_recusal_request
from sanxiang.cases.workflow import (
    case_advance,
    case_approve,
    case_deadline_extend,
    case_document_issue,
    case_fact_record,
    case_penalty_propose,
)
from sanxiang.conftest import Bureau
from sanxiang.core.canonical import canonical_json
from sanxiang.ledger import merkle
from sanxiang.ledger import verify as verifier
from sanxiang.ledger.checkpoints import checkpoint_sign
from sanxiang.ledger.evidence import blob_store
from sanxiang.ledger.leaves import entry_leaf_hash
from sanxiang.ledger.models import Blob, Checkpoint, Entry, Node
from sanxiang.ledger.registry import Ledgered, ledgered_models
from sanxiang.ledger.services import record, tree_size
from sanxiang.ledger.verify import Report, TextProgress, batch_state, verify
from sanxiang.org.calendar_services import calendar_year_set
from sanxiang.org.listing import entry_create
from sanxiang.org.models import User
from sanxiang.org.services import department_create, role_assign, user_create
from sanxiang.registry.docx.render import SAMPLE
from sanxiang.registry.services import device_assign, device_register, device_return
from sanxiang.registry.specs import TEMPLATES
from sanxiang.registry.tests import factories as f
from sanxiang.review.checklist import CHECKLIST
from sanxiang.review.services import (
    collective_record,
    review_adviser_opinion,
    review_consult,
    review_coordinate,
    review_decide,
    review_disagree,
    review_head_sign,
    review_preliminary,
    review_request,
    review_take,
    reviewer_qualify,
    reviewer_training_add,
)

ORIGIN = "zfgs.example.gov.cn/ledger"


@pytest.fixture(autouse=True)
def ledger_dirs(settings: Any, tmp_path: Path) -> None:
    """Keys, media and evidence in a temporary directory, never in the checkout's var/."""
    settings.SANXIANG_LEDGER_KEY_DIR = tmp_path / "keys"
    settings.SANXIANG_LEDGER_ORIGIN = ORIGIN
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SANXIANG_UPLOAD_DIR = tmp_path / "uploads"
    settings.STORAGES = {
        **settings.STORAGES,
        "evidence": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "evidence")},
        },
    }


@pytest.fixture
def world(ledgered_bureau: Bureau) -> Bureau:
    """The bureau, every fixture row bootstrapped, and one row of every ledgered model made through the services,
    with signed checkpoints along the way."""
    bureau = ledgered_bureau
    checkpoint_sign()
    with transaction.atomic():
        clerk = user_create(actor=bureau.superuser, username="clerk2", full_name="李文书", password="pw-clerk2")
        role_assign(actor=bureau.admin, user=clerk, role="office", agency=bureau.agency, department=bureau.office)
        department_create(actor=bureau.admin, agency=bureau.agency, name="应急救援科", kind="enforcement")
        calendar_year_set(
            actor=bureau.superuser,
            year=2027,
            days=[(dt.date(2027, 2, 8), "holiday", "春节"), (dt.date(2027, 2, 20), "workday", "春节")],
            confirmed=True,
            source="国办发明电〔2026〕X号",
        )
        calendar_year_set(actor=bureau.superuser, year=2028, days=[], confirmed=False, source="")
    f.publish("powers", bureau=bureau, data=f.power_data())
    item = f.publish("items", bureau=bureau, data=f.item_data(bureau))
    checkpoint_sign()
    f.publish("inspection-items", bureau=bureau, data=f.inspection_item_data())
    every = ["penalty", "coercion", "inspection", "licence"]
    officer = f.publish(
        "officers", bureau=bureau, data=f.officer_data(bureau, categories=every, user_id=bureau.officer.pk)
    )
    f.publish("complaint-channels", bureau=bureau, data=f.channel_data())
    f.publish("recording-rules", bureau=bureau, data=f.recording_rule_data())
    f.publish("recording-places", bureau=bureau, data=f.recording_place_data())
    # Two officers and two body cameras, one returned (its usage row) and one still out.
    device = device_register(actor=bureau.office_clerk, agency=bureau.agency, data=f.device_data())
    device_assign(actor=bureau.office_clerk, device=device, officer=officer)
    device_return(actor=bureau.office_clerk, device=device, note="任务结束")
    second = f.publish(
        "officers",
        bureau=bureau,
        data=f.officer_data(bureau, name="李明", certificate_number="2111032019002", categories=every),
    )
    spare = device_register(actor=bureau.office_clerk, agency=bureau.agency, data=f.device_data(asset_number="JLY-002"))
    device_assign(actor=bureau.office_clerk, device=spare, officer=second)
    entry_create(
        actor=bureau.reviewer,
        spec=TEMPLATES,
        agency=bureau.agency,
        data={"code": "XZCFJDS", "name": "行政处罚决定书", "order": 1, "file": ContentFile(b"PK", name="t.docx")},
    )
    blob_store(actor=bureau.officer, fileobj=io.BytesIO(b"body camera footage " * 1000), content_type="video/mp4")
    # Two issued documents (a service's document can then point elsewhere); LibreOffice replaced by a stand-in.
    with mock.patch("sanxiang.cases.documents.docx_to_pdf", lambda data: b"%PDF-1.7 stand-in\n" + data):
        issued = [
            document_issue(
                actor=bureau.officer,
                agency=bureau.agency,
                template_code="penalty_notice",
                context=SAMPLE,
                kind="罚",
                subject=f"cases.case:{n}",
            )
            for n in (1, 2)
        ]
    document_serve_record(
        actor=bureau.officer, document=issued[0], method="直接送达", served_at=timezone.now(), recipient="王示例"
    )
    # Two cases, each with a party, a witness and two officers (not the same two, so that a case officer row can be
    # pointed at the other case or officer without a duplicate); in the first, one officer asked to withdraw and was
    # refused. A second item for a case's item to be pointed at.
    f.publish("items", bureau=bureau, data=f.item_data(bureau, code="XZCF-002"))
    third = f.publish(
        "officers", bureau=bureau, data=f.officer_data(bureau, name="张伟", certificate_number="2111032019003")
    )
    cases = [
        case_open(
            actor=bureau.officer,
            agency=bureau.agency,
            process_key="penalty-general",
            item=item,
            title=f"某公司未按规定开展安全生产教育和培训案（{n}）",
            place_region="211103",
            place_address="盘锦市兴隆台区示例路1号",
            officers=[officer, second] if n == 1 else [officer, third],
            parties=[{"kind": "organisation", "name": "盘锦示例化工有限公司", "uscc": "91110000802100433B"}],
            persons=[{"role": "witness", "name": "赵示例", "note": "车间主任"}],
        )
        for n in (1, 2)
    ]
    case = cases[0]
    case_recusal_request(actor=bureau.officer, case=case, officer=second, reason="当事人称其与法定代表人系亲属")
    case_recusal_decide(actor=bureau.head, case=case, officer=second, approve=False, note="经核实不存在亲属关系")
    # The first case runs to legal review: its opening form (a case document), the head's approval, certificates
    # shown and a recording on site, an extension and a fact; a licence case refused and archived (its case file).
    with mock.patch("sanxiang.cases.documents.docx_to_pdf", lambda data: b"%PDF-1.7 stand-in\n" + data):
        case_document_issue(
            actor=bureau.officer,
            case=case,
            template_code="case_opening_approval",
            fields={"case_source": "举报", "facts": "未按规定开展培训。", "party_address": "盘锦市兴隆台区示例路1号"},
        )
    case_approve(actor=bureau.head, case=case, note="同意立案")
    case = case_advance(actor=bureau.officer, case=case, target="investigate")
    now = timezone.now()
    for index, who in enumerate((officer, second)):
        case_certificate_shown(
            actor=bureau.officer, case=case, officer=who, shown_at=now + dt.timedelta(seconds=index), place="厂区"
        )
    footage = Blob.objects.get(content_type="video/mp4")
    case_recording_add(
        actor=bureau.officer,
        case=case,
        sha256=footage.sha256,
        officer=second,
        device=spare,
        place="厂区",
        started_at=now,
        ended_at=now + dt.timedelta(minutes=2),
        full_process=True,  # the world's AV list asks for it at this step
    )
    case_deadline_extend(actor=bureau.head, case=case, deadline_key="case_decision", days=30, reason="案情复杂")
    case = case_advance(actor=bureau.officer, case=case, target="review")
    case_fact_record(actor=bureau.head, case=case, kind="collective_required", note="拟罚款数额较大")
    # A major proposal (the catalogue's fine threshold) through legal review: failed, escalated, passed by the
    # leaders (the reversal recorded against the reviewer), then the collective discussion.
    case_penalty_propose(actor=bureau.officer, case=case, amount="150000", band=2, sanctions=["fine"])
    with mock.patch("sanxiang.cases.documents.docx_to_pdf", lambda data: b"%PDF-1.7 stand-in\n" + data):
        case_document_issue(
            actor=bureau.officer,
            case=case,
            template_code="case_handling_approval",
            fields={
                "facts": "未按规定开展培训。",
                "evidence": "询问笔录",
                "decision": "拟罚款十五万元",
                "party_address": "盘锦市兴隆台区示例路1号",
            },
        )
    returned = review_request(actor=bureau.officer, case=case)
    review_preliminary(actor=bureau.preliminary_reviewer, review=returned, approve=False, opinion="补充证据")
    review = review_request(actor=bureau.officer, case=case)
    review_preliminary(actor=bureau.preliminary_reviewer, review=review, approve=True, opinion="材料齐全")
    review_head_sign(actor=bureau.head, review=review, opinion="同意送审")
    reviewer_qualify(
        actor=bureau.leader,
        user=bureau.reviewer,
        agency=bureau.agency,
        qualified=True,
        first_time=True,
        appointed_on=dt.date(2024, 3, 1),
        legal_qualification_number="A20182101000001",
    )
    reviewer_training_add(
        actor=bureau.leader,
        user=bureau.reviewer,
        agency=bureau.agency,
        held_on=dt.date(2025, 6, 1),
        hours="8",
        topic="行政处罚法",
        organiser="盘锦市司法局",
    )
    review_take(actor=bureau.reviewer, review=review)
    review_consult(actor=bureau.reviewer, review=review, adviser=bureau.adviser, question="裁量是否适当")
    review_adviser_opinion(actor=bureau.adviser, review=review, opinion="裁量适当")
    checklist = {point.key: {"ok": True, "opinion": ""} for point in CHECKLIST}
    checklist["discretion_proper"] = {"ok": False, "opinion": "罚款偏重"}
    review_decide(actor=bureau.reviewer, review=review, checklist=checklist, outcome="fail", opinion="不通过")
    review_disagree(actor=bureau.head, review=review, opinion="情节严重，罚款适当")
    review_coordinate(actor=bureau.leader, review=review, outcome="pass", opinion="同意承办机构意见")
    collective_record(
        actor=bureau.leader,
        case=case,
        held_at=timezone.now(),
        place="三楼会议室",
        host="局长",
        attendees=["局长", "副局长甲", "副局长乙"],
        opinions=[{"name": "局长", "opinion": "同意"}],
        conclusion="同意罚款十五万元",
    )
    licence_item = f.publish(
        "items", bureau=bureau, data=f.item_data(bureau, code="XZXK-001", category="licence", discretion_benchmark=[])
    )
    licence = case_open(
        actor=bureau.officer,
        agency=bureau.agency,
        process_key="licence",
        item=licence_item,
        title="危险化学品经营许可申请",
        place_region="211103",
        place_address="盘锦市兴隆台区示例路1号",
        officers=[officer, second],
        parties=[{"kind": "organisation", "name": "盘锦示例化工有限公司", "uscc": "91110000802100433B"}],
    )
    licence = case_advance(actor=bureau.officer, case=licence, target="reject")
    case_advance(actor=bureau.head, case=licence, target="archive")
    extend_world(bureau)
    checkpoint_sign()
    return bureau


def extend_world(bureau: Bureau) -> None:
    """Let each app add rows of its own ledgered models: ``sanxiang/<app>/tests/ledger_world.py`` with
    ``extend(bureau)``, called after the rows above exist (the apps above registry may build on the cases)."""
    for config in apps.get_app_configs():
        name = f"{config.name}.tests.ledger_world"
        if not config.name.startswith("sanxiang.") or importlib.util.find_spec(f"{config.name}.tests") is None:
            continue
        if importlib.util.find_spec(name) is not None:
            importlib.import_module(name).extend(bureau)


@contextlib.contextmanager
def attacker() -> Iterator[Any]:
    """A cursor with the rights of a database superuser: PostgreSQL's append-only triggers do not fire for it."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")
        try:
            yield cursor
        finally:
            if connection.vendor == "postgresql":
                cursor.execute("SET session_replication_role = origin")


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _where(model: type[models.Model], where: dict[str, Any]) -> tuple[str, list[Any]]:
    fields = [model._meta.get_field(name) for name in where]
    clause = " AND ".join(f"{_q(f.column)} = %s" for f in fields)  # type: ignore[union-attr, arg-type]
    return clause, [f.get_db_prep_save(where[f.name], connection) for f in fields]  # type: ignore[union-attr]


def sql_update(model: type[models.Model], where: dict[str, Any], **values: Any) -> None:
    """``UPDATE`` straight in SQL (identifiers from the model, values as parameters)."""
    fields = [model._meta.get_field(name) for name in values]
    assignments = ", ".join(f"{_q(f.column)} = %s" for f in fields)  # type: ignore[union-attr, arg-type]
    params = [f.get_db_prep_save(values[f.name], connection) for f in fields]  # type: ignore[union-attr]
    clause, where_params = _where(model, where)
    with attacker() as cursor:
        cursor.execute(f"UPDATE {_q(model._meta.db_table)} SET {assignments} WHERE {clause}", params + where_params)  # noqa: S608


def sql_delete(model: type[models.Model], **where: Any) -> None:
    clause, params = _where(model, where)
    with attacker() as cursor:
        cursor.execute(f"DELETE FROM {_q(model._meta.db_table)} WHERE {clause}", params)  # noqa: S608


def sql_insert_copy(row: models.Model, **changes: Any) -> None:
    """``INSERT`` a copy of ``row`` with ``changes``, primary key included unless it is automatic."""
    fields = [
        f for f in row._meta.concrete_fields if not (f.primary_key and f.get_internal_type().endswith("AutoField"))
    ]
    values = [f.get_db_prep_save(changes.get(f.name, getattr(row, f.attname)), connection) for f in fields]
    names = ", ".join(_q(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    with attacker() as cursor:
        cursor.execute(f"INSERT INTO {_q(row._meta.db_table)} ({names}) VALUES ({marks})", values)  # noqa: S608


def problems(report: Report) -> list[str]:
    return [str(p) for p in report.problems]


def assert_found(report: Report, *fragments: str) -> None:
    found = problems(report)
    assert not report.ok
    assert any(all(fragment in line for fragment in fragments) for line in found), found


def run_cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("ledger", "verify", *args, stdout=out, stderr=err)
    except CommandError as exc:
        return exc.returncode, out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


# --- a clean record ----------------------------------------------------------------------------------------------


def test_clean_record_verifies_with_exit_0(world: Bureau) -> None:
    report = verify(files=True)
    assert problems(report) == []
    assert report.entries == tree_size() > 30
    assert report.checkpoints == 3
    assert report.files == 1 + 8  # the footage; four issued documents (.docx and PDF each)
    assert report.root == merkle.compute_root_streaming(
        bytes.fromhex(h) for h in Entry.objects.order_by("seq").values_list("leaf_hash", flat=True)
    )
    assert report.rows == sum(r.model._base_manager.count() for r in ledgered_models())
    status, out, err = run_cli("--files")
    assert status == 0
    assert "校验通过" in out
    assert "100%" in err  # the progress bar, without a terminal: one line per tenth


def test_fixture_rows_without_entries_are_reported(bureau: Bureau) -> None:
    report = verify()
    assert_found(report, f"org.agency:{bureau.agency.pk}", "没有任何记录")
    assert_found(report, f"org.user:{bureau.superuser.pk}", "没有任何记录")
    status, out, _ = run_cli()
    assert status == 1
    assert "校验未通过" in out


def test_batch_state_equals_the_registered_state_for_every_row(world: Bureau) -> None:
    """The verifier reads many-to-many sets in batches; what it digests must be exactly what ``record`` digests."""
    compared = 0
    for registration in ledgered_models():
        rows = list(registration.model._base_manager.all())
        sets = verifier._m2m_sets(registration.model, [row.pk for row in rows])
        for row in rows:
            assert batch_state(registration, row, sets) == registration.state(row)
            compared += 1
    assert compared > 30


def test_queries_per_model_do_not_grow_with_rows(world: Bureau, django_assert_max_num_queries: Any) -> None:
    # About 60 rows and 90 entries; one query per row would pass 150. A few queries per registered model.
    with django_assert_max_num_queries(5 + 5 * len(ledgered_models())):
        report = verify()
    assert report.ok


# --- domain rows changed in SQL ------------------------------------------------------------------------------------


def test_update_of_a_domain_row_is_named(world: Bureau) -> None:
    from sanxiang.registry.models import Officer

    officer = Officer.objects.order_by("pk")[0]
    latest = Entry.objects.filter(subject_type="registry.officer", subject_id=str(officer.pk)).last()
    assert latest is not None
    sql_update(Officer, {"id": officer.pk}, name="李四")
    report = verify()
    assert problems(report) == [f"registry.officer:{officer.pk} 当前状态与最近记录不符（记录 #{latest.seq}）"]


def test_delete_of_a_domain_row_is_named(world: Bureau) -> None:
    from sanxiang.registry.models import ComplaintChannel

    channel = ComplaintChannel.objects.get()
    sql_delete(ComplaintChannel, id=channel.pk)
    assert_found(verify(), f"registry.complaintchannel:{channel.pk}", "该行已不存在", "未记载删除")


def test_a_recorded_delete_is_accepted(world: Bureau) -> None:
    from sanxiang.registry.models import ComplaintChannel

    channel = ComplaintChannel.objects.get()
    with transaction.atomic():
        record(actor=world.reviewer, action="complaint_channel.delete", subject=channel)
        ComplaintChannel.objects.filter(pk=channel.pk).delete()
    assert problems(verify()) == []


def test_insert_of_a_domain_row_is_named(world: Bureau) -> None:
    from sanxiang.registry.models import Power

    sql_insert_copy(Power.objects.get(), code="QZ-999")
    forged = Power.objects.get(code="QZ-999")
    assert problems(verify()) == [f"registry.power:{forged.pk} 没有任何记录（可能是绕过系统直接插入的行）"]


# --- ledger rows changed in SQL ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("action", "officer.forged"),
        ("digest", "0" * 64),
        ("time", dt.datetime(2020, 1, 1, tzinfo=dt.UTC)),
    ],
)
def test_update_of_an_entry_is_named(world: Bureau, name: str, value: Any) -> None:
    seq = tree_size() // 2
    sql_update(Entry, {"seq": seq}, **{name: value})
    assert_found(verify(), f"记录 #{seq}", "内容与其叶子哈希不符")


def test_entry_rewritten_with_its_leaf_hash_is_caught_by_the_tree(world: Bureau) -> None:
    """An attacker who also rewrites ``leaf_hash`` leaves the stored tree and the signed checkpoints behind."""
    seq = 5
    entry = Entry.objects.get(seq=seq)
    entry.action = "user.forged"
    sql_update(Entry, {"seq": seq}, action=entry.action, leaf_hash=entry_leaf_hash(entry).hex())
    report = verify()
    assert_found(report, f"树节点 (0, {seq})", "不符")
    assert_found(report, "检查点", "根哈希与由记录重算的根不符")


def test_state_changed_in_an_entry_is_named(world: Bureau) -> None:
    entry = Entry.objects.get(seq=7)
    sql_update(Entry, {"seq": 7}, state={**entry.state, "forged": 1})
    assert_found(verify(), "记录 #7", "保存的状态与摘要不符")


def test_delete_of_the_last_entry_is_named(world: Bureau) -> None:
    last = tree_size() - 1
    sql_delete(Entry, seq=last)
    report = verify()
    assert_found(report, f"树节点 (0, {last})", "多余")
    assert_found(report, "检查点", f"大小超过日志（日志只有 {last} 条记录）")


def test_delete_of_an_entry_in_the_middle_is_named(world: Bureau) -> None:
    sql_delete(Entry, seq=10)
    assert_found(verify(), "记录 #11", "编号不连续：缺少 #10")


def test_insert_of_a_forged_entry_is_named(world: Bureau) -> None:
    seq = tree_size()
    blob = Blob.objects.get(content_type="video/mp4")  # the footage (the world also holds documents)
    with transaction.atomic():
        forged = record(actor=world.officer, action="blob.view", subject=blob)
    assert forged.seq == seq
    # The attacker's insert: the row but none of the tree's nodes (only the log's code appends those).
    sql_delete(Node, level=0, index=seq)
    assert_found(verify(), f"树节点 (0, {seq})", "缺失")


def test_insert_of_an_entry_without_a_node_anywhere_is_named(world: Bureau) -> None:
    seq = tree_size()
    sql_insert_copy(Entry.objects.get(seq=seq - 1), seq=seq, leaf_hash="ab" * 32)
    report = verify()
    assert_found(report, f"记录 #{seq}", "内容与其叶子哈希不符")
    assert_found(report, f"树节点 (0, {seq})", "缺失")


def test_changed_node_hash_is_named(world: Bureau) -> None:
    sql_update(Node, {"level": 1, "index": 3}, hash=b"\x00" * 32)
    assert problems(verify()) == ["树节点 (1, 3) 与由记录重算的哈希不符"]


def test_changed_checkpoint_note_is_named(world: Bureau) -> None:
    checkpoint = Checkpoint.objects.order_by("id")[1]
    forged = checkpoint.note.replace(f"\n{checkpoint.size}\n", f"\n{checkpoint.size + 1}\n", 1)
    assert forged != checkpoint.note
    sql_update(Checkpoint, {"id": checkpoint.pk}, note=forged)
    assert_found(verify(), f"检查点 #{checkpoint.pk}（大小 {checkpoint.size}）", "签名无效")


def test_checkpoint_signed_by_an_unknown_key_is_named(world: Bureau, settings: Any, tmp_path: Path) -> None:
    settings.SANXIANG_LEDGER_KEY_DIR = tmp_path / "other-keys"
    rogue = checkpoint_sign()
    settings.SANXIANG_LEDGER_KEY_DIR = tmp_path / "keys"
    assert_found(verify(), f"检查点 #{rogue.pk}", "签名无效")


def test_replaced_blob_file_is_named_with_files(world: Bureau) -> None:
    from sanxiang.ledger.evidence import evidence_storage

    blob = Blob.objects.get(content_type="video/mp4")  # the footage (the world also holds documents)
    path = Path(evidence_storage().path(blob.storage_name))
    path.chmod(0o644)
    path.write_bytes(b"body camera footage " * 999 + b"BODY CAMERA FOOTAGE ")
    assert verify().ok  # without --files the files are not read
    report = verify(files=True)
    assert_found(report, f"文件 {blob.sha256}", "SHA-256 不符")
    assert_found(report, f"文件 {blob.sha256}", "SM3 不符")
    status, out, _ = run_cli("--files")
    assert status == 1
    assert f"文件 {blob.sha256}" in out


def test_missing_blob_file_is_named_with_files(world: Bureau) -> None:
    from sanxiang.ledger.evidence import evidence_storage

    blob = Blob.objects.get(content_type="video/mp4")  # the footage (the world also holds documents)
    evidence_storage().delete(blob.storage_name)
    assert_found(verify(files=True), f"文件 {blob.sha256}", "无法读取")


# --- every column of every ledgered model --------------------------------------------------------------------------


def _other_value(field: models.Field[Any, Any], current: Any, model: type[models.Model]) -> Any:
    """A different value for ``field`` that the database accepts."""
    if field.is_relation:
        related = field.related_model
        assert isinstance(related, type)
        candidates = related._base_manager.exclude(pk=current).values_list("pk", flat=True)
        if field.unique:
            used = model._base_manager.exclude(**{field.attname: None}).values_list(field.attname, flat=True)
            candidates = candidates.exclude(pk__in=list(used))
        other = candidates.first()
        assert other is not None, f"no other {related.__name__} to point {field} at"
        return other
    if field.choices:
        values = [value for value, _ in field.flatchoices]
        others = [value for value in values if value != current]
        if others:
            return others[0]
    if isinstance(field, models.BooleanField):
        return not current
    if isinstance(field, models.DateTimeField):
        return (current or dt.datetime(2025, 1, 1, tzinfo=dt.UTC)) + dt.timedelta(seconds=1)
    if isinstance(field, models.DateField):
        return (current or dt.date(2025, 1, 1)) + dt.timedelta(days=1)
    if isinstance(field, models.DecimalField):
        return (current or decimal.Decimal(0)) + 1
    if isinstance(field, models.IntegerField):  # also BigInteger, PositiveInteger…
        return (current or 0) + 1
    if isinstance(field, models.JSONField):
        return {"tampered": current}
    if isinstance(field, models.UUIDField):
        return uuid.uuid4()
    if isinstance(field, models.BinaryField):
        return bytes(current or b"") + b"x"
    if isinstance(field, models.FileField):
        return (current.name if current else "") + "x"
    if isinstance(field, models.CharField | models.TextField):
        text = current or ""
        limit = getattr(field, "max_length", None)
        if limit and len(text) >= limit:
            return text[:-1] + ("x" if text[-1] != "x" else "y")
        return text + "x"
    raise AssertionError(f"no tampering rule for {type(field).__name__} {field}")


def _columns(registration: Ledgered) -> list[models.Field[Any, Any]]:
    return [
        f
        for f in registration.model._meta.concrete_fields
        if not f.primary_key and f.name not in registration.exclude and f.attname not in registration.exclude
    ]


class _Rollback(Exception):
    pass


def test_a_change_to_any_column_of_any_ledgered_model_is_caught(world: Bureau) -> None:
    registrations = ledgered_models()
    labels = {r.model._meta.label_lower for r in registrations}
    assert {"org.user", "org.agency", "registry.officer", "ledger.blob"} <= labels
    checked: list[str] = []
    for registration in registrations:
        model = registration.model
        label = model._meta.label_lower
        row = model._base_manager.order_by("pk").last()
        assert row is not None, f"the world has no {label}"
        for field in _columns(registration):
            value = _other_value(field, getattr(row, field.attname), model)
            with contextlib.suppress(_Rollback), transaction.atomic():
                sql_update(model, {model._meta.pk.name: row.pk}, **{field.name: value})
                report = verify()
                assert_found(report, f"{label}:{row.pk}", "当前状态与最近记录不符")
                checked.append(f"{label}.{field.attname}")
                raise _Rollback
    assert len(checked) == sum(len(_columns(r)) for r in registrations) > 100
    assert verify().ok  # every change was rolled back


def test_only_the_declared_exclusions_escape_the_check() -> None:
    escaped = {(r.model._meta.label_lower, name) for r in ledgered_models() for name in r.exclude}
    assert escaped == {("org.user", "password"), ("org.user", "last_login")}


# --- the progress bar ----------------------------------------------------------------------------------------------


def test_progress_without_a_terminal_prints_a_line_per_tenth() -> None:
    out = io.StringIO()
    progress = TextProgress(out, tty=False)
    progress.phase("校验", 200)
    for _ in range(200):
        progress.advance()
    progress.done()
    lines = out.getvalue().splitlines()
    assert lines[0].endswith("  0% 0/200")
    assert lines[-1].endswith("100% 200/200")
    assert len(lines) == 11
    assert "\r" not in out.getvalue()


def test_progress_on_a_terminal_redraws_one_line() -> None:
    out = io.StringIO()
    progress = TextProgress(out, tty=True)
    progress.phase("校验", 4)
    for _ in range(4):
        progress.advance()
    progress.done()
    text = out.getvalue()
    assert text.count("\n") == 1
    assert text.count("\r") == 5
    assert text.rstrip("\n").endswith("100% 4/4")


def test_user_password_change_is_not_a_change_of_the_record(world: Bureau) -> None:
    user = User.objects.get(username="clerk2")
    user.set_password("another")
    user.save(update_fields=["password"])
    assert verify().ok


# --- the fast serialisation in the verifier's hot path -------------------------------------------------------------

_json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | st.text(),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.from_regex(r"[a-z_][a-z0-9_]{0,12}", fullmatch=True), children, max_size=4)
    ),
    max_leaves=12,
)


@given(st.dictionaries(st.from_regex(r"[a-z_][a-z0-9_]{0,12}", fullmatch=True), _json_values, max_size=8))
def test_fast_serialisation_is_rfc8785_for_states_and_leaves(value: dict[str, Any]) -> None:
    assert verifier._fast_json(value) == canonical_json(value)
    digest = hashlib.sha256(canonical_json(value)).hexdigest()
    assert verifier._digest_matches(value, digest)
    assert not verifier._digest_matches(value, "0" * 64)


def test_digest_falls_back_to_rfc8785_where_the_key_order_differs() -> None:
    # RFC 8785 sorts keys by UTF-16 code units: U+1F600 (surrogates D83D…) comes before U+FF01; Python's sort not.
    value: dict[str, Any] = {"\uff01": 1, "\U0001f600": 2}
    assert verifier._fast_json(value) != canonical_json(value)
    assert verifier._digest_matches(value, hashlib.sha256(canonical_json(value)).hexdigest())
