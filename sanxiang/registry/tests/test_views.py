"""The lists kept through the pages: create, submit, approve, return, edit a published entry, bad input."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sanxiang.conftest import client_for, make_user
from sanxiang.core.models import PublicationStatus
from sanxiang.ledger.models import Entry
from sanxiang.org.models import Agency, Department, DepartmentKind, Role, RoleAssignment
from sanxiang.registry import selectors, services
from sanxiang.registry.models import ComplaintChannel, DocumentTemplate, EnforcementItem, Officer
from sanxiang.registry.specs import CHANNELS, OFFICERS, TEMPLATES
from sanxiang.registry.tests.conftest import CHANNEL, officer_data

ITEM_FORM = {
    "code": "XZCF-009",
    "category": "penalty",
    "name": "对未按规定开展安全生产教育和培训的处罚",
    "legal_basis": "中华人民共和国安全生产法|第九十七条\n生产经营单位安全培训规定｜第三十条",
    "discretion_benchmark": "首次违法|警告||\n情节严重|罚款|50000|100000",
    "time_limit_days": "90",
    "time_limit_kind": "calendar",
}


def url(name: str, *args: object) -> str:
    return reverse(f"{'workspace' if name == 'home' else 'registry'}:{name}", args=list(args))


def test_clerk_creates_and_submits_and_the_reviewer_approves(bureau):
    clerk, reviewer = client_for(bureau.office_clerk), client_for(bureau.reviewer)

    response = clerk.post(url("entry_create", "complaint-channels"), CHANNEL)
    channel = ComplaintChannel.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("entry_detail", "complaint-channels", channel.pk)
    assert channel.status == PublicationStatus.DRAFT
    assert channel.agency == bureau.agency

    assert clerk.post(url("entry_submit", "complaint-channels", channel.pk)).status_code == 302
    channel.refresh_from_db()
    assert channel.status == PublicationStatus.SUBMITTED

    inbox = reviewer.get(url("home")).content.decode()
    assert url("entry_detail", "complaint-channels", channel.pk) in inbox

    response = reviewer.post(url("entry_approve", "complaint-channels", channel.pk), {"note": "同意公示"})
    assert response.status_code == 302
    channel.refresh_from_db()
    assert channel.status == PublicationStatus.PUBLISHED
    assert list(selectors.public_list("complaint-channels")) == [channel]

    page = reviewer.get(url("entry_detail", "complaint-channels", channel.pk)).content.decode()
    for text in ("新建", "提交审核", "审核通过并公示", "同意公示", "clerk", "reviewer"):
        assert text in page
    entries = Entry.objects.filter(subject_type="registry.complaintchannel", subject_id=str(channel.pk))
    assert list(entries.values_list("action", flat=True)) == [
        "complaint_channel.create",
        "complaint_channel.submit",
        "complaint_channel.publish",
    ]


def test_bad_input_shows_chinese_field_errors_and_writes_nothing(bureau):
    response = client_for(bureau.office_clerk).post(
        url("entry_create", "complaint-channels"), {**CHANNEL, "phone": "12", "postcode": "abc"}
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert "电话号码" in form.errors["phone"][0]
    assert "邮政编码" in form.errors["postcode"][0]
    page = response.content.decode()
    assert "未保存任何内容" in page
    assert 'value="局监督举报"' in page  # what was typed stays in the form
    assert not ComplaintChannel.objects.exists()
    assert not Entry.objects.filter(action__startswith="complaint_channel").exists()


def test_structured_fields_are_typed_as_lines(bureau):
    response = client_for(bureau.head).post(
        url("entry_create", "items"), {**ITEM_FORM, "handling_department": bureau.section.pk}
    )
    assert response.status_code == 302, response.context["form"].errors
    item = EnforcementItem.objects.get(code="XZCF-009")
    assert item.legal_basis == [
        {"law": "中华人民共和国安全生产法", "article": "第九十七条"},
        {"law": "生产经营单位安全培训规定", "article": "第三十条"},
    ]
    assert item.discretion_benchmark == [
        {"circumstance": "首次违法", "sanction": "警告", "fine_min": "", "fine_max": ""},
        {"circumstance": "情节严重", "sanction": "罚款", "fine_min": "50000", "fine_max": "100000"},
    ]
    # The edit form shows the same lines again.
    page = client_for(bureau.head).get(url("entry_edit", "items", item.pk)).content.decode()
    assert "中华人民共和国安全生产法|第九十七条" in page
    assert "情节严重|罚款|50000|100000" in page


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"legal_basis": ""}, "legal_basis", "至少填写一项执法依据"),
        ({"discretion_benchmark": "情节严重|罚款|100000|50000"}, "discretion_benchmark", "下限不能高于上限"),
        ({"discretion_benchmark": "a|b|1|2|3"}, "discretion_benchmark", "第1行多了“|”"),
        ({"time_limit_days": "九十"}, "time_limit_days", "整数"),
    ],
)
def test_bad_structured_input_is_rejected_next_to_its_field(bureau, change, field, message):
    data = {**ITEM_FORM, "handling_department": bureau.section.pk, **change}
    response = client_for(bureau.head).post(url("entry_create", "items"), data)
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert not EnforcementItem.objects.exists()
    assert not Entry.objects.filter(action__startswith="item.").exists()


def test_department_choices_are_limited_to_the_agency(bureau):
    foreign = Department.objects.create(agency=bureau.other_agency, name="执法科", kind=DepartmentKind.ENFORCEMENT)
    client = client_for(bureau.head)
    form_page = client.get(url("entry_create", "items")).content.decode()
    assert bureau.section.name in form_page
    assert f'value="{foreign.pk}"' not in form_page
    response = client.post(url("entry_create", "items"), {**ITEM_FORM, "handling_department": foreign.pk})
    assert response.status_code == 400
    assert response.context["form"].errors["handling_department"]
    assert not EnforcementItem.objects.exists()


def test_staged_change_is_shown_as_a_diff_and_approved(bureau, entries):
    reviewer = client_for(bureau.reviewer)
    page = reviewer.get(url("entry_detail", "items", entries.item.pk)).content.decode()
    assert "待审核的修改" in page
    assert '<del class="ws-diff__before">对生产经营单位未建立事故隐患排查治理制度的处罚</del>' in page
    assert '<ins class="ws-diff__after">对未建立事故隐患排查治理制度的处罚</ins>' in page
    assert '<del class="ws-diff__before">90</del>' in page
    assert '<ins class="ws-diff__after">60</ins>' in page
    # Fields that did not change are not in the diff.
    assert 'data-field="code"' not in page

    assert reviewer.post(url("entry_approve", "items", entries.item.pk)).status_code == 302
    item = EnforcementItem.objects.get(pk=entries.item.pk)
    assert (item.name, item.time_limit_days, item.pending) == ("对未建立事故隐患排查治理制度的处罚", 60, None)
    assert "待审核的修改" not in reviewer.get(url("entry_detail", "items", item.pk)).content.decode()


def test_editing_a_published_entry_stages_the_change(bureau):
    channel = services.entry_create(actor=bureau.office_clerk, spec=CHANNELS, agency=bureau.agency, data=CHANNEL)
    services.entry_submit(actor=bureau.office_clerk, spec=CHANNELS, obj=channel)
    services.entry_approve(actor=bureau.reviewer, spec=CHANNELS, obj=channel)
    client = client_for(bureau.office_clerk)
    assert 'value="0427-2825000"' in client.get(url("entry_edit", "complaint-channels", channel.pk)).content.decode()
    response = client.post(url("entry_edit", "complaint-channels", channel.pk), {**CHANNEL, "phone": "0427 2825111"})
    assert response.status_code == 302
    channel.refresh_from_db()
    assert channel.phone == "0427-2825000"
    assert channel.pending == {"phone": "0427-2825111"}
    # Editing again starts from the staged version.
    assert 'value="0427-2825111"' in client.get(url("entry_edit", "complaint-channels", channel.pk)).content.decode()


def test_return_needs_a_note_and_then_shows_for_fixing(bureau):
    channel = services.entry_create(actor=bureau.office_clerk, spec=CHANNELS, agency=bureau.agency, data=CHANNEL)
    services.entry_submit(actor=bureau.office_clerk, spec=CHANNELS, obj=channel)
    reviewer = client_for(bureau.reviewer)
    response = reviewer.post(url("entry_return", "complaint-channels", channel.pk), {"note": "  "})
    assert response.status_code == 400
    assert "退回时必须填写审核意见" in response.content.decode()
    channel.refresh_from_db()
    assert channel.status == PublicationStatus.SUBMITTED

    reviewer.post(url("entry_return", "complaint-channels", channel.pk), {"note": "受理时间未填写"})
    channel.refresh_from_db()
    assert channel.status == PublicationStatus.RETURNED
    inbox = client_for(bureau.office_clerk).get(url("home")).content.decode()
    assert "退回待修改" in inbox and "受理时间未填写" in inbox
    assert url("entry_detail", "complaint-channels", channel.pk) in inbox


def test_withdraw_needs_a_reason(bureau, entries):
    reviewer = client_for(bureau.reviewer)
    response = reviewer.post(url("entry_withdraw", "items", entries.item.pk), {"reason": ""})
    assert response.status_code == 400
    assert "撤下时必须说明理由" in response.content.decode()
    assert EnforcementItem.objects.get(pk=entries.item.pk).status == PublicationStatus.PUBLISHED
    reviewer.post(url("entry_withdraw", "items", entries.item.pk), {"reason": "职责划转"})
    assert EnforcementItem.objects.get(pk=entries.item.pk).status == PublicationStatus.WITHDRAWN


def test_invalid_transition_is_explained(bureau, entries):
    response = client_for(bureau.reviewer).post(url("entry_submit", "items", entries.item.pk))
    assert response.status_code == 400
    assert "只有草稿或退回修改的条目可以提交审核" in response.content.decode()


def test_officer_certificate_actions(bureau, entries):
    reviewer = client_for(bureau.reviewer)
    pk = entries.officer.pk
    response = reviewer.post(url("officer_suspend", pk), {"reason": ""})
    assert response.status_code == 400
    assert "暂扣执法证须说明原因" in response.content.decode()
    assert Officer.objects.get(pk=pk).suspended_at is None

    reviewer.post(url("officer_suspend", pk), {"reason": "涉嫌违规执法"})
    page = reviewer.get(url("entry_detail", "officers", pk)).content.decode()
    assert "执法证：暂扣" in page and "涉嫌违规执法" in page
    reviewer.post(url("officer_reinstate", pk), {"reason": "调查结束"})
    assert Officer.objects.get(pk=pk).suspended_at is None

    response = reviewer.post(url("officer_annual_review", pk), {"year": "1999", "passed": "1"})
    assert response.status_code == 400
    reviewer.post(url("officer_annual_review", pk), {"year": "2025", "passed": "0", "note": "培训未达标"})
    officer = Officer.objects.get(pk=pk)
    assert (officer.annual_review_year, officer.annual_review_state) == (2025, "failed")

    reviewer.post(url("officer_revoke", pk), {"reason": "调离执法岗位"})
    assert Officer.objects.get(pk=pk).revoked_at is not None
    page = reviewer.get(url("entry_detail", "officers", pk)).content.decode()
    assert url("officer_suspend", pk) not in page and url("officer_revoke", pk) not in page


def test_officer_form_has_checkboxes_and_date_inputs(bureau):
    client = client_for(bureau.reviewer)
    page = client.get(url("entry_create", "officers")).content.decode()
    assert 'type="checkbox" name="categories" value="penalty"' in page
    assert 'type="date" name="valid_from"' in page
    data = {
        "department": bureau.section.pk,
        "name": "李执法",
        "post": "执法队员",
        "certificate_number": "21110300077",
        "categories": ["penalty", "inspection"],
        "region": "211103",
        "valid_from": "2025-01-01",
        "valid_until": "2024-12-31",
        "annual_review_state": "pending",
    }
    response = client.post(url("entry_create", "officers"), data)
    assert response.status_code == 400
    assert "有效期至不能早于有效期起" in response.context["form"].errors["valid_until"][0]
    response = client.post(url("entry_create", "officers"), {**data, "valid_until": "2030-12-31"})
    assert response.status_code == 302
    officer = Officer.objects.get(certificate_number="21110300077")
    assert officer.categories == ["penalty", "inspection"]
    assert officer.valid_until == dt.date(2030, 12, 31)


def test_district_review_of_an_entrusted_agency(bureau, entries):
    entrusted = entries.entrusted
    client = client_for(bureau.reviewer)
    detail = url("entry_detail", "agencies", entrusted.pk)
    page = client.get(detail).content.decode()
    assert "尚未经区政府法制机构审核" in page
    assert url("agency_district_review", entrusted.pk) in page
    response = client.post(url("agency_district_review", entrusted.pk), {"reference": ""})
    assert response.status_code == 400
    assert "请填写区政府法制机构的审核文号" in response.content.decode()
    client.post(url("agency_district_review", entrusted.pk), {"reference": "兴司审〔2026〕3号"})
    entrusted.refresh_from_db()
    assert entrusted.district_review_reference == "兴司审〔2026〕3号"
    assert "兴司审〔2026〕3号" in client.get(detail).content.decode()
    assert entrusted.publicly_visible


def test_only_the_deployment_administrator_creates_agencies(bureau):
    assert client_for(bureau.reviewer).get(url("entry_create", "agencies")).status_code == 403
    client = client_for(bureau.superuser)
    data = {
        "name": "兴隆台区消防救援大队",
        "nature": "administrative",
        "subject_category": "statutory",
        "level": "district",
        "enforcement_staff_count": "10",
    }
    response = client.post(url("entry_create", "agencies"), data)
    assert response.status_code == 302
    created = Agency.objects.get(name="兴隆台区消防救援大队")
    assert created.status == PublicationStatus.DRAFT


def test_list_filters_by_state_and_searches(bureau, entries):
    client = client_for(bureau.reviewer)
    services.entry_create(
        actor=bureau.reviewer, spec=CHANNELS, agency=bureau.agency, data={**CHANNEL, "name": "微信公众号举报"}
    )
    page = client.get(url("entry_list", "complaint-channels")).content.decode()
    assert "局监督举报" in page and "微信公众号举报" in page
    assert "双台子举报" not in page  # another agency's entry
    page = client.get(url("entry_list", "complaint-channels") + "?q=微信").content.decode()
    assert "微信公众号举报" in page and "局监督举报" not in page
    page = client.get(url("entry_list", "items") + "?status=staged").content.decode()
    assert entries.item.code in page
    page = client.get(url("entry_list", "items") + "?status=draft").content.decode()
    assert entries.item.code not in page


def test_agency_choice_for_staff_of_several_agencies(bureau, entries):
    user = make_user("twohats", bureau.agency, Role.LEGAL_REVIEWER)
    RoleAssignment.objects.create(user=user, agency=bureau.other_agency, role=Role.LEGAL_REVIEWER)
    client = client_for(user)
    page = client.get(url("entry_list", "complaint-channels")).content.decode()
    assert "局监督举报" in page  # the first role's agency by default
    page = client.get(url("entry_list", "complaint-channels") + f"?agency={bureau.other_agency.pk}").content.decode()
    assert "双台子举报" in page and "局监督举报" not in page
    # Remembered for the next page; creating goes to the chosen agency.
    assert "双台子举报" in client.get(url("entry_list", "complaint-channels")).content.decode()
    client.post(url("entry_create", "complaint-channels"), {**CHANNEL, "name": "新渠道"})
    assert ComplaintChannel.objects.get(name="新渠道").agency == bureau.other_agency
    # An agency the user has no role in cannot be chosen.
    page = client.get(url("entry_list", "complaint-channels") + f"?agency={bureau.agency.pk + 1000}").content.decode()
    assert "双台子举报" in page


def test_home_counts_by_state_with_a_bounded_number_of_queries(bureau, entries):
    client = client_for(bureau.reviewer)
    client.get(url("home"))
    with CaptureQueriesContext(connection) as first:
        response = client.get(url("home"))
    lists = {entry["key"]: entry for entry in response.context["lists"]}
    counts = {status: n for status, _label, n, _cls in lists["items"]["counts"]}
    assert counts["published"] == 1 and lists["items"]["staged"] == 1
    for n in range(5):
        services.entry_create(
            actor=bureau.reviewer, spec=CHANNELS, agency=bureau.agency, data={**CHANNEL, "name": f"渠道{n}"}
        )
        services.entry_submit(actor=bureau.reviewer, spec=CHANNELS, obj=ComplaintChannel.objects.get(name=f"渠道{n}"))
    with CaptureQueriesContext(connection) as second:
        response = client.get(url("home"))
    assert len(response.context["to_review"]) == 6
    assert len(second) == len(first)


def test_template_upload_records_the_files_hash(bureau, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = client_for(bureau.reviewer)
    content = b"PK\x03\x04 not really a docx"
    upload = SimpleUploadedFile("lian.docx", content)
    data = {"code": "WS-01", "name": "立案审批表", "order": "1", "placeholders": "party_name|当事人名称|必填"}
    response = client.post(url("entry_create", "templates"), {**data, "file": upload})
    assert response.status_code == 302
    template = DocumentTemplate.objects.get(code="WS-01")
    assert template.file_sha256 == hashlib.sha256(content).hexdigest()
    assert template.placeholders == [{"name": "party_name", "label": "当事人名称", "required": True}]
    # Once published, its file is not replaced through a staged change.
    services.entry_submit(actor=bureau.reviewer, spec=TEMPLATES, obj=template)
    services.entry_approve(actor=bureau.reviewer, spec=TEMPLATES, obj=template)
    page = client.get(url("entry_edit", "templates", template.pk)).content.decode()
    assert 'name="file"' not in page and 'name="name"' in page


@pytest.mark.parametrize("list_key", ["complaint-channels", "officers"])
def test_list_page_queries_do_not_grow_with_entries(bureau, entries, list_key):
    client = client_for(bureau.reviewer)
    client.get(url("entry_list", list_key))
    with CaptureQueriesContext(connection) as first:
        client.get(url("entry_list", list_key))
    for n in range(4):
        if list_key == "officers":
            data = officer_data(bureau, name=f"执法{n}", certificate_number=f"2111030010{n}")
            services.entry_create(actor=bureau.reviewer, spec=OFFICERS, agency=bureau.agency, data=data)
        else:
            data = {**CHANNEL, "name": f"渠道{n}"}
            services.entry_create(actor=bureau.reviewer, spec=CHANNELS, agency=bureau.agency, data=data)
    with CaptureQueriesContext(connection) as second:
        response = client.get(url("entry_list", list_key))
    assert len(response.context["page"].object_list) >= 5
    assert len(second) == len(first)
