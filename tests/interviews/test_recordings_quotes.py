"""Quotes of a source with a recording carry their start time, in retrieval, reports and
their exports, and link to the coding page playing from there."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from coding.models import Code, Coding
from interviews.recordings import services
from interviews.recordings.models import Recording
from interviews.recordings.quotes import passage_link, timed_quote
from interviews.services import source_create
from tests.interviews.media_files import wav_bytes

TEXT = (
    "[00:12:00] Olga: Good morning, let us begin with the festival.\n\n"
    "[00:12:30] Ivan: It started in Minsk, with very little money.\n\n"
    "[00:13:00] Olga: And the audience loved the film."
)


@pytest.fixture
def timed(project, users):
    source = source_create(project=project, title="Festival talk", text=TEXT)
    path = services.incoming_dir() / "quotes.part"
    path.write_bytes(wav_bytes(1.0))
    recording = services.recording_attach(source=source, path=path, original_name="talk.wav")
    # A quarter of an hour, as the real interview (the file here is one second long).
    Recording.objects.filter(pk=recording.pk).update(duration=900.0)
    code = Code.objects.create(project=project, name="Money")
    start = TEXT.index("[00:12:30]")
    Coding.objects.create(
        source=source, code=code, coder=users["coder"], start=start, end=TEXT.index(", with")
    )
    untimed = source_create(project=project, title="Policy", text="The ministry paid for it.")
    Coding.objects.create(source=untimed, code=code, coder=users["coder"], start=4, end=12)
    return source, code, start


def test_quote_labels_and_links():
    assert timed_quote("words", 751.4) == "[00:12:31] words"
    assert timed_quote("words", None) == "words"
    assert timed_quote("words", float("nan")) == "words"
    # A quote from a turn's label carries the transcript's own time once, not twice.
    assert timed_quote("[00:12:30] Ivan: words", 750.0) == "[00:12:30] Ivan: words"
    assert timed_quote("(0:12:30) Ivan: words", 750.0) == "(0:12:30) Ivan: words"
    assert timed_quote("12 words", 750.0) == "[00:12:30] 12 words"
    assert passage_link("/w/", 3, 9, 751.44) == "/w/?t=751.4#pos=3-9"
    assert passage_link("/w/", 3, 9) == "/w/#pos=3-9"


def test_retrieval_shows_the_time_and_links_to_play_from_there(client_for, project, timed):
    source, code, start = timed
    url = reverse("coding:retrieval", args=[project.pk])
    page = client_for("viewer").get(url, {"code": code.pk}).content.decode()
    workspace = reverse("coding:workspace", args=[project.pk, source.pk])
    assert f'href="{workspace}?t=750.0#pos={start}-{TEXT.index(", with")}"' in page
    assert "[00:12:30]</a>" in page
    rows = list(
        csv.DictReader(
            io.StringIO(
                client_for("viewer")
                .get(url, {"code": code.pk, "export": "csv"})
                .content.decode("utf-8-sig")
                .split("\n", 1)[1]  # below the provenance line
            )
        )
    )
    assert [(r["source"], r["time"]) for r in rows] == [
        ("Festival talk", "00:12:30"),
        ("Policy", ""),
    ]


def test_report_quotes_and_their_exports_carry_the_time(client_for, project, timed):
    source, code, start = timed
    client = client_for("lead")
    page = client.get(reverse("reports:report", args=[project.pk, "theme"])).content.decode()
    assert "[00:12:30] Ivan: It started in Minsk" in page
    assert "[00:12:30] [00:12:30]" not in page
    assert "“ministry”" in page  # a source without recording: no time
    body = client.get(
        reverse("reports:export", args=[project.pk, "theme", "csv"]) + "?table=quotes"
    ).content.decode("utf-8-sig")
    assert "[00:12:30] Ivan: It started in Minsk" in body
    assert "[00:12:30] [00:12:30]" not in body


def test_report_passages_link_to_play_from_the_quote(client_for, project, timed):
    source, code, start = timed
    url = reverse("reports:passages", args=[project.pk]) + f"?kind=frequencies&d_code={code.pk}"
    page = client_for("viewer").get(url).content.decode()
    workspace = reverse("coding:workspace", args=[project.pk, source.pk])
    assert f"{workspace}?t=750.0#pos={start}-" in page


def test_theme_report_quotes_link_to_play_from_their_time(client_for, project, timed):
    source, code, start = timed
    page = client_for("viewer").get(reverse("reports:report", args=[project.pk, "theme"]))
    html = page.content.decode()
    workspace = reverse("coding:workspace", args=[project.pk, source.pk])
    end = TEXT.index(", with")
    assert html.count("▶ Play from here") == 1  # the quote without recording has no link
    assert f'<a href="{workspace}?t=750.0#pos={start}-{end}" title="Play from here">' in html


def test_the_excel_and_word_exports_carry_the_time(client_for, project, timed):
    import zipfile

    source, code, start = timed
    client = client_for("lead")

    def xml_of(body: bytes) -> str:
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            return "".join(
                archive.read(name).decode()
                for name in archive.namelist()
                if name.startswith(("xl/", "word/")) and name.endswith(".xml")
            )

    for fmt in ("xlsx", "docx"):
        body = client.get(reverse("reports:export", args=[project.pk, "theme", fmt])).content
        assert "[00:12:30] Ivan: It started in Minsk" in xml_of(body), fmt
        assert "[00:12:30] [00:12:30]" not in xml_of(body), fmt
    retrieval = reverse("coding:retrieval", args=[project.pk])
    xml = xml_of(client.get(retrieval, {"code": code.pk, "export": "xlsx"}).content)
    assert ">time<" in xml and ">00:12:30<" in xml


def test_swot_quotes_link_to_play_from_their_time(client_for, project, timed, users):
    source, code, start = timed
    end = TEXT.index(", with")
    strengths = Code.objects.create(project=project, name="Strengths")
    Coding.objects.create(source=source, code=strengths, coder=users["coder"], start=start, end=end)
    page = client_for("viewer").get(reverse("reports:report", args=[project.pk, "swot"]))
    html = page.content.decode()
    workspace = reverse("coding:workspace", args=[project.pk, source.pk])
    assert "“[00:12:30] Ivan: It started in Minsk”" in html
    assert "[00:12:30] [00:12:30]" not in html
    assert html.count("▶ Play from here") == 1
    assert f'<a href="{workspace}?t=750.0#pos={start}-{end}" title="Play from here">' in html


def test_framework_quotes_link_to_play_from_their_time(client_for, project, timed):
    source, code, start = timed
    end = TEXT.index(", with")
    url = reverse("reports:report", args=[project.pk, "framework"])
    page = client_for("viewer").get(url, {"rows": "source"})
    html = page.content.decode()
    workspace = reverse("coding:workspace", args=[project.pk, source.pk])
    assert "“[00:12:30] Ivan: It started in Minsk”" in html
    assert "[00:12:30] [00:12:30]" not in html
    assert html.count("▶ Play from here") == 1  # the quote without recording has no link
    assert (
        f'<a href="{workspace}?t=750.0#pos={start}-{end}" class="text-nowrap" '
        'title="Play from here">' in html
    )
