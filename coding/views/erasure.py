"""Erase an interviewee: a page that shows what will go, then the erasure itself."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from coding.erasure import erasure_plan, interviewee_erase
from interviews.access import Perm, project_access
from interviews.models import Interviewee


def interviewee_erase_view(request: HttpRequest, pk: int, interviewee_pk: int) -> HttpResponse:
    access = project_access(request, pk, Perm.MANAGE_INTERVIEWEES)
    interviewee = get_object_or_404(Interviewee, pk=interviewee_pk, project=access.project)
    if request.method == "POST":
        if request.POST.get("confirm") != interviewee.pseudonym:
            messages.error(request, f"Type {interviewee.pseudonym} to confirm; nothing was erased.")
            return redirect("coding:interviewee_erase", pk, interviewee_pk)
        pseudonym = interviewee.pseudonym
        interviewee_erase(interviewee=interviewee, user=request.user)
        messages.success(request, f"{pseudonym} and everything of theirs has been erased.")
        return redirect("interviews:interviewee_list", pk)
    return render(
        request,
        "coding/interviewee_erase.html",
        {"access": access, "project": access.project, "plan": erasure_plan(interviewee)},
    )
