"""The planner's statistics brought up to date after a large write (PostgreSQL): a table
grown by more than a tenth of what the planner knows of it (and 50 rows) is analyzed by the
background work that grew it; SQLite is left alone."""

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from coding.models import Code, Coding
from interviews.db_statistics import statistics_refreshed
from interviews.ingest.language import sources_language_process
from interviews.ingest.segmentation import segments_insert
from interviews.models import Segment, SegmentKind, Source, SourcePiece

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's planner statistics"
)


def _planner_rows(table: str) -> float:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = to_regclass(%s)", [table])
        return cursor.fetchone()[0]


def _segments(source: Source, count: int, first: int = 0) -> None:
    segments_insert(
        [
            (source.pk, SegmentKind.SENTENCE.value, i * 10, i * 10 + 5, "", None, False, None)
            for i in range(first, first + count)
        ]
    )


def _analyzes(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].startswith("ANALYZE")]


@postgresql_only
def test_a_table_grown_past_what_the_planner_knows_is_analyzed(project):
    source = Source.objects.create(project=project, title="Long", text="x " * 20_000)
    Segment.objects.filter(source=source).delete()
    _segments(source, 400)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE interviews_segment")
    assert _planner_rows("interviews_segment") == 400

    # 89 more rows: within a tenth of 400 and 50 more (90), nothing to do.
    _segments(source, 89, first=400)
    assert Segment.objects.count() == 489
    with CaptureQueriesContext(connection) as queries:
        assert statistics_refreshed({Segment: 89}) == []
    assert _analyzes(queries) == []
    assert _planner_rows("interviews_segment") == 400

    # 91 more (here a queryset of them): past it.
    _segments(source, 2, first=489)
    added = Segment.objects.filter(source=source, start__gte=(489 - 89) * 10)
    with CaptureQueriesContext(connection) as queries:
        assert statistics_refreshed({Segment: added, SourcePiece: 0}) == ["interviews_segment"]
    assert _analyzes(queries) == ['ANALYZE "interviews_segment"']
    assert _planner_rows("interviews_segment") == 491


@postgresql_only
def test_a_table_the_planner_never_counted_is_analyzed(project):
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE scratch_never_analyzed (id int)")
        cursor.execute("INSERT INTO scratch_never_analyzed SELECT generate_series(1, 7)")
    assert _planner_rows("scratch_never_analyzed") == -1

    class Scratch:
        class _meta:  # noqa: N801  (what statistics_refreshed reads of a model)
            db_table = "scratch_never_analyzed"

    assert statistics_refreshed({Scratch: 1}) == ["scratch_never_analyzed"]
    assert _planner_rows("scratch_never_analyzed") == 7


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite only")
def test_sqlite_is_left_alone(project):
    with CaptureQueriesContext(connection) as queries:
        assert statistics_refreshed({Segment: 10_000, Coding: 10_000}) == []
    assert len(queries) == 0


@postgresql_only
def test_language_processing_analyzes_the_segments_an_import_wrote(project):
    text = "Interviewer: Where?\n\nRespondent: In Minsk, in Belarus. " * 300
    source = Source.objects.create(project=project, title="Minsk", text=text)
    Segment.objects.filter(source=source).delete()
    _segments(source, 600)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE interviews_segment")
    _segments(source, 600, first=600)
    assert _planner_rows("interviews_segment") == 600

    counts = sources_language_process([source.pk])

    assert counts["sources"] == 1
    assert _planner_rows("interviews_segment") == Segment.objects.count() == 1200


def test_a_project_import_counts_what_it_added(project, users, monkeypatch):
    from exchange.export import project_export
    from exchange.readers import read_archive
    from exchange.storing import qdpx_import

    source = Source.objects.create(project=project, title="One", text="One two three. Four.")
    code = Code.objects.create(project=project, name="Numbers")
    Coding.objects.create(source=source, code=code, coder=users["lead"], start=0, end=3)
    Coding.objects.create(source=source, code=code, coder=users["lead"], start=4, end=7)
    buffer = io.BytesIO()
    project_export(project=project, stream=buffer)
    buffer.seek(0)
    asked = []
    monkeypatch.setattr(
        "exchange.storing.statistics_refreshed", lambda grown: asked.append(grown) or []
    )

    imported, _report = qdpx_import(archive=read_archive(buffer), user=users["admin"])

    [grown] = asked
    new_source = Source.objects.get(project=imported)
    counted = {model: rows.count() for model, rows in grown.items()}
    assert counted == {
        Source: 1,
        Segment: Segment.objects.filter(source=new_source).count(),
        SourcePiece: SourcePiece.objects.filter(source=new_source).count(),
        Code: 1,
        Coding: 2,
    }
    assert counted[Segment] > 0 and counted[SourcePiece] > 0


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite only")
def test_on_sqlite_the_rows_added_are_not_even_counted(project):
    with CaptureQueriesContext(connection) as queries:
        assert statistics_refreshed({Segment: Segment.objects.all()}) == []
    assert len(queries) == 0
