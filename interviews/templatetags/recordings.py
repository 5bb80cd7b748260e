"""The recording's player in the coding page, and its panel on the source page."""

from __future__ import annotations

from django import template
from django.conf import settings
from django.middleware.csrf import get_token
from django.urls import reverse

from interviews.access import Perm
from interviews.recordings import services, sniff
from interviews.recordings.models import Recording

register = template.Library()


def _recording(source) -> Recording | None:
    # A page that read whether the source has one with the source (the coding page's
    # `has_recording`) asks no more when it has none.
    if source.__dict__.get("has_recording") is False:
        return None
    return Recording.objects.filter(source=source).first()


@register.inclusion_tag("interviews/recordings/_player.html", takes_context=True)
def recording_player(context, source, access) -> dict:
    """The player docked above the text, when the source has a recording."""
    recording = _recording(source)
    if recording is None:
        return {"recording": None}
    project_pk = access.project.pk
    line = services.timeline(source)
    can_sync = access.can(Perm.SYNC_RECORDINGS)
    data = {
        "src": reverse("interviews:recording_file", args=[project_pk, source.pk]),
        "kind": recording.kind,
        "duration": recording.duration,
        "length": line.length,
        "points": services.player_points(source, line),
        "canSync": can_sync,
        "canReportDuration": access.can(Perm.CODE),
        "csrfToken": get_token(context["request"]),
        "urls": {
            "sync": reverse("api:source_sync_points", args=[project_pk, source.pk]),
            "duration": reverse("api:recording_duration", args=[project_pk, source.pk]),
        },
    }
    return {"recording": recording, "player_data": data, "can_sync": can_sync}


@register.inclusion_tag("interviews/recordings/_panel.html", takes_context=True)
def recording_panel(context, source, access) -> dict:
    """The source page's recording: what it is, and attaching, replacing or removing it."""
    return {
        "recording": _recording(source),
        "source": source,
        "project": access.project,
        "can_attach": access.can(Perm.IMPORT),
        "accept": ",".join(sorted({t.extension for t in _ACCEPTED} | _MIME_TYPES)),
        "accepted_label": sniff.ACCEPTED_LABEL,
        "max_bytes": services.max_bytes(),
        "limit_label": services.limit_label(),
        "csrf_token": context.get("csrf_token"),
        "request": context.get("request"),
        "chunk": settings.PARLEY_MEDIA_CHUNK_BYTES,
    }


@register.inclusion_tag("interviews/recordings/_import_field.html")
def recording_import_field() -> dict:
    """The optional recording of a transcript being imported."""
    return {"recording_limit": {"bytes": services.max_bytes(), "label": services.limit_label()}}


_ACCEPTED = (sniff.MP3, sniff.M4A, sniff.WAV, sniff.OGG, sniff.OPUS, sniff.MP4, sniff.WEBM)
_MIME_TYPES = {"audio/*", "video/mp4", "video/webm"}
