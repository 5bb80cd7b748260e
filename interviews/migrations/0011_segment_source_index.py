"""A segment's source has no index of its own: the (source, kind, start) index covers it.

The index is dropped by name (the same on SQLite and PostgreSQL), so that SQLite does not
rebuild the segments table to change one field's index.
"""

import django.db.models.deletion
from django.db import migrations, models

INDEX = "interviews_segment_source_id_a6f0bba7"


class Migration(migrations.Migration):
    dependencies = [
        ("interviews", "0010_source_pieces"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="segment",
                    name="source",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="segments",
                        to="interviews.source",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f"DROP INDEX IF EXISTS {INDEX}",
                    reverse_sql=f"CREATE INDEX {INDEX} ON interviews_segment (source_id)",
                ),
            ],
        ),
    ]
