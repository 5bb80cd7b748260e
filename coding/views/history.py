"""The history page: changes to codes and codings, and restoring what a change removed."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from coding import restore
from coding.models import Change, Code
from coding.views.codebook import _error_text, _number
from interviews.access import Perm, project_access
from interviews.models import Source


def history(request: HttpRequest, pk: int) -> HttpResponse:
    """Changes to codes and codings, newest first; per code (?code=) or per source (?source=)."""
    access = project_access(request, pk)
    changes = Change.objects.filter(project=access.project).select_related("user", "source")
    heading = "History"
    code = source = None
    if request.GET.get("code"):
        code = Code.objects.filter(project=access.project, pk=_number(request.GET["code"])).first()
        if code is None:
            messages.error(request, "There is no such code in this project.")
        else:
            changes = changes.filter(
                Q(object_guid=code.guid)
                | Q(before__code=str(code.guid))
                | Q(after__code=str(code.guid))
            )
            heading = f"History of “{code.full_path}”"
    if request.GET.get("source"):
        # Its title, not its text (megabytes for a long transcript).
        source = (
            Source.objects.filter(project=access.project, pk=_number(request.GET["source"]))
            .only("title")
            .first()
        )
        if source is None:
            messages.error(request, "There is no such source in this project.")
        else:
            changes = changes.filter(source=source)
            heading = f"History of “{source.title}”"
    if request.GET.get("deleted"):
        changes = changes.filter(action="delete")
    changes = changes.visible_to(access)
    page = Paginator(changes, 50).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    can_restore = access.can(Perm.MANAGE_CODEBOOK)
    restorable = restore.restorable_ids(page.object_list) if can_restore else set()
    rows = [(c, c.pk in restorable) for c in page]
    return render(
        request,
        "coding/history.html",
        {
            "access": access,
            "project": access.project,
            "page": page,
            "rows": rows,
            "heading": heading,
            "code": code,
            "source": source,
            "query_string": params.urlencode(),
        },
    )


@require_POST
def change_restore(request: HttpRequest, pk: int, change_pk: int) -> HttpResponse:
    access = project_access(request, pk, Perm.MANAGE_CODEBOOK)
    change = get_object_or_404(Change, pk=change_pk, project=access.project)
    try:
        if change.object_type == "code":
            code, codings = restore.code_restore(change=change, user=request.user)
            message = f"Restored the code “{code.full_path}”"
            if codings:
                message += f" and {codings} coding{'s' if codings != 1 else ''} deleted with it"
            messages.success(request, message + ".")
        else:
            coding = restore.coding_restore(change=change, user=request.user)
            messages.success(
                request, f"Restored the coding of “{coding.code.full_path}” in {coding.source}."
            )
    except ValidationError as error:
        messages.error(request, _error_text(error))
    return redirect("coding:history", pk)
