"""An interviewee's consent form: uploaded, replaced, removed and read by admins only."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from interviews.access import Perm, project_access
from interviews.consent import consent_form_attach, consent_form_content_type, consent_form_remove
from interviews.models import Interviewee


def _interviewee(request: HttpRequest, pk: int, interviewee_pk: int, perm: Perm) -> Interviewee:
    access = project_access(request, pk, perm)
    return get_object_or_404(Interviewee, pk=interviewee_pk, project=access.project)


def consent_form(request: HttpRequest, pk: int, interviewee_pk: int) -> HttpResponse:
    """GET: the stored form, as a download. POST: store an uploaded form in its place."""
    if request.method == "POST":
        interviewee = _interviewee(request, pk, interviewee_pk, Perm.MANAGE_INTERVIEWEES)
        upload = request.FILES.get("consent_form")
        if upload is None:
            messages.error(request, "Choose the consent form to upload (PDF, PNG or JPEG).")
        else:
            try:
                consent_form_attach(interviewee=interviewee, upload=upload)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, f"Consent form of {interviewee.pseudonym} stored.")
        return redirect(interviewee)
    interviewee = _interviewee(request, pk, interviewee_pk, Perm.SEE_IDENTITIES)
    if not interviewee.consent_form:
        raise Http404("No consent form is stored for this interviewee.")
    try:
        handle = interviewee.consent_form.open("rb")
    except FileNotFoundError:
        raise Http404("The consent form's file is missing from the server.") from None
    suffix = interviewee.consent_form.name.rsplit(".", 1)[-1]
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=f"consent-form-{interviewee.pseudonym}.{suffix}",
        content_type=consent_form_content_type(interviewee),
    )
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
def consent_form_delete(request: HttpRequest, pk: int, interviewee_pk: int) -> HttpResponse:
    interviewee = _interviewee(request, pk, interviewee_pk, Perm.MANAGE_INTERVIEWEES)
    consent_form_remove(interviewee=interviewee)
    messages.success(request, f"Consent form of {interviewee.pseudonym} removed.")
    return redirect(interviewee)
