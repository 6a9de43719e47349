"""Staff pages of the legal review (/staff/review/): the work queues by role, the review page with each action's form,
sending a case to review and recording its collective discussion, the catalogue, the reviewers (qualifications,
training, accountability records, the 5% share), the oversight figures with their CSV exports, and the review
process flowchart (also published on the portal).

Every view takes the workspace's four steps: parse the input (``review.forms``), find the row through ``org.access``
(404 alike for missing and another agency's), call a service (``review.services``), render. The forms shown are
those the user may use, but the services decide: a refusal of the input is shown in Chinese next to the form and
nothing is written; a refusal of the person is a 403.
"""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sanxiang.cases.display import step_rows
from sanxiang.cases.flowcharts import GraphvizMissing, RenderError
from sanxiang.cases.models import Case, Circumstance, Party, Sanction
from sanxiang.cases.processes import KIND_LABELS
from sanxiang.cases.selectors import access_case
from sanxiang.core.errors import InvalidTransition, ValidationError
from sanxiang.org.access import has_role, is_deployment_admin, readable_agencies
from sanxiang.org.models import Agency, Role
from sanxiang.review import forms as rf
from sanxiang.review import process as review_process
from sanxiang.review import selectors, services
from sanxiang.review.catalogue import assess
from sanxiang.review.checklist import CHECKLIST
from sanxiang.review.gates import collective_required, passed_review
from sanxiang.review.models import (
    CollectiveDiscussion,
    LegalReview,
    MajorDecisionRule,
    Outcome,
    ReviewerQualification,
    ReviewerRecord,
    ReviewerTraining,
    ReviewState,
)
from sanxiang.staff.desk import Desk
from sanxiang.staff.frame import error_messages, form_data, staff_view

NAV = "review"


def _require(condition: bool, message: str = "您没有执行此操作的权限。") -> None:
    if not condition:
        raise DjangoPermissionDenied(message)


def _agency(desk: Desk) -> Agency:
    if desk.agency is None:
        raise Http404("没有可查看的执法主体。")
    return desk.agency


def review_url(review: LegalReview, anchor: str = "") -> str:
    return reverse("review:detail", args=[review.pk]) + anchor


# --- the flowchart ---------------------------------------------------------------------------------------------------

_NODE = re.compile(r'<g id="(node\d+)" class="node">(\s*<title>)(.*?)(</title>)')


def flowchart_inline(current: str = "") -> str:
    """The review process SVG for inline use, the ``current`` state's node classed ``ws-current`` (empty without
    Graphviz)."""
    try:
        svg = review_process.flowchart_svg()
    except (GraphvizMissing, RenderError):
        return ""
    svg = svg[svg.find("<svg") :]
    wanted = html.escape(current, quote=False)

    def mark(match: re.Match[str]) -> str:
        css = "node ws-current" if current and match.group(3) == wanted else "node"
        return f'<g id="{match.group(1)}" class="{css}">{match.group(2)}{match.group(3)}{match.group(4)}'

    svg = _NODE.sub(mark, svg)
    label = f"{review_process.NAME}流程图" + ("，当前状态已高亮" if current else "")
    return svg.replace("<svg ", f'<svg role="img" aria-label="{label}" ', 1)


@staff_view
@require_GET
def flowchart(request: HttpRequest, desk: Desk) -> HttpResponse:
    process = review_process.review_process()
    return render(
        request,
        "review/flowchart.html",
        {"desk": desk, "process": process, "rows": step_rows(process), "svg": flowchart_inline(), "nav_active": NAV},
    )


@require_GET
def public_flowchart(request: HttpRequest) -> HttpResponse:
    """The published review flowchart (portal: 公示流程图), with its step-by-step text."""
    process = review_process.review_process()
    return render(
        request, "review/public_flowchart.html", {"nav": "flowcharts", "process": process, "rows": step_rows(process)}
    )


@require_GET
def public_flowchart_svg(request: HttpRequest) -> HttpResponse:
    try:
        svg = review_process.flowchart_svg()
    except GraphvizMissing as exc:
        return HttpResponse(str(exc), status=503, content_type="text/plain; charset=utf-8")
    response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
    response.headers["Content-Disposition"] = f'inline; filename="{review_process.KEY}.svg"'
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


# --- the work queues (审核工作台) -----------------------------------------------------------------------------------


@staff_view
@require_GET
def home(request: HttpRequest, desk: Desk) -> HttpResponse:
    today = timezone.localdate()
    queues = selectors.queues_for(request.user, desk.agency)
    for queue in queues:
        for review in queue.reviews:
            review.due_status = selectors.due_status(review, today)  # type: ignore[attr-defined]
    return render(
        request,
        "review/home.html",
        {"desk": desk, "queues": queues, "today": today, "nav_active": NAV},
    )


# --- the review page -----------------------------------------------------------------------------------------------


def _parties(case: Case) -> str:
    return "、".join(Party.objects.filter(case=case).order_by("pk").values_list("name", flat=True))


def _shown(user: Any, review: LegalReview) -> dict[str, bool]:
    """Which actions' forms to show ``user`` (the services check again)."""
    agency_id = review.case.agency_id
    state = review.state
    submitted = state == ReviewState.SUBMITTED
    mine = review.reviewer_id is not None and review.reviewer_id == user.pk
    return {
        "preliminary": state == ReviewState.PRELIMINARY and has_role(user, agency_id, (Role.PRELIMINARY_REVIEWER,)),
        "head_sign": state == ReviewState.HEAD and has_role(user, agency_id, (Role.DEPARTMENT_HEAD,)),
        "take": submitted and review.reviewer_id is None and has_role(user, agency_id, (Role.LEGAL_REVIEWER,)),
        "consult": submitted and mine,
        "adviser_opinion": submitted and review.adviser_id is not None and review.adviser_id == user.pk,
        "decide": submitted and mine,
        "disagree": state in (ReviewState.RETURNED, ReviewState.FAILED)
        and review.reviewer_id is not None
        and review.coordinated_at is None
        and has_role(user, agency_id, (Role.DEPARTMENT_HEAD,)),
        "coordinate": state == ReviewState.ESCALATED and has_role(user, agency_id, (Role.LEADER,)),
    }


def _forms(review: LegalReview) -> dict[str, Any]:
    agency = review.case.agency
    return {
        "preliminary": rf.PreliminaryForm(),
        "head_sign": rf.HeadSignForm(),
        "take": None,
        "consult": rf.ConsultForm(agency=agency),
        "adviser_opinion": rf.OpinionForm(),
        "decide": rf.DecideForm(),
        "disagree": rf.DisagreeForm(),
        "coordinate": rf.CoordinateForm(),
    }


def _bound(request: HttpRequest, review: LegalReview, action: str) -> Any:
    post, agency = request.POST, review.case.agency
    builders: dict[str, Callable[[], Any]] = {
        "preliminary": lambda: rf.PreliminaryForm(post),
        "head_sign": lambda: rf.HeadSignForm(post),
        "take": lambda: None,
        "consult": lambda: rf.ConsultForm(post, agency=agency),
        "adviser_opinion": lambda: rf.OpinionForm(post),
        "decide": lambda: rf.DecideForm(post),
        "disagree": lambda: rf.DisagreeForm(post),
        "coordinate": lambda: rf.CoordinateForm(post),
    }
    form = builders[action]()
    if form is not None:
        form.is_valid()
    return form


def _detail(
    request: HttpRequest,
    desk: Desk,
    review: LegalReview,
    *,
    failed: str = "",
    errors: list[str] | None = None,
    bound: Any = None,
) -> HttpResponse:
    user = request.user
    case = review.case
    today = timezone.localdate()
    page_forms = _forms(review)
    if failed and bound is not None:
        page_forms[failed] = bound
    decide_form = page_forms["decide"]
    checklist_rows = [
        (point, review.checklist.get(point.key, {}) if isinstance(review.checklist, dict) else {})
        for point in CHECKLIST
    ]
    show = _shown(user, review)
    records = ReviewerRecord.objects.filter(review=review).select_related("reviewer").order_by("recorded_at")
    context = {
        "desk": desk,
        "review": review,
        "case": case,
        "parties": _parties(case),
        "rounds": selectors.case_rounds(case),
        "due_status": selectors.due_status(review, today),
        "today": today,
        "show": show,
        "errors_on_top": bool(errors) and not show.get(failed, False),
        "forms": page_forms,
        "decide_points": decide_form.points(),
        "checklist_rows": checklist_rows,
        "records": records,
        "collective_url": reverse("review:collective", args=[case.pk])
        if review.state == ReviewState.PASSED and has_role(user, case.agency_id, (Role.LEADER,))
        else "",
        "outcomes": Outcome,
        "failed": failed,
        "errors": errors or [],
        "flowchart": flowchart_inline(review.state),
        "nav_active": NAV,
    }
    return render(request, "review/detail.html", context, status=422 if errors else 200)


@staff_view
@require_GET
def detail(request: HttpRequest, desk: Desk, pk: int) -> HttpResponse:
    return _detail(request, desk, selectors.access_review(user=request.user, review_id=pk))


ACTIONS = {
    "preliminary": "已提出初审意见。",
    "head_sign": "已签署并提交法制审核。",
    "take": "已承办该法制审核。",
    "consult": "已征求法律顾问意见。",
    "adviser_opinion": "已出具法律顾问意见。",
    "decide": "已出具审核意见。",
    "disagree": "已提请局领导协调。",
    "coordinate": "已作出协调决定。",
}


def _run(request: HttpRequest, review: LegalReview, action: str) -> None:
    user, post = request.user, request.POST
    if action == "preliminary":
        data = form_data(rf.PreliminaryForm(post))
        services.review_preliminary(
            actor=user, review=review, approve=data["decision"] == "approve", opinion=data["opinion"]
        )
    elif action == "head_sign":
        services.review_head_sign(actor=user, review=review, opinion=form_data(rf.HeadSignForm(post))["opinion"])
    elif action == "take":
        services.review_take(actor=user, review=review)
    elif action == "consult":
        data = form_data(rf.ConsultForm(post, agency=review.case.agency))
        services.review_consult(actor=user, review=review, adviser=data["adviser"], question=data["question"])
    elif action == "adviser_opinion":
        services.review_adviser_opinion(actor=user, review=review, opinion=form_data(rf.OpinionForm(post))["opinion"])
    elif action == "decide":
        form = rf.DecideForm(post)
        data = form_data(form)
        services.review_decide(
            actor=user, review=review, checklist=form.checklist(), outcome=data["outcome"], opinion=data["opinion"]
        )
    elif action == "disagree":
        services.review_disagree(actor=user, review=review, opinion=form_data(rf.DisagreeForm(post))["opinion"])
    else:  # coordinate
        data = form_data(rf.CoordinateForm(post))
        services.review_coordinate(actor=user, review=review, outcome=data["outcome"], opinion=data["opinion"])


@staff_view
@require_POST
def action(request: HttpRequest, desk: Desk, pk: int, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404()
    review = selectors.access_review(user=request.user, review_id=pk)
    try:
        _run(request, review, action)
    except (ValidationError, InvalidTransition) as exc:
        review = selectors.access_review(user=request.user, review_id=pk)
        return _detail(
            request, desk, review, failed=action, errors=error_messages(exc), bound=_bound(request, review, action)
        )
    messages.success(request, ACTIONS[action])
    return redirect(review_url(review, "#actions"))


# --- from a case: request a review, record the collective discussion -----------------------------------------------


def _case_context(case: Case) -> dict[str, Any]:
    assessment = assess(case)
    return {
        "case": case,
        "parties": _parties(case),
        "assessment": assessment,
        "materials": services.materials_check(case),
        "rounds": selectors.case_rounds(case),
        "passed": passed_review(case, assessment.digest),
    }


@staff_view
@require_http_methods(["GET", "POST"])
def case_request(request: HttpRequest, desk: Desk, case_pk: int) -> HttpResponse:
    """送审: the case's assessment, materials and rounds, and the form that sends the proposal to review."""
    case = access_case(user=request.user, case_id=case_pk)
    errors: list[str] = []
    form = rf.RequestForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        try:
            data = form_data(form)
            review = services.review_request(actor=request.user, case=case, complex=data["complex"], note=data["note"])
        except (ValidationError, InvalidTransition) as exc:
            errors = error_messages(exc)
            case = access_case(user=request.user, case_id=case_pk)
        else:
            messages.success(request, f"已送法制审核（第{review.round}轮），待科室初审。")
            return redirect(review_url(review))
    context = {
        "desk": desk,
        **_case_context(case),
        "form": form,
        "failed": "request" if errors else "",
        "errors": errors,
        "nav_active": NAV,
    }
    return render(request, "review/request.html", context, status=422 if errors else 200)


@staff_view
@require_http_methods(["GET", "POST"])
def collective(request: HttpRequest, desk: Desk, case_pk: int) -> HttpResponse:
    """集体讨论 of a case: the discussions held, and the form to record one (leaders)."""
    case = access_case(user=request.user, case_id=case_pk)
    may_record = has_role(request.user, case.agency_id, (Role.LEADER,))
    errors: list[str] = []
    form = rf.CollectiveForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        _require(may_record, "只有局领导可以记录集体讨论。")
        try:
            data = form_data(form)
            services.collective_record(
                actor=request.user,
                case=case,
                held_at=data["held_at"],
                place=data["place"],
                host=data["host"],
                attendees=form.attendee_list(),
                opinions=form.opinion_list(),
                conclusion=data["conclusion"],
            )
        except (ValidationError, InvalidTransition) as exc:
            errors = error_messages(exc)
            case = access_case(user=request.user, case_id=case_pk)
        else:
            messages.success(request, "已记录集体讨论。")
            return redirect(reverse("review:collective", args=[case.pk]))
    context = {
        "desk": desk,
        **_case_context(case),
        "required": collective_required(case),
        "discussions": CollectiveDiscussion.objects.filter(case=case).order_by("held_at", "pk"),
        "may_record": may_record,
        "form": form,
        "failed": "collective" if errors else "",
        "errors": errors,
        "nav_active": NAV,
    }
    return render(request, "review/collective.html", context, status=422 if errors else 200)


# --- the catalogue (目录清单) ----------------------------------------------------------------------------------------


def _rules_for(user: Any, agency: Agency | None) -> QuerySet[MajorDecisionRule]:
    """Deployment-wide lines and those of ``agency`` (when ``user`` may read it)."""
    scope = Q(agency__isnull=True)
    if agency is not None and readable_agencies(user).filter(pk=agency.pk).exists():
        scope |= Q(agency=agency)
    return MajorDecisionRule.objects.filter(scope).select_related("agency").order_by("-active", "code")


def _rule(user: Any, pk: int) -> MajorDecisionRule:
    rule = (
        MajorDecisionRule.objects.filter(Q(agency__isnull=True) | Q(agency__in=readable_agencies(user)))
        .filter(pk=pk)
        .first()
    )
    if rule is None:
        raise Http404()
    return rule


def _may_keep(user: Any, agency: Agency | None) -> bool:
    return has_role(user, agency, services.CATALOGUE_KEEPERS)


@staff_view
@require_GET
def catalogue(request: HttpRequest, desk: Desk) -> HttpResponse:
    rules = list(_rules_for(request.user, desk.agency))
    may_keep = _may_keep(request.user, desk.agency)
    for rule in rules:
        rule.may_edit = (  # type: ignore[attr-defined]
            is_deployment_admin(request.user) if rule.agency_id is None else may_keep
        )
        rule.sanction_labels = "、".join(  # type: ignore[attr-defined]
            Sanction(s).label for s in rule.sanctions or [] if s in Sanction.values
        )
        rule.circumstance_labels = "、".join(  # type: ignore[attr-defined]
            Circumstance(c).label for c in rule.circumstances or [] if c in Circumstance.values
        )
        rule.kind_label = KIND_LABELS.get(rule.case_kind, rule.case_kind)  # type: ignore[attr-defined, call-overload]
    return render(
        request,
        "review/catalogue.html",
        {
            "desk": desk,
            "rules": rules,
            "may_keep": may_keep,
            "deactivate_form": rf.DeactivateForm(),
            "all_general": services_setting_all_general(),
            "nav_active": NAV,
        },
    )


def services_setting_all_general() -> bool:
    from django.conf import settings

    return bool(getattr(settings, "SANXIANG_REVIEW_ALL_GENERAL", False))


def _save_rule(
    request: HttpRequest, desk: Desk, rule: MajorDecisionRule | None
) -> tuple[rf.RuleForm, list[str], MajorDecisionRule | None]:
    form = rf.RuleForm(request.POST)
    try:
        data = form_data(form)
        agency = None if data["scope"] == "all" else _agency(desk)
        if rule is not None:
            if (rule.agency_id is None) != (agency is None):
                raise ValidationError({"scope": ["不能改变已有目录条目的适用范围；请停用后另行添加。"]})
            # An existing line stays with its own agency, and the service checks the keeper of that agency.
            agency = rule.agency
        saved = services.rule_save(actor=request.user, data=form.data_for_service(), agency=agency, rule=rule)
    except (ValidationError, InvalidTransition) as exc:
        return form, error_messages(exc), None
    return form, [], saved


@staff_view
@require_http_methods(["GET", "POST"])
def rule_new(request: HttpRequest, desk: Desk) -> HttpResponse:
    _require(_may_keep(request.user, desk.agency), "只有法制审核人员或系统管理员可以维护重大执法决定目录。")
    errors: list[str] = []
    form = rf.RuleForm(initial={"scope": "agency"})
    if request.method == "POST":
        form, errors, saved = _save_rule(request, desk, None)
        if saved is not None:
            messages.success(request, f"已添加目录条目 {saved.code}。")
            return redirect("review:catalogue")
    return render(
        request,
        "review/rule_form.html",
        {"desk": desk, "form": form, "rule": None, "errors": errors, "failed": "rule", "nav_active": NAV},
        status=422 if errors else 200,
    )


@staff_view
@require_http_methods(["GET", "POST"])
def rule_edit(request: HttpRequest, desk: Desk, pk: int) -> HttpResponse:
    rule = _rule(request.user, pk)
    keeper = is_deployment_admin(request.user) if rule.agency_id is None else _may_keep(request.user, rule.agency)
    _require(keeper, "您不能修改该目录条目。")
    errors: list[str] = []
    form = rf.RuleForm(initial=rf.RuleForm.initial_for(rule))
    if request.method == "POST":
        form, errors, saved = _save_rule(request, desk, rule)
        if saved is not None:
            messages.success(request, f"已修改目录条目 {saved.code}。")
            return redirect("review:catalogue")
    return render(
        request,
        "review/rule_form.html",
        {"desk": desk, "form": form, "rule": rule, "errors": errors, "failed": "rule", "nav_active": NAV},
        status=422 if errors else 200,
    )


@staff_view
@require_POST
def rule_deactivate(request: HttpRequest, desk: Desk, pk: int) -> HttpResponse:
    rule = _rule(request.user, pk)
    form = rf.DeactivateForm(request.POST)
    try:
        services.rule_deactivate(actor=request.user, rule=rule, note=form_data(form)["note"])
    except (ValidationError, InvalidTransition) as exc:
        for message in error_messages(exc):
            messages.error(request, f"未能停用 {rule.code}：{message}")
        return redirect(reverse("review:catalogue") + f"#rule-{rule.pk}")
    messages.success(request, f"已停用目录条目 {rule.code}。")
    return redirect("review:catalogue")


# --- reviewers (审核人员) -------------------------------------------------------------------------------------------


def _not_ours(form: forms.Form) -> None:
    """A user id that is not one of the agency's legal reviewers answers 404, like any other agency's record."""
    if any(error.code == "invalid_choice" for error in form.errors.as_data().get("user", [])):
        raise Http404()


def _reviewers_page(
    request: HttpRequest, desk: Desk, *, failed: str = "", errors: list[str] | None = None, bound: Any = None
) -> HttpResponse:
    agency = _agency(desk)
    user = request.user
    qualifications = ReviewerQualification.objects.filter(agency=agency).select_related("user").order_by("user__pk")
    trainings = ReviewerTraining.objects.filter(agency=agency).select_related("user").order_by("-held_on", "-pk")
    records = (
        ReviewerRecord.objects.filter(review__case__agency=agency)
        .select_related("reviewer", "review__case")
        .order_by("reviewer__pk", "-recorded_at")
    )
    by_reviewer: dict[int, dict[str, Any]] = {}
    for row in records:
        entry = by_reviewer.setdefault(row.reviewer_id, {"reviewer": row.reviewer, "records": []})
        entry["records"].append(row)
    page_forms = {
        "qualify": rf.QualifyForm(agency=agency),
        "training": rf.TrainingForm(agency=agency),
    }
    if failed and bound is not None:
        page_forms[failed] = bound
    context = {
        "desk": desk,
        "agency": agency,
        "share": selectors.reviewer_share(agency),
        "qualifications": qualifications,
        "trainings": trainings,
        "records": list(by_reviewer.values()),
        "may_qualify": has_role(user, agency, (Role.LEADER, Role.ADMINISTRATOR)),
        "may_train": has_role(user, agency, (Role.LEADER, Role.ADMINISTRATOR, Role.LEGAL_REVIEWER)),
        "forms": page_forms,
        "failed": failed,
        "errors": errors or [],
        "nav_active": NAV,
    }
    return render(request, "review/reviewers.html", context, status=422 if errors else 200)


@staff_view
@require_GET
def reviewers(request: HttpRequest, desk: Desk) -> HttpResponse:
    return _reviewers_page(request, desk)


@staff_view
@require_POST
def reviewer_qualify(request: HttpRequest, desk: Desk) -> HttpResponse:
    agency = _agency(desk)
    form = rf.QualifyForm(request.POST, agency=agency)
    try:
        data = form_data(form)
        services.reviewer_qualify(
            actor=request.user,
            user=data["user"],
            agency=agency,
            qualified=data["qualified"],
            first_time=data["first_time"],
            appointed_on=data["appointed_on"],
            legal_qualification_number=data["legal_qualification_number"],
            note=data["note"],
        )
    except (ValidationError, InvalidTransition) as exc:
        # The service checks the role first: a refused person gets 403 before a form error shows.
        _require(
            has_role(request.user, agency, (Role.LEADER, Role.ADMINISTRATOR)),
            "只有局领导或系统管理员可以登记审核人员资格。",
        )
        _not_ours(form)
        return _reviewers_page(request, desk, failed="qualify", errors=error_messages(exc), bound=form)
    messages.success(request, "已登记审核人员资格。")
    return redirect(reverse("review:reviewers") + "#qualifications")


@staff_view
@require_POST
def reviewer_training(request: HttpRequest, desk: Desk) -> HttpResponse:
    agency = _agency(desk)
    form = rf.TrainingForm(request.POST, agency=agency)
    try:
        data = form_data(form)
        services.reviewer_training_add(
            actor=request.user,
            user=data["user"],
            agency=agency,
            held_on=data["held_on"],
            hours=data["hours"],
            topic=data["topic"],
            organiser=data["organiser"],
        )
    except (ValidationError, InvalidTransition) as exc:
        _require(
            has_role(request.user, agency, (Role.LEADER, Role.ADMINISTRATOR, Role.LEGAL_REVIEWER)),
            "您不能登记培训记录。",
        )
        _not_ours(form)
        return _reviewers_page(request, desk, failed="training", errors=error_messages(exc), bound=form)
    messages.success(request, "已登记培训记录。")
    return redirect(reverse("review:reviewers") + "#trainings")


# --- oversight figures (审核统计) -------------------------------------------------------------------------------------


def _stats(request: HttpRequest, desk: Desk) -> tuple[rf.RangeForm, selectors.Stats]:
    form = rf.RangeForm(request.GET or None)
    start, end = form.range()
    stats = selectors.review_stats(user=request.user, start=start, end=end, agencies=[_agency(desk)])
    return form, stats


@staff_view
@require_GET
def stats(request: HttpRequest, desk: Desk) -> HttpResponse:
    form, figures = _stats(request, desk)
    query = f"?start={figures.start.isoformat()}&end={figures.end.isoformat()}"
    return render(
        request,
        "review/stats.html",
        {"desk": desk, "form": form, "stats": figures, "query": query, "nav_active": NAV},
    )


FIGURE_COLUMNS = (
    ("承办机构", "department"),
    ("送审数", "count"),
    ("已审结", "decided"),
    ("通过", "passed"),
    ("退回补正", "returned"),
    ("不通过", "failed"),
    ("审核中", "open"),
    ("通过率", "pass_rate"),
    ("退回率", "return_rate"),
    ("不通过率", "fail_rate"),
    ("平均用时（工作日）", "average_working_days"),
    ("最长用时（工作日）", "longest_working_days"),
    ("平均用时（自然日）", "average_calendar_days"),
    ("最长用时（自然日）", "longest_calendar_days"),
    ("超期", "overdue"),
)


def _csv_response(rows: list[list[Any]], filename: str) -> HttpResponse:
    """UTF-8 with a byte-order mark, so that Excel opens the Chinese correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerows(["" if value is None else value for value in row] for row in rows)
    response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@staff_view
@require_GET
def stats_csv(request: HttpRequest, desk: Desk) -> HttpResponse:
    _form, figures = _stats(request, desk)
    rows: list[list[Any]] = [[title for title, _ in FIGURE_COLUMNS]]
    for item in [*figures.departments, figures.total]:
        rows.append([getattr(item, attr) for _, attr in FIGURE_COLUMNS])
    return _csv_response(rows, f"review-stats-{figures.start:%Y%m%d}-{figures.end:%Y%m%d}.csv")


@staff_view
@require_GET
def reviews_csv(request: HttpRequest, desk: Desk) -> HttpResponse:
    _form, figures = _stats(request, desk)
    rows: list[list[Any]] = [
        [
            "案件编号",
            "案由",
            "承办机构",
            "轮次",
            "状态",
            "提交法制审核时间",
            "审核期限",
            "审核时间",
            "审核结论",
            "用时（工作日）",
            "用时（自然日）",
            "超期",
            "审核人员",
        ]
    ]
    for row in figures.rows:
        review = row.review
        rows.append(
            [
                review.case.number,
                review.case.title,
                row.department,
                review.round,
                review.get_state_display(),
                timezone.localtime(review.submitted_at).strftime("%Y-%m-%d %H:%M") if review.submitted_at else "",
                review.due_on.isoformat() if review.due_on else "",
                timezone.localtime(review.decided_at).strftime("%Y-%m-%d %H:%M") if review.decided_at else "",
                Outcome(row.outcome).label if row.outcome else "",
                row.working_days,
                row.calendar_days,
                "是" if row.is_overdue else "否",
                review.reviewer.display_name if review.reviewer else "",
            ]
        )
    return _csv_response(rows, f"reviews-{figures.start:%Y%m%d}-{figures.end:%Y%m%d}.csv")
