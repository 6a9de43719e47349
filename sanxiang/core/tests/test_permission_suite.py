"""The permission suite itself: it passes a well-behaved endpoint and names each way a bad one goes wrong."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import path

from sanxiang.core.testing import API, Endpoint, Expect, Request, assert_permissions, run_permission_suite

# A tiny "resource" owned by alice: bob may not touch it; anyone may be let in by the leaky views.
STATE = {"writes": 0}


def _guarded(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return JsonResponse({"detail": "请先登录。"}, status=401)
    if request.user.get_username() != "alice":
        return JsonResponse({"detail": "未找到该记录。"}, status=404)
    STATE["writes"] += 1
    return JsonResponse({"ok": True})


def _leaky(request: HttpRequest) -> HttpResponse:
    STATE["writes"] += 1  # writes for anyone, then refuses: the suite must notice
    if not request.user.is_authenticated:
        return JsonResponse({}, status=401)
    return JsonResponse({}, status=200 if request.user.get_username() == "alice" else 403)


def _open_to_all(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"ok": True})


def _listing(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return JsonResponse({}, status=401)
    rows = ["alice's row"] if request.user.get_username() == "alice" else []
    if request.GET.get("leak"):
        rows = ["alice's row"]
    return JsonResponse({"items": rows})


def _html(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect(request.GET.get("to", "/staff/login/") + "?next=/x/")
    if request.user.get_username() != "alice":
        return HttpResponse(status=403)
    if request.method == "POST" and request.POST.get("a") != "1":
        return HttpResponse(status=400)  # the form body must arrive urlencoded, as a browser sends it
    return redirect("/x/done/")


urlpatterns = [
    path("guarded/", _guarded),
    path("leaky/", _leaky),
    path("open/", _open_to_all),
    path("listing/", _listing),
    path("html/", _html),
]

pytestmark = [pytest.mark.urls(__name__), pytest.mark.django_db]


@pytest.fixture
def people(django_user_model: Any) -> dict[str, Any]:
    STATE["writes"] = 0
    return {name: django_user_model.objects.create_user(username=name) for name in ("alice", "bob", "carol")}


def writes() -> int:
    return STATE["writes"]


def test_well_behaved_endpoint_passes_and_reports_each_persona(client: Any, people: dict[str, Any]) -> None:
    report = assert_permissions(
        client,
        Request("post", "/guarded/", {"x": 1}),
        permitted=[people["alice"]],
        no_permission=[people["bob"]],
        constrained=[people["carol"]],
        unchanged=writes,
    )
    assert report.statuses() == {
        "anonymous": 401,
        "no-permission:bob": 404,
        "constrained:carol": 404,
        "permitted:alice": 200,
    }
    assert writes() == 1  # only the permitted request wrote


def test_endpoint_open_to_everyone_fails(client: Any, people: dict[str, Any]) -> None:
    report = run_permission_suite(
        client, Request("get", "/open/"), permitted=[people["alice"]], constrained=[people["bob"]]
    )
    assert [f.who for f in report.failures] == ["anonymous", "constrained:bob"]
    with pytest.raises(AssertionError, match="anonymous"):
        assert_permissions(client, Request("get", "/open/"), permitted=[people["alice"]])


def test_refused_request_that_writes_is_caught(client: Any, people: dict[str, Any]) -> None:
    report = run_permission_suite(
        client,
        Request("patch", "/leaky/", {"x": 1}),
        permitted=[people["alice"]],
        no_permission=[people["bob"]],
        unchanged=writes,
    )
    assert {f.who: f.problem for f in report.failures} == {
        "anonymous": "a refused request changed state",
        "no-permission:bob": "a refused request changed state",
    }


def test_permitted_user_refused_is_a_failure(client: Any, people: dict[str, Any]) -> None:
    report = run_permission_suite(client, Request("post", "/guarded/"), permitted=[people["bob"]])
    assert [f.who for f in report.failures] == ["permitted:bob"]


def test_list_rows_filtered_per_user(client: Any, people: dict[str, Any]) -> None:
    def shows(response: HttpResponse) -> bool:
        return "alice's row" in json.loads(response.content)["items"]

    endpoint = Endpoint(
        Request("get", "/listing/"), permitted=[people["alice"]], constrained=[people["bob"]], shows=shows
    )
    assert endpoint.check(client).statuses()["constrained:bob"] == 200
    leaky = Endpoint(
        Request("get", "/listing/", {"leak": "1"}),
        permitted=[people["alice"]],
        constrained=[people["bob"]],
        shows=shows,
    )
    with pytest.raises(AssertionError, match="shows the target"):
        leaky.check(client)


def test_html_expectations_require_redirect_to_login(client: Any, people: dict[str, Any]) -> None:
    html = Expect(anonymous=(302,), denied=(403, 404), ok=(200, 302), login_url="/staff/login/")
    ok = run_permission_suite(
        client,
        Request("post", "/html/", {"a": "1"}, format="form"),
        permitted=[people["alice"]],
        no_permission=[people["bob"]],
        expect=html,
    )
    assert not ok.failures, str(ok)
    wrong = run_permission_suite(
        client, Request("get", "/html/", {"to": "/elsewhere/"}), permitted=[people["alice"]], expect=html
    )
    assert [f.who for f in wrong.failures] == ["anonymous"]
    # The API expectations do not accept a redirect for the anonymous user.
    assert run_permission_suite(client, Request("get", "/html/"), permitted=[], expect=API).failures


def test_callable_request(client: Any, people: dict[str, Any]) -> None:
    def send(c: Any) -> HttpResponse:
        response: HttpResponse = c.put("/guarded/", "{}", content_type="application/json")
        return response

    report = assert_permissions(client, send, permitted=[people["alice"]], no_permission=[people["bob"]])
    assert report.request == "send"
