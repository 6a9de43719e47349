from django.contrib import admin

from sanxiang.core.admin import ReadOnlyAdmin
from sanxiang.exchange import models

for model in (models.Receiver, models.Message, models.Attempt, models.Replay):
    admin.site.register(model, ReadOnlyAdmin)
