"""Changing a source's text as a revision: everything anchored to it follows its words.

`source_revise` is the one way a source's text changes once it may have codings: applying
de-identification and correcting words both go through it. It keeps the text before the
change, moves this app's anchored rows (segments, named entities, identifying spans, the
recording's sync points), and
sends `source_revised` so that apps above this one move theirs (the codings, in `coding`)
inside the same transaction; a receiver that cannot move its rows raises ValidationError
and nothing changes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.dispatch import Signal

from interviews.deid.edits import Edit, EditError, SpanMap, apply_edits, diff_edits, normalised
from interviews.deid.models import IdentifyingSpan, RevisionKind, SourceRevision, SpanStatus
from interviews.importers.base import normalise
from interviews.models import NamedEntity, Segment, SegmentKind, Source, count_words
from interviews.recordings.models import SyncPoint

# Sent inside the revision's transaction: sender=Source, source, revision, span_map, user.
# Receivers return how many of their rows moved.
source_revised = Signal()


def _overlaps(start: int, end: int, edit: Edit) -> bool:
    if edit.start == edit.end:
        return start < edit.start < end
    return start < edit.end and edit.start < end


def _touching(rows: Sequence, edits: Sequence[Edit]) -> dict[int, Edit]:
    """The rows (with .start, .end) that an edit overlaps, with the first such edit."""
    touched: dict[int, Edit] = {}
    for row in rows:
        for edit in edits:
            if _overlaps(row.start, row.end, edit):
                touched[row.pk] = edit
                break
    return touched


@transaction.atomic
def source_revise(
    *,
    source: Source,
    edits: Iterable[Edit | Sequence],
    kind: str,
    user,
    note: str = "",
    title: str | None = None,
) -> SourceRevision:
    """Apply edits (positions in today's text) to a source's text as a new revision."""
    source = Source.objects.select_for_update().get(pk=source.pk)
    old = source.text
    try:
        edits = normalised(edits, len(old))
    except EditError as error:
        raise ValidationError(str(error)) from None
    new = apply_edits(old, edits)
    mapping = SpanMap(edits)

    # Placeholders of an earlier de-identification: replaced whole or left alone.
    applied = list(source.identifying_spans.filter(status=SpanStatus.APPLIED))
    for span in applied:
        for edit in edits:
            whole = edit.start <= span.start and span.end <= edit.end
            if _overlaps(span.start, span.end, edit) and not whole:
                raise ValidationError(
                    f"The change at position {edit.start} cuts into the placeholder "
                    f"“{old[span.start : span.end]}”: change all of it or none of it."
                )

    number = (source.revisions.aggregate(n=Max("number"))["n"] or 0) + 1
    revision = SourceRevision.objects.create(
        source=source,
        number=number,
        kind=kind,
        text_before=old,
        title_before=source.title,
        edits=[e.as_list() for e in edits],
        note=note[:300],
        user=user,
    )
    sentences_gone = _move_segments(source, edits, mapping)
    _move_entities(source, edits, mapping)
    _move_identifying_spans(source, edits, mapping, kind)
    _move_sync_points(source, edits, mapping)

    fields = {
        "text": new,
        "word_count": count_words(new),
        "sentence_count": source.sentence_count - sentences_gone,
    }
    if title is not None:
        fields["title"] = title[:300]
    Source.objects.filter(pk=source.pk).update(**fields)
    for name, value in fields.items():
        setattr(source, name, value)
    source._loaded_text = new
    source.text_derived_refresh()
    moved = source_revised.send(
        sender=Source, source=source, revision=revision, span_map=mapping, user=user
    )
    revision.codings_moved = sum(result or 0 for _receiver, result in moved)
    revision.save(update_fields=["codings_moved"])
    return revision


def source_correct(*, source: Source, text: str, user, note: str = "") -> SourceRevision:
    """A lead's or admin's correction of a transcript's words (a typo, a misheard name)."""
    text = normalise(text)
    if not text.strip():
        raise ValidationError("The corrected text is empty.")
    edits = diff_edits(source.text, text)
    if not edits:
        raise ValidationError("The text is unchanged.")
    return source_revise(
        source=source, edits=edits, kind=RevisionKind.CORRECTION, user=user, note=note
    )


def _move_segments(source: Source, edits: list[Edit], mapping: SpanMap) -> int:
    """Segments the edits empty are gone, the rest move; the number of sentences gone."""
    if not edits:
        return 0
    segments = list(source.segments.all())
    gone: list[int] = []
    sentences_gone = 0
    changed: list[Segment] = []
    for segment in segments:
        start, end = mapping.span(segment.start, segment.end)
        if start >= end:
            gone.append(segment.pk)
            sentences_gone += segment.kind == SegmentKind.SENTENCE
        elif (start, end) != (segment.start, segment.end):
            segment.start, segment.end = start, end
            changed.append(segment)
    Segment.objects.filter(pk__in=gone).delete()
    Segment.objects.bulk_update(changed, ["start", "end"], batch_size=500)
    return sentences_gone


def _move_entities(source: Source, edits: list[Edit], mapping: SpanMap) -> None:
    """Named entities the edits touch are gone with their words; the rest move."""
    if not edits:
        return
    entities = list(source.entities.all())
    touched = _touching(entities, edits)
    NamedEntity.objects.filter(pk__in=touched).delete()
    changed = []
    for entity in entities:
        if entity.pk in touched:
            continue
        start, end = mapping.span(entity.start, entity.end)
        if (start, end) != (entity.start, entity.end):
            entity.start, entity.end = start, end
            changed.append(entity)
    NamedEntity.objects.bulk_update(changed, ["start", "end"], batch_size=500)


def _move_identifying_spans(source: Source, edits: list[Edit], mapping: SpanMap, kind: str) -> None:
    """Accepted spans that an edit replaces exactly become applied (the key); placeholders an
    edit replaces whole are gone; any other span an edit touches is found again by the next
    detection; the rest move."""
    if not edits:
        return
    exact = {(e.start, e.end) for e in edits}
    spans = list(source.identifying_spans.all())
    touched = _touching(spans, edits)
    gone, changed = [], []
    for span in spans:
        if span.pk in touched:
            accepted = span.status == SpanStatus.ACCEPTED and (span.start, span.end) in exact
            if kind == RevisionKind.DEIDENTIFY and accepted:
                span.status = SpanStatus.APPLIED
            else:
                gone.append(span.pk)
                continue
        span.start, span.end = mapping.span(span.start, span.end)
        changed.append(span)
    IdentifyingSpan.objects.filter(pk__in=gone).delete()
    IdentifyingSpan.objects.bulk_update(changed, ["start", "end", "status"], batch_size=500)


def _move_sync_points(source: Source, edits: list[Edit], mapping: SpanMap) -> None:
    """Each sync point stays on its words (a point inside replaced words goes to the start of
    what replaced them); points that come to one position become one, the one that ranks
    highest (set by hand first) and then the earliest kept."""
    points = sorted(
        SyncPoint.objects.filter(source=source) if edits else [],
        key=lambda p: (-p.as_point().rank, p.position),
    )
    if not points:
        return
    kept: dict[int, SyncPoint] = {}
    for point in points:
        kept.setdefault(mapping.start(point.position), point)
    staying = {p.pk for p in kept.values()}
    SyncPoint.objects.filter(source=source).exclude(pk__in=staying).delete()
    changed = [(at, p) for at, p in kept.items() if at != p.position]
    # Two steps, so that no point takes a position another still holds along the way.
    offset = 1 + max([*kept, *(p.position for p in points)])
    for _at, point in changed:
        point.position += offset
    SyncPoint.objects.bulk_update([p for _at, p in changed], ["position"], batch_size=500)
    for at, point in changed:
        point.position = at
    SyncPoint.objects.bulk_update([p for _at, p in changed], ["position"], batch_size=500)
