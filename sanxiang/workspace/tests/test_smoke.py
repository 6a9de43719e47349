from django.urls import reverse

from sanxiang.workspace.tests.conftest import client_for


def test_pages_render(bureau, entries):
    c = client_for(bureau.reviewer)
    for url in [
        reverse("workspace:home"),
        reverse("workspace:entry_list", args=["items"]),
        reverse("workspace:entry_create", args=["items"]),
        reverse("workspace:entry_detail", args=["items", entries.item.pk]),
        reverse("workspace:entry_edit", args=["items", entries.item.pk]),
        reverse("workspace:entry_detail", args=["officers", entries.officer.pk]),
        reverse("workspace:entry_edit", args=["officers", entries.officer.pk]),
        reverse("workspace:entry_create", args=["templates"]),
        reverse("workspace:entry_list", args=["agencies"]),
        reverse("workspace:entry_detail", args=["agencies", bureau.agency.pk]),
        reverse("workspace:entry_edit", args=["agencies", bureau.agency.pk]),
        reverse("workspace:entry_import", args=["items"]),
        reverse("workspace:entry_export", args=["items"]),
    ]:
        r = c.get(url)
        assert r.status_code == 200, (url, r.status_code)
    print(c.get(reverse("workspace:entry_detail", args=["items", entries.item.pk])).content.decode())
