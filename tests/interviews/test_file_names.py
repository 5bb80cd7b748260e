"""File names link a transcript to the interviewee whose pseudonym they hold."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from interviews.ingest.batches import linked_interviewees, names_pseudonym
from interviews.models import Interviewee


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


TEXT = "Speaker 1: Where did it start?\n\nSpeaker 2: In Minsk, at a festival.\n"


@pytest.mark.parametrize(
    ("file_name", "pseudonym"),
    [
        ("BY-07_film_producer.txt", "BY-07"),
        ("BY-04_followup.docx", "BY-04"),
        ("long_interview_BY-05.txt", "BY-05"),
        ("interview BY-05.txt", "BY-05"),
        ("2024.BY-05.final.txt", "BY-05"),
        ("by-05-second-take.txt", "BY-05"),
        ("BY-05", "BY-05"),
    ],
)
def test_a_pseudonym_between_separators_matches(file_name, pseudonym):
    assert names_pseudonym(file_name, pseudonym)


@pytest.mark.parametrize(
    ("file_name", "pseudonym"),
    [
        ("BY-070_film.txt", "BY-07"),
        ("XBY-07_film.txt", "BY-07"),
        ("BY-07a.txt", "BY-07"),
        ("notes.txt", "BY-07"),
        ("anything.txt", "  "),
    ],
)
def test_a_pseudonym_inside_a_longer_name_does_not_match(file_name, pseudonym):
    assert not names_pseudonym(file_name, pseudonym)


def test_each_example_links_to_its_interviewee_only(project):
    people = {
        p: Interviewee.objects.create(project=project, pseudonym=p)
        for p in ("BY-04", "BY-05", "BY-07", "BY-070")
    }
    assert linked_interviewees("BY-07_film_producer.txt", project, {}) == [people["BY-07"]]
    assert linked_interviewees("zip/BY-04_followup.docx", project, {}) == [people["BY-04"]]
    assert linked_interviewees("long_interview_BY-05.txt", project, {}) == [people["BY-05"]]
    assert linked_interviewees("BY-070 call.txt", project, {}) == [people["BY-070"]]


def test_the_review_page_shows_the_match(client_for, project):
    person = Interviewee.objects.create(project=project, pseudonym="BY-07")
    client = client_for("coder")
    response = client.post(
        reverse("interviews:source_import", args=[project.pk]),
        {
            "files": SimpleUploadedFile("BY-07_film_producer.txt", TEXT.encode()),
            "kind": "interview",
        },
    )
    assert response.status_code == 302
    page = client.get(response.url).content.decode()
    line = re.search(r'data-field="file-link">(.*?)</p>', page, re.S).group(1)
    assert re.sub(r"<[^>]+>", "", line) == (
        "The file name links it to BY-07: preselected as interviewee below."
    )
    chosen = re.search(r'<option value="(\d+)" selected>BY-07', page)
    assert chosen and int(chosen.group(1)) == person.pk


def test_the_review_page_says_when_nothing_matches(client_for, project):
    Interviewee.objects.create(project=project, pseudonym="BY-07")
    client = client_for("coder")
    response = client.post(
        reverse("interviews:source_import", args=[project.pk]),
        {"files": SimpleUploadedFile("BY-070_call.txt", TEXT.encode()), "kind": "interview"},
    )
    page = client.get(response.url).content.decode()
    assert "The file name names no interviewee of this project" in page
