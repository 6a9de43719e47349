from django.apps import AppConfig


class DisclosureConfig(AppConfig):
    name = "sanxiang.disclosure"
    label = "disclosure"
    verbose_name = "事后公开"
