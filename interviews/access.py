"""The one permission check every view and export goes through.

`project_access(request, project_pk, Perm.X)` returns the project and the user's role in
it. Outsiders get 404 (a project they are not in does not exist for them); members whose
role lacks the permission get 403.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.core.exceptions import PermissionDenied
from django.db import router
from django.db.models import OuterRef, Subquery
from django.http import Http404, HttpRequest

from interviews.compiled import Compiled, keys_fit
from interviews.models import Membership, Project, Role


class Perm(StrEnum):
    VIEW = "view"  # read sources, codebook, reports
    CODE = "code"  # create, edit and delete one's own codings and memos
    IMPORT = "import"  # add and edit sources
    MANAGE_CODEBOOK = "manage_codebook"  # create, rename, move, merge, delete codes
    REVIEW = "review"  # see every coder's work, agreement, resolve disagreements
    READ_AGREEMENT = "read_agreement"  # read the agreement figures and disagreements
    EDIT_REPORTS = "edit_reports"  # save report definitions, write matrix summaries
    MANAGE_ATTRIBUTES = "manage_attributes"
    MANAGE_INTERVIEWEES = "manage_interviewees"
    SEE_IDENTITIES = "see_identities"  # real names, contact, consent details
    MANAGE_MEMBERS = "manage_members"
    EDIT_PROJECT = "edit_project"
    DELETE_SOURCES = "delete_sources"
    SYNC_RECORDINGS = "sync_recordings"  # add and move the sync points of a recording


# Viewers read the agreement page (reviewers of a paper ask for it); coders do not, so that
# they code without comparing themselves with their colleagues.
_VIEWER = {Perm.VIEW, Perm.READ_AGREEMENT}
_CODER = {Perm.VIEW, Perm.CODE, Perm.IMPORT}
_LEAD = _CODER | {
    Perm.MANAGE_CODEBOOK,
    Perm.REVIEW,
    Perm.READ_AGREEMENT,
    Perm.EDIT_REPORTS,
    Perm.MANAGE_ATTRIBUTES,
    Perm.SYNC_RECORDINGS,
}
_ADMIN = set(Perm)

ROLE_PERMS: dict[str, frozenset[Perm]] = {
    Role.VIEWER: frozenset(_VIEWER),
    Role.CODER: frozenset(_CODER),
    Role.LEAD: frozenset(_LEAD),
    Role.ADMIN: frozenset(_ADMIN),
}


@dataclass(frozen=True)
class Access:
    project: Project
    role: str
    user: object

    def can(self, perm: Perm | str) -> bool:
        return Perm(perm) in ROLE_PERMS[self.role]

    @property
    def role_label(self) -> str:
        return Role(self.role).label

    @property
    def perms(self) -> frozenset[Perm]:
        return ROLE_PERMS[self.role]

    def may_edit_source(self, source) -> bool:
        """A source's details and speaker mapping: its importer, leads and admins."""
        return self.can(Perm.REVIEW) or (
            self.can(Perm.IMPORT) and source.created_by_id == self.user.pk
        )

    def require_source_editor(self, source) -> None:
        if not self.may_edit_source(source):
            raise PermissionDenied(
                "Only whoever imported this source, leads and admins change its details "
                "and speakers."
            )

    @property
    def sees_identities(self) -> bool:
        return self.can(Perm.SEE_IDENTITIES)

    @property
    def sees_all_codings(self) -> bool:
        """False for coders and viewers of a blinded project: they see their own only."""
        return not self.project.blinded_coding or self.can(Perm.REVIEW)


def access_for(user, project: Project) -> Access | None:
    role = project.role_of(user)
    return Access(project=project, role=role, user=user) if role else None


def project_access(request: HttpRequest, project_pk: int, perm: Perm = Perm.VIEW) -> Access:
    """The caller's access to a project: 404 to outsiders, 403 without `perm`.

    One query reads the project and the caller's role together: every request pays for it.
    """
    project = project_with_role(request.user, project_pk)
    return grant(request.user, project, getattr(project, "member_role", None), perm)


def project_with_role(user, project_pk: int) -> Project | None:
    """The project with the user's membership role (`member_role`, None for outsiders),
    read by one query; None when there is no such project or the user is anonymous."""
    # Every request of a project's pages asks it: the ORM's query, compiled once
    # (`interviews.compiled`).
    asked = project_with_role_query(user, project_pk)
    if not asked:
        return None
    [(query, values)] = asked
    using = router.db_for_read(Project)
    row = query.row(using, **values)
    if row is None:
        return None
    project = Project.from_db(using, _PROJECT_FIELDS, row[1:])
    project.member_role = row[0]
    return project


_PROJECT_FIELDS = tuple(f.attname for f in Project._meta.concrete_fields)


def _project_with_role_query(*, user, project):
    rows = Project.objects.filter(pk=project).order_by()  # one row by its key
    rows = rows.annotate(member_role=member_role(user, OuterRef("pk")))
    return rows.values_list("member_role", *_PROJECT_FIELDS)[:1]


_PROJECT_WITH_ROLE = Compiled(_project_with_role_query, ("user", "project"))


def project_with_role_query(user, project_pk: int) -> list[tuple[Compiled, dict]]:
    """The query `project_with_role` runs, with its values (also for
    `interviews.compiled.sent_together`); none for an anonymous user or a key no project
    can have."""
    if not user.is_authenticated or not keys_fit(project_pk):
        return []
    return [(_PROJECT_WITH_ROLE, {"user": user.pk, "project": project_pk})]


def member_role(user, project: OuterRef) -> Subquery:
    """The user's membership role in the outer query's `project` (None for outsiders),
    to annotate a query that reads the project's rows."""
    # Unordered: the default ordering would join the project and user tables again.
    membership = Membership.objects.filter(project_id=project, user=user).order_by()
    return Subquery(membership.values("role")[:1])


def grant(user, project: Project | None, member_role: str | None, perm: Perm) -> Access:
    """The rule of `project_access`, for a project and membership role read by the caller
    (a hot path may read them with other rows in one query)."""
    access = None
    if project is not None and user.is_authenticated:
        role = Role.ADMIN if user.is_superuser else member_role
        if role:
            access = Access(project=project, role=role, user=user)
    if access is None:
        raise Http404("No such project.")
    if not access.can(perm):
        raise PermissionDenied(
            f"Your role in this project ({Role(access.role).label}) does not allow this."
        )
    return access
