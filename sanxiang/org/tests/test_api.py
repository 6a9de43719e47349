"""``/api/v1/staff/me/``: the signed-in user and the roles that decide what the other endpoints allow."""

from __future__ import annotations

from sanxiang.core.testing import Request, assert_permissions


def test_me_lists_roles_and_readable_agencies(client, bureau):
    client.force_login(bureau.supervisor)
    body = client.get("/api/v1/staff/me/").json()
    assert body["username"] == "supervisor"
    assert body["is_deployment_admin"] is False
    assert [(r["role"], r["role_display"], r["agency"]["name"]) for r in body["roles"]] == [
        ("supervisor", "监督人员", "兴隆台区司法局")
    ]
    # A supervisor reads its own body and the agencies it supervises, not the others.
    assert {a["name"] for a in body["readable_agencies"]} == {"兴隆台区司法局", "兴隆台区应急管理局"}


def test_me_needs_a_session(client, bureau):
    report = assert_permissions(client, Request("get", "/api/v1/staff/me/"), permitted=[bureau.officer])
    assert report.statuses()["anonymous"] == 401
