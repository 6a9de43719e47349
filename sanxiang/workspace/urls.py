"""The staff site's own pages, mounted at /staff/ (namespace ``workspace``): login, logout and the home page. Every
app's staff pages are mounted beside these in ``sanxiang.config.urls``."""

from django.contrib.auth import views as auth_views
from django.urls import path

from sanxiang.workspace import views
from sanxiang.workspace.forms import LoginForm

app_name = "workspace"
urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="workspace/login.html", authentication_form=LoginForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", views.home, name="home"),
]
