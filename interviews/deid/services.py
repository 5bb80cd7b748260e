"""Writes of de-identification: detection, review decisions, applying, and reading the key."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    Max,
    OuterRef,
    Q,
)

from interviews.deid import detect as detection
from interviews.deid.edits import Edit
from interviews.deid.models import (
    DeidSettings,
    EntityKind,
    IdentifyingEntity,
    IdentifyingSpan,
    IdentifyingTerm,
    RevisionKind,
    SourceRevision,
    SpanOrigin,
    SpanStatus,
    TermAction,
)
from interviews.deid.revisions import source_revise
from interviews.models import (
    Interviewee,
    Job,
    NlpStatus,
    Project,
    Segment,
    SegmentKind,
    Source,
)

PLACEHOLDER_WORDS = {
    EntityKind.PERSON: "PERSON",
    EntityKind.ORG: "ORG",
    EntityKind.PLACE: "PLACE",
    EntityKind.EMAIL: "EMAIL",
    EntityKind.PHONE: "PHONE",
    EntityKind.URL: "URL",
    EntityKind.DATE: "DATE",
    EntityKind.ID: "ID",
    EntityKind.OTHER: "REDACTED",
}
CONTEXT_CHARS = 60


def settings_for(project: Project) -> DeidSettings:
    found, _ = DeidSettings.objects.get_or_create(project=project)
    return found


def is_deidentified(source: Source) -> bool:
    return source.revisions.filter(kind=RevisionKind.DEIDENTIFY).exists()


CODING_REFUSED = (
    "This project requires de-identification before coding: an admin applies it to this "
    "source first (its page → De-identify)."
)


def coding_refused_expression(project=None, source=None):
    """Per source: whether its project requires de-identification before coding and the
    source has not had it yet (the coding write annotates its query with this). `project`
    and `source` name them in the outer query (by default a query of sources)."""
    required = DeidSettings.objects.filter(
        project_id=OuterRef("project_id") if project is None else project,
        required_before_coding=True,
    )
    done = SourceRevision.objects.filter(
        source_id=OuterRef("pk") if source is None else source, kind=RevisionKind.DEIDENTIFY
    )
    return ExpressionWrapper(Exists(required) & ~Exists(done), output_field=BooleanField())


def coding_refused(source: Source) -> bool:
    """Whether the source cannot be coded yet (see `coding_refused_expression`)."""
    refused = Source.objects.filter(pk=source.pk).annotate(refused=coding_refused_expression())
    return bool(refused.values_list("refused", flat=True).first())


# Entities and placeholders ---------------------------------------------------------------


class EntityBook:
    """The project's entities by key, creating each (with the next placeholder) once."""

    def __init__(self, project: Project):
        self.project = project
        self.by_key = {(e.kind, e.key): e for e in project.deid_entities.all()}
        self.numbers: dict[str, int] = dict(
            project.deid_entities.values_list("kind").annotate(n=Max("number"))
        )
        self.pseudonyms = dict(project.interviewees.values_list("pk", "pseudonym"))

    def entity(self, kind: str, text: str, interviewee_id: int | None = None) -> IdentifyingEntity:
        kind = str(kind)
        if interviewee_id:
            kind, key = EntityKind.PERSON.value, f"interviewee:{interviewee_id}"
        else:
            key = detection.entity_key(kind, text)[:300]
        found = self.by_key.get((kind, key))
        if found is not None:
            return found
        if interviewee_id:
            number = 0
            placeholder = f"[{self.pseudonyms[interviewee_id]}]"
        else:
            number = self.numbers.get(kind, 0) + 1
            self.numbers[kind] = number
            placeholder = f"[{PLACEHOLDER_WORDS[EntityKind(kind)]} {number}]"
        entity = IdentifyingEntity.objects.create(
            project=self.project,
            kind=kind,
            name=text[:300],
            key=key,
            number=number,
            placeholder=placeholder,
            interviewee_id=interviewee_id,
        )
        self.by_key[(kind, key)] = entity
        return entity


def entity_rename(*, entity: IdentifyingEntity, placeholder: str) -> IdentifyingEntity:
    """An admin writes the replacement of an entity (used wherever it occurs, from the next
    application on; placeholders already in the text keep their words)."""
    placeholder = placeholder.strip()
    if not placeholder:
        raise ValidationError("Write the replacement text.")
    if len(placeholder) > 100:
        raise ValidationError("A replacement has at most 100 characters.")
    taken = (
        IdentifyingEntity.objects.filter(project=entity.project_id, placeholder=placeholder)
        .exclude(pk=entity.pk)
        .first()
    )
    if taken is not None:
        raise ValidationError(
            f"“{placeholder}” already stands for another entity ({taken.name}); "
            "one replacement, one entity."
        )
    entity.placeholder = placeholder
    entity.written_by_admin = True
    entity.save(update_fields=["placeholder", "written_by_admin"])
    return entity


# Detection -------------------------------------------------------------------------------


def project_terms(project: Project) -> tuple[list[detection.Term], list[str]]:
    """What the project knows identifies someone (its interviewees, the speaker labels mapped
    to them, its own terms), and the terms it never treats as identifying."""
    labels: dict[int, set[str]] = defaultdict(set)
    turns = (
        Source.objects.filter(project=project)
        .values_list("segments__interviewee_id", "segments__speaker")
        .filter(segments__kind=SegmentKind.TURN, segments__interviewee__isnull=False)
        .distinct()
    )
    for interviewee_id, speaker in turns:
        if speaker:
            labels[interviewee_id].add(speaker)
    terms = detection.roster_terms(project.interviewees.all(), labels)
    never = []
    for term in project.deid_terms.all():
        if term.action == TermAction.NEVER:
            never.append(term.text)
        else:
            terms.append(detection.Term(term.text, term.kind, SpanOrigin.TERM))
    return terms, never


def _stored_entities(source: Source) -> list[tuple[int, int, str]] | None:
    """The named entities already found in the background, when they are complete."""
    if source.nlp_status != NlpStatus.DONE:
        return None
    return list(source.entities.values_list("start", "end", "label"))


@transaction.atomic
def source_detect(
    *, source: Source, terms=None, never=None, book: EntityBook | None = None
) -> list[IdentifyingSpan]:
    """Find the identifying spans of a source, replacing its earlier proposals still to review.

    Decisions already taken stay: accepted and rejected spans, and placeholders applied
    earlier; a new proposal overlapping one of them is left out.
    """
    if terms is None:
        terms, never = project_terms(source.project)
    book = book or EntityBook(source.project)
    found = detection.detect(
        source.text,
        source.language,
        terms=terms,
        never=never or (),
        entities=_stored_entities(source),
    )
    source.identifying_spans.filter(status=SpanStatus.PENDING).delete()
    decided = list(source.identifying_spans.values_list("start", "end"))
    new = []
    for item in found:
        if any(item.start < end and start < item.end for start, end in decided):
            continue
        entity = book.entity(item.kind, item.text, item.interviewee_id)
        new.append(
            IdentifyingSpan(
                source=source,
                entity=entity,
                start=item.start,
                end=item.end,
                text=item.text[:500],
                kind=entity.kind,
                origin=item.origin,
                score=item.score,
            )
        )
    return IdentifyingSpan.objects.bulk_create(new, batch_size=500)


def project_detect(
    *,
    project: Project,
    source_ids: Iterable[int] | None = None,
    on_progress: Callable[[int, int, str], None] | None = None,
) -> dict[str, int]:
    """Detection over many sources (the whole project by default), one source at a time."""
    sources = project.sources.order_by("pk")
    if source_ids is not None:
        sources = sources.filter(pk__in=list(source_ids))
    ids = list(sources.values_list("pk", flat=True))
    terms, never = project_terms(project)
    book = EntityBook(project)
    counts = {"sources": 0, "spans": 0}
    for done, pk in enumerate(ids, start=1):
        source = Source.objects.get(pk=pk)
        if on_progress:
            on_progress(done - 1, len(ids), source.title)
        counts["spans"] += len(source_detect(source=source, terms=terms, never=never, book=book))
        counts["sources"] += 1
    if on_progress:
        on_progress(len(ids), len(ids), "")
    return counts


def detect_start(*, project: Project, user, source_ids: list[int] | None = None) -> Job:
    """Queue detection as a background job with progress."""
    from interviews.deid.tasks import deid_detect

    count = project.sources.count() if source_ids is None else len(source_ids)
    job = Job.objects.create(
        project=project,
        user=user,
        kind="deid_detect",
        title=f"Find identifying words in {count} source{'s' if count != 1 else ''}",
        total=count,
    )
    result = deid_detect.enqueue(job.pk, source_ids)
    Job.objects.filter(pk=job.pk).update(task_id=str(result.id)[:64])
    return job


# Review ------------------------------------------------------------------------------------


@dataclass
class Group:
    """Detected spans of one surface form, as an admin reviews them."""

    text: str
    kind: str
    entity: IdentifyingEntity | None
    spans: list
    sources: int
    statuses: dict[str, int]

    @property
    def kind_label(self) -> str:
        return EntityKind(self.kind).label

    @property
    def span_ids(self) -> str:
        return ",".join(str(s.pk) for s in self.spans)


def review_groups(project: Project, *, status: str | None = None) -> list[Group]:
    """Open spans grouped by surface form (case and spacing aside), most frequent first."""
    spans = (
        IdentifyingSpan.objects.open()
        .filter(source__project=project)
        .select_related("entity", "source")
        .only(
            "pk", "start", "end", "text", "kind", "origin", "status", "score", "source_id",
            "entity__placeholder", "entity__kind", "entity__name", "entity__interviewee_id",
            "source__title", "source__project_id",
        )
        .order_by("source__title", "start")
    )  # fmt: skip
    if status:
        spans = spans.filter(status=status)
    groups: dict[tuple, Group] = {}
    for span in spans:
        key = (span.kind, re.sub(r"\s+", " ", span.text).casefold(), span.entity_id)
        group = groups.get(key)
        if group is None:
            group = groups[key] = Group(span.text, span.kind, span.entity, [], 0, {})
        group.spans.append(span)
        group.statuses[span.status] = group.statuses.get(span.status, 0) + 1
    for group in groups.values():
        group.sources = len({s.source_id for s in group.spans})
    return sorted(groups.values(), key=lambda g: (-len(g.spans), g.text.casefold()))


def span_context(spans: list[IdentifyingSpan], chars: int = CONTEXT_CHARS) -> None:
    """Give each span `.before` and `.after`: the words around it (one read per source)."""
    by_source = defaultdict(list)
    for span in spans:
        by_source[span.source_id].append(span)
    texts = dict(Source.objects.filter(pk__in=by_source).values_list("pk", "text"))
    for source_id, items in by_source.items():
        text = texts[source_id]
        for span in items:
            span.before = text[max(0, span.start - chars) : span.start]
            span.after = text[span.end : span.end + chars]


def spans_decide(*, project: Project, span_ids: Iterable[int], status: str, user) -> int:
    """Accept or reject open spans of the project; returns how many changed."""
    if status not in (SpanStatus.ACCEPTED, SpanStatus.REJECTED, SpanStatus.PENDING):
        raise ValidationError("Choose accept or reject.")
    spans = IdentifyingSpan.objects.open().filter(source__project=project, pk__in=list(span_ids))
    return spans.update(status=status, decided_by=user)


def _check_free(source: Source, start: int, end: int, exclude: int | None = None) -> None:
    if not (isinstance(start, int) and isinstance(end, int)) or not 0 <= start < end:
        raise ValidationError("A span must cover at least one character.")
    if end > len(source.text):
        raise ValidationError("The span ends beyond the source's text.")
    if not source.text[start:end].strip():
        raise ValidationError("The span holds only white space.")
    others = source.identifying_spans.filter(start__lt=end, end__gt=start).exclude(
        status__in=[SpanStatus.REJECTED, SpanStatus.PENDING]
    )
    if exclude:
        others = others.exclude(pk=exclude)
    other = others.first()
    if other is not None:
        what = "a placeholder" if other.status == SpanStatus.APPLIED else "an accepted span"
        raise ValidationError(
            f"The span overlaps {what} at [{other.start}, {other.end}); change that one instead."
        )


@transaction.atomic
def span_add(
    *,
    source: Source,
    start: int,
    end: int,
    kind: str,
    user,
    placeholder: str = "",
    interviewee: Interviewee | None = None,
) -> IdentifyingSpan:
    """A span an admin marks by selecting it: accepted at once. Proposals it overlaps go."""
    if kind not in EntityKind.values:
        raise ValidationError("Choose what kind of identifying word this is.")
    _check_free(source, start, end)
    text = source.text[start:end]
    book = EntityBook(source.project)
    if interviewee is not None and interviewee.project_id != source.project_id:
        raise ValidationError("That interviewee belongs to another project.")
    entity = book.entity(kind, text, interviewee.pk if interviewee else None)
    if placeholder.strip() and placeholder.strip() != entity.placeholder:
        entity_rename(entity=entity, placeholder=placeholder)
    source.identifying_spans.filter(
        start__lt=end, end__gt=start, status__in=[SpanStatus.PENDING, SpanStatus.REJECTED]
    ).delete()
    return IdentifyingSpan.objects.create(
        source=source,
        entity=entity,
        start=start,
        end=end,
        text=text[:500],
        kind=entity.kind,
        origin=SpanOrigin.ADMIN,
        status=SpanStatus.ACCEPTED,
        decided_by=user,
    )


@transaction.atomic
def span_edit(*, span: IdentifyingSpan, start: int, end: int, user) -> IdentifyingSpan:
    """Move an open span's boundaries (and accept it): its words change, its entity stays."""
    if span.status == SpanStatus.APPLIED:
        raise ValidationError("This span is applied already; correct the text instead.")
    source = span.source
    _check_free(source, start, end, exclude=span.pk)
    span.source.identifying_spans.filter(
        start__lt=end, end__gt=start, status=SpanStatus.PENDING
    ).exclude(pk=span.pk).delete()
    span.start, span.end = start, end
    span.text = source.text[start:end][:500]
    span.status = SpanStatus.ACCEPTED
    span.decided_by = user
    span.save(update_fields=["start", "end", "text", "status", "decided_by", "updated_at"])
    return span


def term_add(*, project: Project, text: str, action: str, kind: str) -> IdentifyingTerm:
    text = " ".join(text.split())
    if not text:
        raise ValidationError("Write the word or phrase.")
    if action not in TermAction.values or kind not in EntityKind.values:
        raise ValidationError("Choose always or never, and a kind.")
    term, _ = IdentifyingTerm.objects.update_or_create(
        project=project, text=text[:200], defaults={"action": action, "kind": kind}
    )
    return term


# Applying ----------------------------------------------------------------------------------


def _replace_words(value: str, replacements: list[tuple[str, str]]) -> str:
    for original, placeholder in replacements:
        value = re.sub(detection.term_pattern(original), placeholder, value, flags=re.IGNORECASE)
    return value


@transaction.atomic
def source_deidentify(*, source: Source, user) -> SourceRevision:
    """Replace the accepted spans of a source by their placeholders, as a revision.

    Codings follow their words. The words replaced are kept, with each placeholder's
    position, as the key; the title and speaker labels lose the same words.
    """
    accepted = list(
        source.identifying_spans.filter(status=SpanStatus.ACCEPTED)
        .select_related("entity")
        .order_by("start")
    )
    last_end = -1
    for span in accepted:
        if span.start < last_end:
            raise ValidationError(
                f"Two accepted spans overlap at position {span.start}; reject one of them."
            )
        last_end = span.end
    if not accepted and is_deidentified(source):
        raise ValidationError("Nothing is accepted in this source: there is nothing to apply.")
    edits = [Edit(s.start, s.end, s.entity.placeholder) for s in accepted]
    pairs = sorted({(s.text, s.entity.placeholder) for s in accepted}, key=lambda p: -len(p[0]))
    title = _replace_words(source.title, pairs)
    count = len(edits)
    revision = source_revise(
        source=source,
        edits=edits,
        kind=RevisionKind.DEIDENTIFY,
        user=user,
        note=f"{count} span{'s' if count != 1 else ''} replaced",
        title=title if title != source.title else None,
    )
    turns = list(source.segments.filter(kind=SegmentKind.TURN).exclude(speaker=""))
    for turn in turns:
        turn.speaker = _replace_words(turn.speaker, pairs)[:200]
    Segment.objects.bulk_update(turns, ["speaker"], batch_size=500)
    return revision


def project_deidentify(
    *, project: Project, user, accept_all: bool = False, source_ids=None
) -> dict[str, int]:
    """Apply de-identification to every source (or those given); with `accept_all`, every
    proposal still to review is accepted first. A source de-identified earlier with nothing
    newly accepted is left as it is; a source that cannot be applied (overlapping accepted
    spans) is left unchanged and named in `refused`."""
    sources = project.sources.order_by("pk")
    if source_ids is not None:
        sources = sources.filter(pk__in=list(source_ids))
    counts = {"sources": 0, "spans": 0, "codings_moved": 0, "refused": []}
    for source in sources:
        try:
            with transaction.atomic():
                if accept_all:
                    source.identifying_spans.filter(status=SpanStatus.PENDING).update(
                        status=SpanStatus.ACCEPTED, decided_by=user
                    )
                accepted = source.identifying_spans.filter(status=SpanStatus.ACCEPTED)
                if not accepted.exists() and is_deidentified(source):
                    continue
                revision = source_deidentify(source=source, user=user)
        except ValidationError as error:
            counts["refused"].append(f"{source.title}: {' '.join(error.messages)}")
            continue
        counts["sources"] += 1
        counts["spans"] += len(revision.edits)
        counts["codings_moved"] += revision.codings_moved
    return counts


def status_counts(project: Project) -> dict[str, int]:
    counts = dict(
        IdentifyingSpan.objects.filter(source__project=project)
        .values_list("status")
        .annotate(n=Count("pk"))
    )
    sources = project.sources.count()
    done = project.sources.filter(revisions__kind=RevisionKind.DEIDENTIFY).distinct().count()
    return {
        **{status: counts.get(status, 0) for status in SpanStatus.values},
        "sources": sources,
        "deidentified": done,
        "waiting": project.sources.filter(Q(identifying_spans__status=SpanStatus.ACCEPTED))
        .distinct()
        .count(),
    }
