from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe

from coding import workspace_data
from coding.models import Code, Coding
from coding.turn_labels import label_length, speaker_names
from interviews.access import Perm, project_access
from interviews.models import SegmentKind, Source, profile_for
from interviews.reading import reading_blocks


def _gaps(text: str, blocks) -> list[list]:
    """The text between reading blocks, so the page can rebuild the whole text exactly."""
    gaps, position = [], 0
    for block in blocks:
        if block.start > position:
            gaps.append([position, text[position : block.start]])
        position = block.end
    if position < len(text):
        gaps.append([position, text[position:]])
    return gaps


def _recent_code_ids(access, limit: int = 5) -> list[int]:
    recent: list[int] = []
    rows = (
        Coding.objects.filter(coder=access.user, source__project=access.project)
        .order_by("-modified_at")
        .values_list("code_id", flat=True)[:200]
    )
    for code_id in rows:
        if code_id not in recent:
            recent.append(code_id)
        if len(recent) == limit:
            break
    return recent


def _exact_html(text: str) -> str:
    """Escaped text whose carriage returns survive HTML parsing, so DOM offsets stay exact."""
    return escape(text).replace("\r", "&#13;")


def blocks_html(blocks, names: dict[str, str] | None = None) -> str:
    """The reading blocks as the workspace's focusable sections (one join, not a template
    loop: a two-hour interview has hundreds of turns).

    Each turn shows who speaks beside it (`names` maps a raw label to the pseudonym or
    "Interviewer" it is mapped to) and carries `data-body-start`: where its words begin
    after a leading "Speaker 2:" label, so coding a whole turn codes the answer only.
    """
    names = names or {}
    parts = []
    for number, block in enumerate(blocks, start=1):
        if block.speaker:
            who = names.get(block.speaker) or block.speaker
            label = f"Turn of {who}"
            stamp = (
                f'<span class="ws-stamp font-monospace">{block.timestamp_label}</span>'
                if block.timestamp_label
                else ""
            )
            head = f'<div class="ws-speaker" aria-hidden="true">{escape(who)}{stamp}</div>'
        else:
            label, head = f"Paragraph {number}", '<div class="ws-speaker" aria-hidden="true"></div>'
        body = block.start + label_length(block.text, block.speaker)
        parts.append(
            f'<section class="ws-block" tabindex="0" data-start="{block.start}" '
            f'data-end="{block.end}" data-body-start="{body}" aria-label="{escape(label)}">'
            f'{head}<div class="ws-text">{_exact_html(block.text)}</div>'
            '<div class="ws-margin" role="group" aria-label="Codings in this passage"></div>'
            "</section>"
        )
    return mark_safe("\n".join(parts))


def workspace(request: HttpRequest, pk: int, source_pk: int) -> HttpResponse:
    """The coding page: the text with its codings, the codebook, and the tools to code.

    Every member may open it, so that links to a passage work for all; members who may not
    code (viewers) get it read-only: no tools to code, and the API refuses their writes.
    """
    access = project_access(request, pk, Perm.VIEW)
    can_code = access.can(Perm.CODE)
    source = get_object_or_404(Source.objects.visible_to(access), pk=source_pk)
    segments = list(
        source.segments.filter(kind__in=[SegmentKind.TURN, SegmentKind.SENTENCE])
        .order_by("start")
        .values_list("kind", "start", "end", "speaker", "timestamp")
    )
    names = speaker_names(source)
    turns = [
        _Turn(start, end, speaker, timestamp)
        for kind, start, end, speaker, timestamp in segments
        if kind == SegmentKind.TURN
    ]
    blocks = reading_blocks(source.text, turns)
    codes = Code.objects.filter(project=access.project).tree_order()
    cursor = workspace_data.change_cursor(source)
    data = {
        "source": {"id": source.pk, "length": len(source.text), "language": source.language},
        "user": request.user.get_username(),
        "canCode": can_code,
        "canReview": access.can(Perm.REVIEW),
        "canCreateCodes": access.can(Perm.MANAGE_CODEBOOK),
        "seesAll": access.sees_all_codings,
        "snap": profile_for(request.user).selection_snap,
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
        "codings": workspace_data.codings_for_page(source, access, with_times=False),
        "cursor": cursor,
        "pins": workspace_data.pins_json(access) if can_code else [],
        "recent": _recent_code_ids(access) if can_code else [],
        "sentences": [[s, e] for kind, s, e, _sp, _t in segments if kind == SegmentKind.SENTENCE],
        "gaps": _gaps(source.text, blocks),
        "csrfToken": get_token(request),
        "pollSeconds": getattr(settings, "PARLEY_POLL_SECONDS", 3),
        "urls": {
            # The public API (api/): this source's codings, any one coding, the number keys.
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
            "blocks_html": blocks_html(blocks, names),
            "workspace_data": data,
        },
    )


class _Turn:
    __slots__ = ("start", "end", "speaker", "timestamp")

    def __init__(self, start: int, end: int, speaker: str, timestamp: float | None) -> None:
        self.start, self.end, self.speaker, self.timestamp = start, end, speaker, timestamp
