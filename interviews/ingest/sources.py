"""Storing one source (phase one): its text, turns, paragraphs and sentences in one
transaction, so the source is codable when it returns."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import connection, transaction

from interviews import nlp
from interviews.importers import (
    Imported,
    ImportRefused,
)
from interviews.ingest.segmentation import segment_rows, segments_insert, text_layout
from interviews.ingest.speakers import SpeakerTarget
from interviews.layout import source_pieces_store
from interviews.models import (
    Interviewee,
    NlpStatus,
    Project,
    Source,
)
from interviews.recordings.services import sync_points_from_cues

logger = logging.getLogger(__name__)


class DuplicateSource(ImportRefused):
    """The same text is already a source of the project."""


def text_checksum(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def commit_without_flush_wait() -> None:
    """On PostgreSQL, let the commit of the transaction the import runs in return before its
    write-ahead log is flushed to disk (`synchronous_commit = off`, for that transaction only).

    An import writes megabytes of log (a 200,000-word transcript's code points alone are
    4.9 MB), and its commit need not wait for them to reach the disk (7 ms for 5 MB on the
    benchmark machine's disk, more on slower ones: bench/README.md, "Import on PostgreSQL:
    less work for the server"). The database stays consistent whatever happens: a crash of
    the database server or the machine (not of Parley) within a fraction of a second after
    the commit (at most three times `wal_writer_delay`, 0.6 s by default) can lose that import
    as a whole, which the user then imports again. See deploy/README.md.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")


@transaction.atomic
def source_import(
    *,
    project: Project,
    imported: Imported,
    user=None,
    title: str = "",
    language: str = "",
    kind: str = "interview",
    interviewer: str = "",
    interviewees: Iterable[Interviewee] = (),
    speaker_map: dict[str, SpeakerTarget] | None = None,
    original_name: str = "",
    original_bytes: bytes | None = None,
    date=None,
    then: Callable[[Source], None] | None = None,
) -> Source:
    """Store an imported text as a codable source: text, turns, paragraphs, sentences.

    Refuses (DuplicateSource) a text the project already has. Named entities come later,
    from `sources_language_process`. `then(source)` runs last, in the same transaction (a
    task queued with the source is stored, or lost, with it).
    """
    commit_without_flush_wait()
    checksum = text_checksum(imported.text)
    existing = project.sources.filter(checksum=checksum).first()
    if existing is not None:
        raise DuplicateSource(
            f"“{original_name or imported.title}” is identical to the source "
            f"“{existing.title}” already in this project; skipped."
        )
    language = language or nlp.detect_language(imported.text)
    # Segments and pieces from one layout of the text in hand: the pieces need not read back
    # the turns just written, and the source is stored with its number of sentences.
    layout = text_layout(imported.text, language, imported.turns)
    source = Source(
        project=project,
        title=(title or imported.title or original_name or "Untitled")[:300],
        kind=kind,
        text=imported.text,
        language=language,
        date=date,
        interviewer=interviewer,
        original_name=original_name[:300],
        checksum=checksum,
        nlp_status=NlpStatus.PENDING,
        nlp_pipeline=nlp.sentence_pipeline_name(language),
        sentence_count=len(layout.sentences),
        created_by=user,
    )
    # Not checked by a query each: the project and the user the caller holds, and the new
    # random guid (the database's unique index still stands behind it).
    source.full_clean(exclude=["project", "created_by", "guid"])
    linked = list(interviewees)
    speaker_map = speaker_map or {}
    mapped = [t for t in speaker_map.values() if isinstance(t, Interviewee)]
    if any(i.project_id != project.pk for i in [*linked, *mapped]):
        raise ValidationError("An interviewee of another project cannot be linked here.")
    if original_bytes is not None and original_name:
        # Written to storage as the row is inserted (its name is the project's and the new
        # source's guid, known before), and removed again if the import fails.
        source.original_file = ContentFile(original_bytes, name=original_name)
    try:
        source.save()
        # A new source has no links yet: added, not set (which reads the links first).
        links = {i.pk: i for i in [*linked, *mapped]}
        if links:
            source.interviewees.add(*links.values())
        segments_insert(
            segment_rows(source=source, imported=imported, speaker_map=speaker_map, layout=layout)
        )
        source_pieces_store(source.pk, source.text, layout.pieces, new=True)
        if imported.metadata.get("sync_points"):
            # Subtitles: a sync point per cue, for the recording attached now or later.
            sync_points_from_cues(source=source, cues=imported.metadata["sync_points"])
        if then is not None:
            then(source)
    except BaseException:
        if source.original_file and source.original_file._committed:
            source.original_file.storage.delete(source.original_file.name)
        raise
    return source
