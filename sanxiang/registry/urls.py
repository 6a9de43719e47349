"""Staff pages of the published lists and the body-camera register, mounted at /staff/ (namespace ``registry``)."""

from django.urls import path

from sanxiang.registry import device_views, views

app_name = "registry"
urlpatterns = [
    path("lists/<slug:list_key>/", views.entry_list, name="entry_list"),
    path("lists/<slug:list_key>/new/", views.entry_create, name="entry_create"),
    path("lists/<slug:list_key>/<int:pk>/", views.entry_detail, name="entry_detail"),
    path("lists/<slug:list_key>/<int:pk>/edit/", views.entry_edit, name="entry_edit"),
    path("lists/<slug:list_key>/<int:pk>/submit/", views.entry_action, {"action": "submit"}, name="entry_submit"),
    path("lists/<slug:list_key>/<int:pk>/approve/", views.entry_action, {"action": "approve"}, name="entry_approve"),
    path("lists/<slug:list_key>/<int:pk>/return/", views.entry_action, {"action": "return"}, name="entry_return"),
    path("lists/<slug:list_key>/<int:pk>/withdraw/", views.entry_action, {"action": "withdraw"}, name="entry_withdraw"),
    path("lists/<slug:list_key>/import/", views.entry_import, name="entry_import"),
    path("lists/<slug:list_key>/export.xlsx", views.entry_export, name="entry_export"),
    path("officers/<int:pk>/suspend/", views.officer_action, {"action": "suspend"}, name="officer_suspend"),
    path("officers/<int:pk>/reinstate/", views.officer_action, {"action": "reinstate"}, name="officer_reinstate"),
    path("officers/<int:pk>/revoke/", views.officer_action, {"action": "revoke"}, name="officer_revoke"),
    path(
        "officers/<int:pk>/annual-review/",
        views.officer_action,
        {"action": "annual_review"},
        name="officer_annual_review",
    ),
    path("agencies/<int:pk>/district-review/", views.agency_district_review, name="agency_district_review"),
    path("devices/", device_views.device_list, name="device_list"),
    path("devices/new/", device_views.device_register, name="device_register"),
    path("devices/<int:pk>/", device_views.device_detail, name="device_detail"),
    *[
        path(f"devices/<int:pk>/{action}/", device_views.device_action, {"action": action}, name=f"device_{action}")
        for action in device_views.DEVICE_ACTIONS
    ],
]
