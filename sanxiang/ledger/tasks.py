"""Background work of the ledger: a checkpoint is signed shortly after appends.

``record`` calls ``schedule_checkpoint`` once per committed transaction that appended leaves. At most one signing
task is pending at a time, deferred by ``CHECKPOINT_DELAY`` where the backend can defer, so that a burst of appends
shares one checkpoint. The task signs only if the latest checkpoint is behind the log (or by a retired key).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.utils import timezone
from django_tasks import TaskResultStatus, task
from django_tasks.base import Task

from sanxiang.ledger.checkpoints import checkpoint_if_behind

logger = logging.getLogger(__name__)

CHECKPOINT_DELAY = dt.timedelta(seconds=5)


@task()
def sign_checkpoint() -> int | None:
    """Sign a checkpoint covering every committed leaf; return its size (None when one was already current)."""
    checkpoint = checkpoint_if_behind()
    return None if checkpoint is None else checkpoint.size


def pending(queued: Task[Any, Any]) -> bool:
    """Whether ``queued`` is already queued and not yet started (known for the database backend only)."""
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    if not isinstance(queued.get_backend(), DatabaseBackend):
        return False
    return DBTaskResult.objects.filter(task_path=queued.module_path, status=TaskResultStatus.READY).exists()


def schedule_checkpoint() -> None:
    """Queue ``sign_checkpoint`` unless one is pending. Runs after commit: it must never fail the caller's write."""
    if pending(sign_checkpoint):
        return
    deferred = sign_checkpoint
    if sign_checkpoint.get_backend().supports_defer:
        deferred = sign_checkpoint.using(run_after=timezone.now() + CHECKPOINT_DELAY)
    deferred.enqueue()
