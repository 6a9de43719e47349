"""双随机、一公开: the only code that writes the target pool, conflicts, plans and draws (each write ledgered).

A draw is made in two steps, following docs/draw.md:

1. ``draw_commit``: snapshot the target pool and the inspector pool of the plan on the draw's date, write both as
   files named by their hashes, generate the bureau's seed (kept in ``DrawSecret``) and publish the commitment.
2. ``draw_perform`` (on the draw's date): the observer's value is entered; the snapshots are re-read and re-hashed
   (a file changed after the commitment stops the draw), the selection is computed by ``draw.draw`` and each selected
   target is opened as an inspection case with its drawn inspectors. The seed is then public.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from sanxiang.cases.models import Case, CaseOfficer, Party, PartyKind, RecusalDecision
from sanxiang.cases.processes import PROCESSES, Kind
from sanxiang.cases.services import case_open
from sanxiang.cases.workflow import CaseEvent
from sanxiang.core.errors import InvalidTransition, ValidationError
from sanxiang.core.validators import region_covers, validate_region_code, validate_uscc
from sanxiang.inspections import draw as drawing
from sanxiang.inspections.models import (
    Conflict,
    Draw,
    DrawnTarget,
    DrawSecret,
    DrawState,
    InspectionResult,
    PlanState,
    RiskClass,
    SamplingPlan,
    Target,
)
from sanxiang.ledger.evidence import evidence_storage
from sanxiang.ledger.services import record
from sanxiang.org.access import require_role
from sanxiang.org.models import Agency, Role
from sanxiang.registry.models import EnforcementCategory, EnforcementItem, InspectionItem, Officer

POOL_KEEPERS = (Role.OFFICER, Role.DEPARTMENT_HEAD, Role.OFFICE)
PLANNERS = (Role.DEPARTMENT_HEAD, Role.LEADER)
# The draw opens the inspection cases, so it is made by whoever may open a case (cases.services.OPENERS).
DRAWERS = (Role.DEPARTMENT_HEAD, Role.OFFICER)
PROCESS_KEY = "inspection"
TARGET_FIELDS = ("uscc", "name", "legal_representative", "address", "region", "sector", "risk")
# Which step an inspection case leaves for its end tells its result (cases.processes.INSPECTION).
RESULT_BY_LAST_STEP = {
    "inspect": InspectionResult.NONE_FOUND,
    "reinspect": InspectionResult.RECTIFIED,
    "handover": InspectionResult.HANDED_OVER,
}


def _messages(exc: ValidationError) -> list[str]:
    return [message for messages in exc.errors.values() for message in messages]


def yearly_cap() -> int:
    return int(settings.SANXIANG_INSPECTION_YEARLY_CAP)


# --- the target pool (检查对象名录库) ----------------------------------------------------------------------------------


def target_clean(data: Mapping[str, Any]) -> tuple[dict[str, str], dict[str, list[str]]]:
    """The target fields of ``data`` cleaned, and every problem with them (field → Chinese messages)."""
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, str] = {}
    unknown = sorted(set(data) - set(TARGET_FIELDS))
    for name in unknown:
        errors[name] = ["不能填写该字段。"]
    for name in TARGET_FIELDS:
        value = data.get(name, "")
        cleaned[name] = value.strip() if isinstance(value, str) else ("" if value is None else str(value).strip())
    for name, label, limit in (("name", "名称", 200), ("address", "地址", 300), ("sector", "行业", 100)):
        if not cleaned[name]:
            errors[name] = [f"须填写{label}。"]
        elif len(cleaned[name]) > limit:
            errors[name] = [f"{label}不能超过{limit}个字。"]
    if len(cleaned["legal_representative"]) > 50:
        errors["legal_representative"] = ["法定代表人不能超过50个字。"]
    try:
        cleaned["uscc"] = validate_uscc(cleaned["uscc"].upper())
    except ValidationError as exc:
        errors["uscc"] = _messages(exc)
    try:
        cleaned["region"] = validate_region_code(cleaned["region"])
    except ValidationError as exc:
        errors["region"] = _messages(exc)
    risk = cleaned["risk"].upper()[:1] if cleaned["risk"] else ""
    if risk not in RiskClass.values:
        errors["risk"] = ["风险分类应为 A、B、C 或 D。"]
    cleaned["risk"] = risk
    return cleaned, errors


def target_save(*, actor: Any, agency: Agency, data: Mapping[str, Any]) -> tuple[Target, bool]:
    """Add a target to ``agency``'s pool, or update the one with the same USCC (put back in the pool if it was out).
    Returns the target and whether anything changed; one ledger entry when it did."""
    require_role(
        actor, agency, POOL_KEEPERS, f"只有{agency.name}的执法人员、科室负责人或办公室可以维护检查对象名录库。"
    )
    cleaned, errors = target_clean(data)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        target = Target.objects.select_for_update().filter(agency=agency, uscc=cleaned["uscc"]).first()
        if target is None:
            target = Target(agency=agency, updated_at=timezone.now(), **cleaned)
            target.save()
            record(actor=actor, action="target.create", subject=target)
            return target, True
        if target.active and all(getattr(target, name) == value for name, value in cleaned.items()):
            return target, False
        for name, value in cleaned.items():
            setattr(target, name, value)
        target.active = True
        target.updated_at = timezone.now()
        target.save()
        record(actor=actor, action="target.update", subject=target)
        return target, True


def target_remove(*, actor: Any, target: Target, reason: str) -> Target:
    """Take a target out of the pool (注销、迁出): it stays for the draws that named it."""
    require_role(
        actor, target.agency_id, POOL_KEEPERS, "只有本机构的执法人员、科室负责人或办公室可以维护检查对象名录库。"
    )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ["须填写移出名录库的原因。"]})
    with transaction.atomic():
        target = Target.objects.select_for_update().get(pk=target.pk)
        if not target.active:
            raise InvalidTransition("该检查对象已移出名录库。")
        target.active = False
        target.updated_at = timezone.now()
        target.save(update_fields=["active", "updated_at"])
        record(actor=actor, action="target.remove", subject=target, note=reason)
    return target


def conflict_add(*, actor: Any, officer: Officer, target: Target, reason: str) -> Conflict:
    """Put an officer on the conflict-of-interest list for a target (利害关系回避): no draw pairs them again."""
    require_role(actor, target.agency_id, PLANNERS, "只有科室负责人或局领导可以登记回避情形。")
    reason = (reason or "").strip()
    errors: dict[str, list[str]] = {}
    if not reason:
        errors["reason"] = ["须填写回避事由。"]
    if officer.agency_id != target.agency_id:
        errors["officer"] = [f"{officer.name}不是本机构的执法人员。"]
    if Conflict.objects.filter(officer=officer, target=target).exists():
        errors["target"] = [f"{officer.name}与{target.name}的回避情形已登记。"]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        conflict = Conflict.objects.create(
            agency_id=target.agency_id,
            officer=officer,
            target=target,
            reason=reason,
            recorded_at=timezone.now(),
            recorded_by=actor,
        )
        record(actor=actor, action="conflict.add", subject=conflict)
    return conflict


# --- sampling plans (抽查计划) ---------------------------------------------------------------------------------------

PLAN_FIELDS = (
    "code",
    "title",
    "year",
    "items",
    "case_item",
    "regions",
    "sectors",
    "classes",
    "inspectors_per_target",
    "frequency",
)


def _str_list(value: Any, field: str, errors: dict[str, list[str]], label: str) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        value = value.replace("，", ",").replace("、", ",").split(",")
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        errors[field] = [f"{label}应为文字列表。"]
        return []
    return sorted({v.strip() for v in value if v.strip()})


def plan_clean(agency: Agency, data: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """A plan's fields cleaned, and every problem with them. Only published inspection items of ``agency`` can be
    planned (国办发〔2024〕54号); the quota list is checked by the draw's own rules (docs/draw.md §4)."""
    errors: dict[str, list[str]] = {}
    for name in sorted(set(data) - set(PLAN_FIELDS)):
        errors[name] = ["不能填写该字段。"]
    cleaned: dict[str, Any] = {}
    for name, label, limit in (("code", "计划编号", 40), ("title", "计划名称", 200), ("frequency", "抽查频次", 100)):
        value = data.get(name, "")
        value = value.strip() if isinstance(value, str) else ""
        if not value:
            errors[name] = [f"须填写{label}。"]
        elif len(value) > limit:
            errors[name] = [f"{label}不能超过{limit}个字。"]
        cleaned[name] = value
    try:
        cleaned["year"] = int(data.get("year") or 0)
    except (TypeError, ValueError):
        cleaned["year"] = 0
    if not 2000 <= cleaned["year"] <= 2100:
        errors["year"] = ["年度应为四位数字。"]
    raw_items = data.get("items") or []
    if isinstance(raw_items, str | int | InspectionItem):
        raw_items = [raw_items]
    wanted = [i for i in raw_items if str(i).strip()]
    # A value that is not an id is refused below in Chinese (int("abc") used to raise ValueError).
    item_ids = [
        i.pk if isinstance(i, InspectionItem) else int(i)
        for i in wanted
        if isinstance(i, InspectionItem) or str(i).strip().isdecimal()
    ]
    items = list(InspectionItem.objects.filter(pk__in=item_ids, agency=agency))
    if not wanted:
        errors["items"] = ["须选择至少一个抽查事项。"]
    elif len(item_ids) != len(wanted) or len(items) != len(set(item_ids)):
        errors["items"] = ["抽查事项应为本机构随机抽查事项清单中的事项。"]
    else:
        unpublished = [item.name for item in items if not item.is_published]
        if unpublished:
            errors["items"] = [f"只能对已公示的抽查事项制定计划：“{'”“'.join(unpublished)}”尚未公示。"]
    cleaned["items"] = items
    case_item = data.get("case_item")
    case_item_pk = case_item.pk if isinstance(case_item, EnforcementItem) else str(case_item or "")
    found = (
        EnforcementItem.objects.filter(pk=int(case_item_pk), agency=agency).first()
        if str(case_item_pk).isdigit()
        else None
    )
    if found is None:
        errors["case_item"] = ["须选择本机构的行政检查类执法事项。"]
    elif found.category != EnforcementCategory.INSPECTION or not found.is_published:
        errors["case_item"] = [f"“{found.name}”不是已公示的行政检查类执法事项。"]
    cleaned["case_item"] = found
    cleaned["regions"] = _str_list(data.get("regions"), "regions", errors, "抽查区域")
    for region in cleaned["regions"]:
        try:
            validate_region_code(region)
        except ValidationError as exc:
            errors.setdefault("regions", []).extend(_messages(exc))
    cleaned["sectors"] = _str_list(data.get("sectors"), "sectors", errors, "抽查行业")
    try:
        raw = data.get("inspectors_per_target")
        cleaned["inspectors_per_target"] = 2 if raw is None or raw == "" else int(raw)
    except (TypeError, ValueError):
        cleaned["inspectors_per_target"] = 0
    if cleaned["inspectors_per_target"] < 2:
        errors["inspectors_per_target"] = ["每户检查人员不得少于2名。"]
    classes = data.get("classes")
    cleaned["classes"] = classes if isinstance(classes, list) else []
    if not cleaned["classes"]:
        errors["classes"] = ["须填写至少一个风险类别的抽查数量或比例。"]
    else:
        bad = [c for c in cleaned["classes"] if not isinstance(c, dict) or c.get("risk") not in RiskClass.values]
        if bad:
            errors["classes"] = ["风险类别应为 A、B、C 或 D。"]
        elif "inspectors_per_target" not in errors:
            try:
                drawing.canonical_plan(_draw_parameters(cleaned, [], []))
            except drawing.DrawError as exc:
                errors["classes"] = list(exc.messages)
    return cleaned, errors


def plan_create(*, actor: Any, agency: Agency, data: Mapping[str, Any]) -> SamplingPlan:
    require_role(actor, agency, PLANNERS, "只有科室负责人或局领导可以制定抽查计划。")
    cleaned, errors = plan_clean(agency, data)
    if "code" not in errors and SamplingPlan.objects.filter(agency=agency, code=cleaned["code"]).exists():
        errors["code"] = [f"计划编号“{cleaned['code']}”已被使用。"]
    if errors:
        raise ValidationError(errors)
    items = cleaned.pop("items")
    with transaction.atomic():
        plan = SamplingPlan.objects.create(agency=agency, created_at=timezone.now(), created_by=actor, **cleaned)
        plan.items.set(items)
        record(actor=actor, action="plan.create", subject=plan, blob={"items": sorted(item.pk for item in items)})
    return plan


def plan_publish(*, actor: Any, plan: SamplingPlan) -> SamplingPlan:
    """公布: the plan is public from now on and can be drawn; it no longer changes."""
    require_role(actor, plan.agency_id, PLANNERS, "只有科室负责人或局领导可以公布抽查计划。")
    with transaction.atomic():
        plan = SamplingPlan.objects.select_for_update().get(pk=plan.pk)
        if plan.state != PlanState.DRAFT:
            raise InvalidTransition("只有草拟中的抽查计划可以公布。")
        unpublished = [item.name for item in plan.items.all() if not item.is_published]
        if unpublished:
            raise ValidationError({"items": [f"“{'”“'.join(unpublished)}”已不是公示中的抽查事项，不能公布计划。"]})
        plan.state = PlanState.PUBLISHED
        plan.published_at = timezone.now()
        plan.published_by = actor
        plan.save(update_fields=["state", "published_at", "published_by"])
        record(actor=actor, action="plan.publish", subject=plan)
    return plan


# --- the snapshots ------------------------------------------------------------------------------------------------


def target_snapshot(agency: Agency | int) -> list[dict[str, str]]:
    """The agency's pool as the draw reads it (docs/draw.md §3), in id order: every target in the pool."""
    rows = (
        Target.objects.filter(agency=agency, active=True)
        .order_by("uscc")
        .values_list("uscc", "name", "risk", "region", "sector")
    )
    items = [{"id": u, "name": n, "risk": k, "region": r, "sector": s} for u, n, k, r, s in rows]
    items.sort(key=lambda item: item["id"])  # code-point order, whatever the database's collation
    return items


def eligible_officers(plan: SamplingPlan, on: dt.date) -> list[Officer]:
    """执法检查人员名录库 for ``plan`` on ``on``: the agency's published officers whose certificate is valid that day
    and covers every category of the plan's items and of its case item."""
    categories = {item.category for item in plan.items.all()} | {plan.case_item.category}
    officers = Officer.objects.filter(agency_id=plan.agency_id).order_by("certificate_number")
    return [
        o
        for o in officers
        if o.is_published
        and o.certificate_valid(on)
        and isinstance(o.categories, list)
        and categories <= set(o.categories)
    ]


def inspector_snapshot(officers: Iterable[Officer], regions: Iterable[str]) -> list[dict[str, Any]]:
    """Each officer with the regions of the pool they may inspect in (their enforcement region covers the place)."""
    regions = sorted(set(regions))
    items = []
    for officer in officers:
        covered = [r for r in regions if _covers(officer.region, r)]
        items.append({"id": officer.certificate_number, "name": officer.name, "regions": covered})
    items.sort(key=lambda item: str(item["id"]))
    return items


def _covers(region: str, place: str) -> bool:
    try:
        return region_covers(region, place)
    except ValidationError:
        return False


def inspected_this_year(usccs: Iterable[str], year: int) -> dict[str, int]:
    """How many inspection cases each target has had opened in ``year``, across every plan and agency (the yearly
    cap protects the enterprise, whoever inspects it). One aggregate query."""
    wanted = set(usccs)
    inspection_processes = [key for key, process in PROCESSES.items() if process.kind == Kind.INSPECTION]
    rows = (
        Party.objects.filter(
            kind=PartyKind.ORGANISATION, case__process_key__in=inspection_processes, case__year=year, uscc__in=wanted
        )
        .values("uscc")
        .annotate(n=Count("case", distinct=True))
    )
    return {row["uscc"]: row["n"] for row in rows}


def conflict_pairs(agency: Agency | int) -> list[list[str]]:
    """[certificate number, USCC] pairs never to be drawn together: the conflict list, and every approved recusal
    (回避) of an officer from a case of this agency whose party is that organisation."""
    pairs = {
        (cert, uscc)
        for cert, uscc in Conflict.objects.filter(agency=agency).values_list(
            "officer__certificate_number", "target__uscc"
        )
    }
    recusals = list(
        CaseOfficer.objects.filter(case__agency=agency, recusal_decision=RecusalDecision.APPROVE).values_list(
            "officer__certificate_number", "case_id"
        )
    )
    if recusals:
        parties = Party.objects.filter(
            case_id__in={case_id for _, case_id in recusals}, kind=PartyKind.ORGANISATION
        ).exclude(uscc="")
        by_case: dict[int, list[str]] = {}
        for case_id, uscc in parties.values_list("case_id", "uscc"):
            by_case.setdefault(case_id, []).append(uscc)
        pairs |= {(cert, uscc) for cert, case_id in recusals for uscc in by_case.get(case_id, [])}
    return [list(pair) for pair in sorted(pairs)]


def _draw_parameters(
    plan: Mapping[str, Any] | SamplingPlan, inspected: Any, conflicts: list[list[str]]
) -> dict[str, Any]:
    def get(name: str) -> Any:
        return plan[name] if isinstance(plan, Mapping) else getattr(plan, name)

    parameters: dict[str, Any] = {
        "classes": get("classes"),
        "inspectors_per_target": get("inspectors_per_target"),
        "yearly_cap": yearly_cap(),
        "inspected_this_year": inspected,
        "conflicts": conflicts,
    }
    if get("regions"):
        parameters["regions"] = list(get("regions"))
    if get("sectors"):
        parameters["sectors"] = list(get("sectors"))
    return parameters


def understaffed(
    targets: list[dict[str, Any]], inspectors: list[dict[str, Any]], parameters: Mapping[str, Any]
) -> list[str]:
    """The targets the draw could select that have fewer allowed inspectors than the plan draws for each: the draw
    would stop on any of them (docs/draw.md §8), so the commitment is refused instead."""
    need = parameters["inspectors_per_target"]
    classes = {c["risk"] for c in parameters["classes"]}
    regions = set(parameters["regions"]) if "regions" in parameters else None
    sectors = set(parameters["sectors"]) if "sectors" in parameters else None
    capped = {uscc for uscc, n in parameters["inspected_this_year"] if n >= parameters["yearly_cap"]}
    covering: dict[str, set[str]] = {}
    for inspector in inspectors:
        for region in inspector["regions"]:
            covering.setdefault(region, set()).add(inspector["id"])
    barred: dict[str, set[str]] = {}
    for cert, uscc in parameters["conflicts"]:
        barred.setdefault(uscc, set()).add(cert)
    return [
        t["id"]
        for t in targets
        if t["risk"] in classes
        and (regions is None or t["region"] in regions)
        and (sectors is None or t["sector"] in sectors)
        and t["id"] not in capped
        and len(covering.get(t["region"], set()) - barred.get(t["id"], set())) < need
    ]


def snapshot_name(sha256: str) -> str:
    return f"draws/{sha256[:2]}/{sha256}.json"


def _store_snapshot(data: bytes, sha256: str) -> None:
    storage = evidence_storage()
    name = snapshot_name(sha256)
    if not storage.exists(name):
        saved = storage.save(name, ContentFile(data))
        if saved != name:  # pragma: no cover - a storage that renames would break the content address
            raise RuntimeError(f"snapshot stored as {saved}, not {name}")


def load_snapshot(sha256: str) -> list[dict[str, Any]]:
    """A stored snapshot, checked against its hash: a file changed after the commitment raises ``DrawError``."""
    try:
        with evidence_storage().open(snapshot_name(sha256), "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        raise ValidationError(f"找不到承诺时保存的名录快照 {sha256}。") from None
    try:
        items = json.loads(data)
    except ValueError:
        raise ValidationError(f"名录快照 {sha256} 已损坏，无法读取。") from None
    if not isinstance(items, list) or drawing.snapshot_hash(items) != sha256:
        raise ValidationError(f"名录快照与承诺时公布的哈希 {sha256} 不符：名录在公布承诺后被改动，不能抽取。")
    return items


# --- the draw ----------------------------------------------------------------------------------------------------


def draw_commit(*, actor: Any, plan: SamplingPlan, draw_on: dt.date | None = None) -> Draw:
    """Take both snapshots and publish the commitment for a draw of ``plan`` on ``draw_on`` (today by default)."""
    require_role(actor, plan.agency_id, DRAWERS, "只有科室负责人或执法人员可以组织随机抽取。")
    today = timezone.localdate()
    day = draw_on or today
    errors: dict[str, list[str]] = {}
    if day < today:
        errors["draw_on"] = ["抽取日期不能早于今天。"]
    if plan.state != PlanState.PUBLISHED:
        errors["plan"] = ["只有已公布的抽查计划可以抽取。"]
    unpublished = [item.name for item in plan.items.all() if not item.is_published]
    if unpublished:
        errors["plan"] = [f"抽查事项“{'”“'.join(unpublished)}”已不在公示中，不能抽取。"]
    if errors:
        raise ValidationError(errors)
    targets = target_snapshot(plan.agency_id)
    officers = eligible_officers(plan, day)
    inspectors = inspector_snapshot(officers, {t["region"] for t in targets})
    inspected = inspected_this_year((t["id"] for t in targets), day.year)
    try:
        parameters = drawing.canonical_plan(_draw_parameters(plan, inspected, conflict_pairs(plan.agency_id)))
    except drawing.DrawError as exc:
        raise ValidationError({"plan": list(exc.messages)}) from exc
    if not targets:
        raise ValidationError({"plan": ["检查对象名录库是空的，不能抽取。"]})
    if sum(1 for i in inspectors if i["regions"]) < plan.inspectors_per_target:
        raise ValidationError(
            {"plan": [f"{day:%Y年%m月%d日}执法证有效且符合条件的检查人员不足{plan.inspectors_per_target}名。"]}
        )
    short = understaffed(targets, inspectors, parameters)
    if short:
        shown = "、".join(short[:10]) + ("等" if len(short) > 10 else "")
        raise ValidationError(
            {
                "plan": [
                    f"{len(short)}户检查对象可抽取的检查人员（覆盖其区域且无回避关系）少于{plan.inspectors_per_target}名：{shown}。"
                ]
            }
        )
    seed = drawing.new_seed()
    published = drawing.prepare(seed, targets, inspectors, parameters)
    with transaction.atomic():
        _store_snapshot(drawing.canonical_json(drawing.canonical_snapshot(targets)), published["targets_sha256"])
        _store_snapshot(drawing.canonical_json(drawing.canonical_snapshot(inspectors)), published["inspectors_sha256"])
        SamplingPlan.objects.select_for_update().filter(pk=plan.pk).first()
        number = (Draw.objects.filter(plan=plan).order_by("-number").values_list("number", flat=True).first() or 0) + 1
        secret = DrawSecret.objects.create(bureau_seed=seed.hex())
        record(actor=actor, action="draw.seed", subject=secret)
        draw = Draw.objects.create(
            plan=plan,
            secret=secret,
            agency_id=plan.agency_id,
            number=number,
            draw_on=day,
            seed_sha256=published["seed_sha256"],
            targets_sha256=published["targets_sha256"],
            inspectors_sha256=published["inspectors_sha256"],
            plan_sha256=published["plan_sha256"],
            commitment=published["commitment"],
            plan_document=parameters,
            target_count=len(targets),
            inspector_count=len(inspectors),
            committed_at=timezone.now(),
            committed_by=actor,
        )
        record(actor=actor, action="draw.commit", subject=draw)
    return draw


def draw_perform(*, actor: Any, draw: Draw, observer_name: str, observer_value: str) -> Draw:
    """抽取: mix the observer's value into the committed seed, draw, and open an inspection case per selected target."""
    require_role(actor, draw.agency_id, DRAWERS, "只有科室负责人或执法人员可以组织随机抽取。")
    observer_name = (observer_name or "").strip()
    errors: dict[str, list[str]] = {}
    if not observer_name:
        errors["observer_name"] = ["须填写见证人（监督人员或监督机关）的姓名。"]
    elif len(observer_name) > 100:
        errors["observer_name"] = ["见证人姓名不能超过100个字。"]
    if not isinstance(observer_value, str) or not observer_value.strip():
        errors["observer_value"] = ["须由见证人当场输入一个值（数字或文字）。"]
    elif len(observer_value) > 200:
        errors["observer_value"] = ["见证人输入值不能超过200个字符。"]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        draw = Draw.objects.select_for_update().select_related("plan", "plan__case_item").get(pk=draw.pk)
        if draw.state != DrawState.COMMITTED:
            raise InvalidTransition("该次抽取已完成或已作废。")
        today = timezone.localdate()
        if today != draw.draw_on:
            raise ValidationError(
                {"draw_on": [f"承诺的抽取日期为{draw.draw_on:%Y年%m月%d日}，今天不能抽取；请作废本次承诺后重新公布。"]}
            )
        seed = bytes.fromhex(DrawSecret.objects.get(pk=draw.secret_id).bureau_seed)
        if drawing.seed_hash(seed) != draw.seed_sha256:
            raise ValidationError("本机构种子与承诺时公布的种子哈希不符，不能抽取。")
        if drawing.plan_hash(draw.plan_document) != draw.plan_sha256:
            raise ValidationError("抽取参数与承诺时公布的哈希不符，不能抽取。")
        # The hashes are columns of the same row as the commitment: one changed with its file must not pass.
        if (
            drawing.commitment(draw.seed_sha256, draw.targets_sha256, draw.inspectors_sha256, draw.plan_sha256)
            != draw.commitment
        ):
            raise ValidationError("名录或参数的哈希与公布的承诺值不符：承诺在公布后被改动，不能抽取。")
        targets = load_snapshot(draw.targets_sha256)
        inspectors = load_snapshot(draw.inspectors_sha256)
        final = drawing.final_seed(seed, observer_value)
        try:
            result = drawing.draw(final, targets, inspectors, draw.plan_document)
        except drawing.DrawError as exc:
            raise ValidationError({"__all__": list(exc.messages)}) from exc
        draw.observer_name = observer_name
        draw.observer_value = observer_value
        draw.bureau_seed = seed.hex()
        draw.final_seed = final.hex()
        draw.selection = result.selection()
        draw.drawn_at = timezone.now()
        draw.drawn_by = actor
        draw.state = DrawState.DRAWN
        draw.save()
        record(actor=actor, action="draw.perform", subject=draw)
        _open_cases(actor, draw, result)
    return draw


def _open_cases(actor: Any, draw: Draw, result: drawing.Draw) -> None:
    by_uscc = {t.uscc: t for t in Target.objects.filter(agency_id=draw.agency_id, uscc__in=result.targets)}
    certs = {c for group in result.inspectors for c in group}
    officers = {o.certificate_number: o for o in Officer.objects.filter(certificate_number__in=certs)}
    plan = draw.plan
    for position, (uscc, group) in enumerate(zip(result.targets, result.inspectors, strict=True), start=1):
        target = by_uscc[uscc]
        case = case_open(
            actor=actor,
            agency=draw.agency,
            process_key=PROCESS_KEY,
            item=plan.case_item,
            title=f"{plan.title}（第{draw.number}批）：{target.name}"[:300],
            place_region=target.region,
            place_address=target.address,
            officers=[officers[c] for c in group],
            parties=[
                {
                    "kind": PartyKind.ORGANISATION,
                    "name": target.name,
                    "uscc": target.uscc,
                    "legal_representative": target.legal_representative,
                    "address": target.address,
                }
            ],
        )
        drawn = DrawnTarget.objects.create(
            draw=draw, position=position, target=target, inspectors=list(group), case=case
        )
        record(actor=actor, action="draw.assign", subject=drawn)


def draw_cancel(*, actor: Any, draw: Draw, reason: str) -> Draw:
    """作废 a commitment that was not drawn (its day passed, a pool was wrong): it stays published as cancelled."""
    require_role(actor, draw.agency_id, PLANNERS, "只有科室负责人或局领导可以作废抽取承诺。")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ["须填写作废原因。"]})
    with transaction.atomic():
        draw = Draw.objects.select_for_update().get(pk=draw.pk)
        if draw.state != DrawState.COMMITTED:
            raise InvalidTransition("只有尚未抽取的承诺可以作废。")
        draw.state = DrawState.CANCELLED
        draw.cancelled_at = timezone.now()
        draw.cancel_reason = reason
        # The seed of a cancelled commitment is published too: anyone can see it was not used to pick an outcome.
        draw.bureau_seed = DrawSecret.objects.get(pk=draw.secret_id).bureau_seed
        draw.save()
        record(actor=actor, action="draw.cancel", subject=draw)
    return draw


def draw_document(draw: Draw) -> dict[str, Any]:
    """The published document of docs/draw.md §9 (before the draw: the commitment and its hashes only)."""
    doc: dict[str, Any] = {
        "version": drawing.VERSION,
        "seed_sha256": draw.seed_sha256,
        "targets_sha256": draw.targets_sha256,
        "inspectors_sha256": draw.inspectors_sha256,
        "plan_sha256": draw.plan_sha256,
        "commitment": draw.commitment,
    }
    if draw.state == DrawState.DRAWN:
        doc.update(
            bureau_seed=draw.bureau_seed,
            observer_value=draw.observer_value,
            targets=load_snapshot(draw.targets_sha256),
            inspectors=load_snapshot(draw.inspectors_sha256),
            plan=draw.plan_document,
            selection=draw.selection,
        )
    return doc


def draw_verify(draw: Draw) -> drawing.Verification:
    """Recompute a drawn draw from what is published (the stored snapshots included) and compare."""
    if draw.state != DrawState.DRAWN:
        return drawing.Verification(False, ["该次抽取尚未完成，只能核对承诺值。"], None)
    try:
        doc = draw_document(draw)
    except ValidationError as exc:
        return drawing.Verification(False, _messages(exc), None)
    return drawing.verify(doc)


# --- results ------------------------------------------------------------------------------------------------------


def result_from_case_event(event: CaseEvent) -> None:
    """The case workflow's hook: when a drawn target's inspection case ends, keep its result (检查结果)."""
    if event.kind != "advance":
        return
    process = PROCESSES.get(event.case.process_key)
    if process is None or process.kind != Kind.INSPECTION or event.target not in process.ends:
        return
    drawn = DrawnTarget.objects.select_for_update().filter(case_id=event.case.pk).first()
    if drawn is None:
        return
    drawn.result = RESULT_BY_LAST_STEP.get(event.source, InspectionResult.NONE_FOUND)
    drawn.result_on = timezone.localdate(event.at)
    drawn.save(update_fields=["result", "result_on"])
    record(actor=event.actor, action="draw.result", subject=drawn)


def case_result(case: Case) -> str:
    drawn = DrawnTarget.objects.filter(case=case).first()
    return drawn.result if drawn else ""
