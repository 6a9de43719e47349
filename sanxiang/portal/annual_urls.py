"""Public annual-report routes of the portal (namespace portal), included by portal.urls."""

from django.urls import path

from sanxiang.portal import annual_views

urlpatterns = [
    path("annual-reports/", annual_views.annual_list, name="annual-list"),
    path("annual-reports/<int:agency_id>/<int:year>/", annual_views.annual_detail, name="annual-detail"),
    path(
        "annual-reports/<int:agency_id>/<int:year>/report.<str:fmt>",
        annual_views.annual_download,
        name="annual-download",
    ),
]
