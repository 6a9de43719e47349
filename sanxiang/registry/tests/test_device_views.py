"""The body-camera register's pages: register, assign, return (usage log), refusals in Chinese."""

from __future__ import annotations

from django.urls import reverse

from sanxiang.conftest import client_for
from sanxiang.ledger.models import Entry
from sanxiang.registry.models import Device, DeviceStatus


def test_office_keeps_a_device_through_the_pages(bureau, entries):
    clerk = client_for(bureau.office_clerk)
    response = clerk.post(
        reverse("registry:device_register"),
        {"asset_number": "JLY-010", "model_name": "DSJ-A8", "serial_number": "SN1", "storage_gb": "128"},
    )
    device = Device.objects.get(asset_number="JLY-010")
    assert response.status_code == 302 and response["Location"] == reverse("registry:device_detail", args=[device.pk])
    assert "JLY-010" in clerk.get(reverse("registry:device_list")).content.decode()

    response = clerk.post(reverse("registry:device_assign", args=[device.pk]), {"officer": entries.officer.pk})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.officer == entries.officer

    # Retiring an assigned device is refused with the reason, and nothing is written.
    before = Entry.objects.count()
    response = clerk.post(reverse("registry:device_retire", args=[device.pk]), {"reason": "损坏"})
    assert response.status_code == 422
    assert "须先归还再报废" in response.content.decode()
    assert Entry.objects.count() == before

    clerk.post(reverse("registry:device_return", args=[device.pk]), {"reason": "任务结束"})
    page = clerk.get(reverse("registry:device_detail", args=[device.pk])).content.decode()
    assert "使用记录" in page and entries.officer.name in page and "任务结束" in page
    response = clerk.post(reverse("registry:device_retire", args=[device.pk]), {"reason": "电池老化"})
    assert response.status_code == 302
    assert Device.objects.get(pk=device.pk).status == DeviceStatus.RETIRED


def test_register_form_shows_service_errors(bureau, entries):
    clerk = client_for(bureau.office_clerk)
    clerk.post(reverse("registry:device_register"), {"asset_number": "JLY-010", "model_name": "DSJ-A8"})
    response = clerk.post(reverse("registry:device_register"), {"asset_number": "JLY-010", "model_name": "X"})
    assert response.status_code == 422
    assert "资产编号" in response.content.decode()
    assert Device.objects.count() == 1


def test_an_officer_reads_the_register_without_the_buttons(bureau, entries):
    clerk = client_for(bureau.office_clerk)
    clerk.post(reverse("registry:device_register"), {"asset_number": "JLY-010", "model_name": "DSJ-A8"})
    device = Device.objects.get()
    page = client_for(bureau.officer).get(reverse("registry:device_detail", args=[device.pk])).content.decode()
    assert "JLY-010" in page
    assert reverse("registry:device_assign", args=[device.pk]) not in page
    assert (
        reverse("registry:device_register")
        not in client_for(bureau.officer).get(reverse("registry:device_list")).content.decode()
    )


def test_list_pages_keep_the_search_and_the_status():
    """The pager shared by the device and entry lists carries ``q`` and ``status`` to the next page."""
    from django.core.paginator import Paginator
    from django.template.loader import render_to_string

    page = Paginator(list(range(120)), 50).get_page(2)
    html = render_to_string("staff/includes/pager.html", {"page": page, "status": "in_use", "q": "王 五"})
    assert 'href="?status=in_use&amp;q=%E7%8E%8B%20%E4%BA%94&amp;page=1"' in html
    assert 'href="?status=in_use&amp;q=%E7%8E%8B%20%E4%BA%94&amp;page=3"' in html
