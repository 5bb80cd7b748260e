from __future__ import annotations

from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from coding.models import Code
from interviews.access import Perm, project_access


def codebook(request: HttpRequest, pk: int) -> HttpResponse:
    access = project_access(request, pk)
    own = None if access.sees_all_codings else Q(codings__coder=access.user)
    codes = Code.objects.filter(project=access.project).annotate(
        coding_count=Count("codings", filter=own)
    )
    return render(
        request,
        "coding/codebook.html",
        {"access": access, "project": access.project, "codes": codes.tree_order()},
    )


def workspace(request: HttpRequest, pk: int, source_pk: int) -> HttpResponse:
    from django.shortcuts import redirect

    project_access(request, pk, Perm.CODE)
    return redirect("interviews:source_detail", pk, source_pk)
