"""What a dashboard page counts and over when: the scopes a user may choose (a bureau, a supervising body's
agencies, the deployment; docs/dashboards.md, "Scopes") and the window of the last twelve local months ("Period")."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from sanxiang.org.access import is_deployment_admin
from sanxiang.org.models import Agency, Role, RoleAssignment

MONTHS = 12


@dataclass(frozen=True)
class Scope:
    """What a page counts: ``agency`` (a bureau), ``supervised`` (a supervising body's agencies) or ``deployment``."""

    key: str
    kind: str
    label: str
    agency_ids: tuple[int, ...]

    @property
    def single(self) -> bool:
        return len(self.agency_ids) == 1


def scopes_for(user: Any) -> list[Scope]:
    """The scopes ``user`` may choose, the default first: the deployment for its administrator, a supervising
    body's agencies for a supervisor, else the user's own agency; then each agency within them."""
    agencies = {a.pk: a for a in Agency.objects.filter(is_enforcement_body=True).order_by("name", "pk")}
    out: list[Scope] = []
    if is_deployment_admin(user):
        out.append(Scope("all", "deployment", "全部执法主体", tuple(agencies)))
        out.extend(Scope(f"agency:{pk}", "agency", a.name, (pk,)) for pk, a in agencies.items())
        return out
    rows = list(RoleAssignment.objects.filter(user=user, active=True).values_list("agency_id", "role"))
    bodies = sorted({agency_id for agency_id, role in rows if role == Role.SUPERVISOR})
    supervised: dict[int, list[int]] = defaultdict(list)
    for body_id, agency_id in Agency.supervises.through.objects.filter(from_agency_id__in=bodies).values_list(
        "from_agency_id", "to_agency_id"
    ):
        if agency_id in agencies:
            supervised[body_id].append(agency_id)
    names = dict(Agency.objects.filter(pk__in=bodies).values_list("pk", "name"))
    own = [pk for pk in agencies if pk in {agency_id for agency_id, _role in rows}]
    for body_id in bodies:
        ids = sorted(supervised[body_id], key=list(agencies).index)
        if ids:
            out.append(Scope(f"supervised:{body_id}", "supervised", f"{names[body_id]}监督的执法主体", tuple(ids)))
    seen: set[int] = set()
    for pk in [*own, *(pk for body_id in bodies for pk in supervised[body_id])]:
        if pk not in seen:
            seen.add(pk)
            out.append(Scope(f"agency:{pk}", "agency", agencies[pk].name, (pk,)))
    return out


def scope_for(user: Any, key: str | None) -> Scope | None:
    """The scope named ``key`` if ``user`` may see it (the default without a key); None when not allowed."""
    scopes = scopes_for(user)
    if not scopes:
        return None
    if not key:
        return scopes[0]
    return next((s for s in scopes if s.key == key), None)


@dataclass(frozen=True)
class Window:
    """The last ``MONTHS`` local calendar months, the current one included, as an aware ``[start, end)``."""

    today: dt.date
    start: dt.datetime
    end: dt.datetime
    months: tuple[dt.date, ...]  # the first day of each month, oldest first

    @property
    def first_day(self) -> dt.date:
        return self.months[0]


def window(today: dt.date | None = None) -> Window:
    day = today or timezone.localdate()
    months = []
    y, m = day.year, day.month
    for _ in range(MONTHS):
        months.append(dt.date(y, m, 1))
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    months.reverse()
    zone = timezone.get_default_timezone()
    start = dt.datetime.combine(months[0], dt.time(), tzinfo=zone)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=zone)
    return Window(today=day, start=start, end=end, months=tuple(months))
