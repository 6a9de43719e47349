"""Background task: expire unfinished uploads (the same work as ``sanxiang ledger expire-uploads``).

The task keeps itself scheduled: ``upload_begin`` queues it (after commit) for the earliest open upload's expiry, and
each run queues the next one, so a deployment running ``db_worker`` expires partial uploads without a cron job. An
upload extended by later chunks simply makes a run find nothing due and schedule itself again.
"""

from __future__ import annotations

from django_tasks import task

from sanxiang.ledger.models import Upload, UploadState
from sanxiang.ledger.tasks import pending
from sanxiang.ledger.uploads import upload_expire_due


@task()
def expire_uploads() -> int:
    expired = upload_expire_due()
    schedule_upload_expiry()
    return expired


def schedule_upload_expiry() -> None:
    """Queue ``expire_uploads`` for the earliest open upload's expiry, unless a run is already queued."""
    next_due = (
        Upload.objects.filter(state=UploadState.OPEN)
        .order_by("expires_at")
        .values_list("expires_at", flat=True)
        .first()
    )
    if next_due is None or pending(expire_uploads):
        return
    queued = expire_uploads
    if expire_uploads.get_backend().supports_defer:
        queued = expire_uploads.using(run_after=next_due)
    queued.enqueue()
