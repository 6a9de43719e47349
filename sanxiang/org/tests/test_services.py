"""Who-is-who services and the access helpers."""

from __future__ import annotations

import pytest

from sanxiang.core.errors import NotFound, PermissionDenied, ValidationError
from sanxiang.ledger.models import Entry
from sanxiang.org import access, services
from sanxiang.org.listing import entry_approve, entry_create, entry_submit
from sanxiang.org.models import Agency, Department, Role
from sanxiang.registry import selectors

AGENCY = {
    "name": "兴隆台街道安全生产监督管理办公室",
    "nature": "public_institution",
    "subject_category": "entrusted",
    "level": "township",
    "sector": "应急管理",
    "address": "盘锦市兴隆台区兴隆台街道",
    "postcode": "124010",
    "complaint_phone": "0427 2800000",
    "uscc": "",
    "entrustment_summary": "委托实施辖区内小微企业安全生产行政检查，期限三年",
}


def test_only_the_deployment_administrator_creates_agencies(bureau):
    with pytest.raises(PermissionDenied):
        services.agency_create(actor=bureau.admin, data={**AGENCY, "entrusted_by_id": bureau.agency.pk})
    agency = services.agency_create(actor=bureau.superuser, data={**AGENCY, "entrusted_by_id": bureau.agency.pk})
    assert agency.complaint_phone == "0427-2800000"
    assert Entry.objects.filter(action="agency.create", subject_id=str(agency.pk)).exists()


def test_entrusted_body_needs_its_entrusting_agency(bureau):
    with pytest.raises(ValidationError) as excinfo:
        services.agency_create(actor=bureau.superuser, data=AGENCY)
    assert "委托机关" in excinfo.value.errors["entrusted_by"][0]
    with pytest.raises(ValidationError):
        services.agency_create(
            actor=bureau.superuser,
            data={**AGENCY, "subject_category": "statutory", "entrusted_by_id": bureau.agency.pk},
        )
    with pytest.raises(ValidationError) as excinfo:
        services.agency_create(actor=bureau.superuser, data={**AGENCY, "uscc": "123", "entrusted_by_id": 1})
    assert "统一社会信用代码" in excinfo.value.errors["uscc"][0]
    assert not Agency.objects.filter(name=AGENCY["name"]).exists()


def test_entrusted_body_shows_only_after_district_review(bureau):
    entrusted = services.agency_create(actor=bureau.superuser, data={**AGENCY, "entrusted_by_id": bureau.agency.pk})
    entry_submit(actor=bureau.superuser, spec=services.AGENCIES, obj=entrusted)
    # the entrusting agency's legal section reviews the entrusted body's entry
    entrusted = entry_approve(actor=bureau.reviewer, spec=services.AGENCIES, obj=entrusted)
    # the entrusting agency's staff read the entrusted body's records; other agencies do not
    assert entrusted in access.readable_agencies(bureau.reviewer)
    assert entrusted not in access.readable_agencies(bureau.outsider)
    from sanxiang.registry.specs import CHANNELS
    from sanxiang.registry.tests.factories import channel_data

    channel = entry_create(actor=bureau.superuser, spec=CHANNELS, agency=entrusted, data=channel_data())
    entry_submit(actor=bureau.superuser, spec=CHANNELS, obj=channel)
    assert list(selectors.staff_review_queue(bureau.reviewer, CHANNELS)) == [channel]
    assert not selectors.staff_review_queue(bureau.outsider, CHANNELS).exists()
    assert entrusted not in selectors.public_agencies()
    assert not entrusted.publicly_visible
    with pytest.raises(PermissionDenied):
        services.agency_district_review_record(actor=bureau.outsider, agency=entrusted, reference="兴司审〔2026〕3号")
    with pytest.raises(ValidationError):
        services.agency_district_review_record(actor=bureau.reviewer, agency=entrusted, reference=" ")
    entrusted = services.agency_district_review_record(
        actor=bureau.reviewer, agency=entrusted, reference="兴司审〔2026〕3号"
    )
    assert entrusted in selectors.public_agencies()
    assert entrusted.publicly_visible
    with pytest.raises(ValidationError):
        services.agency_district_review_record(actor=bureau.reviewer, agency=bureau.agency, reference="x")


def test_departments_users_and_roles(bureau):
    squad = services.department_create(actor=bureau.admin, agency=bureau.agency, name="执法一中队", kind="squad")
    with pytest.raises(ValidationError):
        services.department_create(actor=bureau.admin, agency=bureau.agency, name="执法一中队", kind="squad")
    with pytest.raises(ValidationError):
        services.department_create(actor=bureau.admin, agency=bureau.agency, name="二中队", kind="platoon")
    with pytest.raises(PermissionDenied):
        services.department_create(actor=bureau.reviewer, agency=bureau.agency, name="三中队", kind="squad")
    assert not Department.objects.filter(name__in=["二中队", "三中队"]).exists()

    user = services.user_create(actor=bureau.admin, username="lisi", full_name="李四", password="Str0ng-Passw0rd!")
    with pytest.raises(ValidationError):
        services.user_create(actor=bureau.admin, username="lisi", full_name="李四")
    with pytest.raises(PermissionDenied):
        services.user_create(actor=bureau.officer, username="zhaoliu", full_name="赵六")
    assert user.check_password("Str0ng-Passw0rd!")

    assignment = services.role_assign(
        actor=bureau.admin, user=user, role=Role.OFFICER, agency=bureau.agency, department=squad
    )
    assert access.has_role(user, bureau.agency, {Role.OFFICER})
    assert (
        services.role_assign(actor=bureau.admin, user=user, role=Role.OFFICER, agency=bureau.agency, department=squad)
        == assignment
    )
    with pytest.raises(ValidationError):
        services.role_assign(actor=bureau.admin, user=user, role="king", agency=bureau.agency)
    foreign = Department.objects.create(agency=bureau.other_agency, name="x", kind="squad")
    with pytest.raises(ValidationError):
        services.role_assign(actor=bureau.admin, user=user, role=Role.OFFICER, agency=bureau.agency, department=foreign)
    with pytest.raises(PermissionDenied):
        services.role_assign(actor=bureau.admin, user=user, role=Role.OFFICER, agency=bureau.other_agency)
    services.role_revoke(actor=bureau.admin, assignment=assignment)
    user = type(user).objects.get(pk=user.pk)  # fresh object: role cache is per instance
    assert not access.has_role(user, bureau.agency, {Role.OFFICER})
    services.role_assign(actor=bureau.admin, user=user, role=Role.OFFICER, agency=bureau.agency, department=squad)
    user = type(user).objects.get(pk=user.pk)
    assert access.has_role(user, bureau.agency, {Role.OFFICER})


def test_supervisors_read_the_agencies_they_supervise(bureau):
    readable = set(access.readable_agencies(bureau.supervisor))
    assert bureau.agency in readable
    assert bureau.other_agency not in readable
    assert set(access.readable_agencies(bureau.outsider)) == {bureau.other_agency}
    assert access.readable_agencies(None).count() == 0
    assert set(access.readable_agencies(bureau.superuser)) == set(Agency.objects.all())
    with pytest.raises(PermissionDenied):
        services.agency_supervision_set(actor=bureau.admin, supervisor=bureau.agency, supervised=[])
    services.agency_supervision_set(actor=bureau.superuser, supervisor=bureau.agency, supervised=[bureau.other_agency])


def test_access_object_answers_missing_and_not_yours_alike(bureau):
    qs = Department.objects.all()
    assert access.access_object(bureau.reviewer, qs, bureau.legal.pk) == bureau.legal
    foreign = Department.objects.create(agency=bureau.other_agency, name="法规科", kind="legal")
    with pytest.raises(NotFound) as not_yours:
        access.access_object(bureau.reviewer, qs, foreign.pk)
    with pytest.raises(NotFound) as missing:
        access.access_object(bureau.reviewer, qs, 999999)
    assert not_yours.value.message == missing.value.message
    with pytest.raises(NotFound):
        access.access_object(bureau.reviewer, qs, "abc")


def test_staff_and_role_helpers(bureau):
    from sanxiang.org.models import User

    nobody = User.objects.create_user(username="nobody", password="x")
    assert access.is_staff_user(bureau.officer)
    assert not access.is_staff_user(nobody)
    assert access.is_staff_user(bureau.superuser)
    assert set(access.agencies_with_role(bureau.reviewer, {Role.LEGAL_REVIEWER})) == {bureau.agency}
    assert not access.agencies_with_role(nobody, {Role.LEGAL_REVIEWER}).exists()
    assert access.user_label(None) == "系统"
    assert access.user_label(bureau.reviewer.pk) == "reviewer"
    assert access.user_label(987654) == "用户987654"
    with pytest.raises(PermissionDenied):
        access.require_role(nobody, bureau.agency, {Role.OFFICER})
