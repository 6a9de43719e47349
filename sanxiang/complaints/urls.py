"""Staff pages of the complaints app, under /staff/complaints/."""

from django.urls import URLPattern

app_name = "complaints"
urlpatterns: list[URLPattern] = []
