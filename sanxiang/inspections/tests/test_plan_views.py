"""Staff pages of sampling plans and draws: plan form, publish, commitment, the draw with the observer's value."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sanxiang.cases.models import Case
from sanxiang.inspections.models import Draw, DrawSecret, DrawState, PlanState, SamplingPlan
from sanxiang.inspections.services import draw_commit
from sanxiang.inspections.tests.conftest import InspectionWorld
from sanxiang.org.listing import entry_create
from sanxiang.registry.models import InspectionItem
from sanxiang.registry.specs import ALL_LISTS
from sanxiang.registry.tests import factories as f

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def form_post(w: InspectionWorld, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "code": "SJJH-2026-101",
        "title": "2026年危险化学品经营单位双随机抽查",
        "year": "2026",
        "items": [str(w.item.pk)],
        "case_item": str(w.cases.items["inspection"].pk),
        "regions": "",
        "sectors": "",
        "kind_A": "count",
        "value_A": "2",
        "kind_B": "ratio",
        "value_B": "0.5",
        "kind_C": "",
        "value_C": "",
        "kind_D": "",
        "value_D": "",
        "inspectors_per_target": "2",
        "frequency": "每年一次",
    }
    data.update(changes)
    return data


def test_pages_need_login(inspection_world: InspectionWorld) -> None:
    plan = inspection_world.plan()
    draw = draw_commit(actor=inspection_world.bureau.head, plan=plan)
    for url in (
        reverse("inspections:home"),
        reverse("inspections:plan-new"),
        reverse("inspections:plan", args=[plan.pk]),
        reverse("inspections:draw", args=[draw.pk]),
        reverse("inspections:draw-json", args=[draw.pk]),
    ):
        response = Client().get(url)
        assert response.status_code == 302 and "login" in response["Location"], url


def test_home_lists_plans_and_button_for_planners_only(inspection_world: InspectionWorld) -> None:
    w = inspection_world
    plan = w.plan()
    draw_commit(actor=w.bureau.head, plan=plan)
    page = client_for(w.bureau.head).get(reverse("inspections:home")).content.decode()
    assert plan.code in page and "新建抽查计划" in page and "第1批：已公布承诺，待抽取" in page
    page = client_for(w.bureau.officer).get(reverse("inspections:home")).content.decode()
    assert plan.code in page and "新建抽查计划" not in page


def test_officer_cannot_create_or_publish(inspection_world: InspectionWorld) -> None:
    w = inspection_world
    client = client_for(w.bureau.officer)
    response = client.post(reverse("inspections:plan-new"), form_post(w))
    assert response.status_code == 403
    assert not SamplingPlan.objects.filter(code="SJJH-2026-101").exists()
    draft = w.plan(publish=False)
    client.post(reverse("inspections:plan-publish", args=[draft.pk]))
    draft.refresh_from_db()
    assert draft.state == PlanState.DRAFT


def test_outsider_gets_404(inspection_world: InspectionWorld) -> None:
    w = inspection_world
    plan = w.plan()
    draw = draw_commit(actor=w.bureau.head, plan=plan)
    client = client_for(w.bureau.outsider)
    for url in (
        reverse("inspections:plan", args=[plan.pk]),
        reverse("inspections:draw", args=[draw.pk]),
        reverse("inspections:draw-json", args=[draw.pk]),
    ):
        assert client.get(url).status_code == 404, url
    assert (
        client.post(
            reverse("inspections:draw", args=[draw.pk]), {"observer_name": "x", "observer_value": "1"}
        ).status_code
        == 404
    )
    assert Draw.objects.get(pk=draw.pk).state == DrawState.COMMITTED


def test_unpublished_item_is_refused_in_chinese(inspection_world: InspectionWorld) -> None:
    w = inspection_world
    draft_item = entry_create(
        actor=w.bureau.reviewer,
        spec=ALL_LISTS["inspection-items"],
        agency=w.bureau.agency,
        data=f.inspection_item_data(code="SJ-002", name="未公示事项"),
    )
    assert isinstance(draft_item, InspectionItem) and not draft_item.is_published
    response = client_for(w.bureau.head).post(reverse("inspections:plan-new"), form_post(w, items=[str(draft_item.pk)]))
    assert response.status_code == 400
    page = response.content.decode()
    assert "只能对已公示的抽查事项制定计划" in page and "未公示事项" in page
    assert 'value="SJJH-2026-101"' in page  # the form keeps what was typed
    assert not SamplingPlan.objects.exists()


def test_bad_quota_is_refused(inspection_world: InspectionWorld) -> None:
    w = inspection_world
    response = client_for(w.bureau.head).post(
        reverse("inspections:plan-new"), form_post(w, kind_A="ratio", value_A="abc", kind_B="")
    )
    assert response.status_code == 400 and "A类的抽查比例应为0到1之间的小数" in response.content.decode()
    assert not SamplingPlan.objects.exists()


def test_head_creates_publishes_commits_and_draws(inspection_world: InspectionWorld) -> None:
    w = inspection_world
    client = client_for(w.bureau.head)
    response = client.post(reverse("inspections:plan-new"), form_post(w, kind_C="count", value_C="1"))
    assert response.status_code == 302
    plan = SamplingPlan.objects.get(code="SJJH-2026-101")
    assert plan.classes == [{"risk": "A", "count": 2}, {"risk": "B", "ratio": "0.5"}, {"risk": "C", "count": 1}]
    page = client.get(reverse("inspections:plan", args=[plan.pk])).content.decode()
    assert "A类：2户" in page and "B类：50%" in page and w.item.name in page and "公布计划" in page
    assert "公布抽取承诺" not in page
    client.post(reverse("inspections:plan-publish", args=[plan.pk]))
    plan.refresh_from_db()
    assert plan.state == PlanState.PUBLISHED
    page = client.get(reverse("inspections:plan", args=[plan.pk])).content.decode()
    assert "公布抽取承诺" in page
    response = client.post(
        reverse("inspections:draw-commit", args=[plan.pk]), {"draw_on": timezone.localdate().isoformat()}
    )
    draw = Draw.objects.get(plan=plan)
    assert response["Location"] == reverse("inspections:draw", args=[draw.pk])
    seed = DrawSecret.objects.get(pk=draw.secret_id).bureau_seed
    page = client.get(response["Location"]).content.decode()
    assert draw.commitment in page and draw.targets_sha256 in page and "开始抽取" in page
    assert seed not in page
    doc = client.get(reverse("inspections:draw-json", args=[draw.pk]))
    assert "attachment" in doc["Content-Disposition"] and seed not in doc.content.decode()
    # A missing observer value is refused and draws nothing.
    response = client.post(response["Location"], {"observer_name": "监督员张三", "observer_value": " "})
    assert response.status_code == 400 and "须由见证人当场输入一个值" in response.content.decode()
    assert Draw.objects.get(pk=draw.pk).state == DrawState.COMMITTED and not Case.objects.exists()
    response = client.post(
        reverse("inspections:draw", args=[draw.pk]), {"observer_name": "监督员张三", "observer_value": "730412"}
    )
    assert response.status_code == 302
    draw.refresh_from_db()
    assert draw.state == DrawState.DRAWN
    drawn = list(draw.drawn.select_related("target", "case"))
    assert len(drawn) == 5 and all(d.case is not None for d in drawn)
    page = client.get(reverse("inspections:draw", args=[draw.pk])).content.decode()
    assert seed in page and draw.final_seed in page and "730412" in page
    for d in drawn:
        assert d.target.uscc in page
        assert d.case is not None and reverse("cases:case_detail", args=[d.case.pk]) in page
    assert "开始抽取" not in page
    page = client.get(reverse("inspections:draw", args=[draw.pk]), {"verify": "1"}).content.decode()
    assert 'data-verify="ok"' in page and "一致" in page
    doc = json.loads(client.get(reverse("inspections:draw-json", args=[draw.pk])).content)
    assert doc["bureau_seed"] == seed and doc["observer_value"] == "730412" and len(doc["selection"]) == 5


def test_cancel_by_planner_with_reason(inspection_world: InspectionWorld) -> None:
    w = inspection_world
    draw = draw_commit(actor=w.bureau.head, plan=w.plan())
    client = client_for(w.bureau.officer)
    page = client.get(reverse("inspections:draw", args=[draw.pk])).content.decode()
    assert "作废承诺" not in page
    client.post(reverse("inspections:draw-cancel", args=[draw.pk]), {"reason": "名录有误"})
    assert Draw.objects.get(pk=draw.pk).state == DrawState.COMMITTED
    client = client_for(w.bureau.head)
    client.post(reverse("inspections:draw-cancel", args=[draw.pk]), {"reason": ""})
    assert Draw.objects.get(pk=draw.pk).state == DrawState.COMMITTED
    client.post(reverse("inspections:draw-cancel", args=[draw.pk]), {"reason": "名录有误"})
    assert Draw.objects.get(pk=draw.pk).state == DrawState.CANCELLED


def test_commitment_in_the_past_is_refused_in_chinese(inspection_world: InspectionWorld) -> None:
    w = inspection_world
    plan = w.plan()
    client = client_for(w.bureau.head)
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    response = client.post(
        reverse("inspections:draw-commit", args=[plan.pk]), {"draw_on": yesterday.isoformat()}, follow=True
    )
    assert "抽取日期不能早于今天" in response.content.decode()
    response = client.post(reverse("inspections:draw-commit", args=[plan.pk]), {"draw_on": "明天"}, follow=True)
    assert "抽取日期格式应为" in response.content.decode()
    assert not Draw.objects.exists()


def test_no_draw_form_on_another_day(inspection_world: InspectionWorld) -> None:
    w = inspection_world
    draw = draw_commit(actor=w.bureau.head, plan=w.plan(), draw_on=timezone.localdate() + dt.timedelta(days=3))
    client = client_for(w.bureau.head)
    page = client.get(reverse("inspections:draw", args=[draw.pk])).content.decode()
    assert "见证人输入值" not in page and "只能在承诺的抽取日期" in page
    response = client.post(
        reverse("inspections:draw", args=[draw.pk]), {"observer_name": "监督员张三", "observer_value": "1"}
    )
    assert response.status_code == 400 and "今天不能抽取" in response.content.decode()
    assert Draw.objects.get(pk=draw.pk).state == DrawState.COMMITTED and not Case.objects.exists()
