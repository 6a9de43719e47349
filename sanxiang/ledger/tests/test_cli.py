from __future__ import annotations

import io

from django.core.management import call_command
from django.db import transaction

from sanxiang.ledger import merkle
from sanxiang.ledger.selectors import DatabaseNodes
from sanxiang.ledger.services import record


def test_ledger_tree_prints_size_and_root(bureau):
    with transaction.atomic():
        record(actor=None, action="agency.touch", subject=bureau.agency)
        record(actor=None, action="agency.touch", subject=bureau.agency)
    out = io.StringIO()
    call_command("ledger", "tree", stdout=out)
    size = int(out.getvalue().split()[1])
    assert size >= 2
    assert f"root {merkle.root(DatabaseNodes(), size).hex()}" in out.getvalue()
