"""Service tests for every published list: valid input is published; bad input is refused in Chinese."""

from __future__ import annotations

import datetime as dt
import decimal

import pytest
from django.core.files.base import ContentFile
from hypothesis import given
from hypothesis import strategies as st

from sanxiang.core.errors import InvalidTransition, PermissionDenied, ValidationError
from sanxiang.core.models import PublicationStatus
from sanxiang.ledger.models import Entry
from sanxiang.org.listing import entry_create, entry_update
from sanxiang.registry import schemas, selectors, services
from sanxiang.registry.models import CertificateState, EnforcementItem, Officer
from sanxiang.registry.specs import CHANNELS, INSPECTION_ITEMS, ITEMS, OFFICERS, POWERS, TEMPLATES
from sanxiang.registry.tests import factories as f


def test_power_is_published(bureau):
    power = f.publish("powers", bureau=bureau, data=f.power_data())
    assert power.status == PublicationStatus.PUBLISHED
    assert selectors.public_list("powers", q="行政处罚").get() == power


def test_enforcement_item_keeps_structured_basis_and_bands(bureau):
    power = f.publish("powers", bureau=bureau, data=f.power_data())
    item = f.publish("items", bureau=bureau, data=f.item_data(bureau, power_id=power.pk))
    item = EnforcementItem.objects.get(pk=item.pk)
    assert item.legal_basis == [{"law": "中华人民共和国安全生产法", "article": "第九十七条第（三）项"}]
    assert item.discretion_benchmark[1]["fine_min"] == "100000"
    assert item.time_limit == {"days": 90, "kind": "calendar"}
    assert selectors.public_list("items", category="penalty").get() == item
    assert not selectors.public_list("items", category="licence").exists()


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"legal_basis": []}, "legal_basis", "至少填写一项执法依据"),
        ({"legal_basis": [{"article": "第一条"}]}, "legal_basis", "缺少法律法规名称"),
        (
            {"discretion_benchmark": [{"circumstance": "情节较重", "fine_min": "50000", "fine_max": "10000"}]},
            "discretion_benchmark",
            "下限不能高于上限",
        ),
        (
            {"discretion_benchmark": [{"circumstance": "情节较重", "fine_min": "5万", "fine_max": "10000"}]},
            "discretion_benchmark",
            "不是有效金额",
        ),
        (
            {"discretion_benchmark": [{"circumstance": "情节较重", "fine_min": "100"}]},
            "discretion_benchmark",
            "须同时填写",
        ),
        ({"discretion_benchmark": [{"sanction": "罚款"}]}, "discretion_benchmark", "缺少违法情形"),
        ({"category": "licence", "service_guide": ""}, "service_guide", "服务指南"),
        ({"service_guide": "办事指南"}, "service_guide", "只有行政许可事项"),
        ({"time_limit_kind": "weeks"}, "time_limit_kind", ""),
    ],
)
def test_enforcement_item_bad_input(bureau, change, field, message):
    with pytest.raises(ValidationError) as excinfo:
        entry_create(actor=bureau.reviewer, spec=ITEMS, agency=bureau.agency, data=f.item_data(bureau, **change))
    assert field in excinfo.value.errors
    assert message in "".join(excinfo.value.errors[field])
    assert not EnforcementItem.objects.exists()


def test_enforcement_item_department_and_power_must_be_the_agencys_own(bureau):
    from sanxiang.org.models import Department

    foreign = Department.objects.create(agency=bureau.other_agency, name="执法大队", kind="squad")
    with pytest.raises(ValidationError) as excinfo:
        entry_create(
            actor=bureau.reviewer,
            spec=ITEMS,
            agency=bureau.agency,
            data=f.item_data(bureau, handling_department_id=foreign.pk),
        )
    assert "本机构的科室" in excinfo.value.errors["handling_department"][0]


def test_licence_item_carries_its_service_guide(bureau):
    item = f.publish(
        "items",
        bureau=bureau,
        data=f.item_data(
            bureau,
            code="XK-001",
            category="licence",
            name="危险化学品经营许可",
            discretion_benchmark=[],
            time_limit_days=20,
            time_limit_kind="working",
            service_guide="申请材料：申请书、营业执照……",
        ),
    )
    assert item.service_guide.startswith("申请材料")


def test_department_heads_keep_enforcement_items_but_not_other_lists(bureau):
    entry_create(actor=bureau.head, spec=ITEMS, agency=bureau.agency, data=f.item_data(bureau))
    with pytest.raises(PermissionDenied):
        entry_create(actor=bureau.head, spec=POWERS, agency=bureau.agency, data=f.power_data())
    with pytest.raises(PermissionDenied):
        entry_create(actor=bureau.officer, spec=ITEMS, agency=bureau.agency, data=f.item_data(bureau, code="X2"))


def test_inspection_item_ratio_is_a_percentage(bureau):
    item = f.publish("inspection-items", bureau=bureau, data=f.inspection_item_data())
    assert item.ratio_percent == decimal.Decimal("5")
    for bad in ("0", "150", "abc"):
        with pytest.raises(ValidationError) as excinfo:
            entry_create(
                actor=bureau.reviewer,
                spec=INSPECTION_ITEMS,
                agency=bureau.agency,
                data=f.inspection_item_data(code=f"SJ-{bad}", ratio_percent=bad),
            )
        assert "ratio_percent" in excinfo.value.errors


def test_duplicate_code_in_one_agency_is_refused(bureau):
    f.publish("powers", bureau=bureau, data=f.power_data())
    with pytest.raises(ValidationError):
        entry_create(actor=bureau.reviewer, spec=POWERS, agency=bureau.agency, data=f.power_data())
    # the same code in another agency is fine
    entry_create(actor=bureau.superuser, spec=POWERS, agency=bureau.other_agency, data=f.power_data())


def test_officer_is_published_with_structured_categories_and_region(bureau):
    officer = f.publish("officers", bureau=bureau, data=f.officer_data(bureau, categories=["行政检查", "penalty"]))
    assert officer.categories == ["penalty", "inspection"]
    assert officer.certificate_state(dt.date(2026, 11, 24)) == CertificateState.VALID
    assert selectors.public_officer_by_certificate("21110320190001") == officer


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"categories": []}, "categories"),
        ({"categories": ["捕鱼"]}, "categories"),
        ({"region": "2111"}, "region"),
        ({"valid_from": dt.date(2030, 1, 1)}, "valid_until"),
        ({"certificate_number": ""}, "certificate_number"),
    ],
)
def test_officer_bad_input(bureau, change, field):
    with pytest.raises(ValidationError) as excinfo:
        entry_create(actor=bureau.reviewer, spec=OFFICERS, agency=bureau.agency, data=f.officer_data(bureau, **change))
    assert field in excinfo.value.errors
    assert not Officer.objects.exists()


def test_certificate_states_follow_dates_suspension_review_and_revocation(bureau):
    officer = f.publish("officers", bureau=bureau, data=f.officer_data(bureau))
    assert officer.certificate_state(dt.date(2023, 12, 31)) == CertificateState.NOT_YET_VALID
    assert officer.certificate_state(dt.date(2030, 1, 1)) == CertificateState.EXPIRED
    assert officer.certificate_valid(dt.date(2029, 12, 31))
    officer = services.officer_annual_review_record(actor=bureau.reviewer, officer=officer, year=2026, passed=False)
    assert officer.certificate_state(dt.date(2026, 12, 1)) == CertificateState.REVIEW_FAILED
    officer = services.officer_annual_review_record(actor=bureau.reviewer, officer=officer, year=2026, passed=True)
    with pytest.raises(ValidationError):
        services.officer_certificate_suspend(actor=bureau.reviewer, officer=officer, reason=" ")
    officer = services.officer_certificate_suspend(
        actor=bureau.reviewer, officer=officer, reason="涉嫌违规执法，停职调查"
    )
    assert officer.certificate_state() == CertificateState.SUSPENDED
    # effective at once: no review step, and the public verification sees it
    public = selectors.public_officer_by_certificate(officer.certificate_number)
    assert public is not None
    assert public.certificate_state() == CertificateState.SUSPENDED
    with pytest.raises(InvalidTransition):
        services.officer_certificate_suspend(actor=bureau.reviewer, officer=officer, reason="again")
    officer = services.officer_certificate_reinstate(actor=bureau.reviewer, officer=officer)
    assert officer.certificate_state(dt.date(2026, 12, 1)) == CertificateState.VALID
    with pytest.raises(InvalidTransition):
        services.officer_certificate_reinstate(actor=bureau.reviewer, officer=officer)
    officer = services.officer_certificate_revoke(actor=bureau.reviewer, officer=officer, reason="调离执法岗位")
    assert officer.certificate_state() == CertificateState.REVOKED
    with pytest.raises(InvalidTransition):
        services.officer_certificate_revoke(actor=bureau.reviewer, officer=officer, reason="x")
    actions = [e.action for e in Entry.objects.filter(subject_type="registry.officer").order_by("seq")]
    assert actions[-5:] == [
        "officer.annual_review",
        "officer.annual_review",
        "officer.certificate_suspend",
        "officer.certificate_reinstate",
        "officer.certificate_revoke",
    ]


def test_certificate_actions_need_the_legal_section(bureau):
    officer = f.publish("officers", bureau=bureau, data=f.officer_data(bureau))
    for actor in (bureau.officer, bureau.outsider, bureau.head):
        with pytest.raises(PermissionDenied):
            services.officer_certificate_suspend(actor=actor, officer=officer, reason="x")
    with pytest.raises(ValidationError):
        services.officer_annual_review_record(actor=bureau.reviewer, officer=officer, year=2999, passed=True)


def test_document_template_and_complaint_channel(bureau):
    entry = entry_create(
        actor=bureau.reviewer,
        spec=TEMPLATES,
        agency=bureau.agency,
        data={"code": "XZCFJDS", "name": "行政处罚决定书", "order": 1, "file": ContentFile(b"PK", name="t.docx")},
    )
    assert entry.file.name.startswith("templates/")
    channel = f.publish("complaint-channels", bureau=bureau, data=f.channel_data())
    assert channel.phone == "0427-2825000"
    with pytest.raises(ValidationError) as excinfo:
        entry_create(
            actor=bureau.office_clerk, spec=CHANNELS, agency=bureau.agency, data=f.channel_data(email="not-mail")
        )
    assert "电子邮箱" in excinfo.value.errors["email"][0]


def test_unknown_fields_and_edits_while_under_review_are_refused(bureau):
    power = entry_create(actor=bureau.reviewer, spec=POWERS, agency=bureau.agency, data=f.power_data())
    with pytest.raises(ValidationError):
        entry_update(actor=bureau.reviewer, spec=POWERS, obj=power, data={"status": "published"})
    services.entry_submit(actor=bureau.reviewer, spec=POWERS, obj=power)
    with pytest.raises(InvalidTransition):
        entry_update(actor=bureau.reviewer, spec=POWERS, obj=power, data={"name": "改"})
    with pytest.raises(InvalidTransition):
        services.entry_submit(actor=bureau.reviewer, spec=POWERS, obj=power)


def test_identical_change_to_a_published_entry_is_refused(bureau):
    power = f.publish("powers", bureau=bureau, data=f.power_data())
    with pytest.raises(ValidationError, match="没有需要提交的修改"):
        entry_update(actor=bureau.reviewer, spec=POWERS, obj=power, data={"name": power.name})


def test_staged_change_can_be_returned_and_published_version_stays(bureau):
    power = f.publish("powers", bureau=bureau, data=f.power_data())
    power = entry_update(actor=bureau.reviewer, spec=POWERS, obj=power, data={"name": "新名称"})
    power = services.entry_return(actor=bureau.reviewer, spec=POWERS, obj=power, note="名称不规范")
    assert power.pending is None
    assert power.name == f.power_data()["name"]
    assert power.status == PublicationStatus.PUBLISHED


@given(
    st.lists(
        st.tuples(
            st.text(alphabet="情节轻微较重严重首次逾期", min_size=1, max_size=8),
            st.integers(0, 10**6),
            st.integers(0, 10**6),
        ),
        max_size=5,
    )
)
def test_discretion_bands_accept_any_ordered_range(bands):
    raw = [{"circumstance": c, "fine_min": str(min(a, b)), "fine_max": str(max(a, b))} for c, a, b in bands]
    cleaned = schemas.clean_discretion_benchmark(raw)
    assert [(b["fine_min"], b["fine_max"]) for b in cleaned] == [(r["fine_min"], r["fine_max"]) for r in raw]


def test_template_hash_is_computed_and_a_new_file_for_a_published_template_is_stored(bureau):
    import hashlib

    from django.core.files.storage import default_storage

    entry = entry_create(
        actor=bureau.reviewer,
        spec=TEMPLATES,
        agency=bureau.agency,
        data={"code": "XZCFJDS", "name": "行政处罚决定书", "order": 1, "file": ContentFile(b"PK-v1", name="a.docx")},
    )
    assert entry.file_sha256 == hashlib.sha256(b"PK-v1").hexdigest()
    with pytest.raises(ValidationError, match=r"\.docx"):
        entry_create(
            actor=bureau.reviewer,
            spec=TEMPLATES,
            agency=bureau.agency,
            data={"code": "X2", "name": "x", "file": ContentFile(b"x", name="a.pdf")},
        )
    services.entry_submit(actor=bureau.reviewer, spec=TEMPLATES, obj=entry)
    entry = services.entry_approve(actor=bureau.reviewer, spec=TEMPLATES, obj=entry)
    entry = entry_update(
        actor=bureau.reviewer, spec=TEMPLATES, obj=entry, data={"file": ContentFile(b"PK-v2", name="b.docx")}
    )
    pending = entry.pending
    assert pending is not None
    assert default_storage.exists(pending["file"])
    assert pending["file_sha256"] == hashlib.sha256(b"PK-v2").hexdigest()
    entry = services.entry_approve(actor=bureau.reviewer, spec=TEMPLATES, obj=entry)
    with entry.file.open("rb") as handle:
        assert handle.read() == b"PK-v2"
