"""Rollout tracker pages (推行工作台账), included under /staff/oversight/rollout/ in the oversight namespace."""

from django.urls import path

from sanxiang.oversight import rollout_views as views

urlpatterns = [
    path("", views.rollout_tasks, name="rollout"),
    path("seed/", views.rollout_seed, name="rollout_seed"),
    path("tasks/<int:pk>/", views.rollout_task, name="rollout_task"),
    path("tasks/<int:pk>/update/", views.rollout_task_update, name="rollout_task_update"),
    path("reports/", views.rollout_reports, name="rollout_reports"),
    path("reports/submit/", views.rollout_report_submit, name="rollout_report_submit"),
    path("findings/", views.rollout_findings, name="rollout_findings"),
    path("findings/record/", views.rollout_finding_record, name="rollout_finding_record"),
    path("findings/<int:pk>/rectify/", views.rollout_finding_rectify, name="rollout_finding_rectify"),
]
