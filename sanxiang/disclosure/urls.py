"""Staff pages of the disclosure app, under /staff/disclosure/."""

from django.urls import URLPattern

app_name = "disclosure"
urlpatterns: list[URLPattern] = []
