"""Staff reads of disclosure: what is due, overdue, published and to be withdrawn, and the on-time rates.

A publication is on time when its ``published_on`` is on or before its task's ``due_on``; a task still due after its
date counts as late already (so a rate cannot look good by not publishing). Withheld tasks (minors, secrets) are
outside the rate. The same for withdrawals against ``withdraw_due_on``. Counted in the database.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Q, QuerySet

from sanxiang.disclosure.models import Publication, PublicationTask, TaskState
from sanxiang.org.access import visible_to

TABS = (
    ("due", "待公开"),
    ("overdue", "已逾期"),
    ("withdrawal_due", "待撤下"),
    ("published", "已公开"),
    ("withheld", "不予公开"),
    ("closed", "已撤下或到期"),
)


def staff_tasks(user: Any, agency: Any) -> QuerySet[PublicationTask]:
    qs = visible_to(user, PublicationTask.objects.all())
    if agency is None:
        return qs.none()
    return qs.filter(agency=agency).select_related("case", "document", "publication")


def tab_filter(tab: str, today: dt.date) -> Q:
    return {
        "due": Q(state=TaskState.DUE, due_on__gte=today),
        "overdue": Q(state=TaskState.DUE, due_on__lt=today),
        "withdrawal_due": Q(state=TaskState.WITHDRAWAL_DUE),
        "published": Q(state=TaskState.PUBLISHED),
        "withheld": Q(state=TaskState.WITHHELD),
        "closed": Q(state__in=[TaskState.WITHDRAWN, TaskState.EXPIRED]),
    }[tab]


@dataclass(frozen=True)
class Rates:
    due_total: int  # publications owed (published, or due and past their date)
    on_time: int
    late: int  # published late
    overdue: int  # not published, past the date
    withdrawals_total: int
    withdrawals_on_time: int

    @property
    def rate(self) -> float | None:
        return self.on_time / self.due_total if self.due_total else None

    @property
    def withdrawal_rate(self) -> float | None:
        return self.withdrawals_on_time / self.withdrawals_total if self.withdrawals_total else None


def rates(tasks: QuerySet[PublicationTask], today: dt.date) -> Rates:
    """On-time figures for ``tasks`` (one aggregate query)."""
    published = Q(publication__isnull=False)
    counted = tasks.aggregate(
        published=Count("pk", filter=published),
        on_time=Count("pk", filter=published & Q(publication__published_on__lte=F("due_on"))),
        overdue=Count("pk", filter=Q(state=TaskState.DUE, due_on__lt=today)),
        # Withdrawals owed: done, or still to do and past their date (a revocation sets ``withdraw_due_on``).
        withdrawals=Count(
            "pk",
            filter=Q(withdraw_due_on__isnull=False)
            & (~Q(state=TaskState.WITHDRAWAL_DUE) | Q(withdraw_due_on__lt=today)),
        ),
        withdrawals_on_time=Count(
            "pk", filter=Q(state=TaskState.WITHDRAWN, publication__withdrawn_on__lte=F("withdraw_due_on"))
        ),
    )
    return Rates(
        due_total=counted["published"] + counted["overdue"],
        on_time=counted["on_time"],
        late=counted["published"] - counted["on_time"],
        overdue=counted["overdue"],
        withdrawals_total=counted["withdrawals"],
        withdrawals_on_time=counted["withdrawals_on_time"],
    )


def tab_counts(tasks: QuerySet[PublicationTask], today: dt.date) -> dict[str, int]:
    return tasks.aggregate(**{key: Count("pk", filter=tab_filter(key, today)) for key, _ in TABS})


def staff_publication(user: Any, pk: int) -> Publication:
    from sanxiang.org.access import access_object

    return access_object(user, Publication.objects.select_related("task", "task__case"), pk)
