"""Domain models are read-only in the Django admin, so the admin cannot bypass services and the record."""

from __future__ import annotations

from sanxiang.ledger.models import Entry
from sanxiang.org.models import Agency


def test_admin_change_form_post_is_refused(client, bureau):
    client.force_login(bureau.superuser)
    url = f"/admin/org/agency/{bureau.agency.pk}/change/"
    assert client.get(url).status_code == 200  # may look
    response = client.post(url, {"name": "改名后的机构", "nature": "administrative"})
    assert response.status_code == 403
    assert Agency.objects.get(pk=bureau.agency.pk).name == "兴隆台区应急管理局"
    assert client.post("/admin/org/agency/add/", {"name": "新机构"}).status_code == 403
    assert client.post(f"/admin/org/agency/{bureau.agency.pk}/delete/", {"post": "yes"}).status_code == 403
    assert not Entry.objects.filter(action__startswith="agency.").exists()


def test_every_registered_domain_model_is_read_only(rf, bureau):
    from django.contrib import admin

    request = rf.get("/admin/")
    request.user = bureau.superuser
    for model, model_admin in admin.site._registry.items():
        if model.__module__.startswith("sanxiang."):
            assert not model_admin.has_add_permission(request), model
            assert not model_admin.has_change_permission(request), model
            assert not model_admin.has_delete_permission(request), model
