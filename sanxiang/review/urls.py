"""Staff pages of the legal review, mounted at /staff/review/ (namespace ``review``)."""

from django.urls import URLPattern

app_name = "review"
urlpatterns: list[URLPattern] = []
