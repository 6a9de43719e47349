"""Staff pages of the data exchange (/staff/exchange/): receivers, each receiver's outbox with its states, a message's
attempt log and its replay; adding, changing, disabling and enabling receivers and rotating their secrets.

The four steps of every view: parse the input (``exchange.forms``), find the row through ``exchange.access`` (404 alike
for missing and not yours), call a service (which checks the role and writes the ledger entry), render. A refused
input is shown next to its form; a refused person gets 403.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from sanxiang.core.errors import InvalidTransition, ValidationError
from sanxiang.exchange import forms as ef
from sanxiang.exchange import selectors, services
from sanxiang.exchange.access import is_reader, may_keep
from sanxiang.exchange.models import MessageState
from sanxiang.exchange.topics import actions_of, topic_names
from sanxiang.org.access import is_deployment_admin
from sanxiang.staff.desk import Desk
from sanxiang.staff.frame import error_messages, form_data, staff_view

NAV = "exchange"


def _require_reader(request: HttpRequest) -> None:
    if not is_reader(request.user):
        raise DjangoPermissionDenied("只有法规科、办公室和系统管理员可以查看数据推送。")


def _home_context(request: HttpRequest, desk: Desk, **extra: Any) -> dict[str, Any]:
    user = request.user
    may_add = may_keep(user, desk.agency) or is_deployment_admin(user)
    return {
        "desk": desk,
        "nav_active": NAV,
        "rows": selectors.receiver_rows(user),
        "topics": [(name, actions_of(name)) for name in topic_names()],
        "may_add": may_add,
        "is_admin": is_deployment_admin(user),
        "form": extra.pop("form", None) or ef.ReceiverForm(),
        **extra,
    }


@staff_view
@require_GET
def home(request: HttpRequest, desk: Desk) -> HttpResponse:
    _require_reader(request)
    return render(request, "exchange/home.html", _home_context(request, desk))


def _secret_page(request: HttpRequest, desk: Desk, receiver: Any, secret: str, *, created: bool) -> HttpResponse:
    response = render(
        request,
        "exchange/secret.html",
        {"desk": desk, "nav_active": NAV, "receiver": receiver, "secret": secret, "created": created},
    )
    response["Cache-Control"] = "no-store, private"
    return response


@staff_view
@require_POST
@never_cache
def receiver_add(request: HttpRequest, desk: Desk) -> HttpResponse:
    _require_reader(request)
    form = ef.ReceiverForm(request.POST)
    try:
        data = form_data(form)
        agency = None if data["all_agencies"] else desk.agency
        receiver, secret = services.receiver_add(
            actor=request.user,
            agency=agency,
            name=data["name"],
            url=data["url"],
            topics=data["topics"],
            secret=data["secret"],
            note=data["note"],
        )
    except (ValidationError, InvalidTransition) as exc:
        context = _home_context(request, desk, form=form, errors=error_messages(exc))
        return render(request, "exchange/home.html", context, status=422)
    return _secret_page(request, desk, receiver, secret, created=True)


def _receiver_context(request: HttpRequest, desk: Desk, receiver: Any, **extra: Any) -> dict[str, Any]:
    state = request.GET.get("state", "")
    page = Paginator(selectors.outbox(receiver, state), 50).get_page(request.GET.get("page"))
    return {
        "desk": desk,
        "nav_active": NAV,
        "receiver": receiver,
        "page": page,
        "state": state if state in MessageState.values else "",
        "states": MessageState.choices,
        "may_keep": may_keep(request.user, receiver.agency_id),
        "edit_form": extra.pop("edit_form", None)
        or ef.ReceiverEditForm(
            initial={"url": receiver.url, "topics": " ".join(receiver.topics), "note": receiver.note}
        ),
        "reason_form": ef.ReasonForm(),
        **extra,
    }


@staff_view
@require_GET
def receiver_detail(request: HttpRequest, desk: Desk, pk: int) -> HttpResponse:
    receiver = selectors.receiver_for(request.user, pk)
    return render(request, "exchange/receiver.html", _receiver_context(request, desk, receiver))


@staff_view
@require_POST
def receiver_action(request: HttpRequest, desk: Desk, pk: int, action: str) -> HttpResponse:
    receiver = selectors.receiver_for(request.user, pk)
    user = request.user
    edit_form = None
    try:
        if action == "edit":
            edit_form = ef.ReceiverEditForm(request.POST)
            services.receiver_update(actor=user, receiver=receiver, data=form_data(edit_form))
            messages.success(request, "接收方已修改。")
        elif action == "disable":
            data = form_data(ef.ReasonForm(request.POST))
            services.receiver_disable(actor=user, receiver=receiver, reason=data["reason"])
            messages.success(request, "接收方已停用。")
        elif action == "enable":
            services.receiver_enable(actor=user, receiver=receiver, note=request.POST.get("reason", ""))
            messages.success(request, "接收方已启用，积压的消息将按顺序推送。")
        elif action == "rotate":
            receiver, secret = services.receiver_secret_rotate(actor=user, receiver=receiver)
            return _secret_page(request, desk, receiver, secret, created=False)
        else:
            raise DjangoPermissionDenied("没有这个操作。")
    except (ValidationError, InvalidTransition) as exc:
        context = _receiver_context(request, desk, receiver, errors=error_messages(exc), edit_form=edit_form)
        return render(request, "exchange/receiver.html", context, status=422)
    return redirect(reverse("exchange:receiver", args=[receiver.pk]))


@staff_view
@require_GET
def message_detail(request: HttpRequest, desk: Desk, pk: int) -> HttpResponse:
    message = selectors.message_for(request.user, pk)
    return render(request, "exchange/message.html", _message_context(request, desk, message))


def _message_context(request: HttpRequest, desk: Desk, message: Any, **extra: Any) -> dict[str, Any]:
    return {
        "desk": desk,
        "nav_active": NAV,
        "message": message,
        "receiver": message.receiver,
        "envelope": json.dumps(message.envelope, ensure_ascii=False, indent=2, sort_keys=True),
        "attempts": selectors.attempts_of(message),
        "replays": message.replays.order_by("-requested_at"),
        "may_replay": may_keep(request.user, message.receiver.agency_id) and message.state == MessageState.DELIVERED,
        "reason_form": ef.ReasonForm(),
        **extra,
    }


@staff_view
@require_POST
def message_replay(request: HttpRequest, desk: Desk, pk: int) -> HttpResponse:
    message = selectors.message_for(request.user, pk)
    try:
        data = form_data(ef.ReasonForm(request.POST))
        services.message_replay(actor=request.user, message=message, reason=data["reason"])
    except (ValidationError, InvalidTransition) as exc:
        context = _message_context(request, desk, message, errors=error_messages(exc))
        return render(request, "exchange/message.html", context, status=422)
    messages.success(request, "已安排重新推送（同一幂等键）。")
    return redirect(reverse("exchange:message", args=[message.pk]))
