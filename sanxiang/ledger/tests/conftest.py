"""Fixtures for the ledger's tests."""

from __future__ import annotations

import pytest
from django.db import transaction

from sanxiang.conftest import Bureau
from sanxiang.ledger.models import Entry
from sanxiang.ledger.registry import ledgered_models
from sanxiang.ledger.services import record


def bootstrap_fixture_rows() -> None:
    """A bootstrap entry for each ledgered row the ``bureau`` fixture made directly (``objects.create``)."""
    with transaction.atomic():
        for registration in ledgered_models():
            label = registration.model._meta.label_lower
            recorded = set(Entry.objects.filter(subject_type=label).values_list("subject_id", flat=True))
            for row in registration.model._base_manager.order_by("pk"):
                if str(row.pk) not in recorded:
                    record(actor=None, action=f"{registration.model._meta.model_name}.bootstrap", subject=row)


@pytest.fixture
def ledgered_bureau(bureau: Bureau) -> Bureau:
    """The bureau with every row it made directly given a bootstrap entry, so ``ledger verify`` starts clean."""
    bootstrap_fixture_rows()
    return bureau
