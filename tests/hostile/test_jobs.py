"""A job whose worker died is failed with a message and its partial work removed."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from coding.models import Coding
from interviews.jobs import heartbeat, jobs_reap_stale
from interviews.models import Job, JobStatus, Source


@pytest.fixture
def stopped_import(project, users, code):
    """A batch import that stored two sources, one already coded, then stopped beating."""
    fresh = Source.objects.create(project=project, title="Fresh", text="Interviewer: one")
    coded = Source.objects.create(project=project, title="Coded", text="Interviewer: two")
    Coding.objects.create(source=coded, code=code, coder=users["coder"], start=0, end=5)
    job = Job.objects.create(
        project=project,
        user=users["coder"],
        kind="import",
        title="Import of 3 files",
        status=JobStatus.RUNNING,
        total=3,
        done=2,
        result={"imported": 2, "sources": [fresh.pk, coded.pk]},
    )
    Job.objects.filter(pk=job.pk).update(updated_at=timezone.now() - timedelta(minutes=10))
    return job, fresh, coded


def test_a_stale_job_is_failed_with_a_message_when_it_is_shown(client_for, stopped_import):
    job, fresh, coded = stopped_import
    response = client_for("coder").get(reverse("api:job_progress", args=[job.guid]))
    data = response.json()
    assert data["status"] == "failed"
    assert data["finished"] is True
    assert (
        "The worker running this job stopped without finishing it" in data["messages"][-1]["text"]
    )
    assert not Source.objects.filter(pk=fresh.pk).exists()
    assert Source.objects.filter(pk=coded.pk).exists()  # someone codes it: it stays
    assert data["result"]["sources"] == [coded.pk]


def test_a_job_that_beats_is_left_running(client_for, stopped_import):
    job, _fresh, _coded = stopped_import
    Job.objects.filter(pk=job.pk).update(updated_at=timezone.now())
    assert jobs_reap_stale() == 0
    client_for("coder").get(reverse("interviews:job_list", args=[job.project.pk]))
    assert Job.objects.get(pk=job.pk).status == JobStatus.RUNNING


def test_a_queued_job_waits_for_a_worker(stopped_import):
    job, _fresh, _coded = stopped_import
    Job.objects.filter(pk=job.pk).update(status=JobStatus.QUEUED)
    assert jobs_reap_stale() == 0


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_touches_the_row_while_the_work_runs(project, users):
    job = Job.objects.create(project=project, kind="import", title="t", status=JobStatus.RUNNING)
    Job.objects.filter(pk=job.pk).update(updated_at=timezone.now() - timedelta(minutes=10))
    with heartbeat(job, every=0.05):
        time.sleep(0.5)
    touched = Job.objects.get(pk=job.pk).updated_at
    assert timezone.now() - touched < timedelta(seconds=5)
    assert jobs_reap_stale() == 0
