from django.contrib import admin

from reports.models import Exemplar, MatrixSummary, SavedReport


@admin.register(SavedReport)
class SavedReportAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "project", "created_by", "updated_at"]
    list_filter = ["kind"]


@admin.register(MatrixSummary)
class MatrixSummaryAdmin(admin.ModelAdmin):
    list_display = ["project", "rows", "row_key", "code", "updated_at"]


@admin.register(Exemplar)
class ExemplarAdmin(admin.ModelAdmin):
    list_display = ["coding", "project", "marked_by", "marked_at"]
