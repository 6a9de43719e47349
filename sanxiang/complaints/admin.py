from django.contrib import admin

from sanxiang.complaints import models
from sanxiang.core.admin import ReadOnlyAdmin

for model in (models.Complaint, models.ComplaintAttachment, models.ComplaintNote):
    admin.site.register(model, ReadOnlyAdmin)
