"""A segment names a source that exists: on PostgreSQL checked by triggers a statement at a
time (migration interviews 0017, `interviews.migration_ops.ForeignKeyCheckedPerStatement`),
on SQLite by the table's foreign key. On both, a segment naming no source is refused and
stores nothing, a source still named by segments cannot be deleted around Django's cascade,
and the cascade deletes a source with its segments."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import Max

from interviews.ingest.segmentation import segments_insert
from interviews.models import Segment, SegmentKind, Source
from tests.migrations import migrate_to, migrate_to_the_end

pytestmark = pytest.mark.django_db(transaction=True)


def _no_such_source() -> int:
    return (Source.objects.aggregate(last=Max("pk"))["last"] or 0) + 1000


def _row(source_id: int, start: int = 0) -> tuple:
    return (source_id, SegmentKind.SENTENCE.value, start, start + 5, "", None, False, None)


def _foreign_keys() -> dict[str, str]:
    """The segments' table's foreign key constraints: column → table they name."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "interviews_segment")
    return {
        info["columns"][0]: info["foreign_key"][0]
        for info in constraints.values()
        if info["foreign_key"]
    }


def _triggers() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal "
            "AND tgname LIKE 'interviews_segment_source_id%' ORDER BY tgname"
        )
        return [row[0] for row in cursor.fetchall()]


def _bare_source(project) -> Source:
    """A source with nothing but its text's code points, then one segment of its own."""
    bare = Source.objects.create(project=project, title="Bare", text="Short. Text.")
    segments_insert([_row(bare.pk)])
    return bare


def test_segments_naming_no_source_are_refused_and_nothing_is_stored(source):
    stored = list(Segment.objects.order_by("pk").values_list("pk", "source_id", "start"))
    missing = _no_such_source()
    # The import's way (PostgreSQL: one COPY), a good row before the bad one.
    with pytest.raises(IntegrityError) as refused, transaction.atomic():
        segments_insert([_row(source.pk, 1), _row(missing)])
    if connection.vendor == "postgresql":
        assert (
            'insert or update on table "interviews_segment" violates its foreign key '
            f'(source_id): no row of "interviews_source" has {missing}'
        ) in str(refused.value)
    # One row through the ORM, and several.
    with pytest.raises(IntegrityError), transaction.atomic():
        Segment.objects.create(source_id=missing, kind=SegmentKind.SENTENCE, start=0, end=5)
    with pytest.raises(IntegrityError), transaction.atomic():
        Segment.objects.bulk_create(
            [
                Segment(source_id=source.pk, kind=SegmentKind.SENTENCE, start=2, end=5),
                Segment(source_id=missing, kind=SegmentKind.SENTENCE, start=0, end=5),
            ]
        )
    assert list(Segment.objects.order_by("pk").values_list("pk", "source_id", "start")) == stored


def test_segments_of_an_existing_source_are_stored(source, other_project):
    other = other_project.sources.get()
    before = Segment.objects.count()
    segments_insert([_row(source.pk, 1), _row(other.pk, 2), _row(source.pk, 3)])
    assert Segment.objects.count() == before + 3
    assert Segment.objects.filter(source=other, start=2, end=7).count() == 1


def test_a_segment_moved_to_no_source_is_refused_and_to_another_source_is_not(
    source, other_project
):
    segment = source.segments.order_by("pk").first()
    with pytest.raises(IntegrityError), transaction.atomic():
        Segment.objects.filter(pk=segment.pk).update(source_id=_no_such_source())
    segment.refresh_from_db()
    assert segment.source_id == source.pk
    other = other_project.sources.get()
    Segment.objects.filter(pk=segment.pk).update(source_id=other.pk)
    segment.refresh_from_db()
    assert segment.source_id == other.pk


def test_a_source_still_named_by_segments_is_not_deleted(project):
    bare = _bare_source(project)
    code_points = "DELETE FROM interviews_sourcecodepoints WHERE source_id = %s"
    with pytest.raises(IntegrityError) as refused, transaction.atomic(), connection.cursor() as c:
        c.execute(code_points, [bare.pk])
        c.execute("DELETE FROM interviews_source WHERE id = %s", [bare.pk])
    if connection.vendor == "postgresql":
        assert (
            'update or delete on table "interviews_source" leaves rows of "interviews_segment" '
            f"naming {bare.pk} in source_id"
        ) in str(refused.value)
    assert Source.objects.filter(pk=bare.pk).exists()
    assert Segment.objects.filter(source_id=bare.pk).count() == 1


def test_a_source_and_its_segments_deleted_in_one_transaction_in_either_order(project):
    segments = "DELETE FROM interviews_segment WHERE source_id = %s"
    sources = "DELETE FROM interviews_source WHERE id = %s"
    for statements in ((segments, sources), (sources, segments)):
        bare = _bare_source(project)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "DELETE FROM interviews_sourcecodepoints WHERE source_id = %s", [bare.pk]
            )
            for statement in statements:
                cursor.execute(statement, [bare.pk])
        assert not Source.objects.filter(pk=bare.pk).exists()
        assert not Segment.objects.filter(source_id=bare.pk).exists()


def test_deleting_a_source_deletes_its_segments(source, other_project):
    other = other_project.sources.get()
    segments_insert([_row(other.pk, 1), _row(other.pk, 2)])
    kept = other.segments.count()
    assert source.segments.count() > 0 and kept == 2
    pk = source.pk
    source.delete()
    assert not Segment.objects.filter(source_id=pk).exists()
    assert other.segments.count() == kept


def test_postgresql_checks_the_source_by_triggers_and_keeps_the_interviewees_key():
    if connection.vendor != "postgresql":
        assert _foreign_keys() == {
            "interviewee_id": "interviews_interviewee",
            "source_id": "interviews_source",
        }
        return
    assert _foreign_keys() == {"interviewee_id": "interviews_interviewee"}
    assert _triggers() == [
        "interviews_segment_source_id_exists_ins",
        "interviews_segment_source_id_exists_upd",
        "interviews_segment_source_id_still_named_del",
        "interviews_segment_source_id_still_named_upd",
        "interviews_segment_source_id_truncated",
    ]


def test_postgresql_locks_the_source_of_segments_being_written(source):
    """As the constraint's check does: until the writing transaction ends, no other one can
    delete the source (its `FOR UPDATE` lock waits for the `FOR KEY SHARE` one)."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    import psycopg

    settings = connection.get_connection_params()
    other = psycopg.connect(**settings)
    try:
        with transaction.atomic():
            segments_insert([_row(source.pk, 1)])
            with pytest.raises(psycopg.errors.LockNotAvailable), other.cursor() as cursor:
                cursor.execute(
                    "SELECT 1 FROM interviews_source WHERE id = %s FOR UPDATE NOWAIT",
                    [source.pk],
                )
            other.rollback()
            # A lock that does not conflict with it is taken at once.
            with other.cursor() as cursor:
                cursor.execute(
                    "SELECT 1 FROM interviews_source WHERE id = %s FOR SHARE NOWAIT", [source.pk]
                )
            other.rollback()
    finally:
        other.close()


def test_postgresql_truncating_the_sources_empties_the_segments(source):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    assert Segment.objects.exists()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE interviews_source CASCADE")
    assert not Segment.objects.exists()


def test_the_migration_replaces_the_constraint_and_keeps_the_segments(source):
    segments = list(Segment.objects.order_by("pk").values_list("pk", "source_id", "start", "end"))
    assert segments
    migrate_to(connection, ("interviews", "0016_source_sentence_count"))
    try:
        assert _foreign_keys() == {
            "interviewee_id": "interviews_interviewee",
            "source_id": "interviews_source",
        }
        if connection.vendor == "postgresql":
            assert _triggers() == []
    finally:
        migrate_to_the_end(connection)
    assert (
        list(Segment.objects.order_by("pk").values_list("pk", "source_id", "start", "end"))
        == segments
    )
    if connection.vendor == "postgresql":
        assert _foreign_keys() == {"interviewee_id": "interviews_interviewee"}
        assert len(_triggers()) == 5
    with pytest.raises(IntegrityError), transaction.atomic():
        segments_insert([_row(_no_such_source())])
