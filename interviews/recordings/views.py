"""Pages for recordings: attach, remove, play (range requests). Sync points and the duration
the browser measured go through the API (api/routers/sources.py)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST, require_safe

from interviews.access import Access, Perm, project_access
from interviews.models import Source
from interviews.recordings import services
from interviews.recordings.models import Recording
from interviews.recordings.serving import recording_response
from interviews.recordings.uploads import receives_recording


def _source(request: HttpRequest, pk: int, source_pk: int, perm: Perm) -> tuple[Access, Source]:
    """The source, through the one permission check: 404 to outsiders, 403 without `perm`."""
    access = project_access(request, pk, perm)
    return access, get_object_or_404(Source, pk=source_pk, project=access.project)


def _recording(source: Source) -> Recording:
    return get_object_or_404(Recording, source=source)


@receives_recording
@require_POST
def recording_attach(request: HttpRequest, pk: int, source_pk: int) -> HttpResponse:
    _access, source = _source(request, pk, source_pk, Perm.IMPORT)
    if "file" in request.FILES or request.recording_upload.too_large:
        attach_from_request(request, source, field="file")
    else:
        messages.error(request, "Choose an audio or video file to attach.")
    return redirect(source)


def attach_from_request(request: HttpRequest, source: Source, *, field: str) -> bool:
    """Attach the recording a form sent (through `receives_recording`) in `field`, saying
    what happened; False when there was none or it was refused."""
    upload = request.FILES.get(field)
    if request.recording_upload.too_large:
        messages.error(
            request, f"The recording is larger than the limit of {services.limit_label()}."
        )
        return False
    if upload is None:
        return False
    try:
        recording = services.recording_attach(
            source=source,
            path=upload.path,
            original_name=upload.name or "",
            user=request.user,
            browser_duration=_seconds(request.POST.get("duration")),
        )
    except services.MediaRefused as error:
        messages.error(request, f"“{upload.name}” was not attached: {error}")
        return False
    messages.success(
        request,
        f"{recording.get_kind_display()} “{recording.original_name}” attached "
        f"(length {recording.duration_label}).",
    )
    return True


def _seconds(raw) -> float | None:
    try:
        value = float(raw)
    except (TypeError, ValueError):
        return None
    return value if 0 <= value < 1e7 else None


@require_POST
def recording_remove(request: HttpRequest, pk: int, source_pk: int) -> HttpResponse:
    _access, source = _source(request, pk, source_pk, Perm.IMPORT)
    services.recording_remove(recording=_recording(source))
    messages.success(request, "Recording removed; the text and its codings are unchanged.")
    return redirect(source)


@require_safe
def recording_file(request: HttpRequest, pk: int, source_pk: int) -> HttpResponse:
    """The recording's bytes, for any member who may read the source."""
    _access, source = _source(request, pk, source_pk, Perm.VIEW)
    return recording_response(request, _recording(source))
