from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from coding import workspace_data
from coding.models import Code, Coding
from interviews.access import Perm, project_access
from interviews.models import Source, SourceCodePoints, profile_for


def _recent_code_ids(access, limit: int = 5) -> list[int]:
    recent: list[int] = []
    rows = (
        Coding.objects.filter(coder=access.user, source__project=access.project)
        .order_by("-modified_at")
        .values_list("code_id", flat=True)[:200]
    )
    for code_id in rows:
        if code_id not in recent:
            recent.append(code_id)
        if len(recent) == limit:
            break
    return recent


def workspace(request: HttpRequest, pk: int, source_pk: int) -> HttpResponse:
    """The coding page: the text with its codings, the codebook, and the tools to code.

    Every member may open it, so that links to a passage work for all; members who may not
    code (viewers) get it read-only: no tools to code, and the API refuses their writes.
    """
    access = project_access(request, pk, Perm.VIEW)
    can_code = access.can(Perm.CODE)
    # The text is not read here: the page fetches it in pieces (api/routers/text.py), so
    # that a long transcript opens as fast as a short one.
    source = get_object_or_404(Source.objects.visible_to(access).defer("text"), pk=source_pk)
    length = SourceCodePoints.lengths([source.pk])[source.pk]
    codes = Code.objects.filter(project=access.project).tree_order()
    cursor = workspace_data.change_cursor(source)
    data = {
        "source": {"id": source.pk, "length": length, "language": source.language},
        "user": request.user.get_username(),
        "canCode": can_code,
        "canReview": access.can(Perm.REVIEW),
        "canCreateCodes": access.can(Perm.MANAGE_CODEBOOK),
        "seesAll": access.sees_all_codings,
        "snap": profile_for(request.user).selection_snap,
        "codes": [
            {
                "id": c.pk,
                "name": c.name,
                "path": c.path,
                "parent": c.parent_id,
                "depth": c.depth,
                "colour": c.colour,
                "codable": c.is_codable,
            }
            for c in codes
        ],
        "cursor": cursor,
        "pins": workspace_data.pins_json(access) if can_code else [],
        "recent": _recent_code_ids(access) if can_code else [],
        "csrfToken": get_token(request),
        "pollSeconds": getattr(settings, "PARLEY_POLL_SECONDS", 3),
        "urls": {
            # The public API (api/): this source's text in pieces and its codings, any one
            # coding, the number keys.
            "pieces": reverse("api:source_pieces", args=[access.project.pk, source.pk]),
            "codings": reverse("api:source_codings", args=[access.project.pk, source.pk]),
            "coding": reverse("api:codings", args=[access.project.pk]),
            "pins": reverse("api:pins", args=[access.project.pk]),
            "codes": reverse("api:codes", args=[access.project.pk]),
        },
    }
    return render(
        request,
        "coding/workspace.html",
        {
            "access": access,
            "can_code": can_code,
            "can_create_codes": can_code and access.can(Perm.MANAGE_CODEBOOK),
            "project": access.project,
            "source": source,
            "workspace_data": data,
        },
    )
