from django.apps import AppConfig


class OversightConfig(AppConfig):
    name = "sanxiang.oversight"
    label = "oversight"
    verbose_name = "监督考核"
