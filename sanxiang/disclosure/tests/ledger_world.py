"""Rows of the disclosure models for the ledger's tamper test (``ledger/tests/test_verify.py``'s world): two
publication tasks for the world's licence case (one published, with a fulfilment update, the other a spare for the
publication's one-to-one task to be pointed at)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from sanxiang.cases.models import Case, IssuedDocument
from sanxiang.disclosure import services
from sanxiang.disclosure.models import DecisionKind


def extend(bureau: Any) -> None:
    licence = Case.objects.get(process_key="licence")
    document = IssuedDocument.objects.order_by("pk").first()
    today = timezone.localdate()
    first = services.task_create(
        actor=bureau.officer, case=licence, kind=DecisionKind.LICENCE, decided_on=today, document=document
    )
    services.task_create(
        actor=bureau.officer, case=licence, kind=DecisionKind.LICENCE, decided_on=today - dt.timedelta(days=1)
    )
    publication = services.publication_publish(actor=bureau.reviewer, task=first)
    assert publication is not None
    services.publication_fulfil(actor=bureau.reviewer, publication=publication, on=today, text="已领取许可证")
