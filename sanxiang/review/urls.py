"""Staff pages of the legal review, mounted at /staff/review/ (namespace ``review``)."""

from django.urls import path

from sanxiang.review import views

app_name = "review"
urlpatterns = [
    path("", views.home, name="home"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/<slug:action>/", views.action, name="action"),
    path("case/<int:case_pk>/request/", views.case_request, name="request"),
    path("case/<int:case_pk>/collective/", views.collective, name="collective"),
    path("catalogue/", views.catalogue, name="catalogue"),
    path("catalogue/new/", views.rule_new, name="rule_new"),
    path("catalogue/<int:pk>/edit/", views.rule_edit, name="rule_edit"),
    path("catalogue/<int:pk>/deactivate/", views.rule_deactivate, name="rule_deactivate"),
    path("reviewers/", views.reviewers, name="reviewers"),
    path("reviewers/qualify/", views.reviewer_qualify, name="reviewer_qualify"),
    path("reviewers/training/", views.reviewer_training, name="reviewer_training"),
    path("stats/", views.stats, name="stats"),
    path("stats.csv", views.stats_csv, name="stats_csv"),
    path("reviews.csv", views.reviews_csv, name="reviews_csv"),
    path("flowchart/", views.flowchart, name="flowchart"),
]
