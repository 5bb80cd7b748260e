"""Merging an attribute that duplicates a built-in interviewee field into that field."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from interviews.access import Perm, project_access
from interviews.builtin_fields import attribute_merge_into_field as merge
from interviews.builtin_fields import field_merge_plan
from interviews.models import Attribute


def attribute_merge_into_field(request: HttpRequest, pk: int, attribute_pk: int) -> HttpResponse:
    """Show what merging would copy and keep; merge on a confirming POST."""
    access = project_access(request, pk, Perm.MANAGE_ATTRIBUTES)
    attribute = get_object_or_404(Attribute, pk=attribute_pk, project=access.project)
    try:
        plan = field_merge_plan(attribute)
        if request.method == "POST":
            done = merge(attribute=attribute)
            messages.success(
                request,
                f"“{attribute.name}” merged into the built-in {done.label} field: "
                f"{len(done.copied)} value{'s' if len(done.copied) != 1 else ''} copied, "
                f"{len(done.kept)} kept as the field had them.",
            )
            return redirect("interviews:attribute_list", pk)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("interviews:attribute_list", pk)
    return render(
        request,
        "interviews/attribute_merge.html",
        {"access": access, "project": access.project, "attribute": attribute, "plan": plan},
    )
