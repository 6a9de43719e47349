"""The JSON API under /api/v1/ (OpenAPI at /api/v1/openapi.json). Each app contributes a router from apis.py.

Errors are answered in one shape, with Chinese messages, whatever raised them::

    {"detail": "<one sentence>", "errors": {"<field>": ["<message>", ...]}}   # 422 only carries "errors"

``ValidationError`` (ours, or ninja's when the input does not match the schema) → 422, a body that is not JSON → 400, ``PermissionDenied`` → 403,
``NotFound`` (missing and not-yours alike) → 404, ``InvalidTransition`` → 409, not signed in → 401.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as SchemaValidationError

from sanxiang.core.errors import InvalidTransition, NotFound, PermissionDenied, SanxiangError, ValidationError

api = NinjaAPI(
    title="Sanxiang API",
    version="1",
    description=(
        "行政执法三项制度平台接口：公示清单、全过程记录、法制审核。"
        "`/public/` 下为开放数据（无需登录，仅含已公示内容）；`/staff/` 下为工作人员接口（会话登录，写操作须带 CSRF 令牌）。"
    ),
    urls_namespace="api",
)

# pydantic error types → Chinese messages (the rest fall back to a generic message).
_SCHEMA_MESSAGES: dict[str, str] = {
    "missing": "该字段是必填项。",
    "extra_forbidden": "不能设置该字段。",
    "string_type": "应为文本。",
    "string_too_long": "不能超过{max_length}个字符。",
    "string_too_short": "至少需要{min_length}个字符。",
    "int_type": "应为整数。",
    "int_parsing": "应为整数。",
    "int_from_float": "应为整数。",
    "bool_type": "应为 true 或 false。",
    "bool_parsing": "应为 true 或 false。",
    "float_type": "应为数字。",
    "float_parsing": "应为数字。",
    "decimal_type": "应为数字。",
    "decimal_parsing": "应为数字。",
    "date_type": "日期格式无效，应为 YYYY-MM-DD。",
    "date_parsing": "日期格式无效，应为 YYYY-MM-DD。",
    "date_from_datetime_parsing": "日期格式无效，应为 YYYY-MM-DD。",
    "date_from_datetime_inexact": "日期格式无效，应为 YYYY-MM-DD。",
    "enum": "取值无效，可选值：{expected}。",
    "literal_error": "取值无效，可选值：{expected}。",
    "list_type": "应为列表。",
    "dict_type": "应为对象。",
    "model_type": "应为对象。",
    "model_attributes_type": "应为对象。",
    "json_invalid": "请求内容不是有效的 JSON。",
    "greater_than": "应大于{gt}。",
    "greater_than_equal": "应不小于{ge}。",
    "less_than": "应小于{lt}。",
    "less_than_equal": "应不大于{le}。",
}


def schema_error_field(loc: list[Any] | tuple[Any, ...]) -> str:
    """The input field an error is about: ``("body", "payload", "name", ...)`` → ``name``; the whole body → ``__all__``."""
    parts = list(loc)
    if parts and parts[0] == "body":
        parts = parts[2:]
    elif parts:
        parts = parts[1:]
    return str(parts[0]) if parts else "__all__"


def schema_error_message(error: dict[str, Any]) -> str:
    template = _SCHEMA_MESSAGES.get(str(error.get("type", "")), "输入无效。")
    try:
        return template.format(**(error.get("ctx") or {}))
    except (KeyError, IndexError, ValueError):
        return "输入无效。"


def _json(request: HttpRequest, status: int, detail: str, errors: dict[str, list[str]] | None = None) -> HttpResponse:
    body: dict[str, Any] = {"detail": detail}
    if errors is not None:
        body["errors"] = errors
    return api.create_response(request, body, status=status)


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return _json(request, 422, "输入有误，请检查标注的字段。", exc.errors)


@api.exception_handler(SchemaValidationError)
def _schema_validation_error(request: HttpRequest, exc: SchemaValidationError) -> HttpResponse:
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        field = schema_error_field(error.get("loc", ()))
        message = schema_error_message(error)
        if message not in errors.setdefault(field, []):
            errors[field].append(message)
    return _json(request, 422, "输入有误，请检查标注的字段。", errors)


@api.exception_handler(PermissionDenied)
def _permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return _json(request, 403, exc.message)


@api.exception_handler(NotFound)
def _not_found(request: HttpRequest, exc: NotFound) -> HttpResponse:
    return _json(request, 404, exc.message)


@api.exception_handler(Http404)
def _http404(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _json(request, 404, NotFound().message)


@api.exception_handler(InvalidTransition)
def _invalid_transition(request: HttpRequest, exc: InvalidTransition) -> HttpResponse:
    return _json(request, 409, exc.message)


@api.exception_handler(SanxiangError)
def _sanxiang_error(request: HttpRequest, exc: SanxiangError) -> HttpResponse:
    # A service error without a mapping of its own is still the caller's problem, not a server fault.
    return _json(request, 400, exc.message)


@api.exception_handler(AuthenticationError)
def _authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _json(request, 401, "请先登录。")


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    messages = {
        400: "请求内容无法解析，请发送有效的 JSON。",
        403: "请求被拒绝（CSRF 校验失败，请刷新页面后重试）。" if "CSRF" in exc.message else "请求被拒绝。",
        405: "不支持该请求方法。",
        429: "请求过于频繁，请稍后再试。",
    }
    return _json(request, exc.status_code, messages.get(exc.status_code, exc.message))


def _register_routers() -> None:
    # Imported here so that the app modules (and their models) load after Django is set up.
    from sanxiang.complaints import apis as complaints_apis
    from sanxiang.disclosure import apis as disclosure_apis
    from sanxiang.exchange import apis as exchange_apis
    from sanxiang.inspections import apis as inspections_apis
    from sanxiang.ledger.apis import router as ledger_router
    from sanxiang.ledger.evidence_apis import build_router as build_evidence_router
    from sanxiang.org.apis import router as org_router
    from sanxiang.oversight import apis as oversight_apis
    from sanxiang.registry.apis import public_router, staff_router

    api.add_router("/public/", public_router)
    api.add_router("/staff/", staff_router)
    api.add_router("/staff/", org_router)
    api.add_router("/evidence/", build_evidence_router())
    api.add_router("/ledger/", ledger_router)
    for app_apis in (disclosure_apis, complaints_apis, exchange_apis, oversight_apis, inspections_apis):
        api.add_router("/public/", app_apis.public_router)
        api.add_router("/staff/", app_apis.staff_router)


_register_routers()
