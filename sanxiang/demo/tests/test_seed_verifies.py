"""A freshly seeded demo passes ``sanxiang ledger verify``: every seeded row has its ledger entries.

The demo cases are left out here (their documents take LibreOffice some twenty seconds); ``test_seed_cases`` runs
the whole seed, cases included, through ``ledger verify --files``.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from sanxiang.demo.cases import CaseSeeder
from sanxiang.ledger.models import Entry
from sanxiang.org.models import User


@pytest.fixture
def data_dir(settings: Any, tmp_path: Path) -> Path:
    settings.DATA_DIR = tmp_path / "data"
    settings.MEDIA_ROOT = tmp_path / "data" / "media"
    settings.SANXIANG_LEDGER_KEY_DIR = tmp_path / "data" / "keys"
    return Path(settings.DATA_DIR)


@pytest.mark.django_db
def test_ledger_verify_exits_0_after_seeding(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(CaseSeeder, "run", lambda self: None)
    call_command("seed_demo", stdout=io.StringIO())
    admin = User.objects.get(username="admin")
    bootstrap = Entry.objects.get(subject_type="org.user", subject_id=str(admin.pk), action="user.bootstrap")
    assert bootstrap.actor_id is None
    call_command("ledger", "checkpoint", stdout=io.StringIO())
    out = io.StringIO()
    call_command("ledger", "verify", "--files", stdout=out, stderr=io.StringIO())  # raises CommandError on exit 1
    assert "校验通过" in out.getvalue()
    entries = Entry.objects.count()
    call_command("seed_demo", stdout=io.StringIO())
    assert Entry.objects.count() == entries  # the second run adds no bootstrap entry
