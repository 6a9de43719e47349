"""Enforcement certificates expiring (read live from the registry): by department, and the list of those expiring
soon."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db.models import Count, Q

from sanxiang.oversight.dashboard.chart import LIST_LIMIT, Chart, department_names
from sanxiang.oversight.dashboard.scopes import Window
from sanxiang.registry.models import Officer

EXPIRY_DAYS = (60, 90)


def certificate_charts(ids: Sequence[int], w: Window, *, single: bool) -> list[Chart]:
    soon, later = (w.today + dt.timedelta(days=d) for d in EXPIRY_DAYS)
    officers = Officer.objects.filter(agency_id__in=list(ids), revoked_at__isnull=True)
    rows = list(
        officers.order_by()
        .values("department_id")
        .annotate(
            expired=Count("pk", filter=Q(valid_until__lt=w.today)),
            d60=Count("pk", filter=Q(valid_until__gte=w.today, valid_until__lte=soon)),
            d90=Count("pk", filter=Q(valid_until__gte=w.today, valid_until__lte=later)),
        )
        .filter(Q(expired__gt=0) | Q(d90__gt=0))
    )
    names = department_names([r["department_id"] for r in rows], single)
    by_dept = sorted(
        ([names.get(r["department_id"], "?"), r["d60"], r["d90"], r["expired"]] for r in rows), key=lambda r: r[0]
    )
    expiring = list(
        officers.filter(valid_until__gte=w.today, valid_until__lte=later)
        .order_by("valid_until", "name", "pk")
        .values("name", "certificate_number", "agency__name", "department__name", "valid_until")[:LIST_LIMIT]
    )
    return [
        Chart(
            key="certificates",
            title="执法证件到期（按科室）",
            note=f"未注销的执法证件中，有效期至今日起{EXPIRY_DAYS[0]}日内、{EXPIRY_DAYS[1]}日内（含{EXPIRY_DAYS[0]}日内）到期的，以及已过期的。",
            header=["科室", f"{EXPIRY_DAYS[0]}日内到期", f"{EXPIRY_DAYS[1]}日内到期", "已过期"],
            rows=by_dept,
            style="bar",
            series=[1, 2, 3],
            horizontal=True,
        ),
        Chart(
            key="certificates_list",
            title=f"{EXPIRY_DAYS[1]}日内到期的执法证件",
            note=f"按到期日排列，最多列出{LIST_LIMIT}人。",
            header=["姓名", "执法证号", "执法主体", "科室", "有效期至"],
            rows=[
                [
                    o["name"],
                    o["certificate_number"],
                    o["agency__name"],
                    o["department__name"] or "",
                    o["valid_until"].isoformat(),
                ]
                for o in expiring
            ],
            style="",
        ),
    ]
