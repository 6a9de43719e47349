from django.apps import AppConfig


class OversightConfig(AppConfig):
    name = "sanxiang.oversight"
    label = "oversight"
    verbose_name = "监督考核"

    def ready(self) -> None:
        from sanxiang.ledger.registry import register, register_public_check
        from sanxiang.oversight import models, selectors

        register(models.AnnualReport)
        register_public_check(selectors.annual_report_is_public)
