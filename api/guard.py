"""Who may see and change what through the API: the one place the API asks the pages' rules.

Every router gets its Access, its sources, codings, memos and interviewee fields from here:
the role check of `interviews.access` and the visibility rule of `interviews.visibility`
(blinded coding, withdrawn consent, identities), as the pages apply them.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404, HttpRequest

from coding import pieces, workspace_data
from coding.memos import memos_visible
from coding.models import Coding, Memo
from coding.suggestion_models import Suggestion
from interviews.access import Access, Perm, project_access
from interviews.jobs import job_followed
from interviews.models import Job, Source
from interviews.visibility import can_read_identities


def project(request: HttpRequest, pk: int, perm: Perm | None = None) -> Access:
    """The caller's access to a project: 404 to outsiders (and to a token not scoped to
    it), 403 without the permission the endpoint declared (or `perm`)."""
    token_scope_check(request, pk)
    return project_access(request, pk, perm or getattr(request, "api_perm", Perm.VIEW))


def token_scope_check(request: HttpRequest, pk: int) -> None:
    token = getattr(request, "api_token", None)
    if token is not None and token.project_ids and pk not in token.project_ids:
        raise Http404("No such project.")


def job(request: HttpRequest, guid) -> Job:
    """A job as its page shows it (its starter, and its project's members who may review),
    and only within a token's projects."""
    found = job_followed(request, guid)
    token = getattr(request, "api_token", None)
    if token is not None and token.project_ids and found.project_id not in token.project_ids:
        raise Http404("No such job.")
    return found


def projects_of(request: HttpRequest):
    from interviews.models import Project

    projects = Project.objects.for_user(request.user)
    token = getattr(request, "api_token", None)
    if token is not None and token.project_ids:
        projects = projects.filter(pk__in=token.project_ids)
    return projects


def project_source(request: HttpRequest, pk: int, source_pk: int) -> tuple[Access, Source]:
    """The caller's access to a project and one of its sources they may see, without its
    text (404 otherwise), asked together and read as the coding page reads them
    (`coding.workspace_data.page_opening`)."""
    access, found = workspace_data.page_opening(
        request.user, pk, source_pk, lambda: project(request, pk)
    )
    if found is None:
        raise Http404("No such source.")
    return access, found


def codings_on_page(access: Access) -> QuerySet[Coding]:
    """What the coding page shows of a source: every coding, or one's own when blinded."""
    return Coding.objects.visible_to(access)


def sources(access: Access) -> QuerySet[Source]:
    return Source.objects.visible_to(access)


def codings_for_analysis(access: Access) -> QuerySet[Coding]:
    """What retrieval, reports and exports read: the codings the member may see, without
    the words of interviewees who withdrew consent."""
    return Coding.objects.for_analysis(access)


def only_coder(access: Access):
    """The one coder whose codings a report may show (blinded projects), or None."""
    return None if access.sees_all_codings else access.user


def memos(access: Access) -> QuerySet[Memo]:
    return memos_visible(access)


def suggestions(access: Access) -> QuerySet[Suggestion]:
    """The pending suggestions the member may review; none for members who may not code."""
    found = Suggestion.objects.visible_to(access)
    return found if access.can(Perm.CODE) else found.none()


def sees_identities(access: Access) -> bool:
    return can_read_identities(access)


def source_text(access: Access, source: Source) -> str:
    """The text of a source as the member may read it."""
    return Source.objects.values_list("text", flat=True).get(pk=source.pk)


def source_length(access: Access, source: Source) -> int:
    """The length of that text in code points, read without the text."""
    return pieces.source_length(source)


def source_pieces(
    access: Access, source: Source, start: int, end: int, *, outline: bool = False
) -> pieces.Pieces:
    """Pieces of that text (`coding.pieces`): the stored text, which every member may read
    (a de-identified text is stored de-identified)."""
    return pieces.source_pieces(source, start, end, outline=outline)
