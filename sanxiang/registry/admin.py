from django.contrib import admin

from sanxiang.core.admin import ReadOnlyAdmin
from sanxiang.registry.models import (
    ComplaintChannel,
    DocumentTemplate,
    EnforcementItem,
    InspectionItem,
    Officer,
    Power,
)

for model in (Power, EnforcementItem, InspectionItem, Officer, DocumentTemplate, ComplaintChannel):
    admin.site.register(model, ReadOnlyAdmin)
