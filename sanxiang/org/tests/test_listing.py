"""The review-before-publication workflow, exercised on the complaint-channel list."""

from __future__ import annotations

import pytest

from sanxiang.core.errors import InvalidTransition, PermissionDenied, ValidationError
from sanxiang.core.models import PublicationStatus
from sanxiang.ledger.models import Entry
from sanxiang.registry import selectors, services
from sanxiang.registry.models import ComplaintChannel
from sanxiang.registry.specs import CHANNELS

CHANNEL = {
    "name": "局监督举报",
    "address": "盘锦市兴隆台区泰山路1号",
    "postcode": "124010",
    "phone": "0427-2825000",
    "email": "jubao@example.gov.cn",
    "procedure": "收到举报后5个工作日内受理，30日内反馈。",
}


def test_draft_submit_approve_publishes_and_records_each_step(bureau):
    channel = services.entry_create(actor=bureau.office_clerk, spec=CHANNELS, agency=bureau.agency, data=CHANNEL)
    assert channel.status == PublicationStatus.DRAFT
    assert not selectors.public_list("complaint-channels").exists()
    services.entry_submit(actor=bureau.office_clerk, spec=CHANNELS, obj=channel)
    channel = services.entry_approve(actor=bureau.reviewer, spec=CHANNELS, obj=channel, note="同意")
    assert channel.status == PublicationStatus.PUBLISHED
    assert channel.version == 1
    assert list(selectors.public_list("complaint-channels")) == [channel]
    actions = list(
        Entry.objects.filter(subject_type="registry.complaintchannel", subject_id=str(channel.pk)).values_list(
            "action", flat=True
        )
    )
    assert actions == ["complaint_channel.create", "complaint_channel.submit", "complaint_channel.publish"]


def test_change_to_published_entry_is_staged_until_approved(bureau):
    channel = services.entry_create(actor=bureau.office_clerk, spec=CHANNELS, agency=bureau.agency, data=CHANNEL)
    services.entry_submit(actor=bureau.office_clerk, spec=CHANNELS, obj=channel)
    channel = services.entry_approve(actor=bureau.reviewer, spec=CHANNELS, obj=channel)
    channel = services.entry_update(
        actor=bureau.office_clerk, spec=CHANNELS, obj=channel, data={"phone": "0427 2825111"}
    )
    assert channel.pending == {"phone": "0427-2825111"}
    public = selectors.public_list("complaint-channels").get()
    assert public.phone == "0427-2825000"  # the portal keeps the published version
    channel = services.entry_approve(actor=bureau.reviewer, spec=CHANNELS, obj=channel)
    assert channel.phone == "0427-2825111"
    assert channel.pending is None
    assert channel.version == 2
    history = selectors.public_history(channel)
    assert [(c.field, c.before, c.after) for c in history[0].changes] == [("phone", "0427-2825000", "0427-2825111")]


def test_bad_input_is_rejected_in_chinese_and_nothing_is_written(bureau):
    with pytest.raises(ValidationError) as excinfo:
        services.entry_create(
            actor=bureau.office_clerk,
            spec=CHANNELS,
            agency=bureau.agency,
            data={**CHANNEL, "phone": "12", "postcode": "abc"},
        )
    assert "电话号码" in excinfo.value.errors["phone"][0]
    assert "邮政编码" in excinfo.value.errors["postcode"][0]
    assert not ComplaintChannel.objects.exists()
    assert not Entry.objects.filter(action__startswith="complaint_channel").exists()


def test_only_the_legal_section_of_the_agency_approves(bureau):
    channel = services.entry_create(actor=bureau.office_clerk, spec=CHANNELS, agency=bureau.agency, data=CHANNEL)
    services.entry_submit(actor=bureau.office_clerk, spec=CHANNELS, obj=channel)
    for actor in (bureau.office_clerk, bureau.officer, bureau.outsider, bureau.supervisor):
        with pytest.raises(PermissionDenied):
            services.entry_approve(actor=actor, spec=CHANNELS, obj=channel)
    with pytest.raises(PermissionDenied):
        services.entry_create(actor=bureau.outsider, spec=CHANNELS, agency=bureau.agency, data=CHANNEL)


def test_return_needs_a_reason_and_allows_resubmission(bureau):
    channel = services.entry_create(actor=bureau.office_clerk, spec=CHANNELS, agency=bureau.agency, data=CHANNEL)
    services.entry_submit(actor=bureau.office_clerk, spec=CHANNELS, obj=channel)
    with pytest.raises(ValidationError):
        services.entry_return(actor=bureau.reviewer, spec=CHANNELS, obj=channel, note=" ")
    channel = services.entry_return(actor=bureau.reviewer, spec=CHANNELS, obj=channel, note="邮箱请改为公务邮箱")
    assert channel.status == PublicationStatus.RETURNED
    with pytest.raises(InvalidTransition):
        services.entry_approve(actor=bureau.reviewer, spec=CHANNELS, obj=channel)
    services.entry_update(actor=bureau.office_clerk, spec=CHANNELS, obj=channel, data={"email": "fgk@pj.gov.cn"})
    services.entry_submit(actor=bureau.office_clerk, spec=CHANNELS, obj=channel)


def test_withdrawn_entry_leaves_the_portal_but_stays_in_the_record(bureau):
    channel = services.entry_create(actor=bureau.office_clerk, spec=CHANNELS, agency=bureau.agency, data=CHANNEL)
    services.entry_submit(actor=bureau.office_clerk, spec=CHANNELS, obj=channel)
    services.entry_approve(actor=bureau.reviewer, spec=CHANNELS, obj=channel)
    services.entry_withdraw(actor=bureau.reviewer, spec=CHANNELS, obj=channel, reason="渠道已合并")
    assert not selectors.public_list("complaint-channels").exists()
    assert ComplaintChannel.objects.get().status == PublicationStatus.WITHDRAWN
    assert Entry.objects.filter(action="complaint_channel.withdraw", note="渠道已合并").exists()


def test_clean_fields_files_messages_under_the_field_and_collects_every_one():
    from sanxiang.core.validators import validate_phone, validate_postcode
    from sanxiang.org.listing import clean_fields
    from sanxiang.registry.schemas import clean_categories

    def own_field(value):
        raise ValidationError({"other": ["放在自己的字段下。"]})

    data = {"phone": "0427 2825000", "postcode": "12", "categories": [], "extra": "x"}
    errors: dict[str, list[str]] = {}
    clean_fields(
        data,
        {"phone": validate_phone, "postcode": validate_postcode, "categories": clean_categories, "extra": own_field},
        errors,
    )
    assert data["phone"] == "0427-2825000"  # cleaned in place
    assert errors == {
        "postcode": ["邮政编码“12”应为6位数字。"],
        "categories": ["至少选择一个执法类别。"],
        "other": ["放在自己的字段下。"],
    }

    blank = {"postcode": "", "phone": "bad"}
    errors = {}
    clean_fields(
        blank,
        {"postcode": validate_postcode, "phone": validate_phone, "absent": validate_phone},
        errors,
        skip_blank=True,
    )
    assert list(errors) == ["phone"]  # a blank value is left for the model; an absent field is not checked
