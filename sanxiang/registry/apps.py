from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "sanxiang.registry"
    label = "registry"
    verbose_name = "事前公开清单"

    def ready(self) -> None:
        from sanxiang.ledger.registry import register
        from sanxiang.registry import models

        for model in (
            models.Power,
            models.EnforcementItem,
            models.InspectionItem,
            models.Officer,
            models.DocumentTemplate,
            models.ComplaintChannel,
        ):
            register(model)
