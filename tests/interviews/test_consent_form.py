"""An interviewee's consent form: uploaded by admins, checked by content, limited in size,
stored under a name that says nothing, and given to admins only."""

from __future__ import annotations

import io

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from interviews.models import Interviewee
from tests.interviews.import_files import make_pdf


def image_bytes(fmt: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(buffer, format=fmt)
    return buffer.getvalue()


def _url(project, interviewee, name="consent_form"):
    return reverse(f"interviews:{name}", args=[project.pk, interviewee.pk])


def _upload(client, project, interviewee, name: str, data: bytes):
    return client.post(
        _url(project, interviewee), {"consent_form": SimpleUploadedFile(name, data)}, follow=True
    )


def test_an_admin_uploads_a_pdf_form_and_reads_it_back(client_for, project, interviewee):
    data = make_pdf([["I agree to take part."]])
    page = _upload(client_for("admin"), project, interviewee, "Alesia Secretname.pdf", data)
    assert "Consent form of BY-01 stored." in page.content.decode()
    interviewee.refresh_from_db()
    assert interviewee.consent_form_name == "Alesia Secretname.pdf"
    stored = interviewee.consent_form.name
    # The stored name says nothing of the person.
    assert stored.startswith(f"consent/{project.pk}/") and stored.endswith(".pdf")
    assert "Secretname" not in stored
    response = client_for("admin").get(_url(project, interviewee))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == data
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="consent-form-BY-01.pdf"' in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"
    detail = client_for("admin").get(interviewee.get_absolute_url()).content.decode()
    assert "Alesia Secretname.pdf" in detail


@pytest.mark.parametrize("fmt, suffix", [("PNG", "png"), ("JPEG", "jpg")])
def test_a_scan_as_an_image_is_accepted(client_for, project, interviewee, fmt, suffix):
    _upload(client_for("admin"), project, interviewee, f"scan.{suffix}", image_bytes(fmt))
    interviewee.refresh_from_db()
    assert interviewee.consent_form.name.endswith(f".{suffix}")


@pytest.mark.parametrize(
    "name, data, message",
    [
        ("form.pdf", b"Dear committee, I agree.", "must be a PDF, PNG or JPEG"),
        ("form.pdf", b"%PDF-1.7\nnot really a pdf", "cannot be read as one"),
        ("form.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "PNG image but cannot be read"),
        ("form.jpg", image_bytes("JPEG")[:20], "JPEG image but cannot be read"),
        ("form.pdf", b"", "The file is empty."),
        ("form.html", b"<script>alert(1)</script>", "must be a PDF, PNG or JPEG"),
    ],
)
def test_a_file_that_is_not_a_form_is_refused_and_changes_nothing(
    client_for, project, interviewee, name, data, message
):
    page = _upload(client_for("admin"), project, interviewee, name, data).content.decode()
    assert message in page
    interviewee.refresh_from_db()
    assert not interviewee.consent_form and interviewee.consent_form_name == ""


def test_a_form_over_the_size_limit_is_refused(client_for, project, interviewee, settings):
    settings.PARLEY_MAX_CONSENT_FORM_BYTES = 1024 * 1024
    data = make_pdf([["I agree to take part."]]) + b"%" * (1024 * 1024)
    page = _upload(client_for("admin"), project, interviewee, "big.pdf", data).content.decode()
    assert "A consent form may be at most 1 MB" in page
    interviewee.refresh_from_db()
    assert not interviewee.consent_form


def test_a_new_form_replaces_the_old_one_and_removing_deletes_the_file(
    client_for, project, interviewee, django_capture_on_commit_callbacks
):
    client = client_for("admin")
    with django_capture_on_commit_callbacks(execute=True):
        _upload(client, project, interviewee, "one.pdf", make_pdf([["I agree to take part."]]))
    first = Interviewee.objects.get(pk=interviewee.pk).consent_form.name
    with django_capture_on_commit_callbacks(execute=True):
        _upload(client, project, interviewee, "two.png", image_bytes("PNG"))
    second = Interviewee.objects.get(pk=interviewee.pk).consent_form.name
    assert not default_storage.exists(first) and default_storage.exists(second)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(_url(project, interviewee, "consent_form_delete"))
    interviewee.refresh_from_db()
    assert not interviewee.consent_form and not default_storage.exists(second)
    assert client.get(_url(project, interviewee)).status_code == 404


@pytest.mark.parametrize("role", ["lead", "coder", "viewer"])
def test_only_admins_read_or_change_a_form(client_for, project, interviewee, role):
    _upload(
        client_for("admin"), project, interviewee, "form.pdf", make_pdf([["I agree to take part."]])
    )
    client = client_for(role)
    assert client.get(_url(project, interviewee)).status_code == 403
    response = client.post(
        _url(project, interviewee),
        {"consent_form": SimpleUploadedFile("x.pdf", make_pdf([["I agree to take part."]]))},
    )
    assert response.status_code == 403
    assert client.post(_url(project, interviewee, "consent_form_delete")).status_code == 403
    assert Interviewee.objects.get(pk=interviewee.pk).consent_form_name == "form.pdf"
    detail = client.get(interviewee.get_absolute_url()).content.decode()
    assert "form.pdf" not in detail and "consent-form" not in detail


def test_an_outsider_does_not_learn_the_form_exists(client_for, project, interviewee):
    _upload(
        client_for("admin"), project, interviewee, "form.pdf", make_pdf([["I agree to take part."]])
    )
    assert client_for("outsider").get(_url(project, interviewee)).status_code == 404


def test_the_form_goes_with_its_project(
    client_for, project, interviewee, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _upload(client_for("admin"), project, interviewee, "form.pdf", make_pdf([["Yes."]]))
    name = Interviewee.objects.get(pk=interviewee.pk).consent_form.name
    assert default_storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        project.delete()
    assert not default_storage.exists(name)
