"""Public publication routes of the portal (namespace portal), included by portal.urls before the list catch-all."""

from django.urls import URLPattern, path

from sanxiang.portal import publication_views as views

urlpatterns: list[URLPattern] = [
    path("publications/", views.publication_list, name="publications"),
    path("publications/<int:pk>/", views.publication_detail, name="publication"),
    path("publications/feed.atom", views.publication_feed, name="publications-feed"),
    path("publications/export.csv", views.publication_export, {"fmt": "csv"}, name="publications-export-csv"),
    path("publications/export.json", views.publication_export, {"fmt": "json"}, name="publications-export-json"),
]
