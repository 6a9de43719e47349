"""Staff pages of the cases, mounted at /staff/ (namespace ``cases``): /staff/cases/… and /staff/processes/."""

from django.urls import path

from sanxiang.cases.views import actions, casefile, lists, opening, page, processes

app_name = "cases"
urlpatterns = [
    path("cases/", lists.case_list, name="case_list"),
    path("cases/tasks/", lists.case_tasks, name="case_tasks"),
    path("cases/new/", opening.case_open, name="case_open"),
    path("cases/<int:pk>/", page.case_detail, name="case_detail"),
    path("cases/<int:pk>/case-file.zip", casefile.case_file_download, name="case_file_download"),
    path("cases/<int:pk>/<slug:action>/", actions.case_action, name="case_action"),
    path("processes/", processes.processes, name="processes"),
]
