"""What the inspections service tests share: evidence files in a temporary directory (the snapshots are files, and
some tests rewrite one), more officers, the draw made with an observer's value, the pairs a document forbids."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from sanxiang.conftest import make_user
from sanxiang.inspections.models import Draw, SamplingPlan, Target
from sanxiang.inspections.services import draw_commit, draw_perform
from sanxiang.inspections.tests.conftest import InspectionWorld
from sanxiang.ledger.models import Entry
from sanxiang.org.listing import entry_create
from sanxiang.org.models import Role
from sanxiang.registry.models import Officer
from sanxiang.registry.specs import ALL_LISTS
from sanxiang.registry.tests import factories as f

OBSERVER_NAME = "监督员李四（兴隆台区司法局）"
OBSERVER_VALUE = "20261124 见证 731"
EVERY_CLASS = [{"risk": risk, "ratio": "1"} for risk in "ABCD"]


@pytest.fixture(autouse=True)
def evidence_in_tmp(settings: Any, tmp_path: Path) -> Path:
    """Evidence (and so the draw's snapshots) in this test's own directory, read-only files as in production."""
    location = tmp_path / "evidence"
    storages = dict(settings.STORAGES)
    storages["evidence"] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {
            "location": str(location),
            "base_url": None,
            "file_permissions_mode": 0o440,
            "directory_permissions_mode": 0o750,
        },
    }
    settings.STORAGES = storages
    settings.SANXIANG_UPLOAD_DIR = tmp_path / "uploads"
    return location


def add_officer(w: InspectionWorld, name: str, number: str, *, publish: bool = True, **extra: Any) -> Officer:
    """Another officer of the bureau with an account (published unless ``publish`` is false: a draft entry)."""
    user = make_user(f"u{number}", w.bureau.agency, Role.OFFICER)
    data = f.officer_data(
        w.bureau,
        name=name,
        certificate_number=number,
        categories=["penalty", "coercion", "inspection", "licence"],
        user_id=user.pk,
        **extra,
    )
    if publish:
        officer: Officer = f.publish("officers", bureau=w.bureau, data=data)
        return officer
    draft: Officer = entry_create(
        actor=w.bureau.reviewer, spec=ALL_LISTS["officers"], agency=w.bureau.agency, data=data
    )
    return draft


def perform(w: InspectionWorld, draw: Draw, value: str = OBSERVER_VALUE) -> Draw:
    return draw_perform(actor=w.bureau.head, draw=draw, observer_name=OBSERVER_NAME, observer_value=value)


def commit_and_draw(w: InspectionWorld, plan: SamplingPlan, value: str = OBSERVER_VALUE) -> Draw:
    return perform(w, draw_commit(actor=w.bureau.head, plan=plan), value)


def barred(document: dict[str, Any]) -> set[tuple[str, str]]:
    return {(cert, uscc) for cert, uscc in document["conflicts"]}


def company(target: Target) -> dict[str, Any]:
    """``target`` as a case's party."""
    return {"kind": "organisation", "name": target.name, "uscc": target.uscc, "address": target.address}


def actions(action: str) -> int:
    return Entry.objects.filter(action=action).count()


def today_plus(days: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)
