from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "sanxiang.cases"
    label = "cases"
    verbose_name = "执法办案"

    def ready(self) -> None:
        from sanxiang.cases import models
        from sanxiang.ledger.registry import register

        for model in (
            models.DocumentNumberSequence,
            models.IssuedDocument,
            models.DocumentService,
            models.Case,
            models.Party,
            models.CasePerson,
            models.CaseOfficer,
            models.CaseApproval,
            models.CaseFact,
            models.CertificateShown,
            models.Recording,
            models.CaseDocument,
            models.DeadlineExtension,
            models.CaseFile,
        ):
            register(model)

        # Evidence files a case names are readable by the people who can read the case (ledger blob access hook).
        from sanxiang.cases.casefile_export import case_blob_access
        from sanxiang.ledger.registry import register_blob_access

        register_blob_access(case_blob_access)
