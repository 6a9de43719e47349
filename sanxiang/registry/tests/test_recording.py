"""The AV list (音像记录事项清单: rules and places) and the body-camera register (执法记录仪)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.urls import reverse
from openpyxl import Workbook

from sanxiang.cases.processes import PROCESSES
from sanxiang.core.errors import InvalidTransition, PermissionDenied, ValidationError
from sanxiang.ledger.models import Entry
from sanxiang.ledger.selectors import entries_for
from sanxiang.registry import services
from sanxiang.registry.models import Device, DeviceStatus, DeviceUsage, RecordingRule
from sanxiang.registry.selectors import recording_requirement, staff_devices
from sanxiang.registry.specs import OFFICERS, RECORDING_RULES
from sanxiang.registry.tests import factories as f
from sanxiang.registry.xlsx import columns_for, import_workbook

API = "/api/v1"


def ledger_size() -> int:
    return Entry.objects.count()


@pytest.fixture
def officer(bureau: Any) -> Any:
    return f.publish("officers", bureau=bureau, data=f.officer_data(bureau))


@pytest.fixture
def device(bureau: Any) -> Device:
    return services.device_register(actor=bureau.office_clerk, agency=bureau.agency, data=f.device_data())


# --- the AV list ---------------------------------------------------------------------------------------------------


def test_a_rule_must_name_a_step_of_a_process_definition(bureau):
    with pytest.raises(ValidationError) as caught:
        services.entry_create(
            actor=bureau.reviewer,
            spec=RECORDING_RULES,
            agency=bureau.agency,
            data=f.recording_rule_data(step_key="no-such-step"),
        )
    assert "没有编码为“no-such-step”的环节" in caught.value.errors["step_key"][0]
    with pytest.raises(ValidationError) as caught:
        services.entry_create(
            actor=bureau.reviewer,
            spec=RECORDING_RULES,
            agency=bureau.agency,
            data=f.recording_rule_data(process_key="no-such-process"),
        )
    assert "没有编码为“no-such-process”的执法程序" in caught.value.errors["process_key"][0]
    assert not RecordingRule.objects.exists()


def test_a_staged_change_to_another_process_is_checked_against_that_process(bureau):
    rule = f.publish("recording-rules", bureau=bureau, data=f.recording_rule_data())
    with pytest.raises(ValidationError) as caught:
        services.entry_update(
            actor=bureau.reviewer, spec=RECORDING_RULES, obj=rule, data={"process_key": "coercion-seizure"}
        )
    assert "step_key" in caught.value.errors  # "investigate" is not a step of the seizure process
    rule.refresh_from_db()
    assert rule.pending is None


def test_only_the_legal_section_keeps_the_av_list(bureau):
    before = ledger_size()
    with pytest.raises(PermissionDenied):
        services.entry_create(
            actor=bureau.office_clerk, spec=RECORDING_RULES, agency=bureau.agency, data=f.recording_rule_data()
        )
    assert ledger_size() == before


def test_stricter_of_process_and_av_list_wins(bureau):
    agency = bureau.agency
    # The definition asks for a recording at the general penalty's investigation and nothing at its review.
    assert PROCESSES["penalty-general"].step("investigate").recording == "required"
    assert PROCESSES["penalty-general"].step("review").recording == "none"
    assert recording_requirement(agency=agency, process_key="penalty-general", step_key="investigate") == "required"
    assert recording_requirement(agency=agency, process_key="penalty-general", step_key="review") == "none"
    # A draft rule does not count; a published one does.
    rule = services.entry_create(
        actor=bureau.reviewer, spec=RECORDING_RULES, agency=agency, data=f.recording_rule_data()
    )
    assert recording_requirement(agency=agency, process_key="penalty-general", step_key="investigate") == "required"
    services.entry_submit(actor=bureau.reviewer, spec=RECORDING_RULES, obj=rule)
    services.entry_approve(actor=bureau.reviewer, spec=RECORDING_RULES, obj=rule)
    assert recording_requirement(agency=agency, process_key="penalty-general", step_key="investigate") == "full_process"
    f.publish(
        "recording-rules",
        bureau=bureau,
        data=f.recording_rule_data(code="YX-002", step_key="review", requirement="required"),
    )
    assert recording_requirement(agency=agency, process_key="penalty-general", step_key="review") == "required"
    # The list cannot lower the definition: seizure on site stays full-process under a "required" rule.
    f.publish(
        "recording-rules",
        bureau=bureau,
        data=f.recording_rule_data(
            code="YX-003", process_key="coercion-seizure", step_key="implement", requirement="required"
        ),
    )
    assert recording_requirement(agency=agency, process_key="coercion-seizure", step_key="implement") == "full_process"
    # Another agency's list does not apply.
    assert recording_requirement(agency=bureau.other_agency, process_key="penalty-general", step_key="review") == "none"


def test_unknown_process_or_step_is_refused(bureau):
    with pytest.raises(LookupError):
        recording_requirement(agency=bureau.agency, process_key="penalty-general", step_key="nope")
    with pytest.raises(LookupError):
        recording_requirement(agency=bureau.agency, process_key="nope", step_key="investigate")


def test_portal_and_open_data_show_the_published_av_list(client, bureau):
    rule = f.publish("recording-rules", bureau=bureau, data=f.recording_rule_data())
    place = f.publish("recording-places", bureau=bureau, data=f.recording_place_data())
    draft = services.entry_create(
        actor=bureau.reviewer,
        spec=RECORDING_RULES,
        agency=bureau.agency,
        data=f.recording_rule_data(code="YX-009", name="尚未公示的事项"),
    )
    text = client.get(reverse("portal:list", args=["recording-rules"])).content.decode()
    assert rule.name in text and "全过程音像记录" in text and "调查取证" in text
    assert draft.name not in text
    text = client.get(reverse("portal:detail", args=["recording-rules", rule.pk])).content.decode()
    assert "行政处罚（一般程序）" in text and reverse("portal:flowchart", args=["penalty-general"]) in text
    text = client.get(reverse("portal:list", args=["recording-places"]) + "?category=interview_room").content.decode()
    assert place.name in text
    text = client.get(reverse("portal:list", args=["recording-places"]) + "?category=case_area").content.decode()
    assert place.name not in text
    assert client.get(reverse("portal:detail", args=["recording-rules", draft.pk])).status_code == 404

    body = client.get(f"{API}/public/recording-rules/").json()
    assert [row["code"] for row in body["items"]] == ["YX-001"]
    row = body["items"][0]
    assert row["requirement"] == "full_process" and row["requirement_display"] == "全过程音像记录"
    assert row["process_name"] == "行政处罚（一般程序）" and row["step_key"] == "investigate"
    assert "status" not in row
    body = client.get(f"{API}/public/recording-places/{place.pk}/").json()
    assert body["kind_display"] == "询问室" and body["full_process"] is True


def _step_name(process_key: str, step_key: str) -> str:
    return PROCESSES[process_key].step(step_key).name


def test_step_name_shown_is_the_definitions(bureau):
    rule = f.publish("recording-rules", bureau=bureau, data=f.recording_rule_data())
    assert rule.step_name == _step_name("penalty-general", "investigate")


# --- body cameras --------------------------------------------------------------------------------------------------


def test_office_registers_assigns_and_takes_back_a_device(bureau, officer, device):
    assert device.status == DeviceStatus.IN_SERVICE and device.officer is None
    device = services.device_assign(actor=bureau.office_clerk, device=device, officer=officer)
    assert device.officer == officer and device.assigned_at is not None
    usage = services.device_return(actor=bureau.office_clerk, device=device, note="任务结束")
    assert (usage.officer, usage.checked_out_at, usage.note) == (officer, device.assigned_at, "任务结束")
    device.refresh_from_db()
    assert device.officer is None and device.assigned_at is None
    actions = [entry.action for entry in entries_for(device)]
    assert actions == ["device.register", "device.assign", "device.return"]
    assert [entry.action for entry in entries_for(usage)] == ["device_usage.create"]


def test_only_the_office_or_an_administrator_keeps_devices(bureau, officer, device):
    before = ledger_size()
    for actor in (bureau.officer, bureau.reviewer, bureau.outsider, bureau.supervisor):
        with pytest.raises(PermissionDenied):
            services.device_assign(actor=actor, device=device, officer=officer)
        with pytest.raises(PermissionDenied):
            services.device_register(actor=actor, agency=bureau.agency, data=f.device_data(asset_number="X-9"))
    assert ledger_size() == before
    services.device_assign(actor=bureau.admin, device=device, officer=officer)
    with pytest.raises(PermissionDenied) as caught:
        services.device_return(actor=bureau.officer, device=device)
    assert "办公室" in caught.value.message
    assert ledger_size() == before + 1


def test_device_rules_refuse_in_chinese_and_write_nothing(bureau, officer, device):
    clerk = bureau.office_clerk
    with pytest.raises(ValidationError) as caught:
        services.device_register(actor=clerk, agency=bureau.agency, data=f.device_data())
    assert "asset_number" in caught.value.errors  # the asset number is taken
    with pytest.raises(ValidationError):
        services.device_register(
            actor=clerk, agency=bureau.agency, data=f.device_data(asset_number="X", status="retired")
        )
    with pytest.raises(InvalidTransition, match="未配发"):
        services.device_return(actor=clerk, device=device)
    services.device_assign(actor=clerk, device=device, officer=officer)
    second = f.publish(
        "officers", bureau=bureau, data=f.officer_data(bureau, name="李明", certificate_number="21110399")
    )
    before = ledger_size()
    with pytest.raises(InvalidTransition, match="已配发给王建国"):
        services.device_assign(actor=clerk, device=device, officer=second)
    with pytest.raises(InvalidTransition, match="须先归还再报废"):
        services.device_retire(actor=clerk, device=device, reason="损坏")
    with pytest.raises(ValidationError):
        services.device_retire(actor=clerk, device=device, reason=" ")
    assert ledger_size() == before
    assert Device.objects.get(pk=device.pk).officer == officer


def test_a_device_goes_only_to_a_certified_officer_of_its_agency(bureau, officer, device):
    clerk = bureau.office_clerk
    services.officer_certificate_suspend(actor=bureau.reviewer, officer=officer, reason="涉嫌违纪")
    with pytest.raises(ValidationError) as caught:
        services.device_assign(actor=clerk, device=device, officer=officer)
    assert "暂扣" in caught.value.errors["officer"][0]
    other = services.entry_create(
        actor=bureau.superuser,
        spec=OFFICERS,
        agency=bureau.other_agency,
        data=f.officer_data(bureau, certificate_number="2111", department_id=None),
    )
    with pytest.raises(ValidationError, match="本机构"):
        services.device_assign(actor=clerk, device=device, officer=other)
    assert Device.objects.get(pk=device.pk).officer is None


def test_repair_and_retire(bureau, officer, device):
    clerk = bureau.office_clerk
    services.device_repair(actor=clerk, device=device, reason="屏幕损坏")
    with pytest.raises(InvalidTransition, match="维修中"):
        services.device_assign(actor=clerk, device=device, officer=officer)
    services.device_repaired(actor=clerk, device=device)
    services.device_retire(actor=clerk, device=device, reason="电池老化")
    device.refresh_from_db()
    assert device.status == DeviceStatus.RETIRED and device.retired_at is not None
    with pytest.raises(InvalidTransition):
        services.device_assign(actor=clerk, device=device, officer=officer)
    with pytest.raises(InvalidTransition, match="已报废"):
        services.device_retire(actor=clerk, device=device, reason="再次")


def test_staff_devices_are_limited_to_readable_agencies(bureau, device):
    assert list(staff_devices(bureau.officer)) == [device]
    assert list(staff_devices(bureau.outsider)) == []
    assert not DeviceUsage.objects.exists()


def test_import_refuses_a_rule_for_an_unknown_step_with_its_row(bureau):
    headers = [column.header for column in columns_for("recording-rules")]
    assert headers[:5] == ["事项编码", "记录事项", "执法程序", "执法环节", "记录要求"]
    book = Workbook()
    sheet = book.active
    sheet.append(headers)
    sheet.append(["YX-001", "询问", "penalty-general", "investigate", "全过程音像记录", "", "依据"])
    sheet.append(["YX-002", "查封", "coercion-seizure", "seize", "应当音像记录", "", "依据"])
    buffer = io.BytesIO()
    book.save(buffer)
    before = ledger_size()
    result = import_workbook(
        actor=bureau.reviewer, spec_key="recording-rules", agency=bureau.agency, file=buffer.getvalue()
    )
    assert not result.ok
    assert [error.row for error in result.errors] == [3]
    assert "没有编码为“seize”的环节" in result.messages[0]
    assert not RecordingRule.objects.exists() and ledger_size() == before
