"""Staff pages of the oversight app, under /staff/oversight/."""

from django.urls import include, path

from sanxiang.oversight import views

app_name = "oversight"
urlpatterns = [
    path("annual/", views.annual_page, name="annual"),
    path("annual/publish/", views.annual_publish, name="annual_publish"),
    path("evaluation/", include("sanxiang.oversight.evaluation_urls")),
    path("dashboard/", include("sanxiang.oversight.dashboard.urls")),
    path("rollout/", include("sanxiang.oversight.rollout_urls")),
]
