"""Staff pages of 事后公开, under /staff/disclosure/ (namespace ``disclosure``)."""

from django.urls import path

from sanxiang.disclosure import views

app_name = "disclosure"
urlpatterns = [
    path("", views.home, name="home"),
    path("task/<int:pk>/", views.task_detail, name="task"),
    path("publication/<int:pk>/", views.publication_detail, name="publication"),
    path("publication/<int:pk>/<slug:action>/", views.publication_action, name="publication_action"),
]
