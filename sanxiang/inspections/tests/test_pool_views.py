"""Staff pages of the target pool and the conflict list."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from sanxiang.inspections.models import Conflict, Target
from sanxiang.inspections.tests.conftest import InspectionWorld, make_uscc, target_data
from sanxiang.inspections.tests.test_pool import row_of, xlsx
from sanxiang.ledger.models import Entry

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def upload(data: bytes, name: str = "名录.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def test_pages_need_login(inspection_world: InspectionWorld) -> None:
    target = inspection_world.targets[0]
    for url in (
        reverse("inspections:pool"),
        reverse("inspections:pool-add"),
        reverse("inspections:pool-import"),
        reverse("inspections:pool-export"),
        reverse("inspections:conflicts"),
        reverse("inspections:pool-target", args=[target.pk]),
    ):
        response = Client().get(url)
        assert response.status_code == 302 and "login" in response["Location"], url


def test_list_filters_and_counts(inspection_world: InspectionWorld) -> None:
    client = client_for(inspection_world.bureau.officer)
    page = client.get(reverse("inspections:pool")).content.decode()
    assert page.count('data-label="统一社会信用代码"') == 12
    assert 'data-count="total">12<' in page and 'data-count="A">3<' in page
    page = client.get(reverse("inspections:pool"), {"risk": "B"}).content.decode()
    assert page.count('data-label="统一社会信用代码"') == 3
    page = client.get(reverse("inspections:pool"), {"q": "示例007"}).content.decode()
    assert page.count('data-label="统一社会信用代码"') == 1 and target_data(7)["uscc"] in page
    page = client.get(reverse("inspections:pool"), {"region": "211102"}).content.decode()
    assert page.count('data-label="统一社会信用代码"') == 4


def test_outsider_cannot_see_another_agencys_target(inspection_world: InspectionWorld) -> None:
    b = inspection_world.bureau
    target = inspection_world.targets[0]
    client = client_for(b.outsider)
    assert client.get(reverse("inspections:pool-target", args=[target.pk])).status_code == 404
    assert target.name not in client.get(reverse("inspections:pool")).content.decode()
    response = client.post(reverse("inspections:pool-remove", args=[target.pk]), {"reason": "x"})
    assert response.status_code == 404
    assert Target.objects.get(pk=target.pk).active


def test_add_form_bad_uscc_shows_chinese_error_and_writes_nothing(inspection_world: InspectionWorld) -> None:
    client = client_for(inspection_world.bureau.officer)
    data = target_data(200)
    data["uscc"] = data["uscc"][:-1] + ("0" if data["uscc"][-1] != "0" else "1")
    before = (Target.objects.count(), Entry.objects.count())
    response = client.post(reverse("inspections:pool-add"), data)
    assert response.status_code == 400
    assert "统一社会信用代码" in response.content.decode() and "ws-errors" in response.content.decode()
    assert (Target.objects.count(), Entry.objects.count()) == before


def test_add_edit_and_remove(inspection_world: InspectionWorld) -> None:
    client = client_for(inspection_world.bureau.officer)
    response = client.post(reverse("inspections:pool-add"), target_data(201))
    assert response.status_code == 302
    target = Target.objects.get(uscc=target_data(201)["uscc"])
    url = reverse("inspections:pool-target", args=[target.pk])
    # The USCC cannot be changed on the edit form (it keys the target).
    client.post(url, {**target_data(201), "uscc": make_uscc(999), "address": "新址"})
    target.refresh_from_db()
    assert target.address == "新址" and target.uscc == target_data(201)["uscc"]
    assert not Target.objects.filter(uscc=make_uscc(999)).exists()
    response = client.post(reverse("inspections:pool-remove", args=[target.pk]), {"reason": ""})
    target.refresh_from_db()
    assert target.active
    client.post(reverse("inspections:pool-remove", args=[target.pk]), {"reason": "注销"})
    target.refresh_from_db()
    assert not target.active


def test_import_preview_shows_row_errors_in_chinese(inspection_world: InspectionWorld) -> None:
    client = client_for(inspection_world.bureau.officer)
    before = Target.objects.count()
    data = xlsx([row_of(300), row_of(301, region="abc")])
    response = client.post(reverse("inspections:pool-import"), {"file": upload(data), "confirm": "on"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "第 3 行" in page and "行政区划代码" in page and "未写入任何内容" in page
    assert Target.objects.count() == before


def test_import_preview_then_confirm(inspection_world: InspectionWorld) -> None:
    client = client_for(inspection_world.bureau.officer)
    data = xlsx([row_of(310), row_of(311)])
    response = client.post(reverse("inspections:pool-import"), {"file": upload(data)})
    assert response.status_code == 200 and 'data-count="created">2<' in response.content.decode()
    assert Target.objects.count() == 12
    response = client.post(reverse("inspections:pool-import"), {"file": upload(data), "confirm": "on"})
    assert response.status_code == 302
    assert Target.objects.count() == 14


def test_import_page_refused_to_supervisor(inspection_world: InspectionWorld) -> None:
    client = client_for(inspection_world.bureau.supervisor)
    response = client.post(reverse("inspections:pool-import"), {"file": upload(xlsx([row_of(320)])), "confirm": "on"})
    assert response.status_code == 403
    assert Target.objects.count() == 12


def test_export_and_template(inspection_world: InspectionWorld) -> None:
    client = client_for(inspection_world.bureau.officer)
    response = client.get(reverse("inspections:pool-export"))
    assert response.status_code == 200 and response.content[:2] == b"PK"
    assert client.get(reverse("inspections:pool-template")).status_code == 200


def test_conflict_add(inspection_world: InspectionWorld) -> None:
    b = inspection_world.bureau
    officer, target = inspection_world.officers[2], inspection_world.targets[3]
    url = reverse("inspections:conflicts")
    client = client_for(b.head)
    response = client.post(url, {"officer": officer.pk, "uscc": make_uscc(888), "reason": "亲属"})
    assert response.status_code == 400 and "名录库中没有" in response.content.decode()
    assert not Conflict.objects.exists()
    response = client.post(url, {"officer": officer.pk, "uscc": target.uscc.lower(), "reason": "亲属"})
    assert response.status_code == 302
    conflict = Conflict.objects.get()
    assert (conflict.officer, conflict.target) == (officer, target)
    assert target.name in client.get(url).content.decode()
    # An officer of another agency cannot be chosen; an officer (not a planner) cannot add.
    other = inspection_world.targets[4]
    response = client_for(b.officer).post(url, {"officer": officer.pk, "uscc": other.uscc, "reason": "同学"})
    assert response.status_code == 403 and Conflict.objects.count() == 1
