"""The dashboards, mounted under the oversight namespace (``oversight:dashboard``, ``oversight:dashboard_csv``)."""

from django.urls import path

from sanxiang.oversight import dashboard_views

urlpatterns = [
    path("", dashboard_views.overview, name="dashboard"),
    path("csv/<slug:key>/", dashboard_views.chart_csv, name="dashboard_csv"),
]
