from django.contrib import admin

from agreement.models import AgreementResolution
from interviews.admin import ProjectScopedAdmin


@admin.register(AgreementResolution)
class AgreementResolutionAdmin(ProjectScopedAdmin):
    list_display = ["source", "unit", "start", "end", "decision", "resolved_by", "resolved_at"]
    list_filter = ["decision", "unit"]
