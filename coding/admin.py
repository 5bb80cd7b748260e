from django.contrib import admin

from coding.models import Change, Code, CodePin, Coding, Memo, SavedQuery
from coding.suggestion_models import AutocodeRule, Suggestion, SuggestionModel
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


@admin.register(AutocodeRule)
class AutocodeRuleAdmin(ProjectScopedAdmin):
    list_display = ["name", "project", "code", "scope", "updated_at"]
    raw_id_fields = ["code", "sources"]


@admin.register(SuggestionModel)
class SuggestionModelAdmin(ProjectScopedAdmin):
    list_display = ["__str__", "project", "status", "seconds", "created_at"]
    exclude = ["data"]


@admin.register(Suggestion)
class SuggestionAdmin(ProjectScopedAdmin):
    list_display = ["code", "source", "start", "end", "origin_label", "score", "status"]
    list_filter = ["status", "origin"]
    raw_id_fields = ["source", "code", "rule", "model", "coding"]
