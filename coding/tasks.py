"""Background tasks of coding help: rule runs over a corpus and classifier training."""

from __future__ import annotations

import logging

from django_tasks import task

from interviews.models import Job

logger = logging.getLogger(__name__)


def _reporter(job: Job):
    def report(done: int, total: int, current: str) -> None:
        job.progress(done=done, total=total, current=current)

    return report


@task()
def autocode_rule(job_id: int, rule_id: int, accept_as: int | None = None) -> dict:
    """Run a rule over its sources, storing suggestions (and accepting them for the user
    `accept_as`, when a lead codes by speaker at once)."""
    from coding.suggestion_models import AutocodeRule
    from coding.suggestion_services import rule_accept_all, rule_run

    job = Job.objects.select_related("project", "user").get(pk=job_id)
    try:
        rule = AutocodeRule.objects.select_related("project", "code").get(pk=rule_id)
        run = rule_run(rule=rule, dry_run=False, progress=_reporter(job), keep_hits=False)
        result = run.as_json(with_hits=False)
        if accept_as is not None:
            result["accepted"] = rule_accept_all(rule=rule, user=job.user)
    except AutocodeRule.DoesNotExist:
        job.note("The rule was deleted before it ran.")
        job.finish(failed=True)
        return {}
    except Exception:
        logger.exception("Auto-coding job %s failed", job_id)
        job.note("The rule run stopped on an unexpected error.")
        job.finish(failed=True)
        raise
    job.finish(result=result)
    return result


@task()
def train_suggestions(job_id: int, model_id: int) -> dict:
    """Train a project's classifier, measure it and store its suggestions."""
    from coding.suggestion_models import ModelStatus, SuggestionModel
    from coding.suggestions import model_train

    job = Job.objects.select_related("project", "user").get(pk=job_id)
    model = SuggestionModel.objects.select_related("project").get(pk=model_id)
    try:
        model = model_train(model, progress=_reporter(job))
    except Exception:
        logger.exception("Training job %s failed", job_id)
        SuggestionModel.objects.filter(pk=model_id).update(
            status=ModelStatus.FAILED, error="Training stopped on an unexpected error."
        )
        job.note("Training stopped on an unexpected error.")
        job.finish(failed=True)
        raise
    if model.status == ModelStatus.FAILED:
        job.note(model.error)
        job.finish(failed=True)
        return {"error": model.error}
    result = {
        "version": model.version,
        "metrics": model.metrics,
        "suggested": model.summary.get("suggested", 0),
    }
    job.finish(result=result)
    return result


@task()
def suggest_new_sources(job_id: int, model_id: int) -> dict:
    """Suggest with a project's current classifier for the sources added since its training."""
    from coding.suggestion_models import SuggestionModel
    from coding.suggestions import model_suggest_new

    job = Job.objects.select_related("project", "user").get(pk=job_id)
    try:
        model = SuggestionModel.objects.select_related("project").get(pk=model_id)
        created = model_suggest_new(model, progress=_reporter(job))
    except Exception:
        logger.exception("Suggestion job %s failed", job_id)
        job.note("Suggesting stopped on an unexpected error.")
        job.finish(failed=True)
        raise
    result = {"version": model.version, "suggested": created}
    job.finish(result=result)
    return result


@task()
def index_sources(source_ids: list[int]) -> dict:
    """Store the search vectors of sources just written (PostgreSQL; `coding.search`)."""
    from coding.search import pg_index_sources

    return {"indexed": pg_index_sources(source_ids)}
