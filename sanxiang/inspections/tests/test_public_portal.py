"""The portal's random-inspection pages beyond the draw itself: the list's agency and year filters, tables that stay
readable on a phone (each in a scrolling container, each cell named for the card layout), and the backlink from an
inspection result's publication to the draw that chose the target."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from django.contrib.staticfiles import finders
from django.urls import reverse
from django.utils import timezone

from sanxiang.cases.workflow import case_advance, case_document_issue
from sanxiang.conftest import make_user
from sanxiang.disclosure import services as disclosure
from sanxiang.disclosure.models import DecisionKind, PublicationTask
from sanxiang.inspections.models import DrawnTarget
from sanxiang.inspections.selectors import drawn_target_for_publication
from sanxiang.inspections.services import draw_commit, plan_create, plan_publish
from sanxiang.inspections.tests.conftest import InspectionWorld
from sanxiang.inspections.tests.helpers import evidence_in_tmp, perform
from sanxiang.inspections.tests.test_results import SITE, close_none_found, quick_pdf
from sanxiang.org.listing import entry_approve, entry_create, entry_submit
from sanxiang.org.models import Department, DepartmentKind, Role
from sanxiang.registry.specs import ALL_LISTS
from sanxiang.registry.tests import factories as f

__all__ = ["evidence_in_tmp", "quick_pdf"]


def publish_for(actor: Any, agency: Any, spec_key: str, data: dict[str, Any]) -> Any:
    """An entry of another agency's list, published by that agency's legal reviewer."""
    spec = ALL_LISTS[spec_key]
    obj = entry_create(actor=actor, spec=spec, agency=agency, data=data)
    entry_submit(actor=actor, spec=spec, obj=obj)
    return entry_approve(actor=actor, spec=spec, obj=obj)


def _rows(html: str, table_id: str) -> list[str]:
    match = re.search(rf'<table[^>]*id="{table_id}".*?<tbody>(.*?)</tbody>', html, re.S)
    assert match, table_id
    return re.findall(r"<tr>(.*?)</tr>", match.group(1), re.S)


def test_the_list_filters_by_agency_and_year(inspection_world: InspectionWorld, client: Any) -> None:
    w = inspection_world
    this_year = w.plan(title="本机构2026年抽查")
    next_year = w.plan(year=2027, title="本机构2027年抽查")
    draw_commit(actor=w.bureau.head, plan=next_year)
    other = w.bureau.other_agency
    head = make_user("other-head", other, Role.DEPARTMENT_HEAD)
    item = publish_for(w.bureau.outsider, other, "inspection-items", f.inspection_item_data())
    section = Department.objects.create(agency=other, name="执法监察科", kind=DepartmentKind.ENFORCEMENT)
    data = f.item_data(w.bureau, category="inspection", handling_department_id=section.pk)
    case_item = publish_for(w.bureau.outsider, other, "items", data)
    theirs = plan_create(
        actor=head,
        agency=other,
        data={
            "code": "DW-2026-001",
            "title": "大洼区2026年抽查",
            "year": 2026,
            "items": [item.pk],
            "case_item": case_item.pk,
            "classes": [{"risk": "A", "count": 1}],
            "frequency": "每年一次",
        },
    )
    plan_publish(actor=head, plan=theirs)

    url = reverse("portal:inspections")
    page = client.get(url).content.decode()
    assert all(p.title in page for p in (this_year, next_year, theirs))
    assert f'<option value="{other.pk}">{other.name}</option>' in page and '<option value="2027">' in page

    mine = client.get(url, {"agency": w.bureau.agency.pk}).content.decode()
    plans = _rows(mine, "inspection-plans")
    assert len(plans) == 2 and theirs.title not in "".join(plans)
    assert f'<option value="{w.bureau.agency.pk}" selected>' in mine

    by_year = client.get(url, {"year": 2027}).content.decode()
    assert [next_year.title in row for row in _rows(by_year, "inspection-plans")] == [True]
    assert len(_rows(by_year, "inspection-draws")) == 1 and '<option value="2027" selected>' in by_year

    both = client.get(url, {"agency": other.pk, "year": 2026}).content.decode()
    assert [theirs.title in row for row in _rows(both, "inspection-plans")] == [True]
    assert "没有符合条件的抽取" in both and "清除条件" in both
    nothing = client.get(url, {"agency": other.pk, "year": 2027}).content.decode()
    assert "没有符合条件的抽查计划" in nothing
    # Anything unreadable is no filter, never an error page.
    assert len(_rows(client.get(url, {"agency": "x", "year": "二〇二六"}).content.decode(), "inspection-plans")) == 3


def test_tables_scroll_in_a_container_and_name_their_cells(inspection_world: InspectionWorld, client: Any) -> None:
    w = inspection_world
    draw = perform(w, draw_commit(actor=w.bureau.head, plan=w.plan()))
    pages = {
        "list": client.get(reverse("portal:inspections")).content.decode(),
        "draw": client.get(reverse("portal:inspection-draw", args=[draw.pk])).content.decode(),
        "plan": client.get(reverse("portal:inspection-plan", args=[draw.plan_id])).content.decode(),
    }
    assert all("portal/inspections.css" in html for html in pages.values())
    for name, html in pages.items():
        tables = re.findall(r"<table\b", html)
        wrapped = re.findall(r'<div class="ix-scroll">\s*<table\b', html)
        assert len(wrapped) == len(tables), name
        for cell in re.findall(r"<td\b[^>]*>", html):
            assert "data-label=" in cell or 'class="empty"' in cell, (name, cell)
    assert len(_rows(pages["draw"], "inspection-selection")) == len(draw.selection)
    assert f'<code class="ix-hash">{draw.bureau_seed}</code>' in pages["draw"]
    found = finders.find("portal/inspections.css")  # the stylesheet the pages link: the container scrolls sideways
    assert isinstance(found, str)
    css = Path(found).read_text(encoding="utf-8")
    assert re.search(r"\.ix-scroll \{[^}]*overflow-x: auto", css) and "overflow-wrap: anywhere" in css


def test_an_inspection_result_publication_links_back_to_its_draw(
    inspection_world: InspectionWorld, client: Any
) -> None:
    w = inspection_world
    plan = w.plan(classes=[{"risk": "A", "count": 1}])
    draw = perform(w, draw_commit(actor=w.bureau.head, plan=plan))
    row = DrawnTarget.objects.select_related("case", "target").get(draw=draw)
    case = close_none_found(w, row)
    task = PublicationTask.objects.get(case=case, decision_kind=DecisionKind.INSPECTION)
    publication = disclosure.publication_publish(actor=w.bureau.reviewer, task=task)
    assert publication is not None

    found = drawn_target_for_publication(task_id=task.pk)
    assert found is not None and found.pk == row.pk and found.draw.plan.title == plan.title
    page = client.get(reverse("portal:publication", args=[publication.pk])).content.decode()
    link = reverse("portal:inspection-draw", args=[draw.pk])
    assert f'本次检查来自双随机抽查：<a href="{link}">{plan.title} 第{draw.number}批</a>' in page
    # And the draw's page links to the publication from the target's row.
    draw_page = client.get(link).content.decode()
    assert reverse("portal:publication", args=[publication.pk]) in draw_page


def test_an_inspection_not_from_a_draw_has_no_backlink(inspection_world: InspectionWorld, client: Any) -> None:
    w = inspection_world
    cases = w.cases
    case = cases.open("inspection", title="日常检查")
    case = case_advance(actor=w.bureau.officer, case=case, target="inspect")
    cases.show_certificates(case)
    cases.record(case, start=timezone.now())
    case_document_issue(
        actor=w.bureau.officer,
        case=case,
        template_code="site_inspection_record",
        fields={**SITE, "inspection_findings": "未发现问题。"},
    )
    case = case_advance(actor=w.bureau.officer, case=case, target="close")
    task = PublicationTask.objects.get(case=case, decision_kind=DecisionKind.INSPECTION)
    publication = disclosure.publication_publish(actor=w.bureau.reviewer, task=task)
    assert publication is not None
    assert drawn_target_for_publication(task_id=task.pk) is None
    page = client.get(reverse("portal:publication", args=[publication.pk])).content.decode()
    assert page.count("<h1") == 1 and "本次检查来自双随机抽查" not in page
