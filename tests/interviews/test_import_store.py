"""What an import stores in its few statements (COPY on PostgreSQL) is what the ORM stores:
segments, code points, and the search index behind search hits."""

from __future__ import annotations

import re
import string

import pytest
from django.db import connection

from coding.search import CJK_CLASS, PG_PUNCTUATION_CLASS, pg_vector_sql, search_run
from interviews.importers import read_file
from interviews.ingest.segmentation import SEGMENT_COLUMNS, segment_rows
from interviews.ingest.sources import source_import
from interviews.ingest.speakers import INTERVIEWER
from interviews.models import Segment, Source, SourceCodePoints

TRANSCRIPT = (
    "[00:00:05] Interviewer: How did the co-production with Harbin start?\n\n"
    "[00:00:09] Respondent: It started at a festival in Minsk. Olga signed the memorandum "
    "in March 2019 — «на студии».\n\n"
    "Second paragraph of the same turn: e-mail olga@example.org, 3.5 million, 观众很喜欢 🎬.\n\n"
    "[00:01:12] Interviewer: And the audience?\n\n"
    "[00:01:15] Someone else: Audiences loved it."
)
FIELDS = [c.removesuffix("_id") for c in SEGMENT_COLUMNS if c != "source_id"]


def _segments(source: Source) -> list[tuple]:
    return list(source.segments.order_by("kind", "start", "end").values_list(*FIELDS))


@pytest.fixture
def imported():
    return read_file("harbin.txt", TRANSCRIPT.encode("utf-8"))


@pytest.fixture
def stored(project, interviewee, imported) -> Source:
    speaker_map = {"Interviewer": INTERVIEWER, "Respondent": interviewee}
    return source_import(project=project, imported=imported, language="en", speaker_map=speaker_map)


def test_segments_stored_in_one_statement_are_those_the_orm_stores(
    project, interviewee, imported, stored
):
    speaker_map = {"Interviewer": INTERVIEWER, "Respondent": interviewee}
    twin = Source.objects.create(project=project, title="Twin", text=stored.text, language="en")
    rows = segment_rows(source=twin, imported=imported, speaker_map=speaker_map)
    Segment.objects.bulk_create(
        Segment(**dict(zip(SEGMENT_COLUMNS, row, strict=True))) for row in rows
    )

    found = _segments(stored)
    assert found == _segments(twin)
    turns = [row for row in found if row[0] == "turn"]
    assert [(t[3], t[4], t[5], t[6]) for t in turns] == [
        ("Interviewer", None, True, 5.0),
        ("Respondent", interviewee.pk, False, 9.0),
        ("Interviewer", None, True, 72.0),
        ("Someone else", None, False, 75.0),
    ]
    assert all(stored.text[s:e].strip() for _, s, e, *_ in found)


def test_an_imported_source_keeps_its_code_points(stored):
    points = SourceCodePoints.objects.get(source=stored)
    assert points.length == len(stored.text)
    assert SourceCodePoints.decode(points.utf32) == stored.text


@pytest.mark.parametrize(
    ("query", "count"),
    [("memorandum", 1), ('"olga example"', 1), ("3 5", 1), ("观众", 1), ("studio*", 0)],
)
def test_an_imported_source_is_found_as_a_source_saved_through_the_orm(
    project, stored, query, count
):
    result = search_run(project=project, query=query, limit=None)
    assert result.source_count == count
    twin = Source.objects.create(project=project, title="Twin", text=stored.text + " twin")
    again = search_run(project=project, query=query, limit=None)
    assert again.source_count == 2 * count
    assert {h.source_id for h in again.hits} == ({stored.pk, twin.pk} if count else set())


def test_the_punctuation_class_is_ascii_punctuation():
    ascii_chars = "".join(map(chr, range(128)))
    assert "".join(re.findall(PG_PUNCTUATION_CLASS, ascii_chars)) == string.punctuation


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's own index")
@pytest.mark.django_db
def test_the_vector_is_the_one_translate_made():
    text = TRANSCRIPT + " " + "".join(map(chr, range(32, 128))) + " a\\b [x] `y` 电影"
    punctuation = string.punctuation.replace("'", "''").replace("%", "%%")
    spaces = " " * len(string.punctuation)
    before = (
        f"to_tsvector('simple'::regconfig, regexp_replace(translate(%s, '{punctuation}', "
        f"'{spaces}'), '[{CJK_CLASS}]', ' \\& ', 'g'))"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {pg_vector_sql('%s')} = {before}, {pg_vector_sql('%s')}::text",
            [text, text, text],
        )
        same, vector = cursor.fetchone()
    assert same
    assert "'电'" in vector and "'olga'" in vector and "'example'" in vector
