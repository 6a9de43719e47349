"""Background task: expire unfinished uploads (the same work as ``sanxiang ledger expire-uploads``).

Enqueue it periodically (``expire_uploads.enqueue()`` from a scheduler, or run the subcommand from cron/systemd).
"""

from __future__ import annotations

from django_tasks import task

from sanxiang.ledger.uploads import upload_expire_due


@task()
def expire_uploads() -> int:
    return upload_expire_due()
