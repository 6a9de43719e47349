"""``sanxiang seed_demo``: idempotent, through the services, published, every role, passwords kept out of the repo.

These tests leave out the demo cases (their documents take LibreOffice some twenty seconds): `test_seed_cases` and
`test_seed_verifies` seed them.
"""

from __future__ import annotations

import hashlib
import io
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command

from sanxiang.core.models import PublicationStatus
from sanxiang.demo import data, seed
from sanxiang.ledger.models import Entry
from sanxiang.org.models import Agency, Department, Role, RoleAssignment, User
from sanxiang.registry.docx.placeholders import TEMPLATES as TEMPLATE_INFO
from sanxiang.registry.docx.render import template_path
from sanxiang.registry.models import (
    CertificateState,
    ComplaintChannel,
    Device,
    DeviceUsage,
    DocumentTemplate,
    EnforcementItem,
    InspectionItem,
    Officer,
    Power,
)
from sanxiang.registry.selectors import (
    public_agencies,
    public_list,
    public_officer_by_certificate,
    recording_requirement,
)
from sanxiang.review.models import ReviewerQualification, ReviewerTraining
from sanxiang.review.selectors import reviewer_share
from sanxiang.review.services import reviewer_refusal

REPO_DIR = Path(__file__).resolve().parents[3]
MODELS: tuple[type[Any], ...] = (Agency, Department, User, RoleAssignment, Power, EnforcementItem, InspectionItem)
MODELS += (Officer, DocumentTemplate, ComplaintChannel, ReviewerQualification, ReviewerTraining, Entry)


@pytest.fixture
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"
    settings.MEDIA_ROOT = tmp_path / "data" / "media"
    return settings.DATA_DIR


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def run_command() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_seeding_twice_changes_nothing_and_keeps_the_passwords(data_dir, monkeypatch):
    monkeypatch.setattr(seed.CaseSeeder, "run", lambda self: None)  # the cases' re-run: test_seed_cases
    first_output = run_command()
    first = counts()
    logins = data_dir / "demo-logins.txt"
    first_file = logins.read_text(encoding="utf-8")
    assert first["Entry"] > 300  # every row came through a service with its ledger entries

    second_output = run_command()
    assert counts() == first  # no row, no ledger entry added
    assert logins.read_text(encoding="utf-8") == first_file
    assert "已写入" in first_output and "未作修改" in second_output
    passwords = seed.read_passwords(logins)
    assert set(passwords) == {username for username, *_ in data.USERS}
    for username, password in passwords.items():
        assert password in second_output
        assert User.objects.get(username=username).check_password(password), username


@pytest.mark.django_db
def test_the_bureau_and_its_lists_are_published_for_the_portal(data_dir):
    seed.seed(cases=False)
    xlt = Agency.objects.get(name=data.XLT)
    assert xlt.funding_source == "财政全额拨款" and xlt.postcode == "124010" and xlt.region == "211103"
    assert xlt.document_prefix == "兴应急" and xlt.get_nature_display() == "行政机关" and xlt.level == "district"
    assert set(xlt.departments.values_list("kind", flat=True)) == {"legal", "enforcement", "squad", "office", "other"}
    public = set(public_agencies().values_list("name", flat=True))
    assert {data.XLT, data.STZ, data.CITY, data.STREET} <= public
    street = Agency.objects.get(name=data.STREET)
    assert street.entrusted_by == xlt and street.district_reviewed_at and street.entrustment_agreement
    assert set(Agency.objects.get(name=data.JUSTICE).supervises.all()) == {xlt, street}
    assert set(Agency.objects.get(name=data.CITY).supervises.values_list("name", flat=True)) == {data.XLT, data.STZ}

    for key in (
        "powers",
        "items",
        "inspection-items",
        "officers",
        "templates",
        "complaint-channels",
        "recording-rules",
        "recording-places",
    ):
        assert public_list(key, agency_id=xlt.pk).exists(), key
    items = public_list("items", agency_id=xlt.pk)
    assert set(items.values_list("category", flat=True)) == {"penalty", "coercion", "inspection", "licence"}
    articles = {b["article"] for item in items for b in item.legal_basis if b["law"] == data.AQSCF}
    assert {"第九十七条", "第九十九条", "第一百零一条", "第一百零二条", "第一百一十条"} <= articles
    assert all(item.discretion_benchmark for item in items.filter(category="penalty"))
    assert items.get(code="XZXK-001").service_guide.startswith("一、事项名称：危险化学品经营许可")
    assert public_list("items", q="安全生产法").exists() or public_list("items", q="消除事故隐患").exists()
    assert public_list("officers", agency_id=xlt.pk).count() == 20
    assert not EnforcementItem.objects.exclude(status=PublicationStatus.PUBLISHED).exists()

    templates = public_list("templates", agency_id=xlt.pk)
    assert templates.count() == len(TEMPLATE_INFO)
    decision = templates.get(code="penalty_decision")
    assert decision.file_sha256 == hashlib.sha256(template_path("penalty_decision").read_bytes()).hexdigest()
    assert decision.file.read() == template_path("penalty_decision").read_bytes()
    assert {p["name"] for p in decision.placeholders} >= {"party_name", "fine_amount", "review_body"}


@pytest.mark.django_db
def test_one_expired_and_one_suspended_certificate_and_a_user_for_every_role(data_dir):
    seed.seed(cases=False)
    states = [o.certificate_state() for o in Officer.objects.filter(agency__name=data.XLT)]
    assert states.count(CertificateState.EXPIRED) == 1
    assert states.count(CertificateState.SUSPENDED) == 1
    assert states.count(CertificateState.VALID) == 18
    suspended = Officer.objects.get(name=data.SUSPENDED_OFFICER)
    shown = public_officer_by_certificate(suspended.certificate_number)
    assert shown is not None and shown.certificate_state() == CertificateState.SUSPENDED
    assert Entry.objects.filter(action="officer.certificate_suspend", subject_id=str(suspended.pk)).count() == 1
    assert Officer.objects.get(user__username="officer1").certificate_valid()

    roles = set(
        RoleAssignment.objects.filter(active=True, user__username__in=[u for u, *_ in data.USERS]).values_list(
            "role", flat=True
        )
    )
    assert roles == set(Role.values)
    supervisor = RoleAssignment.objects.get(user__username="supervisor")
    assert supervisor.role == Role.SUPERVISOR and supervisor.agency.name == data.JUSTICE
    assert User.objects.get(username="admin").is_superuser


@pytest.mark.django_db
def test_a_changed_template_file_is_a_reviewed_update(data_dir, tmp_path, monkeypatch):
    seed.seed(cases=False)
    changed = tmp_path / "changed.docx"
    changed.write_bytes(template_path("penalty_decision").read_bytes() + b"\0")
    original = seed.template_path
    monkeypatch.setattr(seed, "template_path", lambda code: changed if code == "penalty_decision" else original(code))
    before = Entry.objects.count()
    seed.seed(cases=False)
    template = DocumentTemplate.objects.get(code="penalty_decision")
    assert template.file_sha256 == hashlib.sha256(changed.read_bytes()).hexdigest()
    assert template.status == PublicationStatus.PUBLISHED and template.pending is None
    assert list(Entry.objects.order_by("-seq").values_list("action", flat=True)[:2]) == [
        "template.publish",
        "template.change_submitted",
    ]
    assert Entry.objects.count() == before + 2


@pytest.mark.django_db
def test_logins_live_in_the_data_dir_and_no_password_is_in_the_repository(data_dir):
    result = seed.seed(cases=False)
    logins = data_dir / "demo-logins.txt"
    assert result.logins_path == logins and logins.exists()
    assert oct(logins.stat().st_mode & 0o777) == "0o600"
    passwords = seed.read_passwords(logins)
    assert len(passwords) == len(data.USERS)
    # The default data directory (var/) is ignored by git, so a seeded demo is never committed.
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", str(REPO_DIR / "var" / "demo-logins.txt")], cwd=REPO_DIR, check=False
    )
    assert ignored.returncode == 0
    args = ["git", "grep", "-F", "-q"] + [arg for pw in passwords.values() for arg in ("-e", pw)]
    found = subprocess.run(args, cwd=REPO_DIR, check=False)
    assert found.returncode == 1, "a demo password is in the repository"
    assert data_dir == django_settings.DATA_DIR


def test_a_lost_logins_file_never_yields_a_wrong_password(tmp_path):
    path = tmp_path / "demo-logins.txt"
    path.write_text(
        seed.logins_table(
            [
                seed.Login("admin", Role.ADMINISTRATOR, data.XLT, None),
                seed.Login("legal", Role.LEGAL_REVIEWER, data.XLT, "s3cret-pw"),
            ]
        ),
        encoding="utf-8",
    )
    assert seed.read_passwords(path) == {"legal": "s3cret-pw"}


@pytest.mark.django_db
def test_the_av_list_and_the_body_cameras(data_dir):
    seed.seed(cases=False)
    xlt = Agency.objects.get(name=data.XLT)
    assert public_list("recording-rules", agency_id=xlt.pk).count() == len(data.RECORDING_RULES)
    assert public_list("recording-places", agency_id=xlt.pk).count() == len(data.RECORDING_PLACES)
    # The list makes the release of a seizure full-process, stricter than the process definition alone.
    assert recording_requirement(agency=xlt, process_key="coercion-seizure", step_key="release") == "full_process"
    devices = {d.asset_number: d for d in Device.objects.filter(agency=xlt).select_related("officer")}
    assert len(devices) == len(data.DEVICES)
    assert devices["XLT-JLY-001"].officer is not None and devices["XLT-JLY-001"].officer.name == "张明远"
    assert devices["XLT-JLY-004"].status == "under_repair"
    assert DeviceUsage.objects.filter(device=devices["XLT-JLY-003"]).count() == 1


@pytest.mark.django_db
def test_the_legal_reviewer_is_qualified_and_trained(data_dir):
    seed.seed(cases=False)
    xlt = Agency.objects.get(name=data.XLT)
    leader = User.objects.get(username=data.REVIEWER_QUALIFIER)
    for username, number, appointed_on, first_time, training in data.REVIEWERS:
        user = User.objects.get(username=username)
        qualification = ReviewerQualification.objects.get(user=user, agency=xlt)
        assert qualification.qualified and qualification.first_time is first_time
        assert (qualification.legal_qualification_number, qualification.appointed_on) == (number, appointed_on)
        assert qualification.updated_by == leader
        assert reviewer_refusal(user, xlt) is None  # may take a review
        row = ReviewerTraining.objects.get(user=user, agency=xlt)
        assert (row.held_on, row.topic, row.organiser, row.recorded_by) == (
            training["held_on"],
            training["topic"],
            training["organiser"],
            leader,
        )
        assert row.hours == int(training["hours"])
        for action, subject in (("review.reviewer_qualify", qualification), ("review.training_add", row)):
            assert Entry.objects.filter(action=action, subject_id=str(subject.pk), actor_id=leader.pk).count() == 1
    assert reviewer_share(xlt).meets  # one qualified reviewer for twenty officers: the 5% floor
    before = counts()
    seed.seed(cases=False)
    assert counts() == before
