from django.apps import AppConfig


class ComplaintsConfig(AppConfig):
    name = "sanxiang.complaints"
    label = "complaints"
    verbose_name = "监督举报"

    def ready(self) -> None:
        from sanxiang.complaints import access, models
        from sanxiang.ledger.registry import register, register_blob_access

        for model in (models.Complaint, models.ComplaintAttachment, models.ComplaintNote):
            register(model)
        register_blob_access(access.blob_access)
