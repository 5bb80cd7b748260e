"""Cheaper writes for an import (bench/README.md, "Import on PostgreSQL: less work for the
server"):

- a segment's interviewee is indexed only where it is set (most segments, the paragraphs and
  sentences, have none); the full index is dropped by name, the same on SQLite and
  PostgreSQL, so that SQLite does not rebuild the segments table to change one field's index;
- on PostgreSQL, a source's text is compressed with LZ4 where the server has it (PostgreSQL
  14 and later built with lz4, as the Debian, Ubuntu and Docker packages are): storing a
  1.2 MB text takes a few milliseconds instead of some 20 with the default pglz. Texts already
  stored keep their compression until they are written again; both read the same.
"""

import django.db.models.deletion
from django.db import migrations, models

INDEX = "interviews_segment_interviewee_id_8cb740be"


def text_lz4(apps, schema_editor):
    _text_compression(schema_editor, "lz4")


def text_default(apps, schema_editor):
    _text_compression(schema_editor, "DEFAULT")


def _text_compression(schema_editor, method: str) -> None:
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' "
            "AND 'lz4' = ANY(enumvals)"
        )
        if cursor.fetchone() is None:
            return
        cursor.execute(f"ALTER TABLE interviews_source ALTER COLUMN text SET COMPRESSION {method}")


class Migration(migrations.Migration):
    dependencies = [
        ("interviews", "0011_segment_source_index"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="segment",
                    name="interviewee",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="segments",
                        to="interviews.interviewee",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f"DROP INDEX IF EXISTS {INDEX}",
                    reverse_sql=f"CREATE INDEX {INDEX} ON interviews_segment (interviewee_id)",
                ),
            ],
        ),
        migrations.AddIndex(
            model_name="segment",
            index=models.Index(
                condition=models.Q(("interviewee__isnull", False)),
                fields=["interviewee"],
                name="segment_interviewee",
            ),
        ),
        migrations.RunPython(text_lz4, text_default),
    ]
