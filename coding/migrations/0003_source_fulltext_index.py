"""Full-text index of source texts: FTS5 on SQLite, a GIN tsvector index on PostgreSQL."""

from django.db import migrations

FTS_TABLE = "coding_source_fts"
PG_INDEX = "coding_source_fts_idx"
# Must match coding.search.PG_VECTOR exactly, or PostgreSQL will not use the index.
PG_VECTOR = (
    "to_tsvector('simple'::regconfig, translate(\"interviews_source\".\"text\", "
    "'!\"#$%&''()*+,-./:;<=>?@[\\]^_`{|}~', '                                '))"
)


def create_index(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            from coding.search import sqlite_fts_ensure

            sqlite_fts_ensure(cursor)
        elif connection.vendor == "postgresql":
            cursor.execute(
                f"CREATE INDEX IF NOT EXISTS {PG_INDEX} ON interviews_source USING GIN ({PG_VECTOR})"
            )


def drop_index(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for suffix in ("ai", "ad", "au"):
                cursor.execute(f"DROP TRIGGER IF EXISTS {FTS_TABLE}_{suffix}")
            cursor.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")
        elif connection.vendor == "postgresql":
            cursor.execute(f"DROP INDEX IF EXISTS {PG_INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("coding", "0002_saved_queries"),
        ("interviews", "0003_profile"),
    ]

    operations = [migrations.RunPython(create_index, drop_index)]
