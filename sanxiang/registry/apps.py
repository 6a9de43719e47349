from django.apps import AppConfig
from django.core.exceptions import ValidationError


def subject_is_public(subject_type: str, subject_id: str) -> bool:
    """Whether ``subject_type:subject_id`` (a ledger subject) is on a published list: the ledger's public check."""
    from sanxiang.registry.selectors import public_entries
    from sanxiang.registry.specs import ALL_LISTS

    for spec in ALL_LISTS.values():
        if spec.model._meta.label_lower == subject_type:
            try:
                return public_entries(spec).filter(pk=subject_id).exists()
            except (ValueError, ValidationError):
                return False
    return False


class RegistryConfig(AppConfig):
    name = "sanxiang.registry"
    label = "registry"
    verbose_name = "事前公开清单"

    def ready(self) -> None:
        from sanxiang.ledger.registry import register, register_public_check, register_staff_check
        from sanxiang.org.access import is_staff_user
        from sanxiang.registry import models

        for model in (
            models.Power,
            models.EnforcementItem,
            models.InspectionItem,
            models.Officer,
            models.DocumentTemplate,
            models.ComplaintChannel,
            models.RecordingRule,
            models.RecordingPlace,
            models.Device,
            models.DeviceUsage,
        ):
            register(model)
        # Leaf contents are public for published entries only; staff (anyone with an active role) read all.
        register_public_check(subject_is_public)
        register_staff_check(is_staff_user)
