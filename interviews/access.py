"""The one permission check every view and export goes through.

`project_access(request, project_pk, Perm.X)` returns the project and the user's role in
it. Outsiders get 404 (a project they are not in does not exist for them); members whose
role lacks the permission get 403.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, Subquery
from django.http import Http404, HttpRequest

from interviews.models import Membership, Project, Role


class Perm(StrEnum):
    VIEW = "view"  # read sources, codebook, reports
    CODE = "code"  # create, edit and delete one's own codings and memos
    IMPORT = "import"  # add and edit sources
    MANAGE_CODEBOOK = "manage_codebook"  # create, rename, move, merge, delete codes
    REVIEW = "review"  # see every coder's work, agreement, resolve disagreements
    EDIT_REPORTS = "edit_reports"  # save report definitions, write matrix summaries
    MANAGE_ATTRIBUTES = "manage_attributes"
    MANAGE_INTERVIEWEES = "manage_interviewees"
    SEE_IDENTITIES = "see_identities"  # real names, contact, consent details
    MANAGE_MEMBERS = "manage_members"
    EDIT_PROJECT = "edit_project"
    DELETE_SOURCES = "delete_sources"


_VIEWER = {Perm.VIEW}
_CODER = _VIEWER | {Perm.CODE, Perm.IMPORT}
_LEAD = _CODER | {Perm.MANAGE_CODEBOOK, Perm.REVIEW, Perm.EDIT_REPORTS, Perm.MANAGE_ATTRIBUTES}
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
    if not user.is_authenticated:
        return None
    # Unordered: the default ordering would join the project and user tables again.
    membership = Membership.objects.filter(project_id=OuterRef("pk"), user=user).order_by()
    found = (
        Project.objects.filter(pk=project_pk)
        .annotate(member_role=Subquery(membership.values("role")[:1]))
        .order_by()  # one row by its key
    )[:1]
    return found[0] if found else None


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
