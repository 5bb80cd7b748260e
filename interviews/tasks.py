"""Background tasks (Django's task API through the django-tasks backport)."""

from __future__ import annotations

import logging

from django_tasks import task

from interviews.models import Job

logger = logging.getLogger(__name__)


@task()
def import_batch(job_id: int, key: str) -> dict:
    """Import a staged batch of files, recording progress on the job."""
    from interviews.ingest.batches import batch_discard, batch_import_run

    job = Job.objects.select_related("project", "user").get(pk=job_id)
    try:
        return batch_import_run(job=job, key=key)
    except Exception:
        logger.exception("Import job %s failed", job_id)
        job.note("The import stopped on an unexpected error.")
        job.finish(failed=True)
        batch_discard(key)
        raise


@task()
def process_language(source_ids: list[int]) -> dict:
    """Run the full language pipeline (named entities) over sources already codable."""
    from interviews.ingest.language import sources_language_process

    return sources_language_process(source_ids)
