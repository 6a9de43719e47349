"""Staff pages of the exchange app, under /staff/exchange/."""

from django.urls import URLPattern

app_name = "exchange"
urlpatterns: list[URLPattern] = []
