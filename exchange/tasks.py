"""Background work for large exchange files: imports and exports with progress."""

from __future__ import annotations

import logging
from pathlib import Path

from django.core.exceptions import ValidationError
from django_tasks import task

from exchange.readers import ExchangeError
from exchange.services import exchange_dir, project_export_to_path, project_import_from_path
from interviews.models import Job
from interviews.visibility import Disclosure

log = logging.getLogger(__name__)


def export_path(job: Job) -> Path:
    return exchange_dir("exports") / f"{job.guid}.qdpx"


@task()
def project_export_task(job_id: int, include_identities: bool = False) -> None:
    job = Job.objects.select_related("project").get(pk=job_id)
    job.progress(current="Writing the project file")
    try:
        counts = project_export_to_path(
            project=job.project,
            path=export_path(job),
            include_identities=include_identities,
            progress=lambda done, total, current: job.progress(
                done=done, total=total, current=current
            ),
        )
    except Exception:
        log.exception("Export of project %s failed", job.project_id)
        job.note("The export failed because of an internal error; nothing was written.")
        job.finish(failed=True)
        return
    disclosure = Disclosure(project=job.project, identified=include_identities)
    provenance = " · ".join(value for _label, value in disclosure.provenance())
    job.finish(
        result={"counts": counts, "identities": include_identities, "provenance": provenance}
    )
    # Keep only the newest export of a project per user: older files are superseded.
    older = Job.objects.filter(project=job.project, user=job.user, kind=job.kind).exclude(pk=job.pk)
    for previous in older:
        export_path(previous).unlink(missing_ok=True)


@task()
def project_import_task(job_id: int, path: str) -> None:
    job = Job.objects.select_related("user").get(pk=job_id)
    job.progress(current="Reading the archive")
    try:
        project, report = project_import_from_path(
            path=Path(path),
            user=job.user,
            progress=lambda done, total, current: job.progress(
                done=done, total=total, current=current
            ),
        )
    except (ExchangeError, ValidationError) as error:
        message = " ".join(getattr(error, "messages", [str(error)]))
        job.note(f"{message} Nothing was stored.")
        job.finish(failed=True, result={"error": message})
        return
    except Exception:
        log.exception("Import of %s failed", path)
        message = "The import failed because of an internal error; nothing was stored."
        job.note(message)
        job.finish(failed=True, result={"error": message})
        return
    finally:
        Path(path).unlink(missing_ok=True)
    Job.objects.filter(pk=job.pk).update(project=project)
    job.project = project
    job.finish(result=report.as_dict())
