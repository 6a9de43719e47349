from django.contrib import admin

from sanxiang.core.admin import ReadOnlyAdmin
from sanxiang.oversight import models

admin.site.register(models.AnnualReport, ReadOnlyAdmin)
