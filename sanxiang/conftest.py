"""Shared fixtures: a bureau and named personas (healthchecks' alice/bob/charlie, here by role)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from hypothesis import settings as hypothesis_settings

from sanxiang.core.models import PublicationStatus
from sanxiang.org.models import (
    Agency,
    AgencyNature,
    Department,
    DepartmentKind,
    EnforcementLevel,
    Role,
    RoleAssignment,
    SubjectCategory,
    User,
)

hypothesis_settings.register_profile("ci", derandomize=True, deadline=None, max_examples=100)
hypothesis_settings.register_profile("dev", deadline=None)
hypothesis_settings.load_profile("ci" if os.environ.get("CI") else "dev")


@dataclass
class Bureau:
    """兴隆台区应急管理局 with its sections and one person per role; ``outsider`` works for another agency."""

    agency: Agency
    other_agency: Agency
    legal: Department
    section: Department
    office: Department
    officer: User
    head: User
    preliminary_reviewer: User
    reviewer: User
    adviser: User
    leader: User
    office_clerk: User
    evaluator: User
    admin: User
    supervisor: User
    outsider: User
    superuser: User


def make_agency(name: str, **extra: Any) -> Agency:
    fields: dict[str, Any] = {
        "name": name,
        "nature": AgencyNature.ADMINISTRATIVE,
        "subject_category": SubjectCategory.STATUTORY,
        "level": EnforcementLevel.DISTRICT,
        "sector": "应急管理",
        "region": "211103",
        "status": PublicationStatus.PUBLISHED,
        **extra,
    }
    return Agency.objects.create(**fields)


def make_user(username: str, agency: Agency | None = None, role: str | None = None, **extra: Any) -> User:
    user = User.objects.create_user(username=username, password="pw-" + username, full_name=username, **extra)
    if agency is not None and role is not None:
        RoleAssignment.objects.create(user=user, agency=agency, role=role, department=extra.get("department"))
    return user


@pytest.fixture
def bureau(db: Any) -> Bureau:
    agency = make_agency("兴隆台区应急管理局", short_name="兴隆台应急", document_prefix="兴应急")
    other = make_agency("双台子区应急管理局", short_name="双台子应急", region="211102")
    supervisor_body = make_agency(
        "兴隆台区司法局", nature=AgencyNature.ADMINISTRATIVE, is_enforcement_body=False, sector="司法行政"
    )
    supervisor_body.supervises.set([agency])
    legal = Department.objects.create(agency=agency, name="法规科", kind=DepartmentKind.LEGAL)
    section = Department.objects.create(agency=agency, name="执法监察科", kind=DepartmentKind.ENFORCEMENT)
    office = Department.objects.create(agency=agency, name="办公室", kind=DepartmentKind.OFFICE)
    return Bureau(
        agency=agency,
        other_agency=other,
        legal=legal,
        section=section,
        office=office,
        officer=make_user("officer", agency, Role.OFFICER),
        head=make_user("head", agency, Role.DEPARTMENT_HEAD),
        preliminary_reviewer=make_user("prelim", agency, Role.PRELIMINARY_REVIEWER),
        reviewer=make_user("reviewer", agency, Role.LEGAL_REVIEWER),
        adviser=make_user("adviser", agency, Role.LEGAL_ADVISER),
        leader=make_user("leader", agency, Role.LEADER),
        office_clerk=make_user("clerk", agency, Role.OFFICE),
        evaluator=make_user("evaluator", agency, Role.EVALUATOR),
        admin=make_user("admin", agency, Role.ADMINISTRATOR),
        supervisor=make_user("supervisor", supervisor_body, Role.SUPERVISOR),
        outsider=make_user("outsider", other, Role.LEGAL_REVIEWER),
        superuser=User.objects.create_superuser(username="root", password="pw-root", full_name="系统管理员"),
    )


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    # Deliberately weak hashing in tests only: PBKDF2 costs ~0.3 s a user and the personas make sixteen.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# --- browser tests: one headless Chromium per test module (Debian's, never a downloaded one) ------------------------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Playwright's Chromium, launched from Debian's package; tests that use it are skipped where it is missing."""
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian's chromium is not installed")
    playwright_sync = pytest.importorskip("playwright.sync_api")
    with playwright_sync.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client
