"""The hostile corpus through the pages and the API: never a 500, nothing stored, and a
message that says what was wrong."""

from __future__ import annotations

import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from coding.models import Code, Coding, Memo
from interviews.models import Segment, Source
from reports.models import Exemplar
from tests.hostile import corpus


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def _import(client, project, *files):
    return client.post(
        reverse("interviews:source_import", args=[project.pk]),
        {"files": [SimpleUploadedFile(name, data) for name, data in files], "kind": "interview"},
    )


# Single files and batches ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "build", "message"),
    [
        ("bomb.odt", corpus.odt_space_bomb, "beyond the limit for unpacked files"),
        ("bombs.odt", corpus.odt_many_space_bombs, "beyond the limit for unpacked files"),
        # pypdf stops inflating at its own limit (75 MB) and finds no text in what it got.
        ("bomb.pdf", corpus.pdf_flate_bomb, "“bomb.pdf” has no text layer"),
    ],
)
def test_a_bomb_in_the_single_file_flow_is_refused_and_stores_nothing(
    client_for, project, name, build, message
):
    response = _import(client_for("coder"), project, (name, build()))
    assert response.status_code == 400
    assert message in _text(response)
    assert "Nothing was imported." in _text(response)
    assert Source.objects.count() == 0


def test_an_odt_with_a_count_that_is_not_a_number_reads_as_one_space(client_for, project):
    client = client_for("coder")
    response = _import(client, project, ("bad-int.odt", corpus.odt_bad_int()))
    assert response.status_code == 302
    review = client.get(response["Location"])
    assert review.status_code == 200
    assert "Interviewer: a b Respondent: c d" in _text(review)


def test_too_many_files_at_once_are_refused_with_the_limit(client_for, project, settings):
    settings.PARLEY_MAX_BATCH_FILES = 3
    files = [(f"t{i}.txt", f"Interviewer: hello {i}".encode()) for i in range(4)]
    response = _import(client_for("coder"), project, *files)
    assert response.status_code == 400
    assert "4 files were sent at once; the limit is 3 files per upload" in _text(response)
    assert Source.objects.count() == 0


def test_files_over_the_total_size_of_a_batch_are_refused(client_for, project, settings):
    settings.PARLEY_MAX_BATCH_BYTES = 1024 * 1024
    files = [(f"t{i}.txt", b"Interviewer: hello " + b"x" * 400_000) for i in range(3)]
    response = _import(client_for("coder"), project, *files)
    assert response.status_code == 400
    assert "The files sent at once come to 1 MB; the limit is 1 MB per upload" in _text(response)
    assert Source.objects.count() == 0


def test_thousands_of_speaker_labels_make_a_short_form_that_saves(client_for, project, settings):
    client = client_for("coder")
    response = _import(client, project, ("many.txt", corpus.transcript_many_speakers(2000)))
    assert response.status_code == 302
    review = client.get(response["Location"])
    page = _text(review)
    assert (
        len(re.findall(r'<select name="speaker_\d+"', page)) == settings.PARLEY_MAX_SPEAKERS_SHOWN
    )
    assert page.count('<select name="speaker_others"') == 1
    assert "1,940 other labels" in page
    assert "Speaker60, Speaker61, Speaker62, Speaker63, Speaker64 …" in page
    assert len(review.content) < 400_000
    saved = client.post(
        response["Location"],
        {
            "title": "Many",
            "language": "en",
            "kind": "interview",
            "speaker_0": "interviewer",
            "speaker_others": "interviewer",
        },
    )
    assert saved.status_code == 302, _text(saved)[:2000]
    source = Source.objects.get()
    turns = Segment.objects.filter(source=source, kind="turn")
    assert turns.count() == 2000
    assert turns.filter(is_interviewer=True).count() == 1941
    assert turns.get(speaker="Speaker1").is_interviewer is False


def test_a_zip_entry_lying_about_its_size_is_listed_as_damaged(client_for, project):
    client = client_for("coder")
    response = _import(
        client,
        project,
        ("lies.zip", corpus.zip_lying_entry(real_size=5 * 1024 * 1024)),
        ("ok.txt", b"Interviewer: hello\n\nRespondent: hi"),
    )
    assert response.status_code == 302
    page = _text(client.get(response["Location"]))
    assert "is damaged: “a.txt” cannot be unpacked" in page
    assert Source.objects.count() == 0


# Codebook files ----------------------------------------------------------------------


def _codebook_import(client, project, name, data):
    return client.post(
        reverse("coding:codebook_import", args=[project.pk]),
        {"file": SimpleUploadedFile(name, data)},
        follow=True,
    )


@pytest.mark.parametrize(
    ("name", "build", "message"),
    [
        (
            "deep.csv",
            corpus.codebook_csv_deep,
            "would sit 2,000 levels deep; codes may nest at most 12",
        ),
        ("long.csv", corpus.codebook_csv_long_field, "A codebook cell holds at most 128 KB"),
        ("rows.csv", corpus.codebook_csv_rows, "more than 2,000 rows"),
    ],
)
def test_a_hostile_codebook_file_is_refused_whole(client_for, project, name, build, message):
    response = _codebook_import(client_for("lead"), project, name, build())
    assert response.status_code == 200
    assert message in _text(response)
    assert "Nothing was imported." in _text(response)
    assert Code.objects.filter(project=project).count() == 0


def test_a_codebook_sheet_with_a_broken_formula_cell_is_refused_whole(client_for, project):
    response = _codebook_import(
        client_for("lead"), project, "f.xlsx", corpus.codebook_xlsx_formula()
    )
    assert response.status_code == 200
    assert (
        "Nothing was imported. “f.xlsx” is not a readable XLSX workbook; save it again from "
        "your spreadsheet program as .xlsx."
    ) in _text(response)
    assert Code.objects.filter(project=project).count() == 0


def test_a_codebook_sheet_declaring_the_whole_grid_imports_its_one_code(client_for, project):
    response = _codebook_import(
        client_for("lead"), project, "huge.xlsx", corpus.codebook_xlsx_huge_dimension()
    )
    assert "Codebook imported: 1 code created" in _text(response)
    assert list(Code.objects.filter(project=project).values_list("name", flat=True)) == [
        "Strengths"
    ]


def test_deep_trees_are_walked_without_recursion(project, users):
    """A tree far deeper than the limit (made before the limit existed) still lists."""
    parent = None
    codes = []
    for index in range(3000):
        code = Code.objects.create(project=project, parent=parent, name=f"c{index}", order=0)
        codes.append(code)
        parent = code
    ordered = Code.objects.filter(project=project).tree_order()
    assert [c.name for c in ordered[:3]] == ["c0", "c1", "c2"]
    assert ordered[-1].depth == 2999


def test_a_code_cannot_be_created_or_moved_past_the_depth_limit(client_for, project, settings):
    from django.core.exceptions import ValidationError

    from coding import codebook_services as svc

    settings.PARLEY_MAX_CODE_DEPTH = 3
    lead = project.memberships.get(role="lead").user
    a = svc.code_create(project=project, user=lead, name="A")
    b = svc.code_create(project=project, user=lead, name="B", parent=a)
    c = svc.code_create(project=project, user=lead, name="C", parent=b)
    with pytest.raises(ValidationError, match="would sit 4 levels deep"):
        svc.code_create(project=project, user=lead, name="D", parent=c)
    x = svc.code_create(project=project, user=lead, name="X")
    svc.code_create(project=project, user=lead, name="Y", parent=x)
    with pytest.raises(ValidationError, match="would sit 4 levels deep"):
        svc.code_move(code=x, user=lead, parent=b)
    assert Code.objects.get(pk=x.pk).parent_id is None


# The codings API and other pages ------------------------------------------------------


def _api(project, source):
    return reverse("api:source_codings", args=[project.pk, source.pk])


def test_a_cursor_that_is_not_ascii_digits_is_a_400(client_for, project, source):
    response = client_for("coder").get(_api(project, source), {"since": "²"})
    assert response.status_code == 400
    assert "“since”" in response.json()["error"]


@pytest.mark.parametrize("end", [536_870_922, 1_000_000_000, 2_147_483_647])
def test_an_end_far_past_the_text_is_a_400(client_for, project, source, code, end):
    response = client_for("coder").post(
        _api(project, source),
        json.dumps({"code": code.pk, "start": 0, "end": end}),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["error"] == "A coding cannot end beyond the source's text."
    assert Coding.objects.count() == 0


def test_deeply_nested_json_is_a_400(client_for, project, source):
    body = "[" * 100_000 + "]" * 100_000
    response = client_for("coder").post(
        _api(project, source), body, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["error"] == "The request body is not valid JSON."


def test_a_nul_in_a_memo_is_a_400(client_for, project, source, code):
    response = client_for("coder").post(
        _api(project, source),
        json.dumps({"code": code.pk, "start": 0, "end": 5, "memo": "a\x00b"}),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "NUL" in response.json()["error"]
    assert Coding.objects.count() == 0


@pytest.mark.parametrize(
    "url_name", ["reports:report", "coding:retrieval", "coding:memo_list", "coding:search"]
)
def test_a_nul_in_a_query_is_a_400(client_for, project, url_name):
    args = [project.pk, "frequencies"] if url_name == "reports:report" else [project.pk]
    response = client_for("lead").get(
        reverse(url_name, args=args), {"coder": "a\x00b", "q": "\x00"}
    )
    assert response.status_code == 400
    assert "NUL character" in response.content.decode()


def test_a_memo_over_the_limit_is_refused(client_for, project, source, code, settings):
    settings.PARLEY_MAX_MEMO_CHARS = 1000
    response = client_for("coder").post(
        _api(project, source),
        json.dumps({"code": code.pk, "start": 0, "end": 5, "memo": "x" * 1001}),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["error"] == "The memo has 1,001 characters; the limit is 1,000."
    assert Coding.objects.count() == 0
    assert Memo.objects.count() == 0


def test_a_summary_for_a_code_that_is_not_a_number_is_refused(client_for, project):
    response = client_for("lead").post(
        reverse("reports:summary_save", args=[project.pk]),
        {"code": "abc", "rows": "interviewee", "text": "x"},
        follow=True,
    )
    assert response.status_code == 200
    assert "That matrix cell does not exist." in _text(response)


def test_an_exemplar_toggle_with_a_next_that_is_not_a_path_goes_to_the_reports(
    client_for, project, coding
):
    response = client_for("lead").post(
        reverse("reports:exemplar_toggle", args=[project.pk, coding.pk]), {"next": "abc"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:index", args=[project.pk])
    assert Exemplar.objects.filter(coding=coding).count() == 1


def test_one_uploaded_file_is_read_once_from_upload_to_save(client_for, project, monkeypatch):
    from interviews.ingest import files as import_services

    calls = []
    real = import_services.read_file
    monkeypatch.setattr(
        import_services, "read_file", lambda *a, **k: calls.append(a[0]) or real(*a, **k)
    )
    client = client_for("coder")
    response = _import(client, project, ("one.txt", b"Interviewer: hello\n\nRespondent: hi"))
    review = client.get(response["Location"])
    assert review.status_code == 200
    saved = client.post(
        response["Location"], {"title": "One", "language": "en", "kind": "interview"}
    )
    assert saved.status_code == 302
    assert calls == ["one.txt"]
    assert Source.objects.get().text == "Interviewer: hello\n\nRespondent: hi"


def test_a_transcript_with_more_words_than_a_tsvector_holds_is_stored_and_searched(project):
    from coding.search import search_run

    text = corpus.transcript_many_words().decode()
    source = Source.objects.create(project=project, title="Many words", text=text)
    last = text.split()[-1].rstrip(".")
    first = text.split()[0]
    for word in (first, last):
        result = search_run(project=project, query=word, limit=None)
        assert result.source_count == 1, word
        assert result.hits[0].source_id == source.pk
    assert search_run(project=project, query=f"{first} {last}").source_count == 1
    assert search_run(project=project, query="zzzzzzzzzz").source_count == 0
