from __future__ import annotations

from django.urls import reverse

from exchange.kinds import EXPORT
from interviews.models import Job, JobStatus


def test_job_progress_is_stored_and_served_through_the_api(client_for, project, users):
    job = Job.objects.create(
        project=project, user=users["coder"], kind="import", title="Import 3 files"
    )
    job.progress(done=1, total=3, current="b.docx")
    job.note("c.pdf: this PDF has no text layer; run OCR first.")
    response = client_for("coder").get(reverse("api:job_progress", args=[job.guid]))
    data = response.json()
    assert (data["status"], data["done"], data["total"], data["percent"]) == ("running", 1, 3, 33)
    assert data["current"] == "b.docx"
    assert data["messages"] == [
        {"level": "error", "text": "c.pdf: this PDF has no text layer; run OCR first."}
    ]
    job.finish(result={"imported": 2})
    job.refresh_from_db()
    assert (job.status, job.done, job.percent, job.result) == (
        JobStatus.DONE,
        3,
        100,
        {"imported": 2},
    )


def test_a_job_is_visible_to_its_starter_and_reviewers_only(client_for, project, users):
    job = Job.objects.create(project=project, user=users["coder"], kind="import", title="Import")
    url = reverse("interviews:job_detail", args=[job.guid])
    assert client_for("coder").get(url).status_code == 200
    assert client_for("lead").get(url).status_code == 200
    assert client_for("viewer").get(url).status_code == 403
    assert client_for("outsider").get(url).status_code == 404
    page = client_for("coder").get(url).content.decode()
    assert 'id="job-data"' in page


def test_the_api_follows_a_job_under_the_same_rule_as_its_page(client_for, project, users):
    job = Job.objects.create(project=project, user=users["coder"], kind="import", title="Import")
    url = reverse("api:job_progress", args=[job.guid])
    page = reverse("interviews:job_detail", args=[job.guid])
    expected = {"coder": 200, "lead": 200, "admin": 200, "viewer": 403, "outsider": 404}
    for member, status in expected.items():
        assert client_for(member).get(page).status_code == status, member
        answer = client_for(member).get(url)
        assert answer.status_code == status, member
        if status == 200:
            assert (answer.json()["guid"], answer.json()["kind"]) == (str(job.guid), "import")
        else:
            assert set(answer.json()) == {"error"}
    # A job of no project (a .qdpx import) is its starter's alone.
    own = Job.objects.create(user=users["viewer"], kind="import_qdpx", title="Import of a.qdpx")
    assert client_for("viewer").get(reverse("api:job_progress", args=[own.guid])).json()[
        "title"
    ] == ("Import of a.qdpx")
    assert client_for("admin").get(reverse("api:job_progress", args=[own.guid])).status_code == 404
    # The page no longer answers JSON: its script reads the API.
    assert (
        client_for("coder")
        .get(page, HTTP_ACCEPT="application/json")["Content-Type"]
        .startswith("text/html")
    )


def test_the_job_list_costs_the_same_queries_for_many_jobs(client_for, project, users):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for("lead")
    url = reverse("interviews:job_list", args=[project.pk])

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    people = [users["coder"], users["lead"], users["admin"]]
    Job.objects.create(project=project, user=people[0], kind="import", title="Job 0")
    few = count()
    for i in range(1, 12):
        Job.objects.create(project=project, user=people[i % 3], kind="import", title=f"Job {i}")
    assert count() == few
    page = client.get(url).content.decode()
    assert page.count("<td>lead</td>") == 4 and page.count("<td>admin</td>") == 4


def test_an_export_job_is_its_starters_alone_on_every_page_and_in_the_api(
    client_for, project, users
):
    export = Job.objects.create(project=project, user=users["admin"], kind=EXPORT, title="Export")
    other = Job.objects.create(project=project, user=users["admin"], kind="import", title="Import")
    pages = [
        reverse("exchange:job", args=[export.guid]),
        reverse("interviews:job_detail", args=[export.guid]),
        reverse("api:job_progress", args=[export.guid]),
        reverse("api:job", args=[project.pk, export.guid]),
    ]
    for url in pages:
        assert client_for("admin").get(url).status_code == 200, url
        assert client_for("lead").get(url).status_code == 404, url
    # A reviewer follows the starter's other jobs, and lists them, but not the export.
    assert client_for("lead").get(reverse("api:job_progress", args=[other.guid])).status_code == 200
    listed = client_for("lead").get(reverse("api:jobs", args=[project.pk])).json()
    assert [job["guid"] for job in listed] == [str(other.guid)]
    mine = client_for("admin").get(reverse("api:jobs", args=[project.pk])).json()
    assert {job["guid"] for job in mine} == {str(export.guid), str(other.guid)}
    page = client_for("lead").get(reverse("interviews:job_list", args=[project.pk]))
    assert "Import" in page.content.decode() and "Export" not in page.content.decode()
