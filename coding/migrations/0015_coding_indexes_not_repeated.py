"""A coding writes every index of its table: two that repeated another's leading columns go.

- `Index(fields=["code"])` repeated the index the foreign key `code` has of its own;
- the foreign key `source`'s own index repeated the lead of the (source, start) index and of
  the unique span (source, code, coder, start, end), which serve every lookup by source.

The source index is dropped by name as the database has it, without rebuilding the table
(on SQLite, altering the field would copy every coding)."""

import django.db.models.deletion
from django.db import migrations, models


def _source_indexes(schema_editor, model) -> list[str]:
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, model._meta.db_table)
    return [
        name
        for name, info in constraints.items()
        if info["index"]
        and not info["unique"]
        and not info["primary_key"]
        and info["columns"] == ["source_id"]
    ]


def drop_source_index(apps, schema_editor):
    model = apps.get_model("coding", "Coding")
    for name in _source_indexes(schema_editor, model):
        schema_editor.execute(schema_editor._delete_index_sql(model, name))


def create_source_index(apps, schema_editor):
    model = apps.get_model("coding", "Coding")
    if not _source_indexes(schema_editor, model):
        field = model._meta.get_field("source")
        schema_editor.execute(schema_editor._create_index_sql(model, fields=[field]))


class Migration(migrations.Migration):
    dependencies = [
        ("coding", "0014_search_text_prepared_in_python"),
        ("interviews", "0013_sqlite_auto_vacuum"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="coding", name="coding_codi_code_id_8f4e45_idx"),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="coding",
                    name="source",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="codings",
                        to="interviews.source",
                    ),
                )
            ],
            database_operations=[migrations.RunPython(drop_source_index, create_source_index)],
        ),
    ]
