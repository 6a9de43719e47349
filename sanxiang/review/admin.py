from django.contrib import admin

from sanxiang.core.admin import ReadOnlyAdmin
from sanxiang.review import models

for model in (
    models.MajorDecisionRule,
    models.MajorAssessment,
    models.LegalReview,
    models.ReviewerQualification,
    models.ReviewerTraining,
    models.ReviewerRecord,
    models.CollectiveDiscussion,
):
    admin.site.register(model, ReadOnlyAdmin)
