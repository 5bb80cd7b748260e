"""SQLite only: a database file created before its settings asked for `auto_vacuum` is
converted (`VACUUM` rewrites the file once), so that reading a quote far into a long
text's code points does not follow the blob's overflow pages one by one from its start
(config/settings.py). Files created since are in that mode from the start; PostgreSQL is
left alone."""

from django.db import migrations

INCREMENTAL = 2


def auto_vacuum_on(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA auto_vacuum")
        if cursor.fetchone()[0] == INCREMENTAL:
            return
        cursor.execute("PRAGMA auto_vacuum=INCREMENTAL")
        cursor.execute("VACUUM")


class Migration(migrations.Migration):
    # VACUUM cannot run inside a transaction.
    atomic = False

    dependencies = [("interviews", "0012_import_writes_less")]

    operations = [migrations.RunPython(auto_vacuum_on, migrations.RunPython.noop, atomic=False)]
