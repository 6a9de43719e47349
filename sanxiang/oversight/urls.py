"""Staff pages of the oversight app, under /staff/oversight/."""

from django.urls import URLPattern

app_name = "oversight"
urlpatterns: list[URLPattern] = []
