"""Staff pages of the exchange app, under /staff/exchange/ (namespace ``exchange``)."""

from django.urls import path

from sanxiang.exchange import views

app_name = "exchange"
urlpatterns = [
    path("", views.home, name="home"),
    path("receivers/new/", views.receiver_add, name="receiver_add"),
    path("receivers/<int:pk>/", views.receiver_detail, name="receiver"),
    path("receivers/<int:pk>/<slug:action>/", views.receiver_action, name="receiver_action"),
    path("messages/<int:pk>/", views.message_detail, name="message"),
    path("messages/<int:pk>/replay/", views.message_replay, name="replay"),
]
