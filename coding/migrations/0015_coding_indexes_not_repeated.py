"""A coding writes every index of its table: two that repeated another's leading columns go.

- `Index(fields=["code"])` repeated the index the foreign key `code` has of its own;
- the foreign key `source`'s own index repeated the lead of the (source, start) index and of
  the unique span (source, code, coder, start, end), which serve every lookup by source.

The source index is dropped by name as the database has it, without rebuilding the table
(on SQLite, altering the field would copy every coding): `interviews.migration_ops`."""

import django.db.models.deletion
from django.db import migrations, models

from interviews.migration_ops import ForeignKeyIndexDropped


class Migration(migrations.Migration):
    dependencies = [
        ("coding", "0014_search_text_prepared_in_python"),
        ("interviews", "0013_sqlite_auto_vacuum"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="coding", name="coding_codi_code_id_8f4e45_idx"),
        ForeignKeyIndexDropped(
            model_name="coding",
            name="source",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="codings",
                to="interviews.source",
            ),
        ),
    ]
