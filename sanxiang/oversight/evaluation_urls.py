"""Case-file evaluation pages (案卷评查), included under /staff/oversight/evaluation/ in the oversight namespace."""

from django.urls import path

from sanxiang.oversight import evaluation_views as views

urlpatterns = [
    path("", views.evaluation_list, name="evaluation_list"),
    path("cases/<int:pk>/", views.evaluation_case, name="evaluation_case"),
    path("cases/<int:pk>/score/", views.evaluation_rescore, name="evaluation_rescore"),
    path("cases/<int:pk>/findings/", views.evaluation_finding, name="evaluation_finding"),
    path("checklist/", views.evaluation_checklist, name="evaluation_checklist"),
    path("checklist/save/", views.evaluation_checklist_save, name="evaluation_checklist_save"),
    path("export/", views.evaluation_export_view, name="evaluation_export"),
]
