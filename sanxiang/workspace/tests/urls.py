# Temporary: the project urlconf imports the API routers, which are being written right now.
from django.urls import include, path

urlpatterns = [path("staff/", include("sanxiang.workspace.urls"))]
