from django.apps import AppConfig


class InspectionsConfig(AppConfig):
    name = "sanxiang.inspections"
    label = "inspections"
    verbose_name = "双随机抽查"

    def ready(self) -> None:
        from sanxiang.inspections import hooks, models
        from sanxiang.ledger.registry import register

        for model in (
            models.Target,
            models.Conflict,
            models.SamplingPlan,
            models.Draw,
            models.DrawSecret,
            models.DrawnTarget,
        ):
            register(model)
        hooks.connect()
