"""Migrations as a database that was upgraded step by step has them.

`interviews` 0001-0012 and `coding` 0001-0015 are squashed: a new database is created by the
squashed migrations, and Django records the ones they replace as applied too. A test that
steps back to one of the replaced migrations needs the graph of the replaced ones alone
(Django's own fallback keeps the squashed nodes beside them, and mixes both into its state).
"""

from django.db.migrations.executor import MigrationExecutor


def chain_graph(executor: MigrationExecutor) -> None:
    """(Re)build the executor's graph from the replaced migrations, without the squashed ones."""
    loader = executor.loader
    loader.replace_migrations = False
    loader.build_graph()
    for key, migration in loader.replacements.items():
        loader.graph.remove_replacement_node(key, migration.replaces)


def chain_executor(connection) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    chain_graph(executor)
    return executor


def migrate_to(connection, target: tuple[str, str]) -> None:
    """Migrate forwards or back to `target`, along the replaced migrations."""
    chain_executor(connection).migrate([target])


def migrate_to_the_end(connection) -> None:
    executor = chain_executor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def _definition_items(body: str) -> list[str]:
    """The column and constraint definitions of a CREATE TABLE, in name order."""
    items, depth, current = [], 0, ""
    for char in body:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            items.append(current.strip())
            current = ""
        else:
            current += char
    items.append(current.strip())
    return sorted(items)


PG_CATALOG = {
    "column": """SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
        pg_get_expr(d.adbin, d.adrelid), a.attidentity, a.attstorage, a.attcompression
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = current_schema()
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm')""",
    "constraint": """SELECT c.relname, con.conname, pg_get_constraintdef(con.oid)
        FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = current_schema()""",
    "index": """SELECT tablename, indexname, indexdef FROM pg_indexes
        WHERE schemaname = current_schema()""",
    "trigger": """SELECT c.relname, t.tgname, pg_get_triggerdef(t.oid) FROM pg_trigger t
        JOIN pg_class c ON c.oid = t.tgrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = current_schema()
        WHERE NOT t.tgisinternal""",
    "function": """SELECT p.proname, pg_get_functiondef(p.oid) FROM pg_proc p
        JOIN pg_namespace n ON n.oid = p.pronamespace AND n.nspname = current_schema()""",
    "relation": """SELECT c.relname, c.relkind, coalesce(array_to_string(c.reloptions, ','), '')
        FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = current_schema()
        WHERE c.relkind IN ('r', 'S', 'm', 'v')""",
}


def schema(connection) -> list[str]:
    """Every table, column, constraint, index, trigger and function of the database, one
    line each, sorted: two databases with the same schema give the same lines, whatever
    order their columns were added in."""
    lines = []
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA auto_vacuum")
            lines.append(f"auto_vacuum {cursor.fetchone()[0]}")
            cursor.execute("SELECT type, name, tbl_name, sql FROM sqlite_master")
            for kind, name, table, sql in cursor.fetchall():
                sql = " ".join((sql or "").split())
                if kind == "table" and sql.startswith("CREATE TABLE"):
                    body = sql.split("(", 1)[1].rsplit(")", 1)[0]
                    lines += [f"table {name}: {item}" for item in _definition_items(body)]
                else:
                    lines.append(f"{kind} {name} on {table}: {sql}")
        else:
            for kind, sql in PG_CATALOG.items():
                cursor.execute(sql)
                lines += [f"{kind} " + " | ".join(map(str, row)) for row in cursor.fetchall()]
    return sorted(lines)


if __name__ == "__main__":
    # python -m tests.migrations squashed|chain: migrate the database of the settings (a new
    # one) as Django does, or along the replaced migrations; print its schema as JSON.
    import json
    import sys

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if sys.argv[1] == "chain":
        migrate_to_the_end(connection)
    else:
        call_command("migrate", verbosity=0)
    print(json.dumps(schema(connection)))
