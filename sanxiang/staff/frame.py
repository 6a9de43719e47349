"""The frame every staff view runs in.

Every staff view takes the same four steps: parse the input, check access (through ``sanxiang.org.access``), call a
service, render. ``staff_view`` admits signed-in staff and turns the services' refusals into answers: ``NotFound`` →
404 (missing and not-yours alike), ``PermissionDenied`` → 403 with the reason in Chinese. Views never write to a model
themselves; the services check permissions again, so a button that is hidden is also refused.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from sanxiang.core.errors import InvalidTransition, NotFound, ValidationError
from sanxiang.core.errors import PermissionDenied as ServicePermissionDenied
from sanxiang.org.access import is_staff_user
from sanxiang.staff.desk import Desk, desk_for

View = Callable[..., HttpResponse]


def staff_view(view: View) -> View:
    """Signed-in staff only: anonymous users go to the login page, users without a role get 403.

    The view is called with the request and the user's ``Desk``; service and lookup errors become the matching
    responses: ``NotFound`` → 404 (missing and not-yours alike), ``PermissionDenied`` → 403.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_staff_user(request.user):
            return forbidden(request, None, "您的账号没有分配任何角色，不能使用工作台。请联系系统管理员。")
        desk = desk_for(request)
        try:
            return view(request, desk, *args, **kwargs)
        except NotFound as exc:
            raise Http404(exc.message) from exc
        except ServicePermissionDenied as exc:
            return forbidden(request, desk, exc.message)
        except DjangoPermissionDenied as exc:
            return forbidden(request, desk, str(exc) or "您没有执行此操作的权限。")

    return wrapper


def forbidden(request: HttpRequest, desk: Desk | None, message: str) -> HttpResponse:
    """403 with the reason in Chinese, inside the staff frame."""
    return render(request, "staff/forbidden.html", {"desk": desk, "message": message}, status=403)


def require(condition: bool, message: str = "您没有执行此操作的权限。") -> None:
    """Refuse (403 through ``staff_view``) unless ``condition`` holds."""
    if not condition:
        raise DjangoPermissionDenied(message)


def error_messages(exc: ValidationError | InvalidTransition) -> list[str]:
    """A refused service call's Chinese messages, in order, for showing next to the action that failed."""
    return [m for msgs in exc.errors.values() for m in msgs] if isinstance(exc, ValidationError) else [exc.message]


def form_refusal(form: Any) -> ValidationError:
    """An action form's field errors as the ``ValidationError`` a service would raise, to be shown the same way."""
    return ValidationError({k: [str(m) for m in v] for k, v in form.errors.items()})


def form_data(form: Any) -> dict[str, Any]:
    """A bound action form's cleaned data, or its errors raised as ``form_refusal`` (shown like a service's)."""
    if not form.is_valid():
        raise form_refusal(form)
    return dict(form.cleaned_data)
