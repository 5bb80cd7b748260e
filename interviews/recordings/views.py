"""Pages and calls for recordings: attach, remove, play (range requests), sync points."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST, require_safe

from interviews.access import Access, Perm, project_access
from interviews.models import Source
from interviews.recordings import services
from interviews.recordings.models import Recording, SyncPoint
from interviews.recordings.serving import recording_response
from interviews.recordings.sync import RANK_MANUAL
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


def _json_body(request: HttpRequest) -> dict:
    try:
        data = json.loads(request.body or b"{}")
    except ValueError:
        raise ValidationError("The request is not JSON.") from None
    if not isinstance(data, dict):
        raise ValidationError("The request is not a JSON object.")
    return data


def _points_json(source: Source) -> JsonResponse:
    return JsonResponse({"points": player_points(source)})


def player_points(source: Source, line: services.Timeline | None = None) -> list[dict]:
    """The sync points in force (turn times, cues, set by hand), for the player."""
    stored = {p.position: p for p in SyncPoint.objects.filter(source=source)}
    line = line or services.timeline(source)
    return [
        {
            "position": p.position,
            "time": p.time,
            "id": stored[p.position].pk if p.position in stored else None,
            "manual": p.rank == RANK_MANUAL,
        }
        for p in line.points
    ]


@require_POST
def sync_point_save(request: HttpRequest, pk: int, source_pk: int) -> JsonResponse:
    """Tie a position of the text to a time: {"position": code points, "time": seconds}."""
    _access, source = _source(request, pk, source_pk, Perm.SYNC_RECORDINGS)
    try:
        data = _json_body(request)
        position, time = data.get("position"), data.get("time")
        if not isinstance(position, int) or isinstance(position, bool):
            raise ValidationError("A position must be a whole number of characters.")
        if not isinstance(time, int | float) or isinstance(time, bool):
            raise ValidationError("A time must be a number of seconds.")
        services.sync_point_set(
            source=source, position=position, time=float(time), user=request.user
        )
    except ValidationError as error:
        return JsonResponse({"error": " ".join(error.messages)}, status=400)
    return _points_json(source)


@require_POST
def sync_point_delete(request: HttpRequest, pk: int, source_pk: int, point_pk: int) -> JsonResponse:
    _access, source = _source(request, pk, source_pk, Perm.SYNC_RECORDINGS)
    point = get_object_or_404(SyncPoint, pk=point_pk, source=source)
    services.sync_point_delete(point=point)
    return _points_json(source)


@require_POST
def recording_duration(request: HttpRequest, pk: int, source_pk: int) -> JsonResponse:
    """The duration the browser measured, kept when ffprobe could not read one."""
    _access, source = _source(request, pk, source_pk, Perm.CODE)
    recording = _recording(source)
    try:
        seconds = _json_body(request).get("duration")
        if not isinstance(seconds, int | float) or isinstance(seconds, bool):
            raise ValidationError("A duration must be a number of seconds.")
        kept = services.recording_duration_report(recording=recording, seconds=float(seconds))
    except ValidationError as error:
        return JsonResponse({"error": " ".join(error.messages)}, status=400)
    return JsonResponse({"duration": recording.duration, "kept": kept})
