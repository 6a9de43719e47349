from django.apps import AppConfig


class OversightConfig(AppConfig):
    name = "sanxiang.oversight"
    label = "oversight"
    verbose_name = "监督考核"

    def ready(self) -> None:
        from sanxiang.ledger.registry import register, register_public_check
        from sanxiang.oversight import models, selectors

        for model in (
            models.AnnualReport,
            models.EvaluationChecklist,
            models.CaseEvaluation,
            models.ManualFinding,
            models.RolloutTask,
            models.ProgressReport,
            models.SupervisionFinding,
        ):
            register(model)
        register_public_check(selectors.annual_report_is_public)
        from sanxiang.cases.workflow import register_case_event_hook
        from sanxiang.oversight.evaluation_services import on_case_event

        register_case_event_hook(on_case_event)
        # The dashboard's monthly summary notes every recorded change of a case or complaint.
        from sanxiang.ledger.registry import register_record_listener
        from sanxiang.oversight.dashboard.summary.changes import on_recorded

        register_record_listener(on_recorded)

    def schedule_background(self) -> None:
        """Queue the 1 January publication of last year's annual reports (``sanxiang serve`` calls this at start)."""
        from sanxiang.oversight.tasks import schedule_annual_reports

        schedule_annual_reports()
