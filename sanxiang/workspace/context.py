"""The staff navigation, composed here at the top: the frame (``sanxiang.staff``) knows no domain app, so the list of
staff sections is given to its base template by this context processor (``settings.TEMPLATES``)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.http import HttpRequest
from django.urls import reverse

# (key, label, URL name, URL args): ``key`` is what a page sets as ``nav_active``.
_BEFORE_LISTS = (
    ("home", "待办", "workspace:home"),
    ("case_tasks", "办案待办与期限", "cases:case_tasks"),
    ("cases", "案件", "cases:case_list"),
    ("review", "法制审核", "review:home"),
    ("complaints", "投诉举报", "complaints:list"),
    ("inspections", "双随机抽查", "inspections:home"),
    ("disclosure", "事后公开", "disclosure:home"),
    ("exchange", "数据推送", "exchange:home"),
    ("oversight", "年度执法数据", "oversight:annual"),
    ("dashboard", "执法监督统计", "oversight:dashboard"),
    ("evaluation", "案卷评查", "oversight:evaluation_list"),
    ("rollout", "推行工作台账", "oversight:rollout"),
)
_AFTER_LISTS = (
    ("devices", "执法记录仪", "registry:device_list"),
    ("processes", "办案流程", "cases:processes"),
)


@lru_cache(maxsize=1)
def _items() -> tuple[tuple[str, str, str], ...]:
    from sanxiang.registry.specs import ALL_LISTS

    lists = tuple((key, spec.title, reverse("registry:entry_list", args=[key])) for key, spec in ALL_LISTS.items())
    return (
        *((key, label, reverse(name)) for key, label, name in _BEFORE_LISTS),
        *lists,
        *((key, label, reverse(name)) for key, label, name in _AFTER_LISTS),
    )


def staff_nav(request: HttpRequest) -> dict[str, Any]:
    """``staff_nav``: the staff sections as (key, label, URL), computed once per process and only when a page
    renders it (the portal's pages never do)."""
    return {"staff_nav": _items}
