from django.contrib.auth import views as auth_views
from django.urls import path

from sanxiang.workspace import case_views, device_views, views
from sanxiang.workspace.forms import LoginForm

app_name = "workspace"
urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="workspace/login.html", authentication_form=LoginForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", views.home, name="home"),
    path("lists/<slug:list_key>/", views.entry_list, name="entry_list"),
    path("lists/<slug:list_key>/new/", views.entry_create, name="entry_create"),
    path("lists/<slug:list_key>/<int:pk>/", views.entry_detail, name="entry_detail"),
    path("lists/<slug:list_key>/<int:pk>/edit/", views.entry_edit, name="entry_edit"),
    path("lists/<slug:list_key>/<int:pk>/submit/", views.entry_action, {"action": "submit"}, name="entry_submit"),
    path("lists/<slug:list_key>/<int:pk>/approve/", views.entry_action, {"action": "approve"}, name="entry_approve"),
    path("lists/<slug:list_key>/<int:pk>/return/", views.entry_action, {"action": "return"}, name="entry_return"),
    path("lists/<slug:list_key>/<int:pk>/withdraw/", views.entry_action, {"action": "withdraw"}, name="entry_withdraw"),
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
    path("processes/", views.processes, name="processes"),
]
urlpatterns += [
    path("lists/<slug:list_key>/import/", views.entry_import, name="entry_import"),
    path("lists/<slug:list_key>/export.xlsx", views.entry_export, name="entry_export"),
]
urlpatterns += [
    path("devices/", device_views.device_list, name="device_list"),
    path("devices/new/", device_views.device_register, name="device_register"),
    path("devices/<int:pk>/", device_views.device_detail, name="device_detail"),
    *[
        path(f"devices/<int:pk>/{action}/", device_views.device_action, {"action": action}, name=f"device_{action}")
        for action in device_views.DEVICE_ACTIONS
    ],
]
urlpatterns += [
    path("cases/", case_views.case_list, name="case_list"),
    path("cases/tasks/", case_views.case_tasks, name="case_tasks"),
    path("cases/new/", case_views.case_open, name="case_open"),
    path("cases/<int:pk>/", case_views.case_detail, name="case_detail"),
    path("cases/<int:pk>/case-file.zip", case_views.case_file_download, name="case_file_download"),
    path("cases/<int:pk>/<slug:action>/", case_views.case_action, name="case_action"),
]
