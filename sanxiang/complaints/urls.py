"""Staff pages of the complaints app, under /staff/complaints/."""

from django.urls import path

from sanxiang.complaints import views

app_name = "complaints"
urlpatterns = [
    path("", views.complaint_list, name="list"),
    path("<int:pk>/", views.complaint_detail, name="detail"),
    path("<int:pk>/attachments/<int:position>/", views.attachment_download, name="attachment"),
    path("<int:pk>/<slug:action>/", views.complaint_action, name="action"),
]
