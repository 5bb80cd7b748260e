"""Each row written writes every index of its table: Parley's tables keep no index whose
columns another index of the table leads with, and every foreign key still leads one."""

import pytest
from django.apps import apps
from django.db import connection, models

from coding.models import Coding
from interviews.models import Membership, Project, Role, SourcePiece
from reports.models import SavedReport
from tests.migrations import chain_executor, migrate_to, migrate_to_the_end

APPS = {"interviews", "coding", "agreement", "reports", "api", "exchange"}

# The foreign keys that lost their own index (interviews 0015, coding 0015 to 0018,
# agreement 0002, reports 0002), by table and column.
DROPPED = {
    ("interviews_membership", "project_id"),
    ("interviews_interviewee", "project_id"),
    ("interviews_attribute", "project_id"),
    ("interviews_source", "project_id"),
    ("interviews_sourcepiece", "source_id"),
    ("interviews_namedentity", "source_id"),
    ("interviews_identifyingterm", "project_id"),
    ("interviews_identifyingentity", "project_id"),
    ("interviews_identifyingspan", "source_id"),
    ("interviews_sourcerevision", "source_id"),
    ("interviews_syncpoint", "source_id"),
    ("coding_coding", "coder_id"),
    ("coding_change", "source_id"),
    ("coding_savedquery", "project_id"),
    ("coding_codepin", "user_id"),
    ("coding_autocoderule", "project_id"),
    ("coding_suggestionmodel", "project_id"),
    ("coding_suggestion", "project_id"),
    ("coding_suggestion", "source_id"),
    ("coding_agreementresolution", "source_id"),
    ("reports_savedreport", "project_id"),
    ("reports_matrixsummary", "project_id"),
}
BEFORE = [
    ("interviews", "0014_member_session"),
    ("coding", "0015_coding_indexes_not_repeated"),
    ("agreement", "0001_initial"),
    ("reports", "0001_saved_reports_summaries_exemplars"),
]


def _models():
    return [
        model
        for model in apps.get_models()
        if model._meta.app_label in APPS and model._meta.managed and not model._meta.proxy
    ]


def _partial(model) -> set[str]:
    """The names of the model's indexes and unique constraints that hold only some rows."""
    declared = [*model._meta.indexes, *model._meta.constraints]
    return {
        item.name
        for item in declared
        if isinstance(item, models.Index | models.UniqueConstraint) and item.condition is not None
    }


def _indexes(table: str) -> dict[str, tuple[list[str], bool]]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return {
        name: (info["columns"], bool(info["unique"] or info["primary_key"]))
        for name, info in constraints.items()
        if (info["index"] or info["unique"] or info["primary_key"])
        and not info["check"]
        and info["columns"]
        and None not in info["columns"]
        # PostgreSQL's `…_like` index of a text column (pattern operators, for LIKE) is of
        # another kind than the column's plain index, and serves other queries.
        and not (connection.vendor == "postgresql" and name.endswith("_like"))
    }


def _own_index(table: str, column: str) -> list[str]:
    return [
        name
        for name, (columns, unique) in _indexes(table).items()
        if columns == [column] and not unique
    ]


@pytest.mark.django_db
def test_no_index_of_parleys_tables_repeats_the_lead_of_another():
    repeated = []
    for model in _models():
        table, partial = model._meta.db_table, _partial(model)
        indexes = _indexes(table)
        repeated += [
            (table, name, other)
            for name, (columns, unique) in indexes.items()
            for other, (other_columns, _) in indexes.items()
            if not unique
            and other != name
            and other not in partial
            and other_columns[: len(columns)] == columns
            and (len(other_columns) > len(columns) or other < name)
        ]
    assert repeated == []


@pytest.mark.django_db
def test_every_foreign_key_leads_an_index():
    unled = []
    for model in _models():
        leads = {columns[0] for columns, _ in _indexes(model._meta.db_table).values()}
        unled += [
            (model._meta.db_table, field.column)
            for field in model._meta.concrete_fields
            if field.is_relation and field.column not in leads
        ]
    assert unled == []
    for table, column in DROPPED:
        assert _own_index(table, column) == [], (table, column)


@pytest.mark.django_db(transaction=True)
def test_the_migrations_drop_the_repeated_indexes_and_keep_the_rows(source, users):
    pieces = list(SourcePiece.objects.filter(source=source).values_list("pk", flat=True))
    report = SavedReport.objects.create(
        project=source.project, name="Kept", kind="frequencies", created_by=users["lead"]
    )
    chain_executor(connection).migrate(BEFORE)
    try:
        assert [(t, c) for t, c in sorted(DROPPED) if not _own_index(t, c)] == []
    finally:
        migrate_to_the_end(connection)
    assert [(t, c) for t, c in sorted(DROPPED) if _own_index(t, c)] == []
    assert pieces
    assert list(SourcePiece.objects.filter(source=source).values_list("pk", flat=True)) == pieces
    assert list(SavedReport.objects.filter(project=source.project)) == [report]
    assert Membership.objects.filter(project=source.project, role=Role.LEAD).exists()
    assert Project.objects.filter(sources=source).get() == source.project


@pytest.mark.django_db(transaction=True)
def test_the_codings_migration_drops_its_two_repeated_indexes_and_keeps_the_codings(coding):
    migrate_to(connection, ("coding", "0014_search_text_prepared_in_python"))
    try:
        before = _indexes("coding_coding")
        assert [n for n, (columns, _) in before.items() if columns == ["source_id"]]
        assert len([n for n, (columns, _) in before.items() if columns == ["code_id"]]) == 2
    finally:
        migrate_to_the_end(connection)
    after = _indexes("coding_coding")
    assert [n for n, (columns, _) in after.items() if columns == ["source_id"]] == []
    assert len([n for n, (columns, _) in after.items() if columns == ["code_id"]]) == 1
    assert list(Coding.objects.filter(source_id=coding.source_id).values_list("pk", flat=True)) == [
        coding.pk
    ]
    assert Coding.objects.get(pk=coding.pk).code_id == coding.code_id
