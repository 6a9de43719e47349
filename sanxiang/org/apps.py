from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "sanxiang.org"
    label = "org"
    verbose_name = "组织与人员"
