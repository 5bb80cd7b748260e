from django.contrib import admin

from interviews.admin import ProjectScopedAdmin
from interviews.deid.models import (
    DeidSettings,
    IdentifyingEntity,
    IdentifyingSpan,
    IdentifyingTerm,
    SourceRevision,
)


@admin.register(DeidSettings, IdentifyingTerm, IdentifyingEntity)
class DeidProjectAdmin(ProjectScopedAdmin):
    pass


@admin.register(IdentifyingSpan, SourceRevision)
class DeidSourceAdmin(ProjectScopedAdmin):
    project_path = "source__project"
    raw_id_fields = ("source",)
