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
