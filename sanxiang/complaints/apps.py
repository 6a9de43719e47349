from django.apps import AppConfig


class ComplaintsConfig(AppConfig):
    name = "sanxiang.complaints"
    label = "complaints"
    verbose_name = "监督举报"
