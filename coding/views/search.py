"""The full-text search page."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from coding.search import search_run
from interviews.access import project_access
from interviews.models import Source
from interviews.visibility import exclusion_note


def search(request: HttpRequest, pk: int) -> HttpResponse:
    access = project_access(request, pk)
    project = access.project
    q = request.GET.get("q", "")
    context = {"access": access, "project": project, "q": q, "excluded": exclusion_note(project)}
    if q:
        try:
            page_number = max(1, int(request.GET.get("page", 1)))
        except ValueError:
            page_number = 1
        per_page = 20
        try:
            result = search_run(
                project=project,
                query=q,
                # The words of interviewees who withdrew consent are not searched.
                source_ids=Source.objects.visible_to(access, analysis=True).values_list(
                    "pk", flat=True
                ),
                offset=(page_number - 1) * per_page,
                limit=per_page,
            )
        except ValidationError as error:
            context["error"] = " ".join(error.messages)
        else:
            pages = max(1, -(-result.source_count // per_page))
            context.update(
                result=result,
                page_number=page_number,
                pages=pages,
                next_page=page_number + 1 if page_number < pages else None,
                prev_page=page_number - 1 if page_number > 1 else None,
            )
    return render(request, "coding/search.html", context)
