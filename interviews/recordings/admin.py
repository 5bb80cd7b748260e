"""Recordings and sync points in the Django admin (imported by interviews.admin)."""

from django.contrib import admin

from interviews.admin import ProjectScopedAdmin
from interviews.recordings.models import Recording, SyncPoint


@admin.register(Recording)
class RecordingAdmin(ProjectScopedAdmin):
    """Attached through Parley's pages or `attach_media` (type and size are checked there):
    shown and deletable here, never added or changed."""

    project_path = "source__project"
    list_display = ["source", "kind", "mime_type", "size", "duration", "created_at"]
    list_filter = ["kind"]
    readonly_fields = [f.name for f in Recording._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(SyncPoint)
class SyncPointAdmin(ProjectScopedAdmin):
    project_path = "source__project"
    list_display = ["source", "position", "time", "origin", "modified_at"]
    list_filter = ["origin"]
