"""Rows written straight into a table, for the thousands of rows an import stores at once.

Building a model instance and its SQL per row (the ORM's `bulk_create`) is most of the cost
of storing them: PostgreSQL takes them in one `COPY` (a 50,000-word source's 5,800 segments:
1.2 s as prepared inserts, bench/README.md), other databases in one prepared statement
executed for all rows. The database still checks every constraint.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.db import connections, router

# Rows per executemany call where there is no COPY.
CHUNK = 5000


def rows_insert(
    model,
    columns: Iterable[str],
    rows: Iterable[tuple],
    *,
    prepared: Callable[[tuple, object], tuple] | None = None,
) -> None:
    """Insert `rows`, values of the table's `columns` (column names) in that order, into
    `model`'s table. The rows are given as `COPY` takes them (psycopg adapts uuids, times,
    JSON text); `prepared(row, connection)` gives a row as another database's driver takes it
    (a uuid as its text, say) where it differs."""
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = list(columns)
    names = ", ".join(quote(column) for column in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY goes to psycopg directly: its errors are translated into Django's here.
            with (
                connection.wrap_database_errors,
                cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row(row)
            return
        sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(columns))})"
        batch: list[tuple] = []
        for row in rows:
            batch.append(row if prepared is None else prepared(row, connection))
            if len(batch) == CHUNK:
                cursor.executemany(sql, batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
