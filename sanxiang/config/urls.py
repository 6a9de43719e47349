from django.contrib import admin
from django.urls import include, path

from sanxiang.config.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("staff/review/", include("sanxiang.review.urls")),
    path("staff/disclosure/", include("sanxiang.disclosure.urls")),
    path("staff/complaints/", include("sanxiang.complaints.urls")),
    path("staff/exchange/", include("sanxiang.exchange.urls")),
    path("staff/oversight/", include("sanxiang.oversight.urls")),
    path("staff/inspections/", include("sanxiang.inspections.urls")),
    path("staff/", include("sanxiang.cases.urls")),
    path("staff/", include("sanxiang.registry.urls")),
    path("staff/", include("sanxiang.workspace.urls")),
    path("", include("sanxiang.portal.urls")),
]
