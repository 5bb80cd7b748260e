from django.contrib import admin

from coding.models import Change, Code, CodePin, Coding, Memo, SavedQuery
from interviews.admin import ProjectScopedAdmin


@admin.register(Code)
class CodeAdmin(ProjectScopedAdmin):
    list_display = ["name", "parent", "project", "colour", "order", "is_codable"]
    search_fields = ["name"]


@admin.register(Coding)
class CodingAdmin(ProjectScopedAdmin):
    project_path = "source__project"
    list_display = ["code", "source", "coder", "start", "end", "modified_at"]
    list_filter = ["coder"]
    raw_id_fields = ["source", "code"]


@admin.register(Memo)
class MemoAdmin(ProjectScopedAdmin):
    list_display = ["__str__", "project", "author", "modified_at"]
    raw_id_fields = ["source", "code", "interviewee", "coding"]


@admin.register(Change)
class ChangeAdmin(ProjectScopedAdmin):
    list_display = ["at", "user", "action", "object_type", "object_guid"]
    list_filter = ["action", "object_type"]


@admin.register(SavedQuery)
class SavedQueryAdmin(ProjectScopedAdmin):
    list_display = ["name", "project", "created_by"]


@admin.register(CodePin)
class CodePinAdmin(ProjectScopedAdmin):
    list_display = ["user", "project", "slot", "code"]
