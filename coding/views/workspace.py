from __future__ import annotations

import json

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import router
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from coding import workspace_data
from coding.pieces import first_view, pieces_answer
from interviews.access import Perm, project_access
from interviews.compiled import sent_together
from interviews.models import Source
from interviews.reversing import reverse


def workspace(request: HttpRequest, pk: int, source_pk: int) -> HttpResponse:
    """The coding page: the text with its codings, the codebook, and the tools to code.

    Every member may open it, so that links to a passage work for all; members who may not
    code (viewers) get it read-only: no tools to code, and the API refuses their writes.
    """
    # The project with the member's role and the source are asked at once (on PostgreSQL one
    # round trip). The whole text is not read here: the page carries the first piece of it,
    # as the pieces API answers for the start of the text (api/routers/text.py), and fetches
    # the others as it scrolls, so that a long transcript opens as fast as a short one. It
    # carries the codings as the API lists them too: opening the page is one request.
    access, source = workspace_data.page_opening(
        request.user, pk, source_pk, lambda: project_access(request, pk, Perm.VIEW)
    )
    if source is None:
        raise Http404("No such source.")
    can_code = access.can(Perm.CODE)
    # What follows asks its independent queries first, all at once.
    queries = workspace_data.page_queries(access, source, can_code=can_code)
    with sent_together(router.db_for_read(Source), queries):
        first = {
            "pieces": pieces_answer(source, first_view(source)),
            "codings": workspace_data.source_codings_json(source, access),
        }
        codes = workspace_data.codebook_rows(access)
        pins = workspace_data.pins_json(access, codes) if can_code else []
        recent = workspace_data.recent_code_ids(access) if can_code else []
    # One token for the page's script and its forms (`{% csrf_token %}` reads the context's):
    # each `get_token` masks the secret anew.
    csrf_token = get_token(request)
    data = {
        "source": {
            "id": source.pk,
            "length": first["pieces"]["length"],
            "language": source.language,
        },
        "user": request.user.get_username(),
        "canCode": can_code,
        "canReview": access.can(Perm.REVIEW),
        "canCreateCodes": access.can(Perm.MANAGE_CODEBOOK),
        "seesAll": access.sees_all_codings,
        "snap": source.selection_snap,
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
        "cursor": first["codings"]["cursor"],
        "first": first,
        "pins": pins,
        "recent": recent,
        "csrfToken": csrf_token,
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
            "workspace_script": _json_script(data, "workspace-data"),
            "csrf_token": csrf_token,
        },
    )


def _json_script(value, element_id: str) -> str:
    """What Django's `json_script` writes of `value`, byte for byte, faster for the coding
    page's data (1 MiB with 2,000 codings): plain data that cannot refer to itself, so its
    encoding skips the check for circular references, and the three characters HTML would
    read are replaced by one `str.replace` each rather than by `str.translate`."""
    text = json.dumps(value, cls=DjangoJSONEncoder, check_circular=False)
    text = text.replace(">", "\\u003E").replace("<", "\\u003C").replace("&", "\\u0026")
    return format_html(
        '<script id="{}" type="application/json">{}</script>', element_id, mark_safe(text)
    )
