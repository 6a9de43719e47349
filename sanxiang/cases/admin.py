from django.contrib import admin

from sanxiang.cases import models
from sanxiang.core.admin import ReadOnlyAdmin

for model in (
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
    models.IssuedDocument,
    models.DocumentService,
):
    admin.site.register(model, ReadOnlyAdmin)
