"""What an import stores in its few statements (COPY on PostgreSQL) is what the ORM stores:
segments, pieces, code points, and the search index behind search hits; and a failed import
stores none of them."""

from __future__ import annotations

import re
import string

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from coding.search import (
    CJK_CLASS,
    FTS_TABLE,
    PG_PUNCTUATION_CLASS,
    PG_TABLE,
    pg_vector_sql,
    search_run,
)
from interviews.importers import Imported, read_file
from interviews.ingest import sources
from interviews.ingest.segmentation import (
    SEGMENT_COLUMNS,
    segment_rows,
    segments_insert,
    text_layout,
)
from interviews.ingest.sources import source_import
from interviews.ingest.speakers import INTERVIEWER
from interviews.layout import source_pieces_store
from interviews.models import Interviewee, Segment, Source, SourceCodePoints, SourcePiece
from interviews.services import source_create
from interviews.turns import Turn

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


def test_segment_values_that_copy_escapes_are_stored_as_given(project, interviewee):
    source = Source.objects.create(project=project, title="Odd labels", text="x" * 100)
    rows = [
        (source.pk, "sentence", 40, 50, "", None, False, None),
        (source.pk, "turn", 0, 10, "Tab\there, back\\slash", interviewee.pk, False, 0.1 + 0.2),
        (source.pk, "turn", 10, 20, "Line\nbreak\r\\N", None, True, 1e-05),
        (source.pk, "turn", 20, 30, "N", None, False, 7200.0),
        (source.pk, "turn", 30, 40, "", None, False, 3),
    ]
    segments_insert(rows)
    assert _segments(source) == [row[1:] for row in rows]


def test_segments_stored_in_one_statement_are_those_the_orm_stores(
    project, interviewee, imported, stored
):
    speaker_map = {"Interviewer": INTERVIEWER, "Respondent": interviewee}
    twin = Source.objects.create(project=project, title="Twin", text=stored.text, language="en")
    layout = text_layout(twin.text, twin.language, imported.turns)
    rows = segment_rows(source=twin, imported=imported, speaker_map=speaker_map, layout=layout)
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


def test_an_import_stores_these_segments_and_pieces(interviewee, stored):
    """The rows of the sample transcript, as the import stored them when its pieces were
    laid out from the turns read back (main at 862e7a9)."""
    iv = interviewee.pk
    assert _segments(stored) == [
        ("paragraph", 0, 68, "", None, False, None),
        ("paragraph", 70, 183, "", None, False, None),
        ("paragraph", 185, 266, "", None, False, None),
        ("paragraph", 268, 309, "", None, False, None),
        ("paragraph", 311, 355, "", None, False, None),
        ("sentence", 24, 68, "", None, False, None),
        ("sentence", 93, 127, "", None, False, None),
        ("sentence", 128, 183, "", None, False, None),
        ("sentence", 185, 266, "", None, False, None),
        ("sentence", 292, 309, "", None, False, None),
        ("sentence", 336, 355, "", None, False, None),
        ("turn", 0, 68, "Interviewer", None, True, 5.0),
        ("turn", 70, 266, "Respondent", iv, False, 9.0),
        ("turn", 268, 309, "Interviewer", None, True, 72.0),
        ("turn", 311, 355, "Someone else", None, False, 75.0),
    ]
    assert list(
        SourcePiece.objects.filter(source=stored).values_list("index", "start", "end", "blocks")
    ) == [
        (
            0,
            0,
            355,
            [
                [0, 68, "Interviewer", 5.0, False],
                [70, 266, "Respondent", 9.0, False],
                [268, 309, "Interviewer", 72.0, False],
                [311, 355, "Someone else", 75.0, False],
            ],
        )
    ]


ANN = 'Ann «Алеся» "A\\B"'


def test_the_pieces_of_an_import_are_those_laid_out_from_its_rows(project):
    """Pieces laid out from the imported turns (stored straight in the table, a new source's)
    are those laid out from the stored rows, for a long text with a speaker label longer than
    a row keeps and one with quotes, a backslash and letters beyond ASCII."""
    long_name = "Speaker " + "x" * 300
    parts, turns, position = [], [], 0
    for number in range(60):
        speaker = long_name if number % 3 == 0 else ("Interviewer" if number % 2 else ANN)
        body = f"{speaker}: " + " ".join(f"Sentence {number}.{k} of the turn." for k in range(40))
        turns.append(Turn(position, position + len(body), speaker, float(number), len(speaker) + 2))
        parts.append(body)
        position += len(body) + 2
    text = "\n\n".join(parts)
    imported = Imported(text=text, format="text", title="Long", turns=turns)

    source = source_import(project=project, imported=imported, language="en")

    stored = list(
        SourcePiece.objects.filter(source=source)
        .order_by("index")
        .values_list("index", "start", "end", "blocks")
    )
    SourcePiece.objects.filter(source=source).delete()
    source_pieces_store(source.pk)
    again = list(
        SourcePiece.objects.filter(source=source)
        .order_by("index")
        .values_list("index", "start", "end", "blocks")
    )
    assert len(stored) > 5
    assert stored == again
    assert stored[0][3][0][2] == long_name[:200]
    assert {block[2] for _i, _s, _e, blocks in stored for block in blocks} >= {ANN, "Interviewer"}


def _stored_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        index = PG_TABLE if connection.vendor == "postgresql" else FTS_TABLE
        cursor.execute(f"SELECT count(*) FROM {index}")
        indexed = cursor.fetchone()[0]
    return {
        "sources": Source.objects.count(),
        "segments": Segment.objects.count(),
        "pieces": SourcePiece.objects.count(),
        "code points": SourceCodePoints.objects.count(),
        "search index": indexed,
    }


def test_an_import_refused_after_the_source_was_written_stores_nothing(
    project, other_project, imported
):
    before = _stored_counts()
    stranger = Interviewee.objects.create(project=other_project, pseudonym="XX-01")

    with pytest.raises(ValidationError):
        source_import(project=project, imported=imported, language="en", interviewees=[stranger])

    assert _stored_counts() == before


def test_an_import_whose_text_cannot_be_laid_out_stores_nothing(project, imported, monkeypatch):
    before = _stored_counts()

    def broken(*args):
        raise RuntimeError("no sentences")

    monkeypatch.setattr(sources, "text_layout", broken)
    with pytest.raises(RuntimeError, match="no sentences"):
        source_import(project=project, imported=imported, language="en")

    assert _stored_counts() == before


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's own index")
def test_an_imported_source_has_the_vector_of_its_text(stored):
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT vector = {pg_vector_sql('%s')}, capped, crowded, partial "
            f"FROM {PG_TABLE} WHERE source_id = %s",
            [stored.text, stored.pk],
        )
        assert cursor.fetchone() == (True, False, [], False)


@pytest.mark.parametrize("new", [False, True])
def test_pieces_are_stored_without_a_savepoint_inside_a_transaction(project, new):
    source = source_create(project=project, title="Short", text="A: One.\n\nB: Two.")
    laid_out = list(SourcePiece.objects.filter(source=source).values_list("start", "end", "blocks"))
    SourcePiece.objects.filter(source=source).delete()
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        source_pieces_store(source.pk, new=new)
    again = list(SourcePiece.objects.filter(source=source).values_list("start", "end", "blocks"))
    assert again == laid_out and laid_out
    assert not [q["sql"] for q in queries.captured_queries if "SAVEPOINT" in q["sql"]]
