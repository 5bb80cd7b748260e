"""The planner's statistics brought up to date after a large write (PostgreSQL).

PostgreSQL plans a query from what it last learned of each table (`ANALYZE`). Autovacuum
analyzes a table once a tenth of its rows (and 50 more) have changed, but only at its next
round, up to a minute later, and a prepared statement keeps the plan it made meanwhile. A
plan made for a table of a few hundred segments or codings, run once it holds tens of
thousands, can read every row of a source or a project where a few would do
(bench/README.md, "The first piece's sentences read by one kind at a time" and "Public
API"). So the background work that writes many rows at once (an import's language
processing, a REFI-QDA project) analyzes the tables it grew past that threshold itself,
when it ends. SQLite's planner keeps no such statistics unless asked: nothing is done there.
"""

from __future__ import annotations

from django.db import connections
from django.db.models import Model, QuerySet

# Autovacuum's defaults (autovacuum_analyze_scale_factor, autovacuum_analyze_threshold).
SCALE = 0.1
THRESHOLD = 50


def statistics_refreshed(
    grown: dict[type[Model], int | QuerySet], using: str = "default"
) -> list[str]:
    """Analyze each model's table to which `grown[model]` rows were just added (a number,
    or a queryset of them, counted only on PostgreSQL), when the planner's count of its rows
    (`pg_class.reltuples`) is unknown or those rows exceed a tenth of it and 50 more.
    Returns the tables analyzed."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return []
    tables = {}
    for model, rows in grown.items():
        added = rows.count() if isinstance(rows, QuerySet) else rows
        if added > 0:
            tables[model._meta.db_table] = added
    if not tables:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reltuples FROM pg_class "
            "WHERE oid = ANY(ARRAY(SELECT to_regclass(name) FROM unnest(%s::text[]) name))",
            [sorted(tables)],
        )
        known = dict(cursor.fetchall())
        analyzed = []
        for table in sorted(tables):
            rows = known.get(table)
            if rows is not None and (rows < 0 or tables[table] > SCALE * rows + THRESHOLD):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
                analyzed.append(table)
    return analyzed
