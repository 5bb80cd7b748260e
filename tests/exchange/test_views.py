"""The exchange pages: who may export and import, downloads, the import report."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from coding.models import Code
from exchange.export import project_export
from interviews.models import Job, Membership, Project, Role

from .conftest import build_qdpx
from .test_variants import SRC, TEXT, project_xml, sel, span


def qdpx_of(project) -> bytes:
    buffer = io.BytesIO()
    project_export(project=project, stream=buffer)
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def everyone_creates_projects(settings):
    """Importing a project creates one; who may is tested in tests/interviews/test_roles.py."""
    settings.PARLEY_PROJECT_CREATORS = "everyone"


def test_the_exchange_page_is_for_leads_and_admins(client_for, project):
    url = reverse("exchange:home", args=[project.pk])
    assert client_for("outsider").get(url).status_code == 404
    assert client_for("coder").get(url).status_code == 403
    assert client_for("viewer").get(url).status_code == 403
    page = client_for("lead").get(url).content.decode()
    assert "Export project" in page
    assert "include_identities" not in page  # leads cannot see identities
    assert "include_identities" in client_for("admin").get(url).content.decode()
    nav = client_for("lead").get(reverse("interviews:project_detail", args=[project.pk]))
    assert url in nav.content.decode()


def test_a_lead_exports_and_downloads_the_project(client_for, rich_project):
    client = client_for("lead")
    response = client.post(reverse("exchange:project_export", args=[rich_project.pk]))
    job = Job.objects.get(kind="export_qdpx")
    assert response.url == reverse("exchange:job", args=[job.guid])
    assert job.status == "done"
    assert job.result["counts"]["codings"] == 5
    page = client.get(response.url).content.decode()
    assert reverse("exchange:export_download", args=[job.guid]) in page
    download = client.get(reverse("exchange:export_download", args=[job.guid]))
    assert download["Content-Disposition"].startswith('attachment; filename="Study.qdpx"')
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    assert "project.qde" in archive.namelist()
    assert b"Alesia Secretname" not in archive.read("project.qde")
    # Nobody else downloads someone's export.
    other = client_for("admin").get(reverse("exchange:export_download", args=[job.guid]))
    assert other.status_code == 404


def test_only_an_admin_may_export_identities(client_for, rich_project):
    url = reverse("exchange:project_export", args=[rich_project.pk])
    assert client_for("lead").post(url, {"include_identities": "on"}).status_code == 403
    assert client_for("coder").post(url).status_code == 403
    assert not Job.objects.exists()
    client = client_for("admin")
    client.post(url, {"include_identities": "on"})
    job = Job.objects.get()
    assert job.result["identities"] is True
    download = client.get(reverse("exchange:export_download", args=[job.guid]))
    data = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content))).read("project.qde")
    assert b"Alesia Secretname" in data


def test_importing_a_project_in_the_browser_shows_the_report(client_for, rich_project, users):
    client = client_for("coder")
    upload = SimpleUploadedFile("study.qdpx", qdpx_of(rich_project))
    response = client.post(reverse("exchange:project_import"), {"file": upload})
    job = Job.objects.get(kind="import_qdpx")
    assert response.url == reverse("exchange:job", args=[job.guid])
    imported = Project.objects.exclude(pk=rich_project.pk).get()
    job.refresh_from_db()
    assert (job.status, job.project) == ("done", imported)
    assert Membership.objects.get(project=imported, user=users["coder"]).role == Role.ADMIN
    page = client.get(response.url).content.decode()
    assert "Imported into" in page
    assert "Everything was carried over." in page
    assert '<td>Codings</td><td class="text-end">5</td>' in page


def test_the_report_lists_what_was_not_carried_over(client_for, users):
    s, e = span(TEXT, "Minsk")
    xml = project_xml(sel(1, s, e)).replace(
        "</TextSource>",
        '</TextSource><AudioSource guid="99999999-aaaa-4bbb-8ccc-000000000001" name="Tape"/>',
    )
    upload = SimpleUploadedFile(
        "x.qdpx", build_qdpx({"project.qde": xml, f"sources/{SRC}.txt": TEXT})
    )
    client = client_for("coder")
    response = client.post(reverse("exchange:project_import"), {"file": upload})
    page = client.get(response.url).content.decode()
    assert "Source “Tape”: an audio source without a transcript (Parley codes text)." in page


def test_a_broken_upload_fails_with_a_message_and_stores_nothing(client_for):
    client = client_for("coder")
    before = Project.objects.count()
    upload = SimpleUploadedFile("bad.qdpx", build_qdpx({"../evil.qde": "<Project/>"}))
    response = client.post(reverse("exchange:project_import"), {"file": upload})
    page = client.get(response.url).content.decode()
    assert "The import failed; nothing was stored." in page
    assert "points outside the archive" in page
    assert Project.objects.count() == before


def test_the_upload_must_be_a_qdpx_of_acceptable_size(client_for, settings):
    client = client_for("coder")
    response = client.post(
        reverse("exchange:project_import"), {"file": SimpleUploadedFile("a.txt", b"hello")}
    )
    assert "Choose a .qdpx file." in response.content.decode()
    settings.PARLEY_MAX_UPLOAD_BYTES = 10
    response = client.post(
        reverse("exchange:project_import"), {"file": SimpleUploadedFile("a.qdpx", b"x" * 100)}
    )
    assert "larger than" in response.content.decode()
    assert not Job.objects.exists()


def test_codebook_export_and_import(client_for, rich_project, other_project, users):
    data = client_for("viewer").get(reverse("exchange:codebook_export", args=[rich_project.pk]))
    assert data["Content-Disposition"] == 'attachment; filename="Study-codebook.qdc"'
    url = reverse("exchange:codebook_import", args=[other_project.pk])
    Membership.objects.create(project=other_project, user=users["coder"], role=Role.CODER)
    upload = SimpleUploadedFile("c.qdc", data.content)
    assert client_for("coder").post(url, {"file": upload}).status_code == 403
    Membership.objects.create(project=other_project, user=users["lead"], role=Role.LEAD)
    upload = SimpleUploadedFile("c.qdc", data.content)
    response = client_for("lead").post(url, {"file": upload})
    job = Job.objects.get(kind="import_qdc")
    assert response.url == reverse("exchange:job", args=[job.guid])
    paths = sorted(c.full_path for c in Code.objects.filter(project=other_project))
    assert paths == [
        "Audience 🎬",
        "Private code",
        "Strengths",
        "Strengths/Trust",
        "Weaknesses",
        "Weaknesses/Financing",
    ]
    trust = Code.objects.get(project=other_project, name="Trust")
    assert (trust.colour, trust.definition) == ("#81c784", "Mutual trust.")
    page = client_for("lead").get(response.url).content.decode()
    assert '<td>Codes</td><td class="text-end">5</td>' in page
    # Importing again adds nothing.
    upload = SimpleUploadedFile("c.qdc", data.content)
    client_for("lead").post(url, {"file": upload})
    assert Code.objects.filter(project=other_project).count() == 6


def test_a_bad_codebook_is_refused_with_a_message(client_for, project):
    url = reverse("exchange:codebook_import", args=[project.pk])
    upload = SimpleUploadedFile(
        "c.qdc", b"<CodeBook xmlns='urn:QDA-XML:codebook:1.0'><Codes/></CodeBook>"
    )
    response = client_for("lead").post(url, {"file": upload}, follow=True)
    assert "The codebook holds no codes. Nothing was stored." in response.content.decode()
    assert not Code.objects.filter(project=project).exists()


def test_a_new_export_replaces_the_users_previous_file(client_for, rich_project):
    client = client_for("lead")
    url = reverse("exchange:project_export", args=[rich_project.pk])
    client.post(url)
    client.post(url)
    first, second = Job.objects.filter(kind="export_qdpx").order_by("created_at", "pk")
    assert client.get(reverse("exchange:export_download", args=[first.guid])).status_code == 404
    assert client.get(reverse("exchange:export_download", args=[second.guid])).status_code == 200
