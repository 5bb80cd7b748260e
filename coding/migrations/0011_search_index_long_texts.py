"""Full-text index on PostgreSQL: a text with more words than one tsvector holds is indexed
by its longest beginning that fits and checked in Python (coding/search.py). Rebuilds the
index with that definition; on SQLite the index is rebuilt as it was."""

from django.db import migrations


def rebuild_index(apps, schema_editor):
    from coding.search import search_index_rebuild

    connection = schema_editor.connection
    with connection.cursor() as cursor:
        search_index_rebuild(cursor, connection.vendor)


class Migration(migrations.Migration):
    dependencies = [("coding", "0010_change_export_and_erase")]

    operations = [migrations.RunPython(rebuild_index, rebuild_index)]
