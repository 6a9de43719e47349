"""Staff pages of the cases, mounted at /staff/ (namespace ``cases``): /staff/cases/… and /staff/processes/."""

from django.urls import path

from sanxiang.cases import views

app_name = "cases"
urlpatterns = [
    path("cases/", views.case_list, name="case_list"),
    path("cases/tasks/", views.case_tasks, name="case_tasks"),
    path("cases/new/", views.case_open, name="case_open"),
    path("cases/<int:pk>/", views.case_detail, name="case_detail"),
    path("cases/<int:pk>/case-file.zip", views.case_file_download, name="case_file_download"),
    path("cases/<int:pk>/<slug:action>/", views.case_action, name="case_action"),
    path("processes/", views.processes, name="processes"),
]
