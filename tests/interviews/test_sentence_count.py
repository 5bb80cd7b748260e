"""A source keeps the number of its stored sentences: written with them at import, kept when
a revision removes some, counted once for sources stored before, and read by the reading
page without counting the segment rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from interviews.deid.models import RevisionKind
from interviews.deid.revisions import source_correct, source_revise
from interviews.models import SegmentKind, Source
from interviews.services import source_create
from tests.migrations import migrate_to, migrate_to_the_end


def _stored(source: Source) -> int:
    return source.segments.filter(kind=SegmentKind.SENTENCE).count()


def test_an_import_stores_the_number_of_its_sentences(project):
    source = source_create(
        project=project,
        title="Four sentences",
        text="Interviewer: Ready? Yes.\n\nRespondent: It is. Done.",
    )
    source.refresh_from_db()
    assert _stored(source) == 4
    assert source.sentence_count == 4


def test_a_revision_that_removes_a_sentence_counts_one_fewer(source, users):
    before = _stored(source)
    assert source.sentence_count == before > 1
    gone = "Money was always short, but the partners trusted each other."
    sentence = source.segments.get(kind=SegmentKind.SENTENCE, start=source.text.index(gone))
    assert source.text[sentence.start : sentence.end] == gone
    # The sentence and the blank before it go.
    source_revise(
        source=source,
        edits=[(sentence.start - 1, sentence.end, "")],
        kind=RevisionKind.CORRECTION,
        user=users["lead"],
    )
    source.refresh_from_db()
    assert gone not in source.text
    assert _stored(source) == before - 1
    assert source.sentence_count == before - 1
    # A correction inside a sentence, or one that leaves a part of it, keeps every sentence.
    source_correct(
        source=source, text=source.text.replace("festival", "film festival"), user=users["lead"]
    )
    source_correct(source=source, text=source.text.replace(" in Minsk", ""), user=users["lead"])
    source.refresh_from_db()
    assert source.sentence_count == _stored(source) == before - 1


def test_the_reading_page_shows_the_number_without_counting_the_segments(source, client_for):
    with CaptureQueriesContext(connection) as queries:
        response = client_for("viewer").get(
            reverse("interviews:source_detail", args=[source.project_id, source.pk])
        )
    assert response.status_code == 200
    assert f"Sentences: {_stored(source)} ·" in response.content.decode()
    counted = [
        q["sql"] for q in queries if "COUNT(" in q["sql"] and "interviews_segment" in q["sql"]
    ]
    assert counted == []


@pytest.mark.django_db(transaction=True)
def test_the_migration_counts_the_sentences_of_sources_stored_before(source, other_project):
    other = other_project.sources.get()
    expected = {source.pk: _stored(source), other.pk: _stored(other)}
    assert expected[source.pk] > 0
    migrate_to(connection, ("interviews", "0015_foreign_key_indexes_not_repeated"))
    try:
        with connection.cursor() as cursor:
            columns = connection.introspection.get_table_description(cursor, "interviews_source")
        assert "sentence_count" not in {column.name for column in columns}
    finally:
        migrate_to_the_end(connection)
    counts = dict(Source.objects.values_list("pk", "sentence_count"))
    assert counts == expected
    if connection.vendor == "sqlite":
        # The column was added in place: the table kept the search index's triggers.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' "
                "AND tbl_name = 'interviews_source' ORDER BY name"
            )
            triggers = [row[0] for row in cursor.fetchall()]
        assert triggers == ["coding_source_fts_ad", "coding_source_fts_ai", "coding_source_fts_au"]
