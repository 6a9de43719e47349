"""Background work of the ledger: a checkpoint is signed shortly after appends.

``record`` calls ``schedule_checkpoint`` once per committed transaction that appended leaves. At most one signing
task is pending at a time, deferred by ``CHECKPOINT_DELAY`` where the backend can defer, so that a burst of appends
shares one checkpoint. The task signs only if the latest checkpoint is behind the log (or by a retired key).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
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


_last_queued: float | None = None  # monotonic time this process last queued a deferred signing task


def schedule_checkpoint() -> None:
    """Queue ``sign_checkpoint`` unless one is pending. Runs after commit: it must never fail the caller's write.

    A task this process queued less than ``CHECKPOINT_DELAY`` ago cannot have run yet, so it is still pending: that
    case is answered without a query (it is most appends, which otherwise paid one query each).
    """
    global _last_queued
    deferrable = sign_checkpoint.get_backend().supports_defer
    now = time.monotonic()
    if deferrable and _last_queued is not None and now - _last_queued < CHECKPOINT_DELAY.total_seconds():
        return
    if pending(sign_checkpoint):
        return
    deferred = sign_checkpoint
    if deferrable:
        deferred = sign_checkpoint.using(run_after=timezone.now() + CHECKPOINT_DELAY)
        _last_queued = now
    deferred.enqueue()
