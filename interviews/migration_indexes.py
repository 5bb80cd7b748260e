"""A migration operation for a foreign key whose own index repeats the lead of another.

Every row written writes each index of its table. A foreign key gets an index of its own by
default; where a unique constraint or an index of the table leads with the key's column, that
one serves every lookup by the key (joins, the cascade of a delete), and the key's own index
only costs writes and space.

`ForeignKeyIndexDropped` is an `AlterField` to the field with `db_index=False` whose database
change only drops the key's own index, by the name the database gives it: altering the field
would rebuild the whole table on SQLite (copying every row, and dropping the triggers kept
on it). Reversed, it creates the index again.
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
