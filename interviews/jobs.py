"""Signs of life of background jobs, and what happens to a job whose worker died.

A task runs inside `heartbeat(job)`: a thread of the worker touches the job's row every
PARLEY_JOB_HEARTBEAT_SECONDS while the work goes on, whatever step it is in. A worker that
dies (killed, out of memory, the machine restarted) stops touching it, and a running job
untouched for PARLEY_JOB_STALE_SECONDS is failed by `jobs_reap_stale` — called whenever
jobs are shown — with a message; what it stored of its work is removed. (A queued job is
still in the task queue: a worker takes it when one is free or restarted.)

`enqueue_with_transaction` enqueues a task that must see what the current transaction wrote.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from interviews.access import Perm, project_access
from interviews.models import Job, JobStatus, Source

logger = logging.getLogger(__name__)

STALE_MESSAGE = (
    "The worker running this job stopped without finishing it (no sign of life since "
    "{since:%Y-%m-%d %H:%M} UTC). What it had stored was removed; start it again."
)


@contextlib.contextmanager
def heartbeat(job: Job, every: float | None = None):
    """Touch the job's row every `every` seconds from a thread, until the block ends."""
    every = every if every is not None else settings.PARLEY_JOB_HEARTBEAT_SECONDS
    stop = threading.Event()

    def beat() -> None:
        try:
            while not stop.wait(every):
                try:
                    Job.objects.filter(
                        pk=job.pk, status__in=[JobStatus.QUEUED, JobStatus.RUNNING]
                    ).update(updated_at=timezone.now())
                except Exception:  # a busy database: the next beat tries again
                    logger.warning("Heartbeat of job %s failed", job.pk, exc_info=True)
        finally:
            connection.close()

    thread = threading.Thread(target=beat, name=f"job-{job.pk}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


# Kinds of job whose outcome is for their starter alone (a file to download, which may hold
# identities): no one else follows or lists them. Apps add theirs when they start (exchange:
# its project exports).
STARTERS_ONLY: set[str] = set()


def job_followed(request, guid) -> Job:
    """The job with `guid` as the caller may follow it: its starter, and the members of its
    project who may review, unless its kind is for its starter alone; 404 to anyone else.
    A stale job is failed first."""
    job = Job.objects.filter(guid=guid).first()
    if job is None:
        raise Http404("No such job.")
    if job.user_id != request.user.pk:
        if not job.project_id or job.kind in STARTERS_ONLY:
            raise Http404("No such job.")
        project_access(request, job.project_id, Perm.REVIEW)
    if jobs_reap_stale(Job.objects.filter(pk=job.pk)):
        job.refresh_from_db()
    return job


def jobs_listed(jobs, access):
    """Of `jobs` (a project's), those a member may follow in a list: the ones they started,
    and for a member who may review the others too, but for kinds that are for their
    starter alone."""
    if not access.can(Perm.REVIEW):
        return jobs.filter(user=access.user)
    return jobs.exclude(Q(kind__in=STARTERS_ONLY) & ~Q(user=access.user))


def jobs_reap_stale(jobs=None) -> int:
    """Fail every running job (of `jobs`, or all) that gave no sign of life for
    PARLEY_JOB_STALE_SECONDS, removing the sources it stored that nobody has coded yet.
    Returns how many jobs were failed."""
    limit = timezone.now() - timedelta(seconds=settings.PARLEY_JOB_STALE_SECONDS)
    candidates = (jobs if jobs is not None else Job.objects.all()).filter(
        status=JobStatus.RUNNING, updated_at__lt=limit
    )
    failed = 0
    for pk in list(candidates.values_list("pk", flat=True)):
        with transaction.atomic():
            job = Job.objects.select_for_update().filter(pk=pk, updated_at__lt=limit).first()
            if job is None or job.is_finished:
                continue
            _remove_partial_work(job)
            job.note(STALE_MESSAGE.format(since=job.updated_at))
            job.finish(failed=True, result={**job.result, "stale": True})
            failed += 1
    return failed


def _remove_partial_work(job: Job) -> None:
    """The sources a stopped import stored (each one whole: a file is stored in one
    transaction), unless someone has started coding them."""
    stored = [pk for pk in job.result.get("sources", []) if isinstance(pk, int)]
    if job.kind == "import" and stored:
        Source.objects.filter(pk__in=stored, project=job.project, codings__isnull=True).delete()
        kept = list(Source.objects.filter(pk__in=stored).values_list("pk", flat=True))
        job.result = {**job.result, "sources": kept}


def enqueue_with_transaction(task, *args, using: str) -> None:
    """Enqueue `task` so that it sees what the current transaction wrote: at once where the
    task backend keeps its tasks in the database (the task is stored, or, with the
    immediate backend, run, inside the transaction), after the commit elsewhere (Redis,
    whose worker could otherwise run it before the rows exist)."""
    from django_tasks.backends.immediate import ImmediateBackend
    from django_tasks_db.backend import DatabaseBackend

    if isinstance(task.get_backend(), DatabaseBackend | ImmediateBackend):
        task.enqueue(*args)
    else:
        transaction.on_commit(lambda: task.enqueue(*args), using=using)
