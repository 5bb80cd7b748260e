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

`ForeignKeyCheckedPerStatement` is for a foreign key of a table written thousands of rows at
a time (a long transcript's segments). PostgreSQL checks a foreign key constraint row by
row: every row inserted queues an event that, at commit, looks its parent up and locks it,
the same parent each time. For the 18,000 segments of a 200,000-word transcript that was
most of the import's `COMMIT` (bench/README.md). On PostgreSQL the operation replaces the
constraint by triggers that check the same things a statement at a time:

- after each statement inserting rows (a `COPY` included), the distinct parents they name
  are locked `FOR KEY SHARE`, as the constraint's check locks them, so that no other
  transaction can delete one before this one ends; a parent missing fails the statement
  with PostgreSQL's error for a foreign key (`foreign_key_violation`, an `IntegrityError`
  in Django);
- a row whose key is changed to another parent is checked the same way, at commit;
- a parent deleted, or its key changed, while rows still name it fails the transaction at
  commit, so that Django's cascade, which deletes the rows before their parent, and any
  order inside one transaction, work as with the deferred constraint;
- `TRUNCATE` of the parent's table empties the rows' table too, as `TRUNCATE … CASCADE`
  would.

On SQLite nothing changes: the table keeps its foreign key, which SQLite checks in process
at the cost of an index lookup per row. The field's state says `db_constraint=False`, so
Django creates no constraint of its own; `tests/interviews/test_segment_source_check.py`
holds that SQLite's table still declares the key. Reversed, the triggers are dropped and the
constraint is created again.
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


class ForeignKeyCheckedPerStatement(migrations.AlterField):
    """`AlterField(model_name, name, field)` where `field` is the foreign key with
    `db_constraint=False`: on PostgreSQL, its constraint replaced by statement-level
    triggers that check the same (the module's docstring); on SQLite, nothing."""

    def _names(self, model):
        field = model._meta.get_field(self.name)
        table = model._meta.db_table
        parent = field.remote_field.model._meta
        base = f"{table}_{field.column}"
        return {
            "table": table,
            "column": field.column,
            "parent": parent.db_table,
            "parent_key": parent.get_field(field.remote_field.field_name).column,
            "rows_check": f"{base}_exists",
            "parent_check": f"{base}_still_named",
            "parent_truncated": f"{base}_truncated",
            # The triggers, each with its table: (name, "table" or "parent").
            "triggers": (
                (f"{base}_exists_ins", "table"),
                (f"{base}_exists_upd", "table"),
                (f"{base}_still_named_del", "parent"),
                (f"{base}_still_named_upd", "parent"),
                (f"{base}_truncated", "parent"),
            ),
        }

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        model = to_state.apps.get_model(app_label, self.model_name)
        if schema_editor.connection.vendor != "postgresql" or not self.allow_migrate_model(
            schema_editor.connection.alias, model
        ):
            return
        old_model = from_state.apps.get_model(app_label, self.model_name)
        old_field = old_model._meta.get_field(self.name)
        for name in schema_editor._constraint_names(
            old_model, [old_field.column], foreign_key=True
        ):
            schema_editor.execute(schema_editor._delete_fk_sql(old_model, name))
        for statement in _checking_triggers(schema_editor.quote_name, self._names(model)):
            # No parameters: the functions' messages hold RAISE's own `%`.
            schema_editor.execute(statement, None)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        model = to_state.apps.get_model(app_label, self.model_name)
        if schema_editor.connection.vendor != "postgresql" or not self.allow_migrate_model(
            schema_editor.connection.alias, model
        ):
            return
        names = self._names(model)
        quote = schema_editor.quote_name
        for trigger, table in names["triggers"]:
            schema_editor.execute(
                f"DROP TRIGGER IF EXISTS {quote(trigger)} ON {quote(names[table])}"
            )
        for function in ("rows_check", "parent_check", "parent_truncated"):
            schema_editor.execute(f"DROP FUNCTION IF EXISTS {quote(names[function])}()")
        field = model._meta.get_field(self.name)
        schema_editor.execute(
            schema_editor._create_fk_sql(model, field, "_fk_%(to_table)s_%(to_column)s")
        )

    def describe(self):
        return f"Check {self.model_name}.{self.name} a statement at a time"

    @property
    def migration_name_fragment(self):
        return f"{self.model_name_lower}_{self.name_lower}_checked_per_statement"


def _checking_triggers(quote, names: dict[str, str]) -> list[str]:
    """PostgreSQL's functions and triggers of `ForeignKeyCheckedPerStatement`."""
    table, column = quote(names["table"]), quote(names["column"])
    parent, key = quote(names["parent"]), quote(names["parent_key"])
    violation = (
        f'insert or update on table "{names["table"]}" violates its foreign key '
        f'({names["column"]}): no row of "{names["parent"]}" has %'
    )
    still_named = (
        f'update or delete on table "{names["parent"]}" leaves rows of '
        f'"{names["table"]}" naming % in {names["column"]}'
    )
    rows_check, parent_check = quote(names["rows_check"]), quote(names["parent_check"])
    parent_truncated = quote(names["parent_truncated"])
    inserted, moved, deleted, rekeyed, truncated = (quote(t) for t, _ in names["triggers"])
    return [
        # The rows a statement inserted (`new_rows`; on UPDATE, the one row of the row
        # trigger): their distinct parents gathered in one pass, locked as the constraint
        # would lock them, and the first missing one named.
        f"""
        CREATE FUNCTION {rows_check}() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            wanted bigint[];
            locked bigint;
            missing bigint;
        BEGIN
            IF TG_LEVEL = 'ROW' THEN
                wanted := ARRAY[NEW.{column}];
            ELSE
                SELECT array_agg(DISTINCT n.{column}) INTO wanted
                    FROM new_rows n WHERE n.{column} IS NOT NULL;
            END IF;
            IF wanted IS NULL THEN
                RETURN NULL;
            END IF;
            SELECT count(*) INTO locked FROM (
                SELECT 1 FROM {parent} p WHERE p.{key} = ANY (wanted) FOR KEY SHARE OF p
            ) parents;
            IF locked < cardinality(wanted) THEN
                SELECT w INTO missing FROM unnest(wanted) w
                    WHERE NOT EXISTS (SELECT 1 FROM {parent} p WHERE p.{key} = w) LIMIT 1;
                RAISE EXCEPTION '{violation}', missing USING ERRCODE = 'foreign_key_violation';
            END IF;
            RETURN NULL;
        END $$""",
        f"""
        CREATE TRIGGER {inserted} AFTER INSERT ON {table}
        REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {rows_check}()""",
        f"""
        CREATE CONSTRAINT TRIGGER {moved}
        AFTER UPDATE OF {column} ON {table} DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
        WHEN (NEW.{column} IS DISTINCT FROM OLD.{column}) EXECUTE FUNCTION {rows_check}()""",
        # A parent deleted, or its key changed, while rows still name it: checked at commit.
        f"""
        CREATE FUNCTION {parent_check}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF EXISTS (SELECT 1 FROM {table} WHERE {column} = OLD.{key}) THEN
                RAISE EXCEPTION '{still_named}', OLD.{key}
                    USING ERRCODE = 'foreign_key_violation';
            END IF;
            RETURN NULL;
        END $$""",
        f"""
        CREATE CONSTRAINT TRIGGER {deleted} AFTER DELETE ON {parent}
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION {parent_check}()""",
        f"""
        CREATE CONSTRAINT TRIGGER {rekeyed}
        AFTER UPDATE OF {key} ON {parent} DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
        WHEN (NEW.{key} IS DISTINCT FROM OLD.{key}) EXECUTE FUNCTION {parent_check}()""",
        f"""
        CREATE FUNCTION {parent_truncated}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            DELETE FROM {table};
            RETURN NULL;
        END $$""",
        f"""
        CREATE TRIGGER {truncated} AFTER TRUNCATE ON {parent}
        FOR EACH STATEMENT EXECUTE FUNCTION {parent_truncated}()""",
    ]
