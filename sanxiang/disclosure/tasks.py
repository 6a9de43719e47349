"""Background task: take publications past their retention period offline (``services.publications_expire``).

It keeps itself scheduled like the ledger's upload expiry: publishing queues it (after commit) for the day after the
earliest expiry, and each run queues the next, so a deployment running ``db_worker`` needs no cron job.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django_tasks import task

from sanxiang.disclosure.models import Publication, PublicationState
from sanxiang.ledger.tasks import pending


@task()
def expire_publications() -> int:
    from sanxiang.disclosure.services import publications_expire

    expired = publications_expire()
    schedule_expiry()
    return expired


def schedule_expiry() -> None:
    """Queue ``expire_publications`` for the start of the day after the earliest expiry, unless one is queued."""
    first = (
        Publication.objects.filter(state=PublicationState.PUBLISHED)
        .order_by("expires_on")
        .values_list("expires_on", flat=True)
        .first()
    )
    if first is None or pending(expire_publications):
        return
    queued = expire_publications
    if expire_publications.get_backend().supports_defer:
        start = dt.datetime.combine(first + dt.timedelta(days=1), dt.time.min)
        queued = expire_publications.using(run_after=timezone.make_aware(start))
    elif first >= timezone.localdate():
        return  # a backend that cannot wait would run it now, find nothing, and queue itself again
    queued.enqueue()
