"""Migration operations that change a table in place, where Django would rebuild it on SQLite.

On SQLite, Django alters a field, or adds one that may not be null, by creating the table
anew and copying every row into it: for the sources, every text, and the triggers kept on
the table (the search index's) are dropped with the old one. These operations do the same
change in place.

`ForeignKeyIndexDropped` is for a foreign key whose own index repeats the lead of another.
Every row written writes each index of its table. A foreign key gets an index of its own by
default; where a unique constraint or an index of the table leads with the key's column,
that one serves every lookup by the key (joins, the cascade of a delete), and the key's own
index only costs writes and space. The operation is an `AlterField` to the field with
`db_index=False` whose database change only drops the key's own index, by the name the
database gives it. Reversed, it creates the index again.

`FieldAddedInPlace` is an `AddField` of a field with a default that SQLite takes with
`ALTER TABLE … ADD COLUMN`, the default kept in the column's definition there.
"""

from django.db import migrations


def _own_indexes(schema_editor, model, column: str) -> list[str]:
    """The names of the table's plain indexes on `column` alone."""
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, model._meta.db_table)
    return [
        name
        for name, info in constraints.items()
        if info["index"]
        and not info["unique"]
        and not info["primary_key"]
        and info["columns"] == [column]
    ]


class ForeignKeyIndexDropped(migrations.AlterField):
    """`AlterField(model_name, name, field)` where `field` is the foreign key with
    `db_index=False`: drops the key's own index and nothing else."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        model = to_state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return
        for index in _own_indexes(schema_editor, model, model._meta.get_field(self.name).column):
            schema_editor.execute(schema_editor._delete_index_sql(model, index))

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        model = to_state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return
        field = model._meta.get_field(self.name)
        if not _own_indexes(schema_editor, model, field.column):
            schema_editor.execute(schema_editor._create_index_sql(model, fields=[field]))

    def describe(self):
        return f"Drop the own index of {self.model_name}.{self.name}"

    @property
    def migration_name_fragment(self):
        return f"{self.model_name_lower}_{self.name_lower}_index_dropped"


class FieldAddedInPlace(migrations.AddField):
    """`AddField(model_name, name, field)`; on SQLite by `ALTER TABLE … ADD COLUMN`, with the
    field's default as the column's, where Django would rebuild the table. Reversed, Django
    drops the column (in place on SQLite too, for a column no index or key uses)."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "sqlite":
            super().database_forwards(app_label, schema_editor, from_state, to_state)
            return
        model = to_state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return
        field = model._meta.get_field(self.name)
        definition, params = schema_editor.column_sql(model, field, include_default=True)
        quote = schema_editor.quote_name
        schema_editor.execute(
            f"ALTER TABLE {quote(model._meta.db_table)} ADD COLUMN {quote(field.column)} "
            f"{definition}",
            params,
        )
