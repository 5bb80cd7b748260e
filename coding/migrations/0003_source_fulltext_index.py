"""Full-text index of source texts: FTS5 on SQLite, a tsvector table on PostgreSQL.

Both are kept in step with interviews_source by database triggers (see coding/search.py).
"""

from django.db import migrations


def create_index(apps, schema_editor):
    from coding.search import pg_search_ensure, sqlite_fts_ensure

    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            sqlite_fts_ensure(cursor)
        elif connection.vendor == "postgresql":
            pg_search_ensure(cursor)


def drop_index(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for suffix in ("ai", "ad", "au"):
                cursor.execute(f"DROP TRIGGER IF EXISTS coding_source_fts_{suffix}")
            cursor.execute("DROP TABLE IF EXISTS coding_source_fts")
        elif connection.vendor == "postgresql":
            cursor.execute("DROP TRIGGER IF EXISTS coding_source_tsv_sync ON interviews_source")
            cursor.execute("DROP TRIGGER IF EXISTS coding_source_tsv_truncate ON interviews_source")
            cursor.execute("DROP FUNCTION IF EXISTS coding_source_tsv_sync()")
            cursor.execute("DROP FUNCTION IF EXISTS coding_source_tsv_truncate()")
            cursor.execute("DROP TABLE IF EXISTS coding_source_tsv")


class Migration(migrations.Migration):
    dependencies = [
        ("coding", "0002_saved_queries"),
        ("interviews", "0003_profile"),
    ]

    operations = [migrations.RunPython(create_index, drop_index)]
