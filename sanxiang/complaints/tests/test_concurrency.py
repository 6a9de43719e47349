"""The rate limit holds when filings from one address arrive at once on separate connections (as from separate
gunicorn workers): the count lives in the database and filings from one address are serialised."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, connections

from sanxiang.complaints import services
from sanxiang.complaints.models import Complaint
from sanxiang.complaints.tests.conftest import complaint_data
from sanxiang.conftest import Bureau

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL")
def test_simultaneous_filings_from_one_address_cannot_pass_the_limit(bureau: Bureau, settings: Any) -> None:
    settings.SANXIANG_COMPLAINT_RATE_PER_HOUR = 2
    workers = 6
    start = threading.Barrier(workers)
    outcomes: list[str] = []
    lock = threading.Lock()

    def worker() -> None:
        try:
            start.wait()
            try:
                services.complaint_file(data=complaint_data(bureau), client_address="203.0.113.99")
                result = "filed"
            except services.RateLimited:
                result = "limited"
            with lock:
                outcomes.append(result)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["filed", "filed", "limited", "limited", "limited", "limited"]
    assert Complaint.objects.count() == 2
