from django.contrib import admin

from sanxiang.core.admin import ReadOnlyAdmin
from sanxiang.disclosure import models

for model in (models.PublicationTask, models.Publication):
    admin.site.register(model, ReadOnlyAdmin)
