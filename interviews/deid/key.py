"""The identified text and the key: what de-identification replaced, for admins only.

The callers check the role (`Perm.SEE_IDENTITIES`); these functions only read. Exports that
offer admins the identified version use `identified_text`, `reidentify` (or
`reidentify_many` for many quotes of one source) and `key_for`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable

from interviews.deid.edits import Edit, SpanMap, apply_edits
from interviews.deid.models import IdentifyingSpan, SpanStatus
from interviews.models import Project, Source


def _applied(source: Source) -> list[IdentifyingSpan]:
    return list(
        source.identifying_spans.filter(status=SpanStatus.APPLIED)
        .select_related("entity")
        .order_by("start")
    )


def _restoring_edits(source: Source) -> list[Edit]:
    return [Edit(s.start, s.end, s.text) for s in _applied(source)]


def identified_text(source: Source) -> str:
    """The source's text with every placeholder replaced by the words it stands for."""
    return apply_edits(source.text, _restoring_edits(source))


def reidentify(source: Source, start: int, end: int) -> str:
    """The identified words of [start, end) of the de-identified text (a placeholder cut by
    the span's edge comes back whole)."""
    return reidentify_many(source, [(start, end)])[0]


def reidentify_many(source: Source, spans: Iterable[tuple[int, int]]) -> list[str]:
    """`reidentify` for many spans of one source (one read of its key)."""
    edits = _restoring_edits(source)
    mapping = SpanMap(edits)
    identified = apply_edits(source.text, edits)
    return [identified[slice(*mapping.span(start, end))] for start, end in spans]


def key_for(project: Project) -> list[dict]:
    """The key: each entity with its placeholder and every span it replaced."""
    rows = (
        IdentifyingSpan.objects.filter(source__project=project, status=SpanStatus.APPLIED)
        .select_related("entity__interviewee", "source")
        .order_by("entity__kind", "entity__number", "entity__pk", "source__title", "start")
    )
    entities: dict[int, dict] = {}
    for span in rows:
        entity = span.entity
        item = entities.get(entity.pk)
        if item is None:
            item = entities[entity.pk] = {
                "placeholder": entity.placeholder,
                "kind": entity.kind,
                "name": entity.name,
                "interviewee": entity.interviewee.pseudonym if entity.interviewee_id else None,
                "spans": [],
            }
        item["spans"].append(
            {
                "source": span.source.title,
                "source_guid": str(span.source.guid),
                "start": span.start,
                "end": span.end,
                "original": span.text,
            }
        )
    return list(entities.values())


KEY_COLUMNS = ["placeholder", "kind", "interviewee", "original", "source", "start", "end"]


def key_csv(key: list[dict]) -> str:
    """The key as CSV: one row per replaced span."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(KEY_COLUMNS)
    for entity in key:
        for span in entity["spans"]:
            writer.writerow(
                [
                    entity["placeholder"],
                    entity["kind"],
                    entity["interviewee"] or "",
                    span["original"],
                    span["source"],
                    span["start"],
                    span["end"],
                ]
            )
    return out.getvalue()


def identified_texts(sources) -> dict[int, tuple[str, Callable[[int], int] | None]]:
    """Per source (a queryset or list of sources with their text): the identified text and
    the map from an offset of today's text into it (None where nothing was replaced).
    Two queries, however many sources."""
    sources = list(sources)
    spans = IdentifyingSpan.objects.filter(
        source__in=[s.pk for s in sources], status=SpanStatus.APPLIED
    ).order_by("source_id", "start")
    edits: dict[int, list[Edit]] = {}
    for span in spans.only("source_id", "start", "end", "text"):
        edits.setdefault(span.source_id, []).append(Edit(span.start, span.end, span.text))
    found = {}
    for source in sources:
        restoring = edits.get(source.pk)
        if not restoring:
            found[source.pk] = (source.text, None)
        else:
            found[source.pk] = (apply_edits(source.text, restoring), SpanMap(restoring).start)
    return found
