"""Sources that already have codings are frozen (the field is new in `interviews.0006`).

On SQLite, adding that column rebuilt the sources table, and SQLite drops a table's triggers
when it rebuilds it: the full-text index's triggers are made again and the index rebuilt.
"""

from django.db import migrations
from django.db.models import Exists, OuterRef


def freeze_coded_sources(apps, schema_editor):
    source = apps.get_model("interviews", "Source")
    coding = apps.get_model("coding", "Coding")
    source.objects.filter(Exists(coding.objects.filter(source=OuterRef("pk")))).update(
        frozen=True
    )


def search_triggers_restore(apps, schema_editor):
    from coding.search import sqlite_fts_ensure

    connection = schema_editor.connection
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            sqlite_fts_ensure(cursor)


class Migration(migrations.Migration):
    dependencies = [
        ("coding", "0008_agreementresolution_moves_to_agreement"),
        ("interviews", "0006_source_frozen"),
    ]

    operations = [
        migrations.RunPython(freeze_coded_sources, migrations.RunPython.noop),
        migrations.RunPython(search_triggers_restore, migrations.RunPython.noop),
    ]
