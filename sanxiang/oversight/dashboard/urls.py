"""The dashboards, mounted under the oversight namespace (``oversight:dashboard``, ``oversight:dashboard_csv``)."""

from django.urls import path

from sanxiang.oversight.dashboard import views

urlpatterns = [
    path("", views.overview, name="dashboard"),
    path("csv/<slug:key>/", views.chart_csv, name="dashboard_csv"),
]
