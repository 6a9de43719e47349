"""Public annual-report routes of the portal (namespace portal), included by portal.urls."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
