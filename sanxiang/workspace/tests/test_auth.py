"""Signing in and out of the workspace."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse


def test_login_with_chinese_errors_then_back_to_the_page_asked_for(bureau):
    client = Client()
    wanted = reverse("registry:entry_list", args=["items"])
    page = client.get(reverse("workspace:login") + f"?next={wanted}").content.decode()
    assert "用户名" in page and "密码" in page
    response = client.post(reverse("workspace:login"), {"username": "reviewer", "password": "wrong", "next": wanted})
    assert response.status_code == 200
    assert "请输入一个正确的" in response.content.decode()  # Django's message, translated
    response = client.post(
        reverse("workspace:login"), {"username": "reviewer", "password": "pw-reviewer", "next": wanted}
    )
    assert response.status_code == 302 and response["Location"] == wanted
    assert client.get(wanted).status_code == 200


def test_logout_is_a_post(bureau):
    client = Client()
    client.force_login(bureau.reviewer)
    assert client.get(reverse("workspace:logout")).status_code == 405
    response = client.post(reverse("workspace:logout"))
    assert response.status_code == 302 and response["Location"] == reverse("portal:home")
    assert client.get(reverse("workspace:home")).status_code == 302
