"""Staff routes for sampling plans and draws (namespace ``inspections``, included by ``inspections.urls``)."""

from django.urls import URLPattern, path

from sanxiang.inspections import plan_views as views

urlpatterns: list[URLPattern] = [
    path("", views.home, name="home"),
    path("plans/new/", views.plan_new, name="plan-new"),
    path("plans/<int:pk>/", views.plan, name="plan"),
    path("plans/<int:pk>/publish/", views.plan_publish, name="plan-publish"),
    path("plans/<int:pk>/commit/", views.draw_commit, name="draw-commit"),
    path("draws/<int:pk>/", views.draw, name="draw"),
    path("draws/<int:pk>/cancel/", views.draw_cancel, name="draw-cancel"),
    path("draws/<int:pk>/document.json", views.draw_json, name="draw-json"),
]
