"""Complaint services: filing with its limits (text, attachment count and size, rate), every staff action with its
permission check and its one ledger entry, the due date in working days, and the tracking view's contents."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
from typing import Any

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from sanxiang.complaints import codes, selectors, services
from sanxiang.complaints.access import blob_access, readable_complaints
from sanxiang.complaints.models import Complaint, ComplaintAttachment, ComplaintState, SubmissionStamp
from sanxiang.complaints.tests.conftest import file, upload
from sanxiang.conftest import Bureau
from sanxiang.core import calendar
from sanxiang.core.errors import InvalidTransition, NotFound, PermissionDenied, ValidationError
from sanxiang.ledger.models import Blob, Entry
from sanxiang.ledger.registry import may_read_blob

pytestmark = pytest.mark.django_db


def entries(subject: Any, action: str | None = None) -> list[Entry]:
    qs = Entry.objects.filter(subject_type=subject._meta.label_lower, subject_id=str(subject.pk))
    return list(qs.filter(action=action) if action else qs)


def nothing_written() -> None:
    assert not Complaint.objects.exists()
    assert not ComplaintAttachment.objects.exists()
    assert not SubmissionStamp.objects.exists()
    assert not Blob.objects.exists()
    assert not Entry.objects.filter(action__startswith="complaint.").exists()
    assert not Entry.objects.filter(action="blob.store").exists()


# --- tracking codes ---------------------------------------------------------------------------------------------------


def test_code_is_grouped_crockford_base32_and_reads_back_forgivingly() -> None:
    code = codes.new_code()
    assert len(code) == 19 and code.count("-") == 3
    assert all(ch in codes.ALPHABET for ch in code.replace("-", ""))
    assert codes.code_hash(code) == codes.code_hash(code.lower().replace("-", " "))
    assert codes.normalise("oooo-iiii-llll-0000") == "0000111111110000"
    assert codes.code_hash("too-short") is None
    assert codes.code_hash("UUUU-UUUU-UUUU-UUUU") is None  # U is not in the alphabet


@given(st.text(max_size=30))
def test_normalise_never_accepts_what_is_not_sixteen_alphabet_characters(raw: str) -> None:
    result = codes.normalise(raw)
    assert result is None or (len(result) == 16 and set(result) <= set(codes.ALPHABET))


def test_codes_are_distinct() -> None:
    assert len({codes.new_code() for _ in range(2000)}) == 2000


# --- filing -----------------------------------------------------------------------------------------------------------


def test_filing_saves_the_complaint_stores_only_the_code_hash_and_records_it(bureau: Bureau, officer: Any) -> None:
    filed = file(bureau, officer="21110320190001", files=(upload(), upload("录音.m4a", b"audio", "audio/mp4")))
    complaint = filed.complaint
    assert complaint.state == ComplaintState.RECEIVED
    assert complaint.officer == officer
    assert complaint.complainant_name == "李秀兰"
    assert complaint.code_hash == codes.code_hash(filed.code)
    assert filed.code not in str(Complaint.objects.filter(pk=complaint.pk).values().get())
    assert [e.actor_id for e in entries(complaint)] == [None]
    assert entries(complaint, "complaint.file")
    attachments = list(complaint.attachments.order_by("position"))
    assert [(a.filename, a.position, a.size) for a in attachments] == [("照片.jpg", 1, 14), ("录音.m4a", 2, 5)]
    for attachment in attachments:
        assert len(entries(attachment, "complaint.attach")) == 1
    assert Entry.objects.filter(action="blob.store").count() == 2
    # The rate limiter keeps a keyed hash of the address, never the address.
    stamp = SubmissionStamp.objects.get()
    assert stamp.client_hash == codes.client_hash("203.0.113.7") != "203.0.113.7"
    assert "203.0.113.7" not in stamp.client_hash


def test_officer_by_name_and_the_refusals_for_unknown_or_ambiguous_names(bureau: Bureau, officer: Any) -> None:
    assert file(bureau, officer="王建国").complaint.officer == officer
    with pytest.raises(ValidationError) as exc:
        file(bureau, officer="赵无名")
    assert "未找到“赵无名”" in exc.value.errors["officer"][0]
    from sanxiang.registry.tests import factories as f

    f.publish(
        "officers", bureau=bureau, data=f.officer_data(bureau, name="王建国", certificate_number="21110320190002")
    )
    with pytest.raises(ValidationError) as exc:
        file(bureau, officer="王建国")
    assert "请填写执法证号" in exc.value.errors["officer"][0]


def test_an_officer_of_another_agency_is_not_found(bureau: Bureau, officer: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        file(bureau, agency=str(bureau.other_agency.pk), officer="21110320190001")
    assert "officer" in exc.value.errors


def test_due_date_is_fifteen_working_days_from_the_day_received(bureau: Bureau) -> None:
    complaint = file(bureau).complaint
    expected = calendar.add_working_days(timezone.localdate(complaint.received_at), 15)
    assert complaint.due_on == expected.date
    assert complaint.due_provisional == expected.provisional
    assert calendar.working_days_between(timezone.localdate(complaint.received_at), complaint.due_on) in (15, 16)


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"kind": "praise"}, "kind"),
        ({"agency": ""}, "agency"),
        ({"agency": "abc"}, "agency"),
        ({"text": "   "}, "text"),
        ({"complainant_name": "名" * 51}, "complainant_name"),
        ({"complainant_contact": "1" * 101}, "complainant_contact"),
        ({"reported_party": "某" * 201}, "reported_party"),
    ],
)
def test_bad_input_is_refused_in_chinese_and_nothing_is_written(bureau: Bureau, extra: dict, field: str) -> None:
    with pytest.raises(ValidationError) as exc:
        file(bureau, files=(upload(),), **extra)
    assert field in exc.value.errors
    assert any("\u4e00" <= ch <= "\u9fff" for ch in exc.value.errors[field][0])  # a Chinese message
    nothing_written()


def test_an_unpublished_agency_is_refused(bureau: Bureau) -> None:
    from sanxiang.core.models import PublicationStatus
    from sanxiang.org.models import Agency

    Agency.objects.filter(pk=bureau.other_agency.pk).update(status=PublicationStatus.DRAFT)
    with pytest.raises(ValidationError) as exc:
        file(bureau, agency=str(bureau.other_agency.pk))
    assert exc.value.errors["agency"] == ["请选择已公示的执法主体。"]


def test_text_limit_is_5000_characters(bureau: Bureau) -> None:
    assert len(file(bureau, text="字" * 5000).complaint.text) == 5000
    with pytest.raises(ValidationError) as exc:
        file(bureau, text="字" * 5001)
    assert exc.value.errors["text"] == ["内容不能超过 5000 个字符（现有 5001 个），较长的材料请作为附件上传。"]


def test_at_most_three_attachments(bureau: Bureau) -> None:
    with pytest.raises(ValidationError) as exc:
        file(bureau, files=tuple(upload(f"{n}.jpg", bytes([n])) for n in range(4)))
    assert exc.value.errors["attachments"] == ["最多可上传 3 个附件，您选择了 4 个。"]
    nothing_written()
    assert (
        file(bureau, files=tuple(upload(f"{n}.jpg", bytes([n])) for n in range(3))).complaint.attachments.count() == 3
    )


def test_an_attachment_over_10_mb_is_refused_before_anything_is_stored(bureau: Bureau) -> None:
    limit = 10 * 1024 * 1024
    small, big = upload("a.jpg", b"small"), upload("大视频.mp4", b"\0" * (limit + 1), "video/mp4")
    with pytest.raises(ValidationError) as exc:
        file(bureau, files=(small, big))
    assert exc.value.errors["attachments"] == ["附件“大视频.mp4”为 10 MB，超过单个附件 10 MB 的上限。"]
    nothing_written()
    exactly = upload("刚好.mp4", b"\1" * limit, "video/mp4")
    assert file(bureau, files=(exactly,)).complaint.attachments.get().size == limit


def test_an_empty_attachment_is_refused(bureau: Bureau) -> None:
    with pytest.raises(ValidationError) as exc:
        file(bureau, files=(upload("空.txt", b""),))
    assert exc.value.errors["attachments"] == ["附件“空.txt”是空文件。"]
    nothing_written()


class _Liar:
    """A stream that claims fewer bytes than it holds."""

    def __init__(self, content: bytes, claimed: int) -> None:
        self.name, self.size, self.content_type = "liar.bin", claimed, "application/octet-stream"
        self._io = io.BytesIO(content)

    def read(self, size: int = -1) -> bytes:
        return self._io.read(size)


def test_a_stream_longer_than_it_claims_is_refused_and_nothing_is_written(bureau: Bureau) -> None:
    with pytest.raises(ValidationError):
        file(bureau, files=(_Liar(b"x" * 100, claimed=10),))
    nothing_written()


def test_limits_follow_the_settings(bureau: Bureau, settings: Any) -> None:
    settings.SANXIANG_COMPLAINT_MAX_CHARS = 10
    settings.SANXIANG_COMPLAINT_MAX_ATTACHMENTS = 1
    settings.SANXIANG_COMPLAINT_MAX_ATTACHMENT_BYTES = 4
    with pytest.raises(ValidationError) as exc:
        file(bureau, text="字" * 11, files=(upload("a", b"12345"),))
    assert set(exc.value.errors) == {"text", "attachments"}
    with pytest.raises(ValidationError):
        file(bureau, text="短", files=(upload("a", b"1"), upload("b", b"2")))
    assert file(bureau, text="短", files=(upload("a", b"1234"),)).complaint.pk


# --- the rate limit ---------------------------------------------------------------------------------------------------


def test_sixth_filing_from_one_address_within_an_hour_is_refused(bureau: Bureau) -> None:
    for _ in range(5):
        file(bureau, address="198.51.100.9")
    with pytest.raises(services.RateLimited) as exc:
        file(bureau, address="198.51.100.9", files=(upload(),))
    assert "每小时最多可提交 5 件" in exc.value.message
    assert Complaint.objects.count() == 5
    assert not Blob.objects.exists()  # nothing of the refused filing was stored
    # Another address is not affected.
    assert file(bureau, address="198.51.100.10").complaint.pk


def test_the_rate_window_slides(bureau: Bureau) -> None:
    for _ in range(5):
        file(bureau, address="198.51.100.9")
    SubmissionStamp.objects.update(at=timezone.now() - dt.timedelta(minutes=61))
    assert file(bureau, address="198.51.100.9").complaint.pk
    assert SubmissionStamp.objects.count() == 1  # the old counts were dropped


def test_bad_input_does_not_count_towards_the_rate(bureau: Bureau, settings: Any) -> None:
    settings.SANXIANG_COMPLAINT_RATE_PER_HOUR = 1
    with pytest.raises(ValidationError):
        file(bureau, text="")
    assert file(bureau).complaint.pk
    with pytest.raises(services.RateLimited):
        file(bureau)


# --- staff actions ----------------------------------------------------------------------------------------------------


def test_the_office_takes_a_complaint_through_every_action_one_entry_each(bureau: Bureau) -> None:
    complaint = file(bureau).complaint
    clerk = bureau.office_clerk
    complaint = services.complaint_accept(actor=clerk, complaint=complaint, note="属于本机关职责")
    assert complaint.state == ComplaintState.ACCEPTED and complaint.accepted_by == clerk
    complaint = services.complaint_assign(
        actor=clerk, complaint=complaint, department=bureau.section, assignee=bureau.head, note="请核查"
    )
    assert (complaint.department, complaint.assignee) == (bureau.section, bureau.head)
    note = services.complaint_note_add(actor=bureau.head, complaint=complaint, text="已调取执法记录仪视频。")
    complaint = services.complaint_reply(actor=clerk, complaint=complaint, text="经核查属实，已批评教育。")
    assert complaint.state == ComplaintState.REPLIED and complaint.replied_by == clerk
    complaint = services.complaint_close(actor=clerk, complaint=complaint, note="回访满意")
    assert complaint.state == ComplaintState.CLOSED
    actions = [e.action for e in entries(complaint)]
    assert actions == [
        "complaint.file",
        "complaint.accept",
        "complaint.assign",
        "complaint.reply",
        "complaint.close",
    ]
    assert [e.actor_id for e in entries(complaint)] == [None, clerk.pk, clerk.pk, clerk.pk, clerk.pk]
    assert [e.action for e in entries(note)] == ["complaint.note"]
    assert entries(note)[0].actor_id == bureau.head.pk


def test_refusal_needs_a_reason_and_can_then_be_closed(bureau: Bureau) -> None:
    complaint = file(bureau).complaint
    with pytest.raises(ValidationError) as exc:
        services.complaint_refuse(actor=bureau.office_clerk, complaint=complaint, reason=" ")
    assert exc.value.errors == {"reason": ["请填写不予受理的理由（将告知投诉举报人）。"]}
    assert len(entries(complaint)) == 1
    complaint = services.complaint_refuse(actor=bureau.office_clerk, complaint=complaint, reason="不属于本机关职责。")
    assert complaint.state == ComplaintState.REFUSED
    with pytest.raises(InvalidTransition):
        services.complaint_accept(actor=bureau.office_clerk, complaint=complaint)
    assert services.complaint_close(actor=bureau.office_clerk, complaint=complaint).state == ComplaintState.CLOSED


@pytest.mark.parametrize("who", ["officer", "head", "reviewer", "leader", "outsider", "supervisor", "evaluator"])
def test_only_the_office_handles(bureau: Bureau, who: str) -> None:
    complaint = file(bureau).complaint
    actor = getattr(bureau, who)
    for call in (
        lambda: services.complaint_accept(actor=actor, complaint=complaint),
        lambda: services.complaint_refuse(actor=actor, complaint=complaint, reason="理由"),
    ):
        with pytest.raises(PermissionDenied):
            call()
    complaint = services.complaint_accept(actor=bureau.office_clerk, complaint=complaint)
    for later in (
        lambda: services.complaint_assign(actor=actor, complaint=complaint, department=bureau.section),
        lambda: services.complaint_reply(actor=actor, complaint=complaint, text="答复"),
        lambda: services.complaint_note_add(actor=actor, complaint=complaint, text="记录"),
    ):
        with pytest.raises(PermissionDenied):
            later()
    assert [e.action for e in entries(complaint)] == ["complaint.file", "complaint.accept"]


def test_the_deployment_administrator_may_handle(bureau: Bureau) -> None:
    complaint = file(bureau).complaint
    assert services.complaint_accept(actor=bureau.superuser, complaint=complaint).state == ComplaintState.ACCEPTED


def test_actions_out_of_order_are_refused(bureau: Bureau) -> None:
    clerk = bureau.office_clerk
    complaint = file(bureau).complaint
    with pytest.raises(InvalidTransition, match="待受理，不能答复"):
        services.complaint_reply(actor=clerk, complaint=complaint, text="答复")
    with pytest.raises(InvalidTransition):
        services.complaint_assign(actor=clerk, complaint=complaint, department=bureau.section)
    with pytest.raises(InvalidTransition):
        services.complaint_close(actor=clerk, complaint=complaint)
    complaint = services.complaint_accept(actor=clerk, complaint=complaint)
    with pytest.raises(InvalidTransition):
        services.complaint_accept(actor=clerk, complaint=complaint)
    complaint = services.complaint_reply(actor=clerk, complaint=complaint, text="答复")
    with pytest.raises(InvalidTransition):
        services.complaint_note_add(actor=clerk, complaint=complaint, text="晚了")
    with pytest.raises(InvalidTransition):
        services.complaint_reply(actor=clerk, complaint=complaint, text="再次答复")


def test_assignment_checks_department_and_person(bureau: Bureau, officer: Any) -> None:
    from sanxiang.org.models import Department

    clerk = bureau.office_clerk
    complaint = services.complaint_accept(actor=clerk, complaint=file(bureau, officer="王建国").complaint)
    other_department = Department.objects.create(agency=bureau.other_agency, name="执法科", kind="enforcement")
    with pytest.raises(ValidationError) as exc:
        services.complaint_assign(actor=clerk, complaint=complaint)
    assert exc.value.errors == {"__all__": ["请选择承办科室或承办人。"]}
    with pytest.raises(ValidationError) as exc:
        services.complaint_assign(actor=clerk, complaint=complaint, department=other_department)
    assert "department" in exc.value.errors
    with pytest.raises(ValidationError) as exc:
        services.complaint_assign(actor=clerk, complaint=complaint, assignee=bureau.outsider)
    assert exc.value.errors == {"assignee": ["承办人须为本机关的在岗工作人员。"]}
    with pytest.raises(ValidationError) as exc:
        services.complaint_assign(actor=clerk, complaint=complaint, assignee=bureau.officer)  # the one complained about
    assert exc.value.errors == {"assignee": ["不能交由被投诉的执法人员本人承办。"]}
    assert [e.action for e in entries(complaint)] == ["complaint.file", "complaint.accept"]


def test_reply_text_is_required_and_bounded(bureau: Bureau) -> None:
    complaint = services.complaint_accept(actor=bureau.office_clerk, complaint=file(bureau).complaint)
    with pytest.raises(ValidationError):
        services.complaint_reply(actor=bureau.office_clerk, complaint=complaint, text="")
    with pytest.raises(ValidationError):
        services.complaint_reply(actor=bureau.office_clerk, complaint=complaint, text="答" * 5001)
    assert Complaint.objects.get(pk=complaint.pk).state == ComplaintState.ACCEPTED


def test_a_late_reply_is_noted_in_the_record(bureau: Bureau) -> None:
    complaint = services.complaint_accept(actor=bureau.office_clerk, complaint=file(bureau).complaint)
    Complaint.objects.filter(pk=complaint.pk).update(due_on=timezone.localdate() - dt.timedelta(days=1))
    complaint = services.complaint_reply(actor=bureau.office_clerk, complaint=complaint, text="答复")
    assert entries(complaint, "complaint.reply")[0].note == "超期答复"
    assert selectors.due_status(complaint) == "late"


# --- reading ----------------------------------------------------------------------------------------------------------


def test_who_reads_complaints(bureau: Bureau) -> None:
    complaint = file(bureau).complaint
    readers = {"office_clerk", "reviewer", "leader", "supervisor", "superuser"}
    for who in ("officer", "head", "office_clerk", "reviewer", "leader", "supervisor", "outsider", "superuser"):
        assert readable_complaints(getattr(bureau, who)).filter(pk=complaint.pk).exists() == (who in readers), who
    complaint = services.complaint_accept(actor=bureau.office_clerk, complaint=complaint)
    services.complaint_assign(actor=bureau.office_clerk, complaint=complaint, assignee=bureau.head)
    assert readable_complaints(bureau.head).filter(pk=complaint.pk).exists()  # the assignee reads it now


def test_attachments_are_readable_only_by_those_who_read_the_complaint(bureau: Bureau) -> None:
    complaint = file(bureau, files=(upload(),)).complaint
    sha = complaint.attachments.get().blob_id
    assert blob_access(bureau.office_clerk, sha) is True
    assert blob_access(bureau.officer, sha) is False
    assert blob_access(bureau.outsider, sha) is False
    assert may_read_blob(bureau.officer, sha) is False
    assert blob_access(bureau.officer, "0" * 64) is None  # not a complaint's file: no opinion


def test_list_filters_due_overdue_replied(bureau: Bureau) -> None:
    clerk = bureau.office_clerk
    due = file(bureau).complaint
    overdue = file(bureau).complaint
    Complaint.objects.filter(pk=overdue.pk).update(due_on=timezone.localdate() - dt.timedelta(days=1))
    replied = services.complaint_accept(actor=clerk, complaint=file(bureau).complaint)
    replied = services.complaint_reply(actor=clerk, complaint=replied, text="答复")
    refused = services.complaint_refuse(actor=clerk, complaint=file(bureau).complaint, reason="理由")

    def ids(status: str) -> set[int]:
        return set(selectors.staff_complaints(clerk, status=status).values_list("pk", flat=True))

    assert ids("due") == {due.pk}
    assert ids("overdue") == {overdue.pk}
    assert ids("replied") == {replied.pk, refused.pk}
    assert ids("") == {due.pk, overdue.pk, replied.pk, refused.pk}
    assert selectors.counts(clerk) == {"": 4, "due": 1, "overdue": 1, "replied": 2}
    assert selectors.due_status(Complaint.objects.get(pk=overdue.pk)) == "overdue"
    assert selectors.staff_complaints(bureau.outsider).count() == 0
    with pytest.raises(NotFound):
        selectors.staff_complaint(bureau.outsider, due.pk)


def test_tracking_carries_status_dates_and_reply_but_no_identity_and_no_notes(bureau: Bureau) -> None:
    filed = file(bureau, complainant_name="欧阳明华", complainant_contact="13800000001")
    clerk = bureau.office_clerk
    complaint = services.complaint_accept(actor=clerk, complaint=filed.complaint)
    services.complaint_note_add(actor=clerk, complaint=complaint, text="内部记录：涉事人员张某")
    services.complaint_reply(actor=clerk, complaint=complaint, text="已依法处理。")
    tracking = selectors.track(filed.code.lower())
    assert tracking.state == "replied" and tracking.reply == "已依法处理。"
    assert tracking.due_on == complaint.due_on and tracking.accepted_on == timezone.localdate()
    shown = str(dataclasses.asdict(tracking))
    for secret in ("欧阳明华", "13800000001", "内部记录", "执法人员到我店检查"):
        assert secret not in shown
    with pytest.raises(NotFound):
        selectors.track("AAAA-BBBB-CCCC-DDDD")
    with pytest.raises(NotFound):
        selectors.track("")


def test_demo_seed_is_idempotent(bureau: Bureau) -> None:
    from sanxiang.complaints import demo

    codes_first = demo.seed(actor_for_staff=bureau.office_clerk, agency=bureau.agency)
    assert set(codes_first) == {"received", "assigned", "replied", "refused"}
    states = dict(Complaint.objects.values_list("text", "state"))
    assert sorted(states.values()) == ["accepted", "closed", "received", "refused"]
    assert selectors.track(codes_first["replied"]).reply.startswith("经现场核查")
    assert demo.seed(actor_for_staff=bureau.office_clerk, agency=bureau.agency) == {}
    assert Complaint.objects.count() == 4


def test_the_officer_complained_about_stands_aside_even_in_the_office(bureau: Bureau, officer: Any) -> None:
    from sanxiang.org.models import Role, RoleAssignment

    RoleAssignment.objects.create(user=bureau.officer, agency=bureau.agency, role=Role.OFFICE)
    about_them = file(bureau, officer="王建国").complaint
    with pytest.raises(PermissionDenied, match="应当回避"):
        services.complaint_accept(actor=bureau.officer, complaint=about_them)
    with pytest.raises(PermissionDenied, match="应当回避"):
        services.complaint_note_add(actor=bureau.officer, complaint=about_them, text="记录")
    other = file(bureau).complaint
    assert services.complaint_accept(actor=bureau.officer, complaint=other).state == ComplaintState.ACCEPTED
