"""Background delivery (django-tasks, run by ``db_worker``), queued after each transaction that wrote messages.

The task sends what is due and, if messages remain, queues itself again for when the earliest of them is due (when
the backend can defer). ``sanxiang exchange deliver`` does the same work in the foreground, for deployments without
a worker and as a catch-up.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django_tasks import TaskResultStatus, task
from django_tasks.base import Task

from sanxiang.exchange.delivery import deliver_due, next_due


@task()
def deliver_pending() -> dict[str, int]:
    report = deliver_due()
    due = next_due()
    if due is not None:
        schedule_delivery(at=due)
    return report.as_dict()


def _queued_before(queued: Task[Any, Any], at: dt.datetime | None) -> bool:
    """Whether a run of ``queued`` is already waiting that starts no later than ``at`` (database backend only)."""
    from django.db.models import Q
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    if not isinstance(queued.get_backend(), DatabaseBackend):
        return False
    waiting = DBTaskResult.objects.filter(task_path=queued.module_path, status=TaskResultStatus.READY)
    if at is None:
        return waiting.filter(Q(run_after__isnull=True) | Q(run_after__lte=timezone.now())).exists()
    return waiting.filter(Q(run_after__isnull=True) | Q(run_after__lte=at)).exists()


def schedule_delivery(*, at: dt.datetime | None = None) -> None:
    """Queue ``deliver_pending`` (now, or at ``at`` where the backend defers) unless an earlier run is waiting."""
    backend = deliver_pending.get_backend()
    if at is not None and not backend.supports_defer:
        return  # an immediate backend would run it now, in a loop: the deliver command or the next write retries
    if _queued_before(deliver_pending, at):
        return
    queued = deliver_pending
    if at is not None and at > timezone.now():
        queued = deliver_pending.using(run_after=at)
    queued.enqueue()
