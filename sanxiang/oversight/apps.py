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

    def schedule_background(self) -> None:
        """Queue the 1 January publication of last year's annual reports (``sanxiang serve`` calls this at start)."""
        from sanxiang.oversight.tasks import schedule_annual_reports

        schedule_annual_reports()
