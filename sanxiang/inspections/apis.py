"""The inspections app's routers under /api/v1/ (public: published plans and draws with their results).

Public: published sampling plans and every draw of them — before the draw only the commitment and its four hashes,
after it the seed, the observer's value, the selection with results, and the published document (docs/draw.md §9).
Read through ``inspections.selectors`` (never the draw's secret); 404 alike for missing and draft.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema

from sanxiang.core.errors import NotFound
from sanxiang.inspections import draw as drawing
from sanxiang.inspections import selectors
from sanxiang.inspections.models import Draw, DrawState, SamplingPlan
from sanxiang.inspections.services import draw_document
from sanxiang.registry.apis import ErrorOut

public_router = Router(tags=["双随机抽查"])
staff_router = Router(tags=["双随机抽查"])


class InspectionFilters(Schema):
    agency: int | None = Field(None, description="执法主体编号")
    year: int | None = Field(None, description="计划年度")


class PlanOut(Schema):
    """A published sampling plan (抽查计划)."""

    id: int
    agency_id: int = Field(description="执法主体编号")
    agency_name: str = Field(description="执法主体")
    code: str = Field(description="计划编号")
    title: str = Field(description="计划名称")
    year: int = Field(description="年度")
    items: list[str] = Field(description="抽查事项名称")
    case_item: str = Field(description="办案使用的检查事项")
    regions: list[str] = Field(description="抽查区域（行政区划代码），空为全部")
    sectors: list[str] = Field(description="抽查行业，空为全部")
    classes: list[dict[str, Any]] = Field(description="各风险类别抽查数量（count）或比例（ratio）")
    inspectors_per_target: int = Field(description="每户检查人员数")
    frequency: str = Field(description="抽查频次")
    state: str = Field(description="计划状态")
    published_at: dt.datetime | None = Field(description="公布时间")
    draw_ids: list[int] = Field(description="该计划的随机抽取编号")

    @staticmethod
    def resolve_agency_name(obj: SamplingPlan) -> str:
        return obj.agency.name

    @staticmethod
    def resolve_items(obj: SamplingPlan) -> list[str]:
        return [item.name for item in obj.items.all()]

    @staticmethod
    def resolve_case_item(obj: SamplingPlan) -> str:
        return str(obj.case_item)

    @staticmethod
    def resolve_draw_ids(obj: SamplingPlan) -> list[int]:
        return list(selectors.public_draws().filter(plan=obj).values_list("pk", flat=True))


class DrawOut(Schema):
    """A draw (随机抽取): the commitment and its hashes; after the draw also the seed and the observer's value."""

    id: int
    plan_id: int = Field(description="抽查计划编号")
    plan_title: str = Field(description="抽查计划名称")
    agency_id: int = Field(description="执法主体编号")
    number: int = Field(description="批次")
    draw_on: dt.date = Field(description="抽取日期")
    state: str = Field(description="committed 已公布承诺值 / drawn 已抽取 / cancelled 已作废")
    commitment: str = Field(description="承诺值（SHA-256）")
    seed_sha256: str = Field(description="本机构种子摘要")
    targets_sha256: str = Field(description="检查对象名录快照摘要")
    inspectors_sha256: str = Field(description="检查人员名录快照摘要")
    plan_sha256: str = Field(description="抽取参数摘要")
    target_count: int = Field(description="名录内检查对象数")
    inspector_count: int = Field(description="名录内检查人员数")
    committed_at: dt.datetime = Field(description="承诺值公布时间")
    observer_name: str = Field(description="见证人（抽取后）")
    observer_value: str = Field(description="见证人输入值（抽取后）")
    bureau_seed: str = Field(description="本机构种子（抽取或作废后公布，之前为空）")
    final_seed: str = Field(description="最终种子（抽取后）")
    drawn_at: dt.datetime | None = Field(description="抽取时间")
    cancelled_at: dt.datetime | None = Field(description="作废时间")
    cancel_reason: str = Field(description="作废原因")

    @staticmethod
    def resolve_plan_title(obj: Draw) -> str:
        return obj.plan.title


class DrawnTargetOut(Schema):
    position: int = Field(description="抽中顺序")
    uscc: str = Field(description="统一社会信用代码")
    name: str = Field(description="检查对象名称")
    inspectors: list[str] = Field(description="检查人员执法证号（抽取顺序）")
    inspector_names: list[str] = Field(description="检查人员姓名")
    result: str = Field(description="检查结果：none_found / rectified / handed_over，空为检查中")
    result_label: str = Field(description="检查结果（中文）")
    result_on: dt.date | None = Field(description="检查结束日期")
    publication_id: int | None = Field(description="检查结果的公开信息编号（已公开时）")


class DrawDetailOut(DrawOut):
    selection: list[DrawnTargetOut] = Field(description="抽中的检查对象及检查人员、检查结果（抽取前为空）")

    @staticmethod
    def resolve_selection(obj: Draw) -> list[dict[str, Any]]:
        # Not the row's ``selection`` column: the drawn targets with names, results and publications.
        rows = selectors.drawn_targets(obj) if obj.state == DrawState.DRAWN else []
        return [dataclasses.asdict(row) for row in rows]


@public_router.get(
    "/inspection-plans/",
    response=list[PlanOut],
    operation_id="public_inspection_plans_list",
    summary="双随机抽查：已公布的抽查计划",
    description="按公布时间由新到旧，最多 200 条。",
)
def inspection_plans_list(request: HttpRequest, filters: Query[InspectionFilters]) -> list[SamplingPlan]:
    return list(selectors.public_plans(agency=filters.agency, year=filters.year).prefetch_related("items")[:200])


@public_router.get(
    "/inspection-plans/{int:plan_id}/",
    response={200: PlanOut, 404: ErrorOut},
    operation_id="public_inspection_plan_get",
    summary="双随机抽查：抽查计划",
)
def inspection_plan_get(request: HttpRequest, plan_id: int) -> SamplingPlan:
    plan = selectors.public_plan(plan_id)
    if plan is None:
        raise NotFound("未找到该抽查计划（可能尚未公布）。")
    return plan


@public_router.get(
    "/inspection-draws/",
    response=list[DrawOut],
    operation_id="public_inspection_draws_list",
    summary="双随机抽查：随机抽取",
    description="按承诺值公布时间由新到旧，最多 200 条。",
)
def inspection_draws_list(request: HttpRequest, filters: Query[InspectionFilters]) -> list[Draw]:
    return list(selectors.public_draws(agency=filters.agency, year=filters.year)[:200])


def _draw(draw_id: int) -> Draw:
    draw = selectors.public_draw(draw_id)
    if draw is None:
        raise NotFound("未找到该随机抽取。")
    return draw


@public_router.get(
    "/inspection-draws/{int:draw_id}/",
    response={200: DrawDetailOut, 404: ErrorOut},
    operation_id="public_inspection_draw_get",
    summary="双随机抽查：随机抽取详情（含抽取结果和检查结果）",
)
def inspection_draw_get(request: HttpRequest, draw_id: int) -> Draw:
    return _draw(draw_id)


@public_router.get(
    "/inspection-draws/{int:draw_id}/document",
    response={200: None, 404: ErrorOut},
    operation_id="public_inspection_draw_document",
    summary="双随机抽查：公开的抽取数据（draw.json）",
    description="docs/draw.md §9 的文档（RFC 8785 规范 JSON）；抽取前只含承诺值和四个摘要。可用 draw_verify.py 核验。",
    openapi_extra={"responses": {"200": {"description": "JSON", "content": {"application/json": {}}}}},
)
def inspection_draw_document(request: HttpRequest, draw_id: int) -> HttpResponse:
    draw = _draw(draw_id)
    return HttpResponse(drawing.canonical_json(draw_document(draw)), content_type="application/json; charset=utf-8")
