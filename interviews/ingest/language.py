"""Language processing (phase two): the full pipeline over stored sources, in the background,
with `nlp.pipe` in batches; named entities are stored."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from django.db import IntegrityError, transaction

from interviews import nlp
from interviews.db_statistics import statistics_refreshed
from interviews.models import (
    NamedEntity,
    NlpStatus,
    Segment,
    Source,
    SourcePiece,
)

logger = logging.getLogger(__name__)


def sources_language_process(
    source_ids: Iterable[int],
    *,
    batch_size: int = 8,
    n_process: int = 1,
    on_progress: Callable[[int, int], None] | None = None,
) -> dict[str, int]:
    """Named entities of each source through the full pipeline of its language.

    Sources are taken language by language and streamed through `nlp.pipe`; each source's
    entities and status are written as soon as it is done.
    """
    ids = list(source_ids)
    total = len(ids)
    done = 0
    counts = {"sources": 0, "entities": 0}
    languages = Source.objects.filter(pk__in=ids).values_list("language", flat=True).distinct()
    for language in sorted(set(languages)):
        pipeline = nlp.full_pipeline(language)
        queryset = Source.objects.filter(pk__in=ids, language=language).order_by("pk")
        source_pks = list(queryset.values_list("pk", flat=True))
        Source.objects.filter(pk__in=source_pks).update(nlp_status=NlpStatus.RUNNING)

        def texts(pks=source_pks):
            for start in range(0, len(pks), batch_size):
                chunk = dict(
                    Source.objects.filter(pk__in=pks[start : start + batch_size]).values_list(
                        "pk", "text"
                    )
                )
                for pk in pks[start : start + batch_size]:
                    yield chunk.get(pk, "")

        finished: set[int] = set()
        try:
            results = zip(
                source_pks,
                nlp.entities_pipe(texts(), language, batch_size=batch_size, n_process=n_process),
                strict=True,
            )
            for pk, entities in results:
                _entities_store(pk, entities, pipeline.name)
                finished.add(pk)
                counts["sources"] += 1
                counts["entities"] += len(entities)
                done += 1
                if on_progress:
                    on_progress(done, total)
        except Exception:
            Source.objects.filter(pk__in=set(source_pks) - finished).update(
                nlp_status=NlpStatus.FAILED
            )
            raise
    # The import that made these sources codable wrote their segments and pieces; with
    # their named entities, the tables may have grown past what the planner knows.
    statistics_refreshed(
        {
            Segment: Segment.objects.filter(source_id__in=ids),
            SourcePiece: SourcePiece.objects.filter(source_id__in=ids),
            NamedEntity: counts["entities"],
        }
    )
    return counts


def _entities_store(pk: int, entities: list[nlp.Entity], pipeline_name: str) -> None:
    try:
        with transaction.atomic():
            NamedEntity.objects.filter(source_id=pk).delete()
            NamedEntity.objects.bulk_create(
                [
                    NamedEntity(
                        source_id=pk,
                        start=e.start,
                        end=e.end,
                        label=e.label[:30],
                        text=e.text[:300],
                    )
                    for e in entities
                    if e.end > e.start
                ],
                batch_size=2000,
            )
            Source.objects.filter(pk=pk).update(
                nlp_status=NlpStatus.DONE, nlp_pipeline=pipeline_name
            )
    except IntegrityError:
        logger.info("Source %s was deleted while its language was processed.", pk)
