from django.contrib import admin

from interviews.admin import ProjectScopedAdmin
from reports.models import Exemplar, MatrixSummary, SavedReport


@admin.register(SavedReport)
class SavedReportAdmin(ProjectScopedAdmin):
    list_display = ["name", "kind", "project", "created_by", "updated_at"]
    list_filter = ["kind"]


@admin.register(MatrixSummary)
class MatrixSummaryAdmin(ProjectScopedAdmin):
    list_display = ["project", "rows", "row_key", "code", "updated_at"]


@admin.register(Exemplar)
class ExemplarAdmin(ProjectScopedAdmin):
    list_display = ["coding", "project", "marked_by", "marked_at"]
