"""De-identification's background work."""

from __future__ import annotations

import logging

from django_tasks import task

from interviews.models import Job

logger = logging.getLogger(__name__)


@task()
def deid_detect(job_id: int, source_ids: list[int] | None = None) -> dict:
    """Find identifying words in a project's sources, recording progress on the job."""
    from interviews.deid.services import project_detect

    job = Job.objects.select_related("project").get(pk=job_id)
    try:
        counts = project_detect(
            project=job.project,
            source_ids=source_ids,
            on_progress=lambda done, total, current: job.progress(
                done=done, total=total, current=current
            ),
        )
    except Exception:
        logger.exception("De-identification job %s failed", job_id)
        job.note("Detection stopped on an unexpected error; proposals found so far are kept.")
        job.finish(failed=True)
        raise
    job.note(
        f"{counts['spans']} identifying span(s) proposed in {counts['sources']} source(s).",
        level="info",
    )
    job.finish(result=counts)
    return counts
