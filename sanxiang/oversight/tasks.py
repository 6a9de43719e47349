"""Background work of the oversight app: on 1 January the previous year's annual statistics are published for every
enforcement agency that has none yet (``services.annual_reports_publish_due``), well before the 31 January limit.

The task keeps itself scheduled, like the ledger's upload expiry: each run queues the next one for the following
1 January (``RUN_AT`` local time). The first run is queued by ``sanxiang annual-report --schedule`` (once, at
deployment; running it again does nothing while a run is queued). Backends that cannot defer (the immediate backend in
tests) run it at once; that is harmless: it publishes only finished years, once.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django_tasks import task

from sanxiang.ledger.tasks import pending
from sanxiang.oversight import services

RUN_AT = dt.time(1, 0)  # 01:00 local time on 1 January


def next_run(after: dt.datetime | None = None) -> dt.datetime:
    """The next 1 January at ``RUN_AT`` (local time) after ``after``."""
    moment = timezone.localtime(after or timezone.now())
    zone = timezone.get_default_timezone()
    candidate = dt.datetime.combine(dt.date(moment.year, 1, 1), RUN_AT, tzinfo=zone)
    if candidate <= moment:
        candidate = dt.datetime.combine(dt.date(moment.year + 1, 1, 1), RUN_AT, tzinfo=zone)
    return candidate


@task()
def publish_annual_reports(year: int | None = None, reschedule: bool = True) -> list[int]:
    """Publish last year's (or ``year``'s) missing annual reports as the system; returns the new reports' ids."""
    published = services.annual_reports_publish_due(year=year)
    if reschedule:
        schedule_annual_reports()
    return [report.pk for report in published]


def schedule_annual_reports() -> bool:
    """Queue the next 1 January run unless one is queued; whether one was queued now."""
    if pending(publish_annual_reports):
        return False
    if not publish_annual_reports.get_backend().supports_defer:
        return False  # nothing to keep scheduled without deferral (the immediate backend would loop)
    publish_annual_reports.using(run_after=next_run()).enqueue()
    return True
