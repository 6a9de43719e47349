from django.apps import AppConfig


class StaffConfig(AppConfig):
    """The staff frame: templates (``staff/base.html``), static files and shared helpers; no models."""

    name = "sanxiang.staff"
    label = "staff"
    verbose_name = "工作台框架"
