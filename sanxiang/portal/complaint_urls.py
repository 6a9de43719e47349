"""Public complaint routes of the portal (namespace portal), included by portal.urls before the list catch-all."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
