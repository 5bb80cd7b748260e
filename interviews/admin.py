from django.contrib import admin

from interviews.models import (
    Attribute,
    AttributeValue,
    Interviewee,
    Job,
    MemberSession,
    Membership,
    NamedEntity,
    Profile,
    Project,
    Role,
    Segment,
    Source,
    SourceCodePoints,
    SourcePiece,
)


class ProjectScopedAdmin(admin.ModelAdmin):
    """Staff who are not superusers see only objects of projects they belong to."""

    project_path = "project"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(
            **{f"{self.project_path}__memberships__user": request.user}
        ).distinct()


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0


@admin.register(Project)
class ProjectAdmin(ProjectScopedAdmin):
    project_path = ""
    list_display = ["name", "blinded_coding", "created_at"]
    search_fields = ["name"]
    inlines = [MembershipInline]

    def get_queryset(self, request):
        queryset = admin.ModelAdmin.get_queryset(self, request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(memberships__user=request.user).distinct()


@admin.register(Membership)
class MembershipAdmin(ProjectScopedAdmin):
    list_display = ["project", "user", "role"]
    list_filter = ["role"]


class AttributeValueInline(admin.TabularInline):
    model = AttributeValue
    extra = 0
    fk_name = "interviewee"


@admin.register(Interviewee)
class IntervieweeAdmin(ProjectScopedAdmin):
    list_display = ["pseudonym", "project", "country", "sector", "role"]
    list_filter = ["country", "sector"]
    search_fields = ["pseudonym", "organisation"]
    inlines = [AttributeValueInline]

    @staticmethod
    def sees_identities(request, obj) -> bool:
        if request.user.is_superuser:
            return True
        return obj is not None and obj.project.role_of(request.user) == Role.ADMIN

    def get_exclude(self, request, obj=None):
        if self.sees_identities(request, obj):
            return ()
        return (
            *Interviewee.IDENTITY_FIELDS,
            "consent_scope",
            "consent_form",
            "consent_form_name",
            "notes",
        )


@admin.register(Attribute)
class AttributeAdmin(ProjectScopedAdmin):
    list_display = ["name", "project", "type", "applies_to"]


@admin.register(AttributeValue)
class AttributeValueAdmin(ProjectScopedAdmin):
    project_path = "attribute__project"
    list_display = ["attribute", "interviewee", "source", "value"]


@admin.register(Source)
class SourceAdmin(ProjectScopedAdmin):
    list_display = ["title", "project", "kind", "language", "word_count", "created_at"]
    list_filter = ["kind", "language"]
    search_fields = ["title"]


@admin.register(SourceCodePoints)
class SourceCodePointsAdmin(ProjectScopedAdmin):
    """Derived from the source's text by `Source.save`: shown, never added or edited by hand."""

    project_path = "source__project"
    list_display = ["source", "length"]
    fields = ["source", "length"]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("utf32")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    # Deletion stays possible, so that a source (or project) can be deleted in the admin;
    # a deleted copy is rebuilt from the text when it is next needed.


@admin.register(SourcePiece)
class SourcePieceAdmin(ProjectScopedAdmin):
    """Laid out from the source's text and turns (`interviews.layout`): shown, never added or
    edited by hand; deleted pieces are laid out again when a page next asks for the text."""

    project_path = "source__project"
    list_display = ["source", "index", "start", "end"]
    fields = ["source", "index", "start", "end", "blocks"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Segment)
class SegmentAdmin(ProjectScopedAdmin):
    project_path = "source__project"
    list_display = ["source", "kind", "start", "end", "speaker"]
    list_filter = ["kind"]


@admin.register(Job)
class JobAdmin(ProjectScopedAdmin):
    list_display = ["title", "project", "user", "status", "done", "total", "created_at"]
    list_filter = ["status", "kind"]


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "guid", "selection_snap"]
    search_fields = ["user__username"]


@admin.register(MemberSession)
class MemberSessionAdmin(admin.ModelAdmin):
    """Who is signed in, until when; a superuser may end a session (sign its member out).
    The session's data (it holds the password's hash check) is not shown."""

    list_display = ["user", "expire_date"]
    fields = ["user", "expire_date"]
    readonly_fields = ["user", "expire_date"]
    search_fields = ["user__username"]
    ordering = ["-expire_date"]

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(NamedEntity)
class NamedEntityAdmin(ProjectScopedAdmin):
    project_path = "source__project"
    list_display = ["text", "label", "source", "start", "end"]
    list_filter = ["label"]


# Recordings register their own admin classes.
from interviews.deid import admin as deid_admin  # noqa: E402,F401  (registers its models)
from interviews.recordings import admin as recordings_admin  # noqa: E402, F401
