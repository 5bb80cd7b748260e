"""The codings table keeps only indexes that no other one repeats: each is written by every
coding."""

import pytest
from django.db import connection

from coding.models import Coding
from tests.migrations import migrate_to, migrate_to_the_end


def _indexes(table: str) -> dict[str, tuple[list[str], bool]]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return {
        name: (info["columns"], bool(info["unique"] or info["primary_key"]))
        for name, info in constraints.items()
        if (info["index"] or info["unique"] or info["primary_key"]) and not info["check"]
    }


@pytest.mark.django_db
def test_no_index_of_the_codings_table_repeats_the_lead_of_another():
    indexes = _indexes("coding_coding")
    repeated = [
        (name, other)
        for name, (columns, unique) in indexes.items()
        for other, (other_columns, _) in indexes.items()
        if not unique
        and other != name
        and other_columns[: len(columns)] == columns
        and (len(other_columns) > len(columns) or other < name)
    ]
    assert repeated == []
    leads = sorted(columns[0] for columns, _unique in indexes.values())
    # Lookups by source, code, coder and guid each have an index leading with them.
    assert {"source_id", "code_id", "coder_id", "guid"} <= set(leads)


@pytest.mark.django_db(transaction=True)
def test_the_migration_drops_the_repeated_indexes_and_keeps_the_codings(coding):
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
